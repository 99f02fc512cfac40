//! Unknown keys: placed at their exact path, with the key meant
//! (`titel` → `title`) or the place the key belongs.

use serde::Deserialize;

use super::checker::{Checker, mapping_name};
use crate::diag::{Diagnostic, clip, closest};
use crate::schema::{self, FamilyFile, ItemList};

impl<'a> Checker<'a> {
    /// Reports the unknown key at `segments` (its path), with the help its
    /// spelling or place shows; a known key spelt with an odd space goes
    /// into `respelled` with its mapping's position.
    pub(super) fn unknown_key(
        &mut self,
        segments: &[String],
        known_at: fn(&[String]) -> &'static [&'static str],
        respelled: &mut Vec<(crate::source_map::Pos, String)>,
    ) {
        let path = segments.join(".");
        let key = segments.last().cloned().unwrap_or_default();
        let parent = &segments[..segments.len().saturating_sub(1)];
        let known = known_at(parent);
        if let Some(odd) = key.chars().find(|&c| crate::yaml_help::is_odd_space(c)) {
            // `title\u{200b}` or `title\u{a0}` (pasted): on a terminal
            // "unknown key `title`, did you mean `title`?".
            let clean: String = key
                .chars()
                .filter(|&c| !crate::yaml_help::is_odd_space(c))
                .collect();
            let clean = clean.trim();
            let written = || {
                let mut at = parent.to_vec();
                at.push(clean.to_string());
                self.map.key_of(&at)
            };
            // A key written in quotes (`"\u200btitle": x`) is where it
            // looks to be: only the character is wrong.
            let quoted = self
                .map
                .key_of(segments)
                .is_some_and(|pos| self.source[self.offset(pos)..].starts_with(['"', '\'']));
            // Deleting the character would make a duplicate key.
            let twice = || {
                written()
                    .map(|pos| {
                        format!(
                            " (`{clean}` is also written at line {}: keep one of the two)",
                            pos.line
                        )
                    })
                    .unwrap_or_default()
            };
            let help = if !quoted
                && key
                    .starts_with(|c: char| crate::yaml_help::is_odd_space(c) && !c.is_whitespace())
            {
                // `\u{200b}title: X`: it takes no room, so a space in its
                // place would indent the key one more.
                format!(
                    "delete it: YAML reads {} as text, so it read `{clean}` as a key of {}; \
                     it takes no room, and the key is then where it looks to be{}",
                    crate::yaml_help::odd_space_name(odd),
                    mapping_name(parent),
                    twice()
                )
            } else if !quoted && key.starts_with(crate::yaml_help::is_odd_space) {
                // `\u{a0}\u{a0} title: X`: the line's indentation.
                format!(
                    "retype the indentation of this line as ordinary spaces: YAML reads {} \
                         as text, not as indentation, so it read `{clean}` as a key of {}{}",
                    crate::yaml_help::odd_space_name(odd),
                    mapping_name(parent),
                    twice()
                )
            } else if known.contains(&clean) {
                match written() {
                    // Deleting the character would make a duplicate key.
                    Some(pos) => format!(
                        "`{clean}` is also written at line {}: delete one of the two keys",
                        pos.line
                    ),
                    None => format!("delete it: the key is then `{clean}`"),
                }
            } else if let Some(k) = closest(clean, known.iter().copied()) {
                format!("delete it; did you mean `{k}`?")
            } else {
                format!("delete it; expected one of: {}", known.join(", "))
            };
            if known.contains(&clean) {
                let at = self
                    .map
                    .value_of(parent)
                    .unwrap_or_else(|| self.map.value(&parent.join(".")));
                respelled.push((at, clean.to_string()));
            }
            self.unknown_key_error(
                segments,
                format!(
                    "unknown key `{}`: it holds {}",
                    clip(&crate::yaml_help::show_odd_spaces(&key)),
                    crate::yaml_help::odd_space_name(odd)
                ),
                Some(help),
            );
            self.ignored.insert(path);
            return;
        }
        // `requirements.items: x`: a path written as one key, where the
        // first part holds a mapping that has the second as a key.
        // Else (`title.en`, `levels.0.title`) no nesting helps.
        let dotted = key
            .split_once('.')
            .filter(|(head, _)| known.contains(head))
            .map(|(head, rest)| {
                let mut inner = parent.to_vec();
                inner.push(head.to_string());
                let next = rest.split('.').next().unwrap_or_default();
                if known_at(&inner).contains(&next) {
                    format!(
                        "YAML reads a key with dots as one key, not as a path: write what it \
                         holds inside `{head}:`, indented below it"
                    )
                } else {
                    format!(
                        "YAML reads a key with dots as one key, not as a path, and `{head}` has \
                         no key `{next}`: delete this key, or write what it holds where it \
                         belongs"
                    )
                }
            });
        let help = dotted
            .or_else(|| {
                closest(&key, known.iter().copied()).map(|k| {
                // Renaming it to a key the mapping already has would make
                // a duplicate.
                let mut at = parent.to_vec();
                at.push(k.to_string());
                match self.map.key_of(&at) {
                    Some(pos) => format!(
                        "`{k}` is already written at line {}: delete this key, or merge the two",
                        pos.line
                    ),
                    None => format!("did you mean `{k}`?"),
                }
            })
            })
            .or_else(|| misplaced_key_help(&key, parent))
            .or_else(|| Some(format!("expected one of: {}", known.join(", "))));
        let message = if key.is_empty() {
            "unknown key `\"\"`: the key is empty".to_string()
        } else {
            format!("unknown key `{}`", clip(&key))
        };
        self.unknown_key_error(segments, message, help);
        self.ignored.insert(path);
    }

    /// An unknown key's error, at the key found by its segments: a key
    /// may hold dots (`"levels.0.title": x` at the top level is no key of
    /// a level) or be empty, where a dotted path would name another key.
    fn unknown_key_error(&mut self, segments: &[String], message: String, help: Option<String>) {
        let path = segments.join(".");
        let mut d = self.diag(Diagnostic::error(message).maybe_help(help), &path, true);
        if let Some(pos) = self.map.key_of(segments) {
            d = d.at(pos.line, pos.column);
        }
        d.level = match segments {
            [levels, n, _, ..] if levels == "levels" => n.parse().ok(),
            _ => None,
        };
        self.errors.push(d);
    }

    /// After a type error, which ends the typed parse, the unknown keys
    /// written after it, found in the file read as plain YAML (`check`
    /// reports every problem of a file at once): at each mapping where a
    /// struct of the schema stands (`known_at` names its keys), every key
    /// that is not one of them and not reported yet. Nothing below an
    /// unknown key is looked at, as serde_ignored does.
    pub(super) fn unknown_keys_after_error(
        &mut self,
        known_at: fn(&[String]) -> &'static [&'static str],
    ) {
        fn walk(
            v: &serde_yaml::Value,
            path: &mut Vec<String>,
            known_at: fn(&[String]) -> &'static [&'static str],
            out: &mut Vec<Vec<String>>,
        ) {
            match v {
                serde_yaml::Value::Mapping(m) => {
                    // Where the schema has no struct (a text written as a
                    // mapping, an error of its own), nothing is looked at.
                    let known = known_at(path);
                    if known.is_empty() {
                        return;
                    }
                    for (k, child) in m {
                        let Some(k) = k.as_str() else { continue };
                        path.push(k.to_string());
                        if known.contains(&k) {
                            walk(child, path, known_at, out);
                        } else {
                            out.push(path.clone());
                        }
                        path.pop();
                    }
                }
                serde_yaml::Value::Sequence(items) => {
                    for (i, child) in items.iter().enumerate() {
                        path.push(i.to_string());
                        walk(child, path, known_at, out);
                        path.pop();
                    }
                }
                serde_yaml::Value::Tagged(t) => walk(&t.value, path, known_at, out),
                _ => {}
            }
        }
        let Ok(value) = serde_yaml::from_str::<serde_yaml::Value>(&self.source) else {
            return;
        };
        let mut found = Vec::new();
        walk(&value, &mut Vec::new(), known_at, &mut found);
        let mut respelled = Vec::new();
        // Not where an error is already (the one that ended the parse: a
        // key indented with no-break spaces is that error). A set, not a
        // scan of every error per key: 100,000 unknown keys took minutes.
        let place = |d: &Diagnostic| (d.line, d.column);
        let mut taken: std::collections::HashSet<_> = self.errors.iter().map(place).collect();
        for segments in found {
            if self.ignored.contains(&segments.join(".")) {
                continue;
            }
            let before = self.errors.len();
            self.unknown_key(&segments, known_at, &mut respelled);
            if self.errors[before..]
                .iter()
                .any(|new| taken.contains(&place(new)))
            {
                self.errors.truncate(before);
            } else {
                taken.extend(self.errors[before..].iter().map(place));
            }
        }
    }
}

