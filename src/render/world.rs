//! jdgen's Typst `World`: what a template can see.
//!
//! Modelled on typst-cli's world, but much smaller: no system fonts, no
//! network, no packages, no clock. A template sees
//!
//! - the files of its own folder (the folder is the project root, so `/x`
//!   and `x` both mean a file in it), read once when the `Renderer` is made;
//! - the role data at [`DATA_PATH`], which shadows a `role.json` in the
//!   folder (that is where template authors keep a sample for previews);
//! - the company logo at one of [`crate::data::LOGO_PATHS`] (by its format),
//!   if one is configured.
//!
//! Everything else is refused with an error the user sees as a diagnostic
//! at the template line that asked for it. `..` past the folder is refused
//! by Typst's own path handling; absolute paths are inside the folder by
//! definition; symlinks that lead out of the folder are refused here.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, OnceLock};

use typst::diag::{FileError, FileResult, PackageError};
use typst::foundations::{Bytes, Datetime, Dict, Duration, IntoValue};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_kit::fonts::FontStore;

use crate::error::{Error, Result};

/// Where the role data (the JSON of `jdgen show ROLE --format json`) is,
/// relative to the template folder. Passed to templates as `sys.inputs.data`.
pub const DATA_PATH: &str = "/role.json";

/// The `sys.inputs` key holding [`DATA_PATH`].
pub const DATA_INPUT: &str = "data";

/// The built-in template's file name and text.
pub(crate) const BUILTIN_NAME: &str = "job-description.typ";
pub(crate) const BUILTIN_SOURCE: &str = include_str!("../../templates/job-description.typ");
/// Where the built-in template lives in the source tree (for diagnostics).
pub(crate) const BUILTIN_DIR: &str = "templates";

/// A template folder bigger than this is almost certainly not a template
/// folder (a repository root, a home folder): refuse it rather than read it.
const MAX_FILES: usize = 1000;
const MAX_BYTES: u64 = 64 * 1024 * 1024;

static DATA_ID: LazyLock<FileId> = LazyLock::new(|| project_id(DATA_PATH));

fn project_id(path: &str) -> FileId {
    RootedPath::new(
        VirtualRoot::Project,
        VirtualPath::new(path).expect("a valid virtual path"),
    )
    .intern()
}

/// One file of the template folder.
enum Entry {
    File {
        bytes: Bytes,
        /// Parsed on first use, then shared by every render.
        source: OnceLock<FileResult<Source>>,
    },
    /// A path that exists but must not be read (e.g. a symlink out).
    Refused(String),
}

/// The template folder, read into memory.
pub(crate) struct Template {
    /// The folder as the user named it (or `templates` for the built-in
    /// one): file paths in diagnostics are this joined with the virtual path.
    pub dir: PathBuf,
    /// The folder's canonical path (None for the built-in template).
    canonical: Option<PathBuf>,
    pub main: FileId,
    entries: HashMap<FileId, Entry>,
    /// Relative path and bytes of every readable file, sorted, for the
    /// fingerprint.
    pub files: BTreeMap<String, Bytes>,
    /// Entries of the folder that are jdgen's own (see [`Template::from_file`]),
    /// by relative path, with what they are: not read.
    own: Vec<(String, &'static str)>,
    /// Symlinks to folders inside the template folder, by relative path,
    /// with the folder's own relative path: not followed.
    linked_dirs: Vec<(String, String)>,
}

/// A path inside a template folder that is not the template's: the role
/// folder, the output folder, the run summary (`what` names it in messages).
#[derive(Debug, Clone)]
pub struct OwnPath {
    pub path: PathBuf,
    pub what: &'static str,
}

impl Template {
    /// The template compiled into the binary.
    pub fn builtin() -> Template {
        let mut t = Template {
            dir: PathBuf::from(BUILTIN_DIR),
            canonical: None,
            main: project_id(&format!("/{BUILTIN_NAME}")),
            entries: HashMap::new(),
            files: BTreeMap::new(),
            own: Vec::new(),
            linked_dirs: Vec::new(),
        };
        t.insert(BUILTIN_NAME, Bytes::from_string(BUILTIN_SOURCE));
        t
    }

