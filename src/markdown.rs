//! The inline Markdown that role text may use: links, emphasis, bold.
//!
//! A deliberately small, predictable dialect instead of full CommonMark:
//! role text is HR prose, not documents, and it must survive hostile
//! characters unchanged. Only these forms are markup:
//!
//! - `[label](target)`: a link; a target starting with `/` resolves against
//!   the company website.
//! - `**bold**`, `*emphasis*`, `_emphasis_` (`_` only at word boundaries, so
//!   `snake_case_name` stays as written).
//! - `\*`, `\_`, `\[`, `\]`: the character itself.
//!
//! Everything else (`#`, `$`, `<`, `&amp;`, `\d`, unclosed `**`…) is literal.

use serde::Serialize;

/// One piece of inline text, as templates receive it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Span {
    Text { text: String },
    Emph { body: Vec<Span> },
    Strong { body: Vec<Span> },
    Link { url: String, body: Vec<Span> },
}

/// Parses `text` into spans, resolving site-relative link targets against
/// `base_url`.
pub fn parse(text: &str, base_url: &str) -> Vec<Span> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    parse_into(&chars, base_url, &mut out);
    out
}

/// Plain text for exports: markup removed, links kept readable as
/// `label (url)` (or just the URL when the label is the URL).
///
/// ```
/// use jdgen::markdown::to_plain;
/// let base = "https://about.gitlab.com";
/// assert_eq!(
///     to_plain("You share our [values](/handbook/values/), _always_.", base),
///     "You share our values (https://about.gitlab.com/handbook/values/), always."
/// );
/// // Anything that is not this small dialect stays literal.
/// assert_eq!(to_plain("#set page(width: 1cm) $x$ a_b_c", base), "#set page(width: 1cm) $x$ a_b_c");
/// ```
pub fn to_plain(text: &str, base_url: &str) -> String {
    let mut s = String::new();
    plain_into(&parse(text, base_url), &mut s);
    s
}

/// The text of spans with all markup and URLs dropped.
pub fn spans_text(spans: &[Span]) -> String {
    let mut s = String::new();
    for span in spans {
        match span {
            Span::Text { text } => s.push_str(text),
            Span::Emph { body } | Span::Strong { body } | Span::Link { body, .. } => {
                s.push_str(&spans_text(body))
            }
        }
    }
    s
}

fn plain_into(spans: &[Span], s: &mut String) {
    for span in spans {
        match span {
            Span::Text { text } => s.push_str(text),
            Span::Emph { body } | Span::Strong { body } => plain_into(body, s),
            Span::Link { url, body } => {
                let label = spans_text(body);
                if label.trim() == url || label.is_empty() {
                    s.push_str(url);
                } else {
                    s.push_str(&label);
                    s.push_str(" (");
                    s.push_str(url);
                    s.push(')');
                }
            }
        }
    }
}

/// Whether a link target may become a link: `http(s)://…`, `mailto:…`, or
/// a site path `/…`. Anything else (`javascript:`, `file:`, `relative/x`)
/// stays literal text; `jdgen check` reports it.
pub fn is_allowed_target(target: &str) -> bool {
    let t = target.trim();
    let lower = t.to_ascii_lowercase();
    (lower.starts_with("https://") && t.len() > 8)
        || (lower.starts_with("http://") && t.len() > 7)
        || (lower.starts_with("mailto:") && t.len() > 7)
        || (t.starts_with('/') && !t.starts_with("//"))
}

/// Every link target written in `text`, as written (for validation).
pub fn link_targets(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '\\' {
            i += 2;
            continue;
        }
        if chars[i] == '['
            && let Some((label_end, target_end)) = find_link(&chars, i)
        {
            out.push(chars[label_end + 2..target_end].iter().collect());
            // Links may nest inside labels only as text; keep scanning after.
            i = label_end + 1;
            continue;
        }
        i += 1;
    }
    out
}

