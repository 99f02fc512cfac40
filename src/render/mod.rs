//! PDF rendering through embedded Typst.
//!
//! A [`Renderer`] loads the fonts, the template folder and Typst's standard
//! library once; [`Renderer::render`] then turns one resolved role into PDF
//! bytes and may be called from many threads at once. The role goes in as
//! data (the JSON of [`crate::data::template_data`] at [`DATA_PATH`]), never
//! as Typst source, so role text is always printed literally.
//!
//! Output is reproducible: the document date comes from the data (never the
//! clock), the PDF id from the company and role id, and the creator string
//! carries no Typst version. See `docs/templates.md` for the template side.

mod diagnostics;
mod fonts;
mod glyphs;
mod world;

use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use typst::World;
use typst::diag::Warned;
use typst::foundations::{Bytes, Datetime, Smart};
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards, Timestamp};

use crate::data::{self, DocumentOptions};
use crate::diag::Diagnostic;
use crate::error::{Error, Result};
use crate::load::Company;
use crate::resolve::ResolvedRole;

pub use fonts::FontCoverage;
pub(crate) use world::raster_size;
pub use world::{DATA_INPUT, DATA_PATH, OwnPath};

/// The built-in template's source (`jdgen template` prints it): what a
/// template of one's own starts from without the source tree.
pub const BUILTIN_TEMPLATE: &str = world::BUILTIN_SOURCE;

use world::{JobWorld, Shared, Template};

/// Where [`write_pdfs`] puts the PDFs.
#[derive(Debug, Clone)]
pub enum Target {
    /// One role's PDF at this path.
    File(PathBuf),
    /// `<role id>.pdf` for each role in this folder.
    Folder(PathBuf),
}

/// Per role, in the order given: where its PDF went, and its warnings, or
/// the errors that kept it from being made.
pub type Written = Vec<(
    PathBuf,
    std::result::Result<Vec<Diagnostic>, Vec<Diagnostic>>,
)>;

/// Renders `roles` on the worker threads and writes each PDF, atomically,
/// as soon as it is ready (`jdgen pdf`). The folder must be usable before
/// anything is rendered (one clear error, not the same one per role after
/// all the work); one this call made is taken away again when no PDF is
/// written. Temporary files a killed earlier run left there are removed
/// (for a single file, only its own). `Err` is for what stops every role.
pub fn write_pdfs(
    renderer: &Renderer,
    company: &Company,
    roles: &[ResolvedRole],
    doc: &DocumentOptions,
    target: &Target,
) -> Result<Written> {
    let folder = match target {
        Target::File(path) => path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new(".")),
        Target::Folder(dir) => dir.as_path(),
    };
    let made = crate::fsutil::MadeFolders::missing(folder);
    crate::fsutil::ensure_dir_or(
        folder,
        "name a folder (or, for one PDF, a file ending in .pdf)",
    )?;
    let jobs = crate::workers::default_jobs();
    let results: Written = crate::workers::map(jobs, roles, |role| {
        let path = match target {
            Target::File(path) => path.clone(),
            Target::Folder(dir) => dir.join(format!("{}.pdf", role.id)),
        };
        let result = renderer.render(company, role, doc).and_then(|rendered| {
            crate::fsutil::write_atomic(&path, &rendered.pdf)
                .map(|()| rendered.warnings)
                .map_err(|e| match e {
                    Error::Io { path, source } => {
                        vec![Diagnostic::error(format!("{}: {source}", path.display()))]
                    }
                    other => vec![Diagnostic::error(other.to_string())],
                })
        });
        (path, result)
    })
    .map_err(crate::workers::spawn_error)?;
    if results.iter().any(|(_, result)| result.is_ok()) {
        made.keep();
    }
    match target {
        // Only this file's own leftovers: the folder may be anyone's.
        Target::File(path) => {
            if let Some(name) = path.file_name() {
                crate::fsutil::sweep_temp_files(folder, Some(&name.to_string_lossy()));
            }
        }
        Target::Folder(dir) => crate::fsutil::sweep_temp_files(dir, None),
    }
    Ok(results)
}

