//! Loading and validating a role folder.
//!
//! `load` reads `company.yaml` and every family file, and checks everything
//! it can in one pass: YAML syntax, types, unknown keys (with suggestions),
//! empty titles, grades, ids, duplicate ids across files, and inheritance
//! (unknown or cyclic `builds_on`). A family file with errors is set aside
//! with its diagnostics (`Library::failed`) so a batch run can still build
//! every other family; strict callers use `Library::ensure_valid`.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use sha2::{Digest, Sha256};

use crate::diag::{Diagnostic, clip};
use crate::schema::FamilyFile;

mod checker;
mod company;
mod duplicates;
mod family;
mod ids;
mod inheritance;
mod read;
mod scalars;
mod sizes;
mod syntax;
mod text;
mod unknown_keys;

use company::load_company;
use duplicates::check_duplicates;
use family::{FamilyFailure, cap_errors, cap_warnings, ids_as_written, load_family};
use read::read_text;
use text::is_blank;

pub use company::parse_date;
pub(crate) use company::svg_document;
pub use family::{MAX_ERRORS_PER_FILE, MAX_GRADE, MAX_WARNINGS_PER_FILE};
pub use ids::{is_valid_id, slugify};
pub use inheritance::{
    MAX_GROUPS_PER_LIST, MAX_ITEMS_PER_FAMILY, MAX_ITEMS_PER_LIST, MAX_LEVELS_PER_FAMILY,
};
pub use scalars::{MAX_CLUSTER_CHARS, MAX_HEADING_CHARS, MAX_TEXT_CHARS, MAX_URL_BYTES};
pub use sizes::{MARKUP_COST, MAX_DOCUMENT_BYTES, MAX_FAMILY_DOCUMENT_BYTES};

/// The file name reserved for company settings inside a role folder.
pub const COMPANY_FILE: &str = "company.yaml";

/// The company logo: its bytes, and the virtual path templates see it at
/// (one of [`crate::data::LOGO_PATHS`], by its format).
#[derive(Debug, Clone)]
pub struct Logo {
    pub bytes: Arc<[u8]>,
    pub path: &'static str,
}

/// Company settings, validated, with defaults applied.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Company {
    pub name: String,
    pub website: String,
    pub brand_color: String,
    /// The logo, read once when the company file is loaded.
    #[serde(skip)]
    pub logo: Option<Logo>,
    /// company.yaml as read (BOM dropped, line breaks as line feeds), and
    /// its path: for messages that point into it.
    #[serde(skip)]
    pub source: Arc<str>,
    #[serde(skip)]
    pub file: PathBuf,
    /// The logo as written in company.yaml.
    pub logo_name: Option<String>,
    pub grades_url: Option<String>,
    /// `data_version` from company.yaml; when absent each role's version is
    /// a hash of its own inputs (see `Family::data_version`).
    pub data_version: Option<String>,
    pub effective_date: Option<String>,
    pub language: String,
}

pub const DEFAULT_BRAND_COLOR: &str = "#1F3A5F";

/// One family file that loaded cleanly.
#[derive(Debug)]
pub struct Family {
    /// The path as found (role folder joined with the file name).
    pub file: PathBuf,
    pub source: Arc<str>,
    pub data: FamilyFile,
    /// The data version its roles carry: company.yaml's `data_version`, else
    /// the first 12 hex digits of SHA-256 over company.yaml and this file.
    /// Per family, so editing one family does not change (and rebuild) the
    /// documents of every other.
    pub data_version: String,
}

/// A family file that did not load, with why.
#[derive(Debug, Clone)]
pub struct FailedFile {
    pub file: PathBuf,
    /// Role ids the file declares, when it parsed far enough to tell, in
    /// file order (`levels[i]`).
    pub role_ids: Vec<String>,
    /// The id of each level by its place in `levels` (`""` where none was
    /// read): whose a diagnostic's `level` is.
    pub level_ids_at: Vec<String>,
    /// Its family id, when it could be read.
    pub family_id: Option<String>,
    /// Its text, when it could be read (to point at a duplicate id).
    pub source: Option<Arc<str>>,
    /// Past [`MAX_ERRORS_PER_FILE`], one note stands for the rest
    /// ([`Diagnostic::hidden`]).
    pub errors: Vec<Diagnostic>,
}

