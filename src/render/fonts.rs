//! Fonts: the shipped ones compiled into the binary, plus `--font-path`
//! folders. System fonts are never used, so a PDF looks the same on every
//! machine.

use std::fs;
use std::path::{Path, PathBuf};

use typst::foundations::Bytes;
use typst::text::Font;
use typst_kit::fonts::FontStore;

use crate::error::{Error, Result};

/// The fonts in `fonts/`, embedded so `jdgen` works from any directory.
/// Inter for text, Noto Color Emoji for the values' emoji, Noto Sans for
/// Hebrew, Arabic and Devanagari.
pub(crate) const EMBEDDED: &[(&str, &[u8])] = &[
    (
        "Inter-Regular.otf",
        include_bytes!("../../fonts/Inter-Regular.otf"),
    ),
    (
        "Inter-Italic.otf",
        include_bytes!("../../fonts/Inter-Italic.otf"),
    ),
    (
        "Inter-SemiBold.otf",
        include_bytes!("../../fonts/Inter-SemiBold.otf"),
    ),
    (
        "Inter-SemiBoldItalic.otf",
        include_bytes!("../../fonts/Inter-SemiBoldItalic.otf"),
    ),
    (
        "Inter-Bold.otf",
        include_bytes!("../../fonts/Inter-Bold.otf"),
    ),
    (
        "Inter-BoldItalic.otf",
        include_bytes!("../../fonts/Inter-BoldItalic.otf"),
    ),
    (
        "NotoColorEmoji.ttf",
        include_bytes!("../../fonts/NotoColorEmoji.ttf"),
    ),
    // Scripts Inter lacks that role text is likely to hold: names and
    // titles in Hebrew and Arabic (the template's right-to-left layout
    // needs a font to show) and Hindi. Typst falls back to them per
    // character, so Latin text is unchanged.
    (
        "NotoSansHebrew-Regular.ttf",
        include_bytes!("../../fonts/NotoSansHebrew-Regular.ttf"),
    ),
    (
        "NotoSansHebrew-Bold.ttf",
        include_bytes!("../../fonts/NotoSansHebrew-Bold.ttf"),
    ),
    (
        "NotoSansArabic-Regular.ttf",
        include_bytes!("../../fonts/NotoSansArabic-Regular.ttf"),
    ),
    (
        "NotoSansArabic-Bold.ttf",
        include_bytes!("../../fonts/NotoSansArabic-Bold.ttf"),
    ),
    (
        "NotoSansDevanagari-Regular.ttf",
        include_bytes!("../../fonts/NotoSansDevanagari-Regular.ttf"),
    ),
    (
        "NotoSansDevanagari-Bold.ttf",
        include_bytes!("../../fonts/NotoSansDevanagari-Bold.ttf"),
    ),
];

/// File extensions scanned in `--font-path` folders.
const FONT_EXTENSIONS: &[&str] = &["ttf", "otf", "ttc", "otc"];

/// One font file's bytes, and its path if it came from `--font-path`.
pub(crate) struct FontFile {
    pub data: Bytes,
    pub path: Option<PathBuf>,
}

/// What is said of a `--font-path` file that holds no face that draws a
/// character (see [`store`]).
pub(crate) const UNREADABLE: &str =
    "holds no usable font (a truncated file, or not a font): no text is drawn from it";

/// Every font file jdgen uses: `--font-path` folders first (in the order
/// given, files sorted by path) so they can override a shipped family, then
/// the embedded fonts.
pub(crate) fn collect(font_paths: &[PathBuf]) -> Result<Vec<FontFile>> {
    let mut files = Vec::new();
    // One walk over all the folders: a folder named twice (or once more
    // through a link) adds nothing, and the limits hold for the run, not
    // per folder (5,000 repeats of one folder loaded it 5,000 times).
    let mut scan = Scan::default();
    for dir in font_paths {
        let meta = fs::metadata(dir)
            .map_err(|e| Error::Usage(format!("--font-path {}: {e}", dir.display())))?;
        if !meta.is_dir() {
            return Err(Error::Usage(format!(
                "--font-path {} is not a folder",
                dir.display()
            )));
        }
        let from = scan.files.len();
        scan.dir(dir, 0)?;
        scan.files[from..].sort();
    }
    let mut claimed = 0u64;
    for path in scan.files {
        let data = fs::read(&path).map_err(|e| Error::io(&path, e))?;
        claimed += check_extent(&data)
            .map_err(|why| Error::Usage(format!("--font-path: {}: {why}", path.display())))?;
        if claimed > MAX_MAPPED_CHARS_IN_ALL {
            return Err(Error::Usage(format!(
                "--font-path: the fonts up to {} claim more than {} million characters in all \
                 (each is listed at every start); point it at the folder of the fonts you need",
                path.display(),
                MAX_MAPPED_CHARS_IN_ALL / 1_000_000
            )));
        }
        files.push(FontFile {
            data: Bytes::new(data),
            path: Some(path),
        });
    }
    for (_, data) in EMBEDDED {
        files.push(FontFile {
            data: Bytes::new(*data),
            path: None,
        });
    }
    Ok(files)
}