    /// A template on disk: `file` is the main file; its folder is read,
    /// but for `own`: jdgen's role folder, output folder and summary file
    /// when they are inside it (a template beside `roles/` at a repository's
    /// root). Read, they made every role edit and every run's outputs a
    /// template change that re-rendered every PDF, and a growing output
    /// folder fail the folder's size limit some night.
    pub fn from_file(file: &Path, own: &[OwnPath]) -> Result<Template> {
        // A template named through a symlink lives where the link points.
        let resolved;
        let file = match fs::symlink_metadata(file) {
            Ok(m) if m.file_type().is_symlink() => {
                resolved = fs::canonicalize(file).map_err(|e| Error::io(file, e))?;
                resolved.as_path()
            }
            _ => file,
        };
        // A template that is not there is a bad argument, like one that is
        // a folder: both are usage errors (exit 2).
        let meta = fs::metadata(file)
            .map_err(|e| Error::Usage(format!("--template {}: {e}", file.display())))?;
        if !meta.is_file() {
            return Err(Error::Usage(format!(
                "--template {} is not a file",
                file.display()
            )));
        }
        let dir = match file.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let canonical = fs::canonicalize(&dir).map_err(|e| Error::io(&dir, e))?;
        let name = file
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| Error::Usage(format!("template name {} is not UTF-8", file.display())))?
            .to_string();
        let main = VirtualPath::new(format!("/{name}"))
            .map_err(|e| Error::Usage(format!("template name {}: {e}", file.display())))?;
        let mut t = Template {
            dir,
            canonical: Some(canonical.clone()),
            main: RootedPath::new(VirtualRoot::Project, main).intern(),
            entries: HashMap::new(),
            files: BTreeMap::new(),
            own: Vec::new(),
            linked_dirs: Vec::new(),
        };
        // Only those that exist now can be read (a first run's output
        // folder is made later, empty but for its hidden lock), and only
        // those inside the folder: a role or output folder that is the
        // template folder itself holds the template's own files too.
        let own: Vec<(PathBuf, &'static str)> = own
            .iter()
            .filter_map(|o| Some((fs::canonicalize(&o.path).ok()?, o.what)))
            .filter(|(p, _)| p.starts_with(&canonical) && *p != canonical)
            .collect();
        let mut budget = (MAX_FILES, MAX_BYTES);
        t.read_dir(&canonical, "", &own, &mut budget)?;
        // The main file is read even if its name is hidden.
        if !t.entries.contains_key(&t.main) {
            let bytes = fs::read(file).map_err(|e| Error::io(file, e))?;
            t.insert(&name, Bytes::new(bytes));
        }
        Ok(t)
    }

    fn insert(&mut self, rel: &str, bytes: Bytes) {
        let id = project_id(&format!("/{rel}"));
        self.files.insert(rel.to_string(), bytes.clone());
        self.entries.insert(
            id,
            Entry::File {
                bytes,
                source: OnceLock::new(),
            },
        );
    }

    fn refuse(&mut self, rel: &str, why: String) {
        self.entries
            .insert(project_id(&format!("/{rel}")), Entry::Refused(why));
    }

