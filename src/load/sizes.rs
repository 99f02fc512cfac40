//! How much text a role's document and a family may hold, estimated
//! before rendering: layout memory grows with the text.

use super::checker::{Checker, named};
use super::family::bases;
use crate::schema::{self, FamilyFile, ItemList};
use unicode_segmentation::UnicodeSegmentation;

/// The most text one role's document may hold, each text counted once as
/// written (the schema's JSON; `show --format json` holds each text three
/// ways and is about three times larger: 17–51 KB for the shipped roles).
/// Layout takes about 200 MB of memory per MB of text, so 512 KB (some 170
/// pages) keeps a worker near 100 MB.
pub const MAX_DOCUMENT_BYTES: usize = 512 * 1024;
/// The most text all documents of one family may hold together: text
/// shared by every level (intro, sections, values…) is printed, and put in
/// `roles.json`, once per level (1 MB of intro over 200 levels made a
/// 601 MB `roles.json` and 200 documents of 205 pages).
pub const MAX_FAMILY_DOCUMENT_BYTES: usize = 32 * 1024 * 1024;
/// What a `*`, `_`, `[`, `` ` `` or `<` counts for in those sizes, in
/// bytes: each may start a span of its own (an emphasis, a link, an
/// autolink `<a@b.co>`), and a text dense with them (`a*b*a*b*…`) took
/// about 8 times the memory per byte to lay out (one role of 480 KB of it:
/// 17.6 s and 758 MB; 510 KB of autolinks: 12 s, 818 MB and a 59 MB PDF),
/// so it is counted as that much more text. Prose has a few per paragraph.
/// A backslash counts alike: a run of them lays out 10 to 30 times slower
/// than letters (24,000 took 2.6 s; 256,000, 30 s for one role).
pub const MARKUP_COST: usize = 16;

/// Estimates each level's document (the text shared by the family, the
/// level's own and what its lists inherit) against [`MAX_DOCUMENT_BYTES`],
/// and the family's total against [`MAX_FAMILY_DOCUMENT_BYTES`]. Only for
/// well-formed inheritance (no loops, no unknown levels).
pub(super) fn check_document_sizes(c: &mut Checker, f: &FamilyFile) {
    // Bytes as written, and each character of a text (not of the JSON
    // around it: a bracket per list made plain prose count as markup) that
    // may open a span, at its layout cost (see MARKUP_COST).
    fn marks(v: &serde_json::Value) -> usize {
        match v {
            serde_json::Value::String(s) => {
                let b = s.as_bytes();
                // A `_` inside a word (`snake_case`, `job_grade`) neither
                // opens nor closes a span (see `markdown`): plain text.
                let in_word = |i: usize| {
                    i > 0
                        && b[i - 1].is_ascii_alphanumeric()
                        && b.get(i + 1).is_some_and(u8::is_ascii_alphanumeric)
                };
                (0..b.len())
                    .filter(|&i| match b[i] {
                        // A `\` costs as much in Inter's contextual
                        // lookups: 24,000 in a row took 2.6 s to lay out.
                        b'*' | b'[' | b'`' | b'<' | b'\\' => true,
                        b'_' => !in_word(i),
                        _ => false,
                    })
                    .count()
            }
            serde_json::Value::Array(items) => items.iter().map(marks).sum(),
            serde_json::Value::Object(map) => map.values().map(marks).sum(),
            _ => 0,
        }
    }
    fn len<T: serde::Serialize + ?Sized>(v: &T) -> usize {
        serde_json::to_value(v).map_or(0, |v| {
            serde_json::to_vec(&v).map_or(0, |b| b.len()) + MARKUP_COST * marks(&v)
        })
    }
    // Every document shows the family's texts and its whole ladder.
    let shared = len(&f.summary)
        + len(&f.intro)
        + len(&f.sections)
        + len(&f.responsibilities)
        + len(&f.requirements)
        + len(&f.values)
        + len(&f.performance_indicators)
        + len(&f.career_ladder)
        + len(&f.hiring_process)
        + len(&f.links)
        + f.levels
            .iter()
            .map(|l| len(&l.title) + len(&l.level) + len(&l.id))
            .sum::<usize>();
    // What each level's list holds with inheritance, from the bottom of each
    // chain up (no loops here).
    let inherited = |list_of: fn(&schema::Level) -> Option<&ItemList>| -> Vec<usize> {
        let own: Vec<usize> = f
            .levels
            .iter()
            .map(|l| list_of(l).map_or(0, |l| len(&l.items) + len(&l.groups)))
            .collect();
        let bases = bases(f, list_of);
        let base = |i: usize| bases[i];
        let mut total: Vec<Option<usize>> = vec![None; f.levels.len()];
        for start in 0..f.levels.len() {
            let mut walk = Vec::new();
            let mut cur = Some(start);
            while let Some(i) = cur {
                if total[i].is_some() || walk.len() > f.levels.len() {
                    break;
                }
                walk.push(i);
                cur = base(i);
            }
            let mut below = cur.and_then(|i| total[i]).unwrap_or(0);
            for &i in walk.iter().rev() {
                below = below.saturating_add(own[i]);
                total[i] = Some(below);
            }
        }
        // Inherited only: the level's own items are in its own length.
        (0..f.levels.len())
            .map(|i| base(i).and_then(|j| total[j]).unwrap_or(0))
            .collect()
    };
    let resp = inherited(|l| l.responsibilities.as_ref());
    let req = inherited(|l| l.requirements.as_ref());
    let mut family_total = 0usize;
    let mut reported = false;
    for (i, level) in f.levels.iter().enumerate() {
        let doc = shared
            .saturating_add(len(level))
            .saturating_add(resp[i])
            .saturating_add(req[i]);
        family_total = family_total.saturating_add(doc);
        if doc > MAX_DOCUMENT_BYTES && !reported {
            reported = true;
            c.error(
                &format!("levels.{i}"),
                format!(
                    "{}'s document would hold about {} KB of text ({} KB of it shared by \
                     every level of the family); at most {} KB",
                    named("role", &level.id, i),
                    doc / 1024,
                    shared / 1024,
                    MAX_DOCUMENT_BYTES / 1024
                ),
                // The markup's cost is named only where the texts have
                // some (worked out here, once: only an error needs it).
                Some(if serde_json::to_value(f).is_ok_and(|v| marks(&v) > 0) {
                    format!(
                        "link to a page that holds the long text, or split the family (each `*`, `_`, \
                         `[`, `` ` ``, `<` or `\\` in a text counts as {MARKUP_COST} bytes: it costs that \
                         much more to lay out)"
                    )
                } else {
                    "link to a page that holds the long text, or split the family".into()
                }),
            );
        }
    }
    if family_total > MAX_FAMILY_DOCUMENT_BYTES {
        c.key_error(
            "levels",
            format!(
                "{} of family `{}` would hold about {} MB of text in all (text shared \
                 by every level is in each); at most {} MB",
                match f.levels.len() {
                    1 => "the one document".to_string(),
                    n => format!("the {n} documents"),
                },
                f.family,
                family_total >> 20,
                MAX_FAMILY_DOCUMENT_BYTES >> 20
            ),
            Some("shorten the text shared by every level, or split the family".into()),
        );
    }
}

