//! The YAML `jdgen show` prints.
//!
//! serde_yaml writes YAML 1.2, whose plain scalars a YAML 1.1 reader (PyYAML,
//! Ruby's Psych, many import tools) reads differently: an item `No`, a level
//! named `on` or a grade-like `1_000` come back as a boolean or a number
//! there. This writer quotes every string that is not unmistakably a string
//! in both versions, writes multi-line text as a literal block, and escapes
//! anything a terminal or a YAML reader could take for something else.

use serde_json::{Map, Value};

/// `value` as a block-style YAML document (no `---`, ending in a newline).
pub fn to_string(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::Object(map) if !map.is_empty() => write_map(&mut out, map, 0, false),
        Value::Array(seq) if !seq.is_empty() => write_seq(&mut out, seq, 0),
        other => {
            write_inline(&mut out, other, 0);
            out.push('\n');
        }
    }
    out
}

/// Writes `map`'s entries at `indent`. With `first_inline`, the first key
/// goes on the line already started (after a sequence's `- `).
fn write_map(out: &mut String, map: &Map<String, Value>, indent: usize, first_inline: bool) {
    for (i, (key, value)) in map.iter().enumerate() {
        if i > 0 || !first_inline {
            push_indent(out, indent);
        }
        // Never a literal block: a key is one line.
        if is_plain_safe(key) {
            out.push_str(key);
        } else {
            write_quoted(out, key);
        }
        out.push(':');
        match value {
            Value::Object(m) if !m.is_empty() => {
                out.push('\n');
                write_map(out, m, indent + 2, false);
            }
            Value::Array(s) if !s.is_empty() => {
                out.push('\n');
                write_seq(out, s, indent);
            }
            other => {
                out.push(' ');
                write_inline(out, other, indent + 2);
                out.push('\n');
            }
        }
    }
}

/// Writes `seq`'s items as `- ` lines at `indent` (a sequence under a key
/// sits at the key's own indentation, as serde_yaml and most YAML does).
fn write_seq(out: &mut String, seq: &[Value], indent: usize) {
    for item in seq {
        push_indent(out, indent);
        out.push('-');
        match item {
            Value::Object(m) if !m.is_empty() => {
                out.push(' ');
                write_map(out, m, indent + 2, true);
            }
            Value::Array(s) if !s.is_empty() => {
                out.push('\n');
                write_seq(out, s, indent + 2);
            }
            other => {
                out.push(' ');
                write_inline(out, other, indent + 2);
                out.push('\n');
            }
        }
    }
}

/// A scalar or an empty collection, on the current line; a literal
/// block's lines are indented by `block_indent`.
fn write_inline(out: &mut String, value: &Value, block_indent: usize) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => write_scalar(out, s, block_indent),
        Value::Array(_) => out.push_str("[]"),
        Value::Object(_) => out.push_str("{}"),
    }
}

fn push_indent(out: &mut String, indent: usize) {
    out.extend(std::iter::repeat_n(' ', indent));
}

/// A string: plain when that cannot be misread, a literal block for
/// multi-line text, double-quoted otherwise.
fn write_scalar(out: &mut String, s: &str, block_indent: usize) {
    if is_plain_safe(s) {
        out.push_str(s);
    } else if is_block_safe(s) {
        out.push_str(if s.ends_with('\n') { "|" } else { "|-" });
        for line in s.strip_suffix('\n').unwrap_or(s).split('\n') {
            out.push('\n');
            if !line.is_empty() {
                push_indent(out, block_indent);
                out.push_str(line);
            }
        }
    } else {
        write_quoted(out, s);
    }
}

/// Words YAML 1.1 reads as booleans or null (any case is quoted, which
/// covers every spelling the 1.1 and 1.2 resolvers know), and its merge and
/// value keys.
const RESERVED: &[&str] = &[
    "y", "n", "yes", "no", "true", "false", "on", "off", "null", "~", "<<", "=",
];

/// Whether `s` reads back as this same string, plain, in YAML 1.1 and 1.2.
/// Text starting with a digit or `+` may be a number, date or time in one
/// of them (`1_000`, `0o17`, `1:20`, `+8`, `2026-01-01 10:00:00`); it stays
/// plain only with a space and a word in it (`3+ years in a role`), which
/// none of those has.
fn is_plain_safe(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    let number_like = (first.is_ascii_digit() || first == '+') && !(s.contains(' ') && has_word(s));
    if first.is_whitespace()
        || number_like
        || "-?:,[]{}#&*!|>'\"%@`.~<=\\".contains(first)
        || s.ends_with(|c: char| c.is_whitespace() || c == ':')
        || s.contains(": ")
        || s.contains(" #")
        || RESERVED.contains(&s.to_lowercase().as_str())
    {
        return false;
    }
    s.chars()
        .all(|c| c != '\t' && is_printable(c) && !is_break(c))
}

