//! `Checker`: one file's source, its position map and the diagnostics
//! found so far; and how places are named in messages ("level 2", `items #3`).

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;

use super::text::is_blank;
use crate::diag::{Diagnostic, clip};
use crate::source_map::{Pos, SourceMap};

/// A position-aware context for the checks of one file.
pub(super) struct Checker<'a> {
    pub(super) file: &'a Path,
    pub(super) source: Arc<str>,
    pub(super) map: SourceMap,
    pub(super) errors: Vec<Diagnostic>,
    pub(super) warnings: Vec<Diagnostic>,
    /// Paths with an error already (so a blank text is reported once).
    pub(super) reported: HashSet<String>,
    /// See [`FamilyFailure::unknown_targets`].
    pub(super) unknown_targets: Vec<(usize, String)>,
    /// Paths of the unknown keys: reported as such, and their contents,
    /// which nothing reads, are not checked further.
    pub(super) ignored: HashSet<String>,
    /// The file's lines, for positions.
    pub(super) lines: crate::lines::LineIndex,
}

impl<'a> Checker<'a> {
    pub(super) fn new(file: &'a Path, source: Arc<str>) -> Self {
        let map = SourceMap::build(&source);
        let lines = crate::lines::LineIndex::new(&source);
        Checker {
            file,
            source,
            map,
            lines,
            errors: Vec::new(),
            warnings: Vec::new(),
            reported: HashSet::new(),
            unknown_targets: Vec::new(),
            ignored: HashSet::new(),
        }
    }

    pub(super) fn diag(&self, d: Diagnostic, path: &str, key: bool) -> Diagnostic {
        let pos = if key {
            self.map.key(path)
        } else {
            self.map.value(path)
        };
        let mut d = d
            .in_file(self.file)
            .at(pos.line, pos.column)
            .with_source(self.source.clone());
        // In a level: whose (an unknown key's message does not say).
        d.level = path
            .strip_prefix("levels.")
            .and_then(|rest| rest.split('.').next()?.parse::<u32>().ok());
        d
    }

    /// An error about the value at `path`.
    pub(super) fn error(&mut self, path: &str, message: impl Into<String>, help: Option<String>) {
        let d = self.diag(Diagnostic::error(message).maybe_help(help), path, false);
        self.errors.push(d);
        self.reported.insert(path.to_string());
    }

    /// An error about character `ch` in the text at `path`: at the
    /// character itself (raw or as a `\u` escape), not at the start of
    /// the text, since an invisible character in a long or multi-line
    /// text is otherwise hard to find.
    pub(super) fn error_at_char(
        &mut self,
        path: &str,
        ch: char,
        message: String,
        help: Option<String>,
    ) {
        let forms = crate::diag::written_forms(ch);
        self.error_at_any(path, &forms, message, help);
    }

    /// An error about the text at `path`, at the first of `forms` written
    /// in it (else at the text's start): a long text, or a block text of
    /// many lines, is otherwise hard to search.
    pub(super) fn error_at_any(
        &mut self,
        path: &str,
        forms: &[String],
        message: String,
        help: Option<String>,
    ) {
        let d = self.at_any(path, forms, Diagnostic::error(message).maybe_help(help));
        self.errors.push(d);
        self.reported.insert(path.to_string());
    }

    /// A warning about the text at `path`, placed as [`Self::error_at_any`].
    pub(super) fn warn_at_any(
        &mut self,
        path: &str,
        forms: &[String],
        message: String,
        help: Option<String>,
    ) {
        let d = self.at_any(path, forms, Diagnostic::warning(message).maybe_help(help));
        self.warnings.push(d);
    }

    /// The text at `path` as written: from where it starts to where the
    /// next key or value does; with its byte offset.
    pub(super) fn written(&self, path: &str) -> (usize, &str) {
        let start = self.map.value(path);
        let from = self.offset(start);
        let to = self
            .map
            .next_start_after(start)
            .map_or(self.source.len(), |p| self.offset(p))
            .max(from);
        (from, &self.source[from..to])
    }

