//! Ids that more than one file uses, reported in every file that uses them.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::checker::Checker;
use super::{FailedFile, Family};
use crate::diag::Diagnostic;
use crate::source_map::SourceMap;

/// The most other files a duplicate id's message names; the rest are
/// counted.
const MAX_NAMED_FILES: usize = 3;

/// Role ids and family ids must be unique across all files (failed files
/// too, as far as their ids could be read). Every file that uses an id
/// another file uses fails, at its own line, naming the others: a new file
/// that takes a shipped role's id is told so where it was written, and
/// neither role renders (which one was meant is not jdgen's to guess).
pub(super) fn check_duplicates(families: &mut Vec<Family>, failed: &mut Vec<FailedFile>) {
    // Each id with the files using it, in name order.
    let mut role_files: HashMap<String, Vec<PathBuf>> = HashMap::new();
    let mut family_files: HashMap<String, Vec<PathBuf>> = HashMap::new();
    let note = |map: &mut HashMap<String, Vec<PathBuf>>, id: &str, file: &Path| {
        // A blank id is an error of its own, not a shared one.
        if id.trim().is_empty() {
            return;
        }
        // Files are noted one after another: a repeat is the last one.
        let files = map.entry(id.to_string()).or_default();
        if files.last().is_none_or(|f| f != file) {
            files.push(file.to_path_buf());
        }
    };
    for fam in families.iter() {
        note(&mut family_files, &fam.data.family, &fam.file);
        for level in &fam.data.levels {
            note(&mut role_files, &level.id, &fam.file);
        }
    }
    for f in failed.iter() {
        if let Some(family) = &f.family_id {
            note(&mut family_files, family, &f.file);
        }
        for id in &f.role_ids {
            note(&mut role_files, id, &f.file);
        }
    }
    for files in role_files.values_mut().chain(family_files.values_mut()) {
        files.sort();
    }
    // The other files using `id` (the first few: 2,000 files sharing ids
    // printed 5 GB of names), or None when it is this file's alone.
    let others = |map: &HashMap<String, Vec<PathBuf>>, id: &str, file: &Path| -> Option<String> {
        let files = map.get(id)?;
        // Sorted: a count without a pass over every file per message.
        let count =
            files.len() - usize::from(files.binary_search_by(|f| f.as_path().cmp(file)).is_ok());
        let mut names: Vec<String> = files
            .iter()
            .filter(|f| f.as_path() != file)
            .take(MAX_NAMED_FILES)
            .map(|f| f.display().to_string())
            .collect();
        if count > MAX_NAMED_FILES {
            names.push(format!(
                "and {}",
                crate::diag::counted(count - MAX_NAMED_FILES, "more file", "more files")
            ));
        }
        (count > 0).then(|| names.join(", "))
    };
    let family_help = "family ids must be unique across files; rename one";
    let role_help = "role ids must be unique across all files: rename one (a role id is the \
                     PDF's name and the HR systems' job code)";
    for f in failed.iter_mut() {
        // As far as its ids could be read: a duplicate is reported too,
        // at its line, so fixing the file's own error reveals nothing new.
        // A file that is not UTF-8 has no text kept, but its error
        // shows the text read with the bad bytes replaced, whose lines
        // still place the ids. (Not read again: it may be a FIFO now.)
        let source: Option<Arc<str>> = f
            .source
            .clone()
            .or_else(|| f.errors.iter().find_map(|d| d.source.clone()));
        let map = source.as_deref().map(SourceMap::build);
        let at = |d: Diagnostic, path: &str| match (&map, &source) {
            (Some(m), Some(src)) => {
                let pos = m.value(path);
                d.at(pos.line, pos.column).with_source(src.clone())
            }
            _ => d,
        };
        let mut errors = Vec::new();
        if let Some(family) = &f.family_id
            && let Some(o) = others(&family_files, family, &f.file)
        {
            errors.push(at(
                Diagnostic::error(format!("family id `{family}` is also used by {o}"))
                    .in_file(&f.file)
                    .help(family_help),
                "family",
            ));
        }
        // Each id's level, for the build to charge the error to that role.
        let mut level_of: HashMap<&str, usize> = HashMap::new();
        for (i, at) in f.level_ids_at.iter().enumerate() {
            level_of.entry(at.as_str()).or_insert(i);
        }
        let mut seen = std::collections::HashSet::new();
        for (k, id) in f.role_ids.iter().enumerate() {
            if !seen.insert(id) {
                continue;
            }
            if let Some(o) = others(&role_files, id, &f.file) {
                let mut d = at(
                    Diagnostic::error(format!("role id `{id}` is also used in {o}"))
                        .in_file(&f.file)
                        .help(role_help),
                    &format!("levels.{k}.id"),
                );
                d.level = level_of
                    .get(id.as_str())
                    .and_then(|&i| u32::try_from(i).ok());
                errors.push(d);
            }
        }
        // Capped on their own (the file's other errors already are): a
        // broken file salvaged for 160,000 shared ids printed them all.
        super::family::cap_errors(&mut errors, &f.file);
        f.errors.extend(errors);
    }
    let mut newly_failed: HashMap<usize, Vec<Diagnostic>> = HashMap::new();
    for (i, fam) in families.iter().enumerate() {
        let mut c = Checker::new(&fam.file, fam.source.clone());
        if let Some(o) = others(&family_files, &fam.data.family, &fam.file) {
            c.error(
                "family",
                format!("family id `{}` is also used by {o}", fam.data.family),
                Some(family_help.into()),
            );
        }
        let mut seen = std::collections::HashSet::new();
        for (j, level) in fam.data.levels.iter().enumerate() {
            if !seen.insert(&level.id) {
                continue;
            }
            if let Some(o) = others(&role_files, &level.id, &fam.file) {
                c.error(
                    &format!("levels.{j}.id"),
                    format!("role id `{}` is also used in {o}", level.id),
                    Some(role_help.into()),
                );
            }
        }
        if !c.errors.is_empty() {
            super::family::cap_errors(&mut c.errors, &fam.file);
            newly_failed.insert(i, c.errors);
        }
    }
    let mut keep = Vec::new();
    for (i, fam) in families.drain(..).enumerate() {
        match newly_failed.remove(&i) {
            Some(errors) => failed.push(FailedFile {
                file: fam.file.clone(),
                role_ids: fam.data.levels.iter().map(|l| l.id.clone()).collect(),
                level_ids_at: fam.data.levels.iter().map(|l| l.id.clone()).collect(),
                family_id: Some(fam.data.family.clone()),
                source: Some(fam.source.clone()),
                errors,
            }),
            None => keep.push(fam),
        }
    }
    *families = keep;
    failed.sort_by(|a, b| a.file.cmp(&b.file));
    for f in failed.iter_mut() {
        f.errors
            .sort_by_key(|d| (d.line.unwrap_or(0), d.column.unwrap_or(0)));
    }
}
