//! Problems found in the input, with where they are and how to fix them.
//!
//! Every stage returns `Diagnostic`s instead of printing; the CLI renders
//! them once, at the edge, as `file:line:col: error: message` followed by the
//! offending source line and a `help:` line when there is a suggestion.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

use crate::lines::LineIndex;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Debug, Clone, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// The file the problem is in, if any.
    #[serde(serialize_with = "lossy_path")]
    pub file: Option<PathBuf>,
    /// 1-based line and column, when known (u32 keeps the type small:
    /// diagnostics travel inside `Result`s).
    pub line: Option<u32>,
    pub column: Option<u32>,
    pub message: String,
    /// Suggested fixes ("did you mean `responsibilities`?"), a `= help:`
    /// line each; JSON has them as one text, a line each.
    #[serde(serialize_with = "help_lines")]
    pub help: Vec<String>,
    /// The file's text, to show the offending line.
    #[serde(skip)]
    pub source: Option<Arc<str>>,
    /// The place (0-based) in its file's `levels` of the level the problem
    /// is in, when the check knows it: a build charges a failed file's
    /// error to that level's role (`FailedFile::level_ids_at`). An index,
    /// so that the type stays small.
    #[serde(skip)]
    pub level: Option<u32>,
    /// For a note that stands for findings not shown (past a file's cap):
    /// how many. 0 for every other diagnostic. Counted with the note, so
    /// that a count of errors or warnings is right wherever the
    /// diagnostics go.
    #[serde(skip)]
    pub hidden: u32,
}

/// The errors and warnings among `diags`: a note that stands for
/// findings not shown counts as those findings.
pub fn count<'a>(diags: impl IntoIterator<Item = &'a Diagnostic>) -> (usize, usize) {
    diags.into_iter().fold((0, 0), |(errors, warnings), d| {
        let n = if d.hidden > 0 { d.hidden as usize } else { 1 };
        if d.is_error() {
            (errors + n, warnings)
        } else {
            (errors, warnings + n)
        }
    })
}

impl Diagnostic {
    pub fn error(message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            file: None,
            line: None,
            column: None,
            message: message.into(),
            help: Vec::new(),
            source: None,
            level: None,
            hidden: 0,
        }
    }

    pub fn warning(message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(message)
        }
    }

    pub fn in_file(mut self, file: &Path) -> Self {
        self.file = Some(file.to_path_buf());
        self
    }

    pub fn at(mut self, line: usize, column: usize) -> Self {
        self.line = Some(u32::try_from(line).unwrap_or(u32::MAX));
        self.column = Some(u32::try_from(column).unwrap_or(u32::MAX));
        self
    }

    pub fn with_source(mut self, source: Arc<str>) -> Self {
        self.source = Some(source);
        self
    }

    /// Sets the advice (one piece; see [`Self::helps`]).
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = vec![help.into()];
        self
    }

    pub fn maybe_help(mut self, help: Option<String>) -> Self {
        self.help = help.into_iter().collect();
        self
    }

    /// Sets several pieces of advice, a line each (a template error's
    /// hints).
    pub fn helps(mut self, help: Vec<String>) -> Self {
        self.help = help;
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// `file:line:col` (as much of it as is known).
    pub fn location(&self) -> Option<String> {
        let file = self.file.as_ref()?.display().to_string();
        Some(match (self.line, self.column) {
            (Some(l), Some(c)) => format!("{file}:{l}:{c}"),
            (Some(l), None) => format!("{file}:{l}"),
            _ => file,
        })
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        // One line, whatever a path or a template's message holds: a line
        // break there would start a line that reads as another diagnostic.
        let headline = match self.location() {
            Some(loc) => format!("{loc}: {kind}: {}", self.message),
            None => format!("{kind}: {}", self.message),
        };
        f.write_str(&one_line(&headline))?;
        if let (Some(src), Some(line)) = (&self.source, self.line)
            && let index = index_of(src)
            && let Some(text) = source_line(src, &index, line as usize)
        {
            let n = line as usize;
            let gutter = line.to_string();
            let pad = " ".repeat(gutter.len());
            // Show at most a window of the line around the column, so a
            // 100 kB line does not flood the terminal.
            let len =
                index.chars_in_line(src, n) - usize::from(text.len() < index.line(src, n).len());
            let col = (self.column.unwrap_or(1) as usize)
                .saturating_sub(1)
                .min(len);
            let start = col.saturating_sub(60);
            let end = (start + 120).min(len);
            let byte = |c: usize| index.byte_in_line(src, n, c).min(text.len());
            let mut shown = text[byte(start)..byte(end)].to_string();
            let mut caret_at = col - start;
            if start > 0 {
                shown.insert(0, '…');
                caret_at += 1;
            }
            if end < len {
                shown.push('…');
            }
            write!(f, "\n {pad} |\n {gutter} | {shown}")?;
            if self.column.is_some() {
                // Columns count characters; draw the caret under that char,
                // as wide as a terminal draws each one before it (two
                // cells for CJK, none for a combining mark).
                let lead: String = shown
                    .chars()
                    .take(caret_at)
                    .map(|c| match c {
                        '\t' => "\t".to_string(),
                        // A control character is shown escaped (`\u{1}`).
                        c => " ".repeat(unicode_width::UnicodeWidthStr::width(
                            printable(c.encode_utf8(&mut [0; 4])).as_ref(),
                        )),
                    })
                    .collect();
                write!(f, "\n {pad} | {lead}^")?;
            }
        }
        for help in &self.help {
            write!(f, "\n  = help: {}", one_line(help))?;
        }
        Ok(())
    }
}

