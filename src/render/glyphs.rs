//! Missing-glyph detection. When no font has a character, Typst quietly
//! draws the font's glyph 0 (an empty box, "tofu"); an HR document with a
//! box in a requirement is worse than a failed build, so jdgen looks for
//! glyph 0 in the laid-out pages and says which text it is in.

use typst::layout::{Abs, Frame, FrameItem, Point};

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
    scan_into(frame, out, &mut seen);
}

/// [`scan`], with the characters already found in a set (a search of the
/// list for each one was quadratic in the number of missing characters).
fn scan_into(frame: &Frame, out: &mut Vec<Missing>, seen: &mut std::collections::HashSet<String>) {
    let items: Vec<_> = frame.items().collect();
    for (i, (_, item)) in items.iter().enumerate() {
        match item {
            FrameItem::Group(group) => scan_into(&group.frame, out, seen),
            FrameItem::Text(text) => {
                // In the text's order: a right-to-left run holds its
                // glyphs in drawing order, its last character first.
                let mut zeros: Vec<_> = text.glyphs.iter().filter(|g| g.id == 0).collect();
                zeros.sort_by_key(|g| g.range().start);
                // One context for the run, around its first such glyph: a
                // window around each one listed a dozen growing pieces of
                // one sentence and crowded out the other texts.
                let Some(first) = zeros.first() else {
                    continue;
                };
                let run = line_context(&items, i, first.range().start);
                for glyph in zeros {
                    let Some(cluster) = text.text.get(glyph.range()) else {
                        continue;
                    };
                    let cluster = cluster.trim_matches(|c: char| {
                        c.is_whitespace() || crate::load::is_default_ignorable(c)
                    });
                    if cluster.is_empty() || !seen.insert(cluster.to_string()) {
                        continue;
                    }
                    out.push(Missing {
                        text: cluster.to_string(),
                        context: run.clone(),
                    });
                }
            }
            _ => {}
        }
    }
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

/// The context of byte `at` of the text run `items[i]`. A character no
/// font has is a run of its own (Typst ends a run where the font changes),
/// so the run's own text said only `in “𐀀”`: the runs beside it on its
/// line (same baseline, in reading order) are joined to it first.
fn line_context(items: &[&(Point, FrameItem)], i: usize, at: usize) -> String {
    let FrameItem::Text(own) = &items[i].1 else {
        return String::new();
    };
    let y = items[i].0.y;
    fn on_line<'a>(item: &&'a (Point, FrameItem), y: Abs) -> Option<&'a str> {
        match &item.1 {
            FrameItem::Text(t) if (item.0.y - y).to_pt().abs() < 0.01 => Some(t.text.as_str()),
            _ => None,
        }
    }
    // Nearest first, going left and going right.
    let left: Vec<&str> = items[..i]
        .iter()
        .rev()
        .map_while(|x| on_line(x, y))
        .collect();
    let right: Vec<&str> = items[i + 1..].iter().map_while(|x| on_line(x, y)).collect();
    // Drawn left to right: a right-to-left line is read from its right.
    let rtl = left
        .iter()
        .chain(&right)
        .flat_map(|t| t.chars())
        .chain(own.text.chars())
        .find(|c| c.is_alphabetic())
        .is_some_and(crate::data::is_rtl_letter);
    let (mut earlier, later) = if rtl { (right, left) } else { (left, right) };
    earlier.reverse();
    let mut text = earlier.concat();
    let at = text.len() + at;
    text.push_str(&own.text);
    text.push_str(&later.concat());
    context(&text, at)
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
