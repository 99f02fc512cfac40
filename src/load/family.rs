//! One family file: parsed, then checked field by field (titles, grades,
//! lists, sections, values, restated inherited lines). A file with errors
//! keeps the role ids it could read, for the batch summary.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use super::checker::{Checker, blank_or, named};
use super::ids::{
    is_valid_id, is_windows_device_name, non_empty_slug, role_id_suggestion, slugify,
};
use super::inheritance::{
    MAX_GROUPS_PER_LIST, MAX_ITEMS_PER_FAMILY, MAX_ITEMS_PER_LIST, MAX_LEVELS_PER_FAMILY,
    check_inheritance,
};
use super::scalars::check_scalars;
use super::sizes::{check_document_sizes, check_emoji};
use super::text::{MAX_LEVEL_CHARS, MAX_TITLE_CHARS, check_name_length, check_one_line, is_blank};
use super::unknown_keys::known_keys;
use crate::diag::{Diagnostic, clip, closest, quoted};
use crate::schema::{self, FamilyFile, ItemList};

/// A family that failed: the role and family ids it declares (as far as
/// they could be read) and its errors.
pub(super) struct FamilyFailure {
    pub(super) ids: Vec<String>,
    /// See [`FailedFile::level_ids_at`].
    pub(super) ids_at: Vec<String>,
    pub(super) family_id: Option<String>,
    pub(super) errors: Vec<Diagnostic>,
    /// `builds_on` targets that are no level of this family, by the index
    /// of their error: one may be a level of another file, which only the
    /// whole folder knows (see [`explain_foreign_targets`]).
    pub(super) unknown_targets: Vec<(usize, String)>,
    /// Warnings found before or beside the errors: shown with them, so that
    /// fixing the errors does not bring up new findings.
    pub(super) warnings: Vec<Diagnostic>,
}

/// Parses and checks one family file. On failure returns the role ids it
/// could read (so a batch run can report them as failed) and the errors.
pub(super) fn load_family(
    path: &Path,
    source: Arc<str>,
) -> Result<(FamilyFile, Vec<Diagnostic>), Box<FamilyFailure>> {
    // A stand-in for a bug in the checks, for the test of what a panic
    // here does (`load_family_guarded`).
    #[cfg(test)]
    assert!(!source.contains("# jdgen-test: panic"), "a test panic");
    let mut c = Checker::new(path, source);
    // Whether the position pass stopped at the value cap: then it read
    // only the level ids before it.
    let stopped = c
        .map
        .hazards
        .iter()
        .any(|h| h.kind == crate::source_map::HazardKind::TooManyValues);
    if c.raw_line_breaks() || !c.yaml_hazards(false) {
        // After an early stop the `id:` lines as written name the roles
        // past it, so `show` of one gives this file's errors, not "unknown
        // role id". Only then: read whole, the levels' ids are exact (a
        // `id: x` line inside a text is no role's).
        let mut ids = std::mem::take(&mut c.map.level_ids);
        if stopped {
            let mut seen: HashSet<String> = ids.iter().cloned().collect();
            ids.extend(ids_as_written(&c.source).filter(|id| seen.insert(id.clone())));
        }
        return Err(Box::new(FamilyFailure {
            ids_at: c.map.level_id_at.clone(),
            ids,
            family_id: c.map.family_id.take(),
            errors: c.errors,
            warnings: c.warnings,
            unknown_targets: Vec::new(),
        }));
    }
    if c.empty_file(
        "write a job family (`family`, `title`, `levels`: see docs/role-format.md), or delete the file",
    ) {
        return Err(Box::new(FamilyFailure {
            ids: Vec::new(),
            ids_at: Vec::new(),
            family_id: None,
            errors: c.errors,
            warnings: c.warnings,
            unknown_targets: Vec::new(),
        }));
    }
    let parsed: Option<FamilyFile> = c.parse(known_keys);
    if parsed.is_none() {
        c.unknown_keys_after_error(known_keys);
    }
    let Some(family) = parsed else {
        return Err(Box::new(FamilyFailure {
            ids: salvage_role_ids(&c.source, &c.map.level_ids),
            ids_at: c.map.level_id_at.clone(),
            family_id: c.map.family_id.take(),
            errors: c.errors,
            warnings: c.warnings,
            unknown_targets: Vec::new(),
        }));
    };
    check_family(&mut c, &family);
    check_scalars(&mut c, true);
    if c.errors.is_empty() {
        Ok((family, c.warnings))
    } else {
        // Read whole: its ids are its levels', in place.
        let ids: Vec<String> = family.levels.iter().map(|l| l.id.clone()).collect();
        Err(Box::new(FamilyFailure {
            ids_at: ids.clone(),
            ids,
            family_id: Some(family.family.clone()),
            errors: c.errors,
            warnings: c.warnings,
            unknown_targets: c.unknown_targets,
        }))
    }
}

