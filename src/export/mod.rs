//! HR exports: the resolved roles as CSV tables, an XLSX workbook, a JSON
//! file and a ZIP bundle with every PDF (`jdgen export`, `jdgen build`).
//!
//! The same bytes for the same inputs: the only outside inputs are
//! `SOURCE_DATE_EPOCH` (read by [`export_files`] for the ZIP and XLSX
//! timestamps) and the PDFs the bundle holds ([`Pdfs`]: in memory, or read
//! from the folder a batch run rendered them to). The tables, CSVs and
//! workbook are made in memory; the bundle and `roles.json`, the large
//! ones, are streamed to the caller's writer ([`write_bundle`],
//! [`json::write_roles_json`]), and the callers put every file in place
//! atomically. `docs/exports.md` documents every file and column.
//!
//! - [`tables`]: the `roles` and `items` tables, typed cells, stable order.
//! - [`csv`]: RFC 4180 CSV, `safe` / `import` profiles, `--excel` flavour.
//! - [`xlsx`]: one workbook, a sheet per table.
//! - [`json`]: the roles as `jdgen show --format json` gives them.
//! - [`zip`] and [`manifest`]: the reproducible bundle.

use std::borrow::Cow;
use std::collections::BTreeMap;

use crate::data::DocumentOptions;
use crate::diag::Diagnostic;
use crate::error::{Error, Result};
use crate::load::{self, Company};
use crate::resolve::ResolvedRole;

pub mod csv;
mod folder;
pub mod json;
pub mod manifest;
mod stage;
pub mod tables;
pub mod xlsx;
pub mod zip;

pub use folder::{Event, write_folder};
pub use stage::{Pending, stage_exports};

pub use self::csv::CsvProfile;
pub use self::tables::{Cell, Column, ColumnType, Table, TableName};

/// The workbook's file name.
pub const XLSX_FILE: &str = "roles.xlsx";
/// The JSON file's name.
pub const JSON_FILE: &str = "roles.json";
/// The bundle's file name.
pub const ZIP_FILE: &str = "job-descriptions.zip";
/// Where `jdgen export` writes when no `-o` is given.
pub const DEFAULT_DIR: &str = "out/export";
/// The export timestamp when `SOURCE_DATE_EPOCH` is unset: 1980-01-01
/// 00:00:00 UTC, the earliest time a ZIP entry can carry.
pub const DEFAULT_TIMESTAMP: i64 = 315_532_800;

/// Whether `name` is the name of a file some export writes: the only
/// names a run may remove from an export folder (the names it reads back
/// from its state file could otherwise be anything, `../../x` included).
pub fn is_export_file(name: &str) -> bool {
    [XLSX_FILE, JSON_FILE, ZIP_FILE].contains(&name)
        || TableName::ALL.iter().any(|&t| csv_file(t) == name)
}

/// The file name of a table's CSV (`roles.csv`, `items.csv`).
pub fn csv_file(table: TableName) -> String {
    format!("{}.csv", table.as_str())
}

/// What to export.
pub struct ExportInput<'a> {
    pub company: &'a Company,
    pub roles: &'a [ResolvedRole],
    pub doc: &'a DocumentOptions,
    /// Every role's PDF; only read for the ZIP bundle, which needs one for
    /// every role.
    pub pdfs: Pdfs<'a>,
}

/// Where the bundle's PDFs come from.
#[derive(Debug, Clone, Copy)]
pub enum Pdfs<'a> {
    /// Role id → PDF bytes already in memory (`jdgen export --zip`).
    InMemory(&'a BTreeMap<String, Vec<u8>>),
    /// A folder of `<role-id>.pdf` files (`jdgen build`): each PDF is read
    /// when it is hashed and again when it is zipped, so memory does not
    /// grow with the number of roles. With `expected` (role id → SHA-256,
    /// what the batch run recorded), every read is checked against it: a
    /// PDF replaced on disk meanwhile (a `jdgen pdf` into the same folder,
    /// which takes no lock) fails the bundle instead of slipping into it.
    Folder {
        dir: &'a std::path::Path,
        expected: Option<&'a BTreeMap<String, String>>,
    },
}

