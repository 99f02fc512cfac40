//! The refused-YAML checks of [`crate::source_map`], run with libyaml, the
//! parser serde_yaml itself uses, for the files yaml-rust2 cannot read.
//!
//! The two parsers disagree on a few layouts (a closing `]` at the key's
//! column, a quoted string continued at the key's indentation): libyaml
//! reads them, yaml-rust2 stops with a syntax error. Without this pass,
//! everything after that point would reach serde_yaml unchecked: aliases
//! (which expand), tags and runaway nesting. The pass only looks at events
//! and builds no values, so it is linear in the file's size.
//!
//! `unsafe-libyaml` is a C-style API (raw pointers, manual frees); this
//! module is its only user in jdgen and keeps every `unsafe` block small,
//! as serde_yaml's own `libyaml` module does.

use std::ffi::{CStr, c_char};
use std::mem::MaybeUninit;

use unsafe_libyaml as unsafe_sys;

use crate::source_map::{Hazard, HazardKind, MAX_DEPTH, MAX_VALUES, Pos};

/// What one libyaml pass over a file finds.
#[derive(Debug, Default)]
pub struct Scan {
    /// The aliases, tags and over-deep nesting libyaml meets, in file
    /// order, up to the end or to its first syntax error (where serde_yaml
    /// stops too, before it expands anything); nothing below the first
    /// too-deep node.
    pub hazards: Vec<Hazard>,
    /// The lines (1-based, first and last) of each quoted text and flow
    /// collection (`[…]`, `{…}`) written over more than one line: inside
    /// them a line's indentation means nothing to libyaml.
    pub flow_spans: Vec<(usize, usize)>,
    /// The line (1-based) of the first syntax error, where serde_yaml
    /// reports it too; `None` when the text parses to its end or the scan
    /// stopped first (too deep, too many values: see `stopped_at`).
    pub error_line: Option<usize>,
    /// The line where the scan stopped before the end, at a too-deep node
    /// or past the value cap, with no syntax error found before it.
    pub stopped_at: Option<usize>,
}