impl FailedFile {
    /// A file refused for its name alone (never read): `error` about it.
    fn named(file: PathBuf, error: Diagnostic) -> FailedFile {
        FailedFile {
            errors: vec![error.in_file(&file)],
            file,
            role_ids: Vec::new(),
            level_ids_at: Vec::new(),
            family_id: None,
            source: None,
        }
    }
}

#[derive(Debug)]
pub struct Library {
    pub dir: PathBuf,
    pub company: Company,
    /// Valid families, in file-name order.
    pub families: Vec<Arc<Family>>,
    pub failed: Vec<FailedFile>,
    /// Warnings about the files. Past a file's cap they are counted, not
    /// shown: one note among them stands for the rest
    /// ([`Diagnostic::hidden`]; [`crate::diag::count`] counts them).
    pub warnings: Vec<Diagnostic>,
}

impl Library {
    /// All diagnostics, errors first by file, then warnings.
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        let mut all: Vec<Diagnostic> = self
            .failed
            .iter()
            .flat_map(|f| f.errors.iter().cloned())
            .collect();
        all.extend(self.warnings.iter().cloned());
        all
    }

    /// Fails with every error when any family file is invalid.
    pub fn ensure_valid(&self) -> Result<(), Vec<Diagnostic>> {
        if self.failed.is_empty() {
            Ok(())
        } else {
            Err(self.diagnostics())
        }
    }

    /// Every role id of every valid family, in file then level order.
    pub fn role_ids(&self) -> Vec<&str> {
        self.families
            .iter()
            .flat_map(|f| f.data.levels.iter().map(|l| l.id.as_str()))
            .collect()
    }
}

/// A YAML file in the folder `path` (also through a link), or in a folder
/// below it, as a path relative to it: the first by name, not hidden.
/// Three levels deep and a few thousand entries at most: an `archive/` of
/// years of files must not slow every run; links below the first level
/// are not followed (they could loop).
fn role_file_in_subfolder(path: &Path) -> Option<String> {
    fn find(dir: &Path, prefix: &str, depth: usize, budget: &mut usize) -> Option<String> {
        let mut entries: Vec<(String, PathBuf)> = fs::read_dir(dir)
            .ok()?
            .take(*budget)
            .flatten()
            .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
            .filter(|(n, _)| !n.starts_with('.'))
            .collect();
        *budget = budget.saturating_sub(entries.len());
        entries.sort();
        let yaml = |n: &str| {
            let lower = n.to_ascii_lowercase();
            lower.ends_with(".yaml") || lower.ends_with(".yml")
        };
        if let Some((n, _)) = entries.iter().find(|(n, p)| yaml(n) && !p.is_dir()) {
            return Some(format!("{prefix}{n}"));
        }
        if depth == 0 {
            return None;
        }
        entries
            .iter()
            .filter(|(_, p)| fs::symlink_metadata(p).is_ok_and(|m| m.is_dir()))
            .find_map(|(n, p)| find(p, &format!("{prefix}{n}/"), depth - 1, budget))
    }
    if !fs::metadata(path).is_ok_and(|m| m.is_dir()) {
        return None;
    }
    find(path, "", 2, &mut 5000)
}

/// How many role files `load` reads in `dir` (its `*.yaml` and `*.yml`
/// but company.yaml and dot files), for a report when the folder failed.
pub fn role_file_count(dir: &Path) -> usize {
    fs::read_dir(dir).map_or(0, |entries| {
        entries
            .flatten()
            .filter(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                let lower = name.to_ascii_lowercase();
                !name.starts_with('.')
                    && name != COMPANY_FILE
                    && (lower.ends_with(".yaml") || lower.ends_with(".yml"))
            })
            .count()
    })
}