    /// Reads `dir` (canonical) recursively. Hidden entries (`.git`, …) are
    /// skipped; a symlink is followed only when it stays inside the folder.
    fn read_dir(
        &mut self,
        dir: &Path,
        prefix: &str,
        own: &[(PathBuf, &'static str)],
        budget: &mut (usize, u64),
    ) -> Result<()> {
        let root = self.canonical.clone().expect("an on-disk template");
        let mut entries: Vec<_> = fs::read_dir(dir)
            .map_err(|e| Error::io(dir, e))?
            .collect::<std::io::Result<_>>()
            .map_err(|e| Error::io(dir, e))?;
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let Some(name) = entry.file_name().to_str().map(str::to_string) else {
                continue; // not addressable from Typst anyway
            };
            if name.starts_with('.') || VirtualPath::new(&name).is_err() {
                continue;
            }
            // Shadowed by the role's data, which a template always gets
            // there: never read, so not part of the template (a preview's
            // sample data made every PDF's key change).
            if prefix.is_empty() && name == DATA_PATH.trim_start_matches('/') {
                continue;
            }
            let rel = format!("{prefix}{name}");
            let path = entry.path();
            let link = fs::symlink_metadata(&path)
                .map_err(|e| Error::io(&path, e))?
                .file_type()
                .is_symlink();
            let real = match fs::canonicalize(&path) {
                Ok(p) => p,
                Err(_) if link => {
                    self.refuse(&rel, format!("`{rel}` is a broken symlink"));
                    continue;
                }
                Err(e) => return Err(Error::io(&path, e)),
            };
            if let Some((_, what)) = own.iter().find(|(p, _)| real.starts_with(p)) {
                self.own.push((rel, what));
                continue;
            }
            if !real.starts_with(&root) {
                self.refuse(
                    &rel,
                    format!(
                        "`{rel}` is a symlink to {}, outside the template folder; \
                         a template may read only files in its own folder",
                        real.display()
                    ),
                );
                continue;
            }
            let meta = fs::metadata(&real).map_err(|e| Error::io(&real, e))?;
            // What other jdgen runs left there (another output folder, a
            // preview PDF, an earlier run summary) is not the template's
            // either: read, it changed the content key of every PDF.
            if meta.is_dir() && real.join(".jdgen").is_dir() {
                self.own.push((rel, "output folder (it holds `.jdgen/`)"));
                continue;
            }
            if meta.is_dir() {
                // A linked folder inside the folder is reachable by its own
                // path; following it could loop.
                if link {
                    let target = real.strip_prefix(&root).unwrap_or(&real);
                    self.linked_dirs
                        .push((rel, target.to_string_lossy().into_owned()));
                } else {
                    self.read_dir(&real, &format!("{rel}/"), own, budget)?;
                }
                continue;
            }
            if !meta.is_file() {
                // A FIFO or device would block or never end; a template
                // cannot use one anyway.
                continue;
            }
            if budget.0 == 0 || budget.1 < meta.len() {
                let which = if budget.0 == 0 {
                    format!("more than {MAX_FILES} files")
                } else {
                    format!(
                        "more than {} MiB (at `{rel}`, {} bytes)",
                        MAX_BYTES / (1024 * 1024),
                        meta.len()
                    )
                };
                return Err(Error::Invalid(vec![
                    crate::diag::Diagnostic::error(format!(
                        "the template folder {} holds {which}",
                        self.dir.display(),
                    ))
                    .help("jdgen reads the whole template folder; put the template in a folder of its own"),
                ]));
            }
            budget.0 -= 1;
            budget.1 -= meta.len();
            let bytes = fs::read(&real).map_err(|e| Error::io(&real, e))?;
            if jdgen_output(&rel, &bytes) {
                self.own
                    .push((rel, "output (a PDF or run summary it wrote)"));
                continue;
            }
            if let Some(why) = image_bomb(&bytes) {
                self.refuse(&rel, format!("`{rel}` {why}"));
                continue;
            }
            self.insert(&rel, Bytes::new(bytes));
        }
        Ok(())
    }

    /// The real path a file id stands for, for diagnostics.
    /// Whether this is the template compiled into jdgen.
    pub fn is_builtin(&self) -> bool {
        self.canonical.is_none()
    }

    pub fn display_path(&self, id: FileId) -> Option<PathBuf> {
        if id.root() != &VirtualRoot::Project {
            return None;
        }
        if id == *DATA_ID {
            return Some(PathBuf::from(format!("<role data {DATA_PATH}>")));
        }
        if self.canonical.is_none() {
            // Compiled into the binary: no file of that name need exist
            // where the user runs jdgen.
            return Some(PathBuf::from(format!(
                "<built-in template>{}",
                id.vpath().get_with_slash()
            )));
        }
        id.vpath().realize(&self.dir).ok()
    }

    fn refused(&self, id: FileId) -> FileError {
        let path = id.vpath().get_with_slash();
        let folder = match &self.canonical {
            Some(_) => format!("the template folder {}", self.dir.display()),
            None => "the built-in template".to_string(),
        };
        // There, but not read (hidden, a FIFO, a device): said so, not
        // that it is missing.
        let on_disk = self
            .canonical
            .as_ref()
            .and_then(|root| id.vpath().realize(root).ok())
            .filter(|p| fs::symlink_metadata(p).is_ok());
        let rel = path.trim_start_matches('/');
        if let Some((at, what)) = self
            .own
            .iter()
            .find(|(p, _)| rel == p || rel.starts_with(&format!("{p}/")))
        {
            return FileError::Other(Some(
                format!(
                    "`{path}` is in {folder}, but `{at}` is jdgen's {what}, which a template \
                     does not read"
                )
                .into(),
            ));
        }
        // Under a link that was refused (one leading out of the folder) or
        // not followed (a linked folder inside it): why, not "not read".
        let mut ancestors = rel.match_indices('/').map(|(i, _)| &rel[..i]);
        if let Some(why) =
            ancestors.find_map(
                |dir| match self.entries.get(&project_id(&format!("/{dir}"))) {
                    Some(Entry::Refused(why)) => Some(why.clone()),
                    _ => None,
                },
            )
        {
            return FileError::Other(Some(why.into()));
        }
        if let Some((at, target)) = self
            .linked_dirs
            .iter()
            .find(|(p, _)| rel.starts_with(&format!("{p}/")))
        {
            let inside = &rel[at.len() + 1..];
            let own = if target.is_empty() {
                format!("/{inside}")
            } else {
                format!("/{target}/{inside}")
            };
            // A hidden folder is not read by its own path either.
            let advice = if target.split('/').any(|part| part.starts_with('.')) {
                format!("it leads to `/{target}`, a hidden folder, which a template does not read")
            } else {
                format!("write the folder's own path, `{own}`")
            };
            return FileError::Other(Some(
                format!(
                    "`{path}` is reached through `{at}`, a symbolic link to a folder, which jdgen \
                     does not follow (it could loop): {advice}"
                )
                .into(),
            ));
        }
        if on_disk.is_some() {
            return FileError::Other(Some(
                format!(
                    "`{path}` is in {folder}, but a template reads only its regular files whose \
                     names do not start with `.`"
                )
                .into(),
            ));
        }
        // Not there: said so with the path searched (a file missing from
        // the folder read as a forbidden path). `/` is the folder itself.
        if let Some(root) = &self.canonical
            && let Ok(searched) = id.vpath().realize(root)
        {
            return FileError::NotFound(searched);
        }
        FileError::Other(Some(
            format!(
                "`{path}` is not in {folder}: a jdgen template may read only files in its own \
                 folder and the role data at {DATA_PATH}"
            )
            .into(),
        ))
    }
}

/// Whether the file `rel` is a PDF jdgen rendered (its creator in the
/// XMP metadata, which Typst writes uncompressed) or a run summary (`ok`
/// and `jdgen_version`).
fn jdgen_output(rel: &str, bytes: &[u8]) -> bool {
    let name = rel.to_ascii_lowercase();
    if name.ends_with(".pdf") {
        let tool = format!("<xmp:CreatorTool>{}</xmp:CreatorTool>", super::CREATOR);
        return bytes.windows(tool.len()).any(|w| w == tool.as_bytes());
    }
    name.ends_with(".json") && crate::summary_file::is_summary_json(bytes)
}

/// The largest image a template may use, a side and in all: a full A4
/// page at 600 dpi is 4,961 × 7,016 pixels (35 M). Typst decodes an image
/// whole, 4 bytes a pixel or more, on every render thread.
pub const MAX_IMAGE_SIDE: u32 = 16_000;
pub const MAX_IMAGE_PIXELS: u64 = 40_000_000;

/// Why a template file must not reach Typst's image decoder, if it must
/// not: a few kilobytes of PNG can declare 100,000 × 100,000 pixels, and
/// Typst then asks for 40 GB and jdgen aborts (no diagnostic, no summary).
/// Read from headers only; a file that is no image, or a broken one, is
/// left to Typst and its own message.
fn image_bomb(bytes: &[u8]) -> Option<String> {
    image_bomb_nested(bytes, 0)
}

/// How deep SVGs may embed SVGs (as data URLs): deeper is refused, not
/// read further.
const MAX_SVG_NESTING: usize = 4;

fn image_bomb_nested(bytes: &[u8], depth: usize) -> Option<String> {
    // Typst unpacks gzip only as compressed SVG (svgz), with no limit:
    // 1 MB held 1 GB. Nothing else in a template can use a gzip file.
    if bytes.starts_with(&[0x1f, 0x8b]) {
        return Some(
            "is gzip-compressed (as an .svgz is), which jdgen does not read from a template \
             folder: 1 MB can unpack to gigabytes; save it uncompressed"
                .into(),
        );
    }
    if let Some(why) = oversized_raster(bytes) {
        return Some(why);
    }
    // An SVG's images given as data URLs (a raster, or another SVG) are
    // decoded when the PDF is written; read them as usvg does (the
    // data-url crate: any case, padding or not, percent-encoded too).
    let text = std::str::from_utf8(bytes).ok()?;
    // Any XML (an SVG may use a prefix, `<s:svg>`), parsed as usvg parses
    // it: a DTD allowed (Illustrator writes one; refusing it skipped the
    // check), entities expanded.
    if !text
        .trim_start_matches('\u{feff}')
        .trim_start()
        .starts_with('<')
    {
        return None;
    }
    let options = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..roxmltree::ParsingOptions::default()
    };
    let doc = roxmltree::Document::parse_with_options(text, options).ok()?;
    doc.descendants()
        .filter(|n| matches!(n.tag_name().name(), "image" | "feImage"))
        .find_map(|n| {
            let href = svg_href(n)?;
            let url = data_url::DataUrl::process(href.trim()).ok()?;
            let (payload, _) = url.decode_to_vec().ok()?;
            // Located only when refused: counting lines for every image
            // made a file of 40,000 small ones take 86 s.
            let at = || {
                let pos = doc.text_pos_at(n.range().start);
                format!("line {}, column {}", pos.row, pos.col)
            };
            if depth >= MAX_SVG_NESTING {
                return Some(format!(
                    "nests images more than {MAX_SVG_NESTING} deep (at {}); give the inner \
                     images files of their own",
                    at()
                ));
            }
            let why = image_bomb_nested(&payload, depth + 1)?;
            Some(format!("embeds an image (at {}) that {why}", at()))
        })
}

/// The `href` usvg reads: without a namespace, or in SVG's or XLink's (an
/// `href` in another namespace is not a link to it).
fn svg_href<'a>(n: roxmltree::Node<'a, '_>) -> Option<&'a str> {
    const SVG: &str = "http://www.w3.org/2000/svg";
    const XLINK: &str = "http://www.w3.org/1999/xlink";
    n.attributes()
        .find(|a| a.name() == "href" && matches!(a.namespace(), None | Some(SVG) | Some(XLINK)))
        .map(|a| a.value())
}

/// The pixel size a raster image's header declares (PNG, JPEG, GIF, WebP:
/// what Typst decodes), read without decoding it; `None` for bytes in no
/// such format, an error for a header that cannot be read. The logo's
/// check (`load`) reads it the same way.
pub(crate) fn raster_size(bytes: &[u8]) -> Option<Result<(u32, u32), String>> {
    let reader = image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .ok()?;
    reader.format()?;
    Some(reader.into_dimensions().map_err(|e| e.to_string()))
}

/// Why a raster image is too large, from its header.
fn oversized_raster(bytes: &[u8]) -> Option<String> {
    let (w, h) = raster_size(bytes)?.ok()?;
    (u64::from(w) * u64::from(h) > MAX_IMAGE_PIXELS || w.max(h) > MAX_IMAGE_SIDE).then(|| {
        format!(
            "is {w} × {h} pixels; a template's image may have at most {MAX_IMAGE_SIDE} pixels a \
             side and {MAX_IMAGE_PIXELS} in all (a full A4 page at 600 dpi is 4961 × 7016)"
        )
    })
}

/// Everything shared by all renders of one `Renderer`.
pub(crate) struct Shared {
    pub library: LazyHash<Library>,
    pub fonts: FontStore,
    pub template: Template,
}

impl Shared {
    pub fn new(template: Template, fonts: FontStore) -> Shared {
        let inputs: Dict = [(DATA_INPUT.into(), DATA_PATH.into_value())]
            .into_iter()
            .collect();
        let mut library = Library::builder().with_inputs(inputs).build();
        // Typst's default font (Libertinus Serif) is not shipped: a
        // template that names none fell back to whatever font had a glyph,
        // and Noto Color Emoji has the digits, `#`, `*` and the space, so
        // "2026" printed as four emoji-wide figures. The shipped fonts are
        // the default instead; a template's own `set text(font: …)` wins.
        library.styles.set(
            typst::text::TextElem::font,
            typst::text::FontList(vec![
                typst::text::FontFamily::new("Inter"),
                typst::text::FontFamily::new("Noto Color Emoji"),
            ]),
        );
        Shared {
            library: LazyHash::new(library),
            fonts,
            template,
        }
    }
}

/// The world of one render: the shared parts plus this role's data.
pub(crate) struct JobWorld<'a> {
    pub shared: &'a Shared,
    pub data: Bytes,
    /// The logo's file id (from its virtual path) and bytes.
    pub logo: Option<(FileId, Bytes)>,
    pub today: Datetime,
    /// The data parsed as a source, only if a diagnostic points into it.
    data_source: OnceLock<Source>,
}