/// The largest font file read from a `--font-path` folder (the largest CJK
/// collections are ~100 MB), and the most files: a folder is not a disk.
const MAX_FONT_BYTES: u64 = 256 << 20;
const MAX_FONT_FILES: usize = 5000;
/// The most font bytes all `--font-path` folders may hold together: they
/// are read into memory (a desktop's whole font folder is a few hundred MB).
const MAX_FONT_TOTAL: u64 = 1 << 30;

/// The most fonts one collection file may hold: the largest CJK collections
/// hold a few dozen, and each costs a parse at every start.
const MAX_FACES_PER_FILE: u32 = 256;
/// The most characters one font's character maps may claim together.
/// Typst lists every one when it loads a font (4 bytes each, once per
/// encoding record that names the map): a damaged map that claims U+0000
/// to U+FFFFFFFF asked for 16 GiB. Unicode has 0x110000 code points, and a
/// font maps them in a few subtables at most.
const MAX_MAPPED_CHARS: u64 = 4 * 0x11_0000;
/// The most characters all `--font-path` fonts may claim together: each is
/// listed at every start (a large CJK font claims about 200,000), so 256
/// faces of 4 million each took 17 s before anything was checked.
const MAX_MAPPED_CHARS_IN_ALL: u64 = 64_000_000;

/// Refuses a font file whose size on disk hides a far larger cost: more
/// fonts in one collection than any real one has, or character maps that
/// claim more characters than Unicode has (both read from the headers, in
/// time linear in the file's size). Returns the characters its maps claim,
/// for the budget of all the files.
fn check_extent(data: &[u8]) -> std::result::Result<u64, String> {
    let faces = ttf_parser::fonts_in_collection(data).unwrap_or(1);
    if faces > MAX_FACES_PER_FILE {
        return Err(format!(
            "the file says it holds {faces} fonts; a collection of more than {MAX_FACES_PER_FILE} is not read"
        ));
    }
    let mut total = 0u64;
    for index in 0..faces {
        // A face Typst cannot parse is skipped by it too (and reported as
        // unusable when the file has no other).
        let Ok(face) = ttf_parser::RawFace::parse(data, index) else {
            continue;
        };
        // The `cmap` Typst reads: ttf-parser walks the table records in
        // order and keeps the last one of a tag (a lookup by binary search
        // missed one listed out of order, and the check with it).
        let cmap = face
            .table_records
            .into_iter()
            .filter(|r| r.tag == ttf_parser::Tag::from_bytes(b"cmap"))
            .filter_map(|r| {
                let start = usize::try_from(r.offset).ok()?;
                face.data
                    .get(start..start.checked_add(usize::try_from(r.length).ok()?)?)
            })
            .last();
        let Some(cmap) = cmap else {
            continue;
        };
        let claimed = mapped_chars(cmap);
        if claimed > MAX_MAPPED_CHARS {
            return Err(format!(
                "its character map claims {claimed} characters, more than Unicode has: the file is damaged"
            ));
        }
        total += claimed;
    }
    Ok(total)
}