/// Loads and validates the role folder `dir`. Errors that stop everything
/// (no folder, no or broken `company.yaml`, no role files) are returned as
/// `Err`; problems in single family files are kept in `Library::failed`.
pub fn load(dir: &Path) -> Result<Library, Vec<Diagnostic>> {
    let entries = fs::read_dir(dir).map_err(|e| {
        vec![
            Diagnostic::error(format!("cannot read role folder {}: {e}", dir.display()))
                .help("pass the folder with --roles DIR or set JDGEN_ROLES"),
        ]
    })?;
    let mut files = Vec::new();
    // Role files whose names cannot be used: reported, never skipped
    // silently (their roles would vanish from every output).
    let mut bad_names = Vec::new();
    let mut company_lookalike: Option<String> = None;
    let mut subfolders = Vec::new();
    for entry in entries {
        // A listing that fails part-way (a network file system) must not
        // pass for a complete one: the missing files' roles would look
        // deleted, and a batch run would remove their PDFs.
        let entry = entry.map_err(|e| {
            vec![
                Diagnostic::error(format!(
                    "cannot list the role folder {} completely: {e}",
                    dir.display()
                ))
                .help("nothing was built; check the folder (or its mount) and run again"),
            ]
        })?;
        let raw = entry.file_name();
        let name = raw.to_string_lossy().into_owned();
        let lower = name.to_ascii_lowercase();
        // (A folder named `x.yaml` is an error of its own, below.)
        if !(name.starts_with('.') || lower.ends_with(".yaml") || lower.ends_with(".yml"))
            && let Some(example) = role_file_in_subfolder(&entry.path())
        {
            // Only the folder's own files are role files: a family moved
            // into `roles/sales/` vanished from every output, silently.
            subfolders.push(
                Diagnostic::warning(format!(
                    "the folder `{name}` holds YAML files (`{example}`…), which are not read: \
                     only the files directly in the role folder are role files, so their roles \
                     are in no output"
                ))
                .help(format!(
                    "move them up into {}; to keep a folder of old files there, name it with a \
                     leading `.` (`.{name}`)",
                    dir.display()
                ))
                .in_file(&entry.path()),
            );
        }
        if name.starts_with('.') || !(lower.ends_with(".yaml") || lower.ends_with(".yml")) {
            continue;
        }
        if raw.to_str().is_none() {
            bad_names.push(FailedFile::named(
                entry.path(),
                Diagnostic::error(format!(
                    "the file name `{name}` is not valid UTF-8, so its roles cannot be loaded"
                ))
                .help("rename the file using UTF-8 (e.g. plain ASCII letters, digits and `-`)"),
            ));
            continue;
        }
        if let Some(c) = name
            .chars()
            .find(|&c| crate::diag::is_unsafe_for_terminal(c))
        {
            // Echoed in every message and in the exports' `source_file`
            // column: an escape sequence there could rewrite the terminal,
            // a bidi override reverse the name.
            bad_names.push(FailedFile::named(
                entry.path(),
                Diagnostic::error(format!(
                    "the file name `{}` contains the invisible character U+{:04X}, so its roles cannot be loaded",
                    name.escape_debug(),
                    c as u32
                ))
                .help("rename the file using plain letters, digits and `-`"),
            ));
            continue;
        }
        let stem = lower.trim_end_matches(".yaml").trim_end_matches(".yml");
        if stem == "company" && name != COMPANY_FILE {
            company_lookalike.get_or_insert_with(|| name.clone());
            // `company.yml` or `Company.yaml`: company settings under a name
            // jdgen does not read as such; as a family file it would only
            // fail with "unknown key `name`".
            bad_names.push(FailedFile::named(
                entry.path(),
                Diagnostic::error(format!(
                    "`{name}` looks like company settings, but only `{COMPANY_FILE}` is read as such"
                ))
                .help(format!(
                    "rename it to `{COMPANY_FILE}` (merging it into the existing one, if any)"
                )),
            ));
            continue;
        }
        files.push(name);
    }
    files.sort();
    bad_names.sort_by(|a, b| a.file.cmp(&b.file));

    // A company file that is missing or broken fails the whole folder, but
    // the family files are still checked: `check` reports every problem in
    // one run, not the company's first and the rest after its fix.
    let company_path = dir.join(COMPANY_FILE);
    let company: std::result::Result<(Company, String), Vec<Diagnostic>> =
        if files.iter().any(|f| f == COMPANY_FILE) {
            let (text, errs) = read_text(dir, &company_path);
            match text {
                Some(text) => load_company(dir, &company_path, Arc::from(text.clone()))
                    .map(|c| (c, text))
                    .map_err(|mut e| {
                        cap_errors(&mut e, &company_path);
                        e
                    }),
                None => Err(errs),
            }
        } else {
            // `Company.yaml` alone: this error says to rename it, and its
            // own "looks like company settings" would say it twice.
            if let Some(other) = &company_lookalike {
                bad_names.retain(|f| f.file != dir.join(other));
            }
            Err(vec![
                Diagnostic::error(format!(
                    "no {COMPANY_FILE} in role folder {}",
                    dir.display()
                ))
                .help(match &company_lookalike {
                    Some(other) => format!("rename {other} to {COMPANY_FILE}"),
                    None => format!(
                        "create {} with at least `name:` and `website:` (see docs/role-format.md)",
                        company_path.display()
                    ),
                }),
            ])
        };

    let family_files: Vec<&String> = files.iter().filter(|f| *f != COMPANY_FILE).collect();
    if family_files.is_empty() && bad_names.is_empty() {
        let mut errors = company.err().unwrap_or_default();
        // (A lone `Company.yaml` is told to be renamed: "no role files" is
        // no help beside it.)
        if company_lookalike.is_none() {
            errors.push(
                Diagnostic::error(format!("no role files (*.yaml) in {}", dir.display()))
                    .help("add one YAML file per job family (see docs/role-format.md)"),
            );
        }
        return Err(errors);
    }

    // Read in order, then parse and check the files in parallel: each is
    // independent until the cross-file duplicate check.
    let mut failed = bad_names;
    let mut readable = Vec::new();
    for name in family_files {
        let path = dir.join(name);
        let (text, errs) = read_text(dir, &path);
        match text {
            Some(text) => {
                readable.push((name, path, Arc::<str>::from(text)));
            }
            None => failed.push(FailedFile {
                // Not UTF-8: its roles as written, from the text the error
                // shows (a file that could not be read at all has none).
                level_ids_at: Vec::new(),
                role_ids: errs
                    .iter()
                    .find_map(|d| d.source.as_deref().map(|t| ids_as_written(t).collect()))
                    .unwrap_or_default(),
                file: path,
                family_id: None,
                source: None,
                errors: errs,
            }),
        }
    }
    let jobs = crate::workers::default_jobs();
    // Few large files checked at once, whatever the number of cores (see
    // LARGE_FILE_BYTES); the others never wait.
    let slots = crate::workers::Slots::new(LARGE_FILES_AT_ONCE);
    let parsed = crate::workers::map(jobs, &readable, |(_, path, source)| {
        let _slot = (source.len() > LARGE_FILE_BYTES).then(|| slots.take());
        load_family_guarded(path, source.clone())
    })
    .unwrap_or_else(|_| {
        // No threads to be had: do the same work on this one.
        readable
            .iter()
            .map(|(_, path, source)| load_family_guarded(path, source.clone()))
            .collect()
    });
    // Which family and file each role id belongs to, for a `builds_on`
    // that names a level of another file.
    let owners: HashMap<String, (String, PathBuf)> = readable
        .iter()
        .zip(&parsed)
        .flat_map(|((_, path, _), outcome)| {
            let (family, ids): (Option<&str>, Vec<&String>) = match outcome {
                Ok((f, _)) => (Some(&f.family), f.levels.iter().map(|l| &l.id).collect()),
                Err(f) => (f.family_id.as_deref(), f.ids.iter().collect()),
            };
            ids.into_iter().map(move |id| {
                (
                    id.clone(),
                    (family.unwrap_or("?").to_string(), path.clone()),
                )
            })
        })
        .collect();
    let mut families = Vec::new();
    subfolders.sort_by(|a: &Diagnostic, b| a.file.cmp(&b.file));
    let mut warnings = subfolders;
    for ((name, path, source), outcome) in readable.into_iter().zip(parsed) {
        match outcome {
            Ok((data, mut warns)) => {
                cap_warnings(&mut warns, &path);
                warnings.extend(warns);
                // (With no company, none: the folder fails below.)
                let data_version = match &company {
                    Ok((company, company_text)) => {
                        company.data_version.clone().unwrap_or_else(|| {
                            let mut h = Sha256::new();
                            hash_file(&mut h, COMPANY_FILE, company_text);
                            hash_file(&mut h, name, &source);
                            version_from_hash(&crate::fsutil::hex(&h.finalize()))
                        })
                    }
                    Err(_) => String::new(),
                };
                families.push(Family {
                    file: path,
                    source,
                    data,
                    data_version,
                })
            }
            Err(mut f) => {
                cap_warnings(&mut f.warnings, &path);
                warnings.append(&mut f.warnings);
                explain_foreign_targets(&mut f.errors, &f.unknown_targets, &owners);
                cap_errors(&mut f.errors, &path);
                failed.push(FailedFile {
                    file: path,
                    role_ids: f.ids,
                    level_ids_at: f.ids_at,
                    family_id: f.family_id,
                    source: Some(source),
                    errors: f.errors,
                })
            }
        }
    }

    check_duplicates(&mut families, &mut failed);
    let company = match company {
        Ok((company, _)) => company,
        Err(mut errors) => {
            errors.extend(failed.into_iter().flat_map(|f| f.errors));
            errors.extend(warnings);
            return Err(errors);
        }
    };
    Ok(Library {
        dir: dir.to_path_buf(),
        company,
        families: families.into_iter().map(Arc::new).collect(),
        failed,
        warnings,
    })
}

