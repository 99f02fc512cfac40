//! Fixes read from the line a YAML error points at.
//!
//! libyaml and serde describe what the parser met ("while scanning an
//! alias", "mapping values are not allowed", "invalid type: sequence"), not
//! what the author meant. Role files are written by people who write
//! Markdown: `- *Always* test` is emphasis, not an alias, and `- [Docs](/x)`
//! is a link, not a list. Each check here looks at the text where the
//! error is and, when it recognises the mistake, says how to write it;
//! otherwise the message-based help stands.

/// `"\ud83d\ude00"`, JSON's (and Python's `json.dumps`') way to write a
/// character beyond U+FFFF as two halves: YAML reads each half alone and
/// refuses it. Says how to write that character.
fn surrogate_pair_help(line: &str) -> Option<String> {
    let hex4 = |s: &str| {
        s.get(..4)
            .filter(|h| h.chars().all(|c| c.is_ascii_hexdigit()))
            .and_then(|h| u32::from_str_radix(h, 16).ok())
    };
    // Escapes read in order, so that `\\ud83d` (a backslash, then text) is
    // not taken for one.
    let mut saw_u = false;
    let mut i = 0;
    while let Some(at) = line[i..].find('\\').map(|k| i + k) {
        let after = &line[at + 1..];
        if let Some(rest) = after.strip_prefix('u') {
            saw_u = true;
            if let Some(high) = hex4(rest).filter(|h| (0xD800..0xDC00).contains(h))
                && let Some(low) = rest[4..]
                    .strip_prefix("\\u")
                    .and_then(hex4)
                    .filter(|l| (0xDC00..0xE000).contains(l))
            {
                let c = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
                let shown = char::from_u32(c).map(String::from).unwrap_or_default();
                return Some(format!(
                    "`\\u{}\\u{}` writes one character in two halves, as JSON does; YAML reads \
                     neither half: write `\\U{c:08X}` (capital U, eight digits) or the character \
                     itself ({shown})",
                    &rest[..4],
                    &rest[6..10]
                ));
            }
        }
        // Past the escaped character (`\\\\` is one backslash).
        i = at + 1 + after.chars().next().map_or(0, char::len_utf8);
    }
    saw_u.then(|| {
        "`\\u` takes four hex digits of a character up to U+FFFF (not U+D800–DFFF, the halves \
         JSON pairs); beyond that write `\\U` with eight, e.g. `\\U0001F600`"
            .to_string()
    })
}

/// A character that looks like a space or like nothing and is neither a
/// plain space nor a tab: YAML reads it as text, never as layout. It comes
/// with text pasted from web pages and word processors (a no-break space
/// after a colon, a zero-width space inside a key).
pub fn is_odd_space(c: char) -> bool {
    c != ' ' && c != '\t' && !c.is_control() && crate::chars::is_blank_char(c)
}