/// Errors reported for one file, at most: a 16 MiB file of 1.5 million
/// unknown keys printed 421 MB of messages. The first ones by position
/// are kept; the last says how many more there are.
pub const MAX_ERRORS_PER_FILE: usize = 500;

pub(super) fn cap_errors(errors: &mut Vec<Diagnostic>, file: &Path) {
    cap_diagnostics(errors, file, MAX_ERRORS_PER_FILE, Diagnostic::error)
}

/// Keeps the first `max` of `diags` by position and adds one of `kind`
/// saying how many more there are, from where (the note's
/// [`Diagnostic::hidden`]).
fn cap_diagnostics(
    diags: &mut Vec<Diagnostic>,
    file: &Path,
    max: usize,
    kind: fn(String) -> Diagnostic,
) {
    if diags.len() <= max {
        return;
    }
    let more = diags.len() - max;
    diags.sort_by_key(|d| (d.line.unwrap_or(0), d.column.unwrap_or(0)));
    let (what, next) = if diags[0].is_error() {
        (
            crate::diag::counted(more, "more error", "more errors"),
            "fix those above first",
        )
    } else {
        (
            crate::diag::counted(more, "more warning", "more warnings"),
            "deal with those above first",
        )
    };
    // At the first one not shown, so it sorts after those shown.
    let first_hidden = &diags[max];
    let mut note = kind(format!(
        "{what} in this file from here on, not shown (at most {max} a file)"
    ))
    .in_file(file)
    .help(format!("{next}; `jdgen check` then shows the next ones"));
    note.hidden = u32::try_from(more).unwrap_or(u32::MAX);
    // The level of the first it stands for: a build charges it to that
    // role, not to every role of the file.
    note.level = first_hidden.level;
    if let (Some(line), Some(column)) = (first_hidden.line, first_hidden.column) {
        note = note.at(line as usize, column as usize);
        if let Some(source) = &first_hidden.source {
            note = note.with_source(source.clone());
        }
    }
    diags.truncate(max);
    diags.push(note);
}

/// Warnings shown for one file, at most: a list of 10,000 repeated items
/// printed 10,000 warnings with their lines. The first ones by position
/// are kept; the last says how many more there are.
pub const MAX_WARNINGS_PER_FILE: usize = 100;

pub(super) fn cap_warnings(warnings: &mut Vec<Diagnostic>, file: &Path) {
    cap_diagnostics(warnings, file, MAX_WARNINGS_PER_FILE, Diagnostic::warning)
}

/// Role ids from a file that did not parse as a family, read leniently, so
/// failures can name the roles they affect.
fn salvage_role_ids(source: &str, from_map: &[String]) -> Vec<String> {
    let mut ids: Vec<String> = from_map.to_vec();
    if let Ok(value) = serde_yaml::from_str::<serde_yaml::Value>(source)
        && let Some(levels) = value.get("levels").and_then(|l| l.as_sequence())
    {
        ids.extend(
            levels
                .iter()
                .filter_map(|l| l.get("id")?.as_str().map(str::to_string)),
        );
    }
    // Past a syntax error the parsers read nothing: `id:` lines as written
    // still name the roles, so that `pdf --role` shows this file's errors
    // rather than calling the role unknown.
    ids.extend(ids_as_written(source));
    let mut seen = HashSet::new();
    ids.retain(|id| seen.insert(id.clone()));
    ids
}