/// Two letters in a row: no number, date or time YAML knows has that.
fn has_word(s: &str) -> bool {
    let mut prev = false;
    s.chars().any(|c| {
        let hit = prev && c.is_alphabetic();
        prev = c.is_alphabetic();
        hit
    })
}

/// Multi-line text a literal block keeps exactly: printable, no leading
/// space or empty first line (which would need an indentation indicator),
/// no lines of only spaces, at most one final newline.
fn is_block_safe(s: &str) -> bool {
    let body = s.strip_suffix('\n').unwrap_or(s);
    body.contains('\n')
        && !body.ends_with('\n')
        && !body.starts_with([' ', '\n', '\t'])
        && body
            .split('\n')
            .all(|line| line.is_empty() || !line.trim_start_matches(' ').is_empty())
        && body
            .chars()
            .all(|c| c == '\n' || c == '\t' || (is_printable(c) && !is_break(c)))
        && !body.contains('\r')
}

/// YAML's printable set (section 5.1), less the byte-order mark.
fn is_printable(c: char) -> bool {
    matches!(c,
        '\u{20}'..='\u{7E}' | '\u{A0}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
        && c != '\u{FEFF}'
}

/// Characters YAML 1.1 counts as line breaks (NEL, LS, PS): escaped so a
/// 1.1 reader does not fold a line there.
fn is_break(c: char) -> bool {
    matches!(c, '\u{85}' | '\u{2028}' | '\u{2029}')
}

fn write_quoted(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if is_printable(c) && !is_break(c) => out.push(c),
            c if (c as u32) <= 0xFFFF => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push_str(&format!("\\U{:08X}", c as u32)),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn round_trip(v: &Value) -> Value {
        let text = to_string(v);
        let back: serde_yaml::Value =
            serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        serde_json::to_value(back).unwrap()
    }

    #[test]
    fn strings_a_yaml_1_1_reader_would_misread_are_quoted() {
        for s in [
            "yes",
            "No",
            "ON",
            "off",
            "y",
            "N",
            "true",
            "False",
            "null",
            "~",
            "<<",
            "=",
            "1_000",
            "0o17",
            "0x1F",
            "1:20",
            "2026-01-01",
            ".inf",
            ".NaN",
            "-1",
            "+8",
            "7",
            "1e3",
            "",
            "2001-12-14 21:59:43.10 -5",
            "1 2",
            "+8 x",
            "12e3",
        ] {
            let text = to_string(&json!({ "k": s }));
            assert_eq!(
                text,
                format!("k: {}\n", serde_json::to_string(s).unwrap()),
                "{s}"
            );
        }
    }

    #[test]
    fn ordinary_text_stays_plain() {
        let v = json!({"title": "Senior Social Marketing Manager", "t": "GitLab’s values (a), b - c", "u": "3+ years in a role"});
        assert_eq!(
            to_string(&v),
            "title: Senior Social Marketing Manager\nt: GitLab’s values (a), b - c\nu: 3+ years in a role\n"
        );
    }

    #[test]
    fn nested_collections_and_scalars_round_trip() {
        let v = json!({
            "role": {
                "id": "senior-x",
                "grade": 7,
                "reports_to": null,
                "inherited": true,
                "notes": [],
                "extra": {},
                "items": [
                    {"text": "Lead: plan #1", "group": null},
                    {"text": "- dash first", "from": "a"},
                    ["nested", ["deeper", "no"]],
                    [],
                    {},
                    "plain"
                ],
            },
            "family": {"paragraphs": ["one\ntwo", "ends\n", "  lead space\nx", "a\n\n\nb", "tab\there"]},
            "multi\nline key": {"yes": 1},
        });
        assert_eq!(round_trip(&v), v);
    }

    #[test]
    fn hostile_characters_are_escaped_and_read_back() {
        for s in [
            "bell\u{7}",
            "nel\u{85}line",
            "ls\u{2028}ps\u{2029}",
            "bom\u{FEFF}",
            "del\u{7F}",
            "cr\r\nlf",
            "quote \" and \\ back",
            "'single'",
            "key: value",
            "text #comment",
            "ends with colon:",
            "trailing space ",
            "line\n  \nspaces only",
            "\u{202E}bidi",
            "emoji 👩‍💻 \u{1F600}",
            "private \u{F0000}",
        ] {
            let v = json!({ "k": s, "list": [s] });
            assert_eq!(round_trip(&v), v, "{s:?}");
            let text = to_string(&v);
            assert!(
                !text.chars().any(|c| c.is_control() && c != '\n'),
                "{text:?}"
            );
        }
    }

    #[test]
    fn multi_line_text_is_a_literal_block() {
        let v = json!({"intro": {"text": "First line.\nSecond line."}});
        assert_eq!(
            to_string(&v),
            "intro:\n  text: |-\n    First line.\n    Second line.\n"
        );
        let v = json!(["a\nb\n"]);
        assert_eq!(to_string(&v), "- |\n  a\n  b\n");
        assert_eq!(round_trip(&v), v);
    }
}