/// How many documents an unused entry of Typst's process-wide memoization
/// cache survives. Without eviction the cache grows without bound (about
/// 1 GB over 1000 documents); a small age keeps what the next documents
/// reuse (the template's parse, the standard library's styles).
const CACHE_MAX_AGE: usize = 2;

/// The PDF `/Creator`: the tool, without Typst's version (which would
/// change every PDF's bytes on a Typst upgrade).
pub const CREATOR: &str = "jdgen";

/// The `--pdf-standard` values typst-pdf accepts.
pub const PDF_STANDARDS: &[&str] = &[
    "1.4", "1.5", "1.6", "1.7", "2.0", "a-1b", "a-1a", "a-2b", "a-2u", "a-2a", "a-3b", "a-3u",
    "a-3a", "a-4", "a-4f", "a-4e", "ua-1",
];

#[derive(Debug, Clone, Default)]
pub struct RenderOptions {
    /// A template file to use instead of the built-in one. Its folder is
    /// what the template may read.
    pub template: Option<PathBuf>,
    /// jdgen's own paths (role folder, output folder, summary file): not
    /// read as template files when inside the template's folder.
    pub own_paths: Vec<OwnPath>,
    /// Extra font folders; the shipped fonts are always there.
    pub font_paths: Vec<PathBuf>,
    /// One or more PDF standards, comma-separated (`a-2b`, `ua-1`, `a-2b,ua-1`).
    pub pdf_standard: Option<String>,
    /// A character with no glyph in any font is an error, not a warning.
    pub strict: bool,
}

/// One rendered document.
pub struct Rendered {
    pub pdf: Vec<u8>,
    /// Template warnings and missing glyphs (when not `strict`).
    pub warnings: Vec<Diagnostic>,
    /// The warning that some text has no glyph (also in `warnings`): a
    /// `strict` run that keeps this PDF must fail its role all the same.
    pub missing_glyphs: Option<Diagnostic>,
}

/// Renders roles to PDF. Cheap to share: `Send + Sync`, and everything
/// expensive (fonts, template, standard library) is loaded once in `new`.
pub struct Renderer {
    shared: Shared,
    standards: PdfStandards,
    strict: bool,
    fingerprint: String,
    /// What the caller should say before rendering (`--font-path` files
    /// that hold no readable font).
    warnings: Vec<String>,
}

/// The most syntax errors of a template shown (see `check_syntax`).
const MAX_SYNTAX_ERRORS: usize = 10;

impl Renderer {
    /// Loads fonts and the template. Fails on a template path that cannot
    /// be read, an unreadable font folder or an unknown PDF standard.
    pub fn new(opts: &RenderOptions) -> Result<Renderer> {
        let (standards, standard_names) = parse_standards(opts.pdf_standard.as_deref())?;
        let template = match &opts.template {
            // A `--font-path` folder kept beside the template is read as
            // fonts, not as template files (a large font failed the
            // folder's size limit, with advice to move the template).
            Some(path) => {
                let own: Vec<OwnPath> = opts
                    .own_paths
                    .iter()
                    .cloned()
                    .chain(opts.font_paths.iter().map(|p| OwnPath {
                        path: p.clone(),
                        what: "font folder (--font-path)",
                    }))
                    .collect();
                Template::from_file(path, &own)?
            }
            None => Template::builtin(),
        };
        let font_files = fonts::collect(&opts.font_paths)?;

        let mut h = Sha256::new();
        let mut field = |label: &str, bytes: &[u8]| {
            h.update(label.as_bytes());
            h.update((bytes.len() as u64).to_le_bytes());
            h.update(bytes);
        };
        field("jdgen", env!("CARGO_PKG_VERSION").as_bytes());
        field("data-schema", &data::SCHEMA.to_le_bytes());
        field("main", template.main.vpath().get_with_slash().as_bytes());
        for (name, bytes) in &template.files {
            field("template-file", name.as_bytes());
            field("template-bytes", bytes);
        }
        for font in &font_files {
            field("font", &font.data);
        }
        field("pdf-standard", standard_names.join(",").as_bytes());
        // Not `strict`: it changes no byte of a PDF, only whether missing
        // glyphs fail the role, which a run that keeps a PDF judges from
        // what its state recorded (toggling it re-rendered everything).
        let fingerprint = crate::fsutil::hex(&h.finalize());

        let (fonts, unusable) = fonts::store(&font_files);
        let warnings = unusable
            .iter()
            .map(|path| format!("--font-path: {} {}", path.display(), fonts::UNREADABLE))
            .collect();
        let renderer = Renderer {
            shared: Shared::new(template, fonts),
            standards,
            strict: opts.strict,
            fingerprint,
            warnings,
        };
        renderer.check_syntax()?;
        Ok(renderer)
    }