/// Which files to make, and how CSVs look.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Formats {
    pub csv: bool,
    pub xlsx: bool,
    pub json: bool,
    pub zip: bool,
    /// For every CSV, loose and in the bundle.
    pub csv_profile: CsvProfile,
    /// UTF-8 BOM and CRLF in every CSV, loose and in the bundle.
    pub excel: bool,
}

impl Formats {
    /// Every format, default CSV settings.
    pub fn all() -> Formats {
        Formats {
            csv: true,
            xlsx: true,
            json: true,
            zip: true,
            ..Formats::default()
        }
    }

    /// Whether any format is chosen.
    pub fn any(&self) -> bool {
        self.csv || self.xlsx || self.json || self.zip
    }

    /// Whether any CSV is made (loose or in the bundle).
    pub fn makes_csv(&self) -> bool {
        self.csv || self.zip
    }
}

/// One file to write, relative to the export folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    /// `/`-separated relative path (`roles.csv`, `job-descriptions.zip`).
    pub path: String,
    pub bytes: Vec<u8>,
}

/// A file as the ZIP writer and the manifest see it: owned, borrowed, or
/// read from disk on demand, so the bundle never holds every PDF at once
/// (memory must stay flat as the number of roles grows).
pub trait FileRef {
    fn path(&self) -> &str;
    fn bytes(&self) -> std::io::Result<Cow<'_, [u8]>>;
    /// The size of `bytes()` without reading them (0 when unknown).
    fn size_hint(&self) -> u64;
}

impl FileRef for OutputFile {
    fn path(&self) -> &str {
        &self.path
    }
    fn bytes(&self) -> std::io::Result<Cow<'_, [u8]>> {
        Ok(Cow::Borrowed(&self.bytes))
    }
    fn size_hint(&self) -> u64 {
        self.bytes.len() as u64
    }
}

/// One entry of the bundle.
pub struct Entry<'a> {
    pub path: Cow<'a, str>,
    pub data: EntryData<'a>,
}

pub enum EntryData<'a> {
    Bytes(&'a [u8]),
    /// A file, and the SHA-256 its bytes must have, if known.
    File(std::path::PathBuf, Option<&'a str>),
}

impl FileRef for Entry<'_> {
    fn path(&self) -> &str {
        &self.path
    }
    fn bytes(&self) -> std::io::Result<Cow<'_, [u8]>> {
        match &self.data {
            EntryData::Bytes(b) => Ok(Cow::Borrowed(b)),
            EntryData::File(p, expected) => {
                let bytes = std::fs::read(p)
                    .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", p.display())))?;
                if let Some(want) = expected
                    && crate::fsutil::sha256_hex(&bytes) != *want
                {
                    return Err(std::io::Error::other(format!(
                        "{} changed on disk while the bundle was being made (another `jdgen pdf` or \
                         `export` writing into this folder?); the previous exports are kept: run \
                         `jdgen build` again",
                        p.display()
                    )));
                }
                Ok(Cow::Owned(bytes))
            }
        }
    }
    fn size_hint(&self) -> u64 {
        match &self.data {
            EntryData::Bytes(b) => b.len() as u64,
            EntryData::File(p, _) => std::fs::metadata(p).map_or(0, |m| m.len()),
        }
    }
}

/// The export timestamp: `SOURCE_DATE_EPOCH` (Unix seconds) when set, else
/// [`DEFAULT_TIMESTAMP`]. Never the clock.
pub fn export_timestamp() -> Result<i64> {
    Ok(crate::data::source_date_epoch()?.unwrap_or(DEFAULT_TIMESTAMP))
}

/// Every file of the chosen formats, sorted by path. Pure apart from
/// reading `SOURCE_DATE_EPOCH` (see [`export_files_at`]).
pub fn export_files(input: &ExportInput, formats: &Formats) -> Result<Vec<OutputFile>> {
    export_files_at(input, formats, export_timestamp()?)
}