/// How many spaces `line` starts with: its indentation as YAML reads it
/// (a tab is no indentation; `yaml_error` reports it).
pub(crate) fn indent(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

/// `c` named for a message: "a no-break space (U+00A0)".
pub fn odd_space_name(c: char) -> String {
    let name = match c {
        '\u{A0}' => "a no-break space",
        '\u{202F}' => "a narrow no-break space",
        '\u{3000}' => "an ideographic space",
        '\u{2000}'..='\u{200A}' | '\u{205F}' | '\u{1680}' => "a typographic space",
        '\u{200B}' => "a zero-width space",
        '\u{FEFF}' => "a byte order mark",
        '\u{AD}' => "a soft hyphen",
        '\u{2060}' => "a word joiner",
        '\u{200C}' | '\u{200D}' => "a zero-width joiner",
        '\u{200E}' | '\u{200F}' => "a direction mark",
        c if c.is_whitespace() => "a space that is not an ordinary one",
        _ => "an invisible character",
    };
    format!("{name} (U+{:04X})", c as u32)
}

/// `text` with each [`is_odd_space`] character written as `\u{a0}`, so a
/// message shows what a terminal would draw as a space or as nothing.
pub fn show_odd_spaces(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if is_odd_space(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// Where a YAML error's cause may be an [`is_odd_space`] character standing
/// where YAML needs a space: after a line's leading `-`, after the `:` of
/// one of `keys` (the files' own: [`SCHEMA_KEYS`]) at the start of a line
/// (`grade:\u{a0}5` reads as one text, and libyaml fails a line later about
/// keys or indentation), or, on a line of `deep` only, in the indentation.
/// Only `lines` are looked at (1-based), as such a character may well be
/// text elsewhere: a block of text indented with one, `Note:\u{a0}x` in a
/// list's text or on a text's next line. Returns the 1-based line and
/// column (in characters) and the character.
pub fn layout_space(
    source: &str,
    lines: &[usize],
    deep: &[usize],
    keys: &[&str],
) -> Option<(usize, usize, char)> {
    for (i, line) in source.lines().enumerate() {
        let n = i + 1;
        if !lines.contains(&n) && !deep.contains(&n) {
            continue;
        }
        let chars: Vec<char> = line.chars().collect();
        let mut k = 0;
        while k < chars.len() && (chars[k] == ' ' || is_odd_space(chars[k])) {
            if is_odd_space(chars[k]) {
                if deep.contains(&n) {
                    return Some((n, k + 1, chars[k]));
                }
                break;
            }
            k += 1;
        }
        if k < chars.len() && is_odd_space(chars[k]) {
            continue;
        }
        if chars.get(k) == Some(&'-') {
            match chars.get(k + 1) {
                Some(&c) if is_odd_space(c) => return Some((n, k + 2, c)),
                Some(' ') => {
                    k += 1;
                    while chars.get(k) == Some(&' ') {
                        k += 1;
                    }
                }
                _ => {}
            }
        }
        // A key, then its `:` and the odd space.
        let start = k;
        while k < chars.len() && (chars[k].is_ascii_alphanumeric() || chars[k] == '_') {
            k += 1;
        }
        let key: String = chars[start..k].iter().collect();
        if keys.contains(&key.as_str())
            && chars.get(k) == Some(&':')
            && let Some(&c) = chars.get(k + 1)
            && is_odd_space(c)
        {
            return Some((n, k + 2, c));
        }
    }
    None
}

/// Of `lines` (1-based), the first that writes one of `keys` and `:`
/// behind an indentation holding an [`is_odd_space`] character: YAML reads
/// that character as text, so the key is no key of the mapping its
/// indentation shows (`title` went missing from a level, or the parser
/// failed on the line after). The line, the column of the first such
/// character, the character and the key.
pub fn odd_indented_key(
    source: &str,
    lines: impl IntoIterator<Item = usize>,
    keys: &[&str],
) -> Option<(usize, usize, char, String)> {
    let all: Vec<&str> = source.lines().collect();
    lines.into_iter().find_map(|n| {
        let line = all.get(n.checked_sub(1)?)?;
        let lead: Vec<(usize, char)> = line
            .chars()
            .enumerate()
            .take_while(|&(_, c)| c == ' ' || is_odd_space(c))
            .collect();
        let (col, odd) = lead.iter().copied().find(|&(_, c)| is_odd_space(c))?;
        let rest: String = line.chars().skip(lead.len()).collect();
        let key = keys.iter().find(|k| {
            rest.strip_prefix(**k)
                .and_then(|r| r.strip_prefix(':'))
                .is_some_and(|r| {
                    r.is_empty() || r.starts_with([' ', '\t']) || r.starts_with(is_odd_space)
                })
        })?;
        Some((n, col + 1, odd, key.to_string()))
    })
}

/// The help for a tab that starts the first line of a block text (`|`,
/// `>`): that line sets the block's indentation, so libyaml refuses a tab
/// in it. An indentation indicator (`|2`) sets the indentation instead,
/// and the tab is then text; worked out from the line holding the `|`.
fn block_tab_help(source: &str, line_no: usize, line: &str) -> String {
    let spaces = indent(line);
    // The line of the `|` or `>`: the nearest one above ending in one.
    let lines: Vec<&str> = source.lines().collect();
    let indicator_line = lines[..line_no.saturating_sub(1).min(lines.len())]
        .iter()
        .rev()
        .find(|l| !l.trim().is_empty());
    let suggestion = indicator_line.and_then(|l| {
        // Where YAML measures the block from: the key holding it, or the
        // `-` of the list entry that is the block.
        let mut col = indent(l);
        let mut rest = l.trim_start_matches(' ');
        let parent = loop {
            if let Some(after) = rest.strip_prefix("- ") {
                let trimmed = after.trim_start_matches(' ');
                if trimmed.starts_with(['|', '>']) {
                    break col;
                }
                col += rest.len() - trimmed.len();
                rest = trimmed;
                continue;
            }
            break col;
        };
        let (head, indicator) = l.trim_end().rsplit_once(' ').unwrap_or(("", l.trim_end()));
        let mut chars = indicator.chars();
        let style = chars.next().filter(|c| *c == '|' || *c == '>')?;
        let chomp: String = chars.collect();
        if !chomp.chars().all(|c| c == '-' || c == '+') {
            return None;
        }
        // The block's indentation: the least of its lines' (the first's
        // spaces before the tab, and every later line's until one at or
        // left of the key's).
        let least = lines[line_no.min(lines.len())..]
            .iter()
            .take_while(|l| l.trim().is_empty() || indent(l) > parent)
            .filter(|l| !l.trim().is_empty())
            .map(|l| indent(l))
            .fold(spaces, usize::min);
        let n = least.checked_sub(parent).filter(|n| (1..=9).contains(n))?;
        let head = head.trim_start();
        Some(format!("`{head} {style}{n}{chomp}`"))
    });
    match suggestion {
        Some(s) => format!(
            "the first line of a block text sets its indentation, and may not start with a tab: \
             give the indentation after the `|` or `>` instead, {s}, and the tab is text"
        ),
        None => {
            "the first line of a block text sets its indentation, and may not start with a tab: \
                 give the indentation as a number after the `|` or `>` (`|2`: two spaces more than \
                 the key's), and the tab is text"
                .into()
        }
    }
}

/// Where libyaml's "could not find expected ':'" began: the line and
/// column (1-based) of the "simple key that starts at line L, column C"
/// it names. libyaml reports the error a line later, where nothing is
/// wrong.
pub fn simple_key_start(message: &str) -> Option<(usize, usize)> {
    if !message.contains("could not find expected ':'") {
        return None;
    }
    let rest = message.split("simple key that starts at line ").nth(1)?;
    let (line, rest) = rest.split_once(", column ")?;
    let column: String = rest.chars().take_while(char::is_ascii_digit).collect();
    Some((line.trim().parse().ok()?, column.parse().ok()?))
}

/// The help for a line YAML read as the start of a key it never finished
/// (see [`simple_key_start`]), from the text at `(line, column)`: a key
/// with no space after its colon (`grade:7`), or none at all (`grade 7`).
pub fn missing_colon(source: &str, line: usize, column: usize) -> Option<String> {
    let text = source.lines().nth(line.checked_sub(1)?)?;
    let start = text
        .char_indices()
        .nth(column.checked_sub(1)?)
        .map_or(text.len(), |(i, _)| i);
    let rest = text[start..].trim_end();
    let key_len = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .unwrap_or(rest.len());
    let (key, after) = rest.split_at(key_len);
    if key.is_empty() {
        return None;
    }
    // The value as YAML must read it after `key: `: quoted when it starts
    // with a character YAML reads as syntax (`*Lead*`, `[Lead] …`).
    let value_text = |value: &str| {
        let value = value.trim();
        match Value::of(&format!("k: {value}")) {
            Some(v)
                if indicator_help(&v).is_some()
                    || quote_end(v.text).is_some_and(|e| e < v.text.len()) =>
            {
                double_quoted(value)
            }
            _ => value.to_string(),
        }
    };
    if let Some(value) = after.strip_prefix(':')
        && !value.is_empty()
        && !value.starts_with([' ', '\t'])
    {
        return Some(format!(
            "put a space after the `:` of a key: `{key}: {}`",
            value_text(value)
        ));
    }
    if let Some(value) = after.strip_prefix(' ')
        && SCHEMA_KEYS.contains(&key)
    {
        return Some(format!(
            "a key and its value are written `key: value`: `{key}: {}`",
            value_text(value)
        ));
    }
    // `- Note: this is` / `  continued here`: the item's text YAML read as a
    // key and a value, which the next line (at the key's column) cannot
    // continue.
    let lines: Vec<&str> = source.lines().collect();
    let k = (0..line - 1).rev().find(|&k| !lines[k].trim().is_empty())?;
    let v = Value::of(lines[k])?;
    // `summary: Builds and runs` / `for customers.` at the key's column
    // (or an item's text over a line at its `-`): a wrapped text whose
    // next line is not indented under it.
    if !v.key_is_text()
        && (v.item || v.key.is_some())
        && !v.text.trim().is_empty()
        && v.comment.is_empty()
        && !v.text.starts_with(['"', '\'', '|', '>', '[', '{'])
        && indent(text) <= indent(lines[k])
        && !rest.contains(": ")
    {
        let (what, col) = if v.item {
            ("its `-`", v.lead.len() + 1)
        } else {
            ("its key", indent(lines[k]) + v.keyed.len() + 1)
        };
        return Some(format!(
            "YAML reads this line as a key, not as more of the text on line {}: a text continued \
             on the next line is indented more than {what} (start it in column {col}, under the \
             text), or join the two lines",
            k + 1
        ));
    }
    if v.key_is_text() && !v.text.trim().is_empty() {
        let joined = continued(source, k + 1, lines[k])?;
        let v = Value::of(&joined)?;
        return Some(format!(
            "YAML reads `{}: ` on the line above as a key, whose value cannot go on at the key's \
             column; quote the whole text, on one line: `{}`",
            v.key.unwrap_or_default(),
            v.rewritten(|t| double_quoted(t.trim_end()))
        ));
    }
    None
}

/// A better help for the error `message` at 1-based `(line, column)` of
/// `source`, when the text there shows what was meant.
pub fn for_error(source: &str, at: (usize, usize), message: &str) -> Option<String> {
    let line = source.lines().nth(at.0.checked_sub(1)?)?;
    // A plain text continued on the lines below (`- *Bold* text` /
    // `  continued here`): a help that quotes it quotes all of it, on one
    // line (quoting the first line alone left the rest an error).
    let joined = continued(source, at.0, line);
    let value = Value::of(joined.as_deref().unwrap_or(line));

    if message.contains("invalid Unicode character escape code")
        && let Some(help) = surrogate_pair_help(line)
    {
        return Some(help);
    }

    if line.starts_with('\t')
        && (message.contains("tab character") || message.contains("cannot start any token"))
    {
        return Some("indent with spaces, not tabs".into());
    }
    // `"C:\Users"`: in double quotes `\U` starts an escape of 8 hex digits.
    if message.contains("while parsing a quoted scalar")
        && (message.contains("unknown escape character")
            || message.contains("expected hexadecimal number"))
    {
        let example = value
            .as_ref()
            .filter(|v| v.text.len() >= 2 && v.text.starts_with('"') && v.text.ends_with('"'))
            .map(|v| {
                format!(
                    ", e.g. `{}`",
                    v.rewritten(|t| single_quoted(&t[1..t.len() - 1]))
                )
            })
            .unwrap_or_default();
        return Some(format!(
            "in double quotes a `\\` starts an escape (`\\n`, `\\u00E9`): write `\\\\` for a backslash, \
             or quote the text with single quotes, which have no escapes{example}"
        ));
    }
    if line.contains('\t')
        && message.contains("found a tab character where an indentation space is expected")
        && message.contains("block scalar")
    {
        return Some(block_tab_help(source, at.0, line));
    }
    // `[a]: x` or `{a}: x` as a line of a mapping: a list or mapping as
    // the key, which quoting alone does not mend (a text is no key).
    if message.contains("expected field identifier")
        && let Some(v) = &value
        && !v.item
        && v.key.is_none()
        && v.text.starts_with(['[', '{'])
    {
        let text = double_quoted(v.text.trim_end());
        return Some(format!(
            "a key is a plain word, and YAML reads a line that starts with `{}` as a {} in a key's \
             place; if the line is a text, write it, quoted, after the key it belongs to \
             (`…: {text}`) or as an item of a list (`- {text}`)",
            &v.text[..1],
            if v.text.starts_with('[') {
                "list"
            } else {
                "mapping"
            },
        ));
    }
    if let Some(v) = &value {
        if let Some(help) = indicator_help(v) {
            return Some(help);
        }
        // `title: 'it's #1'`: the ` #1'` read as a comment is the text's
        // end (its last character is the opening quote).
        // With a comment of its own after it (`- 'it's #1'  # note`): the
        // text runs to the first such quote past the read text that only
        // spaces or a comment follow (the comment may hold quotes too).
        let read = joined.as_deref().unwrap_or(line);
        let whole_line = &read[read.len() - v.text.len() - v.comment.len()..];
        let v = &match v.text.chars().next() {
            Some(q @ ('"' | '\'')) if !v.comment.is_empty() => whole_line
                .char_indices()
                .filter(|&(i, c)| c == q && i > 0)
                .map(|(i, _)| i + 1)
                .filter(|&end| end > v.text.trim_end().len())
                .find(|&end| {
                    let after = &whole_line[end..];
                    after.trim().is_empty()
                        || (after.starts_with([' ', '\t']) && after.trim_start().starts_with('#'))
                })
                .map_or(*v, |end| Value {
                    text: &whole_line[..end],
                    comment: &whole_line[end..],
                    ..*v
                }),
            _ => *v,
        };
        // (Not inside a `[…]` or `{…}`: its entries are quoted one by one,
        // and quoting the line would take in its `,` or `]`.)
        if let Some(end) = quote_end(v.text)
            && !v.text[end..].trim().is_empty()
            && message_is_syntax(message)
            && !message.contains("the end of the list or mapping was expected")
            && !message.contains("list that starts here is never closed")
            && !message.contains("mapping that starts here is never closed")
        {
            // `'it's here'`: most likely the outer quotes were meant as
            // YAML's and the inner one as text, which quoting the whole
            // text as it is would not give.
            let inner = |t: &str| {
                let t = t.trim_end();
                let q = t.chars().next().filter(|c| *c == '"' || *c == '\'')?;
                let inner = t.strip_prefix(q)?.strip_suffix(q)?;
                // `'it''s 'x' here'`: a doubled quote was one to its writer.
                let inner = if q == '\'' {
                    inner.replace("''", "'")
                } else {
                    inner.to_string()
                };
                (!inner.is_empty()).then_some(inner)
            };
            // As written, outer quotes and all (a doubled `''` inside
            // single quotes being one).
            let whole = v.rewritten(|t| match inner(t) {
                Some(i) if t.starts_with('\'') => single_quoted(&format!("'{i}'")),
                _ => single_quoted(t.trim_end()),
            });
            if v.key_is_text() || inner(v.text).is_none() {
                return Some(format!(
                    "the quoted text ends before the rest of the line: quote the whole text, e.g. `{whole}`"
                ));
            }
            let other = v.rewritten(|t| {
                let inner = inner(t).unwrap_or_default();
                if inner.contains(['"', '\\']) {
                    single_quoted(&inner)
                } else {
                    format!("\"{inner}\"")
                }
            });
            return Some(format!(
                "the quoted text ends before the rest of the line: quote it with the other quotes, e.g. `{other}` (or, to keep the outer quotes as text, `{whole}`)"
            ));
        }
    }
    if message.contains("mapping values are not allowed")
        && let Some(help) = over_indented(source, at.0)
    {
        return Some(help);
    }
    if message.contains("while parsing a block")
        && let Some(help) = under_indented(source, at.0)
    {
        return Some(help);
    }
    // `- Write code` / `  and tests: unit and e2e`: the `: ` is on a line
    // that continues the text, where quoting that line alone changes
    // nothing: the whole text is quoted, on one line.
    if message.contains("mapping values are not allowed")
        && let Some(joined) = continuing(source, at.0)
        && let Some(v) = Value::of(&joined)
    {
        // Whole, to be copied: a clipped fix would open a quote it never
        // closes.
        return Some(format!(
            "a `: ` inside a text reads as the start of a key, also on a line that continues \
             it; quote the whole text, on one line: `{}`",
            v.rewritten_whole(|t| double_quoted(t.trim_end()))
        ));
    }
    // `title: Senior Engineer: Platform`: the second `: ` reads as a key.
    if message.contains("mapping values are not allowed")
        && let Some(v) = &value
        && v.text.contains(": ")
        && !v.text.starts_with(['"', '\'', '[', '{'])
    {
        return Some(format!(
            "a `: ` inside a text reads as the start of a key; quote the whole text: `{}`",
            v.rewritten(|t| double_quoted(t.trim_end()))
        ));
    }
    // `- 2026` or `- true` as a hiring step: a step may be a mapping, so
    // YAML's reading of the scalar as a number stands.
    if message.contains("expected a step")
        && ["integer", "floating point", "boolean"]
            .iter()
            .any(|t| message.contains(&format!("invalid type: {t}")))
    {
        let example = value
            .as_ref()
            .filter(|v| !v.text.trim().is_empty() && !v.text.starts_with(['[', '{']))
            .map(|v| format!(", e.g. `{}`", v.rewritten(|t| double_quoted(t.trim_end()))))
            .unwrap_or_default();
        return Some(format!(
            "a step is text: put a number or `true`/`false` in quotes{example}"
        ));
    }
    if message.contains("invalid type: sequence, expected a string") {
        return Some(
            "this holds one text, not a list: write the text after the key (quoted if it \
             contains `: `), or as a `|` block for several lines"
                .into(),
        );
    }
    if message.contains("invalid type: map, expected a string") {
        let item_keys = value.as_ref().and_then(|v| v.key);
        // The field that holds the mapping, as the message names it
        // (`level 1 (…), responsibilities.intro: invalid type: …`): the
        // line pointed at may be a nested key of a block mapping.
        let field = message
            .split(": invalid type")
            .next()
            .and_then(|path| path.rsplit(", ").next())
            .and_then(|path| path.rsplit('.').next())
            .filter(|f| !f.is_empty() && !f.ends_with(']') && !f.contains(' '));
        return Some(match item_keys {
            // `- text: …` / `  url: …`: a link written as a mapping.
            Some("text" | "url" | "title" | "link" | "href")
                if value.as_ref().is_some_and(|v| v.item) =>
            {
                "write a link as one text in quotes: `- \"[Data Team Handbook](/handbook/data/)\"`"
                    .into()
            }
            Some(key)
                if value.as_ref().is_some_and(|v| {
                    v.key_is_text() && !v.text.is_empty() && !v.text.starts_with(['{', '['])
                }) =>
            {
                // `- Note: text` read as a key and its value.
                let v = value.as_ref().expect("checked");
                format!(
                    "YAML reads `{key}: ` as a key and its value; quote the whole text: `{}`",
                    v.rewritten(|t| double_quoted(t.trim_end()))
                )
            }
            // `- Ends with a colon:` read as a key with no value.
            _ if value.as_ref().is_some_and(|v| {
                v.item
                    && (v.text.trim_end().ends_with(':') || (v.key_is_text() && v.text.is_empty()))
            }) =>
            {
                let v = value.as_ref().expect("checked");
                format!(
                    "YAML reads a text that ends with `:` as a key with no value; quote the whole \
                     text: `{}`",
                    v.rewritten(|t| double_quoted(t.trim_end()))
                )
            }
            // `title: {Software Engineer}`: braces read as a mapping.
            _ if value.as_ref().is_some_and(|v| {
                !v.item && v.key.is_some() && v.key == field && v.text.starts_with('{')
            }) =>
            {
                let v = value.as_ref().expect("checked");
                let key = v.key.unwrap_or_default();
                format!(
                    "`{key}` holds one text, and YAML reads `{{…}}` as a mapping: quote the \
                     text to keep its braces, e.g. `{}`",
                    v.rewritten(|t| double_quoted(t.trim_end()))
                )
            }
            // `title:` with keys indented under it: a key's value, not a
            // list's item.
            _ if field.is_some() && value.as_ref().is_none_or(|v| !v.item) => {
                let key = field.unwrap_or_default();
                format!(
                    "`{key}` holds one text, not a mapping: write the text on the line of \
                     `{key}: ` (in quotes if it starts with `{{` or contains `: `), or as a `|` \
                     block for several lines"
                )
            }
            _ => {
                "this holds one text: quote it if it contains `: `, e.g. `- \"Note: this\"`".into()
            }
        });
    }
    // A whole file that is one text or a list: likely not a role file at
    // all (notes, a README saved as .yaml), or one missing its keys.
    if message.contains("expected a job family")
        && (message.contains("invalid type: string") || message.contains("invalid type: sequence"))
    {
        return Some(
            "a role file is a mapping that starts with `family:`, `title:` and `levels:` \
             (docs/role-format.md); if this file is not one, move it out of the role folder"
                .into(),
        );
    }
    // One text where keys belong (`- Some words` under `sections:`).
    if message.contains("invalid type: string")
        && let Some(rest) = message.split_once("(keys `").map(|(_, r)| r)
        && let Some((first, _)) = rest.split_once('`')
    {
        let text = value.as_ref().map_or("…", |v| v.text.trim());
        return Some(format!(
            "this holds keys, not one text: e.g. `{first}: {}`",
            crate::diag::clip(text)
        ));
    }
    if message.contains("expected a sequence") && message.contains("invalid type: string") {
        return Some(
            "this holds a list: put each entry on a line of its own, starting with `- `".into(),
        );
    }
    None
}

/// The outermost `[` or `{` that opens a flow collection and is never
/// closed, as 1-based line and column (in characters): libyaml reports such
/// a file at its end ("did not find expected node content, while parsing a
/// flow node"), past the last line, with nothing to point at. Quotes,
/// comments and brackets inside plain text are followed as YAML reads them.
pub fn unclosed_flow(source: &str) -> Option<(usize, usize, char)> {
    let mut stack: Vec<(usize, usize, char)> = Vec::new();
    let mut quote: Option<char> = None;
    // Whether the line before left a value to come (`key:` or `-` at its
    // end): only then is a `[` that starts a line a list, not the next line
    // of a plain text (`summary: Some text` / `  [continued`).
    let mut value_due = true;
    // The indentation of the line the outermost open bracket is on.
    let mut open_indent = 0;
    for (l, line) in source.lines().enumerate() {
        let chars: Vec<char> = line.chars().collect();
        // The last character before the current one that is not white
        // space, kept as the scan goes (looking back for it from every
        // character was quadratic in a run of spaces).
        let mut last_solid: Option<char> = None;
        let line_due = value_due;
        // A line of block structure (`key:` or `- `, not indented past
        // the line the list opened on, with no `,` or closing bracket of
        // flow syntax) while it is open: it was never closed, even if a `]`
        // in some text further down would close it.
        let indent = indent(line);
        if quote.is_none() && !stack.is_empty() && indent <= open_indent {
            let rest = &line[indent..];
            let key_len = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            let block_key = key_len > 0
                && rest[key_len..].starts_with(':')
                && rest[key_len + 1..].chars().next().is_none_or(|c| c == ' ');
            if (block_key || rest.starts_with("- ")) && !rest.contains([',', ']', '}']) {
                return stack.first().copied();
            }
        }
        if stack.is_empty() {
            open_indent = indent;
        }
        if quote.is_none() && stack.is_empty() {
            let code = line.split(" #").next().unwrap_or("").trim_end();
            if !code.trim_start().is_empty() && !code.trim_start().starts_with('#') {
                value_due = code.ends_with(':') || code.ends_with(" -") || code.trim() == "-";
            }
        }
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            let prev = if i == 0 { None } else { Some(chars[i - 1]) };
            let before = last_solid;
            if !c.is_whitespace() {
                last_solid = Some(c);
            }
            match quote {
                Some(q) => {
                    if q == '"' && c == '\\' {
                        i += 1;
                    } else if c == q {
                        if q == '\'' && chars.get(i + 1) == Some(&'\'') {
                            i += 1;
                        } else {
                            quote = None;
                        }
                    }
                }
                None => {
                    if c == '#' && prev.is_none_or(char::is_whitespace) {
                        break;
                    }
                    // Where a value may start: a bracket or a quote there
                    // is syntax; elsewhere it is a character of the text.
                    let starts = match before {
                        None => line_due || !stack.is_empty(),
                        Some(':' | '-') => prev.is_some_and(char::is_whitespace),
                        Some('[' | '{' | ',') => !stack.is_empty(),
                        _ => false,
                    };
                    match c {
                        '[' | '{' if starts => stack.push((l + 1, i + 1, c)),
                        ']' | '}' if !stack.is_empty() => {
                            stack.pop();
                        }
                        '"' | '\'' if starts => quote = Some(c),
                        _ => {}
                    }
                }
            }
            i += 1;
        }
    }
    stack.first().copied()
}

/// The help for a value that starts with a character YAML reads as syntax
/// (`*` alias, `&` anchor, `!` tag, `[`/`{` flow collection, `@`, `` ` ``,
/// `%`, `|`/`>` …) when the text is plainly prose or Markdown.
fn indicator_help(v: &Value) -> Option<String> {
    let text = v.text.trim_end();
    let first = text.chars().next()?;
    let quoted = || v.rewritten(|t| double_quoted(t.trim_end()));
    match first {
        '*' if text.len() > 1 => Some(format!(
            "YAML reads a text that starts with `*` as an alias; for Markdown emphasis put the \
             whole text in double quotes: `{}`",
            quoted()
        )),
        '[' if looks_like_link(text) => Some(format!(
            "YAML reads a text that starts with `[` as a list; put a text that starts with a \
             link in double quotes: `{}`",
            quoted()
        )),
        // `- [Draft] Write copy`, `title: {Beta} Search`: a list (or
        // mapping) that closes, then more text, which YAML cannot read.
        '[' | '{' if closes_before_more_text(text) => Some(format!(
            "YAML reads a text that starts with `{first}` as a {}; put the whole text in double \
             quotes: `{}`",
            if first == '[' { "list" } else { "mapping" },
            quoted()
        )),
        // `- > quoted words` (a Markdown quote), `- | cell`: a block of
        // lines can have nothing after its `>` or `|`; `- : x`, `- ? x`:
        // a mapping's key or value.
        // (Not a line of a mapping: `? [a, b]` there is a complex key.)
        ':' | '?' if text[1..].starts_with(' ') && (v.item || v.key.is_some()) => Some(format!(
            "YAML reads a text that starts with `{first} ` as part of a mapping; put the whole \
             text in double quotes: `{}`",
            quoted()
        )),
        '&' | '!' | '@' | '`' | '%' | '>' | '|' if text.contains(' ') => Some(format!(
            "YAML reads a text that starts with {} as syntax; put the whole text in double \
             quotes: `{}`",
            if first == '`' {
                "a backtick".to_string()
            } else {
                format!("`{first}`")
            },
            quoted()
        )),
        _ => None,
    }
}

/// Line `n` (1-based), `line`, with the lines below that continue its
/// plain text (indented deeper, not a key, an item or a comment; up to a
/// blank line) joined to it by spaces, as YAML folds them; None when no
/// line continues it, or it ends in a comment.
fn continued(source: &str, n: usize, line: &str) -> Option<String> {
    let own = indent(line);
    let v = Value::of(line)?;
    if !v.comment.is_empty()
        || v.text.trim().is_empty()
        || v.text.starts_with(['"', '\'', '|', '>'])
    {
        return None;
    }
    let more: Vec<&str> = source
        .lines()
        .skip(n)
        .take_while(|l| {
            let t = l.trim();
            indent(l) > own
                && !t.is_empty()
                && !t.starts_with('#')
                && !t.starts_with("- ")
                && t != "-"
                && Value::of(l).is_none_or(|v| v.key.is_none())
        })
        .map(str::trim)
        .collect();
    if more.is_empty() {
        return None;
    }
    Some(format!("{} {}", line.trim_end(), more.join(" ")))
}

/// The plain text that line `n` (1-based) continues, on one line: the
/// item or `key: text` line above it that is less indented, with each of
/// its continuation lines, line `n` and those after it joined. `None` when
/// line `n` continues no plain text.
fn continuing(source: &str, n: usize) -> Option<String> {
    let lines: Vec<&str> = source.lines().collect();
    let line = lines.get(n.checked_sub(1)?)?;
    let this = Value::of(line);
    if this.is_some_and(|v| v.item) {
        return None;
    }
    let own = indent(line);
    let text_line = |l: &str| {
        let t = l.trim();
        !t.is_empty() && !t.starts_with('#') && !t.starts_with("- ") && t != "-"
    };
    let no_key = |l: &str| Value::of(l).is_none_or(|v| v.key.is_none());
    // The line the text starts on or after: the nearest `key:` or `-` line
    // above that is less indented, past the text's own lines (which may be
    // indented any deeper than it).
    let owner = (0..n - 1).rev().find(|&k| {
        let l = lines[k];
        let t = l.trim();
        !t.is_empty() && indent(l) < own && !(text_line(l) && no_key(l))
    })?;
    // The text starts after the owner's `-` or `key:`, or on the next line
    // when nothing follows them (`intro:` / `  All of the above,`). It goes
    // on on the lines indented deeper than the owner's key (or `-`): a line
    // at the key's own column is the next key of its mapping.
    let bare_dash = lines[owner].trim() == "-";
    let (deeper_than, owner_text) = if bare_dash {
        (indent(lines[owner]), false)
    } else {
        let v = Value::of(lines[owner])?;
        if !(v.item || v.key.is_some())
            || !v.comment.is_empty()
            || v.text
                .starts_with(['"', '\'', '|', '>', '[', '{', '&', '*', '!'])
        {
            return None;
        }
        let column = if v.key.is_some() {
            v.lead.len()
        } else {
            indent(lines[owner])
        };
        (column, !v.text.trim().is_empty())
    };
    if own <= deeper_than {
        return None;
    }
    // Every line between is more of the text (a blank line too: YAML
    // keeps a plain text going across it).
    let between = &lines[owner + 1..n - 1];
    if !between
        .iter()
        .all(|l| l.trim().is_empty() || (text_line(l) && no_key(l)))
    {
        return None;
    }
    // A `key: value` line is more of a text only after some of it: under
    // `responsibilities:` an `intro: a: b` is a key of its own.
    if this.is_some_and(|v| v.key.is_some())
        && !owner_text
        && between.iter().all(|l| l.trim().is_empty())
    {
        return None;
    }
    // The lines after it, blank ones included while the text goes on (a
    // `key: value` line too: YAML reads it as more text, and so did its
    // writer).
    let mut end = n;
    for (k, l) in lines.iter().enumerate().skip(n) {
        if l.trim().is_empty() {
            continue;
        }
        if indent(l) > deeper_than && text_line(l) {
            end = k + 1;
        } else {
            break;
        }
    }
    // A comment on one of the lines ends YAML's text there; its writer's
    // text goes on. The comments go after the quoted text, where a fix
    // keeps them, not into the middle of it (which cut the rest off).
    let mut comments: Vec<&str> = Vec::new();
    let more: Vec<&str> = lines[owner + 1..end]
        .iter()
        .map(|l| {
            let t = l.trim();
            match t.find(" #").or_else(|| t.find("\t#")) {
                Some(i) => {
                    comments.push(t[i..].trim());
                    t[..i].trim_end()
                }
                None => t,
            }
        })
        .filter(|t| !t.is_empty())
        .collect();
    let comments = if comments.is_empty() {
        String::new()
    } else {
        format!(" {}", comments.join(" "))
    };
    Some(format!(
        "{} {}{comments}",
        lines[owner].trim_end(),
        more.join(" ")
    ))
}

/// `text` starts with a `[…]` or `{…}` that closes on the line, and more
/// text follows it (not a comment).
fn closes_before_more_text(text: &str) -> bool {
    let mut depth = 0usize;
    for (i, c) in text.char_indices() {
        match c {
            '[' | '{' => depth += 1,
            ']' | '}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    let rest = text[i + 1..].trim();
                    return !rest.is_empty() && !rest.starts_with('#');
                }
            }
            _ => {}
        }
    }
    false
}