    /// Warnings about the fonts and template, for the caller to print.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Whether a character with no glyph fails the role.
    pub fn strict(&self) -> bool {
        self.strict
    }

    /// Fails early, before any document, when the main template file does
    /// not parse: a broken template fails every role the same way.
    fn check_syntax(&self) -> Result<()> {
        let world = JobWorld::new(
            &self.shared,
            Bytes::from_string("{}"),
            None,
            Datetime::from_ymd(1980, 1, 1).expect("a valid date"),
        );
        let main = self.shared.template.main;
        let source = world.source(main).map_err(|e| {
            Error::Invalid(vec![
                Diagnostic::error(format!("cannot read the template: {e}"))
                    .in_file(&world.shared.template.display_path(main).unwrap_or_default()),
            ])
        })?;
        let all = source.root().errors_and_warnings().0;
        // One unclosed delimiter made 82 errors, down to the file's end,
        // and scrolled its own out of a CI log: the first few, and a count.
        let mut errors: Vec<Diagnostic> = all
            .iter()
            .take(MAX_SYNTAX_ERRORS)
            .map(|e| diagnostics::convert(&world, None, &e.clone().into()))
            .collect();
        if all.len() > MAX_SYNTAX_ERRORS {
            errors.push(
                Diagnostic::error(format!(
                    "and {} more syntax errors in the template, not shown",
                    all.len() - MAX_SYNTAX_ERRORS
                ))
                .in_file(&world.shared.template.display_path(main).unwrap_or_default())
                .help(
                    "fix the first: the rest often follow from it (an unclosed bracket or quote)",
                ),
            );
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(Error::Invalid(errors))
        }
    }

    /// Hex SHA-256 over everything besides the role data that decides the
    /// output bytes: template folder, fonts, PDF standard, strictness and
    /// jdgen's version. Part of the incremental build key.
    pub fn fingerprint(&self) -> String {
        self.fingerprint.clone()
    }

    /// Drops everything Typst's memoization holds, e.g. between the render
    /// and export phases of a batch run, so their peaks do not add up.
    pub fn release_caches(&self) {
        typst::comemo::evict(0);
    }

    /// Renders one role. Errors (template errors, missing glyphs under
    /// `strict`, a compiler panic) come back as diagnostics; Typst's cache
    /// is trimmed after every document, failed ones included.
    pub fn render(
        &self,
        company: &Company,
        role: &ResolvedRole,
        doc: &DocumentOptions,
    ) -> Result<Rendered, Vec<Diagnostic>> {
        let data = serde_json::to_vec(&data::template_data(company, role, doc))
            .expect("template data serialises");
        self.render_json(company, role, doc, data)
    }

    /// [`Renderer::render`] with the role's template data already made and
    /// serialised (`serde_json::to_vec(&data::template_data(..))`): a batch
    /// run makes it once, for the role's content key and for the render.
    pub fn render_json(
        &self,
        company: &Company,
        role: &ResolvedRole,
        doc: &DocumentOptions,
        data: Vec<u8>,
    ) -> Result<Rendered, Vec<Diagnostic>> {
        let result = self.render_one(company, role, doc, data);
        typst::comemo::evict(CACHE_MAX_AGE);
        result
    }