/// The values of lines `id: x` or `- id: x` (quoted or not) that are valid
/// role ids: a reading of a file no parser could read.
pub(super) fn ids_as_written(source: &str) -> impl Iterator<Item = String> + '_ {
    source.lines().filter_map(|line| {
        let t = line.trim_start().trim_start_matches("- ").trim_start();
        let v = t.strip_prefix("id:")?;
        let v = v.split(" #").next().unwrap_or("").trim();
        let v = v.trim_matches(|c| c == '"' || c == '\'');
        is_valid_id(v).then(|| v.to_string())
    })
}

fn check_family(c: &mut Checker, f: &FamilyFile) {
    if !is_valid_id(&f.family) {
        c.error(
            "family",
            format!(
                "{}: expected lowercase words joined by `-`",
                blank_or(&f.family, "the family id is blank", "invalid family id")
            ),
            Some(format!(
                "write `family: {}`",
                non_empty_slug(&f.family, "my-family")
            )),
        );
    }
    check_name_length(c, "title", "family title", &f.title, MAX_TITLE_CHARS);
    if is_blank(&f.title) {
        c.error(
            "title",
            "the family title is empty",
            Some("write the job family's title, e.g. `title: Social Marketing Manager`".into()),
        );
    }
    if f.levels.is_empty() {
        c.error(
            "levels",
            "a family needs at least one level",
            Some(
                "list the levels under `levels:`, each starting with `- id:` (with `level:` and \
                 `title:`), junior first; see docs/role-format.md"
                    .into(),
            ),
        );
    }
    if f.levels.len() > MAX_LEVELS_PER_FAMILY {
        // Every role's document carries the family's career ladder, and a
        // chain of thousands of `builds_on` (empty lists pass the item
        // limits) overflowed the stack: refused before anything walks them.
        c.error(
            "levels",
            format!(
                "family `{}` has {} levels; at most {MAX_LEVELS_PER_FAMILY}",
                f.family,
                f.levels.len()
            ),
            Some("split it into several families (a career ladder has a handful of levels)".into()),
        );
        return;
    }
    check_texts(c, "intro", &f.intro);
    check_sections(c, "sections", &f.sections);
    if let Some(list) = &f.responsibilities {
        check_list(c, "responsibilities", list);
        if list.builds_on.is_some() {
            c.error(
                "responsibilities.builds_on",
                "family-wide lists cannot build on a level",
                Some("move `builds_on` into a level's list".into()),
            );
        }
    }
    if let Some(list) = &f.requirements {
        check_list(c, "requirements", list);
        if list.builds_on.is_some() {
            c.error(
                "requirements.builds_on",
                "family-wide lists cannot build on a level",
                Some("move `builds_on` into a level's list".into()),
            );
        }
    }
    if let Some(h) = &f.hiring_process
        && h.steps.is_empty()
    {
        if h.intro.is_empty() && h.outro.is_empty() {
            // Nor does the template print an empty one.
            c.warn(
                "hiring_process",
                "the hiring process has no steps, intro or outro: it does not print",
                Some("write its steps under `steps:`, or remove `hiring_process`".into()),
            );
        } else {
            // `steps` is required: `steps: []` is most likely unfinished.
            c.warn(
                "hiring_process.steps",
                "the hiring process has no steps: only its intro and outro print",
                Some("write its steps under `steps:`, each on a line starting with `- `".into()),
            );
        }
    }
    if let Some(values) = &f.values {
        // The template prints the values only when there are some.
        if values.items.is_empty() {
            c.warn(
                "values",
                "the values have no items: their heading and intro do not print",
                Some("add `items:` or remove `values`".into()),
            );
        }
        for (i, v) in values.items.iter().enumerate() {
            if is_blank(&v.name) {
                c.error(&format!("values.items.{i}.name"), "empty value name", None);
            } else {
                // A bold line of its own: a tab printed as nothing.
                check_one_line(
                    c,
                    &format!("values.items.{i}.name"),
                    "value's name",
                    &v.name,
                );
            }
            if let Some(emoji) = &v.emoji
                && let Err(why) = check_emoji(emoji)
            {
                c.error(
                    &format!("values.items.{i}.emoji"),
                    why,
                    Some("write one emoji, e.g. `emoji: \"🤝\"`, or remove the line".into()),
                );
            }
        }
    }
    check_texts(c, "performance_indicators", &f.performance_indicators);
    check_texts(c, "career_ladder", &f.career_ladder);
    check_texts(c, "links", &f.links);

    let mut seen: HashMap<&str, usize> = HashMap::new();
    let mut level_ids: HashMap<String, usize> = HashMap::new();
    // The lowest accepted grade of the levels so far, and which level has it.
    let mut lowest_grade: Option<(u64, usize)> = None;
    for (i, level) in f.levels.iter().enumerate() {
        let p = format!("levels.{i}");
        // The exports' `level_id` is made from the level name: two levels
        // whose names make the same id (`Senior`, `senior`) cannot be told
        // apart by it, which is nearly always a copied level left unrenamed.
        let level_id = slugify(&level.level);
        if !level_id.is_empty() {
            if let Some(&first) = level_ids.get(&level_id) {
                let line = c.map.value(&format!("levels.{first}.level")).line;
                c.warn(
                    &format!("{p}.level"),
                    format!(
                        "{} has the same level as {} (line {line}): both have level id `{level_id}` in the exports",
                        named("role", &level.id, i),
                        named("role", &f.levels[first].id, first)
                    ),
                    Some("if they are different levels, name them apart (e.g. `Senior` and `Staff`); `level_rank` still orders them".into()),
                );
            } else {
                level_ids.insert(level_id, i);
            }
        }
        if !is_valid_id(&level.id) {
            c.error(
                &format!("{p}.id"),
                format!(
                    "{}: expected lowercase letters and digits joined by `-` (at most 64)",
                    blank_or(&level.id, "the role id is blank", "invalid role id")
                ),
                Some(format!("write `id: {}`", role_id_suggestion(&level.id))),
            );
        }
        if is_windows_device_name(&level.id) {
            c.error(
                &format!("{p}.id"),
                format!(
                    "role id `{}` is a reserved device name on Windows: `{}.pdf` could not be saved on a Windows share",
                    level.id, level.id
                ),
                Some(format!("write e.g. `id: {}-role`", level.id)),
            );
        }
        // A blank id is an error of its own, not a duplicate one.
        if let Some(first) = seen.insert(&level.id, i)
            && !is_blank(&level.id)
        {
            let line = c.map.value(&format!("levels.{first}.id")).line;
            c.error(
                &format!("{p}.id"),
                format!(
                    "duplicate role id {} (also on line {line})",
                    quoted(&level.id)
                ),
                Some("role ids must be unique; rename one".into()),
            );
        }
        if is_blank(&level.title) {
            c.error(
                &format!("{p}.title"),
                format!("{} has an empty title", named("role", &level.id, i)),
                Some("write the job title, e.g. `title: Senior Social Marketing Manager`".into()),
            );
        }
        check_name_length(
            c,
            &format!("{p}.title"),
            "job title",
            &level.title,
            MAX_TITLE_CHARS,
        );
        if is_blank(&level.level) {
            c.error(
                &format!("{p}.level"),
                format!(
                    "{} has an empty level name",
                    blank_or(&level.id, "a role with a blank id", "role")
                ),
                Some("write e.g. `level: Senior`".into()),
            );
        } else if slugify(&level.level).is_empty() {
            // The level id in the exports is the name's letters and digits
            // (`Senior Manager` → `senior-manager`): `!!!` or an emoji left
            // it empty.
            c.error(
                &format!("{p}.level"),
                format!(
                    "the level name `{}` of {} has no letter or digit: its level id (in the exports) would be empty",
                    clip(level.level.trim()),
                    named("role", &level.id, i)
                ),
                Some("name the level in words, e.g. `level: Senior`".into()),
            );
        }
        check_name_length(
            c,
            &format!("{p}.level"),
            "level name",
            &level.level,
            MAX_LEVEL_CHARS,
        );
        if let Some(g) = &level.grade {
            let valid = check_grade(c, &format!("{p}.grade"), g);
            // Levels are written junior first: `level_rank` in the exports
            // and the career ladder follow the order written, so a level
            // graded below every level written above it reads as more
            // senior than all of them. (Below some only is a second track:
            // a Manager 8 after a Principal 9, listed as GitLab's pages do.)
            if let (Some(g), Some((lowest, low_i))) = (valid, lowest_grade)
                && g < lowest
            {
                c.warn(
                    &format!("{p}.grade"),
                    format!(
                        "{} (grade {g}) is graded below every level written above it (the \
                         lowest, {}, has grade {lowest}): levels are listed junior first, and \
                         the exports' `level_rank` and the career ladder follow the order written",
                        named("role", &level.id, i),
                        named("role", &f.levels[low_i].id, low_i)
                    ),
                    Some("move it above them, or correct the grade".into()),
                );
            }
            if let Some(g) = valid
                && lowest_grade.is_none_or(|(l, _)| g < l)
            {
                lowest_grade = Some((g, i));
            }
        }
        if let Some(r) = &level.reports_to {
            check_one_line(c, &format!("{p}.reports_to"), "`reports_to`", r);
        }
        check_texts(c, &format!("{p}.notes"), &level.notes);
        check_texts(c, &format!("{p}.description"), &level.description);
        check_texts(c, &format!("{p}.justification"), &level.justification);
        check_texts(c, &format!("{p}.career_ladder"), &level.career_ladder);
        if let Some(list) = &level.responsibilities {
            check_list(c, &format!("{p}.responsibilities"), list);
        }
        if let Some(list) = &level.requirements {
            check_list(c, &format!("{p}.requirements"), list);
        }
    }
    // With duplicate ids (reported above) "which level" is ambiguous, and a
    // chain check would only add confusing loops; a `builds_on` naming no
    // level at all is still worth reporting now, not after the ids are fixed.
    // (Without chains, `check_inheritance` returns no counts.)
    // Blank ids (errors of their own) are no level to build on.
    let chains = seen.keys().filter(|id| !is_blank(id)).count()
        == f.levels.iter().filter(|l| !is_blank(&l.id)).count();
    let a = check_inheritance(
        c,
        f,
        "responsibilities",
        |l| l.responsibilities.as_ref(),
        chains,
    );
    let b = check_inheritance(c, f, "requirements", |l| l.requirements.as_ref(), chains);
    if chains {
        let total: usize = a
            .iter()
            .chain(&b)
            .flatten()
            .fold(0, |t, n| t.saturating_add(*n));
        if total > MAX_ITEMS_PER_FAMILY {
            c.error(
                "levels",
                format!(
                    "family `{}` lists {total} responsibilities and requirements over its levels, \
                     inherited ones counted at each level; at most {MAX_ITEMS_PER_FAMILY}",
                    f.family
                ),
                // The chains only when shortening them can help: when the
                // items written are within the limit, and inherited ones
                // take the family past it.
                Some({
                    let written: usize = f
                        .levels
                        .iter()
                        .flat_map(|l| [&l.responsibilities, &l.requirements])
                        .flatten()
                        .map(|x| x.items.len() + x.groups.iter().map(|g| g.items.len()).sum::<usize>())
                        .sum();
                    if written < total && written <= MAX_ITEMS_PER_FAMILY {
                        format!(
                            "shorten the `builds_on` chains ({} of the {total} are inherited items, \
                             counted at each level that inherits them), or split the family into \
                             several files",
                            total - written
                        )
                    } else {
                        format!(
                            "shorten the lists ({written} items are written in the file), or split \
                             the family into several files"
                        )
                    }
                }),
            );
        }
        if a.is_some() && b.is_some() {
            check_document_sizes(c, f);
            // Within the item limits only: it gathers each level's
            // inherited items, which the limits keep to 20,000 in all.
            if total <= MAX_ITEMS_PER_FAMILY {
                check_restatements(c, f, "responsibilities", |l| l.responsibilities.as_ref());
                check_restatements(c, f, "requirements", |l| l.requirements.as_ref());
                check_repeats(c, "responsibilities", f.responsibilities.as_ref());
                check_repeats(c, "requirements", f.requirements.as_ref());
            }
        }
    }
}