/// `[label](target)` at the start of `text`.
fn looks_like_link(text: &str) -> bool {
    text.find("](")
        .is_some_and(|i| !text[1..i].contains('[') && text[i..].contains(')'))
}

/// The keys of role and company files: a `key: ` that is one of them is
/// structure; any other (`- Note: …`, `- Lead: …`) is text YAML misread.
pub(crate) const SCHEMA_KEYS: &[&str] = &[
    "family",
    "title",
    "summary",
    "intro",
    "sections",
    "heading",
    "paragraphs",
    "place",
    "items",
    "responsibilities",
    "requirements",
    "values",
    "emoji",
    "name",
    "text",
    "levels",
    "id",
    "level",
    "grade",
    "reports_to",
    "notes",
    "description",
    "justification",
    "builds_on",
    "groups",
    "career_ladder",
    "performance_indicators",
    "hiring_process",
    "steps",
    "outro",
    "links",
    "website",
    "brand_color",
    "logo",
    "grades_url",
    "data_version",
    "effective_date",
    "language",
];

/// A line's value: the text after any `- ` markers and after `key: `, and
/// a comment after it kept apart.
#[derive(Clone, Copy)]
struct Value<'a> {
    /// Indentation and `- ` markers.
    lead: &'a str,
    /// Whether the line is a list item (`- `).
    item: bool,
    key: Option<&'a str>,
    /// `key: ` as written (spaces kept), or empty.
    keyed: &'a str,
    /// The value, without a trailing ` # comment`.
    text: &'a str,
    /// ` # comment` after the value, or empty.
    comment: &'a str,
}