    fn render_one(
        &self,
        company: &Company,
        role: &ResolvedRole,
        doc: &DocumentOptions,
        data: Vec<u8>,
    ) -> Result<Rendered, Vec<Diagnostic>> {
        let date = parse_date(&doc.date).ok_or_else(|| {
            vec![Diagnostic::error(format!(
                "role `{}`: the document date `{}` is not a YYYY-MM-DD date",
                role.id, doc.date
            ))]
        })?;
        // The bytes read when the company file was loaded, which the
        // build's content keys cover, not the file as it is now.
        let logo = company
            .logo
            .as_ref()
            .map(|l| (l.path, Bytes::new(l.bytes.clone())));
        let data = Bytes::new(data);
        let world = JobWorld::new(&self.shared, data.clone(), logo, date);
        let options = PdfOptions {
            // A stable document id: same role, same id, in every version.
            ident: Smart::Custom(format!("jdgen:{}:{}", company.name, role.id)),
            creator: Smart::Custom(Some(CREATOR.to_string())),
            // Used when the template does not `set document(date: ..)`;
            // PDF/A needs a date.
            timestamp: Some(Timestamp::new_utc(date)),
            page_ranges: None,
            standards: self.standards.clone(),
            tagged: true,
            pretty: false,
        };

        // Typst's compile and PDF export, and jdgen's scans of the laid-out
        // pages: a panic in any of them fails this role, not the run.
        let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
            let Warned { output, warnings } = typst::compile(&world);
            let result = output.and_then(|document| {
                let pdf = typst_pdf::pdf(&document, &options)?;
                let mut missing = Vec::new();
                for page in document.pages() {
                    glyphs::scan(&page.frame, &mut missing);
                }
                let blank = !document.pages().iter().any(|p| shows_anything(&p.frame));
                Ok((pdf, missing, blank))
            });
            (result, warnings)
        }));

        let (result, typst_warnings) = match outcome {
            Ok(r) => r,
            Err(payload) => {
                let what = crate::error::panic_message(payload.as_ref());
                return Err(vec![
                    Diagnostic::error(format!(
                        "role `{}`: rendering crashed: {what}",
                        role.id
                    ))
                    .help("this is a bug in Typst or jdgen; please report it with the template and the role file"),
                ]);
            }
        };

        let mut warnings: Vec<Diagnostic> = typst_warnings
            .iter()
            .map(|d| diagnostics::convert(&world, Some(&role.id), d))
            .collect();
        let (pdf, missing, blank) = match result {
            Ok(r) => r,
            Err(errors) => {
                let mut out: Vec<Diagnostic> = errors
                    .iter()
                    .map(|d| diagnostics::convert(&world, Some(&role.id), d))
                    .collect();
                out.extend(warnings);
                return Err(out);
            }
        };

        // An empty template, or one whose `if` left out everything, makes a
        // valid PDF of blank pages: no job description to put on a drive.
        if blank {
            let mut d = Diagnostic::error(format!(
                "role `{}`: the template printed nothing: no page of the PDF holds text, an image or a drawing",
                role.id
            ))
            .help("a template must show the role; start from the built-in one, which `jdgen template` prints (see docs/templates.md)");
            let template = &self.shared.template;
            if let Some(path) = template.display_path(template.main) {
                d = d.in_file(&path);
            }
            let mut out = vec![d];
            out.extend(warnings);
            return Err(out);
        }
        // Each character's text as written, where the role holds it: one
        // context per text (its first character's).
        let mut missing = missing;
        let texts = if missing.is_empty() {
            Vec::new()
        } else {
            glyphs::data_texts(data.as_slice())
        };
        let mut said: std::collections::HashMap<usize, String> = std::collections::HashMap::new();
        // The text the first character is in, to point at.
        let mut first_text = None;
        let lower: Vec<String> = texts.iter().map(|t| t.to_lowercase()).collect();
        for (i, m) in missing.iter_mut().enumerate() {
            if let Some((k, c)) = glyphs::text_context(&texts, &lower, &m.text, &m.context) {
                m.context = said.entry(k).or_insert(c).clone();
                if i == 0 {
                    first_text = Some(k);
                }
            }
        }
        let glyph_diags: Vec<Diagnostic> = glyphs::report(&missing, &role.id)
            .map(|message| {
                let d = if self.strict {
                    Diagnostic::error(message)
                } else {
                    Diagnostic::warning(message)
                };
                // Printed by a text of the template's own, where Typst's
                // span for the glyph points (a search of the template
                // folder's bytes named the first file holding the
                // character, used or not).
                const TEMPLATE_HELP: &str =
                    "add a font that has them with --font-path DIR, or change the template";
                let first = missing[0].text.chars().next().unwrap_or(' ');
                let at_template = diagnostics::at_glyph(&world, d.clone(), missing[0].span, first);
                if let Some((d, true)) = at_template {
                    return d.help(TEMPLATE_HELP);
                }
                let d = d
                    .in_file(&role.source)
                    .help("add a font that has them with --font-path DIR, or change that text");
                // At the first of them in the text that printed it: in the
                // family file, or in company.yaml for the company's own
                // texts (the name on the letterhead), found by the whole
                // line that holds it (the character alone may be first in
                // another level's text).
                let c = company;
                let cluster = missing[0].text.as_str();
                let company_texts = [c.name.as_str(), crate::data::website_shown(&c.website)]
                    .into_iter()
                    .chain(c.data_version.as_deref());
                let family = (role.source.as_path(), &role.family_data.source);
                let company_file = (c.file.as_path(), &c.source);
                if let Some(k) = first_text
                    && let Some((line, col)) = glyphs::line_with(&texts[k], cluster)
                {
                    let in_company = company_texts.clone().any(|t| t == texts[k]);
                    let files = if in_company {
                        [company_file, family]
                    } else {
                        [family, company_file]
                    };
                    if let Some((file, source, byte)) = files
                        .into_iter()
                        .find_map(|(f, s)| crate::diag::first_printed(s, &line).map(|b| (f, s, b)))
                    {
                        return crate::diag::at_offset(d.in_file(file), source, byte + col);
                    }
                }
                // Printed by no text of the role: made by the template
                // (`str.from-unicode`, math), at the expression that did.
                if first_text.is_none()
                    && let Some((d, false)) = at_template
                {
                    return d.help(TEMPLATE_HELP);
                }
                // Not written as printed (a folded line, an escape): the
                // character's first place, where it prints.
                let first = first.to_string();
                let in_company = company_texts.clone().any(|t| t.contains(first.as_str()));
                if role.family_data.source.contains(first.as_str()) || !in_company {
                    crate::diag::at_first_printed(d, &role.family_data.source, &first)
                } else {
                    crate::diag::at_first_printed(d.in_file(&c.file), &c.source, &first)
                }
            })
            .into_iter()
            .collect();
        if self.strict && !glyph_diags.is_empty() {
            let mut out = glyph_diags;
            out.extend(warnings);
            return Err(out);
        }
        let missing_glyphs = glyph_diags.first().cloned();
        warnings.extend(glyph_diags);
        warnings.extend(self.split_clusters(role, &data));
        Ok(Rendered {
            pdf,
            warnings,
            missing_glyphs,
        })
    }

    /// The warning `check` gives about characters no one font holds whole
    /// (`fonts::split_clusters`), for this role's data: a scheduled `build`
    /// that printed a bare accent for a letter said nothing. Only data with
    /// a combining mark is searched (nearly none).
    fn split_clusters(&self, role: &ResolvedRole, data: &[u8]) -> Option<Diagnostic> {
        let text = std::str::from_utf8(data).ok()?;
        // (Combining marks start at U+0300: the lookup only for those.)
        let mark = |c: char| c >= '\u{300}' && unicode_normalization::char::is_combining_mark(c);
        if text.is_ascii() || !text.chars().any(mark) {
            return None;
        }
        let texts = glyphs::data_texts(data);
        let book = self.shared.fonts.book();
        let coverage: Vec<&typst::text::Coverage> = (0..)
            .map_while(|i| book.info(i))
            .map(|info| &info.coverage)
            .collect();
        let split = fonts::split_clusters(texts.iter().map(String::as_str), &coverage);
        let first = *split.first()?;
        let d = Diagnostic::warning(format!(
            "role `{}`: {}",
            role.id,
            fonts::split_message(&split)
        ))
        .in_file(&role.source)
        .help(fonts::SPLIT_HELP);
        Some(crate::diag::at_first_printed(
            d,
            &role.family_data.source,
            first,
        ))
    }
}