/// The line index of `src`. The index of the last source asked about is
/// kept: a file with thousands of errors was searched from its top (and a
/// long line from its start) for each one.
fn index_of(src: &Arc<str>) -> std::rc::Rc<LineIndex> {
    type Cached = Option<(Arc<str>, std::rc::Rc<LineIndex>)>;
    thread_local! {
        // The source itself is held, so the same allocation is the same text.
        static INDEX: std::cell::RefCell<Cached> = const { std::cell::RefCell::new(None) };
    }
    INDEX.with(|cell| {
        let mut cached = cell.borrow_mut();
        match &*cached {
            Some((s, index)) if Arc::ptr_eq(s, src) => index.clone(),
            _ => {
                let index = std::rc::Rc::new(LineIndex::new(src));
                *cached = Some((src.clone(), index.clone()));
                index
            }
        }
    })
}

/// Line `n` (1-based) of `src`, without its line break.
fn source_line<'s>(src: &'s Arc<str>, index: &LineIndex, n: usize) -> Option<&'s str> {
    let start = index.start(n)?;
    if start > src.len() || (start == src.len() && n > 1) {
        return None;
    }
    let line = index.line(src, n);
    Some(line.strip_suffix('\r').unwrap_or(line))
}

/// Renders diagnostics for a terminal or a log, one blank line between.
pub fn render(diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diagnostics {
        out.push_str(&d.to_string());
        out.push_str("\n\n");
    }
    out
}

/// `message` with each mention of the role id (not inside a longer id)
/// as `<role>`, so that failures that differ only by their role group.
pub(crate) fn mask_role(message: &str, role: &str) -> String {
    let is_id = |c: char| c.is_alphanumeric() || c == '-' || c == '_';
    let mut out = String::with_capacity(message.len());
    let mut done = 0;
    for (at, _) in message.match_indices(role) {
        let end = at + role.len();
        let own = !message[..at].chars().next_back().is_some_and(is_id)
            && !message[end..].chars().next().is_some_and(is_id);
        if own && at >= done {
            out.push_str(&message[done..at]);
            out.push_str("<role>");
            done = end;
        }
    }
    out.push_str(&message[done..]);
    out
}

/// Messages that say the same thing for many roles, grouped: a template
/// that fails every role alike printed its error once per role, 1,000 times
/// at 1,000 roles. Messages at one place with the same text are one group
/// (the roles of a file that does not load share its errors, which may name
/// one of them). Then groups whose every message names its own role, and
/// only that one, join when their texts are the same with the role masked
/// (`no grade for <role>`): such a group shows the masked text, which reads
/// true for each of its roles.
#[derive(Default)]
pub(crate) struct ByRole {
    exact: std::collections::HashMap<(String, String), usize>,
    groups: Vec<(String, RoleGroup)>,
}

pub(crate) struct RoleGroup {
    /// The caller's index of the group's first message.
    pub first: usize,
    pub roles: Vec<String>,
    /// How many messages it holds.
    pub count: usize,
    /// What the group says.
    pub message: String,
}