impl<'a> Value<'a> {
    fn of(line: &'a str) -> Option<Value<'a>> {
        let mut rest = line.trim_start_matches(' ');
        let mut item = false;
        while let Some(r) = rest.strip_prefix("- ") {
            rest = r.trim_start_matches(' ');
            item = true;
        }
        let lead = &line[..line.len() - rest.len()];
        // A list item's key may be words (`- Bonus points: …`, read as a
        // key as much as `- Note: …` is); any other key is a file's own.
        let plain_key = |k: &str| {
            let word = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
            !k.is_empty()
                && (k.chars().all(word)
                    || (item
                        && k.starts_with(|c: char| c.is_alphanumeric())
                        && !k.ends_with(' ')
                        && !k.contains("  ")
                        && k.chars()
                            .all(|c| c.is_alphanumeric() || c == ' ' || "_-'/&().".contains(c))))
        };
        let mut key = None;
        if let Some((k, v)) = rest.split_once(": ")
            && plain_key(k)
        {
            key = Some(k);
            // (`key:  # note`: a comment, found by its space below.)
            let trimmed = v.trim_start_matches(' ');
            rest = if trimmed.starts_with('#') { v } else { trimmed };
        } else if let Some(k) = rest.strip_suffix(':')
            && plain_key(k)
        {
            key = Some(k);
            rest = "";
        }
        if rest.is_empty() && key.is_none() {
            return None;
        }
        // A comment starts at ` #`, past a quoted text's closing quote.
        let from = quote_end(rest).unwrap_or(0);
        let cut = rest[from..]
            .find(" #")
            .or_else(|| rest[from..].find("\t#"))
            .map_or(rest.len(), |i| from + i);
        let keyed = &line[lead.len()..line.len() - rest.len()];
        Some(Value {
            lead,
            item,
            key,
            keyed,
            text: &rest[..cut],
            comment: &rest[cut..],
        })
    }

    /// Whether `key: ` is text YAML took for a key: a list item whose key
    /// is none of the files' keys.
    fn key_is_text(&self) -> bool {
        self.item && self.key.is_some_and(|k| !SCHEMA_KEYS.contains(&k))
    }

    /// The line with its text written by `quote`: the value alone, or the
    /// whole item when its `key: ` is text too; the comment stays after it.
    /// Clipped for a message.
    fn rewritten(&self, quote: impl Fn(&str) -> String) -> String {
        crate::diag::clip(&self.rewritten_whole(quote)).into_owned()
    }

    /// [`Self::rewritten`], not clipped: a fix to copy whole.
    fn rewritten_whole(&self, quote: impl Fn(&str) -> String) -> String {
        let body = if self.key_is_text() {
            quote(&format!("{}{}", self.keyed, self.text))
        } else {
            format!("{}{}", self.keyed, quote(self.text))
        };
        format!("{}{body}{}", self.lead.trim_start(), self.comment)
    }
}

/// Where a value that opens with a quote closes it (the byte after the
/// closing quote), if on this line.
fn quote_end(text: &str) -> Option<usize> {
    let mut chars = text.char_indices();
    let (_, q) = chars.next()?;
    if q != '"' && q != '\'' {
        return None;
    }
    let mut escaped = false;
    let mut iter = chars.peekable();
    while let Some((i, c)) = iter.next() {
        if q == '"' && c == '\\' && !escaped {
            escaped = true;
            continue;
        }
        if c == q && !escaped {
            if q == '\'' && iter.peek().is_some_and(|(_, n)| *n == '\'') {
                iter.next();
                continue;
            }
            return Some(i + c.len_utf8());
        }
        escaped = false;
    }
    None
}

fn message_is_syntax(message: &str) -> bool {
    message.contains("YAML syntax error") || message.contains("did not find expected")
}

/// The help for a `key: value` line indented deeper than the line above
/// it, which already has its value (`title: X` then `  grade: 6`).
/// Where the `-` of a `-id: a` line (no space after it) stands, 1-based,
/// when that line is the one above `line`: YAML then read `-id` as a key,
/// and fails at the next key, which is where nothing is wrong.
pub fn dash_without_space_above(source: &str, line: usize) -> Option<(usize, usize)> {
    let lines: Vec<&str> = source.lines().collect();
    let k = (0..line.checked_sub(1)?)
        .rev()
        .find(|&k| !lines[k].trim().is_empty() && !lines[k].trim_start().starts_with('#'))?;
    let rest = lines[k].trim_start().strip_prefix('-')?;
    (rest.starts_with(|c: char| c.is_ascii_alphabetic())
        && rest
            .split_once(": ")
            .is_some_and(|(key, _)| SCHEMA_KEYS.contains(&key)))
    .then(|| (k + 1, lines[k].len() - lines[k].trim_start().len() + 1))
}

/// A key or `-` item indented less than the line above it, where libyaml
/// fails ("did not find expected '-' indicator"): the column it belongs in.
fn under_indented(source: &str, line: usize) -> Option<String> {
    let lines: Vec<&str> = source.lines().collect();
    let this = lines.get(line.checked_sub(1)?)?;
    let above = lines[..line - 1]
        .iter()
        .rev()
        .find(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))?;
    let (this_value, above_value) = (Value::of(this)?, Value::of(above)?);
    if this_value.item {
        // `- two` left of the `- one` above it.
        let dash = indent(above);
        return (above_value.item && indent(this) < dash).then(|| {
            format!(
                "this `-` item is indented less than the one above: the items of one list start \
                 in the same column; start it in column {}, under that `-`",
                dash + 1
            )
        });
    }
    let key = this_value.key?;
    let above_key = above_value.key?;
    let column = above_value.lead.len();
    (SCHEMA_KEYS.contains(&key) && indent(this) < column).then(|| {
        format!(
            "`{key}:` is indented less than `{above_key}:` above it, so YAML reads it as a key of \
             neither that entry nor the mapping around it: start it in column {}, under `{above_key}:`",
            column + 1
        )
    })
}

