//! Loading and validating a role folder.
//!
//! `load` reads `company.yaml` and every family file, and checks everything
//! it can in one pass: YAML syntax, types, unknown keys (with suggestions),
//! empty titles, grades, ids, duplicate ids across files, and inheritance
//! (unknown or cyclic `builds_on`). A family file with errors is set aside
//! with its diagnostics (`Library::failed`) so a batch run can still build
//! every other family; strict callers use `Library::ensure_valid`.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;
use sha2::{Digest, Sha256};
use unicode_segmentation::UnicodeSegmentation;

use crate::diag::{Diagnostic, clip, closest, quoted};
use crate::schema::{self, CompanyFile, FamilyFile, ItemList};
use crate::source_map::{Pos, SourceMap};

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
    let parsed = crate::workers::map(jobs, &readable, |(_, path, source)| {
        load_family(path, source.clone())
    })
    .unwrap_or_else(|_| {
        // No threads to be had: do the same work on this one.
        readable
            .iter()
            .map(|(_, path, source)| load_family(path, source.clone()))
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
                            hex(&h.finalize())[..12].to_string()
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

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
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

fn read_text(dir: &Path, path: &Path) -> (Option<String>, Vec<Diagnostic>) {
    // A link out of the role folder is refused, as for the logo: the run
    // would read (and quote in its errors) a file nobody put there.
    let is_link = fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    if is_link && let Err(e) = fs::metadata(path) {
        let looped = e.raw_os_error() == Some(libc::ELOOP);
        return (
            None,
            vec![
                Diagnostic::error(if looped {
                    "this role file is a symbolic link that leads back to itself (a loop of links)"
                } else {
                    "this role file is a symbolic link to a file that does not exist"
                })
                .in_file(path)
                .help(if looped {
                    "replace the link with the file it should point to"
                } else {
                    "remove the link, or restore the file it points to"
                }),
            ],
        );
    }
    if is_link
        && !fs::canonicalize(path)
            .ok()
            .zip(fs::canonicalize(dir).ok())
            .is_some_and(|(file, dir)| file.starts_with(dir))
    {
        return (
            None,
            vec![
                Diagnostic::error("this role file links to a file outside the role folder")
                    .in_file(path)
                    .help("copy the file into the role folder instead of linking to it"),
            ],
        );
    }
    // Only regular files (after following links): a FIFO would block the
    // run forever and a device could be endless.
    match fs::metadata(path) {
        Ok(m) if !m.is_file() => {
            return (
                None,
                vec![
                    Diagnostic::error("not a regular file")
                        .in_file(path)
                        .help("role files must be plain YAML files; remove or rename this entry"),
                ],
            );
        }
        Ok(m) if m.len() > MAX_FILE_BYTES => {
            return (
                None,
                vec![
                    Diagnostic::error(format!(
                        "file is too large ({} bytes; at most {MAX_FILE_BYTES})",
                        m.len()
                    ))
                    .in_file(path)
                    .help(
                        "a job family is a few kilobytes: check that this is the file meant to be \
                         here, or split its families into files of their own",
                    ),
                ],
            );
        }
        _ => {}
    }
    match fs::read(path) {
        Err(e) => (
            None,
            vec![Diagnostic::error(format!("cannot read file: {e}")).in_file(path)],
        ),
        Ok(bytes) if let Some(order) = utf16_order(&bytes) => (
            None,
            vec![
                Diagnostic::error(format!("file is UTF-16 ({order}), not UTF-8"))
                    .in_file(path)
                    .help(
                        "save the file as UTF-8 (in most editors: Save As, then Encoding: UTF-8)",
                    ),
            ],
        ),
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(s) => (
                Some(lone_cr_to_lf(
                    s.strip_prefix('\u{feff}').map(str::to_string).unwrap_or(s),
                )),
                vec![],
            ),
            Err(e) => {
                let offset = e.utf8_error().valid_up_to();
                let bytes = e.as_bytes();
                let bom = if bytes.starts_with("\u{feff}".as_bytes()) {
                    3
                } else {
                    0
                };
                // Shown as the editor shows it: columns in characters after
                // the BOM, and the line with the bad byte as U+FFFD.
                let shown = lone_cr_to_lf(String::from_utf8_lossy(&bytes[bom..]).into_owned());
                let valid = lone_cr_to_lf(
                    std::str::from_utf8(&bytes[bom..offset.max(bom)])
                        .unwrap_or_default()
                        .to_string(),
                );
                let (line, col) = crate::diag::line_col(&valid, valid.len());
                (
                    None,
                    vec![
                        Diagnostic::error(format!(
                            "file is not valid UTF-8 (bad byte 0x{:02x})",
                            bytes[offset]
                        ))
                        .in_file(path)
                        .at(line, col)
                        .with_source(Arc::from(shown))
                        .help("save the file as UTF-8"),
                    ],
                )
            }
        },
    }
}

/// The byte order of a UTF-16 file (Windows editors' "Unicode"), which
/// is no YAML jdgen reads: by its byte-order mark, or, without one, by
/// the zero bytes that ASCII text has in every other place. Read as UTF-8
/// it passed up to its first non-ASCII character and was blamed there.
fn utf16_order(bytes: &[u8]) -> Option<&'static str> {
    match bytes {
        [0xFF, 0xFE, ..] => return Some("little-endian"),
        [0xFE, 0xFF, ..] => return Some("big-endian"),
        _ => {}
    }
    let head = &bytes[..bytes.len().min(256) & !1];
    if head.len() < 4 {
        return None;
    }
    let zeros = |parity: usize| {
        head.iter()
            .skip(parity)
            .step_by(2)
            .filter(|b| **b == 0)
            .count()
    };
    let pairs = head.len() / 2;
    // Most of one half of the bytes zero, hardly any of the other (a
    // character beyond ASCII can have one).
    let (even, odd) = (zeros(0), zeros(1));
    if odd * 10 >= pairs * 6 && even * 20 <= pairs {
        Some("little-endian")
    } else if even * 10 >= pairs * 6 && odd * 20 <= pairs {
        Some("big-endian")
    } else {
        None
    }
}

/// A lone carriage return (old Mac line endings) is a line break to YAML;
/// as a line feed it is one to every position and excerpt here too. YAML
/// reads the text the same either way (a line break inside a quoted text
/// is folded whichever it is); `\r\n` stays as it is.
fn lone_cr_to_lf(s: String) -> String {
    if !s.contains('\r') {
        return s;
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\r' && chars.peek() != Some(&'\n') {
            out.push('\n');
        } else {
            out.push(c);
        }
    }
    out
}

/// A position-aware context for the checks of one file.
struct Checker<'a> {
    file: &'a Path,
    source: Arc<str>,
    map: SourceMap,
    errors: Vec<Diagnostic>,
    warnings: Vec<Diagnostic>,
    /// Paths with an error already (so a blank text is reported once).
    reported: HashSet<String>,
    /// See [`FamilyFailure::unknown_targets`].
    unknown_targets: Vec<(usize, String)>,
    /// Paths of the unknown keys: reported as such, and their contents,
    /// which nothing reads, are not checked further.
    ignored: HashSet<String>,
    /// The file's lines, for positions.
    lines: crate::lines::LineIndex,
}

impl<'a> Checker<'a> {
    fn new(file: &'a Path, source: Arc<str>) -> Self {
        let map = SourceMap::build(&source);
        let lines = crate::lines::LineIndex::new(&source);
        Checker {
            file,
            source,
            map,
            lines,
            errors: Vec::new(),
            warnings: Vec::new(),
            reported: HashSet::new(),
            unknown_targets: Vec::new(),
            ignored: HashSet::new(),
        }
    }

    fn diag(&self, d: Diagnostic, path: &str, key: bool) -> Diagnostic {
        let pos = if key {
            self.map.key(path)
        } else {
            self.map.value(path)
        };
        let mut d = d
            .in_file(self.file)
            .at(pos.line, pos.column)
            .with_source(self.source.clone());
        // In a level: whose (an unknown key's message does not say).
        d.level = path
            .strip_prefix("levels.")
            .and_then(|rest| rest.split('.').next()?.parse::<u32>().ok());
        d
    }

    /// An error about the value at `path`.
    fn error(&mut self, path: &str, message: impl Into<String>, help: Option<String>) {
        let d = self.diag(Diagnostic::error(message).maybe_help(help), path, false);
        self.errors.push(d);
        self.reported.insert(path.to_string());
    }

    /// An error about character `ch` in the text at `path`: at the
    /// character itself (raw or as a `\u` escape), not at the start of
    /// the text, since an invisible character in a long or multi-line
    /// text is otherwise hard to find.
    fn error_at_char(&mut self, path: &str, ch: char, message: String, help: Option<String>) {
        let forms = crate::diag::written_forms(ch);
        self.error_at_any(path, &forms, message, help);
    }

    /// An error about the text at `path`, at the first of `forms` written
    /// in it (else at the text's start): a long text, or a block text of
    /// many lines, is otherwise hard to search.
    fn error_at_any(
        &mut self,
        path: &str,
        forms: &[String],
        message: String,
        help: Option<String>,
    ) {
        let d = self.at_any(path, forms, Diagnostic::error(message).maybe_help(help));
        self.errors.push(d);
        self.reported.insert(path.to_string());
    }

    /// A warning about the text at `path`, placed as [`Self::error_at_any`].
    fn warn_at_any(&mut self, path: &str, forms: &[String], message: String, help: Option<String>) {
        let d = self.at_any(path, forms, Diagnostic::warning(message).maybe_help(help));
        self.warnings.push(d);
    }

    /// The text at `path` as written: from where it starts to where the
    /// next key or value does; with its byte offset.
    fn written(&self, path: &str) -> (usize, &str) {
        let start = self.map.value(path);
        let from = self.offset(start);
        let to = self
            .map
            .next_start_after(start)
            .map_or(self.source.len(), |p| self.offset(p))
            .max(from);
        (from, &self.source[from..to])
    }

    /// A link with blank text to `target` as written in the text at `path`
    /// (`[ ](/t`, `[\u200B](/t`): not the `](/t` of an earlier link with
    /// text to the same place.
    fn written_blank_link(&self, path: &str, target: &str) -> Option<String> {
        let (_, span) = self.written(path);
        let close = format!("]({target}");
        span.match_indices(&close).find_map(|(at, _)| {
            let open = span[..at].rfind('[')?;
            let label = &span[open + 1..at];
            // Escapes (`\u200B`, `\t`) are no text either.
            let mut rest = label;
            let mut blank = true;
            while let Some(c) = rest.chars().next() {
                rest = &rest[c.len_utf8()..];
                if c == '\\' {
                    let code = match rest.chars().next() {
                        Some('u') => 5,
                        Some('U') => 9,
                        Some('x') => 3,
                        _ => 1,
                    };
                    rest = rest.get(code..).unwrap_or("");
                } else if c.is_alphanumeric() || c.is_ascii_punctuation() {
                    blank = false;
                    break;
                }
            }
            blank.then(|| span[open..at + close.len()].to_string())
        })
    }