    /// A link with blank text to `target` as written in the text at `path`
    /// (`[ ](/t`, `[\u200B](/t`): not the `](/t` of an earlier link with
    /// text to the same place.
    pub(super) fn written_blank_link(&self, path: &str, target: &str) -> Option<String> {
        let (_, span) = self.written(path);
        let close = format!("]({target}");
        // The `[` before each `](target`, found in one pass over the `[`s
        // (a search back from each was quadratic in a long text).
        let opens: Vec<usize> = span.match_indices('[').map(|(i, _)| i).collect();
        let mut before = 0;
        span.match_indices(&close).find_map(|(at, _)| {
            while before < opens.len() && opens[before] < at {
                before += 1;
            }
            let open = opens[..before].last().copied()?;
            let label = &span[open + 1..at];
            // Escapes (`\u200B`, `\t`) are no text either.
            let mut rest = label;
            let mut blank = true;
            while let Some(c) = rest.chars().next() {
                rest = &rest[c.len_utf8()..];
                if c == '\\' {
                    let code = match rest.chars().next() {
                        Some('u') => 5,
                        Some('U') => 9,
                        Some('x') => 3,
                        _ => 1,
                    };
                    rest = rest.get(code..).unwrap_or("");
                } else if c.is_alphanumeric() || c.is_ascii_punctuation() {
                    blank = false;
                    break;
                }
            }
            blank.then(|| span[open..at + close.len()].to_string())
        })
    }

    /// `d` about the text at `path`, at the first of `forms` written in it.
    fn at_any(&self, path: &str, forms: &[String], d: Diagnostic) -> Diagnostic {
        // Only within this text (a later text with the same character is
        // another error's).
        let (from, span) = self.written(path);
        let mut d = self.diag(d, path, false);
        let first = |forms: &[&str]| {
            forms
                .iter()
                .filter(|f| !f.is_empty())
                .filter_map(|f| span.find(f))
                .min()
        };
        // In a double-quoted text a form's `"` or `\` is written escaped:
        // its part before the first of them (if two characters or more)
        // finds it then.
        let before_escapes: Vec<&str> = forms
            .iter()
            .map(|f| &f[..f.find(['"', '\\']).unwrap_or(f.len())])
            .filter(|f| f.chars().count() >= 2)
            .collect();
        let whole: Vec<&str> = forms.iter().map(String::as_str).collect();
        if let Some(at) = first(&whole).or_else(|| first(&before_escapes)) {
            // From the line tables, not a count from the top of the file
            // (or of a long line) for every error.
            let (line, column) = self.lines.position(&self.source, from + at);
            d = d.at(line, column);
        }
        d
    }

    /// The byte offset of a 1-based line and column (in characters).
    pub(super) fn offset(&self, at: Pos) -> usize {
        self.lines.offset(&self.source, at.line, at.column)
    }

    /// An error about the key at `path`.
    pub(super) fn key_error(
        &mut self,
        path: &str,
        message: impl Into<String>,
        help: Option<String>,
    ) {
        let d = self.diag(Diagnostic::error(message).maybe_help(help), path, true);
        self.errors.push(d);
    }

    /// NEL (U+0085), LINE SEPARATOR (U+2028) and PARAGRAPH SEPARATOR
    /// (U+2029) written raw are line breaks to libyaml (YAML 1.1): inside a
    /// quoted text they fold into a space, so the text would silently not
    /// be the one written, and every position libyaml reports after them is
    /// a line off from what an editor shows. Each is an error at its place.
    ///
    /// Returns whether there were any: the file is then reported with
    /// these errors alone (like a raw control character), since what the
    /// parser says of the lines after them would point at the wrong lines.
    pub(super) fn raw_line_breaks(&mut self) -> bool {
        let found: Vec<(usize, char)> = self
            .source
            .char_indices()
            .filter(|(_, c)| matches!(c, '\u{85}' | '\u{2028}' | '\u{2029}'))
            .take(20)
            .collect();
        let any = !found.is_empty();
        for (byte, c) in found {
            let (line, column) = crate::diag::line_col(&self.source, byte);
            let name = match c {
                '\u{85}' => "U+0085 (NEL)",
                '\u{2028}' => "U+2028 (LINE SEPARATOR)",
                _ => "U+2029 (PARAGRAPH SEPARATOR)",
            };
            self.errors.push(
                Diagnostic::error(format!(
                    "the raw character {name} is a line break to YAML: the text would not be the one written",
                ))
                .in_file(self.file)
                .at(line, column)
                .with_source(self.source.clone())
                .help("replace it with a space (or, between paragraphs, use separate list entries)"),
            );
        }
        any
    }

    pub(super) fn warn(&mut self, path: &str, message: impl Into<String>, help: Option<String>) {
        let d = self.diag(Diagnostic::warning(message).maybe_help(help), path, false);
        self.warnings.push(d);
    }