/// [`export_files`] with an explicit timestamp (Unix seconds) for the ZIP
/// entries, the workbook's creation date and the manifest.
pub fn export_files_at(
    input: &ExportInput,
    formats: &Formats,
    timestamp: i64,
) -> Result<Vec<OutputFile>> {
    if !formats.any() {
        return Err(Error::Usage(NO_FORMAT.into()));
    }
    let tables = table_files(input, formats, timestamp)?;
    let mut out = Vec::new();
    if formats.json {
        out.push(json_file(input));
    }
    if formats.zip {
        out.push(bundle_file(
            input,
            formats,
            &tables,
            timestamp,
            crate::workers::default_jobs(),
        )?);
    }
    if formats.csv {
        out.extend(tables.csvs);
    }
    if formats.xlsx {
        out.extend(tables.workbook);
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

/// The tables as files, each made once: one CSV per table when `formats`
/// makes CSV (loose or in the bundle), the workbook when it makes XLSX or
/// the bundle. The bundle reuses these bytes rather than making them again.
#[derive(Debug, Default)]
pub struct TableFiles {
    pub csvs: Vec<OutputFile>,
    pub workbook: Option<OutputFile>,
}

/// The YAML path (`levels.2.requirements.groups.0.items.3`) of the item an
/// oversized `items` cell shows: the first item of its kind in the family
/// file whose text, as the table prints it, is the cell's.
fn item_path(
    tables: &[tables::Table],
    cell: &xlsx::OversizedCell,
    family: &crate::schema::FamilyFile,
    website: &str,
) -> Option<String> {
    let table = tables.iter().find(|t| t.name == cell.table)?;
    let row = table.rows.get(cell.row.checked_sub(1)?)?;
    let column = |name: &str| {
        let i = table.columns.iter().position(|c| c.name == name)?;
        match row.get(i)? {
            tables::Cell::Text(t) => Some(t.as_str()),
            _ => None,
        }
    };
    let (kind, text) = (column("kind")?, column("text")?);
    // The list that states it: the family's, or its level's (another level
    // may hold the same text, and is a problem of its own, in its own row).
    let (source, stated_by) = (column("source"), column("source_role_id"));
    let key = match kind {
        "responsibility" => "responsibilities",
        _ => "requirements",
    };
    let pick = |list: &crate::schema::ItemList| {
        list.items
            .iter()
            .position(|t| crate::markdown::to_plain(t, website) == text)
            .map(|k| format!("items.{k}"))
            .or_else(|| {
                list.groups.iter().enumerate().find_map(|(g, group)| {
                    group
                        .items
                        .iter()
                        .position(|t| crate::markdown::to_plain(t, website) == text)
                        .map(|k| format!("groups.{g}.items.{k}"))
                })
            })
    };
    let family_list = match key {
        "responsibilities" => family.responsibilities.as_ref(),
        _ => family.requirements.as_ref(),
    };
    if source == Some("family") {
        return family_list.and_then(pick).map(|at| format!("{key}.{at}"));
    }
    family.levels.iter().enumerate().find_map(|(i, level)| {
        if stated_by.is_some_and(|id| id != level.id) {
            return None;
        }
        let list = match key {
            "responsibilities" => level.responsibilities.as_ref(),
            _ => level.requirements.as_ref(),
        };
        list.and_then(pick)
            .map(|at| format!("levels.{i}.{key}.{at}"))
    })
}

/// Every table cell too long for a spreadsheet, as errors located at the
/// role's field in its family file, and every table with more rows than a
/// sheet holds (for `jdgen check`, so that a role the exports of a build
/// would refuse, the workbook or the safe CSV, fails validation first). A
/// cell can exceed the limit although each string in the file is within
/// it: description paragraphs are joined, links spelled out.
pub fn cell_length_errors(company: &Company, roles: &[ResolvedRole]) -> Vec<Diagnostic> {
    cell_length_errors_in(&tables::build_tables(company, roles), company, roles, true)
}

/// [`cell_length_errors`] of tables already made from `roles`; `quoted`
/// counts the `'` of the safe CSV (see [`xlsx::oversized_cells`]).
pub fn cell_length_errors_in(
    tables: &[tables::Table],
    company: &Company,
    roles: &[ResolvedRole],
    quoted: bool,
) -> Vec<Diagnostic> {
    let mut out = xlsx::overfull_sheets(tables);
    out.extend(long_cells(tables, company, roles, quoted));
    out
}

/// Whether `formats` writes a safe CSV (loose or in the bundle): a file
/// for spreadsheets, whose cells are checked like the workbook's, with
/// the `'` it adds counted (but not its rows: a CSV has no row limit).
pub fn writes_safe_csv(formats: &Formats) -> bool {
    formats.makes_csv() && formats.csv_profile == CsvProfile::Safe
}

/// What `formats` cannot store of `tables`: the workbook's rows and cells
/// (`--xlsx`, `--zip`) and the safe CSV's cells.
pub fn export_limit_errors(
    tables: &[tables::Table],
    company: &Company,
    roles: &[ResolvedRole],
    formats: &Formats,
) -> Vec<Diagnostic> {
    let workbook = formats.xlsx || formats.zip;
    let quoted = writes_safe_csv(formats);
    let mut out = if workbook {
        xlsx::overfull_sheets(tables)
    } else {
        Vec::new()
    };
    if workbook || quoted {
        out.extend(long_cells(tables, company, roles, quoted));
    }
    out
}

/// The errors of [`cell_length_errors_in`] for cells too long.
fn long_cells(
    tables: &[tables::Table],
    company: &Company,
    roles: &[ResolvedRole],
    quoted: bool,
) -> Vec<Diagnostic> {
    use crate::source_map::SourceMap;
    use std::path::Path;
    let by_id: BTreeMap<&str, &ResolvedRole> = roles.iter().map(|r| (r.id.as_str(), r)).collect();
    // One source map per family file, however many of its cells are long.
    let mut files: BTreeMap<&Path, (SourceMap, &std::sync::Arc<str>)> = BTreeMap::new();
    // An item inherited by every level of a family is one problem in the
    // file, however many rows show it: one report per place (file, line,
    // column; in file order), table and column, naming the other rows.
    type Place<'a> = (Option<(&'a Path, usize, usize)>, &'static str, &'static str);
    let mut places: BTreeMap<Place, Vec<xlsx::OversizedCell>> = BTreeMap::new();
    for cell in xlsx::oversized_cells(tables, quoted) {
        // An item is written where its level states it, which for an
        // inherited one is the level it comes from.
        let stated_by = tables
            .iter()
            .find(|t| t.name == cell.table)
            .and_then(|t| {
                let col = t.columns.iter().position(|c| c.name == "source_role_id")?;
                match t.rows.get(cell.row.checked_sub(1)?)?.get(col)? {
                    tables::Cell::Text(id) => Some(id.as_str()),
                    _ => None,
                }
            })
            .unwrap_or(cell.role_id.as_str());
        let at = by_id
            .get(stated_by)
            .or_else(|| by_id.get(cell.role_id.as_str()))
            .map(|role| {
                let fam = &role.family_data;
                let level = fam.data.levels.iter().position(|l| l.id == role.id);
                // An item: where its text is written, in the family-wide list
                // or a level's (every row that shows it is one problem).
                let item = (cell.table == "items" && cell.column == "text")
                    .then(|| item_path(tables, &cell, &fam.data, &company.website))
                    .flatten();
                let key = item.unwrap_or_else(|| match (cell.column, level) {
                    ("summary", _) => "summary".to_string(),
                    ("family_name", _) => "title".to_string(),
                    (_, None) => String::new(),
                    ("job_title", Some(i)) => format!("levels.{i}.title"),
                    ("level_name" | "level_id", Some(i)) => format!("levels.{i}.level"),
                    ("reports_to", Some(i)) => format!("levels.{i}.reports_to"),
                    ("description", Some(i)) => format!("levels.{i}.description"),
                    (_, Some(i)) => format!("levels.{i}"),
                });
                let (map, _) = files
                    .entry(fam.file.as_path())
                    .or_insert_with(|| (SourceMap::build(&fam.source), &fam.source));
                let pos = map.key(&key);
                (fam.file.as_path(), pos.line, pos.column)
            });
        places
            .entry((at, cell.table, cell.column))
            .or_default()
            .push(cell);
    }
    places
        .into_iter()
        .map(|((at, _, _), cells)| {
            let first = &cells[0];
            let mut message = first.message();
            if cells.len() > 1 {
                let mut others: Vec<&str> = cells[1..]
                    .iter()
                    .map(|c| c.role_id.as_str())
                    .filter(|id| *id != first.role_id)
                    .collect();
                others.dedup();
                let more = match others.len() {
                    0 => String::new(),
                    n if n <= 5 => format!(", of role(s) {}", others.join(", ")),
                    n => format!(", of role(s) {} and {} more", others[..5].join(", "), n - 5),
                };
                message.push_str(&format!("; also in {} more row(s){more}", cells.len() - 1));
            }
            let mut help = if first.column == "description" {
                // Its paragraphs are one cell already.
                "shorten the description: the exports join its paragraphs into one cell"
            } else {
                "shorten the text, or split it into several items or paragraphs"
            }
            .to_string();
            if first.quoted && first.chars == xlsx::MAX_CELL_CHARS + 1 {
                // Only the `'` is too many: the workbook and an import CSV
                // hold it whole.
                help.push_str(
                    "; or, for imports that never open a spreadsheet, `jdgen export --csv --csv-profile import` writes no `'`",
                );
            }
            let d = Diagnostic::error(message).help(help);
            match at {
                Some((file, line, column)) => d
                    .in_file(file)
                    .at(line, column)
                    .with_source(files[file].1.clone()),
                None => d,
            }
        })
        .collect()
}