fn over_indented(source: &str, line: usize) -> Option<String> {
    let lines: Vec<&str> = source.lines().collect();
    let this = lines.get(line - 1)?;
    let above = lines[..line - 1]
        .iter()
        .rev()
        .find(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))?;
    // `-id: a`: no space after the `-`, so `-id` is a key and the keys
    // under it are too deep.
    if dash_without_space_above(source, line).is_some() {
        let rest = above.trim_start().trim_start_matches('-');
        return Some(format!(
            "put a space after the `-` that starts a list item: `- {}`",
            rest.trim_end()
        ));
    }
    let above_value = Value::of(above)?;
    let this_value = Value::of(this)?;
    let key = this_value.key?;
    let above_key = above_value.key?;
    // A word no key of the files is, nor close to one (`see: https://…`
    // under a text), was meant as more of the text above: another help
    // says so.
    if !SCHEMA_KEYS.contains(&key)
        && crate::diag::closest(key, SCHEMA_KEYS.iter().copied()).is_none()
    {
        return None;
    }
    // Deeper than the key above starts (after its `- `, if any): a key
    // right under `- id: a` is where it belongs.
    if indent(this) > above_value.lead.len() && !above_value.text.is_empty() {
        // The key starts right after the indentation and any `- `.
        let column = above_value.lead.len() + 1;
        return Some(format!(
            "`{key}:` is indented more than the line above, which already has its value: start \
             it in column {column}, under `{above_key}:`"
        ));
    }
    None
}

