//! Resolving levels: each role gets its complete, ordered responsibilities
//! and requirements, inherited items first.
//!
//! How "All of the above" reads: a list with `builds_on: X` holds X's
//! *resolved* list (so inheritance is transitive along `builds_on`), then its
//! own items. A level without `builds_on` starts afresh, because the seed
//! pages state inheritance explicitly wherever it applies. An own item that
//! restates an inherited item (word for word, a final full stop aside) keeps
//! its own place and the inherited copy is left out, so the document does
//! not say the same thing twice and each level's list reads as written.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

use serde::Serialize;

use crate::diag::Diagnostic;
use crate::load::{Family, Library, slugify};
use crate::schema::{ItemList, Level};

#[derive(Debug, Clone, Serialize)]
pub struct ResolvedRole {
    pub id: String,
    pub title: String,
    pub family: FamilyRef,
    pub level: LevelRef,
    pub grade: Option<u32>,
    pub reports_to: Option<String>,
    pub notes: Vec<String>,
    pub description: Vec<String>,
    pub justification: Vec<String>,
    pub responsibilities: ResolvedList,
    pub requirements: ResolvedList,
    /// The level's career ladder, else the family's.
    pub career_ladder: Vec<String>,
    /// The family file the role comes from.
    #[serde(serialize_with = "lossy_source")]
    pub source: PathBuf,
    /// Version of the data this role was built from (see `Family::data_version`).
    pub data_version: String,
    /// The family's shared content (sections, values, hiring process…).
    #[serde(skip)]
    pub family_data: Arc<Family>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FamilyRef {
    pub id: String,
    pub title: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct LevelRef {
    /// Kebab-case level name (`senior-manager`).
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Default, PartialEq, Eq)]
pub struct ResolvedList {
    /// Heading to show instead of the default one.
    pub heading: Option<String>,
    /// The level's own lead-in ("All of the above requirements and:").
    pub intro: Option<String>,
    pub items: Vec<ResolvedItem>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ResolvedItem {
    /// Inline Markdown, as written.
    pub text: String,
    /// Sub-heading the item sits under, if any.
    pub group: Option<String>,
    /// Role id of the level that states the item.
    pub from: String,
    /// That level's title.
    pub from_title: String,
    /// True when `from` is not this role.
    pub inherited: bool,
}

/// Every role of every valid family, in file then level order.
pub fn resolve_all(lib: &Library) -> Result<Vec<ResolvedRole>, Vec<Diagnostic>> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for fam in &lib.families {
        // One memo per family: each level's lists are resolved once, not
        // again for every level above it (a long `builds_on` chain was
        // cubic).
        let mut memo = Memo::default();
        for level in &fam.data.levels {
            match resolve_level_with(fam, level, &mut memo) {
                Ok(r) => out.push(r),
                Err(e) => errors.push(e),
            }
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// The roles a command named, in the order named (an id named twice is
/// one role), and what it could not have.
#[derive(Debug)]
pub struct Selection {
    pub roles: Vec<ResolvedRole>,
    /// The errors of the files that hold named roles but failed to load
    /// (each file's once, though two of its roles were named).
    pub broken: Vec<Diagnostic>,
    /// How many distinct ids were named, the roles of broken files too.
    pub asked: usize,
}

/// The roles `ids` name ([`resolve_one`] each). A mistyped id stops the
/// selection, so nothing is made for a command that named it: a usage
/// error, or invalid input when a named role's file is broken too. Roles
/// of broken files are left out and their errors kept in
/// [`Selection::broken`], so that the other roles can still be made; when
/// no role is left, those errors are the error.
pub fn select(lib: &Library, ids: &[String]) -> Result<Selection, crate::Error> {
    use crate::Error;
    let mut roles = Vec::new();
    let mut broken = Vec::new();
    let mut unknown = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut asked = 0;
    for id in ids.iter().filter(|id| seen.insert(id.as_str())) {
        asked += 1;
        match resolve_one(lib, id) {
            Ok(r) => roles.push(r),
            Err(Error::UnknownRole(d)) => unknown.extend(d),
            Err(Error::Invalid(d)) => broken.extend(d),
            Err(e) => return Err(e),
        }
    }
    let mut shown = std::collections::HashSet::new();
    broken.retain(|d| shown.insert(d.to_string()));
    match (broken.is_empty(), unknown.is_empty()) {
        (_, true) => {}
        (true, false) => return Err(Error::UnknownRole(unknown)),
        (false, false) => {
            broken.extend(unknown);
            return Err(Error::Invalid(broken));
        }
    }
    if roles.is_empty() {
        return Err(Error::Invalid(broken));
    }
    Ok(Selection {
        roles,
        broken,
        asked,
    })
}

/// One role by id. An id no file declares is a bad argument
/// ([`Error::Usage`](crate::Error) exit code, with the closest ids); a role
/// whose file has errors is invalid input, and the error carries that
/// file's diagnostics, so the fix is on screen without a `jdgen check`.
pub fn resolve_one(lib: &Library, id: &str) -> Result<ResolvedRole, crate::Error> {
    for fam in &lib.families {
        if let Some(level) = fam.data.levels.iter().find(|l| l.id == id) {
            return resolve_level(fam, level).map_err(crate::Error::from);
        }
    }
    // Every failed file that holds it: an id written in two files fails
    // both, and each says where the other is.
    let holding: Vec<&crate::load::FailedFile> = lib
        .failed
        .iter()
        .filter(|f| f.role_ids.iter().any(|r| r == id))
        .collect();
    if !holding.is_empty() {
        let mut errors: Vec<Diagnostic> = holding
            .iter()
            .flat_map(|f| f.errors.iter().cloned())
            .collect();
        let files: Vec<String> = holding
            .iter()
            .map(|f| f.file.display().to_string())
            .collect();
        errors.push(Diagnostic::error(format!(
            "role `{id}` is in {}, which {} the errors above",
            files.join(" and "),
            if files.len() == 1 { "has" } else { "have" }
        )));
        return Err(crate::Error::Invalid(errors));
    }
    // A file that could not be read at all (no permission, an I/O error)
    // may be the one that holds it: say so, with that file's error, rather
    // than call the id a typo and suggest another role.
    let unreadable: Vec<&crate::load::FailedFile> = lib
        .failed
        .iter()
        .filter(|f| f.source.is_none() && f.role_ids.is_empty())
        .collect();
    if !unreadable.is_empty() {
        let mut errors: Vec<Diagnostic> = unreadable
            .iter()
            .flat_map(|f| f.errors.iter().cloned())
            .collect();
        errors.push(Diagnostic::error(format!(
            "role `{}` is in no role file jdgen could read; it may be in {}, which could not be read (above)",
            crate::diag::clip(id),
            unreadable
                .iter()
                .map(|f| f.file.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )));
        return Err(crate::Error::Invalid(errors));
    }
    Err(crate::Error::UnknownRole(vec![unknown_role(lib, id)]))
}

/// "unknown role id" with the closest known ids.
pub fn unknown_role(lib: &Library, id: &str) -> Diagnostic {
    // Roles of broken files too: the id may be a typo of one of them.
    let ids = lib.role_ids().into_iter().chain(
        lib.failed
            .iter()
            .flat_map(|f| f.role_ids.iter().map(String::as_str)),
    );
    // `--role " a"`: the id without its spaces first.
    let close = match ids.clone().find(|known| *known == id.trim()) {
        Some(known) if known != id => vec![known],
        _ => crate::diag::closest_n(id, ids, 3),
    };
    let help = if close.is_empty() {
        "run `jdgen list` to see every role id".to_string()
    } else {
        format!(
            "did you mean {}?",
            close
                .iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(" or ")
        )
    };
    let what = if id.trim().is_empty() {
        "the role id asked for is blank".to_string()
    } else {
        format!("unknown role id `{}`", crate::diag::clip(id))
    };
    Diagnostic::error(what).help(help)
}

/// Resolved lists by level id, per kind, within one family.
#[derive(Default)]
pub struct Memo {
    responsibilities: HashMap<String, ResolvedList>,
    requirements: HashMap<String, ResolvedList>,
}

pub fn resolve_level(fam: &Arc<Family>, level: &Level) -> Result<ResolvedRole, Diagnostic> {
    resolve_level_with(fam, level, &mut Memo::default())
}

/// [`resolve_level`] reusing (and filling) `memo`, which must be this
/// family's.
pub fn resolve_level_with(
    fam: &Arc<Family>,
    level: &Level,
    memo: &mut Memo,
) -> Result<ResolvedRole, Diagnostic> {
    let f = &fam.data;
    let grade = match &level.grade {
        None | Some(serde_yaml::Value::Null) => None,
        Some(v) => Some(
            v.as_u64()
                .and_then(|g| u32::try_from(g).ok())
                .ok_or_else(|| invalid(fam, level, "grade"))?,
        ),
    };
    let responsibilities = resolve_list(
        fam,
        level,
        |l| l.responsibilities.as_ref(),
        0,
        &mut memo.responsibilities,
    )?;
    let requirements = resolve_list(
        fam,
        level,
        |l| l.requirements.as_ref(),
        0,
        &mut memo.requirements,
    )?;
    Ok(ResolvedRole {
        id: level.id.clone(),
        title: level.title.trim().to_string(),
        family: FamilyRef {
            id: f.family.clone(),
            title: f.title.trim().to_string(),
        },
        level: LevelRef {
            id: slugify(&level.level),
            name: level.level.trim().to_string(),
        },
        grade,
        reports_to: level.reports_to.clone(),
        notes: level.notes.clone(),
        description: level.description.clone(),
        justification: level.justification.clone(),
        responsibilities,
        requirements,
        career_ladder: if level.career_ladder.is_empty() {
            f.career_ladder.clone()
        } else {
            level.career_ladder.clone()
        },
        source: fam.file.clone(),
        data_version: fam.data_version.clone(),
        family_data: fam.clone(),
    })
}

fn invalid(fam: &Family, level: &Level, field: &str) -> Diagnostic {
    Diagnostic::error(format!("role `{}` has an invalid {field}", level.id))
        .in_file(&fam.file)
        .help("run `jdgen check`")
}

fn resolve_list(
    fam: &Family,
    level: &Level,
    list_of: impl Fn(&Level) -> Option<&ItemList> + Copy,
    depth: usize,
    memo: &mut HashMap<String, ResolvedList>,
) -> Result<ResolvedList, Diagnostic> {
    if let Some(done) = memo.get(&level.id) {
        return Ok(done.clone());
    }
    // `load` rejects loops; this bound keeps a bug from becoming a hang.
    if depth > fam.data.levels.len() {
        return Err(
            Diagnostic::error(format!("inheritance of `{}` loops", level.id)).in_file(&fam.file),
        );
    }
    let Some(list) = list_of(level) else {
        return Ok(ResolvedList::default());
    };
    // The level's own items, as written: an own item that restates an
    // inherited one keeps its own place (the seed pages restate lines at the
    // level that lists them), and the inherited copy is left out, so the
    // document does not say it twice.
    let own: Vec<ResolvedItem> = list
        .items
        .iter()
        .map(|t| (None, t))
        .chain(
            list.groups
                .iter()
                .flat_map(|g| g.items.iter().map(move |t| (Some(g.heading.clone()), t))),
        )
        .map(|(group, text)| ResolvedItem {
            text: text.clone(),
            group,
            from: level.id.clone(),
            from_title: level.title.trim().to_string(),
            inherited: false,
        })
        .collect();
    let mut items = Vec::new();
    if let Some(base_id) = &list.builds_on {
        let base = fam
            .data
            .levels
            .iter()
            .find(|l| &l.id == base_id)
            .ok_or_else(|| {
                Diagnostic::error(format!(
                    "`{}` builds on unknown level `{base_id}`",
                    level.id
                ))
                .in_file(&fam.file)
            })?;
        let inherited = resolve_list(fam, base, list_of, depth + 1, memo)?;
        // A set: comparing every pair was quadratic.
        let restated: HashSet<&str> = own.iter().map(|it| same_item_key(&it.text)).collect();
        // (`check` warns when this leaves nothing inherited.)
        items.extend(
            inherited
                .items
                .into_iter()
                .filter(|it| !restated.contains(same_item_key(&it.text)))
                .map(|mut it| {
                    it.inherited = true;
                    it
                }),
        );
    }
    // An item the level lists twice prints once (`check` warns), where it
    // is first written.
    let mut seen = HashSet::new();
    items.extend(
        own.into_iter()
            .filter(|it| seen.insert(same_item_key(&it.text).to_string())),
    );
    let resolved = ResolvedList {
        heading: list.heading.clone(),
        intro: list.intro.clone(),
        items,
    };
    memo.insert(level.id.clone(), resolved.clone());
    Ok(resolved)
}

/// A family-wide list's items as `resolved`'s document prints them, in
/// order (ungrouped, then groups), with their group headings: without those
/// the role's resolved list restates. Those print once, in the level's
/// list, as a restated inherited item does (the manager of the social
/// family restates a family-wide "BONUS:" requirement, and its document
/// and rows listed it twice). An item the family-wide list holds twice
/// prints once, where it is first written, as in a level's list (`check`
/// warns).
pub fn shared_items<'a>(
    shared: Option<&'a ItemList>,
    resolved: &ResolvedList,
) -> Vec<(Option<&'a String>, &'a String)> {
    let Some(list) = shared else {
        return Vec::new();
    };
    let restated: HashSet<&str> = resolved
        .items
        .iter()
        .map(|it| same_item_key(&it.text))
        .collect();
    list.items
        .iter()
        .map(|t| (None, t))
        .chain(
            list.groups
                .iter()
                .flat_map(|g| g.items.iter().map(move |t| (Some(&g.heading), t))),
        )
        .filter(|(_, t)| !restated.contains(same_item_key(t)))
        .scan(HashSet::new(), |seen, it| {
            Some(seen.insert(same_item_key(it.1)).then_some(it))
        })
        .flatten()
        .collect()
}

/// What makes two items the same item: their words, without the spaces
/// around them or one final full stop (the seeds restate "…deliverables."
/// as "…deliverables" a level up). A text that is only a full stop keeps
/// it: an empty key is what `check` takes for a blank item, so two "."
/// items were merged with no warning.
pub fn same_item_key(text: &str) -> &str {
    let t = text.trim();
    match t.strip_suffix('.').map(str::trim_end) {
        Some(rest) if !rest.is_empty() => rest,
        _ => t,
    }
}

fn lossy_source<S: serde::Serializer>(path: &std::path::Path, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&path.to_string_lossy())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::FamilyFile;

    #[test]
    fn the_same_item_key_is_empty_only_for_a_blank_text() {
        for (text, key) in [
            ("Ship it.", "Ship it"),
            ("  Ship it . ", "Ship it"),
            ("Ship it", "Ship it"),
            (".", "."),
            (" . ", "."),
            ("\u{2028}.", "."),
            ("..", "."),
            ("   ", ""),
        ] {
            assert_eq!(same_item_key(text), key, "{text:?}");
        }
    }

    fn family(yaml: &str) -> Arc<Family> {
        let data: FamilyFile = serde_yaml::from_str(yaml).unwrap();
        Arc::new(Family {
            file: PathBuf::from("f.yaml"),
            source: Arc::from(yaml),
            data,
            data_version: "v1".into(),
        })
    }

    #[test]
    fn inheritance_is_transitive_and_marks_sources() {
        let f = family(
            "family: f\ntitle: F\nlevels:\n\
             - {id: a, level: A, title: A, requirements: {items: [one, two]}}\n\
             - {id: b, level: B, title: B, requirements: {builds_on: a, items: [three], groups: [{heading: G, items: [four]}]}}\n\
             - {id: c, level: C, title: C, requirements: {builds_on: b, items: [two, five, \" three. \"]}}\n",
        );
        let c = resolve_level(&f, &f.data.levels[2]).unwrap();
        let got: Vec<(&str, &str, bool, Option<&str>)> = c
            .requirements
            .items
            .iter()
            .map(|i| {
                (
                    i.text.as_str(),
                    i.from.as_str(),
                    i.inherited,
                    i.group.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("one", "a", true, None),
                ("four", "b", true, Some("G")),
                // "two" and "three" restate inherited items (a full stop
                // and spaces aside): listed once, where this level has them.
                ("two", "c", false, None),
                ("five", "c", false, None),
                (" three. ", "c", false, None),
            ]
        );
        assert!(c.responsibilities.items.is_empty());
        assert_eq!(
            c.level,
            LevelRef {
                id: "c".into(),
                name: "C".into()
            }
        );
    }

    #[test]
    fn a_loop_that_slipped_past_validation_is_an_error_not_a_hang() {
        let f = family(
            "family: f\ntitle: F\nlevels:\n\
             - {id: a, level: A, title: A, requirements: {builds_on: b, items: [x]}}\n\
             - {id: b, level: B, title: B, requirements: {builds_on: a, items: [y]}}\n",
        );
        let err = resolve_level(&f, &f.data.levels[0]).unwrap_err();
        assert!(err.message.contains("loops"), "{}", err.message);
    }
}