/// For each level, the index of the level its list (`list_of`) builds on,
/// when that names a level of the family.
pub(super) fn bases(
    f: &FamilyFile,
    list_of: fn(&schema::Level) -> Option<&ItemList>,
) -> Vec<Option<usize>> {
    let index: HashMap<&str, usize> = f
        .levels
        .iter()
        .enumerate()
        .map(|(i, l)| (l.id.as_str(), i))
        .collect();
    f.levels
        .iter()
        .map(|l| {
            list_of(l)
                .and_then(|l| l.builds_on.as_deref())
                .and_then(|t| index.get(t).copied())
        })
        .collect()
}

/// Items the family-wide list prints once although it holds them twice
/// (`resolve::shared_items`), as a level's list does.
fn check_repeats(c: &mut Checker, kind: &str, list: Option<&ItemList>) {
    if let Some(list) = list {
        warn_repeats(c, kind, list);
    }
}

/// Warns at each item of `list` (at `path`) that repeats an earlier one,
/// as resolve compares them (`same_item_key`); returns every item's key.
fn warn_repeats<'a>(c: &mut Checker, path: &str, list: &'a ItemList) -> HashSet<&'a str> {
    let all = list
        .items
        .iter()
        .enumerate()
        .map(|(j, t)| (format!("{path}.items.{j}"), t))
        .chain(list.groups.iter().enumerate().flat_map(|(g, group)| {
            group
                .items
                .iter()
                .enumerate()
                .map(move |(j, t)| (format!("{path}.groups.{g}.items.{j}"), t))
        }));
    let mut seen: HashSet<&str> = HashSet::new();
    for (at, text) in all {
        let key = crate::resolve::same_item_key(text);
        if !key.is_empty() && !seen.insert(key) {
            c.warn(
                &at,
                "this item repeats an earlier item of the same list: it prints once",
                Some("remove one of them".into()),
            );
        }
    }
    seen
}