/// A `builds_on` that names a level of another family gets a message that
/// says so, instead of "names no level" and a far-fetched suggestion.
fn explain_foreign_targets(
    errors: &mut [Diagnostic],
    targets: &[(usize, String)],
    owners: &HashMap<String, (String, PathBuf)>,
) {
    // A blank target names no level, even where a level's id is blank too.
    for (index, target) in targets.iter().filter(|(_, t)| !is_blank(t)) {
        if let (Some(d), Some((family, file))) = (errors.get_mut(*index), owners.get(target)) {
            d.message = format!(
                "`builds_on: {}` names a level of another family (`{family}`, in {}): a level \
                 builds only on a level of its own family",
                clip(target),
                file.display()
            );
            d.help = vec![
                "name a level of this family, or write the items out here (or move the level into that family)"
                    .into(),
            ];
        }
    }
}

fn hash_file(hasher: &mut Sha256, name: &str, text: &str) {
    hasher.update((name.len() as u64).to_le_bytes());
    hasher.update(name.as_bytes());
    hasher.update((text.len() as u64).to_le_bytes());
    hasher.update(text.as_bytes());
}

/// Role files larger than this are refused rather than read: a role file
/// is a few kilobytes, and a link to /dev/zero must not eat the memory.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// A role file larger than this is checked while at most one other such
/// file is: checking costs about 12 times a file's size while it runs, or
/// some 450 bytes a value for a file dense with small ones (a file at the
/// 500,000-value cap: 225 MB, whatever its size), and files are checked
/// one per core. Smaller files (the shipped ones are 1–16 KB, at most
/// 32,000 values and some 15 MB to check) never wait.
pub const LARGE_FILE_BYTES: usize = 64 * 1024;