/// The help for a key that is right, but in the wrong place: a list's
/// keys written straight under a level (`builds_on:` beside `title:`).
fn misplaced_key_help(key: &str, parent: &[String]) -> Option<String> {
    let level = parent.len() == 2 && parent[0] == "levels";
    if level && matches!(key, "builds_on" | "items" | "groups" | "intro" | "heading") {
        return Some(format!(
            "`{key}` belongs inside `responsibilities:` or `requirements:`: indent it under one of them"
        ));
    }
    None
}

/// The named segments of a serde_ignored path, without Option markers.
pub(super) fn path_segments(path: &serde_ignored::Path) -> Vec<String> {
    use serde_ignored::Path as P;
    let mut out = match path {
        P::Root => return Vec::new(),
        P::Seq { parent, .. }
        | P::Map { parent, .. }
        | P::Some { parent }
        | P::NewtypeStruct { parent }
        | P::NewtypeVariant { parent } => path_segments(parent),
    };
    match path {
        P::Seq { index, .. } => out.push(index.to_string()),
        P::Map { key, .. } => out.push(key.clone()),
        _ => {}
    }
    out
}

/// The keys allowed in the mapping at `parent` (a path within a family or
/// company file), from the serde structs themselves.
pub(super) fn known_keys(parent: &[String]) -> &'static [&'static str] {
    let named: Vec<&str> = parent
        .iter()
        .map(String::as_str)
        .filter(|s| s.parse::<usize>().is_err())
        .collect();
    match named.as_slice() {
        [] => fields::<FamilyFile>(),
        [.., "levels"] => fields::<schema::Level>(),
        [.., "sections"] => fields::<schema::Section>(),
        [.., "responsibilities"] | [.., "requirements"] => fields::<ItemList>(),
        [.., "groups"] => fields::<schema::ItemGroup>(),
        ["values"] => fields::<schema::Values>(),
        ["values", "items"] => fields::<schema::Value>(),
        ["hiring_process"] => fields::<schema::HiringProcess>(),
        [.., "steps"] => fields::<schema::NestedStep>(),
        _ => &[],
    }
}

