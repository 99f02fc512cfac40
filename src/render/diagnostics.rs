//! Typst's diagnostics as jdgen `Diagnostic`s: template file, line, column,
//! message, hints and the call trace.

use std::sync::Arc;

use typst::diag::{Severity, SourceDiagnostic};
use typst::syntax::DiagSpan;
use typst::{World, WorldExt};

use super::world::JobWorld;
use crate::diag::Diagnostic;

/// Converts one Typst diagnostic from rendering role `role_id` (None when
/// checking the template on its own).
pub(crate) fn convert(world: &JobWorld, role_id: Option<&str>, d: &SourceDiagnostic) -> Diagnostic {
    // A message is one line: a template's `panic("a\nb")` must not start
    // what reads as a line of its own (a forged log record).
    let text = crate::diag::one_line(&d.message);
    let message = match role_id {
        Some(id) => format!("role `{id}`: {text}"),
        None => text.into_owned(),
    };
    let mut out = match d.severity {
        Severity::Error => Diagnostic::error(message),
        Severity::Warning => Diagnostic::warning(message),
    };
    if let Some(loc) = locate(world, d.span) {
        out = out
            .in_file(std::path::Path::new(&loc.file))
            .at(loc.line, loc.column);
        if let Some(text) = loc.text {
            out = out.with_source(text);
        }
    } else if let Some(main) = world
        .shared
        .template
        .display_path(world.shared.template.main)
    {
        // No place in a file (PDF/A and PDF/UA checks of the finished
        // document: a missing title, a date): the template sets those.
        out = out.in_file(&main);
    }
    let mut help: Vec<String> = Vec::new();
    for hint in &d.hints {
        // typst-cli's advice; jdgen has no `--root`: the root is the
        // template's folder.
        if hint.v.contains("--root") {
            help.push("a jdgen template may read only files in its own folder".into());
            continue;
        }
        // What carries transparency in the built-in template: say so.
        if world.shared.template.is_builtin()
            && d.message.contains("transparency")
            && hint.v.contains("different standard")
        {
            help.push(
                "the values' colour emoji are transparent images: use `--pdf-standard a-2b` or \
                 `a-3b` (PDF/A-1 forbids transparency), or a template without them"
                    .into(),
            );
            continue;
        }
        // A hint of several lines ("the following values were observed:"
        // and one line each) is a help line each: a help shows on one line
        // (a line break in it printed as `\n`).
        let mut lines: Vec<String> = hint.v.lines().map(str::to_string).collect();
        if let (Some(loc), Some(first)) = (locate(world, hint.span), lines.first_mut()) {
            first.push_str(&format!(" (at {})", loc.short()));
        }
        help.extend(lines);
    }
    for point in &d.trace {
        match locate(world, point.span.into()) {
            Some(loc) => help.push(format!("{} at {}", point.v, loc.short())),
            None => help.push(point.v.to_string()),
        }
    }
    out.helps(help)
}

/// `d` placed where a missing glyph's span points in a template file:
/// at the character itself when that markup holds it (a text of the
/// template's own), else at the expression that made it (`#str.from-
/// unicode(..)`, math); with whether it was the character. `None` for a
/// span that is in no template file (detached).
pub(crate) fn at_glyph(
    world: &JobWorld,
    d: Diagnostic,
    (span, offset): (typst::syntax::Span, u16),
    ch: char,
) -> Option<(Diagnostic, bool)> {
    let id = span.id()?;
    let file = world.shared.template.display_path(id)?;
    let source = world.source(id).ok()?;
    let range = world.range(DiagSpan::from(span))?;
    let written = source.text().get(range.clone())?;
    let (byte, literal) = match written.find(ch) {
        Some(first) => {
            let at = range.start + usize::from(offset);
            let exact =
                at < range.end && source.text().get(at..).is_some_and(|t| t.starts_with(ch));
            (if exact { at } else { range.start + first }, true)
        }
        // A string literal of the template's code (`"x\u{4E8C}y"`) is its
        // own text too, whatever escapes spell the character; not a call
        // on one (`"Title: {}".replace("{}", data.role.title)`), whose
        // character may be the role's.
        None => {
            let literal = source.find(span).is_some_and(|node| {
                node.cast::<typst::syntax::ast::Str>()
                    .is_some_and(|s| s.get().contains(ch))
            });
            (range.start, literal)
        }
    };
    let (line, column) = source
        .lines()
        .byte_to_line_column(byte)
        .map_or((1, 1), |(l, c)| (l + 1, c + 1));
    let mut out = d.in_file(&file).at(line, column);
    if let Some(text) = world.text(id) {
        out = out.with_source(lines_as_typst_reads_them(text));
    }
    Some((out, literal))
}

struct Location {
    file: String,
    line: usize,
    column: usize,
    text: Option<Arc<str>>,
}

impl Location {
    fn short(&self) -> String {
        format!("{}:{}:{}", self.file, self.line, self.column)
    }
}

/// `text` with every line break Typst counts (a lone CR, NEL, U+2028…)
/// written as `\n`, the one jdgen's excerpts count: a template with CR
/// line ends was reported at the right line, with no line shown under it.
fn lines_as_typst_reads_them(text: Arc<str>) -> Arc<str> {
    if !text
        .chars()
        .any(|c| c != '\n' && typst::syntax::is_newline(c))
    {
        return text;
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\r' && chars.peek() == Some(&'\n') {
            continue; // the `\n` that follows ends the line
        }
        out.push(if typst::syntax::is_newline(c) {
            '\n'
        } else {
            c
        });
    }
    Arc::from(out)
}

/// The file, 1-based line and column a span points at, if any.
fn locate(world: &JobWorld, span: DiagSpan) -> Option<Location> {
    let id = span.id()?;
    let file = world.shared.template.display_path(id)?;
    let range = world.range(span);
    let text = world.text(id).map(lines_as_typst_reads_them);
    let (line, column) = match (&range, world.source(id)) {
        (Some(r), Ok(source)) => source
            .lines()
            .byte_to_line_column(r.start)
            .map(|(l, c)| (l + 1, c + 1))
            .unwrap_or((1, 1)),
        _ => (1, 1),
    };
    Some(Location {
        file: file.display().to_string(),
        line,
        column,
        text,
    })
}