fn double_quoted(text: &str) -> String {
    // A lone `"` at the end closes a quote whose opening was forgotten:
    // the fix supplies the opening, it does not keep that one as text.
    let text = match text.strip_suffix('"') {
        Some(t) if !t.contains('"') => t,
        _ => text,
    };
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

fn single_quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// Where the text a `#` cuts off in a flow entry ends (`rest` starts at
/// the `#`): at the first `,`, `]` or `}` outside the brackets and
/// parentheses it opens itself.
fn cut_end(rest: &[char]) -> Option<usize> {
    cut_end_in(rest.iter().copied().enumerate())
}

/// [`cut_end`] over a text's characters with their places (char or byte
/// indices, as the caller counts).
pub(crate) fn cut_end_in(rest: impl Iterator<Item = (usize, char)>) -> Option<usize> {
    // The brackets the text opens, each with the first `,` inside it: its
    // own once it closes (`#f(a, b)`), the collection's if it never does
    // (`#(y, b: z}`).
    let mut open: Vec<(char, Option<usize>)> = Vec::new();
    let unclosed_comma = |open: &[(char, Option<usize>)]| open.iter().find_map(|&(_, comma)| comma);
    for (i, c) in rest {
        match c {
            '(' | '[' | '{' => open.push((c, None)),
            ')' | ']' | '}' if open.last().is_some_and(|&(o, _)| o == opener(c)) => {
                open.pop();
            }
            ',' if open.is_empty() => return Some(i),
            ',' => {
                if let Some(last) = open.last_mut() {
                    last.1.get_or_insert(i);
                }
            }
            ']' | '}' => return Some(unclosed_comma(&open).unwrap_or(i)),
            _ => {}
        }
    }
    unclosed_comma(&open)
}

fn opener(close: char) -> char {
    match close {
        ')' => '(',
        ']' => '[',
        _ => '{',
    }
}

/// What a ` #` comment inside a flow collection hides: see
/// [`flow_comment_cut`].
#[derive(Debug, PartialEq, Eq)]
pub enum FlowCut {
    /// The `#…` of a plain entry, and the `,` or bracket after it: the
    /// entry, whole and quoted, is the fix.
    Entry {
        line: usize,
        column: usize,
        quoted: String,
    },
    /// A comment after a finished entry (or between entries) that hides
    /// the `,` or closing bracket after it.
    Bracket { line: usize, column: usize },
}

/// A ` #` comment inside a flow collection (`[Use C #tags, and more]`)
/// that cuts a plain entry short and hides a `,`, `]` or `}` written after
/// it on its line: libyaml then reports the list as never closed, or a
/// missing `,`, where the user sees both. Looks from the collection's `[`
/// or `{` (1-based line and column) to line `to_line`, following quotes,
/// nesting and `key: value` pairs; a comment after a separator, a quoted
/// text or a closed collection cuts nothing. Gives the `#`'s line and
/// column and the entry (a pair's value) that holds it, lines joined, in
/// double quotes (`"Use C #tags"`): the fix. A comment after a quoted text
/// or a closed collection that hides a `]` or `}` is one too
/// ([`FlowCut::Bracket`]: `{items: [a] #todo, intro: x}`).
pub fn flow_comment_cut(
    source: &str,
    (from_line, from_col): (usize, usize),
    (to_line, to_col): (usize, usize),
    never_closed: bool,
) -> Option<FlowCut> {
    let lines: Vec<&str> = source.lines().collect();
    // A comment on line `l` (0-based) is what libyaml stopped at only if
    // nothing but blank and comment lines lies between it and the error,
    // which stands at the first thing on its line: else the error is
    // another one, after it.
    // (A line of closing brackets counts as blank: in `[[Use C #tags, Go]`
    // over `]`, that `]` closes the inner list the comment left open.)
    // Found once, from the error up: asked for each comment line, walking
    // down to the error each time took a minute on 80,000 of them.
    let end = to_line.saturating_sub(1).min(lines.len());
    let last_text = lines[..end].iter().rposition(|b| {
        let t = b.trim();
        !(t.is_empty()
            || t.starts_with('#')
            || t.chars().all(|c| matches!(c, ']' | '}' | ',' | ' ')))
    });
    let error_first_on_line = lines.get(to_line.wrapping_sub(1)).is_none_or(|e| {
        e.chars()
            .take(to_col.saturating_sub(1))
            .all(char::is_whitespace)
    });
    let stopped_at = |l: usize| error_first_on_line && last_text.is_none_or(|k| k <= l);
    // The open collections, innermost last: in a `[…]` a `key: value` is
    // one entry (quoted whole); in a `{…}` its value is the entry.
    let mut open: Vec<char> = vec![
        lines
            .get(from_line.checked_sub(1)?)?
            .chars()
            .nth(from_col.checked_sub(1)?)?,
    ];
    let mut quote: Option<char> = None;
    // The plain text of the entry being read, and whether the entry is past
    // a quoted text or a closed collection.
    let mut entry = String::new();
    // In a `[…]`, where in `entry` a pair's value starts (`k: 'v'`): a
    // quote opens there too.
    let mut value_at = 0;
    let mut done = false;
    for (l, line) in lines.iter().enumerate().take(to_line).skip(from_line - 1) {
        let chars: Vec<char> = line.chars().collect();
        // Right after the opening bracket on its own line; past the
        // indentation on the next ones.
        let mut i = if l + 1 == from_line {
            from_col
        } else {
            chars
                .iter()
                .position(|c| !c.is_whitespace())
                .unwrap_or(chars.len())
        };
        if !entry.trim().is_empty() {
            // A plain text continued on the next line: folded into a space.
            entry = format!("{} ", entry.trim_end());
        }
        while i < chars.len() {
            let c = chars[i];
            if let Some(q) = quote {
                match c {
                    '\'' if q == '\'' && chars.get(i + 1) == Some(&'\'') => i += 1,
                    '\\' if q == '"' => i += 1,
                    _ if c == q => {
                        quote = None;
                        done = true;
                    }
                    _ => {}
                }
                i += 1;
                continue;
            }
            let blank = entry.trim().is_empty();
            let value_blank = entry.get(value_at..).is_none_or(|v| v.trim().is_empty());
            // Only a space or a tab (or a line's start) makes a comment:
            // `C\u{a0}#tags` is text to YAML.
            let comment = c == '#' && (i == 0 || matches!(chars[i - 1], ' ' | '\t'));
            match c {
                '\'' | '"' if value_blank && !done => quote = Some(c),
                '[' | '{' if blank && !done => open.push(c),
                ']' | '}' => {
                    open.pop();
                    if open.is_empty() {
                        return None;
                    }
                    entry.clear();
                    value_at = 0;
                    done = true;
                }
                ',' => {
                    entry.clear();
                    value_at = 0;
                    done = false;
                }
                // A pair's key ends: in a mapping its value starts; in a
                // list the pair is one entry, whose value starts here.
                ':' if !done && chars.get(i + 1).is_none_or(|n| n.is_whitespace()) => {
                    if open.last() == Some(&'{') {
                        entry.clear();
                    } else {
                        entry.push(c);
                        value_at = entry.len();
                    }
                }
                // A comment to the end of the line.
                '#' if comment => {
                    let rest = &chars[i..];
                    let hides = rest.iter().position(|c| matches!(c, ',' | ']' | '}'));
                    // Where libyaml read on past the comment (`[[its #2]` over
                    // `  , Go]`), a comment that hides a closing bracket is
                    // still the cause when a list is never closed: a `#word`
                    // cut, or one after a finished entry.
                    let closer_hidden = never_closed
                        && (if !blank && !done {
                            rest.get(1).is_some_and(|c| !c.is_whitespace())
                                && cut_end(rest)
                                    .and_then(|e| rest.get(e))
                                    .is_some_and(|c| matches!(c, ']' | '}'))
                        } else {
                            rest.iter().any(|c| matches!(c, ']' | '}'))
                        });
                    if let Some(end) = hides
                        && (stopped_at(l) || closer_hidden)
                    {
                        if !blank && !done {
                            // The cut text ends at the first `,` or bracket
                            // outside brackets it opens itself: `#{name}`
                            // or `#1 (a, b)` is text, the `,` after it not.
                            let end = cut_end(rest).unwrap_or(end);
                            let cut: String = rest[..end].iter().collect();
                            // (The space or tab before the `#` as written.)
                            let whole = format!("{}{}", entry.trim_start(), cut.trim_end());
                            let whole = whole.replace('\\', "\\\\").replace('"', "\\\"");
                            return Some(FlowCut::Entry {
                                line: l + 1,
                                column: i + 1,
                                quoted: format!("\"{whole}\""),
                            });
                        }
                        // After a finished entry (quoted, or a closed
                        // list): the comment hides the `,` or bracket.
                        return Some(FlowCut::Bracket {
                            line: l + 1,
                            column: i + 1,
                        });
                    }
                    break;
                }
                // Text after a quoted text or a closed collection: the
                // error is there, not at a comment after it.
                _ if done && !c.is_whitespace() => return None,
                _ if !done => entry.push(c),
                _ => {}
            }
            i += 1;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_comment_in_a_flow_collection_is_a_cut_only_inside_a_plain_entry() {
        // Each opens its collection at line 1, column 4; the error libyaml
        // gives is at the end of the file unless said.
        let cut = |s: &str, to: Option<(usize, usize)>| {
            flow_comment_cut(s, (1, 4), to.unwrap_or((s.lines().count() + 1, 1)), false)
        };
        // (source, where libyaml's error is if not at the end, line and
        // column of the `#`, the quoted fix)
        type At = Option<(usize, usize)>;
        let cuts: &[(&str, At, (usize, usize), &str)] = &[
            ("d: [Use C #tags, x]\n", None, (1, 11), "\"Use C #tags\""),
            // A mapping's value, not its key; in a list, a pair whole; a
            // text over lines joined as YAML folds it.
            (
                "r: {intro: Use C #tags, a: [x]}\n",
                None,
                (1, 18),
                "\"Use C #tags\"",
            ),
            (
                "d: [Note: Use C #tags, x]\n",
                None,
                (1, 17),
                "\"Note: Use C #tags\"",
            ),
            (
                "d: [Use C   \n\n  and #tags, x]\n",
                None,
                (3, 7),
                "\"Use C and #tags\"",
            ),
            // Quotes and backslashes escaped in the fix.
            (
                "d: [a \\ \"b\" #c, x]\n",
                None,
                (1, 13),
                "\"a \\\\ \\\"b\\\" #c\"",
            ),
            // Brackets and parentheses the cut text opens are its own; one
            // it never closes leaves the `,` to the collection.
            (
                "d: [Ruby #{name} strings, Go]\n",
                None,
                (1, 10),
                "\"Ruby #{name} strings\"",
            ),
            (
                "d: [Item #1 (a, b), x]\n",
                None,
                (1, 10),
                "\"Item #1 (a, b)\"",
            ),
            ("d: [{a: x #(y, b: z}, w]\n", None, (1, 11), "\"x #(y\""),
            ("d: [C #1 (a, b)]\n", None, (1, 7), "\"C #1 (a, b)\""),
            (
                "d: [call #f(a, [b, c])]\n",
                None,
                (1, 10),
                "\"call #f(a, [b, c])\"",
            ),
            // A pair's quoted value in a list is quoted text.
            ("d: [k: 'a #1', b #c, d]\n", None, (1, 18), "\"b #c\""),
            // The tab before the `#` as written.
            ("d: [Use C\t#tags, x]\n", None, (1, 11), "\"Use C\t#tags\""),
            // A line of only a bracket between the comment and the error.
            (
                "d: [\n  [Use C #tags, Go]\n]\n",
                Some((4, 1)),
                (2, 10),
                "\"Use C #tags\"",
            ),
        ];
        for &(source, to, (line, column), quoted) in cuts {
            let quoted = quoted.to_string();
            let expected = FlowCut::Entry {
                line,
                column,
                quoted,
            };
            assert_eq!(cut(source, to), Some(expected), "{source:?}");
        }
        // A comment after a finished entry that hides the `,` or bracket.
        let brackets: &[(&str, At, (usize, usize))] = &[
            ("r: {items: [a, b] #todo, intro: x}\n", None, (1, 19)),
            ("d: [\"a\" #note,\n  b]\n", Some((2, 3)), (1, 9)),
        ];
        for &(source, to, (line, column)) in brackets {
            assert_eq!(
                cut(source, to),
                Some(FlowCut::Bracket { line, column }),
                "{source:?}"
            );
        }
        // No cut: a comment after a separator or a quoted text, a comment
        // line in a list that goes on, text after a quoted text (the error
        // is there), a `#` after a no-break space (text to YAML), and a
        // comment libyaml read past (the error after it is another one).
        let none: &[(&str, At)] = &[
            ("d: [a, # note, b\n  c\n", None),
            ("t: {a: 'C #1, lead', b: 5\n", None),
            ("d: [a,\n  # lead, note\n  b\n", None),
            ("d: [\"Write\" code #c]\n", None),
            ("d: [Use C\u{a0}#tags, x, \"a\" \"b\"]\n", None),
            ("d: [a,  # see ] below\n  \"b\" \"c\"]\n", Some((2, 7))),
            ("d: [a # x, b\n  , \"c\" \"d\"]\n", Some((2, 9))),
        ];
        for &(source, to) in none {
            assert_eq!(cut(source, to), None, "{source:?}");
        }
        // libyaml read on past a comment that hid a closing bracket (the
        // next line goes on with `, Go]`), and a list is never closed: the
        // comment is still the cause, but not when no list is left open.
        let s = "d: [[its #2]\n  , Go]\nk: v\n";
        let expected = FlowCut::Entry {
            line: 1,
            column: 10,
            quoted: "\"its #2\"".into(),
        };
        assert_eq!(flow_comment_cut(s, (1, 4), (3, 1), true), Some(expected));
        assert_eq!(flow_comment_cut(s, (1, 4), (3, 1), false), None);
    }

    fn help(source: &str, line: usize, message: &str) -> String {
        for_error(source, (line, 1), message).unwrap_or_default()
    }

    #[test]
    fn a_layout_space_is_found_only_where_yaml_needs_a_space() {
        let src =
            "a:\u{a0}1\n- Note:\u{a0}x\n- id:\u{a0}x\n\u{a0} b: 2\n-\u{200b}c\nNote:\u{a0}y\n";
        let keys = ["id", "a"];
        let at = |line: usize| layout_space(src, &[line], &[], &keys);
        assert_eq!(at(1), Some((1, 3, '\u{a0}')));
        // Text may hold one (`Note` is no key); a known key may not.
        assert_eq!(at(2), None);
        assert_eq!(at(6), None);
        assert_eq!(at(3), Some((3, 6, '\u{a0}')));
        assert_eq!(at(5), Some((5, 2, '\u{200b}')));
        // The indentation only on the lines where it is asked about: a
        // block of text may be indented with one.
        assert_eq!(at(4), None);
        assert_eq!(layout_space(src, &[], &[4], &keys), Some((4, 1, '\u{a0}')));
        // Only the lines asked about.
        assert_eq!(at(9), None);
        assert_eq!(show_odd_spaces("a\u{a0}b c"), "a\\u{a0}b c");
        assert_eq!(odd_space_name('\u{feff}'), "a byte order mark (U+FEFF)");
    }

    #[test]
    fn a_colon_inside_a_text_gets_that_line_quoted() {
        let h = help(
            "levels:\n  - id: a\n    title: Senior Data Engineer: Platform\n",
            3,
            "YAML syntax error: mapping values are not allowed in this context",
        );
        assert!(
            h.contains("`title: \"Senior Data Engineer: Platform\"`"),
            "{h}"
        );
        // (`- Ship it: on time` alone is a key and its value: the syntax
        // error needs a second `: `.)
        let h = help(
            "items:\n  - Ship it: on time: today\n",
            2,
            "YAML syntax error: mapping values are not allowed in this context",
        );
        assert!(h.contains("`- \"Ship it: on time: today\"`"), "{h}");
    }

    #[test]
    fn a_lone_closing_quote_is_taken_for_a_forgotten_opening_one() {
        assert_eq!(double_quoted("[M, D](/x/)\""), "\"[M, D](/x/)\"");
        assert_eq!(double_quoted("say \"hi\""), "\"say \\\"hi\\\"\"");
    }

    #[test]
    fn emphasis_at_the_start_is_quoted_not_called_an_alias() {
        let h = help(
            "items:\n  - *Always* add tests\n",
            2,
            "YAML syntax error: did not find expected alphabetic or numeric character, while scanning an alias",
        );
        assert!(h.contains("`- \"*Always* add tests\"`"), "{h}");
        let h = help(
            "items:\n  - **Bold**\n",
            2,
            "YAML aliases (`*name`) are not allowed",
        );
        assert!(h.contains("`- \"**Bold**\"`"), "{h}");
    }

    #[test]
    fn suggestions_keep_comments_out_and_quote_the_whole_text() {
        let syntax = "YAML syntax error: did not find expected '-' indicator";
        let map = "invalid type: map, expected a string";
        // A comment stays a comment, after the quoted text.
        assert!(
            help("a:\n  - **Bold** text # note\n", 2, syntax)
                .contains("`- \"**Bold** text\" # note`")
        );
        assert!(
            help("a:\n  - Note: x # a comment\n", 2, map).contains("`- \"Note: x\" # a comment`")
        );
        // A lead-in of several words is a key too (the help was generic).
        for (line, quoted) in [
            (
                "  - Bonus points: experience with GitLab\n",
                "`- \"Bonus points: experience with GitLab\"`",
            ),
            (
                "  - Important Note: be nice\n",
                "`- \"Important Note: be nice\"`",
            ),
            (
                "  - Nice to have (any): Go\n",
                "`- \"Nice to have (any): Go\"`",
            ),
        ] {
            let h = help(&format!("a:\n{line}"), 2, map);
            assert!(
                h.contains(&format!("quote the whole text: {quoted}")),
                "{h}"
            );
        }
        // A `key: ` that is text goes inside the quotes with the rest.
        assert!(help("a:\n  - Lead: \"plan\" it\n", 2, syntax).contains("`- 'Lead: \"plan\" it'`"));
        // A real key, or a flow value, is not text: no such rewrite.
        assert!(!help("summary: {Note: x}\n", 1, map).contains("quote the whole text"));
        assert!(!help("items: [Note: x]\n", 1, map).contains("quote the whole text"));
        assert!(help("steps:\n  - text: *x* y\n", 2, "alias").contains("`- text: \"*x* y\"`"));
        // A backtick is named, not quoted in backticks.
        assert!(help("a:\n  - `code` here\n", 2, syntax).contains("starts with a backtick"));
        // A Markdown quote or table cell, and a text that starts with `: `
        // or `? `, are quoted too (they got the parser's words alone, or an
        // indentation help).
        for (line, quoted) in [
            ("  - > quote text\n", "`- \"> quote text\"`"),
            ("  - | pipe text\n", "`- \"| pipe text\"`"),
            ("  - : colon\n", "`- \": colon\"`"),
            ("  - ? what\n", "`- \"? what\"`"),
        ] {
            let h = help(&format!("a:\n{line}"), 2, syntax);
            assert!(
                h.contains(&format!("put the whole text in double quotes: {quoted}")),
                "{h}"
            );
        }
        // A block of lines (`description: >`) is none of them.
        assert!(!help("a: >\n  text\n", 1, syntax).contains("double quotes"));
        // A text that ends with `:` is a key with no value (it was told to
        // quote it "if it contains `: `", which it does not).
        for (line, quoted) in [
            ("  - Ends with a colon:\n", "`- \"Ends with a colon:\"`"),
            ("  - Summary:  # later\n", "`- \"Summary:\" # later`"),
        ] {
            let h = help(&format!("a:\n{line}"), 2, map);
            assert!(
                h.contains("a text that ends with `:` as a key with no value")
                    && h.contains(quoted),
                "{h}"
            );
        }
    }

    #[test]
    fn a_link_at_the_start_is_quoted() {
        let h = help(
            "links:\n  - [Data](/handbook/data/)\n",
            2,
            "YAML syntax error: did not find expected '-' indicator",
        );
        assert!(h.contains("`- \"[Data](/handbook/data/)\"`"), "{h}");
    }

    #[test]
    fn text_after_a_closing_quote_gets_the_whole_text_quoted() {
        let h = help(
            "items:\n  - \"dbt\" tests for every model\n",
            2,
            "YAML syntax error: did not find expected '-' indicator",
        );
        assert!(h.contains("`- '\"dbt\" tests for every model'`"), "{h}");
        // A closed quote and a comment is fine; no help from here.
        assert_eq!(
            help("items:\n  - \"dbt\" # c\n", 2, "YAML syntax error: x"),
            ""
        );
    }

    #[test]
    fn a_backslash_in_double_quotes_is_told_it_starts_an_escape() {
        let h = help(
            "title: \"C:\\Users\"\n",
            1,
            "YAML syntax error: did not find expected hexadecimal number, while parsing a quoted scalar",
        );
        assert!(h.contains("write `\\\\` for a backslash"), "{h}");
        assert!(h.contains("e.g. `title: 'C:\\Users'`"), "{h}");
        let v: std::collections::BTreeMap<String, String> =
            serde_yaml::from_str("title: 'C:\\Users'\n").unwrap();
        assert_eq!(v["title"], "C:\\Users");
        // A tab starting a block text's first line: an indentation
        // indicator, worked out, makes it text (replacing the tab by a
        // space broke the lines after it).
        let tab = "YAML syntax error: found a tab character where an indentation space is expected, while scanning a block scalar";
        for (src, fixed, said, text) in [
            (
                "- |\n    \ttab first\n",
                "- |4\n    \ttab first\n",
                "`- |4`",
                "\ttab first\n",
            ),
            (
                "summary: |\n  \tTab\n  second\n",
                "summary: |2\n  \tTab\n  second\n",
                "`summary: |2`",
                "\tTab\nsecond\n",
            ),
            (
                "x:\n  - |-\n    \tTab\n    second\n",
                "x:\n  - |2-\n    \tTab\n    second\n",
                "`- |2-`",
                "\tTab\nsecond",
            ),
            (
                "a:\n  b: >\n     \tTab\n",
                "a:\n  b: >3\n     \tTab\n",
                "`b: >3`",
                "\tTab\n",
            ),
            // The first line deeper than the next: the least indentation.
            (
                "- |\n     \tTab\n    next\n",
                "- |4\n     \tTab\n    next\n",
                "`- |4`",
                " \tTab\nnext\n",
            ),
        ] {
            let at = src.lines().position(|l| l.contains('\t')).unwrap() + 1;
            let h = help(src, at, tab);
            assert!(h.contains(said), "{h}");
            let v: serde_yaml::Value = serde_yaml::from_str(fixed).unwrap();
            assert!(format!("{v:?}").contains(&format!("{text:?}")), "{v:?}");
        }
    }

    #[test]
    fn a_mapping_where_a_key_holds_text_is_told_with_that_key() {
        // The example was a list item, `- "Note: this"`, for a key.
        let h = help(
            "language: {x: 1}\n",
            1,
            "language: invalid type: map, expected a string",
        );
        assert!(h.contains("`language` holds one text"), "{h}");
        assert!(h.contains("e.g. `language: \"{x: 1}\"`"), "{h}");
        // Braces meant as text are not taken for a link.
        let h = help(
            "title: {Software Engineer}\n",
            1,
            "title: invalid type: map, expected a string",
        );
        assert!(h.contains("e.g. `title: \"{Software Engineer}\"`"), "{h}");
        // A block mapping is pointed at by its first nested key: the help
        // names the field that holds it, as the message does.
        let h = help(
            "levels:\n  - id: a\n    title:\n      en: Junior\n",
            4,
            "level 1 (`a`), title: invalid type: map, expected a string",
        );
        assert!(h.contains("`title` holds one text, not a mapping"), "{h}");
        assert!(!h.contains("`en`"), "{h}");
        // A link written as a mapping in a list still gets the link help.
        let h = help(
            "items:\n  - text: Data\n    url: /d\n",
            2,
            "responsibilities.items[0]: invalid type: map, expected a string",
        );
        assert!(h.contains("write a link as one text in quotes"), "{h}");
    }

    #[test]
    fn a_quote_inside_quotes_gets_the_other_quotes() {
        // Quoting `'it's here'` whole kept its outer quotes in the title.
        let syntax = "YAML syntax error: did not find expected key";
        let h = help("title: 'it's here'\n", 1, syntax);
        assert!(h.contains("e.g. `title: \"it's here\"`"), "{h}");
        assert!(h.contains("as text, `title: '''it''s here'''`"), "{h}");
        let h = help("title: \"say \"hi\" now\"\n", 1, syntax);
        assert!(h.contains("e.g. `title: 'say \"hi\" now'`"), "{h}");
        // Both kinds inside: single quotes, the inner ones doubled.
        let h = help("- \"it's \"x\" here\"\n", 1, syntax);
        assert!(h.contains("e.g. `- 'it''s \"x\" here'`"), "{h}");
        // A doubled quote was one quote to its writer; a ` #` after the
        // early close is no comment but the text's end.
        let h = help("title: 'it''s 'x' here'\n", 1, syntax);
        assert!(h.contains("e.g. `title: \"it's 'x' here\"`"), "{h}");
        let h = help("title: 'it's #1'\n", 1, syntax);
        assert!(h.contains("e.g. `title: \"it's #1\"`"), "{h}");
        assert!(h.contains("`title: '''it''s #1'''`"), "{h}");
        // With a comment of its own after it.
        let h = help("- 'it's #1'  # note\n", 1, syntax);
        assert!(h.contains("e.g. `- \"it's #1\"  # note`"), "{h}");
        let h = help("- \"say \"hi\" #1\" # c\n", 1, syntax);
        assert!(h.contains("e.g. `- 'say \"hi\" #1' # c`"), "{h}");
        // A comment that ends in a quote is still the comment.
        let h = help("- 'it's #1'  # see 'x'\n", 1, syntax);
        assert!(h.contains("e.g. `- \"it's #1\"  # see 'x'`"), "{h}");
        // Keeping the outer quotes keeps a doubled one as one.
        let h = help("title: 'it''s 'x' here'\n", 1, syntax);
        assert!(
            h.contains("as text, `title: '''it''s ''x'' here'''`"),
            "{h}"
        );
        // Each suggestion reads back as the text meant.
        for (src, meant) in [
            ("title: '''it''s ''x'' here'''\n", "'it's 'x' here'"),
            ("title: 'say \"hi\" #1' # c\n", "say \"hi\" #1"),
            ("title: \"it's here\"\n", "it's here"),
            ("title: 'say \"hi\" now'\n", "say \"hi\" now"),
            ("title: '''it''s here'''\n", "'it's here'"),
            ("title: 'it''s \"x\" here'\n", "it's \"x\" here"),
            ("title: \"it's 'x' here\"\n", "it's 'x' here"),
            ("title: \"it's #1\"\n", "it's #1"),
        ] {
            let v: std::collections::BTreeMap<String, String> = serde_yaml::from_str(src).unwrap();
            assert_eq!(v["title"], meant);
        }
    }

    #[test]
    fn a_text_continued_on_the_next_lines_is_quoted_whole() {
        // Quoting the first line alone left the next an error of its own.
        let src = "items:\n  - *Bold* text\n    continued here\n  - next\n";
        let h = help(
            src,
            2,
            "YAML syntax error: did not find expected alphabetic or numeric character, while scanning an alias",
        );
        assert!(h.contains("`- \"*Bold* text continued here\"`"), "{h}");
        let src = "items:\n  - Note: this is\n    continued here\n";
        let h = missing_colon(src, 3, 5).unwrap();
        assert!(h.contains("`- \"Note: this is continued here\"`"), "{h}");
        // Each reads as the text meant.
        for fixed in [
            "items:\n  - \"*Bold* text continued here\"\n  - next\n",
            "items:\n  - \"Note: this is continued here\"\n",
        ] {
            let v: std::collections::BTreeMap<String, Vec<String>> =
                serde_yaml::from_str(fixed).unwrap();
            assert!(v["items"][0].ends_with("continued here"), "{fixed}");
        }
        // A comment ends the text: nothing joined.
        assert_eq!(continued("- a # c\n  b\n", 1, "- a # c"), None);
    }

    #[test]
    fn a_list_in_a_key_s_place_is_told_where_a_text_goes() {
        // Quoting the line whole, as the help said, left a text where a
        // key belongs: a new error.
        let h = help(
            "family: f\n[a]: x\n",
            2,
            "invalid type: sequence, expected field identifier",
        );
        assert!(h.contains("(`…: \"[a]: x\"`)"), "{h}");
        assert!(h.contains("(`- \"[a]: x\"`)"), "{h}");
        let fixed: std::collections::BTreeMap<String, String> =
            serde_yaml::from_str("summary: \"[a]: x\"\n").unwrap();
        assert_eq!(fixed["summary"], "[a]: x");
    }

    #[test]
    fn a_number_as_a_hiring_step_is_told_to_be_quoted() {
        let msg = "hiring_process.steps #1: invalid type: integer `2026`, expected a step: text, or a mapping with `text` and `steps`";
        let h = help("hiring_process:\n  steps:\n    - 2026\n", 3, msg);
        assert!(h.contains("e.g. `- \"2026\"`"), "{h}");
        let fixed: std::collections::BTreeMap<String, Vec<String>> =
            serde_yaml::from_str("steps:\n  - \"2026\"\n").unwrap();
        assert_eq!(fixed["steps"], ["2026"]);
        // In a flow list the text at the error's column is the list.
        let h = help("  steps: [ 2026 ]\n", 1, msg);
        assert!(h.starts_with("a step is text"), "{h}");
    }

    #[test]
    fn a_key_without_its_colon_or_space_is_told_at_its_line() {
        let msg = "YAML syntax error: could not find expected ':', while scanning a simple key that starts at line 7, column 5";
        assert_eq!(simple_key_start(msg), Some((7, 5)));
        assert_eq!(simple_key_start("YAML syntax error: other"), None);
        let src = "a: 1\n    grade 5\n    title:Lead  \n    Some words here\n";
        assert_eq!(
            missing_colon(src, 2, 5).as_deref(),
            Some("a key and its value are written `key: value`: `grade: 5`")
        );
        assert_eq!(
            missing_colon(src, 3, 5).as_deref(),
            Some("put a space after the `:` of a key: `title: Lead`")
        );
        // Not a key of the files: no guess.
        assert_eq!(missing_colon(src, 4, 5), None);
        // A value YAML would read as syntax is quoted in the example.
        let src = "a: 1\n    title:*Lead* Engineer\n    title:[Lead] x\n";
        assert!(
            missing_colon(src, 2, 5)
                .unwrap()
                .ends_with("`title: \"*Lead* Engineer\"`")
        );
        assert!(
            missing_colon(src, 3, 5)
                .unwrap()
                .ends_with("`title: \"[Lead] x\"`")
        );
        // A wrapped text whose next line is not indented under it.
        let src = "summary: Builds and runs\nfor customers.\n";
        let h = missing_colon(src, 2, 1).unwrap();
        assert!(
            h.contains("indented more than its key (start it in column 10"),
            "{h}"
        );
        let fixed: std::collections::BTreeMap<String, String> =
            serde_yaml::from_str("summary: Builds and runs\n         for customers.\n").unwrap();
        assert_eq!(fixed["summary"], "Builds and runs for customers.");
        // Each example reads as the key and its value.
        for fixed in ["grade: 5", "title: Lead"] {
            let v: std::collections::BTreeMap<String, serde_yaml::Value> =
                serde_yaml::from_str(fixed).unwrap();
            assert_eq!(v.len(), 1);
        }
    }

    #[test]
    fn a_list_item_without_the_space_after_its_dash_is_told_so() {
        let src = "levels:\n  -id: a\n    level: A\n";
        let h = help(
            src,
            3,
            "YAML syntax error: mapping values are not allowed in this context",
        );
        assert_eq!(
            h,
            "put a space after the `-` that starts a list item: `- id: a`"
        );
        let fixed: serde_yaml::Value =
            serde_yaml::from_str("levels:\n  - id: a\n    level: A\n").unwrap();
        assert_eq!(fixed["levels"][0]["level"], "A");
    }

    #[test]
    fn a_key_indented_under_a_value_says_where_it_belongs() {
        let src = "levels:\n  - id: a\n    title: A\n      grade: 6\n";
        let h = help(
            src,
            4,
            "YAML syntax error: mapping values are not allowed in this context",
        );
        assert!(h.contains("`grade:` is indented more"), "{h}");
        assert!(h.contains("column 5, under `title:`"), "{h}");
    }

    #[test]
    fn type_errors_say_how_to_write_the_value() {
        assert!(
            help(
                "a:\n  - x\n",
                2,
                "intro: invalid type: sequence, expected a string"
            )
            .contains("not a list")
        );
        assert!(
            help(
                "a: x\n",
                1,
                "invalid type: string \"x\", expected a sequence"
            )
            .contains("starting with `- `")
        );
        assert!(
            help(
                "links:\n  - text: D\n    url: /x\n",
                2,
                "invalid type: map, expected a string"
            )
            .contains("[Data Team Handbook]")
        );
        assert!(
            help(
                "a:\n  - Note:   x y\n",
                2,
                "invalid type: map, expected a string"
            )
            .contains("quote the whole text: `- \"Note:   x y\"`")
        );
        assert_eq!(
            help(
                "a:\n\tb: 1\n",
                2,
                "YAML syntax error: found a tab character that violates indentation"
            ),
            "indent with spaces, not tabs"
        );
    }

    #[test]
    fn an_unclosed_flow_collection_is_found_where_it_opens() {
        assert_eq!(unclosed_flow("a: b\nc: [one,\n  two\n"), Some((2, 4, '[')));
        assert_eq!(unclosed_flow("a: {x: [1, 2]\n"), Some((1, 4, '{')));
        // Closed, or brackets and quotes that are text, or in comments.
        assert_eq!(
            unclosed_flow("a: [x, \"]\", 'y]']\nb: see [1] and {x}\n"),
            None
        );
        assert_eq!(unclosed_flow("a: it's [ok # [no\n- [x](/y) z\n"), None);
        assert_eq!(unclosed_flow("- [\n  - ]\n"), None);
        // A line of plain text that starts with `[` is text.
        assert_eq!(
            unclosed_flow("summary: Some text\n  [continued here\nitems: [a,\n"),
            Some((3, 8, '['))
        );
        assert_eq!(unclosed_flow("items:\n  [a,\n"), Some((2, 3, '[')));
    }

    #[test]
    fn nothing_recognised_leaves_the_message_help() {
        assert_eq!(for_error("a: b\n", (1, 1), "something else"), None);
        assert_eq!(for_error("a: b\n", (9, 1), "something else"), None);
        assert_eq!(for_error("", (0, 0), "x"), None);
    }
}