impl ByRole {
    /// Adds the caller's message `index`, about `role` (if any), at `place`
    /// (where it points, and anything else that must match), saying
    /// `message` (without a `role `x`: ` prefix).
    pub fn add(&mut self, index: usize, place: String, role: Option<&str>, message: &str) {
        let key = (place, message.to_string());
        let i = *self.exact.entry(key.clone()).or_insert_with(|| {
            self.groups.push((
                key.0,
                RoleGroup {
                    first: index,
                    roles: Vec::new(),
                    count: 0,
                    message: key.1,
                },
            ));
            self.groups.len() - 1
        });
        let group = &mut self.groups[i].1;
        // A role is listed once, however many of its messages say this
        // (a template warning written at two places).
        if let Some(role) = role
            && !group.roles.iter().any(|r| r == role)
        {
            group.roles.push(role.to_string());
        }
        group.count += 1;
    }

    /// The groups, in the order of their first messages.
    pub fn into_groups(self) -> Vec<RoleGroup> {
        let mut out: Vec<RoleGroup> = Vec::new();
        let mut masked_at: std::collections::HashMap<(String, String), usize> =
            std::collections::HashMap::new();
        for (place, group) in self.groups {
            // Maskable: the messages of one role, naming it (each role's
            // message is then its own); a message holding `<role>` itself
            // could not be told from a masked one.
            let masked = match group.roles.as_slice() {
                [role] if !group.message.contains("<role>") => {
                    Some(mask_role(&group.message, role)).filter(|m| *m != group.message)
                }
                _ => None,
            };
            let Some(masked) = masked else {
                out.push(group);
                continue;
            };
            match masked_at.get(&(place.clone(), masked.clone())) {
                Some(&j) => {
                    let into = &mut out[j];
                    for role in group.roles {
                        if !into.roles.contains(&role) {
                            into.roles.push(role);
                        }
                    }
                    into.count += group.count;
                    into.message = masked;
                }
                None => {
                    masked_at.insert((place, masked), out.len());
                    out.push(group);
                }
            }
        }
        out
    }
}

/// "a, b … and 4 more" (with `quote`, each id in backticks).
pub(crate) fn role_list(roles: &[String], quote: bool) -> String {
    let mut names = roles
        .iter()
        .take(10)
        .map(|r| if quote { format!("`{r}`") } else { r.clone() })
        .collect::<Vec<_>>()
        .join(", ");
    if roles.len() > 10 {
        names.push_str(&format!(" and {} more", roles.len() - 10));
    }
    names
}

/// Diagnostics grouped by [`ByRole`] (for `pdf` and `export --zip`): a
/// group of several roles becomes one diagnostic that lists them; exact
/// repeats (a folder no file can be written to) become one.
pub fn group_alike(diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let mut by_role = ByRole::default();
    for (i, d) in diagnostics.iter().enumerate() {
        let (role, message) = match d
            .message
            .strip_prefix("role `")
            .and_then(|r| r.split_once("`: "))
        {
            Some((role, rest)) => (Some(role), rest),
            None => (None, d.message.as_str()),
        };
        let place = format!(
            "{}|{:?}|{:?}|{:?}|{:?}",
            d.severity == Severity::Error,
            d.file,
            d.line,
            d.column,
            d.help
        );
        by_role.add(i, place, role, message);
    }
    let mut diagnostics: Vec<Option<Diagnostic>> = diagnostics.into_iter().map(Some).collect();
    by_role
        .into_groups()
        .iter()
        .filter_map(|g| {
            let mut d = diagnostics[g.first].take()?;
            if g.roles.len() > 1 {
                d.message = format!(
                    "{} roles ({}): {}",
                    g.roles.len(),
                    role_list(&g.roles, true),
                    g.message
                );
            }
            Some(d)
        })
        .collect()
}

/// A value as an error message quotes it ("found `x`"): clipped, and said
/// in words when it is blank (a pair of backticks around spaces, or around
/// nothing, reads as a typo in the message).
pub fn quoted(text: &str) -> String {
    if text.trim().is_empty() {
        "blank text".to_string()
    } else {
        format!("`{}`", clip(text))
    }
}

/// `text` as quoted in a message: whole up to 80 characters, else its
/// first 60 and `…`. A message quotes what it is about, and an unknown
/// key or a bad value can be megabytes long; the position points at all
/// of it.
pub fn clip(text: &str) -> std::borrow::Cow<'_, str> {
    const MAX: usize = 80;
    const KEEP: usize = 60;
    match text.char_indices().nth(MAX) {
        None => text.into(),
        Some(_) => {
            let end = text.char_indices().nth(KEEP).map_or(text.len(), |(i, _)| i);
            format!("{}…", &text[..end]).into()
        }
    }
}