/// `YYYY-MM-DD` as a Typst date (checked by the loader's own parser).
fn parse_date(s: &str) -> Option<Datetime> {
    let (y, m, d) = crate::load::parse_date(s)?;
    Datetime::from_ymd(y, m, d)
}

/// Parses `--pdf-standard` (comma-separated) and checks the standards go
/// together. Returns them with their canonical names.
fn parse_standards(value: Option<&str>) -> Result<(PdfStandards, Vec<String>)> {
    let Some(value) = value else {
        return Ok((PdfStandards::default(), Vec::new()));
    };
    let mut list = Vec::new();
    let mut names = Vec::new();
    for raw in value.split(',') {
        let name = raw.trim().to_ascii_lowercase();
        let name = name.strip_prefix("pdf/").unwrap_or(&name).to_string();
        let standard: Option<PdfStandard> = PDF_STANDARDS
            .contains(&name.as_str())
            .then(|| serde_json::from_value(serde_json::Value::String(name.clone())).ok())
            .flatten();
        let Some(standard) = standard else {
            return Err(Error::Usage(format!(
                "unknown PDF standard `{}`; valid standards: {}",
                raw.trim(),
                PDF_STANDARDS.join(", ")
            )));
        };
        list.push(standard);
        names.push(name);
    }
    let standards = PdfStandards::new(&list).map_err(|e| {
        let mut msg = format!("--pdf-standard {value}: {}", e.message());
        for hint in e.hints() {
            msg.push_str(&format!("\n  hint: {hint}"));
        }
        Error::Usage(msg)
    })?;
    names.sort();
    Ok((standards, names))
}