/// Whether `formats` needs the tables at all (not for `--json` alone).
pub fn needs_tables(formats: &Formats) -> bool {
    formats.makes_csv() || formats.xlsx
}

/// Makes the [`TableFiles`] that `formats` needs (none for `--json` alone).
pub fn table_files(input: &ExportInput, formats: &Formats, timestamp: i64) -> Result<TableFiles> {
    if !needs_tables(formats) {
        return Ok(TableFiles::default());
    }
    let tables = tables::build_tables(input.company, input.roles);
    table_files_from(&tables, input, formats, timestamp)
}

/// [`table_files`] from tables already made (`tables::build_tables` of the
/// same input), for a caller that needed them first (the batch runner's
/// export key).
pub fn table_files_from(
    tables: &[tables::Table],
    input: &ExportInput,
    formats: &Formats,
    timestamp: i64,
) -> Result<TableFiles> {
    if !needs_tables(formats) {
        return Ok(TableFiles::default());
    }
    let csvs = if formats.makes_csv() {
        // A safe CSV is opened in spreadsheets, which cut a cell past
        // their limit: refused as the workbook is, the `'` counted.
        if writes_safe_csv(formats) {
            let too_long = long_cells(tables, input.company, input.roles, true);
            if !too_long.is_empty() {
                return Err(Error::Invalid(too_long));
            }
        }
        tables
            .iter()
            .map(|t| {
                Ok(OutputFile {
                    path: format!("{}.csv", t.name),
                    bytes: self::csv::write_csv(t, formats.csv_profile, formats.excel)?,
                })
            })
            .collect::<Result<Vec<_>>>()?
    } else {
        Vec::new()
    };
    let workbook = if formats.xlsx || formats.zip {
        let comment = format!(
            "Generated by jdgen {} from role data version {}",
            env!("CARGO_PKG_VERSION"),
            data_version(input)
        );
        let bytes = xlsx::write_xlsx(
            tables,
            &xlsx::WorkbookInfo {
                title: "Job profiles",
                author: &input.company.name,
                comment: &comment,
                // Excel dates run from 1900 to 9999.
                created: timestamp.clamp(0, 253_402_300_799),
            },
        )
        .map_err(|e| {
            // A cell too long: said where it is written, as `check` says it
            // (the workbook alone knows only its row and column).
            let located = cell_length_errors_in(tables, input.company, input.roles, false);
            if matches!(e, Error::Invalid(_)) && !located.is_empty() {
                Error::Invalid(located)
            } else {
                e
            }
        })?;
        Some(OutputFile {
            path: XLSX_FILE.into(),
            bytes,
        })
    } else {
        None
    };
    Ok(TableFiles { csvs, workbook })
}