/// The closest candidate to `input`, if it is close enough to be a likely
/// typo (used for unknown keys and unknown role ids).
pub fn closest<'a>(input: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    closest_n(input, candidates, 1).into_iter().next()
}

/// Up to `n` close candidates, best first.
pub fn closest_n<'a>(
    input: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    n: usize,
) -> Vec<&'a str> {
    // Case apart: `AL-A` is `al-a` typed with caps lock, though no
    // character of the two is the same.
    let input = input.to_lowercase();
    let input = input.as_str();
    let mut scored: Vec<(f64, &str)> = candidates
        .into_iter()
        // Lengths far apart are no typo, and comparing a megabyte-long
        // unknown key with every candidate would take seconds.
        .filter(|c| {
            let (a, b) = (input.chars().count(), c.chars().count());
            a <= 3 * b + 3 && b <= 3 * a + 3
        })
        .map(|c| (c, c.to_lowercase()))
        .map(|(c, lower)| (strsim::jaro_winkler(input, &lower), c, lower))
        // Two edits make `zz` of `aa` and `aa` of nothing: a typo changes
        // less than half of what was meant.
        .filter(|(score, c, lower)| {
            let edits = strsim::damerau_levenshtein(input, lower);
            !input.is_empty()
                && (*score >= 0.8
                    || (edits <= 2 && edits * 2 < input.chars().count().max(c.chars().count())))
        })
        .map(|(score, c, _)| (score, c))
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
    scored.into_iter().take(n).map(|(_, c)| c).collect()
}

/// Writes `text` to stderr, ignoring failure: a closed pipe
/// (`jdgen build 2>&1 | head`) or a full disk must not turn a finished run
/// into a crash; the exit code still says what happened.
pub fn to_stderr(text: &str) {
    write_ignoring_errors(std::io::stderr().lock(), &printable(text));
}

