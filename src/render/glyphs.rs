//! Missing-glyph detection. When no font has a character, Typst quietly
//! draws the font's glyph 0 (an empty box, "tofu"); an HR document with a
//! box in a requirement is worse than a failed build, so jdgen looks for
//! glyph 0 in the laid-out pages and says which text it is in.

use typst::layout::{Frame, FrameItem, Point, Transform};
use typst::text::TextItem;

/// A character no font could draw, with the text it appears in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Missing {
    /// The character(s) of the cluster that got glyph 0.
    pub text: String,
    /// The surrounding text run, shortened.
    pub context: String,
}

impl Missing {
    /// `U+5B57` (several for a cluster).
    pub fn codepoints(&self) -> String {
        self.text
            .chars()
            .map(|c| format!("U+{:04X}", c as u32))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Collects missing glyphs of `frame` (and its groups) into `out`, in the
/// order they appear, each character once.
pub(crate) fn scan(frame: &Frame, out: &mut Vec<Missing>) {
    let mut seen: std::collections::HashSet<String> = out.iter().map(|m| m.text.clone()).collect();
    let mut runs = Vec::new();
    collect_runs(frame, Transform::identity(), &mut runs);
    for (i, run) in runs.iter().enumerate() {
        let text = run.item;
        // In the text's order: a right-to-left run holds its glyphs in
        // drawing order, its last character first.
        let mut zeros: Vec<_> = text.glyphs.iter().filter(|g| g.id == 0).collect();
        zeros.sort_by_key(|g| g.range().start);
        // One context for the run, around its first such glyph: a window
        // around each one listed a dozen growing pieces of one sentence and
        // crowded out the other texts.
        let Some(first) = zeros.first().map(|g| g.range().start) else {
            continue;
        };
        // Made for the first new character only: a page of runs each
        // repeating one missing character would otherwise look at every
        // run of the page for each.
        let mut context = None;
        for glyph in zeros {
            let Some(cluster) = text.text.get(glyph.range()) else {
                continue;
            };
            let cluster = cluster
                .trim_matches(|c: char| c.is_whitespace() || crate::load::is_default_ignorable(c));
            if cluster.is_empty() || !seen.insert(cluster.to_string()) {
                continue;
            }
            let context = context
                .get_or_insert_with(|| line_context(&runs, i, first))
                .clone();
            out.push(Missing {
                text: cluster.to_string(),
                context,
            });
        }
    }
}

/// A text run where it is drawn on the page: its baseline's start and
/// the x of its end (in points).
struct Run<'a> {
    x: f64,
    y: f64,
    end: f64,
    item: &'a TextItem,
}

/// Every text run of `frame` and its groups, in the frames' order, placed
/// on the page (`ts`: where `frame` is).
fn collect_runs<'a>(frame: &'a Frame, ts: Transform, out: &mut Vec<Run<'a>>) {
    for (pos, item) in frame.items() {
        match item {
            FrameItem::Group(group) => {
                let inner = ts
                    .pre_concat(Transform::translate(pos.x, pos.y))
                    .pre_concat(group.transform);
                collect_runs(&group.frame, inner, out);
            }
            FrameItem::Text(text) => {
                let start = pos.transform(ts);
                let end = Point::new(pos.x + text.width(), pos.y).transform(ts);
                out.push(Run {
                    x: start.x.to_pt(),
                    y: start.y.to_pt(),
                    end: end.x.to_pt(),
                    item: text,
                });
            }
            _ => {}
        }
    }
}

/// The context of byte `at` of run `runs[i]`, from the laid-out page (for a
/// text no file holds as written: see [`written_context`]). A character no
/// font has is a run of its own (Typst ends a run where the font changes),
/// and bold, a link or emphasis are groups of their own: the runs beside it
/// on its baseline, touching one another, are joined, in reading order.
fn line_context(runs: &[Run], i: usize, at: usize) -> String {
    let own = &runs[i];
    let size = own.item.size.to_pt();
    let mut line: Vec<usize> = (0..runs.len())
        .filter(|&j| (runs[j].y - own.y).abs() < 0.5)
        .collect();
    line.sort_by(|&a, &b| runs[a].x.total_cmp(&runs[b].x));
    let me = line.iter().position(|&j| j == i).unwrap_or(0);
    // Touching: no more than a wide space apart (a table's next cell is).
    let near = |a: usize, b: usize| runs[b].x - runs[a].end < 0.6 * size;
    let mut lo = me;
    while lo > 0 && near(line[lo - 1], line[lo]) {
        lo -= 1;
    }
    let mut hi = me;
    while hi + 1 < line.len() && near(line[hi], line[hi + 1]) {
        hi += 1;
    }
    // Typst lays out a line's runs in reading order, each at its place:
    // the order of the frames, not of x, is the order to read them in
    // (a right-to-left line is drawn from its end).
    let mut order: Vec<usize> = line[lo..=hi].to_vec();
    order.sort_unstable();
    let mut text = String::new();
    let mut own_at = 0;
    for j in order {
        if j == i {
            own_at = text.len() + at;
        }
        text.push_str(runs[j].item.text.as_str());
    }
    context(&text, own_at)
}