/// Items a list prints once although it holds them twice (as resolve
/// compares them: `same_item_key`): an item repeated within the list, and
/// a `builds_on` all of whose items the list restates, which leaves
/// nothing to print as inherited (and an intro such as "All of the above,
/// and:" with nothing above it). An item also in the family-wide list is
/// not warned about: the seed pages repeat such lines in a level's block
/// (the social manager's "BONUS: A passion…"), and a role's document
/// prints it once, in the level's list (`resolve::shared_items`).
/// Only for well-formed inheritance.
fn check_restatements(
    c: &mut Checker,
    f: &FamilyFile,
    kind: &str,
    list_of: fn(&schema::Level) -> Option<&ItemList>,
) {
    use crate::resolve::same_item_key;
    let bases = bases(f, list_of);

    for (i, level) in f.levels.iter().enumerate() {
        let Some(list) = list_of(level) else {
            continue;
        };
        let seen = warn_repeats(c, &format!("levels.{i}.{kind}"), list);
        // Everything the chain below lists.
        let mut inherited: HashSet<&str> = HashSet::new();
        let mut cur = bases[i];
        let mut steps = 0;
        while let Some(j) = cur.filter(|_| steps <= f.levels.len()) {
            if let Some(l) = list_of(&f.levels[j]) {
                inherited.extend(
                    l.items
                        .iter()
                        .chain(l.groups.iter().flat_map(|g| g.items.iter()))
                        .map(|t| same_item_key(t)),
                );
            }
            cur = bases[j];
            steps += 1;
        }
        inherited.remove("");
        if !inherited.is_empty() && inherited.iter().all(|k| seen.contains(k)) {
            c.warn(
                &format!("levels.{i}.{kind}.builds_on"),
                format!(
                    "this list restates every item it inherits through `builds_on: {}`: none prints \
                     as inherited, so nothing is \"above\" the level's own items",
                    clip(list.builds_on.as_deref().unwrap_or("").trim())
                ),
                Some("remove `builds_on`, or the restated items".into()),
            );
        }
    }
}