/// A value's `emoji` prints in a small square beside its name: one emoji or
/// symbol (one user-perceived character, keycaps like 1️⃣ included), not
/// a letter, digit or word, which would print over the name.
pub(super) fn check_emoji(emoji: &str) -> std::result::Result<(), String> {
    let clusters: Vec<&str> = emoji.trim().graphemes(true).collect();
    // A variation selector asks for emoji style, which a letter, digit or
    // `!` has none of (`a️` prints `a`): judged without it. A keycap keeps
    // it (1️⃣).
    let bare = |one: &str| {
        if one.contains('\u{20e3}') {
            one.to_string()
        } else {
            one.replace(['\u{fe0e}', '\u{fe0f}'], "")
        }
    };
    match clusters.as_slice() {
        // Blank: reported with every other text that prints as nothing.
        [] => Ok(()),
        [one] if is_letter_or_digit(&bare(one)) => Err(format!(
            "expected one emoji or symbol for `emoji`, found the letter or digit `{}`",
            bare(one)
        )),
        // A typed `!`, `-` or `*` (not a keycap: that has U+20E3 after it).
        // Punctuation only: ASCII symbols (`$`, `+`, `=`, `~`…) stay allowed.
        [one]
            if bare(one).len() == 1
                && b"!\"#%&'()*,-./:;?@[\\]_{}".contains(&bare(one).as_bytes()[0]) =>
        {
            Err(format!(
                "expected one emoji or symbol for `emoji`, found the punctuation mark `{one}`"
            ))
        }
        // The emoji font draws a keycap only around these: `A⃣` printed an
        // empty key and lost its letter.
        [one]
            if one.contains('\u{20e3}')
                && !one
                    .starts_with(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '#', '*']) =>
        {
            Err(format!(
                "expected one emoji or symbol for `emoji`, found `{one}`: a keycap (U+20E3) goes only around 0–9, # or * (1️⃣, #️⃣)"
            ))
        }
        [_] => Ok(()),
        more => Err(format!(
            "expected one emoji or symbol for `emoji`, found {} characters (`{}`)",
            more.len(),
            emoji.trim()
        )),
    }
}

/// A letter or digit of a script (with any marks on it), not a symbol that
/// happens to count as alphabetic (ℹ, Ⓜ, 🅿 are emoji) nor a keycap (1️⃣).
fn is_letter_or_digit(cluster: &str) -> bool {
    use unicode_script::{Script, UnicodeScript};
    let Some(first) = cluster.chars().next() else {
        return false;
    };
    // Symbols that count as alphabetic (ℹ, Ⓜ, 🅿) belong to no script.
    first.is_alphanumeric()
        && (first.is_ascii() || !matches!(first.script(), Script::Common | Script::Inherited))
        && !cluster.contains(['\u{fe0f}', '\u{20e3}'])
}