/// `roles.json`.
pub fn json_file(input: &ExportInput) -> OutputFile {
    OutputFile {
        path: JSON_FILE.into(),
        bytes: json::roles_json(input.company, input.roles, input.doc),
    }
}

/// The ZIP bundle: every role's PDF, the tables (from `tables`, which must
/// have been made for `formats`) and the manifest. Entries are compressed
/// on `jobs` threads; the bytes do not depend on `jobs`.
pub fn bundle_file(
    input: &ExportInput,
    formats: &Formats,
    tables: &TableFiles,
    timestamp: i64,
    jobs: usize,
) -> Result<OutputFile> {
    let (entries, manifest_json) = bundle_entries(input, formats, tables, timestamp)?;
    let mut entries = entries;
    entries.push(manifest_entry(&manifest_json));
    Ok(OutputFile {
        path: ZIP_FILE.into(),
        bytes: zip::write_zip_parallel(&entries, timestamp, jobs)?,
    })
}

/// [`bundle_file`] written straight to `out` (the batch run's temporary
/// file), so the archive, the largest export, is never held in memory.
/// I/O errors of `out` are reported as errors of `dest`.
pub fn write_bundle<W: std::io::Write + std::io::Seek>(
    input: &ExportInput,
    formats: &Formats,
    tables: &TableFiles,
    timestamp: i64,
    jobs: usize,
    out: W,
    dest: &std::path::Path,
) -> Result<W> {
    let (entries, manifest_json) = bundle_entries(input, formats, tables, timestamp)?;
    let mut entries = entries;
    entries.push(manifest_entry(&manifest_json));
    zip::write_zip_to(&entries, timestamp, jobs, out, dest)
}