/// The highest job grade accepted; real grade ladders stop far below.
pub const MAX_GRADE: u64 = 1000;

/// Grades: a positive whole number (1 to `MAX_GRADE`), written as a number.
/// Checks a level's grade; returns it when it is accepted (so that later
/// checks do not speak of a grade the file was told it cannot have).
fn check_grade(c: &mut Checker, path: &str, g: &serde_yaml::Value) -> Option<u64> {
    use serde_yaml::Value as V;
    let shown = match g {
        V::Null => return None,
        V::Number(n) if n.as_u64().is_some_and(|n| (1..=MAX_GRADE).contains(&n)) => {
            // As written: YAML also reads `0x0A`, `0o13` and `+8` as
            // numbers, which would be exported as 10, 11 and 8 unseen.
            let raw = raw_scalar(c, path);
            if !raw.bytes().all(|b| b.is_ascii_digit()) {
                c.error(
                    path,
                    format!(
                        "expected the job grade as a plain whole number, found {}",
                        quoted(raw)
                    ),
                    Some(format!("write it in decimal digits: `grade: {n}`")),
                );
                return None;
            }
            return n.as_u64();
        }
        V::Number(n) => {
            // A float YAML wrote otherwise (`1e1`) is named as written, not
            // as the `10.0` it reads; a whole one in range is one fix away.
            let raw = raw_scalar(c, path).to_owned();
            let whole = n
                .as_f64()
                .filter(|f| f.fract() == 0.0 && (1.0..=MAX_GRADE as f64).contains(f));
            let shown = if raw == n.to_string() {
                raw
            } else {
                format!("{} (the number {n})", quoted(&raw))
            };
            let help = match whole {
                Some(f) => format!("write it in decimal digits: `grade: {f:.0}`"),
                None => "write e.g. `grade: 7`, or remove the line if the role has no grade".into(),
            };
            c.error(
                path,
                format!(
                    "expected a whole number from 1 to {MAX_GRADE} for the job grade, found {shown}"
                ),
                Some(help),
            );
            return None;
        }
        V::String(s) => {
            let help = s.trim().parse::<u32>().ok().filter(|n| *n > 0).map(|n| {
                if s.trim().starts_with('0') {
                    // `007` is text in YAML, quoted or not.
                    format!("write the number without leading zeros: `grade: {n}`")
                } else {
                    format!("write the number without quotes: `grade: {n}`")
                }
            });
            c.error(
                path,
                format!(
                    "expected a whole number from 1 to {MAX_GRADE} for the job grade, found {}",
                    if s.trim().is_empty() {
                        "blank text".to_string()
                    } else {
                        format!("the text \"{}\"", clip(s))
                    }
                ),
                help.or(Some(
                    "write e.g. `grade: 7`, or remove the line if the role has no grade".into(),
                )),
            );
            return None;
        }
        V::Bool(b) => b.to_string(),
        V::Sequence(_) => "a list".into(),
        V::Mapping(_) => "a mapping".into(),
        V::Tagged(_) => "a tagged value".into(),
    };
    c.error(
        path,
        format!("expected a whole number from 1 to {MAX_GRADE} for the job grade, found {shown}"),
        Some("write e.g. `grade: 7`, or remove the line if the role has no grade".into()),
    );
    None
}

