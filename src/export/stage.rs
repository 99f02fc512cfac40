//! Exports staged: each made, complete and synced in a temporary file
//! beside its final path, and put in place together by the caller
//! (`jdgen build`'s export phase and `jdgen export`), so that an HR import
//! never reads a new roles.csv beside an old items.csv.

use std::fs::File;
use std::path::Path;

use super::{ExportInput, Formats, OutputFile, Table};
use crate::error::{Error, Result};
use crate::{fsutil, workers};

/// Makes every export `formats` asks for, each complete and synced in a
/// temporary file beside its final path in `export_dir`; none replaces
/// anything yet (the caller commits them together). Shared by `build` and
/// `export`. `cells` are the tables (`super::tables::build_tables`), made
/// by the caller and dropped here once written; the PDFs for the bundle
/// are read from the folder `input.pdfs` names, one at a time.
pub fn stage_exports(
    export_dir: &Path,
    input: &ExportInput,
    f: &Formats,
    cells: Vec<Table>,
    timestamp: i64,
    jobs: usize,
) -> Result<Vec<Pending>> {
    let make_json = || {
        stage_streamed(export_dir, super::JSON_FILE, |out| {
            super::json::write_roles_json(input.company, input.roles, input.doc, out)
                .map_err(|e| Error::io(&export_dir.join(super::JSON_FILE), e))
        })
    };
    // roles.json is made on a second thread while this one makes the
    // tables (they share nothing). The tables are made once and reused by
    // the bundle, which is made last.
    let (json, tables) = std::thread::scope(|s| {
        let thread = f.json.then(|| {
            std::thread::Builder::new()
                .name("jdgen-json".into())
                .stack_size(workers::RENDER_STACK)
                .spawn_scoped(s, make_json)
        });
        let tables = super::table_files_from(&cells, input, f, timestamp);
        let json = match thread {
            Some(Ok(h)) => Some(h.join().unwrap_or_else(|p| std::panic::resume_unwind(p))),
            // No second thread to be had: make it here instead.
            Some(Err(_)) => Some(make_json()),
            None => None,
        };
        (json, tables)
    });
    let tables = tables?;
    drop(cells);
    // Every export is made, complete and synced in its temporary file
    // before any replaces the previous one: an HR import reads roles.csv
    // and items.csv together, so a failure half-way (a full disk) must not
    // leave a new one beside an old one. Staged files that are not
    // committed are deleted when dropped.
    let json = json.transpose()?;
    let mut pending: Vec<Pending> = Vec::new();
    if f.csv {
        for csv in &tables.csvs {
            pending.push(stage_export(export_dir, csv)?);
        }
    }
    if f.xlsx
        && let Some(workbook) = &tables.workbook
    {
        pending.push(stage_export(export_dir, workbook)?);
    }
    pending.extend(json);
    if f.zip {
        // Written straight to its temporary file: the bundle, the largest
        // export, was the peak of a batch run's memory when made in memory.
        pending.push(stage_streamed(export_dir, super::ZIP_FILE, |out| {
            let dest = export_dir.join(super::ZIP_FILE);
            super::write_bundle(input, f, &tables, timestamp, jobs, out, &dest).map(|_| ())
        })?);
    }
    Ok(pending)
}

/// An export made and synced in its temporary file, with its name.
pub type Pending = (String, fsutil::Prepared);

/// Stages one export made in memory.
fn stage_export(export_dir: &Path, file: &OutputFile) -> Result<Pending> {
    let prepared = fsutil::stage(&export_dir.join(&file.path), &file.bytes)?;
    Ok((file.path.clone(), prepared))
}

/// Stages one of the large exports (roles.json, the bundle): `fill` writes
/// it through a buffer straight into its temporary file, so the file is
/// never in memory.
fn stage_streamed(
    export_dir: &Path,
    name: &str,
    fill: impl FnOnce(&mut std::io::BufWriter<&mut File>) -> Result<()>,
) -> Result<Pending> {
    let path = export_dir.join(name);
    let prepared = fsutil::stage_streamed(&path, |file| {
        let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
        fill(&mut out)?;
        std::io::Write::flush(&mut out).map_err(|e| Error::io(&path, e))
    })?;
    Ok((name.to_string(), prepared))
}
