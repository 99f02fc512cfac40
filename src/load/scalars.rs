//! Checks of every scalar as written in the file: nulls where text is
//! needed, tagged or non-text values, control characters, unsafe link targets.

use std::collections::HashSet;
use unicode_segmentation::UnicodeSegmentation;

use super::checker::Checker;
use super::text::{LINE_BREAKS, is_blank};
use crate::chars::{is_bidi_control, is_blank_char};
use crate::diag::{Diagnostic, clip};

/// Keys whose value must be text: a YAML null there (`~`, `null`, nothing)
/// would otherwise arrive as the literal text "~" or "null".
const REQUIRED_TEXT: &[&str] = &["family", "title", "id", "level", "heading", "name", "text"];

/// `responsibilities.heading` or `requirements.heading`, of the family or
/// of a level: optional, unlike the other headings.
fn is_list_heading(path: &str) -> bool {
    let list = |p: &str| matches!(p, "responsibilities.heading" | "requirements.heading");
    list(path)
        || path
            .strip_prefix("levels.")
            .and_then(|p| p.split_once('.'))
            .is_some_and(|(n, rest)| n.bytes().all(|b| b.is_ascii_digit()) && list(rest))
}

/// Checks every scalar of the file as written: nulls where text is needed,
/// and link targets that must not become links.
pub(super) fn check_scalars(c: &mut Checker, family: bool) {
    let Ok(value) = serde_yaml::from_str::<serde_yaml::Value>(&c.source) else {
        return;
    };
    let mut found = Vec::new();
    let mut path = String::new();
    walk_scalars(&value, &mut path, false, &c.ignored, &mut found);
    for (path, problem) in found {
        match problem {
            // An empty item already reported as such by the family checks.
            Scalar::Null if c.reported.contains(&path) => {}
            Scalar::Null => c.error(
                &path,
                "expected text, found nothing (a YAML null: `~`, `null` or an empty value)",
                Some("write the text, or remove the entry".into()),
            ),
            // Reported once: where a check of its own (an empty title, an
            // empty item) has not already. Company settings have their own.
            Scalar::Blank if family && !c.reported.contains(&path) => {
                let key = path.rsplit('.').next().unwrap_or("");
                let what = if key.chars().all(|ch| ch.is_ascii_digit()) {
                    "text"
                } else {
                    key
                };
                c.error(
                    &path,
                    format!("empty {what}: it would print as nothing"),
                    Some("write the text, or remove the entry".into()),
                )
            }
            Scalar::Blank => {}
            Scalar::NullOptional if c.reported.contains(&path) => {}
            Scalar::NullOptional => {
                // Only a key with nothing after it: `grade: ~` or `null`
                // says "none" on purpose (the position is then the `~`).
                // By the line index: a scan from the top per key made
                // 40,000 empty keys take minutes.
                let at = c.map.value(&path);
                if !c.source[c.offset(at)..].starts_with(':') {
                    continue;
                }
                let key = path.rsplit('.').next().unwrap_or("");
                let help = match key {
                    "grade" => "write the grade (`grade: 7`), or remove the key",
                    "builds_on" => "write the role id of the level this list extends, or remove the key",
                    "reports_to" | "intro" | "outro" | "heading" | "summary" | "text" => {
                        "write its text after the `:`, or remove the key"
                    }
                    _ => "write what it holds (see docs/role-format.md), or remove the key",
                };
                c.warn(
                    &path,
                    format!("`{key}:` has no value, so it counts as not written"),
                    Some(help.into()),
                )
            }
            Scalar::TooLong(n) => c.error(
                &path,
                format!(
                    "text is {n} characters long as written here, Markdown included, counted as a \
                     spreadsheet counts them (an emoji counts two); at most {MAX_TEXT_CHARS} fit in a cell"
                ),
                Some("split it into several items or paragraphs".into()),
            ),
            Scalar::Char(ch) => {
                // `"bad \escape"`: `\e` in double quotes is ESC, which the
                // writer meant as a backslash and a letter.
                let short = crate::diag::written_forms(ch)
                    .into_iter()
                    .find(|f| f.len() == 2 && f.starts_with('\\'))
                    .filter(|f| {
                        // In the text as written, not the whole file (a
                        // scan of the file per error was quadratic).
                        let (_, span) = c.written(&path);
                        !span.contains(ch) && span.contains(f.as_str())
                    });
                let help = match short {
                    Some(f) => format!(
                        "in double quotes `{f}` is an escape for this character: for a backslash \
                         write `\\\\` (`\\{f}`), or quote the text with single quotes, which have no escapes"
                    ),
                    None => "remove it: control and bidirectional-override characters garble PDFs and exports".into(),
                };
                c.error_at_char(
                    &path,
                    ch,
                    format!("text contains the invisible character U+{:04X}", ch as u32),
                    Some(help),
                )
            }
            Scalar::Link(target) => {
                let why = crate::markdown::target_problem(&target).unwrap_or_default();
                c.error_at_any(
                    &path,
                    std::slice::from_ref(&target),
                    format!("link target `{}` is not allowed", clip(&target)),
                    Some(why.into()),
                )
            }
            Scalar::LongLink(n, url) => c.error_at_any(
                &path,
                &[url],
                format!(
                    "a link target is {n} bytes long (UTF-8: a character outside ASCII takes 2 to 4); \
                     at most {MAX_URL_BYTES}"
                ),
                Some("link to a shorter address (a page that holds the long one)".into()),
            ),
            // At the blank link's `[` (its `](target` if it is not written
            // as read): in a long text the start of the text says little.
            Scalar::EmptyLabel(target) => c.error_at_any(
                &path,
                &[c
                    .written_blank_link(&path, &target)
                    .unwrap_or_else(|| format!("]({target}"))],
                format!(
                    "the link to `{}` has no text: it would be an invisible link",
                    clip(&target)
                ),
                Some("write the link's text between `[` and `]`".into()),
            ),
            Scalar::HeadingBreak(b) => c.error(
                &path,
                format!(
                    "this heading holds a line break (U+{:04X}): a heading is one line, printed in \
                     a block that cannot break across pages",
                    b as u32
                ),
                Some("write it on one line, and put the rest in a paragraph or an item below it".into()),
            ),
            // (company.yaml's `name` has its own, lower limit.)
            Scalar::LongHeading(_) if !family => {}
            Scalar::LongHeading(n) => c.error(
                &path,
                format!(
                    "this {} is {n} characters long; at most {MAX_HEADING_CHARS}: it prints in one \
                     block that cannot break across pages",
                    match path.rsplit('.').next() {
                        Some("name") => "name",
                        Some("reports_to") => "`reports_to`",
                        _ => "heading",
                    }
                ),
                Some("shorten it, and put the rest in a paragraph or an item below it".into()),
            ),
            Scalar::NoTextLink(written) => c.warn_at_any(
                &path,
                std::slice::from_ref(&written),
                format!(
                    "`{}` is written like a link but has no text between `[` and `]`, so it is \
                     none: it prints as written, brackets and all",
                    clip(&written)
                ),
                Some("write the link's text between `[` and `]`".into()),
            ),
            Scalar::NearLink(written) => c.warn_at_any(
                &path,
                std::slice::from_ref(&written),
                format!(
                    "`{}` is written like a link but is none: its target holds a space, so it \
                     prints as written",
                    clip(&written)
                ),
                // `[x](https://exa mple.com)`: `%20` would not mend a host.
                Some(
                    match written
                        .rsplit_once("](")
                        .map(|(_, t)| crate::markdown::space_advice(t.trim_end_matches(')')))
                    {
                        Some(a) if a.starts_with("a host") => {
                            format!("{a}; a link takes no title (`\"…\"`)")
                        }
                        Some(a) if a.starts_with("a link takes no title") || a.starts_with("remove") => {
                            a.to_string()
                        }
                        _ => "write a space in the address as `%20`; a link takes no title (`\"…\"`)"
                            .to_string(),
                    },
                ),
            ),
            // `"snake\_case"`: Markdown's escape, and YAML's for U+00A0 in
            // double quotes; the underscore was gone with nothing said.
            Scalar::NoBreakSpace => {
                let (from, written) = c.written(&path);
                // A `\_` that is an escape: not the `_` after `\\`.
                let escape = written.starts_with('"').then(|| {
                    let bytes = written.as_bytes();
                    let mut i = 1;
                    while i + 1 < bytes.len() && bytes[i] != b'"' {
                        if bytes[i] == b'\\' {
                            if bytes[i + 1] == b'_' {
                                return Some(i);
                            }
                            i += 1;
                        }
                        i += 1;
                    }
                    None
                });
                if let Some(Some(at)) = escape {
                    let (line, column) = c.lines.position(&c.source, from + at);
                    let d = c.diag(Diagnostic::warning(
                        "in double quotes `\\_` is YAML's escape for a no-break space: the text \
                         prints a space there, not an underscore",
                    ).help(
                        "for an underscore write `_` (or `\\\\_` to keep it from pairing \
                         as emphasis), or quote the text with single quotes, where `\\_` is \
                         Markdown's escaped underscore",
                    ), &path, false);
                    c.warnings.push(d.at(line, column));
                }
            }
            Scalar::UnmeantEmphasis(written) => {
                let mark = written.chars().next().unwrap_or('*');
                let inner = written.trim_matches(mark);
                // In backticks, unless it holds one (`*.yaml` and `*`).
                let code = |t: &str| {
                    if t.contains('`') {
                        format!("“{}”", clip(t))
                    } else {
                        format!("`{}`", clip(t))
                    }
                };
                c.warn_at_any(
                    &path,
                    std::slice::from_ref(&written),
                    format!(
                        "{} prints {} in {} and loses both `{}`: the one before `.` closes \
                         the first",
                        code(&written),
                        code(inner),
                        if written.starts_with("**") { "bold" } else { "italics" },
                        if written.starts_with("**") { "**" } else if mark == '*' { "*" } else { "_" },
                    ),
                    Some(format!(
                        "to print a `{mark}` as written, put a `\\` before it (`\\{mark}`; in a \
                         double-quoted YAML string `\\\\{mark}`)"
                    )),
                )
            }
            Scalar::NotAutolink(written, why) => c.warn_at_any(
                &path,
                std::slice::from_ref(&written),
                format!("`{}` is no link: {why}", clip(&written)),
                Some(
                    "mend the address to make it a link; to keep it as text, write `\\<` before it"
                        .into(),
                ),
            ),
            Scalar::HugeCluster(n, cluster) => c.error_at_any(
                &path,
                &[cluster],
                format!(
                    "one character here is built from {n} code points (a letter with that many \
                     combining marks, selectors or joiners); at most {MAX_CLUSTER_CHARS}"
                ),
                Some("remove the extra combining marks".into()),
            ),
        }
    }
}