/// The bundle's entries but the manifest, and the manifest's bytes.
fn bundle_entries<'a>(
    input: &'a ExportInput,
    formats: &Formats,
    tables: &'a TableFiles,
    timestamp: i64,
) -> Result<(Vec<Entry<'a>>, Vec<u8>)> {
    let mut entries: Vec<Entry> = pdf_entries(input)?;
    entries.extend(tables.csvs.iter().chain(&tables.workbook).map(|f| Entry {
        path: Cow::Borrowed(f.path.as_str()),
        data: EntryData::Bytes(&f.bytes),
    }));
    let version = data_version(input);
    let m = manifest::build(
        &entries,
        &manifest::ManifestInfo {
            data_version: &version,
            role_count: input.roles.len(),
            created: timestamp,
            csv_profile: formats.csv_profile.as_str(),
            csv_excel: formats.excel,
        },
    )?;
    Ok((entries, manifest::to_json(&m)))
}

fn manifest_entry(json: &[u8]) -> Entry<'_> {
    Entry {
        path: Cow::Borrowed(manifest::MANIFEST_FILE),
        data: EntryData::Bytes(json),
    }
}

fn data_version(input: &ExportInput) -> String {
    manifest::data_version(
        input
            .roles
            .iter()
            .map(|r| (r.id.as_str(), r.data_version.as_str())),
    )
}

pub(crate) const NO_FORMAT: &str = "no export format chosen: pass one or more of --csv, --xlsx, --json, --zip, or --all for every format";