    /// `d` about the text at `path`, at the first of `forms` written in it.
    fn at_any(&self, path: &str, forms: &[String], d: Diagnostic) -> Diagnostic {
        // Only within this text (a later text with the same character is
        // another error's).
        let (from, span) = self.written(path);
        let mut d = self.diag(d, path, false);
        let first = |forms: &[&str]| {
            forms
                .iter()
                .filter(|f| !f.is_empty())
                .filter_map(|f| span.find(f))
                .min()
        };
        // In a double-quoted text a form's `"` or `\` is written escaped:
        // its part before the first of them (if two characters or more)
        // finds it then.
        let before_escapes: Vec<&str> = forms
            .iter()
            .map(|f| &f[..f.find(['"', '\\']).unwrap_or(f.len())])
            .filter(|f| f.chars().count() >= 2)
            .collect();
        let whole: Vec<&str> = forms.iter().map(String::as_str).collect();
        if let Some(at) = first(&whole).or_else(|| first(&before_escapes)) {
            // From the line tables, not a count from the top of the file
            // (or of a long line) for every error.
            let (line, column) = self.lines.position(&self.source, from + at);
            d = d.at(line, column);
        }
        d
    }

    /// The byte offset of a 1-based line and column (in characters).
    fn offset(&self, at: Pos) -> usize {
        self.lines.offset(&self.source, at.line, at.column)
    }

    /// An error about the key at `path`.
    fn key_error(&mut self, path: &str, message: impl Into<String>, help: Option<String>) {
        let d = self.diag(Diagnostic::error(message).maybe_help(help), path, true);
        self.errors.push(d);
    }

    /// NEL (U+0085), LINE SEPARATOR (U+2028) and PARAGRAPH SEPARATOR
    /// (U+2029) written raw are line breaks to libyaml (YAML 1.1): inside a
    /// quoted text they fold into a space, so the text would silently not
    /// be the one written, and every position libyaml reports after them is
    /// a line off from what an editor shows. Each is an error at its place.
    ///
    /// Returns whether there were any: the file is then reported with
    /// these errors alone (like a raw control character), since what the
    /// parser says of the lines after them would point at the wrong lines.
    fn raw_line_breaks(&mut self) -> bool {
        let found: Vec<(usize, char)> = self
            .source
            .char_indices()
            .filter(|(_, c)| matches!(c, '\u{85}' | '\u{2028}' | '\u{2029}'))
            .take(20)
            .collect();
        let any = !found.is_empty();
        for (byte, c) in found {
            let (line, column) = crate::diag::line_col(&self.source, byte);
            let name = match c {
                '\u{85}' => "U+0085 (NEL)",
                '\u{2028}' => "U+2028 (LINE SEPARATOR)",
                _ => "U+2029 (PARAGRAPH SEPARATOR)",
            };
            self.errors.push(
                Diagnostic::error(format!(
                    "the raw character {name} is a line break to YAML: the text would not be the one written",
                ))
                .in_file(self.file)
                .at(line, column)
                .with_source(self.source.clone())
                .help("replace it with a space (or, between paragraphs, use separate list entries)"),
            );
        }
        any
    }

    fn warn(&mut self, path: &str, message: impl Into<String>, help: Option<String>) {
        let d = self.diag(Diagnostic::warning(message).maybe_help(help), path, false);
        self.warnings.push(d);
    }