/// How many characters the subtables of a `cmap` table claim, as Typst
/// lists them: once per encoding record, every character each format's
/// subtable lists (formats 0, 2, 4, 6, 10, 12 and 13; an upper bound where
/// the count stops early). A subtable's count is worked out once however
/// many records name it (each of them adds it, as Typst lists it again),
/// and reads stop at the table's end, so this is linear in the table's
/// size.
fn mapped_chars(cmap: &[u8]) -> u64 {
    let u16_at = |at: usize| -> Option<u64> {
        let b = cmap.get(at..at.checked_add(2)?)?;
        Some(u64::from(u16::from_be_bytes([b[0], b[1]])))
    };
    let u32_at = |at: usize| -> Option<u64> {
        let b = cmap.get(at..at.checked_add(4)?)?;
        Some(u64::from(u32::from_be_bytes([b[0], b[1], b[2], b[3]])))
    };
    let range = |start: u64, end: u64| if start <= end { end - start + 1 } else { 0 };
    let subtable = |at: usize| -> u64 {
        let mut n = 0u64;
        match u16_at(at) {
            Some(0) => n = 256,
            Some(2) => {
                // A key per first byte; a key of 0 is one single-byte code,
                // any other names a sub-header whose entries are listed.
                for first in 0..256 {
                    let Some(key) = u16_at(at + 6 + 2 * first) else {
                        break;
                    };
                    let i = (key / 8) as usize;
                    n += if i == 0 {
                        1
                    } else {
                        u16_at(at + 6 + 512 + 8 * i + 2).unwrap_or(0)
                    };
                }
            }
            Some(4) => {
                let segments = u16_at(at + 6).unwrap_or(0) as usize / 2;
                for s in 0..segments {
                    let (Some(end), Some(start)) = (
                        u16_at(at + 14 + 2 * s),
                        u16_at(at + 16 + 2 * segments + 2 * s),
                    ) else {
                        break;
                    };
                    n += range(start, end);
                }
            }
            Some(6) => n = u16_at(at + 8).unwrap_or(0),
            Some(10) => {
                // Its glyph array bounds the count: it must fit the table.
                let room = (cmap.len().saturating_sub(at + 20) / 2) as u64;
                n = u32_at(at + 16).unwrap_or(0).min(room);
            }
            Some(12 | 13) => {
                let groups = u32_at(at + 12).unwrap_or(0) as usize;
                for g in 0..groups {
                    let (Some(start), Some(end)) =
                        (u32_at(at + 16 + 12 * g), u32_at(at + 20 + 12 * g))
                    else {
                        break;
                    };
                    n += range(start, end);
                }
            }
            _ => {}
        }
        n
    };
    let mut counted: std::collections::HashMap<usize, u64> = std::collections::HashMap::new();
    let mut total = 0u64;
    let records = u16_at(2).unwrap_or(0) as usize;
    for record in 0..records {
        let Some(at) = u32_at(4 + 8 * record + 4) else {
            break;
        };
        let at = at as usize;
        let n = *counted.entry(at).or_insert_with(|| subtable(at));
        total = total.saturating_add(n);
    }
    total
}

/// A walk over a `--font-path` folder that cannot loop or stall: every
/// folder and file is visited once by its canonical path (`ln -s . a` or two
/// links to one file add nothing), only regular files are read (a FIFO
/// would block, `/dev/zero` never ends), and sizes are capped.
#[derive(Default)]
struct Scan {
    files: Vec<PathBuf>,
    seen: std::collections::HashSet<PathBuf>,
    /// The bytes of `files`.
    total: u64,
}

impl Scan {
    fn dir(&mut self, dir: &Path, depth: usize) -> Result<()> {
        // Deep enough for any font folder.
        if depth > 16 {
            return Ok(());
        }
        let canonical = fs::canonicalize(dir).map_err(|e| Error::io(dir, e))?;
        if !self.seen.insert(canonical) {
            return Ok(());
        }
        let mut entries = Vec::new();
        for entry in fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
            entries.push(entry.map_err(|e| Error::io(dir, e))?.path());
        }
        entries.sort();
        for path in entries {
            let Ok(meta) = fs::metadata(&path) else {
                continue; // a dangling symlink is not a font
            };
            if meta.is_dir() {
                self.dir(&path, depth + 1)?;
                continue;
            }
            let is_font = path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| FONT_EXTENSIONS.iter().any(|x| e.eq_ignore_ascii_case(x)));
            if !is_font || !meta.is_file() {
                continue;
            }
            let Ok(canonical) = fs::canonicalize(&path) else {
                continue;
            };
            if !self.seen.insert(canonical) {
                continue;
            }
            if meta.len() > MAX_FONT_BYTES {
                return Err(Error::Usage(format!(
                    "--font-path: {} is {} MB; font files over {} MB are not read",
                    path.display(),
                    meta.len() >> 20,
                    MAX_FONT_BYTES >> 20
                )));
            }
            self.total += meta.len();
            if self.total > MAX_FONT_TOTAL {
                return Err(Error::Usage(format!(
                    "--font-path: the font files under {} and the folders before it hold more than {} MB; \
                     point it at the folder of the fonts you need",
                    dir.display(),
                    MAX_FONT_TOTAL >> 20
                )));
            }
            if self.files.len() == MAX_FONT_FILES {
                return Err(Error::Usage(format!(
                    "--font-path: more than {MAX_FONT_FILES} font files under {}; point it at the folder of the fonts you need",
                    dir.display()
                )));
            }
            self.files.push(path);
        }
        Ok(())
    }
}