    /// Records an error and returns true when the file holds nothing (no
    /// text, only comments, `---` or a bare null): "missing field" at a
    /// line past the end would not say that. `help` says what it should hold.
    pub(super) fn empty_file(&mut self, help: &str) -> bool {
        // Two lines of content are never empty: no need to parse.
        let content = self
            .source
            .lines()
            .map(str::trim)
            .filter(|t| !t.is_empty() && !t.starts_with('#') && *t != "---" && *t != "...");
        let content: Vec<&str> = content.take(2).collect();
        if content.len() > 1 {
            return false;
        }
        if !matches!(
            serde_yaml::from_str::<serde_yaml::Value>(&self.source),
            Ok(serde_yaml::Value::Null)
        ) {
            return false;
        }
        // `~` or `null` alone is a value, not nothing (a `---` or a
        // directive before it is not).
        let null = content.first().map(|line| {
            let value = line.split(" #").next().unwrap_or(line).trim();
            value.strip_prefix("--- ").unwrap_or(value).trim()
        });
        let message = match null {
            Some(null @ ("~" | "null" | "Null" | "NULL")) => {
                format!("the file holds only `{null}`, YAML's empty value: no keys")
            }
            _ => "the file is empty (it holds no YAML, only comments or nothing)".to_string(),
        };
        self.errors
            .push(Diagnostic::error(message).in_file(self.file).help(help));
        true
    }
}

/// serde's path to a level counts from zero (`levels[1].title: …`), which
/// reads as the first level: said as people count, with the role id when
/// the file names it (`level 2 (`c-d`), title: …`).
pub(super) fn name_level(message: &str, ids: &[String]) -> String {
    let Some(rest) = message.strip_prefix("levels[") else {
        // Other lists too (`sections[0].items[1]: …`).
        return match message.split_once(": ") {
            Some((path, tail)) if is_serde_path(path) => {
                format!("{}: {tail}", count_from_one(path))
            }
            _ => message.to_string(),
        };
    };
    let Some((n, rest)) = rest.split_once(']') else {
        return message.to_string();
    };
    let Ok(i) = n.parse::<usize>() else {
        return message.to_string();
    };
    let id = ids
        .get(i)
        .filter(|id| !is_blank(id))
        .map(|id| format!(" (`{}`)", crate::diag::clip(id)))
        .unwrap_or_default();
    let rest = rest
        .strip_prefix('.')
        .map_or(rest.to_string(), |r| format!(", {r}"));
    // Deeper lists too: `items[1]` is the second item, `items #2`.
    let (path, tail) = rest.split_once(": ").unwrap_or((&rest, ""));
    let sep = if rest.contains(": ") { ": " } else { "" };
    format!("level {}{id}{}{sep}{tail}", i + 1, count_from_one(path))
}

/// serde's path to a value (`sections[0].items[1]`), not a message.
fn is_serde_path(path: &str) -> bool {
    path.contains('[')
        && path
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '[' | ']'))
}

/// `items[1]` as people count: `items #2`.
fn count_from_one(path: &str) -> String {
    let mut counted = String::new();
    let mut left = path;
    while let Some(open) = left.find('[') {
        let Some(close) = left[open..].find(']').map(|c| open + c) else {
            break;
        };
        let Ok(k) = left[open + 1..close].parse::<usize>() else {
            break;
        };
        counted.push_str(&left[..open]);
        counted.push_str(&format!(" #{}", k + 1));
        left = &left[close + 1..];
    }
    counted.push_str(left);
    counted
}

/// A level in a message: `role \`senior-social\``, or by its place
/// (`level 3`) when its id is blank (an error of its own).
pub(super) fn named(noun: &str, id: &str, i: usize) -> String {
    if is_blank(id) {
        format!("level {}", i + 1)
    } else {
        format!("{noun} `{}`", clip(id))
    }
}

/// `what` and the value in backticks, or `blank` when the value is blank
/// ("invalid role id `x`", "the role id is blank").
pub(super) fn blank_or(value: &str, blank: &str, what: &str) -> String {
    if is_blank(value) {
        blank.to_string()
    } else {
        format!("{what} `{}`", clip(value))
    }
}

/// The mapping at `parent` as a reader names it: "level 2", not
/// `levels.1`.
pub(super) fn mapping_name(parent: &[String]) -> String {
    match parent {
        [] => "the file's top level".into(),
        [levels, n, rest @ ..] if levels == "levels" && n.parse::<usize>().is_ok() => {
            let level = format!("level {}", n.parse::<usize>().unwrap_or(0) + 1);
            if rest.is_empty() {
                level
            } else {
                format!("`{}` of {level}", counted_path(rest))
            }
        }
        _ => format!("`{}`", counted_path(parent)),
    }
}

/// `groups.0.items` as people count: `groups #1.items`.
fn counted_path(segments: &[String]) -> String {
    // As serde writes it (`groups[0].items`), then counted as messages are.
    let mut serde_path = String::new();
    for s in segments {
        if s.parse::<usize>().is_ok() {
            serde_path.push_str(&format!("[{s}]"));
        } else {
            if !serde_path.is_empty() {
                serde_path.push('.');
            }
            serde_path.push_str(s);
        }
    }
    count_from_one(&serde_path)
}