/// `pdf/<role-id>.pdf` for every role, from `input.pdfs`. Entry names come
/// only from ids that pass `load::is_valid_id`, never from other text.
fn pdf_entries<'a>(input: &ExportInput<'a>) -> Result<Vec<Entry<'a>>> {
    let mut entries = Vec::new();
    let mut errors = Vec::new();
    for role in tables::sort_roles(input.roles) {
        if !load::is_valid_id(&role.id) {
            errors.push(Diagnostic::error(format!(
                "role id `{}` is not a valid id; it cannot name a file in the ZIP bundle",
                role.id
            )));
            continue;
        }
        let path = tables::pdf_file(&role.id);
        debug_assert!(zip::check_entry_name(&path).is_ok());
        let data = match input.pdfs {
            Pdfs::InMemory(map) => map.get(&role.id).map(|b| EntryData::Bytes(b)),
            Pdfs::Folder { dir, expected } => {
                let file = dir.join(format!("{}.pdf", role.id));
                let want = expected.and_then(|m| m.get(&role.id)).map(String::as_str);
                file.is_file().then_some(EntryData::File(file, want))
            }
        };
        match data {
            Some(data) => entries.push(Entry {
                path: Cow::Owned(path),
                data,
            }),
            None => errors.push(Diagnostic::error(format!(
                "no PDF for role `{}`: the ZIP bundle needs every role's PDF",
                role.id
            ))),
        }
    }
    if errors.is_empty() {
        Ok(entries)
    } else {
        Err(errors.into())
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    use std::fs;

    use crate::data::DocumentOptions;
    use crate::load::{self, Library};
    use crate::resolve::{self, ResolvedRole};

    /// A small role folder: two families (file order differs from id
    /// order), family-wide items, inheritance, groups and a link.
    pub fn library() -> (Library, Vec<ResolvedRole>) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path();
        fs::write(
            p.join("company.yaml"),
            "name: Acme\nwebsite: https://acme.test\ndata_version: \"v1\"\n",
        )
        .unwrap();
        fs::write(
            p.join("0-b.yaml"),
            "family: b-fam\ntitle: B\nlevels:\n  - id: b-only\n    level: Only\n    title: B Only\n",
        )
        .unwrap();
        fs::write(
            p.join("1-a.yaml"),
            r#"family: a-fam
title: A Family
summary: "The _A_ family"
responsibilities:
  items: ["Shared duty"]
levels:
  - id: a-junior
    level: Junior
    title: Junior A
    grade: 5
    responsibilities:
      items: ["[Junior duty](https://x.test/j)"]
  - id: a-senior
    level: Senior
    title: Senior A
    grade: 6
    reports_to: "=Boss"
    responsibilities:
      builds_on: a-junior
      items: ["Senior duty"]
    requirements:
      groups:
        - heading: "**Tools**"
          items: ["Git"]
"#,
        )
        .unwrap();
        let lib = load::load(p).unwrap();
        lib.ensure_valid().unwrap();
        let roles = resolve::resolve_all(&lib).unwrap();
        (lib, roles)
    }

    pub fn doc() -> DocumentOptions {
        DocumentOptions {
            date: "2026-11-01".into(),
            dated: true,
            paper: "a4".into(),
            signature: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Cursor, Read};

    use super::test_support::{doc, library};
    use super::*;

    fn fake_pdfs(roles: &[ResolvedRole]) -> BTreeMap<String, Vec<u8>> {
        roles
            .iter()
            .map(|r| (r.id.clone(), format!("%PDF-1.7 fake {}", r.id).into_bytes()))
            .collect()
    }

    /// The test library with a fake PDF per role, ready to export.
    struct Fixture {
        lib: crate::load::Library,
        roles: Vec<ResolvedRole>,
        pdfs: BTreeMap<String, Vec<u8>>,
        doc: DocumentOptions,
    }

    impl Fixture {
        fn new() -> Fixture {
            let (lib, roles) = library();
            let pdfs = fake_pdfs(&roles);
            Fixture {
                lib,
                roles,
                pdfs,
                doc: doc(),
            }
        }

        fn input(&self) -> ExportInput<'_> {
            ExportInput {
                company: &self.lib.company,
                roles: &self.roles,
                doc: &self.doc,
                pdfs: Pdfs::InMemory(&self.pdfs),
            }
        }
    }

    #[test]
    fn each_format_alone_and_all_together() {
        let f = Fixture::new();
        let input = f.input();
        let paths = |f: Formats| -> Vec<String> {
            export_files_at(&input, &f, DEFAULT_TIMESTAMP)
                .unwrap()
                .into_iter()
                .map(|f| f.path)
                .collect()
        };
        let only = |set: fn(&mut Formats)| {
            let mut f = Formats::default();
            set(&mut f);
            f
        };
        assert_eq!(paths(only(|f| f.csv = true)), ["items.csv", "roles.csv"]);
        assert_eq!(paths(only(|f| f.xlsx = true)), ["roles.xlsx"]);
        assert_eq!(paths(only(|f| f.json = true)), ["roles.json"]);
        assert_eq!(paths(only(|f| f.zip = true)), ["job-descriptions.zip"]);
        assert_eq!(
            paths(Formats::all()),
            [
                "items.csv",
                "job-descriptions.zip",
                "roles.csv",
                "roles.json",
                "roles.xlsx"
            ]
        );
        assert!(matches!(
            export_files_at(&input, &Formats::default(), 0),
            Err(Error::Usage(_))
        ));
    }

    #[test]
    fn bundle_holds_pdfs_tables_and_a_true_manifest() {
        let f = Fixture::new();
        let input = f.input();
        let files = export_files_at(&input, &Formats::all(), DEFAULT_TIMESTAMP).unwrap();
        let again = export_files_at(&input, &Formats::all(), DEFAULT_TIMESTAMP).unwrap();
        assert_eq!(files, again, "two exports differ");
        let zip_bytes = &files.iter().find(|f| f.path == ZIP_FILE).unwrap().bytes;
        let mut z = ::zip::ZipArchive::new(Cursor::new(zip_bytes.clone())).unwrap();
        let names: Vec<String> = z.file_names().map(|n| n.unwrap().into_owned()).collect();
        assert_eq!(
            names,
            [
                "items.csv",
                "manifest.json",
                "pdf/a-junior.pdf",
                "pdf/a-senior.pdf",
                "pdf/b-only.pdf",
                "roles.csv",
                "roles.xlsx"
            ]
        );
        let mut read = |name: &str| {
            let mut v = Vec::new();
            z.by_name(name).unwrap().read_to_end(&mut v).unwrap();
            v
        };
        let m: manifest::Manifest = serde_json::from_slice(&read("manifest.json")).unwrap();
        assert_eq!(m.role_count, 3);
        assert_eq!(m.data_version, "v1");
        assert_eq!(m.files.len(), names.len() - 1);
        for f in &m.files {
            let body = read(&f.path);
            assert_eq!(body.len() as u64, f.size);
            assert_eq!(crate::fsutil::sha256_hex(&body), f.sha256);
        }
        // The loose files and the bundled ones are the same bytes.
        for loose in ["items.csv", "roles.csv", "roles.xlsx"] {
            let f = files.iter().find(|f| f.path == loose).unwrap();
            assert_eq!(read(loose), f.bytes, "{loose}");
        }
        assert_eq!(read("pdf/a-senior.pdf"), f.pdfs["a-senior"]);
    }

    #[test]
    fn bundle_needs_every_pdf() {
        let mut f = Fixture::new();
        f.pdfs.remove("b-only");
        let input = f.input();
        let err = export_files_at(&input, &Formats::all(), 0).unwrap_err();
        assert!(
            err.to_string().contains("no PDF for role `b-only`"),
            "{err}"
        );
    }

    #[test]
    fn a_pdf_replaced_on_disk_fails_the_bundle() {
        // A `jdgen pdf` into a build's folder (no lock) replaced PDFs while
        // the bundle was made: it held them, and later runs kept it.
        let f = Fixture::new();
        let dir = tempfile::tempdir().unwrap();
        let mut sums = BTreeMap::new();
        for (id, bytes) in &f.pdfs {
            std::fs::write(dir.path().join(format!("{id}.pdf")), bytes).unwrap();
            sums.insert(id.clone(), crate::fsutil::sha256_hex(bytes));
        }
        let mut input = f.input();
        input.pdfs = Pdfs::Folder {
            dir: dir.path(),
            expected: Some(&sums),
        };
        let zip_only = Formats {
            zip: true,
            ..Formats::default()
        };
        let good = export_files_at(&input, &zip_only, 0).unwrap();
        std::fs::write(dir.path().join("a-senior.pdf"), b"%PDF-1.7 other bytes").unwrap();
        let err = export_files_at(&input, &zip_only, 0)
            .unwrap_err()
            .to_string();
        assert!(err.contains("a-senior.pdf changed on disk"), "{err}");
        // Without expectations (a folder the caller owns), the bytes are taken.
        input.pdfs = Pdfs::Folder {
            dir: dir.path(),
            expected: None,
        };
        assert_ne!(export_files_at(&input, &zip_only, 0).unwrap(), good);
    }

    #[test]
    fn timestamp_changes_only_time_fields() {
        let f = Fixture::new();
        let input = f.input();
        let zip_at = |t| {
            export_files_at(
                &input,
                &Formats {
                    zip: true,
                    ..Formats::default()
                },
                t,
            )
            .unwrap()
            .remove(0)
            .bytes
        };
        let a = zip_at(1_704_067_200);
        assert_eq!(a, zip_at(1_704_067_200));
        assert_ne!(a, zip_at(DEFAULT_TIMESTAMP));
        let mut z = ::zip::ZipArchive::new(Cursor::new(a)).unwrap();
        let t = z.by_index(0).unwrap().last_modified().unwrap();
        assert_eq!((t.year(), t.month(), t.day()), (2024, 1, 1));
    }
}