/// Loads every face of every file into a store (a `.ttc` holds several),
/// and names the `--font-path` files that hold no face, or only faces that
/// draw no character (a cut file can keep its header and lose its
/// character map): Typst skips or never uses them, and without a word the
/// user saw only "no font has these characters", with the advice to add
/// the very font they had added.
pub(crate) fn store(files: &[FontFile]) -> (FontStore, Vec<PathBuf>) {
    let mut store = FontStore::new();
    let mut unusable = Vec::new();
    for file in files {
        let mut draws = false;
        for font in Font::iter(file.data.clone()) {
            let info = font.info().clone();
            draws |= info.coverage.iter().next().is_some();
            store.push((font, info));
        }
        if let Some(path) = file.path.as_ref().filter(|_| !draws) {
            unusable.push(path.clone());
        }
    }
    (store, unusable)
}

/// "`한` (U+D55C), `국` (U+AD6D) are", the first five and how many more.
fn listed(missing: &[char]) -> String {
    let shown: Vec<String> = missing
        .iter()
        .take(5)
        // An invisible character is named by its code point alone: raw,
        // a noncharacter such as U+FFFE reached the terminal.
        .map(|c| {
            if crate::chars::shows_nothing(*c) {
                format!("U+{:04X}", *c as u32)
            } else {
                format!("`{c}` (U+{:04X})", *c as u32)
            }
        })
        .collect();
    let more = match missing.len() {
        n if n > 5 => format!(" and {} more", n - 5),
        _ => String::new(),
    };
    let verb = if missing.len() == 1 { "is" } else { "are" };
    format!("{}{more} {verb}", shown.join(", "))
}

/// The text an SVG draws (in `<text>`, with its `<tspan>`s; not a `<title>`
/// or `<desc>` inside it, nor text in `<defs>` or hidden with `display:
/// none`), empty for one that does not parse (its check reports that).
fn svg_text(bytes: &[u8]) -> String {
    let Some(doc) = std::str::from_utf8(bytes)
        .ok()
        .and_then(crate::load::svg_document)
    else {
        return String::new();
    };
    let drawn = |n: &roxmltree::Node| {
        let mut in_text = false;
        for a in n.ancestors().filter(|a| a.is_element()) {
            match a.tag_name().name() {
                "title" | "desc" | "metadata" | "defs" => return false,
                "text" => in_text = true,
                _ => {}
            }
            if a.attribute("display") == Some("none") {
                return false;
            }
        }
        in_text
    };
    doc.descendants()
        .filter(|n| n.is_text() && drawn(n))
        .filter_map(|n| n.text())
        .collect()
}

/// Which characters some font of a set can draw, for `jdgen check`: a
/// character none has prints as an empty box (Typst falls back across
/// every font of the set, as here).
pub struct FontCoverage {
    coverage: Vec<typst::text::Coverage>,
    /// `--font-path` files with no usable font (see [`store`]).
    unreadable: Vec<PathBuf>,
}

impl FontCoverage {
    /// The shipped fonts plus the `--font-path` folders, as a render uses
    /// them (the same store).
    pub fn new(font_paths: &[PathBuf]) -> Result<FontCoverage> {
        let (store, unreadable) = store(&collect(font_paths)?);
        let book = store.book();
        let coverage = (0..)
            .map_while(|i| book.info(i))
            .map(|info| info.coverage.clone())
            .collect();
        Ok(FontCoverage {
            coverage,
            unreadable,
        })
    }