/// A plain scalar's text as written in the file (`0x0A`, `1e1`), for
/// messages about numbers YAML read from other spellings.
fn raw_scalar<'c>(c: &'c Checker, path: &str) -> &'c str {
    let from = c.offset(c.map.value(path));
    c.source[from..]
        .split([' ', '\t', '\r', '\n', '#', ',', ']', '}'])
        .next()
        .unwrap_or("")
}

fn check_texts(c: &mut Checker, path: &str, texts: &[String]) {
    for (i, t) in texts.iter().enumerate() {
        if is_blank(t) {
            c.error(
                &format!("{path}.{i}"),
                "empty text",
                Some("remove the empty entry".into()),
            );
        }
    }
}

/// Where a family's free section may print (`place:`).
const SECTION_PLACES: &[&str] = &["before_lists", "after_lists"];

fn check_sections(c: &mut Checker, path: &str, sections: &[schema::Section]) {
    for (i, s) in sections.iter().enumerate() {
        let p = format!("{path}.{i}");
        if is_blank(&s.heading) {
            c.error(&format!("{p}.heading"), "empty section heading", None);
        }
        if s.paragraphs.is_empty() && s.items.is_empty() && s.sections.is_empty() {
            c.warn(
                &p,
                format!(
                    "the section `{}` has nothing under its heading: it prints alone",
                    clip(s.heading.trim())
                ),
                Some("add `paragraphs:`, `items:` or `sections:`, or remove the section".into()),
            );
        }
        if let Some(place) = &s.place {
            // A family's own sections only: a nested one prints with its
            // parent.
            if path != "sections" {
                c.error(
                    &format!("{p}.place"),
                    "`place` is for a family's own sections: a nested section prints inside the \
                     one that holds it",
                    Some("remove it here, or set it on the outer section".into()),
                );
            } else if !SECTION_PLACES.contains(&place.as_str()) {
                c.error(
                    &format!("{p}.place"),
                    format!(
                        "{}: expected `before_lists` or `after_lists`",
                        blank_or(place, "empty place", "unknown place")
                    ),
                    Some(match closest(place, SECTION_PLACES.iter().copied()) {
                        Some(k) => format!("did you mean `{k}`?"),
                        None => "`before_lists` prints the section before the role's \
                                 responsibilities and requirements; `after_lists` (the default) \
                                 after them"
                            .into(),
                    }),
                );
            }
        }
        check_texts(c, &format!("{p}.paragraphs"), &s.paragraphs);
        check_texts(c, &format!("{p}.items"), &s.items);
        check_sections(c, &format!("{p}.sections"), &s.sections);
    }
}

