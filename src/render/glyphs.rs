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
    /// Where Typst says its first glyph comes from: the span of the
    /// markup or expression that printed it, and a byte offset in it.
    pub span: (typst::syntax::Span, u16),
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
                .trim_matches(|c: char| c.is_whitespace() || crate::chars::is_default_ignorable(c));
            if cluster.is_empty() || !seen.insert(cluster.to_string()) {
                continue;
            }
            let context = context
                .get_or_insert_with(|| line_context(&runs, i, first))
                .clone();
            out.push(Missing {
                text: cluster.to_string(),
                context,
                span: glyph.span,
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
/// text of the template's own: see [`text_context`]). A character no
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
    // Touching: no more than a wide space apart (a table's next cell is),
    // and no list's bullet (the template's, not the text's).
    let bullet = |j: usize| matches!(runs[j].item.text.trim(), "•" | "‣" | "◦" | "▪" | "–" | "-");
    let near =
        |a: usize, b: usize| runs[b].x - runs[a].end < 0.6 * size && !bullet(a) && !bullet(b);
    let mut lo = me;
    while lo > 0 && near(line[lo - 1], line[lo]) {
        lo -= 1;
    }
    let mut hi = me;
    while hi + 1 < line.len() && near(line[hi], line[hi + 1]) {
        hi += 1;
    }
    // In reading order, which is the order Typst lays the runs out in
    // (each at its place; a right-to-left line is drawn from its end). A
    // gap between two runs that neither ends nor starts with a space is
    // one (Typst may leave a space out of both).
    let mut order: Vec<usize> = line[lo..=hi].to_vec();
    order.sort_unstable();
    let mut text = String::new();
    let mut own_at = 0;
    for (k, &j) in order.iter().enumerate() {
        let t = runs[j].item.text.as_str();
        if k > 0 {
            let prev = &runs[order[k - 1]];
            let gap = (runs[j].x - prev.end).max(prev.x - runs[j].end);
            if gap > 0.15 * size
                && !text.ends_with(char::is_whitespace)
                && !t.starts_with(char::is_whitespace)
            {
                text.push(' ');
            }
        }
        if j == i {
            own_at = text.len() + at;
        }
        text.push_str(t);
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

/// The role's texts as its writer wrote them, from the template data, in
/// the data's order: each text's `markdown` (not its spans, which cut it
/// at every change of style), and every other string.
pub(crate) fn data_texts(data: &[u8]) -> Vec<String> {
    fn walk(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::String(s) => out.push(s.clone()),
            serde_json::Value::Array(items) => items.iter().for_each(|x| walk(x, out)),
            serde_json::Value::Object(m) => match m.get("markdown") {
                Some(serde_json::Value::String(s)) => out.push(s.clone()),
                _ => m.values().for_each(|x| walk(x, out)),
            },
            _ => {}
        }
    }
    let mut out = Vec::new();
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(data) {
        walk(&v, &mut out);
    }
    out
}

/// Which of the role's `texts` printed `cluster`, and the words around it
/// there (the laid-out line it prints on is cut into runs at every change
/// of font or style, and a right-to-left one is stored out of reading
/// order: the text as written is what a reader can find). Of the texts
/// that hold it, the one sharing most words with `layout`, the line as
/// laid out (another level's text, or one the template does not print,
/// may hold the same character); none when `layout` has words and no text
/// shares one: the template's own text printed it. With the text's index,
/// so that the characters of one text share one context.
/// `lower` holds `texts` lower-cased (made once per role: a document of
/// thousands of missing characters lower-cased every text for each).
pub(crate) fn text_context(
    texts: &[String],
    lower: &[String],
    cluster: &str,
    layout: &str,
) -> Option<(usize, String)> {
    let words: Vec<String> = layout
        .replace(cluster, " ")
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 2)
        .map(str::to_lowercase)
        .collect();
    let (k, score) = texts
        .iter()
        .enumerate()
        .filter(|(_, t)| t.contains(cluster))
        .map(|(k, _)| {
            let t = &lower[k];
            (k, words.iter().filter(|w| t.contains(w.as_str())).count())
        })
        // The first of the best (max_by_key keeps the last).
        .fold(None, |best: Option<(usize, usize)>, (k, n)| match best {
            Some((_, m)) if m >= n => best,
            _ => Some((k, n)),
        })?;
    if score == 0 && !words.is_empty() {
        return None;
    }
    let t = &texts[k];
    Some((k, context(t, t.find(cluster)?)))
}

/// The line of `text` that holds `cluster` (trimmed), and the byte offset
/// of `cluster` in it: a whole line of the text as written is what finds
/// it in its file, where the character alone may be first in another
/// level's text.
pub(crate) fn line_with(text: &str, cluster: &str) -> Option<(String, usize)> {
    let line = text.lines().find(|l| l.contains(cluster))?.trim();
    Some((line.to_string(), line.find(cluster)?))
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
    fn the_text_that_printed_a_character_is_the_one_sharing_its_words() {
        let texts: Vec<String> = ["Plan 字 budget", "Manage the 字 TEAM well", "字"]
            .map(String::from)
            .to_vec();
        // Upper-cased by the template, cut at the line's end.
        let lower: Vec<String> = texts.iter().map(|t| t.to_lowercase()).collect();
        assert_eq!(
            text_context(&texts, &lower, "字", "…MANAGE THE 字 TEAM").map(|(k, _)| k),
            Some(1)
        );
        // Nothing but the character: the first text that holds it.
        assert_eq!(
            text_context(&texts, &lower, "字", "字").map(|(k, _)| k),
            Some(0)
        );
        // Words no text holds: the template's own text.
        assert_eq!(text_context(&texts, &lower, "字", "Welcome 字"), None);
        assert_eq!(
            line_with("a\n  Manage 字 it  \nb", "字"),
            Some(("Manage 字 it".to_string(), 7))
        );
    }

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
            span: (typst::syntax::Span::detached(), 0),
        };
        assert_eq!(m.codepoints(), "U+5B57");
        assert_eq!(report(&[], "r"), None);
        let all = [Missing {
            text: "字".into(),
            context: "a字b".into(),
            span: (typst::syntax::Span::detached(), 0),
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