    /// One warning per `--font-path` file that holds no usable font (said
    /// whether or not the role folder loads).
    pub fn font_warnings(&self) -> Vec<crate::diag::Diagnostic> {
        self.unreadable
            .iter()
            .map(|path| {
                crate::diag::Diagnostic::warning(format!("this --font-path file {UNREADABLE}"))
                    .in_file(path)
                    .help(
                        "replace it with a complete copy of the font, or remove it from the folder",
                    )
            })
            .collect()
    }

    /// One warning per valid family file whose text has characters no font
    /// can draw (they would print as empty boxes), at the first of them.
    pub fn check(&self, lib: &crate::load::Library) -> Vec<crate::diag::Diagnostic> {
        // What prints: link targets and Markdown markers do not. A group's
        // heading prints in capitals (`upper()` in the template), which a
        // font may lack though it has the small letters (Georgian).
        // `f` gets each printed character with the one written.
        fn chars(v: &serde_json::Value, upper: bool, f: &mut impl FnMut(char, char)) {
            use serde_json::Value;
            match v {
                Value::String(s) => {
                    for c in crate::markdown::spans_text(&crate::markdown::parse(s, "")).chars() {
                        if upper {
                            c.to_uppercase().for_each(|u| f(u, c));
                        } else {
                            f(c, c);
                        }
                    }
                }
                Value::Array(a) => a.iter().for_each(|v| chars(v, upper, f)),
                Value::Object(m) => m.iter().for_each(|(k, v)| {
                    if k == "groups" {
                        // Each group: its heading in capitals, its items not.
                        for g in v.as_array().into_iter().flatten() {
                            for (gk, gv) in g.as_object().into_iter().flatten() {
                                chars(gv, gk == "heading", f)
                            }
                        }
                    } else {
                        chars(v, false, f)
                    }
                }),
                _ => {}
            }
        }
        let mut diags = Vec::new();
        // The company's printed settings: letterhead, headers, footers.
        let c = &lib.company;
        let company = serde_json::json!([
            c.name,
            crate::data::website_shown(&c.website),
            c.data_version
        ]);
        let files = std::iter::once((company, c.file.as_path(), &c.source)).chain(
            lib.families.iter().map(|fam| {
                (
                    serde_json::to_value(&fam.data).expect("plain data serialises"),
                    fam.file.as_path(),
                    &fam.source,
                )
            }),
        );
        for (value, file, source) in files {
            diags.extend(self.split_clusters(&value, file, source));
            let mut seen = std::collections::HashSet::new();
            let mut missing: Vec<char> = Vec::new();
            let mut first_written = None;
            chars(&value, false, &mut |c, written| {
                if seen.insert(c) && !self.covers(c) {
                    missing.push(c);
                    first_written.get_or_insert(written);
                }
            });
            let Some(first) = first_written else {
                continue;
            };
            let capitals = if first == missing[0] {
                ""
            } else {
                " (a group heading prints in capitals)"
            };
            let d = crate::diag::Diagnostic::warning(format!(
                "{} in no font jdgen has: {} would print as an empty box in the PDF{capitals}",
                listed(&missing),
                if missing.len() == 1 { "it" } else { "they" },
            ))
            .in_file(file)
            .help("add a font that has them with --font-path DIR (to check, pdf and build alike), or use other characters");
            diags.push(crate::diag::at_first_printed(
                d,
                source,
                first.encode_utf8(&mut [0; 4]),
            ));
        }
        // An SVG logo's text is laid out with the same fonts.
        let logo_text = c
            .logo
            .as_ref()
            .filter(|l| l.path.ends_with(".svg"))
            .map(|l| svg_text(&l.bytes))
            .unwrap_or_default();
        let mut seen = std::collections::HashSet::new();
        let missing: Vec<char> = logo_text
            .chars()
            .filter(|&ch| seen.insert(ch) && !self.covers(ch))
            .collect();
        if !missing.is_empty() {
            let d = crate::diag::Diagnostic::warning(format!(
                "the logo's text: {} in no font jdgen has: {} would print as an empty box",
                listed(&missing),
                if missing.len() == 1 { "it" } else { "they" },
            ))
            .in_file(&c.file)
            .help("convert the logo's text to outlines (paths) in your drawing program, or add a font that has them with --font-path DIR");
            let name = c.logo_name.as_deref().unwrap_or("logo:");
            diags.push(crate::diag::at_first_printed(d, &c.source, name));
        }
        diags
    }