    /// Reports the YAML the file may not use (see `source_map::Hazard`).
    /// Returns false when the file must not be parsed further: aliases,
    /// tags and runaway nesting are refused before serde_yaml sees them.
    /// A `#` that cuts text short is a warning, or an error when
    /// `hash_is_error` (company settings, which have no warnings).
    fn yaml_hazards(&mut self, hash_is_error: bool) -> bool {
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
                    let line = self.source.lines().nth(h.pos.line.saturating_sub(1));
                    let name: String = line
                        .map(|l| {
                            l.chars()
                                .skip(h.pos.column)
                                .take_while(|c| !c.is_whitespace() && !",[]{}".contains(*c))
                                .collect()
                        })
                        .unwrap_or_default();
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
                    self.errors.push(at(Diagnostic::error(format!(
                        "YAML tags (`{tag}`) are not allowed in role files{more}"
                    ))
                    .help("remove the tag: role files hold plain text, whole numbers and lists")));
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
                    let own: Vec<&str> = hazards
                        .iter()
                        .filter_map(|o| match &o.kind {
                            HazardKind::DuplicateKey {
                                key,
                                in_list: true,
                                entry: e,
                                ..
                            } if e == entry => Some(key.as_str()),
                            _ => None,
                        })
                        .collect();
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
                    let example = dash_example(&self.source, *first, h.pos)
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
                        let (line, column) =
                            hash_position(&self.source, (h.pos.line, h.pos.column), dropped)
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

    /// Records an error and returns true when the file holds nothing (no
    /// text, only comments, `---` or a bare null): "missing field" at a
    /// line past the end would not say that. `help` says what it should hold.
    fn empty_file(&mut self, help: &str) -> bool {
        // Two lines of content are never empty: no need to parse.
        let content = self
            .source
            .lines()
            .map(str::trim)
            .filter(|t| !t.is_empty() && !t.starts_with('#') && *t != "---" && *t != "...");
        let content: Vec<&str> = content.take(2).collect();
        if content.len() > 1 {
            return false;
        }
        if !matches!(
            serde_yaml::from_str::<serde_yaml::Value>(&self.source),
            Ok(serde_yaml::Value::Null)
        ) {
            return false;
        }
        // `~` or `null` alone is a value, not nothing (a `---` or a
        // directive before it is not).
        let null = content.first().map(|line| {
            let value = line.split(" #").next().unwrap_or(line).trim();
            value.strip_prefix("--- ").unwrap_or(value).trim()
        });
        let message = match null {
            Some(null @ ("~" | "null" | "Null" | "NULL")) => {
                format!("the file holds only `{null}`, YAML's empty value: no keys")
            }
            _ => "the file is empty (it holds no YAML, only comments or nothing)".to_string(),
        };
        self.errors
            .push(Diagnostic::error(message).in_file(self.file).help(help));
        true
    }

    /// Reports the unknown key at `segments` (its path), with the help its
    /// spelling or place shows; a known key spelt with an odd space goes
    /// into `respelled` with its mapping's position.
    fn unknown_key(
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
    fn unknown_keys_after_error(&mut self, known_at: fn(&[String]) -> &'static [&'static str]) {
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
        for segments in found {
            if self.ignored.contains(&segments.join(".")) {
                continue;
            }
            let before = self.errors.len();
            self.unknown_key(&segments, known_at, &mut respelled);
            // Not where the error that ended the parse is already (a key
            // indented with no-break spaces is that error).
            let place = |d: &Diagnostic| (d.line, d.column);
            if self.errors[before..].iter().any(|new| {
                self.errors[..before]
                    .iter()
                    .any(|old| place(old) == place(new))
            }) {
                self.errors.truncate(before);
            }
        }
    }

    /// Parses the file into `T`, recording unknown keys and the first
    /// structural error. Returns `None` when the file cannot be used.
    /// `known_at` gives the keys allowed in the mapping at a path, for
    /// the did-you-mean suggestions.
    fn parse<T: for<'de> Deserialize<'de>>(
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
                    let indent = |s: &str| s.len() - s.trim_start_matches(' ').len();
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
fn dash_example(source: &str, first: usize, at: crate::source_map::Pos) -> Option<String> {
    let lines: Vec<&str> = source.lines().collect();
    let line = lines.get(at.line.checked_sub(1)?)?;
    let key_col = at.column.checked_sub(1)?;
    let indent: String = line.chars().take(key_col).collect();
    if indent.len() != key_col || !indent.bytes().all(|b| b == b' ') {
        return None;
    }
    let dash_col = lines[..first.min(lines.len())].iter().rev().find_map(|l| {
        let spaces = l.len() - l.trim_start_matches(' ').len();
        (spaces < key_col && l[spaces..].starts_with("- ")).then_some(spaces)
    })?;
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
fn hash_position(source: &str, from: (usize, usize), dropped: &str) -> Option<(usize, usize)> {
    let needle: String = dropped.chars().take(20).collect();
    if needle.is_empty() {
        return None;
    }
    for (i, line) in source
        .lines()
        .enumerate()
        .skip(from.0.checked_sub(1)?)
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
        HazardKind::HashComment { .. }
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

/// A serde_yaml error as jdgen reports it: message, 1-based position and
/// help. libyaml's syntax errors read "PROBLEM at line L column C, CONTEXT
/// at line L2 column C2"; where the context is an unclosed quote or
/// bracket, its mark (where it opened) is the place to fix, not where the
/// parser gave up, which is often the end of the file.
/// serde's path to a level counts from zero (`levels[1].title: …`), which
/// reads as the first level: said as people count, with the role id when
/// the file names it (`level 2 (`c-d`), title: …`).
fn name_level(message: &str, ids: &[String]) -> String {
    let Some(rest) = message.strip_prefix("levels[") else {
        // Other lists too (`sections[0].items[1]: …`).
        return match message.split_once(": ") {
            Some((path, tail)) if is_serde_path(path) => {
                format!("{}: {tail}", count_from_one(path))
            }
            _ => message.to_string(),
        };
    };
    let Some((n, rest)) = rest.split_once(']') else {
        return message.to_string();
    };
    let Ok(i) = n.parse::<usize>() else {
        return message.to_string();
    };
    let id = ids
        .get(i)
        .filter(|id| !is_blank(id))
        .map(|id| format!(" (`{}`)", crate::diag::clip(id)))
        .unwrap_or_default();
    let rest = rest
        .strip_prefix('.')
        .map_or(rest.to_string(), |r| format!(", {r}"));
    // Deeper lists too: `items[1]` is the second item, `items #2`.
    let (path, tail) = rest.split_once(": ").unwrap_or((&rest, ""));
    let sep = if rest.contains(": ") { ": " } else { "" };
    format!("level {}{id}{}{sep}{tail}", i + 1, count_from_one(path))
}

/// serde's path to a value (`sections[0].items[1]`), not a message.
fn is_serde_path(path: &str) -> bool {
    path.contains('[')
        && path
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '[' | ']'))
}

/// `items[1]` as people count: `items #2`.
fn count_from_one(path: &str) -> String {
    let mut counted = String::new();
    let mut left = path;
    while let Some(open) = left.find('[') {
        let Some(close) = left[open..].find(']').map(|c| open + c) else {
            break;
        };
        let Ok(k) = left[open + 1..close].parse::<usize>() else {
            break;
        };
        counted.push_str(&left[..open]);
        counted.push_str(&format!(" #{}", k + 1));
        left = &left[close + 1..];
    }
    counted.push_str(left);
    counted
}

/// How the error of a ` #` that hides a flow collection's `,` or `]`
/// starts.
const FLOW_COMMENT_CUT: &str = "YAML syntax error: ` #` starts a comment";

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
    match serde_yaml::from_str::<serde_yaml::Value>(&fixed) {
        Ok(_) => true,
        Err(e) => e.location().is_some_and(|l| l.line() > failed_at),
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
    ];
    let mut out = message.to_string();
    for (rust, plain) in NAMES {
        out = out.replace(rust, plain);
    }
    out.replace("  ", " ").replace(" , ", ", ")
}

fn yaml_help(message: &str) -> Option<String> {
    if message.contains("mapping values are not allowed") {
        Some("quote text that contains `: `, e.g. `- \"Note: this\"`".into())
    } else if message.contains("invalid type: map, expected a string")
        || message.contains("invalid type: sequence, expected a string")
    {
        Some("quote text that starts with `[`, `{` or contains `: `".into())
    } else if message.contains("invalid type: map, expected a sequence") {
        Some("this holds a list: put each entry on a line of its own, starting with `- `".into())
    } else if message.contains("expected field identifier") {
        Some("a key is a word such as `title`, written `title: text`; a `?` or a `[…]` key is not one".into())
    } else if message.contains("missing field") {
        Some("add the field (see docs/role-format.md)".into())
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

/// A level in a message: `role \`senior-social\``, or by its place
/// (`level 3`) when its id is blank (an error of its own).
fn named(noun: &str, id: &str, i: usize) -> String {
    if is_blank(id) {
        format!("level {}", i + 1)
    } else {
        format!("{noun} `{}`", clip(id))
    }
}

/// `what` and the value in backticks, or `blank` when the value is blank
/// ("invalid role id `x`", "the role id is blank").
fn blank_or(value: &str, blank: &str, what: &str) -> String {
    if is_blank(value) {
        blank.to_string()
    } else {
        format!("{what} `{}`", clip(value))
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
fn path_segments(path: &serde_ignored::Path) -> Vec<String> {
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
fn known_keys(parent: &[String]) -> &'static [&'static str] {
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
fn fields<T: for<'de> Deserialize<'de>>() -> &'static [&'static str] {
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

fn load_company(dir: &Path, path: &Path, source: Arc<str>) -> Result<Company, Vec<Diagnostic>> {
    let mut c = Checker::new(path, source.clone());
    if c.raw_line_breaks() || !c.yaml_hazards(true) {
        return Err(c.errors);
    }
    if c.empty_file("write the company settings: at least `name:` and `website:`") {
        return Err(c.errors);
    }
    // Keys at the top only: every value of company.yaml is a text.
    let known: fn(&[String]) -> &'static [&'static str] = |parent| {
        if parent.is_empty() {
            fields::<CompanyFile>()
        } else {
            &[]
        }
    };
    let Some(file) = c.parse::<CompanyFile>(known) else {
        c.unknown_keys_after_error(known);
        return Err(c.errors);
    };
    check_scalars(&mut c, false);
    if is_blank(&file.name) {
        c.error(
            "name",
            "the company name is empty",
            Some("write `name: Your Company`".into()),
        );
    }
    check_line_length(
        &mut c,
        "name",
        "company name",
        &file.name,
        MAX_COMPANY_NAME_CHARS,
        "shorten it: it heads every page",
    );
    let website = file.website.trim().to_string();
    check_line_length(
        &mut c,
        "website",
        "website",
        &website,
        MAX_WEBSITE_CHARS,
        "use the site's home page: role text links to pages below it with `/path`",
    );
    // Site paths (`/handbook/`) are appended to it: a query or fragment
    // would swallow them.
    let lower = website.to_ascii_lowercase();
    let problem = if !(lower.starts_with("https://") || lower.starts_with("http://")) {
        Some("write e.g. `website: https://example.com`".to_string())
    } else if website.contains(['?', '#']) {
        Some(
            "remove the `?…` or `#…` part: role text links append paths like `/handbook/` to it"
                .to_string(),
        )
    } else {
        // Also what a browser would refuse (a port over 65535, a host with
        // characters no host has): every link on every page was dead.
        crate::markdown::target_problem(&website).map(str::to_string)
    };
    if let Some(help) = problem {
        c.error(
            "website",
            format!(
                "expected an http(s) URL for `website`, found {}",
                quoted(&website)
            ),
            Some(help),
        );
    }
    let brand_color = match file.brand_color.as_deref().map(str::trim) {
        None => DEFAULT_BRAND_COLOR.to_string(),
        Some(col) if is_hex_color(col) => col.to_string(),
        Some(col) => {
            c.error(
                "brand_color",
                format!(
                    "expected a colour as `#rrggbb` (six hexadecimal digits), found {}",
                    quoted(col)
                ),
                Some("write e.g. `brand_color: \"#6B4FBB\"` (quoted: unquoted, `#` starts a YAML comment)".into()),
            );
            DEFAULT_BRAND_COLOR.to_string()
        }
    };
    let logo = file.logo.as_ref().and_then(|name| {
        let ok_ext = [".svg", ".png", ".jpg", ".jpeg"]
            .iter()
            .any(|ext| name.to_ascii_lowercase().ends_with(ext));
        let candidate = dir.join(name);
        use std::path::Component;
        // `./logo.svg` is inside too; `.` alone is the folder itself.
        let parts: Vec<Component> = Path::new(name).components().collect();
        let inside = parts
            .iter()
            .all(|comp| matches!(comp, Component::Normal(_) | Component::CurDir));
        let names_file = parts
            .iter()
            .any(|comp| matches!(comp, Component::Normal(_)));
        if inside && !names_file && !is_blank(name) {
            c.error(
                "logo",
                format!(
                    "the logo `{}` names the role folder itself, not a file",
                    clip(name)
                ),
                Some(
                    "name the logo file, relative to the role folder: e.g. `logo: logo.svg`".into(),
                ),
            );
            None
        } else if !inside {
            c.error(
                "logo",
                format!("the logo `{}` is outside the role folder", clip(name)),
                Some("put the logo file inside the role folder and name it relative to it".into()),
            );
            None
        } else if !ok_ext {
            c.error(
                "logo",
                format!(
                    "{} is not an SVG, PNG or JPEG file",
                    blank_or(name, "the logo is blank text, which", "the logo")
                ),
                None,
            );
            None
        } else if !candidate.is_file() {
            let what = match fs::metadata(&candidate) {
                Ok(m) if m.is_dir() => "is a folder, not a file",
                Ok(_) => "is not a regular file",
                Err(_) => "does not exist",
            };
            c.error(
                "logo",
                format!("the logo file `{}` {what}", candidate.display()),
                None,
            );
            None
        } else if !fs::canonicalize(&candidate)
            .ok()
            .zip(fs::canonicalize(dir).ok())
            .is_some_and(|(logo, dir)| logo.starts_with(dir))
        {
            c.error(
                "logo",
                format!(
                    "the logo `{}` links to a file outside the role folder",
                    clip(name)
                ),
                Some("copy the logo into the role folder instead of linking to it".into()),
            );
            None
        } else {
            // Read once, here: the build's content keys and every PDF use
            // these bytes, so a logo replaced during a run cannot end up in
            // PDFs recorded under the old one's key.
            match read_image(&candidate) {
                Ok((bytes, path)) => Some(Logo { bytes, path }),
                Err(problem) => {
                    let (why, help) = match problem {
                        LogoProblem::Unusable(why) => {
                            (why, Some("export the logo again as SVG or PNG".to_string()))
                        }
                        LogoProblem::Misnamed(why) => (why, None),
                    };
                    c.error(
                        "logo",
                        format!("the logo `{}` cannot be used: {why}", clip(name)),
                        help,
                    );
                    None
                }
            }
        }
    });
    if let Some(url) = &file.grades_url {
        if let Some(why) = crate::markdown::target_problem(url) {
            c.error(
                "grades_url",
                format!("`grades_url` is not a usable link: {}", quoted(url)),
                Some(why.into()),
            );
        } else if url.len() > MAX_URL_BYTES {
            c.error(
                "grades_url",
                format!(
                    "`grades_url` is {} bytes long; at most {MAX_URL_BYTES}",
                    url.len()
                ),
                None,
            );
        }
    }
    if let Some(date) = &file.effective_date
        && let Err(why) = check_date(date)
    {
        c.error(
            "effective_date",
            why,
            Some("write e.g. `effective_date: 2026-11-01`".into()),
        );
    }
    if let Some(v) = &file.data_version {
        // Blank as printed: a zero-width space would be an invisible
        // version in every footer and export.
        if is_blank(v) {
            c.error(
                "data_version",
                "`data_version` is blank",
                Some("remove it to use a hash of the role files".into()),
            );
        } else {
            check_line_length(
                &mut c,
                "data_version",
                "data version",
                v,
                MAX_DATA_VERSION_CHARS,
                "write a short label such as `2026.11` or a commit id",
            );
        }
    }
    let language = file.language.clone().unwrap_or_else(|| "en".into());
    // A language (ISO 639, two or three letters) and an optional region
    // (ISO 3166, two letters): what Typst's `lang` and `region` take.
    let (lang, region) = language.split_once('-').unwrap_or((&language, "GB"));
    let lang_ok = matches!(lang.len(), 2 | 3) && lang.bytes().all(|b| b.is_ascii_lowercase());
    let region_ok = region.len() == 2 && region.bytes().all(|b| b.is_ascii_alphabetic());
    if !(lang_ok && region_ok) {
        c.error(
            "language",
            format!(
                "expected a language code like `en` or `en-GB`, found {}",
                quoted(&language)
            ),
            Some("write the language in lower case, then an optional two-letter region: `de`, `pt-BR`".into()),
        );
    }
    if !c.errors.is_empty() {
        return Err(c.errors);
    }
    Ok(Company {
        name: file.name.trim().to_string(),
        website: website.trim_end_matches('/').to_string(),
        brand_color,
        logo,
        source,
        file: path.to_path_buf(),
        logo_name: file.logo.clone(),
        grades_url: file.grades_url.clone(),
        data_version: file.data_version.as_ref().map(|v| v.trim().to_string()),
        effective_date: file.effective_date.clone(),
        language,
    })
}

/// The largest raster logo, a side and in all: far beyond any print size,
/// small enough to decode in tens of megabytes.
const MAX_LOGO_SIDE: u32 = 8_000;
const MAX_LOGO_PIXELS: u64 = 16_000_000;
/// The largest logo file: it is embedded in every PDF (a thousand roles
/// would carry it a thousand times), and real logos weigh kilobytes.
const MAX_LOGO_BYTES: u64 = 4 * 1024 * 1024;

/// Decodes an image the way Typst will, so a broken logo is reported here
/// against company.yaml instead of failing every document later.
/// Reads the logo once (at most [`MAX_LOGO_BYTES`]) and checks those
/// bytes, which are then the ones every key and PDF uses: a file replaced
/// between a check and a second read could skip the checks.
fn read_image(path: &Path) -> std::result::Result<(Arc<[u8]>, &'static str), LogoProblem> {
    use std::io::Read;
    use typst::foundations::Bytes;
    use typst::visualize::{ExchangeFormat, RasterImage, SvgImage};
    let mut raw = Vec::new();
    fs::File::open(path)
        .and_then(|f| f.take(MAX_LOGO_BYTES + 1).read_to_end(&mut raw))
        .map_err(|e| e.to_string())?;
    if raw.len() as u64 > MAX_LOGO_BYTES {
        return Err(format!(
            "it is larger than {} MiB; it is embedded in every PDF (real logos weigh kilobytes)",
            MAX_LOGO_BYTES >> 20
        )
        .into());
    }
    let bytes: Arc<[u8]> = Arc::from(raw);
    misnamed(&bytes, path)?;
    let data = Bytes::new(bytes.clone());
    let name = path.to_string_lossy().to_ascii_lowercase();
    if name.ends_with(".svg") {
        check_svg_logo(&bytes)?;
        let image = SvgImage::new(data).map_err(|e| {
            // LoadError shows its message only through Debug.
            let debug = format!("{e:?}");
            let msg = debug
                .split("message: \"")
                .nth(1)
                .and_then(|m| m.split('"').next())
                .unwrap_or("it does not parse");
            format!("not a valid SVG image: {msg}")
        })?;
        // A logo of nothing left a blank space at the top of every PDF.
        // Text is dropped from this tree, for want of fonts, so it is
        // looked for apart: any text, also in `<defs>` (a `<use>` shows
        // it) or hidden, counts as drawn.
        if !svg_draws(image.tree().root()) && !svg_has_text(&bytes) {
            return Err("it draws nothing: no shape or text in it is visible"
                .to_string()
                .into());
        }
        Ok((bytes, crate::data::LOGO_PATHS[0]))
    } else {
        let (format, virtual_path) = if name.ends_with(".png") {
            (ExchangeFormat::Png, crate::data::LOGO_PATHS[1])
        } else {
            (ExchangeFormat::Jpg, crate::data::LOGO_PATHS[2])
        };
        // The size from the header first: a 1.5 MB PNG of 40,000 × 40,000
        // pixels took 1.6 GB to decode, and would be embedded in every PDF.
        let (w, h) = crate::render::raster_size(data.as_slice())
            .unwrap_or_else(|| Err("not a PNG or JPEG file".into()))
            .map_err(|e| format!("not a valid image ({e})"))?;
        if u64::from(w) * u64::from(h) > MAX_LOGO_PIXELS || w.max(h) > MAX_LOGO_SIDE {
            return Err(format!(
                "it is {w} × {h} pixels; a logo may have at most {MAX_LOGO_SIDE} pixels a side and \
                 {MAX_LOGO_PIXELS} in all (it prints a few centimetres wide: 1,000 pixels are plenty)"
            )
            .into());
        }
        RasterImage::plain(data, format).map_err(|e| format!("not a valid image ({e})"))?;
        Ok((bytes, virtual_path))
    }
}

/// Why a logo cannot be used: a file to fix, or one that needs only a new
/// name (its message says which; no advice to export it again).
enum LogoProblem {
    Unusable(String),
    Misnamed(String),
}

impl From<String> for LogoProblem {
    fn from(why: String) -> Self {
        LogoProblem::Unusable(why)
    }
}

/// A logo in another format than its name says (a JPEG named `.png` was
/// "Invalid PNG signature", with the advice to export it again): the name
/// it needs, or, for a format no PDF takes, what to export it as.
fn misnamed(bytes: &[u8], path: &Path) -> std::result::Result<(), LogoProblem> {
    let name = path.to_string_lossy().to_ascii_lowercase();
    let claimed = if name.ends_with(".svg") {
        "an SVG"
    } else if name.ends_with(".png") {
        "a PNG"
    } else {
        "a JPEG"
    };
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let (actual, ext) = match image::guess_format(bytes) {
        Ok(image::ImageFormat::Png) => ("a PNG", "png"),
        Ok(image::ImageFormat::Jpeg) => ("a JPEG", "jpg"),
        Ok(other) => {
            let kind = format!("{other:?}").to_uppercase();
            return Err(
                format!("it is a {kind} image, not {claimed}: export it as PNG or JPEG").into(),
            );
        }
        Err(_)
            if text.trim_ascii_start().starts_with(b"<")
                && text.windows(4).any(|w| w == b"<svg") =>
        {
            ("an SVG", "svg")
        }
        // Not recognised: the format's own check says what is wrong.
        Err(_) => return Ok(()),
    };
    if actual == claimed {
        return Ok(());
    }
    let stem = path.file_stem().unwrap_or_default().to_string_lossy();
    Err(LogoProblem::Misnamed(format!(
        "it is {actual} image, not {claimed}: rename it to `{stem}.{ext}` (and `logo:` in company.yaml)"
    )))
}

/// An SVG parsed as usvg parses it: a DTD allowed (refusing one skipped
/// the logo's checks). `None` when it is not XML (Typst's message says so).
pub(crate) fn svg_document(text: &str) -> Option<roxmltree::Document<'_>> {
    let options = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..roxmltree::ParsingOptions::default()
    };
    roxmltree::Document::parse_with_options(text, options).ok()
}

/// What an SVG logo may not hold, beyond what Typst refuses. Compressed
/// SVG (svgz) unpacks past every size limit (1 MB of gzip held 1 GB);
/// an `<image>` or `<feImage>` brings in a raster image that no pixel
/// limit checks (embedded), or a file Typst will not read (linked: every
/// PDF then failed with a message about the template).
fn check_svg_logo(bytes: &[u8]) -> std::result::Result<(), String> {
    if bytes.starts_with(&[0x1f, 0x8b]) {
        return Err("it is a compressed SVG (svgz); save it as plain SVG".into());
    }
    // Not UTF-8, or not XML: Typst's own message follows.
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Ok(());
    };
    let Some(doc) = svg_document(text) else {
        return Ok(());
    };
    if let Some(node) = doc
        .descendants()
        .find(|n| matches!(n.tag_name().name(), "image" | "feImage"))
    {
        let pos = doc.text_pos_at(node.range().start);
        return Err(format!(
            "it holds an image (`<{}>` at line {}, column {}): an SVG logo may only draw shapes \
             and text; use that image itself (PNG or JPEG) as the logo, or an SVG without it",
            node.tag_name().name(),
            pos.row,
            pos.col
        ));
    }
    Ok(())
}

/// Whether anything in `group` can show: a shape with a fill or a stroke
/// that is not fully transparent, an image or text, in groups that are not
/// fully transparent either; a filter's result (`<feFlood>` draws on its
/// own) counts as shown.
fn svg_draws(group: &usvg::Group) -> bool {
    !group.filters().is_empty()
        || group.opacity().get() > 0.0
            && group.children().iter().any(|node| match node {
                usvg::Node::Group(g) => svg_draws(g),
                usvg::Node::Path(p) => {
                    p.is_visible()
                        && (p.fill().is_some_and(|f| f.opacity().get() > 0.0)
                            || p.stroke().is_some_and(|s| s.opacity().get() > 0.0))
                }
                usvg::Node::Image(_) | usvg::Node::Text(_) => true,
            })
}

/// Whether an SVG holds any `<text>` with something other than spaces in
/// it, wherever it is.
fn svg_has_text(bytes: &[u8]) -> bool {
    let Some(doc) = std::str::from_utf8(bytes).ok().and_then(svg_document) else {
        return true;
    };
    doc.descendants()
        .filter(|n| n.tag_name().name() == "text")
        .any(|t| {
            t.descendants()
                .filter_map(|n| n.text())
                .any(|s| !s.trim().is_empty())
        })
}

fn is_hex_color(s: &str) -> bool {
    s.len() == 7 && s.starts_with('#') && s[1..].chars().all(|c| c.is_ascii_hexdigit())
}

/// Parses `YYYY-MM-DD` into (year, month, day), checking the calendar.
pub fn parse_date(s: &str) -> Option<(i32, u8, u8)> {
    check_date(s).ok()
}

/// [`parse_date`], or why not, for the message: the shape, the year's
/// range, the month, or a day that the month does not have.
fn check_date(s: &str) -> std::result::Result<(i32, u8, u8), String> {
    const MONTHS: [(&str, u8); 12] = [
        ("January", 31),
        ("February", 28),
        ("March", 31),
        ("April", 30),
        ("May", 31),
        ("June", 30),
        ("July", 31),
        ("August", 31),
        ("September", 30),
        ("October", 31),
        ("November", 30),
        ("December", 31),
    ];
    // Exactly YYYY-MM-DD: `2026-2-3` or `+2026-02-03` would print as
    // written in every footer.
    let t = s.trim();
    let shaped = t.len() == 10
        && t.bytes().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                c == b'-'
            } else {
                c.is_ascii_digit()
            }
        });
    if !shaped {
        return Err(format!(
            "expected a date as YYYY-MM-DD, found {}",
            quoted(s)
        ));
    }
    // Digits only, so these parse.
    let (y, m, d): (i32, u8, u8) = (
        t[0..4].parse().unwrap_or(0),
        t[5..7].parse().unwrap_or(0),
        t[8..10].parse().unwrap_or(0),
    );
    if !(1970..=9999).contains(&y) {
        return Err(format!("`{t}`: the year must be from 1970 to 9999"));
    }
    let Some(&(month, days)) = MONTHS.get(usize::from(m).wrapping_sub(1)) else {
        return Err(format!("`{t}`: there is no month {m}"));
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = if m == 2 && leap { 29 } else { days };
    if d == 0 || d > days {
        return Err(format!(
            "`{t}` is not a real date: {month} {y} has {days} days, not {d}"
        ));
    }
    Ok((y, m, d))
}

/// A role or family id: lowercase letters and digits in dash-separated
/// words, so it is safe as a file name and in a URL.
///
/// ```
/// use jdgen::load::is_valid_id;
/// assert!(is_valid_id("senior-social"));
/// assert!(!is_valid_id("../etc/passwd"));
/// assert!(!is_valid_id("Senior Social"));
/// ```
pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id.split('-').all(|w| {
            !w.is_empty()
                && w.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
}

/// `con`, `prn`, `aux`, `nul`, `com1`…`com9`, `lpt1`…`lpt9`: Windows will
/// not create a file of that name, with any extension (HR drives are often
/// Windows shares).
fn is_windows_device_name(id: &str) -> bool {
    matches!(id, "con" | "prn" | "aux" | "nul")
        || ((id.starts_with("com") || id.starts_with("lpt"))
            && id.len() == 4
            && id.as_bytes()[3].is_ascii_digit()
            && id.as_bytes()[3] != b'0')
}

/// Turns a name into an id (`Senior Manager` → `senior-manager`). Letters
/// of any script are kept, so `上級` stays `上級` rather than vanishing, and
/// so are their combining marks (`वरिष्ठ` keeps its virama). The name is
/// NFC-normalised first, so `Café` gives `café` however the é is written.
pub fn slugify(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    use unicode_normalization::char::is_combining_mark;
    let mut out = String::new();
    let lower: String = s.nfc().flat_map(char::to_lowercase).collect();
    for c in lower.nfc() {
        if c.is_alphanumeric() || (is_combining_mark(c) && !out.is_empty() && !out.ends_with('-')) {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

/// Parses and checks one family file. On failure returns the role ids it
/// could read (so a batch run can report them as failed) and the errors.
/// A family that failed: the role and family ids it declares (as far as
/// they could be read) and its errors.
struct FamilyFailure {
    ids: Vec<String>,
    /// See [`FailedFile::level_ids_at`].
    ids_at: Vec<String>,
    family_id: Option<String>,
    errors: Vec<Diagnostic>,
    /// `builds_on` targets that are no level of this family, by the index
    /// of their error: one may be a level of another file, which only the
    /// whole folder knows (see [`explain_foreign_targets`]).
    unknown_targets: Vec<(usize, String)>,
    /// Warnings found before or beside the errors: shown with them, so that
    /// fixing the errors does not bring up new findings.
    warnings: Vec<Diagnostic>,
}

fn load_family(
    path: &Path,
    source: Arc<str>,
) -> Result<(FamilyFile, Vec<Diagnostic>), Box<FamilyFailure>> {
    let mut c = Checker::new(path, source);
    if c.raw_line_breaks() || !c.yaml_hazards(false) {
        return Err(Box::new(FamilyFailure {
            ids_at: c.map.level_id_at.clone(),
            ids: std::mem::take(&mut c.map.level_ids),
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

fn cap_errors(errors: &mut Vec<Diagnostic>, file: &Path) {
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

fn cap_warnings(warnings: &mut Vec<Diagnostic>, file: &Path) {
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
fn ids_as_written(source: &str) -> impl Iterator<Item = String> + '_ {
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
                Some(format!(
                    "write `id: {}`",
                    non_empty_slug(&level.id, "my-role")
                )),
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
            check_grade(c, &format!("{p}.grade"), g);
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
            }
        }
    }
}

/// For each level, the index of the level its list (`list_of`) builds on,
/// when that names a level of the family.
fn bases(f: &FamilyFile, list_of: fn(&schema::Level) -> Option<&ItemList>) -> Vec<Option<usize>> {
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

/// Items a list prints once although it holds them twice (as resolve
/// compares them: `same_item_key`): an item repeated within the list, and
/// a `builds_on` all of whose items the list restates, which leaves
/// nothing to print as inherited (and an intro such as "All of the above,
/// and:" with nothing above it). An item also in the family-wide list is
/// not one: the seed pages repeat such lines at a level, and print both.
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
        let own = list
            .items
            .iter()
            .enumerate()
            .map(|(j, t)| (format!("levels.{i}.{kind}.items.{j}"), t))
            .chain(list.groups.iter().enumerate().flat_map(|(g, group)| {
                group
                    .items
                    .iter()
                    .enumerate()
                    .map(move |(j, t)| (format!("levels.{i}.{kind}.groups.{g}.items.{j}"), t))
            }));
        let mut seen: HashSet<&str> = HashSet::new();
        for (path, text) in own {
            let key = same_item_key(text);
            if !key.is_empty() && !seen.insert(key) {
                c.warn(
                    &path,
                    "this item repeats an earlier item of the same list: it prints once",
                    Some("remove one of them".into()),
                );
            }
        }
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

/// The most text one role's document may hold, each text counted once as
/// written (the schema's JSON; `show --format json` holds each text three
/// ways and is about three times larger: 17–51 KB for the shipped roles).
/// Layout takes about 200 MB of memory per MB of text, so 512 KB (some 170
/// pages) keeps a worker near 100 MB.
pub const MAX_DOCUMENT_BYTES: usize = 512 * 1024;
/// The most text all documents of one family may hold together: text
/// shared by every level (intro, sections, values…) is printed, and put in
/// `roles.json`, once per level (1 MB of intro over 200 levels made a
/// 601 MB `roles.json` and 200 documents of 205 pages).
pub const MAX_FAMILY_DOCUMENT_BYTES: usize = 32 * 1024 * 1024;

/// Estimates each level's document (the text shared by the family, the
/// level's own and what its lists inherit) against [`MAX_DOCUMENT_BYTES`],
/// and the family's total against [`MAX_FAMILY_DOCUMENT_BYTES`]. Only for
/// well-formed inheritance (no loops, no unknown levels).
fn check_document_sizes(c: &mut Checker, f: &FamilyFile) {
    fn len<T: serde::Serialize + ?Sized>(v: &T) -> usize {
        serde_json::to_vec(v).map_or(0, |b| b.len())
    }
    // Every document shows the family's texts and its whole ladder.
    let shared = len(&f.summary)
        + len(&f.intro)
        + len(&f.sections)
        + len(&f.responsibilities)
        + len(&f.requirements)
        + len(&f.values)
        + len(&f.performance_indicators)
        + len(&f.career_ladder)
        + len(&f.hiring_process)
        + len(&f.links)
        + f.levels
            .iter()
            .map(|l| len(&l.title) + len(&l.level) + len(&l.id))
            .sum::<usize>();
    // What each level's list holds with inheritance, from the bottom of each
    // chain up (no loops here).
    let inherited = |list_of: fn(&schema::Level) -> Option<&ItemList>| -> Vec<usize> {
        let own: Vec<usize> = f
            .levels
            .iter()
            .map(|l| list_of(l).map_or(0, |l| len(&l.items) + len(&l.groups)))
            .collect();
        let bases = bases(f, list_of);
        let base = |i: usize| bases[i];
        let mut total: Vec<Option<usize>> = vec![None; f.levels.len()];
        for start in 0..f.levels.len() {
            let mut walk = Vec::new();
            let mut cur = Some(start);
            while let Some(i) = cur {
                if total[i].is_some() || walk.len() > f.levels.len() {
                    break;
                }
                walk.push(i);
                cur = base(i);
            }
            let mut below = cur.and_then(|i| total[i]).unwrap_or(0);
            for &i in walk.iter().rev() {
                below = below.saturating_add(own[i]);
                total[i] = Some(below);
            }
        }
        // Inherited only: the level's own items are in its own length.
        (0..f.levels.len())
            .map(|i| base(i).and_then(|j| total[j]).unwrap_or(0))
            .collect()
    };
    let resp = inherited(|l| l.responsibilities.as_ref());
    let req = inherited(|l| l.requirements.as_ref());
    let mut family_total = 0usize;
    let mut reported = false;
    for (i, level) in f.levels.iter().enumerate() {
        let doc = shared
            .saturating_add(len(level))
            .saturating_add(resp[i])
            .saturating_add(req[i]);
        family_total = family_total.saturating_add(doc);
        if doc > MAX_DOCUMENT_BYTES && !reported {
            reported = true;
            c.error(
                &format!("levels.{i}"),
                format!(
                    "{}'s document would hold about {} KB of text ({} KB of it shared by \
                     every level of the family); at most {} KB",
                    named("role", &level.id, i),
                    doc / 1024,
                    shared / 1024,
                    MAX_DOCUMENT_BYTES / 1024
                ),
                Some("link to a page that holds the long text, or split the family".into()),
            );
        }
    }
    if family_total > MAX_FAMILY_DOCUMENT_BYTES {
        c.key_error(
            "levels",
            format!(
                "the {} documents of family `{}` would hold about {} MB of text in all (text shared \
                 by every level is in each); at most {} MB",
                f.levels.len(),
                f.family,
                family_total >> 20,
                MAX_FAMILY_DOCUMENT_BYTES >> 20
            ),
            Some("shorten the text shared by every level, or split the family".into()),
        );
    }
}

/// A value's `emoji` prints in a small square beside its name: one emoji or
/// symbol (one user-perceived character, keycaps like 1️⃣ included), not
/// a letter, digit or word, which would print over the name.
fn check_emoji(emoji: &str) -> std::result::Result<(), String> {
    let clusters: Vec<&str> = emoji.trim().graphemes(true).collect();
    // A variation selector asks for emoji style, which a letter, digit or
    // `!` has none of (`a️` prints `a`): judged without it. A keycap keeps
    // it (1️⃣).
    let bare = |one: &str| {
        if one.contains('\u{20e3}') {
            one.to_string()
        } else {
            one.replace(['\u{fe0e}', '\u{fe0f}'], "")
        }
    };
    match clusters.as_slice() {
        // Blank: reported with every other text that prints as nothing.
        [] => Ok(()),
        [one] if is_letter_or_digit(&bare(one)) => Err(format!(
            "expected one emoji or symbol for `emoji`, found the letter or digit `{}`",
            bare(one)
        )),
        // A typed `!`, `-` or `*` (not a keycap: that has U+20E3 after it).
        // Punctuation only: ASCII symbols (`$`, `+`, `=`, `~`…) stay allowed.
        [one]
            if bare(one).len() == 1
                && b"!\"#%&'()*,-./:;?@[\\]_{}".contains(&bare(one).as_bytes()[0]) =>
        {
            Err(format!(
                "expected one emoji or symbol for `emoji`, found the punctuation mark `{one}`"
            ))
        }
        // The emoji font draws a keycap only around these: `A⃣` printed an
        // empty key and lost its letter.
        [one]
            if one.contains('\u{20e3}')
                && !one
                    .starts_with(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '#', '*']) =>
        {
            Err(format!(
                "expected one emoji or symbol for `emoji`, found `{one}`: a keycap (U+20E3) goes only around 0–9, # or * (1️⃣, #️⃣)"
            ))
        }
        [_] => Ok(()),
        more => Err(format!(
            "expected one emoji or symbol for `emoji`, found {} characters (`{}`)",
            more.len(),
            emoji.trim()
        )),
    }
}

/// A letter or digit of a script (with any marks on it), not a symbol that
/// happens to count as alphabetic (ℹ, Ⓜ, 🅿 are emoji) nor a keycap (1️⃣).
fn is_letter_or_digit(cluster: &str) -> bool {
    use unicode_script::{Script, UnicodeScript};
    let Some(first) = cluster.chars().next() else {
        return false;
    };
    // Symbols that count as alphabetic (ℹ, Ⓜ, 🅿) belong to no script.
    first.is_alphanumeric()
        && (first.is_ascii() || !matches!(first.script(), Script::Common | Script::Inherited))
        && !cluster.contains(['\u{fe0f}', '\u{20e3}'])
}

/// The longest job or family title: it heads the document and runs in every
/// page's header and HR system's job list (the seeds' longest is 44).
const MAX_TITLE_CHARS: usize = 150;
/// The longest level name: it sits in a narrow box of the facts row.
const MAX_LEVEL_CHARS: usize = 60;

/// Empty, or only spaces and characters that print as nothing (the
/// default-ignorables, and the braille blank U+2800, which is not white
/// space but prints as it).
fn is_blank(s: &str) -> bool {
    s.chars().all(is_blank_char)
}

fn is_blank_char(c: char) -> bool {
    c.is_whitespace() || is_default_ignorable(c) || c == '\u{2800}'
}

/// Invisible formatting characters (Unicode's default-ignorable code
/// points): they print as nothing, and fonts need not have them.
pub(crate) fn is_default_ignorable(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
        | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}'
        | '\u{FFA0}' | '\u{FFF0}'..='\u{FFF8}' | '\u{1BCA0}'..='\u{1BCA3}'
        | '\u{1D173}'..='\u{1D17A}' | '\u{E0000}'..='\u{E0FFF}')
}

fn check_name_length(c: &mut Checker, path: &str, what: &str, text: &str, max: usize) {
    check_line_length(
        c,
        path,
        what,
        text,
        max,
        "shorten it, and put the detail in `description`",
    );
}

/// One line of at most `max` characters.
fn check_line_length(c: &mut Checker, path: &str, what: &str, text: &str, max: usize, help: &str) {
    check_one_line(c, path, what, text);
    // Characters as a reader counts them: `ệ` written as e and two marks
    // is one.
    let n = text.trim().graphemes(true).count();
    if n > max {
        c.error(
            path,
            format!("the {what} is {n} characters long; at most {max} fit where it is printed"),
            Some(help.into()),
        );
    }
}

/// The longest company name (the letterhead and every page's header).
const MAX_COMPANY_NAME_CHARS: usize = 100;
/// The longest website: printed beside the name on the letterhead (which
/// wraps it), and put before every site-relative link.
const MAX_WEBSITE_CHARS: usize = 200;
/// The longest `data_version`: it shares every page's footer with the role
/// id, the date and the page number.
const MAX_DATA_VERSION_CHARS: usize = 40;

/// Names are one line: in `jdgen list`, a PDF's title and metadata, the
/// running header and an HR system's job list, a line break splits them
/// (and a bare carriage return lets the rest overprint the start).
/// What a reader (YAML, Typst, a spreadsheet) takes for a line break.
const LINE_BREAKS: [char; 7] = [
    '\n', '\r', '\u{0B}', '\u{0C}', '\u{85}', '\u{2028}', '\u{2029}',
];

fn check_one_line(c: &mut Checker, path: &str, what: &str, text: &str) {
    let breaks = LINE_BREAKS;
    if text.trim().contains('\t') {
        c.error(
            path,
            format!("the {what} holds a tab, which prints as nothing"),
            Some("replace the tab with a space".into()),
        );
    }
    if let Some(b) = text.trim().chars().find(|ch| breaks.contains(ch)) {
        c.error(
            path,
            format!(
                "the {what} holds a line break (U+{:04X}); it must be one line",
                b as u32
            ),
            Some("write it on one line (in a double-quoted YAML string, `\\n` and `\\r` are line breaks too)".into()),
        );
    }
}

/// The mapping at `parent` as a reader names it: "level 2", not
/// `levels.1`.
fn mapping_name(parent: &[String]) -> String {
    match parent {
        [] => "the file's top level".into(),
        [levels, n, rest @ ..] if levels == "levels" && n.parse::<usize>().is_ok() => {
            let level = format!("level {}", n.parse::<usize>().unwrap_or(0) + 1);
            if rest.is_empty() {
                level
            } else {
                format!("`{}` of {level}", counted_path(rest))
            }
        }
        _ => format!("`{}`", counted_path(parent)),
    }
}

/// `groups.0.items` as people count: `groups #1.items`.
fn counted_path(segments: &[String]) -> String {
    // As serde writes it (`groups[0].items`), then counted as messages are.
    let mut serde_path = String::new();
    for s in segments {
        if s.parse::<usize>().is_ok() {
            serde_path.push_str(&format!("[{s}]"));
        } else {
            if !serde_path.is_empty() {
                serde_path.push('.');
            }
            serde_path.push_str(s);
        }
    }
    count_from_one(&serde_path)
}

/// A valid id close to `s`, for suggestions.
fn non_empty_slug(s: &str, fallback: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    // `Über` → `uber`, not `ber`: accents come off (and `ß` and the
    // ligatures Unicode decomposes, such as `ﬁ`, are spelt out) before what
    // is not ASCII is dropped; letters of their own, such as `ø`, go.
    let ascii: String = s
        .replace('ß', "ss")
        .nfkd()
        .filter(|&c| !unicode_normalization::char::is_combining_mark(c))
        .filter(char::is_ascii)
        .collect();
    let slug: String = slugify(&ascii).chars().take(64).collect();
    let slug = slug.trim_end_matches('-');
    if is_valid_id(slug) {
        slug.to_string()
    } else {
        fallback.into()
    }
}

/// Keys whose value must be text: a YAML null there (`~`, `null`, nothing)
/// would otherwise arrive as the literal text "~" or "null".
const REQUIRED_TEXT: &[&str] = &["family", "title", "id", "level", "heading", "name", "text"];

/// `responsibilities.heading` or `requirements.heading`, of the family or
/// of a level: optional, unlike the other headings.
fn is_list_heading(path: &str) -> bool {
    let list = |p: &str| matches!(p, "responsibilities.heading" | "requirements.heading");
    list(path)
        || path
            .strip_prefix("levels.")
            .and_then(|p| p.split_once('.'))
            .is_some_and(|(n, rest)| n.bytes().all(|b| b.is_ascii_digit()) && list(rest))
}

/// Checks every scalar of the file as written: nulls where text is needed,
/// and link targets that must not become links.
fn check_scalars(c: &mut Checker, family: bool) {
    let Ok(value) = serde_yaml::from_str::<serde_yaml::Value>(&c.source) else {
        return;
    };
    let mut found = Vec::new();
    let mut path = String::new();
    walk_scalars(&value, &mut path, false, &c.ignored, &mut found);
    for (path, problem) in found {
        match problem {
            // An empty item already reported as such by the family checks.
            Scalar::Null if c.reported.contains(&path) => {}
            Scalar::Null => c.error(
                &path,
                "expected text, found nothing (a YAML null: `~`, `null` or an empty value)",
                Some("write the text, or remove the entry".into()),
            ),
            // Reported once: where a check of its own (an empty title, an
            // empty item) has not already. Company settings have their own.
            Scalar::Blank if family && !c.reported.contains(&path) => {
                let key = path.rsplit('.').next().unwrap_or("");
                let what = if key.chars().all(|ch| ch.is_ascii_digit()) {
                    "text"
                } else {
                    key
                };
                c.error(
                    &path,
                    format!("empty {what}: it would print as nothing"),
                    Some("write the text, or remove the entry".into()),
                )
            }
            Scalar::Blank => {}
            Scalar::NullOptional if c.reported.contains(&path) => {}
            Scalar::NullOptional => {
                // Only a key with nothing after it: `grade: ~` or `null`
                // says "none" on purpose (the position is then the `~`).
                let at = c.map.value(&path);
                let written = c
                    .source
                    .lines()
                    .nth(at.line.saturating_sub(1))
                    .and_then(|l| l.chars().nth(at.column.saturating_sub(1)));
                if written != Some(':') {
                    continue;
                }
                let key = path.rsplit('.').next().unwrap_or("");
                let help = match key {
                    "grade" => "write the grade (`grade: 7`), or remove the key",
                    "builds_on" => "write the role id of the level this list extends, or remove the key",
                    "reports_to" | "intro" | "outro" | "heading" | "summary" | "text" => {
                        "write its text after the `:`, or remove the key"
                    }
                    _ => "write what it holds (see docs/role-format.md), or remove the key",
                };
                c.warn(
                    &path,
                    format!("`{key}:` has no value, so it counts as not written"),
                    Some(help.into()),
                )
            }
            Scalar::TooLong(n) => c.error(
                &path,
                format!(
                    "text is {n} characters long as a spreadsheet counts them (an emoji counts two, \
                     and a leading `=`, `+`, `-`, `@`, tab or line break one more for the CSV's `'`); at most \
                     {MAX_TEXT_CHARS} fit in a cell"
                ),
                Some("split it into several items or paragraphs".into()),
            ),
            Scalar::Char(ch) => {
                // `"bad \escape"`: `\e` in double quotes is ESC, which the
                // writer meant as a backslash and a letter.
                let short = crate::diag::written_forms(ch)
                    .into_iter()
                    .find(|f| f.len() == 2 && f.starts_with('\\'))
                    .filter(|f| !c.source.contains(ch) && c.source.contains(f.as_str()));
                let help = match short {
                    Some(f) => format!(
                        "in double quotes `{f}` is an escape for this character: for a backslash \
                         write `\\\\` (`\\{f}`), or quote the text with single quotes, which have no escapes"
                    ),
                    None => "remove it: control and bidirectional-override characters garble PDFs and exports".into(),
                };
                c.error_at_char(
                    &path,
                    ch,
                    format!("text contains the invisible character U+{:04X}", ch as u32),
                    Some(help),
                )
            }
            Scalar::Link(target) => {
                let why = crate::markdown::target_problem(&target).unwrap_or_default();
                c.error_at_any(
                    &path,
                    std::slice::from_ref(&target),
                    format!("link target `{}` is not allowed", clip(&target)),
                    Some(why.into()),
                )
            }
            Scalar::LongLink(n, url) => c.error_at_any(
                &path,
                &[url],
                format!(
                    "a link target is {n} bytes long (UTF-8: a character outside ASCII takes 2 to 4); \
                     at most {MAX_URL_BYTES}"
                ),
                Some("link to a shorter address (a page that holds the long one)".into()),
            ),
            // At the blank link's `[` (its `](target` if it is not written
            // as read): in a long text the start of the text says little.
            Scalar::EmptyLabel(target) => c.error_at_any(
                &path,
                &[c
                    .written_blank_link(&path, &target)
                    .unwrap_or_else(|| format!("]({target}"))],
                format!(
                    "the link to `{}` has no text: it would be an invisible link",
                    clip(&target)
                ),
                Some("write the link's text between `[` and `]`".into()),
            ),
            Scalar::HeadingBreak(b) => c.error(
                &path,
                format!(
                    "this heading holds a line break (U+{:04X}): a heading is one line, printed in \
                     a block that cannot break across pages",
                    b as u32
                ),
                Some("write it on one line, and put the rest in a paragraph or an item below it".into()),
            ),
            // (company.yaml's `name` has its own, lower limit.)
            Scalar::LongHeading(_) if !family => {}
            Scalar::LongHeading(n) => c.error(
                &path,
                format!(
                    "this {} is {n} characters long; at most {MAX_HEADING_CHARS}: it prints in one \
                     block that cannot break across pages",
                    match path.rsplit('.').next() {
                        Some("name") => "name",
                        Some("reports_to") => "`reports_to`",
                        _ => "heading",
                    }
                ),
                Some("shorten it, and put the rest in a paragraph or an item below it".into()),
            ),
            Scalar::NearLink(written) => c.warn_at_any(
                &path,
                std::slice::from_ref(&written),
                format!(
                    "`{}` is written like a link but is none: its target holds a space, so it \
                     prints as written",
                    clip(&written)
                ),
                // `[x](https://exa mple.com)`: `%20` would not mend a host.
                Some(
                    match written
                        .rsplit_once("](")
                        .map(|(_, t)| crate::markdown::space_advice(t.trim_end_matches(')')))
                    {
                        Some(a) if a.starts_with("a host") => {
                            format!("{a}; a link takes no title (`\"…\"`)")
                        }
                        Some(a) if a.starts_with("a link takes no title") => a.to_string(),
                        _ => "write a space in the address as `%20`; a link takes no title (`\"…\"`)"
                            .to_string(),
                    },
                ),
            ),
            // `"snake\_case"`: Markdown's escape, and YAML's for U+00A0 in
            // double quotes; the underscore was gone with nothing said.
            Scalar::NoBreakSpace => {
                let (from, written) = c.written(&path);
                // A `\_` that is an escape: not the `_` after `\\`.
                let escape = written.starts_with('"').then(|| {
                    let bytes = written.as_bytes();
                    let mut i = 1;
                    while i + 1 < bytes.len() && bytes[i] != b'"' {
                        if bytes[i] == b'\\' {
                            if bytes[i + 1] == b'_' {
                                return Some(i);
                            }
                            i += 1;
                        }
                        i += 1;
                    }
                    None
                });
                if let Some(Some(at)) = escape {
                    let (line, column) = c.lines.position(&c.source, from + at);
                    let d = c.diag(Diagnostic::warning(
                        "in double quotes `\\_` is YAML's escape for a no-break space: the text \
                         prints a space there, not an underscore",
                    ).help(
                        "for an underscore write `_` (or `\\\\_` to keep it from pairing \
                         as emphasis), or quote the text with single quotes, where `\\_` is \
                         Markdown's escaped underscore",
                    ), &path, false);
                    c.warnings.push(d.at(line, column));
                }
            }
            Scalar::UnmeantEmphasis(written) => {
                let mark = written.chars().next().unwrap_or('*');
                let inner = written.trim_matches(mark);
                // In backticks, unless it holds one (`*.yaml` and `*`).
                let code = |t: &str| {
                    if t.contains('`') {
                        format!("“{}”", clip(t))
                    } else {
                        format!("`{}`", clip(t))
                    }
                };
                c.warn_at_any(
                    &path,
                    std::slice::from_ref(&written),
                    format!(
                        "{} prints {} in {} and loses both `{}`: the one before `.` closes \
                         the first",
                        code(&written),
                        code(inner),
                        if written.starts_with("**") { "bold" } else { "italics" },
                        if written.starts_with("**") { "**" } else if mark == '*' { "*" } else { "_" },
                    ),
                    Some(format!(
                        "to print a `{mark}` as written, put a `\\` before it (`\\{mark}`; in a \
                         double-quoted YAML string `\\\\{mark}`)"
                    )),
                )
            }
            Scalar::NotAutolink(written, why) => c.warn_at_any(
                &path,
                std::slice::from_ref(&written),
                format!("`{}` is no link: {why}", clip(&written)),
                Some(
                    "mend the address to make it a link; to keep it as text, write `\\<` before it"
                        .into(),
                ),
            ),
            Scalar::HugeCluster(n, cluster) => c.error_at_any(
                &path,
                &[cluster],
                format!(
                    "one character here is built from {n} code points (a letter with that many \
                     combining marks, selectors or joiners); at most {MAX_CLUSTER_CHARS}"
                ),
                Some("remove the extra combining marks".into()),
            ),
        }
    }
}

enum Scalar {
    Null,
    /// An optional key written with nothing after it (`grade:`): read as
    /// not written, which is likely not what an unfinished edit meant.
    NullOptional,
    /// Empty, or only characters that print as nothing.
    Blank,
    Link(String),
    TooLong(usize),
    Char(char),
    /// Its length in bytes, and the target.
    LongLink(usize, String),
    /// A link whose text prints as nothing: an invisible, clickable area.
    EmptyLabel(String),
    /// Its length in code points, and the cluster.
    HugeCluster(usize, String),
    /// Written like a link, but not one (a space in its target).
    NearLink(String),
    /// `<http://localhost:PORT>`: as written, and why it is no link.
    NotAutolink(String, &'static str),
    /// Emphasis that ends before a file name's `.ext` (`*nix or tmp*`).
    UnmeantEmphasis(String),
    /// A no-break space, which in a double-quoted text may be YAML's `\_`
    /// written as Markdown's escaped underscore.
    NoBreakSpace,
    /// A heading, a value's name or `reports_to` this many characters long.
    LongHeading(usize),
    /// A heading with a line break: it prints in one block that cannot
    /// break across pages, and 100 short lines ran off the page.
    HeadingBreak(char),
}

/// Fields printed in a block that cannot break across pages (headings,
/// which stay with what follows them; a value's name; the facts box's
/// "Reports to"): longer than a page, the rest was cut off at its foot.
const ONE_BLOCK_FIELDS: &[&str] = &["heading", "name", "reports_to"];
/// The longest of them: a few lines.
pub const MAX_HEADING_CHARS: usize = 200;

/// The longest link target, in bytes. Typst refuses URLs over 8,000
/// bytes, and a site path is put after the website; 2,000 is what browsers
/// and mail clients reliably keep.
pub const MAX_URL_BYTES: usize = 2_000;

/// The most code points one user-perceived character (grapheme cluster)
/// may have. The longest real ones (emoji families with skin tones, tag
/// flags, stacked Indic conjuncts) have about 10; one over 64 KB crashes
/// the PDF writer, which counts a cluster's bytes in 16 bits.
pub const MAX_CLUSTER_CHARS: usize = 32;

/// The longest text a spreadsheet cell holds (Excel's limit); longer text
/// could not be exported faithfully.
pub const MAX_TEXT_CHARS: usize = 32_767;

/// Control characters (other than newline and tab) and the invisible
/// bidirectional overrides that can make text read backwards.
fn is_forbidden_char(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t' && c != '\r') || is_bidi_control(c)
}

/// The bidirectional embeddings, overrides and isolates (U+202A–202E,
/// U+2066–2069).
pub(crate) fn is_bidi_control(c: char) -> bool {
    ('\u{202A}'..='\u{202E}').contains(&c) || ('\u{2066}'..='\u{2069}').contains(&c)
}

/// Collects the problems of every scalar of `v` at `path`, skipping the
/// unknown keys in `ignored`. `path` is one buffer, extended and cut back
/// on the way down: a path string per node made long keys nested deep
/// quadratic.
fn walk_scalars(
    v: &serde_yaml::Value,
    path: &mut String,
    in_list: bool,
    ignored: &HashSet<String>,
    out: &mut Vec<(String, Scalar)>,
) {
    use serde_yaml::Value as V;
    let key = path.rsplit('.').next().unwrap_or("");
    match v {
        // A list's own `heading:` is optional: left empty, it is absent.
        V::Null if in_list || (REQUIRED_TEXT.contains(&key) && !is_list_heading(path)) => {
            out.push((path.to_string(), Scalar::Null))
        }
        // Lists with a warning of their own when empty ("list has no items").
        V::Null
            if !key.is_empty()
                && !ignored.contains(path.as_str())
                && !matches!(
                    key,
                    "items" | "steps" | "groups" | "paragraphs" | "sections"
                ) =>
        {
            out.push((path.to_string(), Scalar::NullOptional))
        }
        V::String(s) => {
            // As a spreadsheet counts (an emoji is two; a safe CSV's `'`
            // before `=` one more), so that the cell check, which cannot
            // point at the text, never finds a text this one let through.
            if s.len() >= MAX_TEXT_CHARS {
                let n = crate::export::xlsx::spreadsheet_len(s);
                if n > MAX_TEXT_CHARS {
                    out.push((path.to_string(), Scalar::TooLong(n)));
                }
            }
            if let Some(ch) = s.chars().find(|c| is_forbidden_char(*c)) {
                out.push((path.to_string(), Scalar::Char(ch)));
            }
            if s.contains('\u{a0}') {
                out.push((path.to_string(), Scalar::NoBreakSpace));
            }
            // (ASCII has no long clusters: the fast path for most text.)
            if let Some(g) = (!s.is_ascii())
                .then(|| {
                    s.graphemes(true)
                        .find(|g| g.chars().count() > MAX_CLUSTER_CHARS)
                })
                .flatten()
            {
                out.push((
                    path.to_string(),
                    Scalar::HugeCluster(g.chars().count(), g.to_string()),
                ));
            }
            let mut longest = String::new();
            let crate::markdown::Scanned {
                targets,
                near,
                not_autolinks,
            } = crate::markdown::scan_links(s);
            for t in targets {
                if !crate::markdown::is_allowed_target(&t) {
                    out.push((path.to_string(), Scalar::Link(t)));
                } else if t.len() > longest.len() {
                    longest = t;
                }
            }
            // Last: a text that is only, say, bidi overrides is reported
            // for them, not again as empty. What counts is what prints:
            // `*\u{200B}*` is as blank as an empty text.
            // Markdown is read only where it could hide text: a link, or
            // nothing but markers and blanks.
            let only_markers = || {
                s.chars()
                    .all(|c| matches!(c, '*' | '_' | '\\') || is_blank_char(c))
            };
            if ONE_BLOCK_FIELDS.contains(&key) {
                let n = s.trim().graphemes(true).count();
                if n > MAX_HEADING_CHARS {
                    out.push((path.to_string(), Scalar::LongHeading(n)));
                }
            }
            // (Names and `reports_to` have their own one-line check.)
            if key == "heading"
                && let Some(b) = s.trim().chars().find(|c| LINE_BREAKS.contains(c))
            {
                out.push((path.to_string(), Scalar::HeadingBreak(b)));
            }
            for n in near {
                out.push((path.to_string(), Scalar::NearLink(n)));
            }
            // (Titles and names are plain text: nothing in them is a link.)
            if !matches!(key, "title" | "level" | "name" | "emoji") {
                for (written, why) in not_autolinks {
                    out.push((path.to_string(), Scalar::NotAutolink(written, why)));
                }
                // Once each: the same emphasis written twice is one
                // warning, at its first place.
                let mut seen = HashSet::new();
                for written in crate::markdown::unmeant_emphasis(s) {
                    if seen.insert(written.clone()) {
                        out.push((path.to_string(), Scalar::UnmeantEmphasis(written)));
                    }
                }
            }
            let spans =
                (s.contains(['[', '<']) || only_markers()).then(|| crate::markdown::parse(s, ""));
            let spans = spans.as_deref().unwrap_or_default();
            let links = crate::markdown::links(spans);
            // The links the parser makes too: emphasis read first can turn
            // what the scan above saw as a link's text into a link.
            for (_, url) in &links {
                if url.len() > longest.len() {
                    longest = url.clone();
                }
            }
            if longest.len() > MAX_URL_BYTES {
                out.push((path.to_string(), Scalar::LongLink(longest.len(), longest)));
            }
            if is_blank(s) || (!spans.is_empty() && is_blank(&crate::markdown::spans_text(spans))) {
                out.push((path.to_string(), Scalar::Blank));
            } else {
                for (label, url) in links {
                    if is_blank(&label) {
                        out.push((path.to_string(), Scalar::EmptyLabel(url)));
                    }
                }
            }
        }
        V::Sequence(items) => {
            for (i, item) in items.iter().enumerate() {
                let len = push_segment(path, &i.to_string());
                walk_scalars(item, path, true, ignored, out);
                path.truncate(len);
            }
        }
        V::Mapping(m) => {
            for (k, item) in m {
                if let Some(k) = k.as_str() {
                    let len = push_segment(path, k);
                    if !ignored.contains(path.as_str()) {
                        walk_scalars(item, path, false, ignored, out);
                    }
                    path.truncate(len);
                }
            }
        }
        _ => {}
    }
}

/// Appends `.segment` (or `segment` to the empty root path); the length
/// before, to cut back to.
fn push_segment(path: &mut String, segment: &str) -> usize {
    let len = path.len();
    if len > 0 {
        path.push('.');
    }
    path.push_str(segment);
    len
}

/// The highest job grade accepted; real grade ladders stop far below.
pub const MAX_GRADE: u64 = 1000;

/// Grades: a positive whole number (1 to `MAX_GRADE`), written as a number.
fn check_grade(c: &mut Checker, path: &str, g: &serde_yaml::Value) {
    use serde_yaml::Value as V;
    let shown = match g {
        V::Null => return,
        V::Number(n) if n.as_u64().is_some_and(|n| (1..=MAX_GRADE).contains(&n)) => {
            // As written: YAML also reads `0x0A`, `0o13` and `+8` as
            // numbers, which would be exported as 10, 11 and 8 unseen.
            let from = c.offset(c.map.value(path));
            let raw = c.source[from..]
                .split([' ', '\t', '\r', '\n', '#', ',', ']', '}'])
                .next()
                .unwrap_or("");
            if !raw.bytes().all(|b| b.is_ascii_digit()) {
                c.error(
                    path,
                    format!(
                        "expected the job grade as a plain whole number, found {}",
                        quoted(raw)
                    ),
                    Some(format!("write it in decimal digits: `grade: {n}`")),
                );
            }
            return;
        }
        V::Number(n) => n.to_string(),
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
            return;
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

/// The most levels a family may have. Real career ladders have a handful;
/// every role's document shows them all.
pub const MAX_LEVELS_PER_FAMILY: usize = 200;
/// The most groups one list may have.
pub const MAX_GROUPS_PER_LIST: usize = 100;

/// How many items one level's list may hold once inherited items are
/// counted in. The seeds' longest holds 30; inheritance multiplies a file
/// like YAML aliases do (a 170 KB chain of 1,000 levels made a 467 MB
/// `roles.json`), so it is bounded like them.
pub const MAX_ITEMS_PER_LIST: usize = 1_000;
/// How many items all levels of a family may list in all, inherited ones
/// counted at every level that shows them.
pub const MAX_ITEMS_PER_FAMILY: usize = 20_000;

/// `builds_on` must name a level of the same family and must not loop
/// (every loop is reported, once); a level's list, inherited items
/// included, holds at most [`MAX_ITEMS_PER_LIST`]. Linear in the number of
/// levels. Returns each level's item count with inheritance (an upper
/// bound: restated items are listed once), or `None` when a loop or an
/// unknown level leaves it undefined. Without `chains` (the family's ids
/// are not unique) only the targets are checked.
fn check_inheritance(
    c: &mut Checker,
    f: &FamilyFile,
    kind: &str,
    list_of: impl Fn(&schema::Level) -> Option<&ItemList>,
    chains: bool,
) -> Option<Vec<usize>> {
    let index: BTreeMap<&str, usize> = f
        .levels
        .iter()
        .enumerate()
        .filter(|(_, l)| !is_blank(&l.id))
        .map(|(i, l)| (l.id.as_str(), i))
        .collect();
    let n = f.levels.len();
    let own: Vec<usize> = f
        .levels
        .iter()
        .map(|l| {
            list_of(l).map_or(0, |l| {
                l.items.len() + l.groups.iter().map(|g| g.items.len()).sum::<usize>()
            })
        })
        .collect();
    // The level each one builds on, when it names one of this family.
    let mut next: Vec<Option<usize>> = vec![None; n];
    let mut well_formed = true;
    for (i, level) in f.levels.iter().enumerate() {
        let Some(target) = list_of(level).and_then(|l| l.builds_on.as_deref()) else {
            continue;
        };
        match index.get(target) {
            Some(&j) => {
                next[i] = Some(j);
                // Levels are written junior first, and a list builds on the
                // level below: the PDF prints the base's items as "From"
                // a lower level, and the exports mark them inherited.
                // By grade when both have one (a base written below but
                // graded lower is fine), else by the order written.
                // Valid grades only: `six` or `"6"` is an error of its own,
                // and compared as YAML values it ranked above any number.
                let grade = |l: &schema::Level| {
                    l.grade
                        .as_ref()
                        .and_then(serde_yaml::Value::as_u64)
                        .filter(|g| (1..=MAX_GRADE).contains(g))
                };
                let (own_grade, base_grade) = (grade(level), grade(&f.levels[j]));
                let upward = match (own_grade, base_grade) {
                    (Some(own), Some(base)) => base > own,
                    _ => j > i,
                };
                let higher_grade = own_grade.is_some() && base_grade.is_some();
                // With duplicate ids (`!chains`) which level is meant is
                // unknown: no guess.
                if chains && upward && j != i {
                    c.warn(
                        &format!("levels.{i}.{kind}.builds_on"),
                        format!(
                            "{} builds on {}, a level {} it: its {kind} would be printed as \
                             inherited from a more senior level",
                            named("", &level.id, i).trim_start(),
                            named("", &f.levels[j].id, j).trim_start(),
                            if higher_grade {
                                "graded above"
                            } else {
                                "written after"
                            }
                        ),
                        Some("name the level below (levels are written junior first)".into()),
                    );
                }
            }
            None => {
                well_formed = false;
                // A suggestion compares the target with every level: for
                // the first hundred unknown targets only (8,000 of them in
                // 8,000 levels took minutes), and a list of at most ten.
                // Not the level itself: a list cannot build on its own level.
                let others = || index.keys().copied().filter(|id| *id != level.id);
                let suggestion = (c.unknown_targets.len() < 100)
                    .then(|| closest(target, others()))
                    .flatten();
                // A level's name (`Senior`) for its role id: say which id
                // (also a scan of every level: for the first hundred only).
                let by_name = (c.unknown_targets.len() < 100)
                    .then(|| {
                        f.levels.iter().find(|l| {
                            l.id != level.id && l.level.trim().eq_ignore_ascii_case(target.trim())
                        })
                    })
                    .flatten();
                // (A level whose id is blank has none to name.)
                let help = by_name
                    .filter(|l| !is_blank(&l.id))
                    .map(|l| {
                        format!(
                            "`builds_on` takes a role id: the {} level is `{}`",
                            clip(&l.level),
                            clip(&l.id)
                        )
                    })
                    .or_else(|| suggestion.map(|s| format!("did you mean `{s}`?")))
                    .unwrap_or_else(|| {
                        let shown: Vec<&str> = others().take(10).collect();
                        let more = others().count().saturating_sub(shown.len());
                        if shown.is_empty() {
                            return if index.is_empty() {
                                "give the levels ids, and name one of them".to_string()
                            } else {
                                "the family has no other level to build on: remove `builds_on`"
                                    .to_string()
                            };
                        }
                        format!(
                            "levels of this family: {}{}",
                            shown.join(", "),
                            if more > 0 {
                                format!(" and {more} more")
                            } else {
                                String::new()
                            }
                        )
                    });
                c.unknown_targets.push((c.errors.len(), target.to_string()));
                c.error(
                    &format!("levels.{i}.{kind}.builds_on"),
                    format!(
                        "{} names no level of family `{}`",
                        if target.trim().is_empty() {
                            "`builds_on:` with blank text".to_string()
                        } else {
                            format!("`builds_on: {}`", clip(target))
                        },
                        f.family
                    ),
                    Some(help),
                );
            }
        }
    }
    if !chains {
        // Only the targets: the ids are not unique, so no chain is certain.
        return None;
    }
    // Walk each chain once: 0 = not seen, 1 = on the walk in progress,
    // 2 = done (its count known, or it leads into a loop).
    let mut state = vec![0u8; n];
    let mut count: Vec<Option<usize>> = vec![None; n];
    for startpoint in 0..n {
        let mut walk = Vec::new();
        let mut cur = Some(startpoint);
        while let Some(i) = cur {
            match state[i] {
                0 => {
                    state[i] = 1;
                    walk.push(i);
                    cur = next[i];
                }
                1 => {
                    // A new loop: from `i` to the end of this walk.
                    well_formed = false;
                    let from = walk.iter().position(|&w| w == i).unwrap_or(0);
                    // (No blank id: such a level is no target.)
                    let name = |w: usize| format!("`{}`", clip(&f.levels[w].id));
                    let mut names: Vec<String> = walk[from..].iter().map(|&w| name(w)).collect();
                    names.push(name(i));
                    c.error(
                        &format!("levels.{i}.{kind}.builds_on"),
                        format!("{kind} inheritance loops: {}", names.join(" → ")),
                        Some("remove `builds_on` from one of these levels".into()),
                    );
                    break;
                }
                _ => break,
            }
        }
        // Unwind: each level's count is its own plus its base's; unknown
        // when the walk ran into a loop (its end is still in progress).
        let mut base = match cur {
            None => Some(0),
            Some(i) if state[i] == 2 => count[i],
            Some(_) => None,
        };
        for &i in walk.iter().rev() {
            count[i] = base.map(|b| own[i].saturating_add(b));
            state[i] = 2;
            base = count[i];
        }
    }
    // A list that builds on levels listing nothing prints nothing, its
    // heading and intro included (its own emptiness is checked with it).
    for i in 0..n {
        if count[i] == Some(0)
            && let Some(j) = next[i]
        {
            c.warn(
                &format!("levels.{i}.{kind}.builds_on"),
                format!(
                    "the {kind} build on {}, but no level of that chain lists any: they do not \
                     print, heading and intro included",
                    named("", &f.levels[j].id, j).trim_start()
                ),
                Some("add `items:`, or remove the list".into()),
            );
        }
    }
    // Report where a list first grows past the limit: a level over it whose
    // base is not (its own items, or its inheritance, are the cause).
    for i in 0..n {
        let Some(total) = count[i] else { continue };
        let base_total = next[i].and_then(|j| count[j]).unwrap_or(0);
        if total > MAX_ITEMS_PER_LIST && base_total <= MAX_ITEMS_PER_LIST {
            let (field, with) = if own[i] > MAX_ITEMS_PER_LIST {
                ("items", "")
            } else {
                ("builds_on", " with inherited ones")
            };
            c.error(
                &format!("levels.{i}.{kind}.{field}"),
                format!(
                    "{} lists {total} {kind}{with}; at most {MAX_ITEMS_PER_LIST}",
                    named("level", &f.levels[i].id, i)
                ),
                Some("shorten the list or its `builds_on` chain: a job description this long is not read".into()),
            );
        }
    }
    well_formed.then(|| count.into_iter().map(|c| c.unwrap_or(0)).collect())
}

/// Role ids and family ids must be unique across all files (failed files
/// too, as far as their ids could be read). Every file that uses an id
/// another file uses fails, at its own line, naming the others: a new file
/// that takes a shipped role's id is told so where it was written, and
/// neither role renders (which one was meant is not jdgen's to guess).
fn check_duplicates(families: &mut Vec<Family>, failed: &mut Vec<FailedFile>) {
    // Each id with the files using it, in name order.
    let mut role_files: HashMap<String, Vec<PathBuf>> = HashMap::new();
    let mut family_files: HashMap<String, Vec<PathBuf>> = HashMap::new();
    let note = |map: &mut HashMap<String, Vec<PathBuf>>, id: &str, file: &Path| {
        // A blank id is an error of its own, not a shared one.
        if id.trim().is_empty() {
            return;
        }
        let files = map.entry(id.to_string()).or_default();
        if !files.iter().any(|f| f == file) {
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
    // The other files using `id`, or None when it is this file's alone.
    let others = |map: &HashMap<String, Vec<PathBuf>>, id: &str, file: &Path| -> Option<String> {
        let files = map.get(id)?;
        let names: Vec<String> = files
            .iter()
            .filter(|f| f.as_path() != file)
            .map(|f| f.display().to_string())
            .collect();
        (!names.is_empty()).then(|| names.join(", "))
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
                // Its level's place, for the build to charge it to that role.
                d.level = f
                    .level_ids_at
                    .iter()
                    .position(|at| at == id)
                    .and_then(|i| u32::try_from(i).ok());
                errors.push(d);
            }
        }
        f.errors.extend(errors);
    }
    let mut newly_failed: Vec<(usize, Vec<Diagnostic>)> = Vec::new();
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
            newly_failed.push((i, c.errors));
        }
    }
    let mut keep = Vec::new();
    for (i, fam) in families.drain(..).enumerate() {
        match newly_failed.iter().position(|(j, _)| *j == i) {
            Some(k) => failed.push(FailedFile {
                file: fam.file.clone(),
                role_ids: fam.data.levels.iter().map(|l| l.id.clone()).collect(),
                level_ids_at: fam.data.levels.iter().map(|l| l.id.clone()).collect(),
                family_id: Some(fam.data.family.clone()),
                source: Some(fam.source.clone()),
                errors: std::mem::take(&mut newly_failed[k].1),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_suggested_id_keeps_accented_letters_without_their_accents() {
        assert_eq!(non_empty_slug("Über", "my-role"), "uber");
        assert_eq!(
            non_empty_slug("Crème Brûlée Lead", "my-role"),
            "creme-brulee-lead"
        );
        assert_eq!(non_empty_slug("设计师", "my-role"), "my-role");
        assert_eq!(
            non_empty_slug("Straße ﬁnance", "my-role"),
            "strasse-finance"
        );
    }

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

    #[test]
    fn ids_and_slugs() {
        assert!(is_valid_id("senior-social"));
        assert!(is_valid_id("staff-2"));
        assert!(!is_valid_id("Senior"));
        assert!(!is_valid_id("a--b"));
        assert!(!is_valid_id("../x"));
        assert_eq!(slugify("Senior Manager, Social"), "senior-manager-social");
        assert_eq!(slugify("上級 Manager"), "上級-manager");
        // Combining marks stay with their letter; how a letter is written
        // (precomposed or not) does not change the id.
        assert_eq!(slugify("वरिष्ठ प्रबंधक"), "वरिष्ठ-प्रबंधक");
        assert_eq!(slugify("Cafe\u{301} Lead"), slugify("Café Lead"));
        assert_eq!(slugify("Café Lead"), "café-lead");
        assert_eq!(slugify("İstanbul"), "i\u{307}stanbul");
    }

    #[test]
    fn a_second_document_is_located() {
        assert_eq!(second_document_line("---\na: 1\n---\nb: 2\n"), Some(3));
        assert_eq!(second_document_line("# c\na: 1\n--- \nb: 2\n"), Some(3));
        assert_eq!(second_document_line("---\na: 1\n"), None);
    }

    #[test]
    fn dates_are_checked() {
        assert_eq!(parse_date("2024-02-29"), Some((2024, 2, 29)));
        assert_eq!(parse_date("2023-02-29"), None);
        assert_eq!(parse_date("2023-13-01"), None);
        assert_eq!(parse_date("yesterday"), None);
        assert_eq!(parse_date("2026-2-3"), None);
        assert_eq!(parse_date("+2026-02-03"), None);
        assert_eq!(parse_date(" 2026-02-03 "), Some((2026, 2, 3)));
    }
}
