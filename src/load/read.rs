//! Reading a role file as text: size cap, encodings (UTF-16/BOM), line
//! breaks, and the errors for files that are no text.

use std::fs;
use std::path::Path;
use std::sync::Arc;

use super::MAX_FILE_BYTES;
use crate::diag::Diagnostic;

pub(super) fn read_text(dir: &Path, path: &Path) -> (Option<String>, Vec<Diagnostic>) {
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
        Ok(m) if m.is_dir() => {
            return (
                None,
                vec![
                    Diagnostic::error("a folder named like a role file")
                        .in_file(path)
                        .help(
                            "role files must be plain YAML files, and role files in subfolders \
                             are not read: rename the folder (without `.yaml`), and move its \
                             files into the role folder itself",
                        ),
                ],
            );
        }
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
        Ok(bytes) if let Some(encoding) = wide_encoding(&bytes) => (
            None,
            vec![
                Diagnostic::error(format!("file is {encoding}, not UTF-8"))
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

/// The encoding of a UTF-16 or UTF-32 file (Windows editors' "Unicode"),
/// which is no YAML jdgen reads: by its byte-order mark, or, without one,
/// by its zero bytes, which UTF-8 text never has but as a stray control
/// character. Read as UTF-8 it passed up to its first non-ASCII character
/// and was blamed there, or as "the control character U+0000".
fn wide_encoding(bytes: &[u8]) -> Option<&'static str> {
    match bytes {
        // UTF-32's marks first: UTF-32LE's starts like UTF-16LE's.
        [0xFF, 0xFE, 0, 0, ..] => return Some("UTF-32 (little-endian)"),
        [0, 0, 0xFE, 0xFF, ..] => return Some("UTF-32 (big-endian)"),
        [0xFF, 0xFE, ..] => return Some("UTF-16 (little-endian)"),
        [0xFE, 0xFF, ..] => return Some("UTF-16 (big-endian)"),
        _ => {}
    }
    let head = &bytes[..bytes.len().min(4096) & !3];
    let zeros = head.iter().filter(|b| **b == 0).count();
    // A few stray NULs in UTF-8 text are that text's error, not another
    // encoding's.
    // (UTF-16 text has a zero in every ASCII character, spaces and line
    // breaks included: 16% of the bytes of a line of Russian prose.)
    if zeros < 8 || zeros * 20 < head.len() {
        return None;
    }
    // UTF-32: each character's two high bytes are zero (the whole plane
    // of every living script), in at least most groups of four.
    // (Not a file of zeros only, as a crash can leave one: that is no text
    // in any encoding.)
    let groups = head.len() / 4;
    let high_zero = |a: usize, b: usize| {
        head.chunks_exact(4)
            .filter(|g| g[a] == 0 && g[b] == 0 && g.iter().any(|x| *x != 0))
            .count()
    };
    if high_zero(2, 3) * 10 >= groups * 9 {
        return Some("UTF-32 (little-endian)");
    }
    if high_zero(0, 1) * 10 >= groups * 9 {
        return Some("UTF-32 (big-endian)");
    }
    // UTF-16: the zero high byte of every ASCII character (spaces and line
    // breaks at least, in any script), most in one place of the two (a CJK
    // character such as 一, U+4E00, has its zero in the other: a Chinese
    // file had 88% in one place).
    let odd = head.iter().skip(1).step_by(2).filter(|b| **b == 0).count();
    let even = zeros - odd;
    if odd * 4 >= zeros * 3 {
        Some("UTF-16 (little-endian)")
    } else if even * 4 >= zeros * 3 {
        Some("UTF-16 (big-endian)")
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