/// Resolves a link target: `/path` against the base URL; anything else as is.
pub fn resolve_url(target: &str, base_url: &str) -> String {
    if target.starts_with('/') && !target.starts_with("//") {
        format!("{}{}", base_url.trim_end_matches('/'), target)
    } else {
        target.to_string()
    }
}

const ESCAPABLE: &[char] = &['*', '_', '[', ']'];

fn push_text(out: &mut Vec<Span>, text: &str) {
    if text.is_empty() {
        return;
    }
    if let Some(Span::Text { text: prev }) = out.last_mut() {
        prev.push_str(text);
    } else {
        out.push(Span::Text {
            text: text.to_string(),
        });
    }
}

fn parse_into(chars: &[char], base: &str, out: &mut Vec<Span>) {
    let mut i = 0;
    let mut buf = String::new();
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' && i + 1 < chars.len() && ESCAPABLE.contains(&chars[i + 1]) {
            buf.push(chars[i + 1]);
            i += 2;
            continue;
        }
        if c == '['
            && let Some((label_end, target_end)) = find_link(chars, i)
            && is_allowed_target(&chars[label_end + 2..target_end].iter().collect::<String>())
        {
            push_text(out, &std::mem::take(&mut buf));
            let mut body = Vec::new();
            parse_into(&chars[i + 1..label_end], base, &mut body);
            let target: String = chars[label_end + 2..target_end].iter().collect();
            out.push(Span::Link {
                url: resolve_url(target.trim(), base),
                body,
            });
            i = target_end + 1;
            continue;
        }
        if c == '*'
            && chars.get(i + 1) == Some(&'*')
            && let Some(end) = find_closer(chars, i, "**")
        {
            push_text(out, &std::mem::take(&mut buf));
            let mut body = Vec::new();
            parse_into(&chars[i + 2..end], base, &mut body);
            out.push(Span::Strong { body });
            i = end + 2;
            continue;
        }
        if c == '*' || c == '_' {
            let marker = if c == '*' { "*" } else { "_" };
            if let Some(end) = find_closer(chars, i, marker) {
                push_text(out, &std::mem::take(&mut buf));
                let mut body = Vec::new();
                parse_into(&chars[i + 1..end], base, &mut body);
                out.push(Span::Emph { body });
                i = end + 1;
                continue;
            }
        }
        buf.push(c);
        i += 1;
    }
    push_text(out, &buf);
}

/// For a `[` at `start`, finds `](`…`)` and returns (index of `]`, index of
/// the closing `)`). Brackets and parentheses may nest.
fn find_link(chars: &[char], start: usize) -> Option<(usize, usize)> {
    let mut depth = 0usize;
    let mut i = start;
    let label_end = loop {
        match chars.get(i)? {
            '\\' if chars.get(i + 1).is_some_and(|c| ESCAPABLE.contains(c)) => i += 1,
            '[' => depth += 1,
            ']' => {
                depth -= 1;
                if depth == 0 {
                    break i;
                }
            }
            _ => {}
        }
        i += 1;
    };
    if chars.get(label_end + 1) != Some(&'(') || label_end == start + 1 {
        return None;
    }
    let mut depth = 0usize;
    let mut j = label_end + 1;
    loop {
        match chars.get(j)? {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            c if c.is_whitespace() => return None,
            _ => {}
        }
        j += 1;
    }
    if j == label_end + 2 {
        return None;
    }
    Some((label_end, j))
}