impl<'a> JobWorld<'a> {
    /// `logo`: its virtual path (one of [`crate::data::LOGO_PATHS`]) and bytes.
    pub fn new(
        shared: &'a Shared,
        data: Bytes,
        logo: Option<(&str, Bytes)>,
        today: Datetime,
    ) -> Self {
        JobWorld {
            shared,
            data,
            logo: logo.map(|(path, bytes)| (project_id(path), bytes)),
            today,
            data_source: OnceLock::new(),
        }
    }

    /// The text of a file, for showing the line a diagnostic points at.
    pub fn text(&self, id: FileId) -> Option<Arc<str>> {
        self.source(id).ok().map(|s| Arc::from(s.text()))
    }
}

impl World for JobWorld<'_> {
    fn library(&self) -> &LazyHash<Library> {
        &self.shared.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        self.shared.fonts.book()
    }

    fn main(&self) -> FileId {
        self.shared.template.main
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == *DATA_ID {
            let text = std::str::from_utf8(&self.data).map_err(|_| FileError::InvalidUtf8)?;
            return Ok(self
                .data_source
                .get_or_init(|| Source::new(id, text.to_string()))
                .clone());
        }
        match self.shared.template.entries.get(&id) {
            Some(Entry::File { bytes, source }) => source
                .get_or_init(|| {
                    let text = std::str::from_utf8(bytes).map_err(|_| FileError::InvalidUtf8)?;
                    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
                    Ok(Source::new(id, text.to_string()))
                })
                .clone(),
            _ => Err(self.file(id).err().unwrap_or(FileError::NotSource)),
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if let VirtualRoot::Package(spec) = id.root() {
            return Err(FileError::Package(PackageError::Other(Some(
                format!(
                    "jdgen templates cannot use packages such as {spec}; copy the package's \
                     files into the template folder and import them by path"
                )
                .into(),
            ))));
        }
        if id == *DATA_ID {
            return Ok(self.data.clone());
        }
        if let Some((logo_id, logo)) = &self.logo
            && id == *logo_id
        {
            return Ok(logo.clone());
        }
        match self.shared.template.entries.get(&id) {
            Some(Entry::File { bytes, .. }) => Ok(bytes.clone()),
            Some(Entry::Refused(why)) => Err(FileError::Other(Some(why.as_str().into()))),
            None => Err(self.shared.template.refused(id)),
        }
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.shared.fonts.font(index)
    }

    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        // The document date, never the clock: same inputs, same bytes.
        Some(self.today)
    }
}