/// `text` safe for a terminal: control characters other than newline and
/// tab, and the bidi controls, written as `\u{1b}`. Messages quote role
/// text, file names and source lines; a hostile file must not clear the
/// screen, retitle the terminal or reverse what the message says.
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_char = |c: char| c != '\n' && c != '\t' && is_unsafe_for_terminal(c);
    if !text.chars().any(unsafe_char) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if unsafe_char(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// `text` on one line: line breaks written as `\n`, `\r` (text that is
/// one line in a message or a log record, whatever its source holds).
pub fn one_line(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains(['\n', '\r']) {
        text.replace('\r', "\\r").replace('\n', "\\n").into()
    } else {
        text.into()
    }
}

/// Writes `text` to stdout, ignoring failure (see [`to_stderr`]).
pub fn to_stdout(text: &str) {
    write_ignoring_errors(std::io::stdout().lock(), text);
}

fn write_ignoring_errors(mut w: impl std::io::Write, text: &str) {
    let _ = w.write_all(text.as_bytes()).and_then(|_| w.flush());
}

/// The 1-based line and column (in characters) of byte `at` of `text`.
pub fn line_col(text: &str, at: usize) -> (usize, usize) {
    let before = &text[..at.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, column)
}

/// `d` pointed at the first place `needle` is written in `source` (when
/// it is), with the source for the excerpt.
pub fn at_first(d: Diagnostic, source: &std::sync::Arc<str>, needle: &str) -> Diagnostic {
    // A single character may be written as a YAML escape: `\uFFFE`.
    let forms = match needle
        .chars()
        .next()
        .filter(|_| needle.chars().count() == 1)
    {
        Some(c) => written_forms(c),
        None => vec![needle.to_string()],
    };
    match forms
        .iter()
        .filter(|f| !f.is_empty())
        .find_map(|f| source.find(f.as_str()))
    {
        Some(byte) => {
            let (line, column) = line_col(source, byte);
            d.at(line, column).with_source(source.clone())
        }
        None => d,
    }
}

/// The ways `c` can be written in a YAML file: raw, or as one of the
/// escapes of a double-quoted text (`\u001B`, `\x1b`, `\e`…).
pub fn written_forms(c: char) -> Vec<String> {
    let n = c as u32;
    let mut forms = vec![
        c.to_string(),
        format!("\\u{n:04X}"),
        format!("\\u{n:04x}"),
        format!("\\U{n:08X}"),
        format!("\\U{n:08x}"),
    ];
    if n < 0x100 {
        forms.extend([format!("\\x{n:02X}"), format!("\\x{n:02x}")]);
    }
    let short = match c {
        '\0' => "\\0",
        '\u{7}' => "\\a",
        '\u{8}' => "\\b",
        '\u{b}' => "\\v",
        '\u{c}' => "\\f",
        '\u{1b}' => "\\e",
        '\u{85}' => "\\N",
        '\u{a0}' => "\\_",
        '\u{2028}' => "\\L",
        '\u{2029}' => "\\P",
        _ => "",
    };
    if !short.is_empty() {
        forms.push(short.to_string());
    }
    forms
}

/// Characters that change what a terminal shows rather than showing
/// themselves: controls (newline and tab included: callers allow them
/// where they mean a line or a column), the bidi embeddings, overrides,
/// isolates and marks, and the Unicode line and paragraph separators.
/// Messages escape them ([`printable`]); file names may not hold them.
pub fn is_unsafe_for_terminal(c: char) -> bool {
    c.is_control()
        || crate::chars::is_bidi_control(c)
        || matches!(
            c,
            '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{2028}' | '\u{2029}'
        )
}

/// [`at_first`] for a character that prints: its first place outside YAML
/// comments and link addresses (`](…)`), where it does print; the first
/// place at all when it is only there.
pub fn at_first_printed(d: Diagnostic, source: &std::sync::Arc<str>, needle: &str) -> Diagnostic {
    // A capital the template made (`upper()`) is written in small letters.
    let lower = needle.to_lowercase();
    let needle = if source.contains(needle) {
        needle
    } else {
        lower.as_str()
    };
    match first_printed(source, needle) {
        Some(byte) => at_offset(d, source, byte),
        None => at_first(d, source, needle),
    }
}

/// `d` at byte `byte` of `source`, with the source to show.
pub fn at_offset(d: Diagnostic, source: &std::sync::Arc<str>, byte: usize) -> Diagnostic {
    let (line, column) = line_col(source, byte);
    d.at(line, column).with_source(source.clone())
}

/// The byte offset of the first place `needle` is in `source` outside YAML
/// comments and link addresses (`](…)`).
pub fn first_printed(source: &str, needle: &str) -> Option<usize> {
    if needle.is_empty() {
        return None;
    }
    // One pass over the lines (a search per occurrence from the line's
    // start was quadratic on a long line).
    let mut offset = 0;
    for line in source.split_inclusive('\n') {
        if line.contains(needle) {
            let comment = comment_start(line);
            // `](…)` spans: a link's address.
            let mut addresses = Vec::new();
            let mut from = 0;
            while let Some(open) = line[from..].find("](").map(|i| from + i + 2) {
                let close = line[open..].find(')').map_or(line.len(), |i| open + i);
                addresses.push(open..close);
                from = close;
            }
            let printed = line
                .match_indices(needle)
                .map(|(at, _)| at)
                .find(|&at| at < comment && !addresses.iter().any(|r| r.contains(&at)));
            if let Some(at) = printed {
                return Some(offset + at);
            }
        }
        offset += line.len();
    }
    None
}

/// Where a YAML comment starts in `line` (its length if none): a `#` at
/// the start or after white space, outside double quotes.
fn comment_start(line: &str) -> usize {
    let mut quoted = false;
    let mut prev = ' ';
    for (i, c) in line.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '#' if !quoted && prev.is_whitespace() => return i,
            _ => {}
        }
        prev = c;
    }
    line.len()
}

/// The advice as JSON: none, or one text of a line each.
fn help_lines<S: serde::Serializer>(help: &[String], s: S) -> Result<S::Ok, S::Error> {
    if help.is_empty() {
        s.serialize_none()
    } else {
        s.serialize_str(&help.join("\n"))
    }
}

/// Serialises a path as text, replacing bytes that are not UTF-8 (serde's
/// own `Path` serialisation fails on them, and a JSON report must not).
pub fn lossy_path<S: serde::Serializer, P: AsRef<std::path::Path>>(
    path: &Option<P>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match path {
        Some(p) => s.serialize_str(&p.as_ref().to_string_lossy()),
        None => s.serialize_none(),
    }
}