/// Finds the closing `marker` for an opener at `start`, following the usual
/// flanking rules: the opener is followed by non-space, the closer preceded
/// by non-space; `_` must not touch a letter or digit on its outer side.
fn find_closer(chars: &[char], start: usize, marker: &str) -> Option<usize> {
    let m: Vec<char> = marker.chars().collect();
    let n = m.len();
    let after = *chars.get(start + n)?;
    if after.is_whitespace() || (n == 1 && after == m[0]) {
        return None;
    }
    let underscore = m[0] == '_';
    if underscore && start > 0 && chars[start - 1].is_alphanumeric() {
        return None;
    }
    let mut i = start + n + 1;
    while i + n <= chars.len() {
        if chars[i - 1] == '\\' && ESCAPABLE.contains(&chars[i]) {
            i += 1;
            continue;
        }
        if chars[i..i + n] == m[..] && !chars[i - 1].is_whitespace() {
            let next = chars.get(i + n);
            let doubled = n == 1 && next == Some(&m[0]);
            let intraword = underscore && next.is_some_and(|c| c.is_alphanumeric());
            if !doubled && !intraword {
                return Some(i);
            }
            if doubled && m[0] == '*' {
                // Skip a nested `**…**` so `*a **b** c*` closes at the end.
                i += 2;
                continue;
            }
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "https://example.com";

    fn text(s: &str) -> Span {
        Span::Text { text: s.into() }
    }

    #[test]
    fn links_resolve_site_relative_targets() {
        let spans = parse("You share our [values](/handbook/values/), ok", BASE);
        assert_eq!(
            spans,
            vec![
                text("You share our "),
                Span::Link {
                    url: "https://example.com/handbook/values/".into(),
                    body: vec![text("values")]
                },
                text(", ok"),
            ]
        );
        assert_eq!(
            to_plain("our [values](/handbook/values/).", BASE),
            "our values (https://example.com/handbook/values/)."
        );
    }

    #[test]
    fn link_with_parentheses_in_target_and_trailing_dot_in_label() {
        let plain = to_plain(
            "[Director, Marketing Operations.](https://x.test/a_(b)/).",
            BASE,
        );
        assert_eq!(
            plain,
            "Director, Marketing Operations. (https://x.test/a_(b)/)."
        );
    }

    #[test]
    fn emphasis_and_bold() {
        assert_eq!(
            parse("_Vary by job grade:_", BASE),
            vec![Span::Emph {
                body: vec![text("Vary by job grade:")]
            }]
        );
        assert_eq!(
            parse("Lead as _the_ expert and **bold** *it*", BASE),
            vec![
                text("Lead as "),
                Span::Emph {
                    body: vec![text("the")]
                },
                text(" expert and "),
                Span::Strong {
                    body: vec![text("bold")]
                },
                text(" "),
                Span::Emph {
                    body: vec![text("it")]
                },
            ]
        );
    }

    #[test]
    fn hostile_text_stays_literal() {
        for s in [
            "#set page(width: 1cm) $x^2$ <lbl> @ref // not a comment /* nor this */",
            "snake_case_name and 5 * 3 * 2",
            "unclosed **bold and [link](no-close and [x] alone",
            "C:\\path\\to & AT&amp;T",
            "a ** b ** c",
            "[](/empty-label) [label]() ",
        ] {
            assert_eq!(to_plain(s, BASE), s, "changed: {s}");
            assert_eq!(spans_text(&parse(s, BASE)), s);
        }
    }

    #[test]
    fn only_web_mail_and_site_links_become_links() {
        for s in [
            "[js](javascript:alert(1))",
            "[rel](relative/path)",
            "[f](file:///etc/passwd)",
            "[p](//evil.test/x)",
        ] {
            assert_eq!(to_plain(s, BASE), s);
            assert!(
                parse(s, BASE)
                    .iter()
                    .all(|sp| matches!(sp, Span::Text { .. }))
            );
        }
        assert_eq!(
            to_plain("[mail](mailto:hr@x.test)", BASE),
            "mail (mailto:hr@x.test)"
        );
        assert_eq!(
            link_targets("a [x](/a) b [y](javascript:z) \\[no](/n)"),
            vec!["/a", "javascript:z"]
        );
    }

    #[test]
    fn escapes_produce_the_character() {
        assert_eq!(to_plain(r"\*not em\* and \[x\]", BASE), "*not em* and [x]");
    }

    #[test]
    fn link_label_equal_to_url_is_not_repeated() {
        assert_eq!(
            to_plain("[https://a.test/](https://a.test/)", BASE),
            "https://a.test/"
        );
    }
}