/// One pass of libyaml over `text`: its [`Scan`], up to the end or the
/// first syntax error.
pub fn scan(text: &str) -> Scan {
    let mut found = Vec::new();
    let mut flow_spans = Vec::new();
    // The first line of each open collection, when it is a flow one.
    let mut open: Vec<Option<usize>> = Vec::new();
    // Boxed: the parser state is large, and libyaml keeps pointers into it.
    let mut parser: Box<MaybeUninit<unsafe_sys::yaml_parser_t>> = Box::new(MaybeUninit::uninit());
    let p = parser.as_mut_ptr();
    // SAFETY: `p` points to memory we own for the parser's whole life;
    // `text` outlives it (deleted below, before returning).
    unsafe {
        if unsafe_sys::yaml_parser_initialize(p).fail {
            return Scan::default();
        }
        unsafe_sys::yaml_parser_set_encoding(p, unsafe_sys::YAML_UTF8_ENCODING);
        unsafe_sys::yaml_parser_set_input_string(p, text.as_ptr(), text.len() as u64);
    }
    let mut depth = 0usize;
    // Values (scalars, aliases, collections), in every document: past
    // MAX_VALUES the scan stops, as the position pass does.
    let mut values = 0usize;
    let mut error_line = None;
    let mut stopped_at = None;
    loop {
        let mut event = MaybeUninit::<unsafe_sys::yaml_event_t>::uninit();
        let e = event.as_mut_ptr();
        // SAFETY: a successful parse fills `*e`, which is read only then,
        // and freed once with `yaml_event_delete`.
        let (done, hazard) = unsafe {
            if unsafe_sys::yaml_parser_parse(p, e).fail {
                // (Through the parser's public prefix, as serde_yaml
                // reads it for its error's location.)
                let parser = &*p;
                error_line = Some(parser.problem_mark.line as usize + 1);
                break;
            }
            let mark = (*e).start_mark;
            let pos = Pos {
                line: mark.line as usize + 1,
                column: mark.column as usize + 1,
            };
            let end_line = (*e).end_mark.line as usize + 1;
            match (*e).type_ {
                unsafe_sys::YAML_SCALAR_EVENT
                    if matches!(
                        (*e).data.scalar.style,
                        unsafe_sys::YAML_SINGLE_QUOTED_SCALAR_STYLE
                            | unsafe_sys::YAML_DOUBLE_QUOTED_SCALAR_STYLE
                    ) && end_line > pos.line =>
                {
                    flow_spans.push((pos.line, end_line));
                }
                unsafe_sys::YAML_SEQUENCE_START_EVENT => open.push(
                    ((*e).data.sequence_start.style == unsafe_sys::YAML_FLOW_SEQUENCE_STYLE)
                        .then_some(pos.line),
                ),
                unsafe_sys::YAML_MAPPING_START_EVENT => open.push(
                    ((*e).data.mapping_start.style == unsafe_sys::YAML_FLOW_MAPPING_STYLE)
                        .then_some(pos.line),
                ),
                unsafe_sys::YAML_SEQUENCE_END_EVENT | unsafe_sys::YAML_MAPPING_END_EVENT => {
                    if let Some(Some(first)) = open.pop()
                        && end_line > first
                    {
                        flow_spans.push((first, end_line));
                    }
                }
                _ => {}
            }
            let tag = |t: *mut u8| {
                (!t.is_null()).then(|| {
                    crate::source_map::written_tag(
                        &CStr::from_ptr(t as *const c_char).to_string_lossy(),
                    )
                })
            };
            if matches!(
                (*e).type_,
                unsafe_sys::YAML_SCALAR_EVENT
                    | unsafe_sys::YAML_ALIAS_EVENT
                    | unsafe_sys::YAML_SEQUENCE_START_EVENT
                    | unsafe_sys::YAML_MAPPING_START_EVENT
            ) {
                values += 1;
            }
            let found = match (*e).type_ {
                unsafe_sys::YAML_STREAM_END_EVENT => {
                    unsafe_sys::yaml_event_delete(e);
                    break;
                }
                _ if values > MAX_VALUES => Some(HazardKind::TooManyValues),
                unsafe_sys::YAML_ALIAS_EVENT => Some(HazardKind::Alias),
                unsafe_sys::YAML_SCALAR_EVENT => tag((*e).data.scalar.tag).map(HazardKind::Tag),
                unsafe_sys::YAML_SEQUENCE_START_EVENT | unsafe_sys::YAML_MAPPING_START_EVENT => {
                    depth += 1;
                    let t = if (*e).type_ == unsafe_sys::YAML_SEQUENCE_START_EVENT {
                        tag((*e).data.sequence_start.tag)
                    } else {
                        tag((*e).data.mapping_start.tag)
                    };
                    if depth > MAX_DEPTH {
                        Some(HazardKind::TooDeep)
                    } else {
                        t.map(HazardKind::Tag)
                    }
                }
                unsafe_sys::YAML_SEQUENCE_END_EVENT | unsafe_sys::YAML_MAPPING_END_EVENT => {
                    depth = depth.saturating_sub(1);
                    None
                }
                _ => None,
            };
            unsafe_sys::yaml_event_delete(e);
            (
                matches!(found, Some(HazardKind::TooDeep | HazardKind::TooManyValues))
                    .then_some(pos.line),
                found.map(|kind| Hazard { pos, kind }),
            )
        };
        found.extend(hazard);
        if let Some(line) = done {
            stopped_at = Some(line);
            break;
        }
    }
    // SAFETY: initialised above, deleted once.
    unsafe { unsafe_sys::yaml_parser_delete(p) };
    Scan {
        hazards: found,
        flow_spans,
        error_line,
        stopped_at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(usize, HazardKind)> {
        scan(text)
            .hazards
            .into_iter()
            .map(|h| (h.pos.line, h.kind))
            .collect()
    }

    #[test]
    fn finds_aliases_tags_and_depth_where_libyaml_reads_the_file() {
        let text = "a: &x [One, Two\n]\nb: *x\nc: !custom text\nd: !!str 12\n";
        assert_eq!(
            kinds(text),
            vec![
                (3, HazardKind::Alias),
                (4, HazardKind::Tag("!custom".into())),
                (5, HazardKind::Tag("!!str".into())),
            ]
        );
        let deep = format!("{}1{}", "[".repeat(40), "]".repeat(40));
        assert_eq!(kinds(&deep), vec![(1, HazardKind::TooDeep)]);
        // Nothing to report in plain role text, `*` and `!` inside words
        // included.
        assert!(kinds("title: Write *great* docs!\nitems: [a, b]\n").is_empty());
    }

    #[test]
    fn stops_at_the_first_value_past_the_cap_in_any_document() {
        // The values after a `---` count too: serde_yaml loads them all.
        let text = format!("a: 1\n---\nb: [{}x]\n", "x,".repeat(MAX_VALUES));
        assert_eq!(kinds(&text), vec![(3, HazardKind::TooManyValues)]);
        let text = format!("b: [{}x]\n", "x,".repeat(MAX_VALUES - 4));
        assert!(kinds(&text).is_empty());
    }

    #[test]
    fn stops_quietly_at_a_syntax_error() {
        assert_eq!(kinds("a: *x\nb: [\n"), vec![(1, HazardKind::Alias)]);
        assert!(kinds("\u{0}\u{1}").is_empty());
        assert!(kinds("").is_empty());
    }
}