/// `1 role`, `2 roles`: a count with its noun, in a summary line.
pub fn counted(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_role_is_masked_only_where_it_stands_alone() {
        assert_eq!(mask_role("no grade for a-b", "a-b"), "no grade for <role>");
        assert_eq!(
            mask_role("a-b: x-a-b a-bc a-b", "a-b"),
            "<role>: x-a-b a-bc <role>"
        );
        assert_eq!(mask_role("abab ab", "ab"), "abab <role>");
        assert_eq!(mask_role("“é” é", "é"), "“<role>” <role>");
        assert_eq!(mask_role("nothing", "z"), "nothing");
    }

    #[test]
    fn errors_alike_but_for_their_role_print_once() {
        let at = |m: &str| Diagnostic::error(m).in_file(Path::new("t.typ")).at(4, 2);
        let mut diags: Vec<Diagnostic> = (0..12)
            .map(|i| at(&format!("role `r{i}`: no grade for r{i}")))
            .collect();
        diags.push(at("role `x`: something else"));
        diags.push(Diagnostic::error(
            "/out: cannot create a file in this folder",
        ));
        diags.push(Diagnostic::error(
            "/out: cannot create a file in this folder",
        ));
        let grouped = group_alike(diags);
        let messages: Vec<&str> = grouped.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "12 roles (`r0`, `r1`, `r2`, `r3`, `r4`, `r5`, `r6`, `r7`, `r8`, `r9` and 2 more): no grade for <role>",
                "role `x`: something else",
                "/out: cannot create a file in this folder",
            ]
        );
        // Another place is another error.
        let two = group_alike(vec![
            at("role `a`: boom"),
            Diagnostic::error("role `b`: boom"),
        ]);
        assert_eq!(two.len(), 2);
        // A message that names one of the roles it is about stays whole
        // (the errors of a family file, shared by its roles).
        let file = group_alike(
            ["a-x", "b-x", "c-x"]
                .iter()
                .map(|r| at(&format!("role `{r}`: level 2 (`b-x`): bad title")))
                .collect(),
        );
        let messages: Vec<&str> = file.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            messages,
            ["3 roles (`a-x`, `b-x`, `c-x`): level 2 (`b-x`): bad title"]
        );
        // A role whose message names another role is not shown as if it
        // named itself; a literal `<role>` is no mask.
        let shown = |pairs: &[(&str, &str)]| -> Vec<String> {
            group_alike(
                pairs
                    .iter()
                    .map(|(r, m)| at(&format!("role `{r}`: {m}")))
                    .collect(),
            )
            .into_iter()
            .map(|d| d.message)
            .collect()
        };
        assert_eq!(
            shown(&[
                ("a", "no pdf of a"),
                ("a-b", "no pdf of a"),
                ("b", "no pdf of b"),
                ("ab", "no pdf of b"),
                ("c", "no pdf of c"),
                ("d", "no pdf of d"),
            ]),
            [
                "2 roles (`a`, `a-b`): no pdf of a",
                "2 roles (`b`, `ab`): no pdf of b",
                "2 roles (`c`, `d`): no pdf of <role>",
            ]
        );
        assert_eq!(
            shown(&[("a", "x <role>"), ("b", "x <role>"), ("c", "x c")]),
            ["2 roles (`a`, `b`): x <role>", "role `c`: x c"]
        );
        assert_eq!(
            shown(&[("a", "x a <role>"), ("a-b", "x <role> a-b")]),
            ["role `a`: x a <role>", "role `a-b`: x <role> a-b"]
        );
        // A role with the same message twice (a warning written at two
        // places) is listed once, and still joins by its mask.
        let mut by_role = ByRole::default();
        for (i, (role, message)) in [("a", "q a"), ("a", "q a"), ("b", "q b"), ("b", "q b")]
            .iter()
            .enumerate()
        {
            by_role.add(i, String::new(), Some(role), message);
        }
        let groups = by_role.into_groups();
        assert_eq!(groups.len(), 1);
        assert_eq!(
            (groups[0].roles.as_slice(), groups[0].count),
            (&["a".to_string(), "b".to_string()][..], 4)
        );
        assert_eq!(groups[0].message, "q <role>");
    }

    #[test]
    fn a_diagnostic_headline_and_help_stay_one_line_each() {
        let d = Diagnostic::error("template says\nerror: forged")
            .in_file(Path::new("roles\nx/a.yaml"))
            .at(2, 3)
            .with_source("a: 1\nb: 2\n".into())
            .help("see roles\nx/b.yaml");
        let text = d.to_string();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "roles\\nx/a.yaml:2:3: error: template says\\nerror: forged"
        );
        assert_eq!(lines.last().unwrap(), &"  = help: see roles\\nx/b.yaml");
        assert_eq!(lines.len(), 5, "{text}");
        // Several pieces of advice are a line each; a line break in one
        // (a path) is written out, never a line that reads as advice.
        let d = Diagnostic::error("e").helps(vec!["one".into(), "two\n  = help: three".into()]);
        let text = d.to_string();
        assert_eq!(
            text.lines().collect::<Vec<_>>(),
            [
                "error: e",
                "  = help: one",
                "  = help: two\\n  = help: three"
            ]
        );
    }

    #[test]
    fn one_line_writes_line_breaks_out() {
        assert_eq!(one_line("a\nb\r\nc"), "a\\nb\\r\\nc");
        assert!(matches!(
            one_line("plain"),
            std::borrow::Cow::Borrowed("plain")
        ));
    }

    #[test]
    fn quoted_says_blank_values_in_words() {
        assert_eq!(quoted("  "), "blank text");
        assert_eq!(quoted(""), "blank text");
        assert_eq!(quoted("2026-1-1"), "`2026-1-1`");
    }

    #[test]
    fn clip_keeps_short_text_and_cuts_long_text_at_a_character() {
        assert_eq!(clip("levels"), "levels");
        let eighty = "é".repeat(80);
        assert_eq!(clip(&eighty), eighty);
        assert_eq!(clip(&"é".repeat(81)), format!("{}…", "é".repeat(60)));
    }

    #[test]
    fn far_longer_input_is_no_typo() {
        assert_eq!(closest("titel", ["title", "level"]), Some("title"));
        assert_eq!(closest(&"title".repeat(10_000), ["title"]), None);
    }

    #[test]
    fn at_first_finds_a_character_as_written_or_escaped() {
        let src: std::sync::Arc<str> = "a: x\nb: \"y \\uFFFF\"\nc: 한\n".into();
        let at = |needle: &str| {
            let d = at_first(Diagnostic::warning("w"), &src, needle);
            (d.line, d.column)
        };
        assert_eq!(at("한"), (Some(3), Some(4)));
        assert_eq!(at("\u{FFFF}"), (Some(2), Some(7)));
        assert_eq!(at("z"), (None, None));
    }

    #[test]
    fn suggests_close_names() {
        let keys = ["responsibilities", "requirements", "reports_to"];
        assert_eq!(closest("responsiblities", keys), Some("responsibilities"));
        assert_eq!(closest("zzz", keys), None);
        let ids = ["senior-social", "senior-mops", "associate-social"];
        assert_eq!(closest("senoir-social", ids), Some("senior-social"));
        // Caps lock: no character alike, the same name.
        assert_eq!(closest("SENIOR-MOPS", ids), Some("senior-mops"));
        assert_eq!(closest("AL-A", ["al-a", "al-b"]), Some("al-a"));
    }

    #[test]
    fn renders_location_source_and_help() {
        let d = Diagnostic::error("unknown key `titel`")
            .in_file(Path::new("roles/a.yaml"))
            .at(2, 3)
            .with_source(Arc::from("family: a\n  titel: x\n"))
            .help("did you mean `title`?");
        let s = d.to_string();
        assert!(s.starts_with("roles/a.yaml:2:3: error: unknown key `titel`"));
        assert!(s.contains(" 2 |   titel: x\n   |   ^"), "{s}");
        assert!(s.ends_with("= help: did you mean `title`?"));
    }

    #[test]
    fn long_lines_are_cut_to_a_window_around_the_column() {
        let line = format!("title: {}x{}", "a".repeat(5000), "b".repeat(5000));
        let d = Diagnostic::error("here")
            .in_file(Path::new("a.yaml"))
            .at(1, 5008)
            .with_source(Arc::from(line.as_str()));
        let s = d.to_string();
        assert!(s.len() < 400, "{}", s.len());
        let lines: Vec<&str> = s.lines().collect();
        let caret = lines[3].chars().position(|c| c == '^').unwrap();
        assert_eq!(lines[2].chars().nth(caret), Some('x'), "{s}");
    }
}