/// How many files over [`LARGE_FILE_BYTES`] are checked at once.
pub const LARGE_FILES_AT_ONCE: usize = 2;

/// The loaded files (company.yaml and every role file read) whose text is
/// no longer the text this library was made from, and the role files that
/// were not there when the folder was listed. A file rewritten while a run
/// reads it (truncated, then written, as `cp` and many editors do) can be
/// read half-written and still parse; a level moved to a new file (a `git
/// pull` between the listing and the reading) is in neither file the run
/// read. A batch run checks this before it removes outputs or replaces
/// exports, which would otherwise act on roles that only seemed to be gone.
/// Each comes with what happened to it, for the run's error.
pub fn changed_since_load(lib: &Library) -> Vec<(PathBuf, &'static str)> {
    const CHANGED: &str = "changed while this run was reading it";
    const ADDED: &str = "appeared while this run was reading the role folder";
    const UNLISTED: &str = "could not be listed again to check that no role file appeared";
    // (A file that failed to load already stops both.)
    let files = std::iter::once((&lib.company.file, &lib.company.source))
        .chain(lib.families.iter().map(|f| (&f.file, &f.source)));
    let mut changed: Vec<(PathBuf, &str)> = files
        .filter(|(path, source)| read_text(&lib.dir, path).0.as_deref() != Some(&***source))
        .map(|(path, _)| (path.clone(), CHANGED))
        .collect();
    let known: HashSet<&Path> = std::iter::once(lib.company.file.as_path())
        .chain(lib.families.iter().map(|f| f.file.as_path()))
        .chain(lib.failed.iter().map(|f| f.file.as_path()))
        .collect();
    match fs::read_dir(&lib.dir) {
        Ok(entries) => {
            for entry in entries {
                let Ok(entry) = entry else {
                    // A listing that fails now cannot say nothing was added.
                    changed.push((lib.dir.clone(), UNLISTED));
                    break;
                };
                let lower = entry.file_name().to_string_lossy().to_ascii_lowercase();
                let role_file = !lower.starts_with('.')
                    && (lower.ends_with(".yaml") || lower.ends_with(".yml"));
                if role_file && !known.contains(entry.path().as_path()) {
                    changed.push((entry.path(), ADDED));
                }
            }
        }
        Err(_) => changed.push((lib.dir.clone(), UNLISTED)),
    }
    changed.sort();
    changed
}