    /// A warning naming the characters of the strings in `value` that no
    /// one font holds whole (see [`split_clusters`]), at the first.
    fn split_clusters(
        &self,
        value: &serde_json::Value,
        file: &std::path::Path,
        source: &std::sync::Arc<str>,
    ) -> Option<crate::diag::Diagnostic> {
        fn strings<'a>(v: &'a serde_json::Value, out: &mut Vec<&'a str>) {
            match v {
                serde_json::Value::String(s) => out.push(s),
                serde_json::Value::Array(a) => a.iter().for_each(|v| strings(v, out)),
                serde_json::Value::Object(m) => m.values().for_each(|v| strings(v, out)),
                _ => {}
            }
        }
        let mut all = Vec::new();
        strings(value, &mut all);
        let coverage: Vec<&typst::text::Coverage> = self.coverage.iter().collect();
        let split = split_clusters(all.into_iter(), &coverage);
        let first = *split.first()?;
        let d = crate::diag::Diagnostic::warning(split_message(&split))
            .in_file(file)
            .help(SPLIT_HELP);
        Some(crate::diag::at_first_printed(d, source, first))
    }

    /// Whether `c` needs no glyph (space, controls, invisible format
    /// characters) or some font has one.
    pub fn covers(&self, c: char) -> bool {
        c.is_whitespace()
            || c.is_control()
            || crate::chars::is_default_ignorable(c)
            || self.coverage.iter().any(|cov| cov.contains(c as u32))
    }
}

/// The grapheme clusters of `texts` built from parts that each some font
/// has but no one font has all of (a letter or emoji with a combining mark:
/// `😀\u{301}`, `क\u{301}`), each once, in order. Typst draws a cluster from
/// one font, which then lacks its base: "A 😀́ B" printed "A ´ B", and no
/// glyph was missing to say so.
pub(crate) fn split_clusters<'a>(
    texts: impl Iterator<Item = &'a str>,
    coverage: &[&typst::text::Coverage],
) -> Vec<&'a str> {
    use unicode_segmentation::UnicodeSegmentation;
    let needs_glyph =
        |c: &char| !(c.is_whitespace() || c.is_control() || crate::chars::is_default_ignorable(*c));
    let mut seen = std::collections::HashSet::new();
    texts
        .filter(|s| !s.is_ascii())
        .flat_map(|s| s.graphemes(true))
        .filter(|g| {
            let parts: Vec<char> = g.chars().filter(needs_glyph).collect();
            parts.len() > 1
                && parts
                    .iter()
                    .all(|&c| coverage.iter().any(|cov| cov.contains(c as u32)))
                && !coverage
                    .iter()
                    .any(|cov| parts.iter().all(|&c| cov.contains(c as u32)))
                && seen.insert(*g)
        })
        .collect()
}

/// The warning's words for [`split_clusters`]' findings (five named, then
/// a count).
pub(crate) fn split_message(split: &[&str]) -> String {
    let named: Vec<String> = split
        .iter()
        .take(5)
        .map(|g| {
            let codes: Vec<String> = g.chars().map(|c| format!("U+{:04X}", c as u32)).collect();
            format!("`{g}` ({})", codes.join(" "))
        })
        .collect();
    let more = match split.len() {
        n if n > 5 => format!(" and {} more", n - 5),
        _ => String::new(),
    };
    format!(
        "{}{more}: each is drawn from one font, and no font jdgen has holds all its parts: its \
         letter or emoji may print as nothing beside its mark",
        named.join(", ")
    )
}

pub(crate) const SPLIT_HELP: &str =
    "write the character without the mark, or add a font that has both with --font-path DIR";

#[cfg(test)]
mod tests {
    #[test]
    fn a_missing_character_that_shows_nothing_is_named_by_code_point_only() {
        assert_eq!(
            super::listed(&['\u{FFFE}', 'ᚠ', '\u{200B}']),
            "U+FFFE, `ᚠ` (U+16A0), U+200B are"
        );
    }
}
