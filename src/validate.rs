//! `jdgen check`: everything a role folder must pass for `pdf`, `export`
//! and `build` to run, in one pass that reports every problem: the role
//! files (`load`), their inheritance (`resolve`), characters no font draws
//! (`render`), cells too long for a spreadsheet (`export`), and
//! `SOURCE_DATE_EPOCH`.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::diag::{self, Diagnostic};
use crate::error::Result;
use crate::{load, resolve};

/// What `check` found (`check --format json` prints it as it is).
#[derive(Debug, Serialize)]
pub struct Report {
    /// No errors (warnings allowed).
    pub ok: bool,
    /// Errors and warnings, counting those a file's cap left unshown.
    pub errors: usize,
    pub warnings: usize,
    /// Roles that resolved.
    pub roles: usize,
    /// Role files read.
    pub files: usize,
    pub diagnostics: Vec<Diagnostic>,
}

/// Checks the role folder `dir` with the fonts of `font_paths` added to
/// the shipped ones. `Err` only for what stops the check itself (a
/// `--font-path` that cannot be read); every finding is in the report.
pub fn check(dir: &Path, font_paths: &[PathBuf]) -> Result<Report> {
    let coverage = crate::render::FontCoverage::new(font_paths)?;
    let (mut diagnostics, roles, files) = match load::load(dir) {
        Ok(lib) => {
            let mut diags = lib.diagnostics();
            diags.extend(coverage.check(&lib));
            let mut roles = 0;
            match resolve::resolve_all(&lib) {
                Ok(r) => {
                    roles = r.len();
                    diags.extend(crate::export::cell_length_errors(&lib.company, &r));
                }
                Err(e) => diags.extend(e),
            }
            (diags, roles, lib.families.len() + lib.failed.len())
        }
        // The folder failed (no or a broken company.yaml), but its family
        // files were checked: counted as `Ok` counts them.
        Err(diags) => (diags, 0, load::role_file_count(dir)),
    };
    // Not the role files, but what `pdf` and `export` would fail on all
    // the same (a check that passes must mean they can run), or warn about.
    if let Err(d) = crate::data::source_date_epoch() {
        diagnostics.push(d);
    }
    diagnostics.extend(coverage.font_warnings());
    // Findings past a file's cap are counted, not shown: each capped file
    // has one note standing for them.
    let (errors, warnings) = diag::count(&diagnostics);
    Ok(Report {
        ok: errors == 0,
        errors,
        warnings,
        roles,
        files,
        diagnostics,
    })
}