enum Scalar {
    Null,
    /// An optional key written with nothing after it (`grade:`): read as
    /// not written, which is likely not what an unfinished edit meant.
    NullOptional,
    /// Empty, or only characters that print as nothing.
    Blank,
    Link(String),
    TooLong(usize),
    Char(char),
    /// Its length in bytes, and the target.
    LongLink(usize, String),
    /// A link whose text prints as nothing: an invisible, clickable area.
    EmptyLabel(String),
    /// Its length in code points, and the cluster.
    HugeCluster(usize, String),
    /// Written like a link, but not one (a space in its target).
    NearLink(String),
    /// `[](target)`: a link with no text, so none.
    NoTextLink(String),
    /// `<http://localhost:PORT>`: as written, and why it is no link.
    NotAutolink(String, &'static str),
    /// Emphasis that ends before a file name's `.ext` (`*nix or tmp*`).
    UnmeantEmphasis(String),
    /// A no-break space, which in a double-quoted text may be YAML's `\_`
    /// written as Markdown's escaped underscore.
    NoBreakSpace,
    /// A heading, a value's name or `reports_to` this many characters long.
    LongHeading(usize),
    /// A heading with a line break: it prints in one block that cannot
    /// break across pages, and 100 short lines ran off the page.
    HeadingBreak(char),
}

/// Fields printed in a block that cannot break across pages (headings,
/// which stay with what follows them; a value's name; the facts box's
/// "Reports to"): longer than a page, the rest was cut off at its foot.
const ONE_BLOCK_FIELDS: &[&str] = &["heading", "name", "reports_to"];
/// The longest of them: a few lines.
pub const MAX_HEADING_CHARS: usize = 200;

/// The longest link target, in bytes. Typst refuses URLs over 8,000
/// bytes, and a site path is put after the website; 2,000 is what browsers
/// and mail clients reliably keep.
pub const MAX_URL_BYTES: usize = 2_000;

/// The most code points one user-perceived character (grapheme cluster)
/// may have. The longest real ones (emoji families with skin tones, tag
/// flags, stacked Indic conjuncts) have about 10; one over 64 KB crashes
/// the PDF writer, which counts a cluster's bytes in 16 bits.
pub const MAX_CLUSTER_CHARS: usize = 32;

/// The longest text a spreadsheet cell holds (Excel's limit); longer text
/// could not be exported faithfully.
pub const MAX_TEXT_CHARS: usize = 32_767;

/// Control characters (other than newline and tab) and the invisible
/// bidirectional overrides that can make text read backwards.
fn is_forbidden_char(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t' && c != '\r') || is_bidi_control(c)
}

/// Collects the problems of every scalar of `v` at `path`, skipping the
/// unknown keys in `ignored`. `path` is one buffer, extended and cut back
/// on the way down: a path string per node made long keys nested deep
/// quadratic.
fn walk_scalars(
    v: &serde_yaml::Value,
    path: &mut String,
    in_list: bool,
    ignored: &HashSet<String>,
    out: &mut Vec<(String, Scalar)>,
) {
    use serde_yaml::Value as V;
    let key = path.rsplit('.').next().unwrap_or("");
    match v {
        // A list's own `heading:` is optional: left empty, it is absent.
        V::Null if in_list || (REQUIRED_TEXT.contains(&key) && !is_list_heading(path)) => {
            out.push((path.to_string(), Scalar::Null))
        }
        // Lists with a warning of their own when empty ("list has no items").
        V::Null
            if !key.is_empty()
                && !ignored.contains(path.as_str())
                && !matches!(
                    key,
                    "items" | "steps" | "groups" | "paragraphs" | "sections"
                ) =>
        {
            out.push((path.to_string(), Scalar::NullOptional))
        }
        V::String(s) => {
            // As a spreadsheet counts (an emoji is two), for any text: no
            // cell could hold more. The safe CSV's `'` before `=` is
            // counted by the export tables' cell check (which `check` runs
            // too), only for texts that go into a table: the workbook and
            // the import CSV hold 32,767 characters starting with `-`.
            if s.len() >= MAX_TEXT_CHARS {
                let n = crate::export::xlsx::spreadsheet_len(s, false);
                if n > MAX_TEXT_CHARS {
                    out.push((path.to_string(), Scalar::TooLong(n)));
                }
            }
            if let Some(ch) = s.chars().find(|c| is_forbidden_char(*c)) {
                out.push((path.to_string(), Scalar::Char(ch)));
            }
            if s.contains('\u{a0}') {
                out.push((path.to_string(), Scalar::NoBreakSpace));
            }
            // (ASCII has no long clusters: the fast path for most text.)
            if let Some(g) = (!s.is_ascii())
                .then(|| {
                    s.graphemes(true)
                        .find(|g| g.chars().count() > MAX_CLUSTER_CHARS)
                })
                .flatten()
            {
                out.push((
                    path.to_string(),
                    Scalar::HugeCluster(g.chars().count(), g.to_string()),
                ));
            }
            let mut longest = String::new();
            let crate::markdown::Scanned {
                targets,
                near,
                not_autolinks,
                no_text,
            } = crate::markdown::scan_links(s);
            for t in targets {
                if !crate::markdown::is_allowed_target(&t) {
                    out.push((path.to_string(), Scalar::Link(t)));
                } else if t.len() > longest.len() {
                    longest = t;
                }
            }
            // Last: a text that is only, say, bidi overrides is reported
            // for them, not again as empty. What counts is what prints:
            // `*\u{200B}*` is as blank as an empty text.
            // Markdown is read only where it could hide text: a link, or
            // nothing but markers and blanks.
            let only_markers = || {
                s.chars()
                    .all(|c| matches!(c, '*' | '_' | '\\') || is_blank_char(c))
            };
            if ONE_BLOCK_FIELDS.contains(&key) {
                let mut n = s.trim().graphemes(true).count();
                // What prints: a link's address does not (a `reports_to`
                // linking to a long job-family address was refused), nor
                // do emphasis markers and escapes. (A value's `name` is no
                // Markdown: it prints as written, and counts so.)
                if n > MAX_HEADING_CHARS && key != "name" {
                    let printed =
                        crate::markdown::spans_text(&crate::markdown::parse(s.trim(), ""));
                    n = printed.graphemes(true).count();
                }
                if n > MAX_HEADING_CHARS {
                    out.push((path.to_string(), Scalar::LongHeading(n)));
                }
            }
            // (Names and `reports_to` have their own one-line check.)
            if key == "heading"
                && let Some(b) = s.trim().chars().find(|c| LINE_BREAKS.contains(c))
            {
                out.push((path.to_string(), Scalar::HeadingBreak(b)));
            }
            for n in near {
                out.push((path.to_string(), Scalar::NearLink(n)));
            }
            // (Titles and names are plain text: nothing in them is a link.)
            if !matches!(key, "title" | "level" | "name" | "emoji") {
                for (written, why) in not_autolinks {
                    out.push((path.to_string(), Scalar::NotAutolink(written, why)));
                }
                for written in no_text {
                    out.push((path.to_string(), Scalar::NoTextLink(written)));
                }
                // Once each: the same emphasis written twice is one
                // warning, at its first place.
                let mut seen = HashSet::new();
                for written in crate::markdown::unmeant_emphasis(s) {
                    if seen.insert(written.clone()) {
                        out.push((path.to_string(), Scalar::UnmeantEmphasis(written)));
                    }
                }
            }
            let spans =
                (s.contains(['[', '<']) || only_markers()).then(|| crate::markdown::parse(s, ""));
            let spans = spans.as_deref().unwrap_or_default();
            let links = crate::markdown::links(spans);
            // The links the parser makes too: emphasis read first can turn
            // what the scan above saw as a link's text into a link.
            for (_, url) in &links {
                if url.len() > longest.len() {
                    longest = url.clone();
                }
            }
            if longest.len() > MAX_URL_BYTES {
                out.push((path.to_string(), Scalar::LongLink(longest.len(), longest)));
            }
            if is_blank(s) || (!spans.is_empty() && is_blank(&crate::markdown::spans_text(spans))) {
                out.push((path.to_string(), Scalar::Blank));
            } else {
                for (label, url) in links {
                    if is_blank(&label) {
                        out.push((path.to_string(), Scalar::EmptyLabel(url)));
                    }
                }
            }
        }
        V::Sequence(items) => {
            for (i, item) in items.iter().enumerate() {
                let len = push_segment(path, &i.to_string());
                walk_scalars(item, path, true, ignored, out);
                path.truncate(len);
            }
        }
        V::Mapping(m) => {
            for (k, item) in m {
                if let Some(k) = k.as_str() {
                    let len = push_segment(path, k);
                    if !ignored.contains(path.as_str()) {
                        walk_scalars(item, path, false, ignored, out);
                    }
                    path.truncate(len);
                }
            }
        }
        _ => {}
    }
}

/// Appends `.segment` (or `segment` to the empty root path); the length
/// before, to cut back to.
fn push_segment(path: &mut String, segment: &str) -> usize {
    let len = path.len();
    if len > 0 {
        path.push('.');
    }
    path.push_str(segment);
    len
}