/// A family's default data version: the first 12 hex digits of its hash
/// that a spreadsheet reads as text. Digits alone, or digits around one
/// `e` (`6067490757e6`), a CSV opened in Excel or read by pandas turns into
/// a number (6.07E+15), so the window moves on along the hash (about one
/// family in 140).
fn version_from_hash(hex: &str) -> String {
    let numeric = |v: &str| match v.split_once('e') {
        Some((a, b)) => {
            !a.is_empty()
                && !b.is_empty()
                && a.bytes().all(|c| c.is_ascii_digit())
                && b.bytes().all(|c| c.is_ascii_digit())
        }
        None => v.bytes().all(|c| c.is_ascii_digit()),
    };
    (0..=hex.len().saturating_sub(12))
        .map(|i| &hex[i..i + 12])
        .find(|v| !numeric(v))
        // (A hash of 64 such digits: none known.)
        .map_or_else(|| format!("x{}", &hex[..11]), str::to_string)
}

/// [`load_family`], with a panic in it (a bug in jdgen's checks) failing
/// that file alone, named, as a file with errors: every command stopped
/// with exit 101 and a backtrace on one (`café: &x Hi` did), also `build`
/// and `pdf --role`, which render the roles of the other files.
fn load_family_guarded(
    path: &Path,
    source: Arc<str>,
) -> Result<(FamilyFile, Vec<Diagnostic>), Box<FamilyFailure>> {
    // (Quietly: the error names the file and the panic's message, without
    // a backtrace in the log.)
    crate::error::catch_quietly(|| load_family(path, source.clone())).unwrap_or_else(|panic| {
        Err(Box::new(FamilyFailure {
            ids: ids_as_written(&source).collect(),
            ids_at: Vec::new(),
            family_id: None,
            errors: vec![
                Diagnostic::error(format!("checking this file crashed jdgen: {panic}"))
                    .in_file(path)
                    .help(
                        "this is a bug in jdgen: please report it with this file; the other role \
                     files are checked as usual",
                    ),
            ],
            unknown_targets: Vec::new(),
            warnings: Vec::new(),
        }))
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_default_data_version_never_reads_as_a_number() {
        use super::version_from_hash;
        let tail = "0123456789abcdef".repeat(4);
        for (head, version) in [
            // Most hashes: their first 12 digits, as before.
            ("a1b2c3d4e5f6", "a1b2c3d4e5f6"),
            // Scientific notation and digits alone move the window on.
            ("6067490757e6a", "067490757e6a"),
            ("123456789012f", "23456789012f"),
            // An `e` at either end, or two, is no number.
            ("e06749075776", "e06749075776"),
            ("60e749075e76", "60e749075e76"),
        ] {
            assert_eq!(version_from_hash(&format!("{head}{tail}")), version);
        }
    }

    #[test]
    fn a_panic_checking_one_file_fails_that_file_alone() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        for f in ["company.yaml", "engineering.yaml"] {
            std::fs::copy(format!("tests/fixtures/minimal/{f}"), d.join(f)).unwrap();
        }
        std::fs::write(
            d.join("x.yaml"),
            "# jdgen-test: panic\nfamily: x\ntitle: X\nlevels:\n  - id: x-one\n    level: A\n    title: A\n",
        )
        .unwrap();
        let lib = super::load(d).unwrap();
        assert_eq!(lib.failed.len(), 1);
        let f = &lib.failed[0];
        assert!(f.file.ends_with("x.yaml"), "{f:?}");
        assert_eq!(f.role_ids, ["x-one"]);
        let e = &f.errors[0].message;
        assert_eq!(e, "checking this file crashed jdgen: a test panic");
        assert_eq!(lib.families.len(), 1, "the other file is loaded");
    }
}