/// The field names of a serde struct, found by asking its Deserialize impl.
pub(super) fn fields<T: for<'de> Deserialize<'de>>() -> &'static [&'static str] {
    struct Probe(Option<&'static [&'static str]>);
    impl<'de> serde::Deserializer<'de> for &mut Probe {
        type Error = serde::de::value::Error;
        fn deserialize_any<V: serde::de::Visitor<'de>>(
            self,
            _: V,
        ) -> Result<V::Value, Self::Error> {
            Err(serde::de::Error::custom("probe"))
        }
        fn deserialize_struct<V: serde::de::Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Self::Error> {
            self.0 = Some(fields);
            Err(serde::de::Error::custom("probe"))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
            bytes byte_buf option unit unit_struct newtype_struct seq tuple
            tuple_struct map enum identifier ignored_any
        }
    }
    let mut probe = Probe(None);
    let _ = T::deserialize(&mut probe);
    probe.0.unwrap_or(&[])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::CompanyFile;

    #[test]
    fn the_help_knows_every_key_of_the_files() {
        // yaml_help tells keys from text (`- Note: x`) and finds a pasted
        // space after a key by this list.
        let all = [
            fields::<FamilyFile>(),
            fields::<CompanyFile>(),
            fields::<schema::Level>(),
            fields::<schema::Section>(),
            fields::<ItemList>(),
            fields::<schema::ItemGroup>(),
            fields::<schema::Values>(),
            fields::<schema::Value>(),
            fields::<schema::HiringProcess>(),
            fields::<schema::NestedStep>(),
        ];
        assert!(all.iter().all(|f| !f.is_empty()));
        for key in all.iter().flat_map(|f| f.iter()) {
            assert!(crate::yaml_help::SCHEMA_KEYS.contains(key), "{key}");
        }
    }

    #[test]
    fn field_probe_lists_struct_keys() {
        let f = fields::<ItemList>();
        assert!(f.contains(&"builds_on") && f.contains(&"items"));
    }
}