fn check_list(c: &mut Checker, path: &str, list: &ItemList) {
    check_texts(c, &format!("{path}.items"), &list.items);
    // The template buckets items by group, comparing every group with
    // every other: 2,000 groups took 1.8 GB to render.
    if list.groups.len() > MAX_GROUPS_PER_LIST {
        c.error(
            path,
            format!(
                "the list has {} groups; at most {MAX_GROUPS_PER_LIST}",
                list.groups.len()
            ),
            Some("merge groups, or split the family".into()),
        );
    }
    // The family's own lists (a level's, inherited items included, are
    // counted in `check_inheritance`).
    let own = list.items.len() + list.groups.iter().map(|g| g.items.len()).sum::<usize>();
    if !path.starts_with("levels.") && own > MAX_ITEMS_PER_LIST {
        c.error(
            path,
            format!("the list has {own} items; at most {MAX_ITEMS_PER_LIST}"),
            Some("split it into several lists or families".into()),
        );
    }
    // Headings print in capitals, and the PDF shows a heading's items
    // together: two groups headed alike would be merged and reordered
    // there, while the exports keep them apart.
    let mut headings: HashMap<String, usize> = HashMap::new();
    for (i, g) in list.groups.iter().enumerate() {
        let heading = clip(g.heading.trim());
        if is_blank(&g.heading) {
            c.error(
                &format!("{path}.groups.{i}.heading"),
                "empty group heading",
                None,
            );
        } else if let Some(&first) = headings.get(&g.heading.trim().to_uppercase()) {
            c.error(
                &format!("{path}.groups.{i}.heading"),
                format!(
                    "two groups of this list are headed `{heading}` (also on line {})",
                    c.map.value(&format!("{path}.groups.{first}.heading")).line
                ),
                Some("put their items in one group, or give them different headings".into()),
            );
        } else {
            headings.insert(g.heading.trim().to_uppercase(), i);
        }
        check_texts(c, &format!("{path}.groups.{i}.items"), &g.items);
        if g.items.is_empty() {
            c.warn(
                &format!("{path}.groups.{i}"),
                format!("the group `{heading}` has no items: its heading does not print"),
                Some("add `items:` to the group or remove it".into()),
            );
        }
    }
    if list.items.is_empty() && list.groups.is_empty() && list.builds_on.is_none() {
        // `items: []` (or a bare `items:`) is there already: say what goes in it.
        let items_written = c.map.key(&format!("{path}.items")) != c.map.key(path);
        c.warn(
            path,
            "list has no items",
            Some(if items_written {
                "write its entries under `items:`, one `- text` line each, or remove the list"
                    .into()
            } else {
                "add `items:` with its entries, one `- text` line each, or remove the list".into()
            }),
        );
    }
}
