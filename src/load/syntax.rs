//! Parsing a file with serde_yaml, and turning libyaml's syntax errors
//! and the YAML jdgen refuses (aliases, tags, `#` that cuts text) into
//! diagnostics at the place to fix, with a help that works when applied.

use serde::Deserialize;

use super::checker::{Checker, name_level};
use super::unknown_keys::path_segments;
use crate::diag::{Diagnostic, clip};
use crate::yaml_help::indent;

/// Whether `k` is a key of a list entry of a role file (a level, section,
/// group, value or hiring step): the schema's own field names.
fn is_entry_key(k: &str) -> bool {
    use super::unknown_keys::fields;
    use crate::schema::{ItemGroup, Level, NestedStep, Section, Value};
    [
        fields::<Level>(),
        fields::<Section>(),
        fields::<ItemGroup>(),
        fields::<Value>(),
        fields::<NestedStep>(),
    ]
    .iter()
    .any(|f| f.contains(&k))
}

impl<'a> Checker<'a> {
    /// The word written at `pos` (`&Co`, `!important`), up to a space or a
    /// flow indicator.
    fn word_at(&self, pos: crate::source_map::Pos) -> String {
        self.line_at(pos.line)
            .map(|l| {
                l.chars()
                    .skip(pos.column.saturating_sub(1))
                    .take_while(|c| !c.is_whitespace() && !",[]{}".contains(*c))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Line `n` (1-based) of the file, by the line index: these helps run
    /// for each of up to 10,000 anchors or tags, and counting lines from the
    /// top each time took minutes on a large file.
    fn line_at(&self, n: usize) -> Option<&str> {
        (n >= 1 && n <= self.lines.count())
            .then(|| self.lines.line(&self.source, n))
            // (As `str::lines` gives them: no `\r`, no empty line after
            // the last line break.)
            .map(|l| l.strip_suffix('\r').unwrap_or(l))
            .filter(|l| !l.is_empty() || self.lines.start(n) < Some(self.source.len()))
    }

    /// Whether the value at `pos` is the tag or anchor alone on its line,
    /// with nothing on the lines below it that is indented deeper: then it
    /// is a one-word text (`title: !Wow`), not syntax over a list.
    fn alone(&self, pos: crate::source_map::Pos) -> bool {
        let from = self.lines.start(pos.line).unwrap_or(self.source.len());
        let mut lines = self.source[from..].lines();
        let Some(line) = lines.next() else {
            return false;
        };
        let at = pos.column.saturating_sub(1);
        let before: String = line.chars().take(at).collect();
        let rest: String = line.chars().skip(at).collect();
        // (A comment after it, set apart by a space or tab, is no word of it.)
        let rest = match rest.find([' ', '\t']) {
            Some(i) if rest[i..].trim_start().starts_with('#') => &rest[..i],
            _ => rest.as_str(),
        };
        let indent = |l: &str| l.len() - l.trim_start().len();
        // After `key:`, the key's column (`  - level: !Wow` has its key at
        // 4, where the entry's next key is); a list item's own `-` else.
        let after_key = before.trim_end().ends_with(':');
        let key_col = |l: &str| {
            let mut t = l.trim_start();
            while let Some(u) = t.strip_prefix("- ") {
                t = u.trim_start();
            }
            l.len() - t.len()
        };
        let own = if after_key {
            key_col(line)
        } else {
            indent(line)
        };
        // Below it, what the tag is on: a line indented deeper, or, after a
        // key, a `- ` list at the key's own column (legal YAML). A list
        // item's next sibling, and comment lines, are none.
        rest.split_whitespace().count() == 1
            && lines
                .find(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
                .is_none_or(|next| {
                    indent(next) < own
                        || (indent(next) == own
                            && !(after_key && next.trim_start().starts_with("- ")))
                })
    }

    /// Whether `pos` is in the value of a key whose value is no prose
    /// (`grade: &g 5`, `id: &i x`, `website: &w https://…`).
    fn not_prose_at(&self, pos: crate::source_map::Pos) -> bool {
        const NOT_PROSE: &[&str] = &[
            "id",
            "family",
            "grade",
            "builds_on",
            "place",
            "emoji",
            "website",
            "grades_url",
            "logo",
            "language",
            "effective_date",
            "brand_color",
            "data_version",
        ];
        let Some(line) = self.line_at(pos.line) else {
            return false;
        };
        let before: String = line.chars().take(pos.column.saturating_sub(1)).collect();
        // The key's word, also in a `{…}` or quoted (`{id: x, grade: &g 5}`,
        // `"grade": &g 5`).
        before
            .trim_end()
            .strip_suffix(':')
            .map(|k| {
                let k = k.trim_end().trim_end_matches(['"', '\'']);
                // (Past the whole character: `café: &x Hi` panicked.)
                let start = k
                    .char_indices()
                    .rfind(|&(_, c)| !(c.is_ascii_alphanumeric() || c == '_'))
                    .map_or(0, |(i, c)| i + c.len_utf8());
                &k[start..]
            })
            .is_some_and(|k| NOT_PROSE.contains(&k))
    }

    /// The help for syntax (`&`, `!`) at `pos` that starts a value (after
    /// `key:` or `- `), when the value reads as prose: quote it.
    ///
    /// Not on a key (nothing before it on its line), a quoted text or a
    /// block of lines (quoting would print the syntax, or break the file),
    /// nor on a value that is no prose (`grade: &g 5`, `id: &i x`, a web
    /// address: quoted, it is a second error).
    fn value_start_help(&self, pos: crate::source_map::Pos, what: &str) -> Option<String> {
        let line = self.line_at(pos.line)?;
        let before: String = line.chars().take(pos.column.saturating_sub(1)).collect();
        if !matches!(before.trim_end().chars().last(), Some(':' | '-')) || self.not_prose_at(pos) {
            return None;
        }
        let word = self.word_at(pos);
        let rest: String = line
            .chars()
            .skip(pos.column.saturating_sub(1) + word.chars().count())
            .collect();
        // Nor on the first key of a list entry (`- !x id: f-two`).
        let key_first = rest.trim_start().split_once(':').is_some_and(|(k, after)| {
            is_entry_key(k) && (after.is_empty() || after.starts_with([' ', '\t']))
        });
        if rest.trim().is_empty()
            || key_first
            || rest
                .trim_start()
                .starts_with(['"', '\'', '|', '>', '[', '{'])
        {
            return None;
        }
        // From this line on: the help reads it and the lines that continue
        // it, never those above (and finding the line from the top, for each
        // of thousands, was the slow part).
        let from = self.lines.start(pos.line)?;
        crate::yaml_help::for_error(&self.source[from..], (1, pos.column), what)
    }

    /// Reports the YAML the file may not use (see `source_map::Hazard`).
    /// Returns false when the file must not be parsed further: aliases,
    /// tags and runaway nesting are refused before serde_yaml sees them.
    /// A `#` that cuts text short is a warning, or an error when
    /// `hash_is_error` (company settings, which have no warnings).
    pub(super) fn yaml_hazards(&mut self, hash_is_error: bool) -> bool {
        use crate::source_map::{HazardKind, MAX_DEPTH};
        let mut usable = true;
        let mut hazards = std::mem::take(&mut self.map.hazards);
        if let Some((pos, msg)) = &self.map.syntax_error
            && msg.contains("recursion limit")
            && !hazards.iter().any(|h| h.kind == HazardKind::TooDeep)
        {
            // yaml-rust2 stops at 255 nested brackets; serde_yaml would
            // take minutes on the same text.
            hazards.push(crate::source_map::Hazard {
                pos: *pos,
                kind: HazardKind::TooDeep,
            });
        }
        // One report per kind of refused YAML (the first), with a count: a
        // file can hold tens of thousands of aliases. Cut-short texts are
        // each worth fixing: every one is listed, up to a sane number (the
        // per-file caps then show 500 errors and 100 warnings, and count
        // them: with 50 here the rest went uncounted).
        let mut seen: Vec<(std::mem::Discriminant<HazardKind>, usize)> = Vec::new();
        hazards.retain(|h| {
            let kind = std::mem::discriminant(&h.kind);
            let listed = listed_kind(&h.kind);
            match seen.iter_mut().find(|(k, _)| *k == kind) {
                Some((_, n)) => {
                    *n += 1;
                    listed && *n <= MAX_LISTED_HAZARDS
                }
                None => {
                    seen.push((kind, 1));
                    true
                }
            }
        });
        // List entries reported as merged into the one above.
        let mut merged_entries: Vec<usize> = Vec::new();
        // Each list entry's repeated keys, gathered once (per hazard, it
        // was every hazard again).
        let mut entry_keys: std::collections::HashMap<Option<usize>, Vec<&str>> =
            std::collections::HashMap::new();
        for o in &hazards {
            if let HazardKind::DuplicateKey {
                key,
                in_list: true,
                entry,
                ..
            } = &o.kind
            {
                entry_keys.entry(*entry).or_default().push(key.as_str());
            }
        }
        for h in &hazards {
            let count = seen
                .iter()
                .find(|(k, _)| *k == std::mem::discriminant(&h.kind))
                .map_or(1, |(_, n)| *n);
            let more = if count > 1 && !listed_kind(&h.kind) {
                format!(" ({count} places in this file; the first is shown)")
            } else {
                String::new()
            };
            let at = |d: Diagnostic| {
                d.in_file(self.file)
                    .at(h.pos.line, h.pos.column)
                    .with_source(self.source.clone())
            };
            match &h.kind {
                HazardKind::Alias => {
                    usable = false;
                    // Mostly Markdown emphasis at a text's start, not an alias:
                    // when the `*` starts a value (not in `[*a, *a]`, where
                    // the help quoted the whole `&b [*a, …]`).
                    // Not inside a `[…]` or `{…}` (also one begun on a line
                    // above), where it is no text's start.
                    let in_flow = self.map.flow_aliases.contains(&h.pos);
                    // Nor a real alias: `*s` where the file defines `&s`.
                    let line = self.line_at(h.pos.line);
                    let word = self.word_at(h.pos);
                    let name = word.strip_prefix('*').unwrap_or(&word);
                    let anchored = !name.is_empty()
                        && self
                            .source
                            .match_indices(&format!("&{name}"))
                            .any(|(i, m)| {
                                self.source[i + m.len()..]
                                    .chars()
                                    .next()
                                    .is_none_or(|c| c.is_whitespace() || ",[]{}".contains(c))
                            });
                    let starts_value = !in_flow
                        && !anchored
                        && line.is_some_and(|l| {
                            let before: String =
                                l.chars().take(h.pos.column.saturating_sub(1)).collect();
                            matches!(before.trim_end().chars().last(), None | Some(':' | '-'))
                        });
                    let help = starts_value
                        .then(|| {
                            crate::yaml_help::for_error(
                                &self.source,
                                (h.pos.line, h.pos.column),
                                "alias",
                            )
                        })
                        .flatten()
                        .unwrap_or_else(|| {
                        "write the text out in full: an alias can expand a small file into gigabytes"
                            .into()
                    });
                    self.errors.push(at(Diagnostic::error(format!(
                        "YAML aliases (`*name`) are not allowed in role files{more}"
                    ))
                    .help(help)));
                }
                HazardKind::Tag(tag) => {
                    usable = false;
                    // `- !important thing`: text, not a tag; quoting keeps
                    // the word that removing the tag would lose.
                    // (Not YAML's own `!!str`, `!!int`: quoting would print it.)
                    // A tag alone where a text goes (`title: !Wow`) may be
                    // that text: both ways are said.
                    let own = !tag.starts_with("!!");
                    let help = own
                        .then(|| self.value_start_help(h.pos, "tag"))
                        .flatten()
                        .unwrap_or_else(|| {
                            if own && self.alone(h.pos) && !self.not_prose_at(h.pos) {
                                format!(
                                    "if `{tag}` is text, put it in double quotes; if it is a tag, \
                                     remove it: role files hold plain text, whole numbers and lists"
                                )
                            } else {
                                "remove the tag: role files hold plain text, whole numbers and lists"
                                    .into()
                            }
                        });
                    self.errors.push(at(Diagnostic::error(format!(
                        "YAML tags (`{tag}`) are not allowed in role files{more}"
                    ))
                    .help(help)));
                }
                HazardKind::Anchor { on_text, id } => {
                    usable = false;
                    let name = self.word_at(h.pos);
                    // A real anchor: on a key, a list, a mapping or a block
                    // of lines, or one an alias of the file names (`*a`;
                    // not `*Co Partners*`, emphasis inside a text).
                    let used = self.map.aliased.contains(id);
                    if !on_text || used || self.not_prose_at(h.pos) {
                        self.errors.push(at(Diagnostic::error(format!(
                            "YAML anchors (`{name}`) are not allowed in role files"
                        ))
                        .help(format!(
                            "remove `{name}`: anchors only serve aliases, which role files do not allow"
                        ))));
                        continue;
                    }
                    let help = self.value_start_help(h.pos, "anchor").unwrap_or_else(|| {
                        format!(
                            "if `{name}` is text, put the whole text in double quotes; if it is an \
                             anchor, remove it: anchors only serve aliases, which role files do not allow"
                        )
                    });
                    self.errors.push(at(Diagnostic::error(format!(
                        "YAML reads `{name}` as an anchor, not text, and drops it from the value"
                    ))
                    .help(help)));
                }
                HazardKind::TooDeep => {
                    usable = false;
                    self.errors.push(at(Diagnostic::error(format!(
                        "the YAML nests more than {MAX_DEPTH} levels deep here"
                    ))
                    .help(
                        "role files need far fewer levels: check the indentation and the brackets",
                    )));
                }
                HazardKind::TooManyValues => {
                    usable = false;
                    self.errors.push(at(Diagnostic::error(format!(
                        "this file holds more than {}k YAML values (keys, texts, numbers, lists and \
                         mappings); it is not read past this one",
                        crate::source_map::MAX_VALUES / 1000
                    ))
                    .help(
                        "a family at every count cap (200 levels, 100 groups a list, 20,000 \
                         items) holds about half as many: look for a runaway list, or split the \
                         family into several files",
                    )));
                }
                HazardKind::MergeKey => {
                    usable = false;
                    self.errors.push(at(Diagnostic::error(
                        "YAML merge keys (`<<`) are not allowed in role files",
                    )
                    .help("write the keys out in full")));
                }
                HazardKind::DuplicateKey {
                    entry: Some(entry), ..
                } if merged_entries.contains(entry) => {
                    // Inside a list entry that merged into the one above (a
                    // missing `- `), reported once with it: its keys, and
                    // those nested in them, repeat the other entry's.
                    usable = false;
                }
                HazardKind::DuplicateKey {
                    key,
                    first,
                    in_list: true,
                    entry,
                } => {
                    usable = false;
                    // This entry's own repeated keys.
                    let own: &[&str] = entry_keys.get(entry).map_or(&[], Vec::as_slice);
                    if own.len() == 1 && key != "id" {
                        // One key written twice (`grade: 7`, `grade: 8`),
                        // not a merged entry.
                        self.errors.push(at(Diagnostic::error(format!(
                            "`{}` is written twice here (first on line {first})",
                            clip(key)
                        ))
                        .help("keep one of them")));
                        continue;
                    }
                    merged_entries.extend(*entry);
                    // The other keys repeated, each named once.
                    let mut named: Vec<&str> = vec![key.as_str()];
                    let keys: Vec<String> = own
                        .iter()
                        .filter(|k| {
                            let new = !named.contains(k);
                            if new {
                                named.push(k);
                            }
                            new
                        })
                        .map(|k| format!("`{}`", clip(k)))
                        .collect();
                    let others = if !keys.is_empty() {
                        format!(
                            ", and so {} {}",
                            if keys.len() == 1 { "is" } else { "are" },
                            keys.join(", ")
                        )
                    } else {
                        String::new()
                    };
                    let example = dash_example(&self.source, &self.lines, *first, h.pos)
                        .map(|line| format!(" (`{}`)", clip(&line)))
                        .unwrap_or_default();
                    self.errors.push(at(Diagnostic::error(format!(
                        "`{}` is written twice in this list entry (first on line {first}){others}",
                        clip(key)
                    ))
                    .help(format!(
                        "if a new entry of the list starts here, begin it with `- `{example}; \
                         otherwise keep one of each"
                    ))));
                }
                HazardKind::DuplicateKey { key, first, .. } => {
                    usable = false;
                    self.errors.push(at(Diagnostic::error(format!(
                        "`{}` is written twice here (first on line {first})",
                        clip(key)
                    ))
                    .help("keep one of them")));
                }
                HazardKind::DashContinuation { text, column } => {
                    let short: String = text.chars().take(40).collect();
                    let fix = match column {
                        Some(c) => format!(
                            "for an item of its own, start its `-` in column {c}, under the `-` above"
                        ),
                        None => "for a list, write it under a key of its own; to keep it in the \
                                 text, put the whole value in double quotes"
                            .to_string(),
                    };
                    let d = Diagnostic::warning(format!(
                        "`{short}` is indented deeper than the line it follows, so YAML reads it as \
                         more of that text (\"… {short}\"), not as an item of its own"
                    ))
                    .help(fix)
                    .in_file(self.file)
                    .at(h.pos.line, h.pos.column)
                    .with_source(self.source.clone());
                    if hash_is_error {
                        continue;
                    }
                    self.warnings.push(d);
                }
                HazardKind::HashComment {
                    text: dropped,
                    cut,
                    flow,
                } => {
                    use crate::source_map::Cut;
                    let short: String = dropped.chars().take(40).collect();
                    // At the `#` itself, not at the value it cuts short.
                    let at = |d: Diagnostic| {
                        let (line, column) = hash_position(
                            &self.source,
                            &self.lines,
                            (h.pos.line, h.pos.column),
                            dropped,
                        )
                        .unwrap_or((h.pos.line, h.pos.column));
                        d.in_file(self.file)
                            .at(line, column)
                            .with_source(self.source.clone())
                    };
                    let d = at(match cut {
                        Cut::Sure => Diagnostic::warning(format!(
                            "`{short}` is read as a YAML comment: the text ends before it{more}"
                        ))
                        .help(if *flow {
                            // Quoting the whole `[…]` makes it one text.
                            format!(
                                "put this entry in double quotes (not the whole `[…]` or \
                                 `{{…}}`), so that `{short}` is part of it"
                            )
                        } else {
                            format!(
                                "put the whole value in double quotes, so that `{short}` is part \
                                 of it"
                            )
                        }),
                        Cut::CommentLine => Diagnostic::warning(format!(
                            "`{short}` is read as a YAML comment: if it continues the text \
                             above, the text ends before it{more}"
                        ))
                        .help(
                            "to continue the text, put the whole value in double quotes; for a \
                             comment, write `# ` with a space",
                        ),
                        Cut::Spaced => Diagnostic::warning(format!(
                            "`{short}` is read as a YAML comment, so the text ends before it{more}"
                        ))
                        .help(
                            "if it is part of the text (`the # of hires`), put the whole value in \
                             double quotes; if it is a note, put it on a line of its own",
                        ),
                    });
                    // Company settings have no warnings: only a sure cut
                    // (`brand_color: #6B4FBB`) is worth failing them for.
                    if hash_is_error && *cut != Cut::Sure {
                        continue;
                    }
                    if hash_is_error {
                        let mut d = d;
                        d.severity = crate::diag::Severity::Error;
                        self.errors.push(d);
                    } else {
                        self.warnings.push(d);
                    }
                }
            }
        }
        usable
    }

    /// Parses the file into `T`, recording unknown keys and the first
    /// structural error. Returns `None` when the file cannot be used.
    /// `known_at` gives the keys allowed in the mapping at a path, for
    /// the did-you-mean suggestions.
    pub(super) fn parse<T: for<'de> Deserialize<'de>>(
        &mut self,
        known_at: fn(&[String]) -> &'static [&'static str],
    ) -> Option<T> {
        let mut unknown = Vec::new();
        let de = serde_yaml::Deserializer::from_str(&self.source);
        let result: Result<T, _> = serde_ignored::deserialize(de, |path| {
            unknown.push(path_segments(&path));
        });
        // Keys that are known ones but for a character that looks like a
        // space or nothing: with their mapping's position, so the "missing
        // field" that follows from the same key is not said as well.
        let mut respelled: Vec<(crate::source_map::Pos, String)> = Vec::new();
        for segments in unknown {
            self.unknown_key(&segments, known_at, &mut respelled);
        }
        match result {
            Ok(v) => Some(v),
            Err(e) => {
                // serde_yaml hands a typed parse the events read before a
                // syntax error, so a struct can end early with "missing
                // field" and hide the real error further down; reading
                // the file as plain YAML meets it.
                let e = match serde_yaml::from_str::<serde_yaml::Value>(&self.source) {
                    // A second document (`---`, or a `%YAML` directive
                    // after content) too: the typed parse stops before it
                    // and reports a missing field instead.
                    // Only where that document can be shown: libyaml also
                    // says so of a list followed by keys at column 0
                    // (`  - x` then `family: f`), which has no `---`;
                    // the typed parse's error is located there.
                    Err(syntax)
                        if syntax.location().is_some()
                            || (syntax.to_string().contains("more than one document")
                                && second_document_line(&self.source).is_some()) =>
                    {
                        syntax
                    }
                    _ => e,
                };
                let (mut message, mut at, mut help) = yaml_error(&e, &self.source);
                // The cut-short warning at the same `#` says less.
                if let Some((line, column)) = at
                    && message.starts_with(FLOW_COMMENT_CUT)
                {
                    let here = (u32::try_from(line).ok(), u32::try_from(column).ok());
                    self.warnings.retain(|w| (w.line, w.column) != here);
                }
                // The field written with an odd space in its key, told above.
                if let Some((line, column)) = at
                    && respelled.iter().any(|(pos, key)| {
                        (pos.line, pos.column) == (line, column)
                            && message.ends_with(&format!("missing field `{key}`"))
                    })
                {
                    return None;
                }
                // serde's path names the level by place (`levels[1].title`).
                let level = message
                    .strip_prefix("levels[")
                    .and_then(|rest| rest.split(']').next()?.parse::<u32>().ok());
                message = name_level(&message, &self.map.level_id_at);
                // A no-break space (pasted) where YAML needs a space: the
                // parser fails about keys or indentation, a line later.
                // Looked for on the error's line; for libyaml's syntax
                // errors also on the lines its marks name and, but for the
                // indentation, on the line above (the parser fails a line
                // after the space). A type error's message quotes the
                // file's text, whose numbers are no marks.
                let syntax = message.starts_with("YAML syntax error");
                // A field missing because its line is indented with such a
                // space: YAML read it as a key further out.
                let missing = message
                    .rsplit_once("missing field `")
                    .and_then(|(_, f)| f.strip_suffix('`'));
                // The missing field's line after the mapping, or for a
                // syntax error the line above it and its own.
                let odd_indent = at.and_then(|(line, _)| match missing {
                    Some(field) => crate::yaml_help::odd_indented_key(
                        &self.source,
                        line + 1..=self.source.lines().count(),
                        &[field],
                    ),
                    None if syntax => crate::yaml_help::odd_indented_key(
                        &self.source,
                        [line.saturating_sub(1), line],
                        crate::yaml_help::SCHEMA_KEYS,
                    ),
                    None => None,
                });
                let layout = if let Some((line, _)) = at
                    && let Some((l, c, ch, key)) = odd_indent
                {
                    message = format!(
                        "{} stands in the indentation of `{key}:`, where YAML needs ordinary \
                         spaces, and YAML reads it as text{} (the parser then found, at line \
                         {line}: {})",
                        crate::yaml_help::odd_space_name(ch),
                        if missing.is_some() {
                            format!(": `{key}` is no key of the mapping above")
                        } else {
                            String::new()
                        },
                        message.trim_start_matches("YAML syntax error: ")
                    );
                    at = Some((l, c));
                    // One that takes no room (a byte order mark, a
                    // zero-width space) is deleted, not retyped: a space
                    // in its place indents the key one more.
                    help = Some(if ch.is_whitespace() {
                        "retype the indentation as ordinary spaces (such spaces come with text \
                         pasted from web pages and word processors)"
                            .into()
                    } else {
                        "delete it: it takes no room, and the key is then where it looks to be \
                         (such characters come with text pasted from web pages and word processors)"
                            .into()
                    });
                    true
                } else if let Some((line, _)) = at
                    && let Some((l, c, ch)) = crate::yaml_help::layout_space(
                        &self.source,
                        &if syntax {
                            vec![line.saturating_sub(1)]
                        } else {
                            vec![]
                        },
                        &if syntax {
                            lines_named(&message, line)
                        } else {
                            vec![line]
                        },
                        crate::yaml_help::SCHEMA_KEYS,
                    )
                {
                    message = format!(
                        "{} stands where YAML needs an ordinary space, and YAML reads it as text \
                         (the parser then found, at line {line}: {})",
                        crate::yaml_help::odd_space_name(ch),
                        message.trim_start_matches("YAML syntax error: ")
                    );
                    at = Some((l, c));
                    help = Some(
                        "retype it as an ordinary space (such spaces come with text pasted from \
                         web pages and word processors)"
                            .into(),
                    );
                    // "`- b` is indented deeper than the line it follows",
                    // below the space and not left of its line, follows
                    // from it: YAML read that line as text.
                    let lines: Vec<&str> = self.source.lines().collect();
                    let own = lines.get(l - 1).map_or(0, |s| indent(s));
                    let end = (l..lines.len())
                        .find(|&k| !lines[k].trim().is_empty() && indent(lines[k]) < own)
                        .unwrap_or(lines.len());
                    let after = l + 1..=end;
                    self.warnings.retain(|w| {
                        !(w.message
                            .contains("is indented deeper than the line it follows")
                            && w.line.is_some_and(|n| after.contains(&(n as usize))))
                    });
                    true
                } else {
                    false
                };
                // `grade 7` or `title:Text`: libyaml fails a line later,
                // naming where the key it could not finish began.
                let layout = layout
                    || match crate::yaml_help::simple_key_start(&message) {
                        Some((l, c)) => {
                            at = Some((l, c));
                            help = Some(crate::yaml_help::missing_colon(&self.source, l, c).unwrap_or_else(|| {
                                "YAML reads this line as a key with no `:` after it: a line of a \
                                 mapping is `key: value`, and a text of a list starts with `- `"
                                    .into()
                            }));
                            true
                        }
                        None => false,
                    };
                // What the text at the error shows was meant, over what the
                // parser's message alone suggests.
                // (Not over a comment found hiding a flow list's `,` or
                // bracket: that help is the entry's own.)
                let flow_cut = message.starts_with(FLOW_COMMENT_CUT);
                if !layout
                    && !flow_cut
                    && let Some(pos) = at
                    && let Some(h) = crate::yaml_help::for_error(&self.source, pos, &message)
                {
                    // `-id: a`: at the `-`, not at the next key.
                    if message.contains("mapping values are not allowed")
                        && let Some(dash) =
                            crate::yaml_help::dash_without_space_above(&self.source, pos.0)
                    {
                        at = Some(dash);
                    }
                    help = Some(h);
                }
                // libyaml marks a bad `\u` code at its first digit; the
                // escape starts two characters before, at its `\`.
                if message.contains("invalid Unicode character escape code")
                    && let Some((line, column)) = at
                    && column > 2
                    && self
                        .source
                        .lines()
                        .nth(line - 1)
                        .and_then(|l| l.chars().nth(column - 3))
                        == Some('\\')
                {
                    at = Some((line, column - 2));
                }
                // A quote left open is closed by the next text's opening
                // quote, and libyaml fails a line or more later, with a
                // message about keys or indentation.
                if !layout
                    && !flow_cut
                    && message.starts_with("YAML syntax error")
                    && let Some((line, _)) = at
                    && let Some((open, close)) = quote_closed_too_late(&self.source, line)
                    && closing_helps(&self.source, open, line)
                {
                    message = format!(
                        "YAML syntax error: the quoted text that starts here is not closed on its line; \
                         the quote at line {}, column {} closes it instead (libyaml then found: {})",
                        close.0,
                        close.1,
                        message.trim_start_matches("YAML syntax error: ")
                    );
                    at = Some(open);
                    help = Some("add the closing quote at the end of the text".into());
                }
                let mut d = Diagnostic::error(message)
                    .in_file(self.file)
                    .with_source(self.source.clone());
                d.level = level;
                if let Some((line, column, ch)) = first_raw_control(&self.source)
                    && e.to_string().contains("control characters")
                {
                    // libyaml gives a byte offset (and 1:1); point at the character.
                    let what = if ch.is_control() {
                        "control character"
                    } else {
                        "noncharacter"
                    };
                    d = Diagnostic::error(format!(
                        "the raw {what} U+{:04X} is not allowed in YAML",
                        ch as u32
                    ))
                    .in_file(self.file)
                    .with_source(self.source.clone())
                    .at(line, column)
                    .help("delete it (such characters garble PDFs and exports)");
                    self.errors.push(d);
                    return None;
                } else if let Some((line, column)) = at {
                    d = d.at(line, column);
                } else if let Some(line) = second_document_line(&self.source) {
                    d = d.at(line, 1);
                }
                d = d.maybe_help(help);
                // A pasted no-break space in the indentation, found again
                // by other checks: as an unknown key holding it (at its
                // place), and as the lines below it "indented deeper" than
                // a key YAML took out of its mapping. Said once, here.
                if d.message.contains("stands in the indentation of")
                    || d.message
                        .contains("stands where YAML needs an ordinary space")
                {
                    let place = (d.line, d.column);
                    self.errors.retain(|e| {
                        !((e.line, e.column) == place && e.message.starts_with("unknown key"))
                    });
                    self.warnings.retain(|w| {
                        !(w.line > place.0
                            && w.message
                                .contains("is indented deeper than the line it follows"))
                    });
                }
                self.errors.push(d);
                None
            }
        }
    }
}

/// The line at `at` as a new list entry, its `- ` where the entry above
/// has its own: the nearest line above `first` (the repeated key's first
/// line) that starts with `- ` left of the key's column gives the dash's
/// column. `None` when no such line, or the line is not plain spaces up to
/// the key.
fn dash_example(
    source: &str,
    index: &crate::lines::LineIndex,
    first: usize,
    at: crate::source_map::Pos,
) -> Option<String> {
    // Lines by the index: a list of every line per repeated key was a
    // copy of the file each time.
    let line_at = |n: usize| {
        let l = index.line(source, n);
        l.strip_suffix('\r').unwrap_or(l)
    };
    if at.line == 0 || at.line > index.count() {
        return None;
    }
    let line = line_at(at.line);
    let key_col = at.column.checked_sub(1)?;
    let lead: String = line.chars().take(key_col).collect();
    if lead.len() != key_col || !lead.bytes().all(|b| b == b' ') {
        return None;
    }
    // Up to the entry's parent: a line indented less that is no `- `
    // (walking on to the top, for each of thousands of entries begun with
    // a bare `-`, took minutes). A bare `-` on its own line begins one too.
    let dash_col = (1..=first.min(index.count()))
        .rev()
        .map(line_at)
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .find_map(|l| {
            let spaces = indent(l);
            let item = &l[spaces..];
            if spaces >= key_col {
                return None;
            }
            Some((item.starts_with("- ") || item.trim_end() == "-").then_some(spaces))
        })
        .flatten()?;
    Some(format!(
        "{}-{}{}",
        " ".repeat(dash_col),
        " ".repeat(key_col - dash_col - 1),
        line[key_col..].trim_end()
    ))
}

/// Where the comment text `dropped` (`#data-alerts …`) starts, searching
/// from `from` (the value it cuts short) over the next few lines: 1-based
/// line and column in characters.
fn hash_position(
    source: &str,
    lines: &crate::lines::LineIndex,
    from: (usize, usize),
    dropped: &str,
) -> Option<(usize, usize)> {
    let needle: String = dropped.chars().take(20).collect();
    if needle.is_empty() {
        return None;
    }
    // From line `from.0` by the index: counting lines from the top for
    // each of thousands of cuts was quadratic.
    let first = from.0.checked_sub(1)?;
    for (i, line) in source[lines.start(from.0)?..]
        .lines()
        .enumerate()
        .map(|(k, l)| (first + k, l))
        .take(50)
    {
        let start = if i + 1 == from.0 {
            line.char_indices()
                .nth(from.1.saturating_sub(1))
                .map_or(line.len(), |(b, _)| b)
        } else {
            0
        };
        // A comment's `#` follows white space or starts the line
        // (`issue#42 and #42`: the second).
        let comment_at = |from: usize| {
            line[from..]
                .match_indices(&needle)
                .map(|(b, _)| from + b)
                .find(|&b| {
                    line[..b]
                        .chars()
                        .next_back()
                        .is_none_or(char::is_whitespace)
                })
        };
        // On the first line, past `from`; failing that (a mark at the end
        // of a text folded in a flow list), anywhere on it.
        let found = comment_at(start).or_else(|| (start > 0).then(|| comment_at(0)).flatten());
        if let Some(b) = found {
            return Some((i + 1, line[..b].chars().count() + 1));
        }
    }
    None
}

/// The most hazards of one listed kind kept per file (memory: a 16 MiB
/// file can hold a million `#` cuts).
const MAX_LISTED_HAZARDS: usize = 10_000;

/// Hazards reported one by one (each is worth fixing), not once per file.
fn listed_kind(kind: &crate::source_map::HazardKind) -> bool {
    use crate::source_map::HazardKind;
    matches!(
        kind,
        HazardKind::Anchor { .. }
            | HazardKind::HashComment { .. }
            | HazardKind::DuplicateKey { .. }
            | HazardKind::DashContinuation { .. }
    )
}

/// The first character libyaml refuses raw, with its 1-based line and
/// column: what its reader allows is tab, newline, carriage return, NEL,
/// U+0020–007E, U+00A0–D7FF, U+E000–FFFD and U+10000 up, so C0 and C1
/// controls, DEL and the noncharacters U+FFFE and U+FFFF are refused.
fn first_raw_control(source: &str) -> Option<(usize, usize, char)> {
    for (i, line) in source.split('\n').enumerate() {
        for (col, c) in line.chars().enumerate() {
            let allowed = matches!(c, '\t' | '\r' | '\u{85}' | ' '..='~' | '\u{A0}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..);
            if !allowed {
                return Some((i + 1, col + 1, c));
            }
        }
    }
    None
}

/// A syntax error's line and the lines its message names ("a simple key
/// that starts at line 7"): where a cause may stand.
fn lines_named(message: &str, line: usize) -> Vec<usize> {
    let mut lines = vec![line];
    for (at, _) in message.match_indices("line ") {
        let digits: String = message[at + 5..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        lines.extend(digits.parse::<usize>());
    }
    lines
}

/// The line that starts a second YAML document, if any (serde_yaml
/// reports "more than one document" without a position): a `---` after
/// content, or content after a `...` that ended the first document.
fn second_document_line(source: &str) -> Option<usize> {
    let mut seen_content = false;
    let mut ended = false;
    for (i, line) in source.lines().enumerate() {
        let t = line.trim_end();
        if t == "---" || t.starts_with("--- ") {
            if seen_content {
                return Some(i + 1);
            }
            seen_content = true;
        } else if t.starts_with('%') {
            // A directive (`%YAML 1.2`) after content begins a document;
            // before it, it belongs to the first one.
            if seen_content {
                return Some(i + 1);
            }
        } else if t == "..." || t.starts_with("... ") {
            ended = seen_content;
        } else if !t.is_empty() && !t.trim_start().starts_with('#') {
            if ended {
                return Some(i + 1);
            }
            seen_content = true;
        }
    }
    None
}

/// How the error of a ` #` that hides a flow collection's `,` or `]`
/// starts.
const FLOW_COMMENT_CUT: &str = "YAML syntax error: ` #` starts a comment";

/// A serde_yaml error as jdgen reports it: message, 1-based position and
/// help. libyaml's syntax errors read "PROBLEM at line L column C, CONTEXT
/// at line L2 column C2"; where the context is an unclosed quote or
/// bracket, its mark (where it opened) is the place to fix, not where the
/// parser gave up, which is often the end of the file.
fn yaml_error(
    e: &serde_yaml::Error,
    source: &str,
) -> (String, Option<(usize, usize)>, Option<String>) {
    let text = e.to_string();
    let at = e.location().map(|l| (l.line(), l.column()));
    if at.is_none() {
        return (plain_type_names(&text), None, yaml_help(&text));
    }
    let (problem, context) = match text.split_once(", while ") {
        Some((p, c)) => (p, Some(c)),
        None => (text.as_str(), None),
    };
    let (problem, _) = strip_mark(problem);
    let (context, opened) = match context {
        Some(c) => {
            let (c, mark) = strip_mark(c);
            (Some(format!("while {c}")), mark)
        }
        None => (None, None),
    };
    let problem = plain_type_names(problem);
    let found = |at: Option<(usize, usize)>| match at {
        Some((l, c)) => format!("{problem} at line {l}, column {c}"),
        None => problem.clone(),
    };
    let unclosed = |what: &str, help: &str| {
        (
            format!(
                "YAML syntax error: {what} that starts here is never closed ({})",
                found(at)
            ),
            opened,
            Some(help.to_string()),
        )
    };
    // `[Use C #tags, and more]`: the comment hides the `,` or `]` the
    // user sees; "close it with `]`" would change nothing.
    // (A list never closed is reported past the file's end, with no mark
    // where it opens: found from the text.)
    if let Some(c) = context.as_deref()
        && c.contains("flow")
        && let Some(open) = opened.or_else(|| {
            crate::yaml_help::unclosed_flow(source).map(|(line, column, _)| (line, column))
        })
        && let Some(cut) = crate::yaml_help::flow_comment_cut(
            source,
            open,
            at.unwrap_or((source.lines().count() + 1, 1)),
            crate::yaml_help::unclosed_flow(source).is_some(),
        )
    {
        use crate::yaml_help::FlowCut;
        let (line, column, help) = match cut {
            FlowCut::Entry {
                line,
                column,
                quoted,
            } => (
                line,
                column,
                format!("put the text that holds the `#` in double quotes: `{quoted}`"),
            ),
            FlowCut::Bracket { line, column } => (
                line,
                column,
                "write the `,` or the closing bracket before the comment, or put the comment on \
                 a line of its own"
                    .to_string(),
            ),
        };
        return (
            format!(
                "{FLOW_COMMENT_CUT} here, inside the list or mapping that opens at line {}, \
                 column {}, so the rest of the line is not read (its `,`, `]` or `}}` too)",
                open.0, open.1
            ),
            Some((line, column)),
            Some(help),
        );
    }
    match (context.as_deref(), opened) {
        (Some("while scanning a quoted scalar"), Some(_)) => unclosed(
            "the quoted text",
            "add the closing quote (the same `\"` or `'` that opens it)",
        ),
        // libyaml's "did not find expected ',' or ']'" reads as an unclosed
        // list; when the brackets do close, something in between is wrong
        // (`["a" "b", c]`): said where it is.
        (
            Some("while parsing a flow sequence" | "while parsing a flow mapping"),
            Some((ol, oc)),
        ) if crate::yaml_help::unclosed_flow(source).is_none() => (
            format!(
                "YAML syntax error: a `,` or the end of the list or mapping was expected \
                     here (it starts at line {ol}, column {oc})"
            ),
            at,
            Some(
                "put a `,` between two entries, or quote an entry that holds quotes, \
                     brackets or `: `"
                    .into(),
            ),
        ),
        (Some("while parsing a flow sequence"), Some(_)) => unclosed(
            "the `[` list",
            "close it with `]`, or quote text that starts with `[`",
        ),
        (Some("while parsing a flow mapping"), Some(_)) => unclosed(
            "the `{` mapping",
            "close it with `}`, or quote text that starts with `{`",
        ),
        // A `[` or `{` never closed whose context has no mark: libyaml
        // gives up at the end of the file, past its last line; the place to
        // fix is where it opens.
        (Some(c), None)
            if c.contains("flow")
                && let Some((line, column, bracket)) = crate::yaml_help::unclosed_flow(source) =>
        {
            let (what, close) = if bracket == '[' {
                ("list", ']')
            } else {
                ("mapping", '}')
            };
            (
                format!(
                    "YAML syntax error: the `{bracket}` {what} that starts here is never closed"
                ),
                Some((line, column)),
                Some(format!(
                    "close it with `{close}`, or quote text that starts with `{bracket}`"
                )),
            )
        }
        _ => {
            let message = match (&context, opened) {
                (Some(c), Some((l, col))) => {
                    format!("{problem}, {c} that starts at line {l}, column {col}")
                }
                (Some(c), None) => format!("{problem}, {c}"),
                (None, _) => problem.clone(),
            };
            let message = if context.is_some()
                || message.contains("did not find expected")
                || message.contains("mapping values are not allowed")
                || message.contains("found character that cannot start")
            {
                format!("YAML syntax error: {message}")
            } else {
                message
            };
            (message, at, yaml_help(&text))
        }
    }
}

/// A quoted text that opens on one line and closes on a later one, just
/// before a letter or digit (`title: "Senior X` then `summary: "Builds…"`:
/// the second text's opening quote closed the first), at or before line
/// `until`: where it opens and where it closes (1-based). Quotes count
/// only where a YAML value may start (after `: `, `- `, `[`, `{`, `,` or
/// at the start of a line), so an apostrophe in plain text is not one.
fn quote_closed_too_late(source: &str, until: usize) -> Option<((usize, usize), (usize, usize))> {
    let mut open: Option<(char, usize, usize)> = None;
    for (l, line) in source.lines().enumerate().take(until) {
        let chars: Vec<char> = line.chars().collect();
        // The last character before `i` that is not white space (kept as
        // the scan goes: walking back for each character was quadratic).
        let mut last_solid: Option<char> = None;
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            match open {
                Some((q, ol, oc)) => {
                    if q == '"' && c == '\\' {
                        i += 2;
                        continue;
                    }
                    if c == q {
                        if q == '\'' && chars.get(i + 1) == Some(&'\'') {
                            i += 2;
                            continue;
                        }
                        // Only space, `:`, `,`, `]`, `}` or a line's end may
                        // follow a closing quote: anything else (a letter,
                        // a link's `[`) means it opened the next text.
                        if ol < l + 1
                            && chars.get(i + 1).is_some_and(|n| {
                                !n.is_whitespace() && !matches!(n, ':' | ',' | ']' | '}' | '#')
                            })
                        {
                            return Some(((ol, oc), (l + 1, i + 1)));
                        }
                        open = None;
                    }
                }
                None => {
                    if c == '#' && (i == 0 || chars[i - 1].is_whitespace()) {
                        break;
                    }
                    let value_start = match last_solid {
                        None => true,
                        Some(p) => {
                            matches!(p, '[' | '{' | ',')
                                || ((p == ':' || p == '-') && chars[i - 1].is_whitespace())
                        }
                    };
                    if (c == '"' || c == '\'') && value_start {
                        open = Some((c, l + 1, i + 1));
                    }
                }
            }
            if !c.is_whitespace() {
                last_solid = Some(c);
            }
            i += 1;
        }
    }
    None
}

/// Whether closing the quote that opens at `open` (at the end of its line)
/// gets libyaml past line `failed_at`: a guess that explains nothing (a
/// quote in a block text, where quotes are plain characters) is dropped,
/// and the real error stays.
fn closing_helps(source: &str, open: (usize, usize), failed_at: usize) -> bool {
    let Some(line) = source.lines().nth(open.0 - 1) else {
        return false;
    };
    let Some(quote) = line.chars().nth(open.1 - 1) else {
        return false;
    };
    let fixed: String = source
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i + 1 == open.0 {
                format!("{}{quote}\n", l.trim_end())
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    // Parsed as events, not into values: the text after the error was
    // never checked for aliases, and expanding them took 16 s and 2.3 GB
    // for a 40 KB file (one level deeper, ten times that).
    // (A scan stopped by nesting or the value cap below the error has
    // read past it too.)
    let scan = crate::libyaml_scan::scan(&fixed);
    match scan.error_line.or(scan.stopped_at) {
        Some(line) => line > failed_at,
        None => true,
    }
}

/// `text` without a trailing " at line L column C", and that position.
fn strip_mark(text: &str) -> (&str, Option<(usize, usize)>) {
    if let Some(i) = text.rfind(" at line ")
        && let Some((l, c)) = text[i + " at line ".len()..].split_once(" column ")
        && let (Ok(l), Ok(c)) = (l.parse(), c.parse())
    {
        return (&text[..i], Some((l, c)));
    }
    (text, None)
}

/// serde's messages name Rust types (`expected struct FamilyFile`,
/// `invalid type: unit value`, `u128`): say what the file should hold.
fn plain_type_names(message: &str) -> String {
    const NAMES: &[(&str, &str)] = &[
        ("unit value", "nothing (an empty value)"),
        (
            "struct FamilyFile",
            "a job family: a mapping with keys `family`, `title`, `levels` …",
        ),
        (
            "struct CompanyFile",
            "company settings (keys `name`, `website` …)",
        ),
        ("struct Level", "a level (keys `id`, `level`, `title` …)"),
        (
            "struct Section",
            "a section (keys `heading`, `paragraphs`, `items`, `sections`, `place`)",
        ),
        (
            "struct ItemList",
            "a mapping with keys `items`, `groups`, `builds_on` … (put a bare list under `items:`)",
        ),
        ("struct ItemGroup", "a group (keys `heading`, `items`)"),
        (
            "struct HiringProcess",
            "a hiring process (keys `intro`, `steps`, `outro`; put a bare list of steps under `steps:`)",
        ),
        ("struct NestedStep", "a step (keys `text`, `steps`)"),
        (
            "struct Values",
            "values (keys `heading`, `intro`, `items`; put a bare list of values under `items:`)",
        ),
        ("struct Value", "a value (keys `emoji`, `name`, `text`)"),
        ("as u128", ""),
        ("expected any YAML value", "expected a number YAML can hold"),
        ("expected a sequence", "expected a list"),
    ];
    let mut out = message.to_string();
    for (rust, plain) in NAMES {
        out = out.replace(rust, plain);
    }
    out.replace("  ", " ").replace(" , ", ", ")
}

pub(super) fn yaml_help(message: &str) -> Option<String> {
    if message.contains("mapping values are not allowed") {
        Some("quote text that contains `: `, e.g. `- \"Note: this\"`".into())
    } else if message.contains("invalid type: map, expected a string")
        || message.contains("invalid type: sequence, expected a string")
    {
        Some("quote text that starts with `[`, `{` or contains `: `".into())
    } else if message.contains("expected a sequence") {
        // (A map, and since `description: true` got no help, a yes/no or
        // a number too.)
        Some("this holds a list: put each entry on a line of its own, starting with `- `".into())
    } else if message.contains("expected field identifier") {
        Some("a key is a word such as `title`, written `title: text`; a `?` or a `[…]` key is not one".into())
    } else if let Some((_, rest)) = message.split_once("missing field `") {
        // What the field looks like, for the ones every file has.
        let example = match rest.split('`').next().unwrap_or_default() {
            "family" => ": `family: social-marketing` (the family's id)",
            "title" => ": `title: Social Marketing Manager`",
            "levels" => {
                ": `levels:`, then each level as `  - id: senior-social`, `    level: Senior`, \
                 `    title: Senior Social Marketing Manager`"
            }
            "id" => ": `id: senior-social` (the role's id, used in file names)",
            "level" => ": `level: Senior`",
            "name" => ": `name: Example Inc.`",
            "website" => ": `website: https://example.com`",
            "heading" => ": `heading: …`",
            "items" => ": `items:`, then each item as `  - …`",
            _ => "",
        };
        Some(format!("add the field{example} (see docs/role-format.md)"))
    } else if message.contains("found character that cannot start") {
        Some(
            "indent with spaces, not tabs, and quote text that starts with `@`, `` ` `` or `%`"
                .into(),
        )
    } else if message.contains("while parsing a block") {
        Some("check the indentation: the keys of one mapping, and the `-` items of one list, start in the same column".into())
    } else if message.contains("while scanning a quoted scalar") {
        Some("a quoted text is not closed: add the closing quote".into())
    } else if message.contains("as u128") || message.contains("number YAML can hold") {
        Some("write a whole number from 1 to 1000".into())
    } else if message.contains("more than one document") {
        Some(
            "a role file holds one job family: remove the extra `---` (or the `...` that ends the \
             first document, or a `%` directive line), or split the file"
                .into(),
        )
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_document_is_located() {
        assert_eq!(second_document_line("---\na: 1\n---\nb: 2\n"), Some(3));
        assert_eq!(second_document_line("# c\na: 1\n--- \nb: 2\n"), Some(3));
        assert_eq!(second_document_line("---\na: 1\n"), None);
    }
}
