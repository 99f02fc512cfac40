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
/// Inter for text, Noto Color Emoji for the values' emoji.
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
];

/// File extensions scanned in `--font-path` folders.
const FONT_EXTENSIONS: &[&str] = &["ttf", "otf", "ttc", "otc"];

/// One font file's bytes.
pub(crate) struct FontFile {
    pub data: Bytes,
}

/// Every font file jdgen uses: `--font-path` folders first (in the order
/// given, files sorted by path) so they can override a shipped family, then
/// the embedded fonts.
pub(crate) fn collect(font_paths: &[PathBuf]) -> Result<Vec<FontFile>> {
    let mut files = Vec::new();
    for dir in font_paths {
        let meta = fs::metadata(dir)
            .map_err(|e| Error::Usage(format!("--font-path {}: {e}", dir.display())))?;
        if !meta.is_dir() {
            return Err(Error::Usage(format!(
                "--font-path {} is not a folder",
                dir.display()
            )));
        }
        let mut found = Vec::new();
        scan(dir, &mut found, 0)?;
        found.sort();
        for path in found {
            let data = fs::read(&path).map_err(|e| Error::io(&path, e))?;
            files.push(FontFile {
                data: Bytes::new(data),
            });
        }
    }
    for (_, data) in EMBEDDED {
        files.push(FontFile {
            data: Bytes::new(*data),
        });
    }
    Ok(files)
}

fn scan(dir: &Path, out: &mut Vec<PathBuf>, depth: usize) -> Result<()> {
    // Deep enough for any font folder; stops symlink loops.
    if depth > 16 {
        return Ok(());
    }
    let entries = fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let path = entry.path();
        let Ok(meta) = fs::metadata(&path) else {
            continue; // a dangling symlink is not a font
        };
        if meta.is_dir() {
            scan(&path, out, depth + 1)?;
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| FONT_EXTENSIONS.iter().any(|x| e.eq_ignore_ascii_case(x)))
        {
            out.push(path);
        }
    }
    Ok(())
}

/// Loads every face of every file into a store (a `.ttc` holds several).
pub(crate) fn store(files: &[FontFile]) -> FontStore {
    let mut store = FontStore::new();
    for file in files {
        for font in Font::iter(file.data.clone()) {
            let info = font.info().clone();
            store.push((font, info));
        }
    }
    store
}
