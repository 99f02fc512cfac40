//! `jdgen export` into a folder: the chosen exports made from every role,
//! the bundle's PDFs rendered first, all staged and then put in place
//! together under the folder's lock.

use std::path::Path;

use super::{ExportInput, Formats};
use crate::data::DocumentOptions;
use crate::diag::{self, Diagnostic};
use crate::error::{Error, Result};
use crate::load::{self, Library};
use crate::render::{RenderOptions, Renderer};
use crate::resolve::ResolvedRole;
use crate::{fsutil, workers};

/// What [`write_folder`] has to say while it works, in order.
#[derive(Debug)]
pub enum Event<'a> {
    /// A warning about the template, before any rendering.
    TemplateWarning(&'a str),
    /// The warnings of the bundle's PDFs (missing glyphs…), once rendered.
    RenderWarnings(Vec<Diagnostic>),
    /// Another run holds the folder's lock: this one waits for it.
    Waiting,
    /// A file was replaced (or made).
    Wrote(&'a Path),
    /// A file's bytes were already these: left alone.
    Unchanged(&'a Path),
}

/// Writes the exports `formats` asks for, of `roles` (all of `lib`'s),
/// into the folder `out`. The bundle's (`--zip`) PDFs are rendered with
/// `render`; without the bundle nothing is rendered. Everything that can fail before any
/// rendering (a cell too long for the workbook, a template that does not
/// compile) fails before the folder is made; a failure later replaces
/// none of the previous files, and a folder this made is taken away.
pub fn write_folder(
    lib: &Library,
    roles: &[ResolvedRole],
    doc: &DocumentOptions,
    formats: &Formats,
    render: &RenderOptions,
    out: &Path,
    on: &mut dyn FnMut(Event),
) -> Result<()> {
    // The tables, made once: what can fail before anything is rendered
    // fails before the output folder is made (a cell too long for the
    // workbook; below, a template that does not compile).
    let cells = if super::needs_tables(formats) {
        super::tables::build_tables(&lib.company, roles)
    } else {
        Vec::new()
    };
    let too_long = super::export_limit_errors(&cells, &lib.company, roles, formats);
    if !too_long.is_empty() {
        return Err(Error::Invalid(too_long));
    }
    let renderer = match formats.zip.then_some(render) {
        Some(options) => {
            let renderer = Renderer::new(options)?;
            for w in renderer.warnings() {
                on(Event::TemplateWarning(w));
            }
            Some(renderer)
        }
        None => None,
    };
    // The bundle's PDFs are rendered into a temporary folder beside the
    // exports and read back one at a time while zipping: at thousands of
    // roles they do not fit in memory (1.4 GB at 5,000 roles when they were
    // held there). The folder goes when this returns, or, after a kill,
    // with the next run's sweep.
    // The folder is made here; taken away again if the export fails
    // before writing into it.
    let made = fsutil::MadeFolders::missing(out);
    let pdf_dir = if formats.zip {
        Some(fsutil::temp_dir_in(out, "pdfs")?)
    } else {
        None
    };
    if let (Some(pdfs), Some(renderer)) = (&pdf_dir, &renderer) {
        // The same workers as `pdf` and `build` (see `workers` for why).
        let jobs = workers::default_jobs();
        let rendered = workers::map(jobs, roles, |role| -> Result<_, Vec<Diagnostic>> {
            let r = renderer.render(&lib.company, role, doc)?;
            let path = pdfs.path().join(format!("{}.pdf", role.id));
            std::fs::write(&path, &r.pdf).map_err(|e| {
                vec![Diagnostic::error(format!(
                    "cannot write {}: {e}",
                    path.display()
                ))]
            })?;
            Ok(r.warnings)
        })
        .map_err(workers::spawn_error)?;
        let (mut failures, mut warned) = (Vec::new(), Vec::new());
        for result in rendered {
            match result {
                Ok(warnings) => warned.extend(warnings),
                Err(diags) => failures.extend(diags),
            }
        }
        if !warned.is_empty() {
            on(Event::RenderWarnings(warned));
        }
        if !failures.is_empty() {
            return Err(Error::Invalid(diag::group_alike(failures)));
        }
    }
    let input = ExportInput {
        company: &lib.company,
        roles,
        doc,
        pdfs: match &pdf_dir {
            Some(dir) => super::Pdfs::Folder {
                dir: dir.path(),
                expected: None,
            },
            None => super::Pdfs::InMemory(&Default::default()),
        },
    };
    // Staged first, then put in place together: a failure while writing (a
    // full disk) replaces none of the previous files, so roles.csv and
    // items.csv never come from different runs; the folder's lock makes a
    // second export (or a build's export phase) into it wait its turn.
    let _lock = fsutil::lock_dir(out, || on(Event::Waiting))?;
    let staged = super::stage_exports(
        out,
        &input,
        formats,
        cells,
        super::export_timestamp()?,
        workers::default_jobs(),
    )?;
    drop(pdf_dir);
    // As in `build`: a role file read half-written (rewritten during the
    // run) could make exports that silently lack roles.
    let changed = load::changed_since_load(lib);
    if !changed.is_empty() {
        return Err(Error::Invalid(
            changed
                .iter()
                .map(|(f, what)| {
                    Diagnostic::error(format!("{what}: the exports were not replaced"))
                        .in_file(f)
                        .help("run the export again")
                })
                .collect(),
        ));
    }
    let staged: Vec<_> = staged
        .into_iter()
        .map(|(name, p)| (p.staged, out.join(name)))
        .collect();
    for file in staged.iter().filter_map(|(f, _)| f.as_ref()) {
        file.check_destination()?;
    }
    made.keep();
    // No stop signal splits the set: the renames finish first.
    crate::interrupt::uninterrupted(|| -> Result<()> {
        for (file, path) in staged {
            match file {
                Some(file) => {
                    file.commit()?;
                    on(Event::Wrote(&path));
                }
                None => on(Event::Unchanged(&path)),
            }
        }
        fsutil::sync_dir(out);
        Ok(())
    })?;
    fsutil::sweep_temp_files(out, None);
    Ok(())
}