/// Whether a frame shows anything: text, an image or a drawing (a page's
/// fill is no content of its own).
fn shows_anything(frame: &typst::layout::Frame) -> bool {
    use typst::layout::FrameItem;
    frame.items().any(|(_, item)| match item {
        FrameItem::Group(group) => shows_anything(&group.frame),
        FrameItem::Text(text) => !text.glyphs.is_empty(),
        FrameItem::Image(..) | FrameItem::Shape(..) => true,
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renderer_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<Renderer>();
    }

    #[test]
    fn standards_parse_and_validate() {
        assert!(parse_standards(Some("a-2b")).is_ok());
        assert!(parse_standards(Some("A-3B")).is_ok());
        assert!(parse_standards(Some("ua-1")).is_ok());
        assert!(parse_standards(Some("1.7")).is_ok());
        assert!(parse_standards(Some("a-2b, ua-1")).is_ok());
        let err = parse_standards(Some("a-9z")).err().unwrap().to_string();
        assert!(
            err.contains("unknown PDF standard `a-9z`") && err.contains("a-2b"),
            "{err}"
        );
        // Two PDF/A standards at once cannot be met.
        assert!(parse_standards(Some("a-2b,a-3b")).is_err());
        assert!(parse_standards(Some("1.4,2.0")).is_err());
        // Every listed name is one typst-pdf knows.
        for name in PDF_STANDARDS {
            let s: std::result::Result<PdfStandard, _> =
                serde_json::from_value(serde_json::Value::String(name.to_string()));
            assert!(s.is_ok(), "{name}");
        }
    }

    #[test]
    fn dates() {
        assert!(parse_date("2026-11-01").is_some());
        assert!(parse_date("2026-13-01").is_none());
        assert!(parse_date("soon").is_none());
    }
}