/// One message for all of a role's missing glyphs (None if there are none):
/// the characters with their code points, and the texts they are in.
pub(crate) fn report(missing: &[Missing], role_id: &str) -> Option<String> {
    const MAX_CHARS: usize = 12;
    const MAX_TEXTS: usize = 6;
    if missing.is_empty() {
        return None;
    }
    let mut chars: Vec<String> = missing
        .iter()
        .take(MAX_CHARS)
        .map(|m| format!("`{}` ({})", m.text, m.codepoints()))
        .collect();
    if missing.len() > MAX_CHARS {
        chars.push(format!("and {} more", missing.len() - MAX_CHARS));
    }
    let mut texts: Vec<&str> = Vec::new();
    let mut listed = std::collections::HashSet::new();
    for m in missing {
        if listed.insert(m.context.as_str()) {
            texts.push(&m.context);
        }
    }
    let more = texts.len().saturating_sub(MAX_TEXTS);
    let mut texts: Vec<String> = texts
        .iter()
        .take(MAX_TEXTS)
        // Without the zero-width spaces the template puts into long runs.
        .map(|t| format!("“{}”", t.replace('\u{200B}', "")))
        .collect();
    if more > 0 {
        texts.push(format!("and {more} more"));
    }
    let (n, verb) = if missing.len() == 1 {
        ("1 character has".to_string(), "prints")
    } else {
        (format!("{} characters have", missing.len()), "print")
    };
    Some(format!(
        "role `{role_id}`: {n} no glyph in any font and {verb} as an empty box: {}; in {}",
        chars.join(", "),
        texts.join(", ")
    ))
}

/// The text around the first `cluster` written in `source` (a role file,
/// `company.yaml`, a template file), as its writer wrote it: the rest of
/// its line after the indentation, `- ` and a `key: `, up to 30 characters
/// either side. The laid-out line it prints on is cut into runs at every
/// change of font or style, and a right-to-left one is stored out of
/// reading order: the written line is the one a reader can search for.
/// None when no line holds it as written (an escape, or the template's
/// own text made it).
/// Also returns the line's number, so that the characters of one text
/// share one context (the first one's).
pub(crate) fn written_context(source: &str, cluster: &str) -> Option<(usize, String)> {
    let (n, line) = source.lines().enumerate().find(|(_, l)| {
        l.find(cluster)
            .is_some_and(|at| !l[..at].contains(" #") && !l.trim_start().starts_with('#'))
    })?;
    let mut text = line.trim_start();
    while let Some(rest) = text.strip_prefix("- ") {
        text = rest.trim_start();
    }
    if let Some((key, rest)) = text.split_once(": ")
        && !key.is_empty()
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        text = rest.trim_start();
    }
    // Without YAML's quotes around it.
    let text = text.trim_end();
    let text = match text.chars().next() {
        Some(q @ ('"' | '\'')) => {
            let inner = &text[1..];
            inner.strip_suffix(q).unwrap_or(inner)
        }
        _ => text,
    };
    let at = text.find(cluster)?;
    Some((n, context(text, at)))
}

/// Up to 30 characters either side of byte `at` in `text`.
fn context(text: &str, at: usize) -> String {
    const SIDE: usize = 30;
    let before: Vec<char> = text[..at].chars().collect();
    let after: Vec<char> = text[at..].chars().collect();
    let mut s = String::new();
    if before.len() > SIDE {
        s.push('…');
    }
    s.extend(&before[before.len().saturating_sub(SIDE)..]);
    s.extend(after.iter().take(SIDE + 1));
    if after.len() > SIDE + 1 {
        s.push('…');
    }
    s.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_is_short() {
        let text = format!("{}字{}", "a".repeat(50), "b".repeat(50));
        let c = context(&text, 50);
        assert!(
            c.starts_with('…') && c.ends_with('…') && c.contains('字'),
            "{c}"
        );
        assert_eq!(context("x字", 1), "x字");
        let m = Missing {
            text: "字".into(),
            context: String::new(),
        };
        assert_eq!(m.codepoints(), "U+5B57");
        assert_eq!(report(&[], "r"), None);
        let all = [Missing {
            text: "字".into(),
            context: "a字b".into(),
        }];
        let msg = report(&all, "r").unwrap();
        assert!(
            msg.contains("1 character has")
                && msg.contains("`字` (U+5B57)")
                && msg.contains("“a字b”"),
            "{msg}"
        );
    }
}
