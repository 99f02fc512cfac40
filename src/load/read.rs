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
                        .help(match windows_1252(bytes[offset]) {
                            // The usual case: a file saved on Windows in a
                            // Western language, its curly quotes in 0x91-0x94.
                            Some(c) => format!(
                                "save the file as UTF-8: it looks like Windows-1252 (or Latin-1), \
                                 where 0x{:02x} is `{c}`; in most editors, reopen it with that \
                                 encoding, then save it with the encoding UTF-8",
                                bytes[offset]
                            ),
                            None => "save the file as UTF-8".into(),
                        }),
                    ],
                )
            }
        },
    }
}

/// The character byte `b` stands for in Windows-1252, the 8-bit encoding of
/// Western Windows (Latin-1 with printable characters in 0x80-0x9F), where
/// it is a printable non-ASCII one.
fn windows_1252(b: u8) -> Option<char> {
    // 0x80-0x9F; NUL where Windows-1252 defines nothing.
    const C1: &str = "€\0‚ƒ„…†‡ˆ‰Š‹Œ\0Ž\0\0‘’“”•–—˜™š›œ\0žŸ";
    match b {
        0x80..=0x9F => C1.chars().nth(usize::from(b - 0x80)).filter(|&c| c != '\0'),
        0xA1..=0xFF => Some(char::from(b)),
        _ => None,
    }
}

/// The encoding of a UTF-16 or UTF-32 file (Windows editors' "Unicode"),
/// which is no YAML jdgen reads: by its byte-order mark, or, without one,
/// by decoding the start of the file each way. A role file's keys,
/// indentation and line breaks are ASCII, so YAML in UTF-16 or UTF-32
/// decodes to text that is a good part ASCII; UTF-8 text decoded so turns
/// into CJK-like characters, the other byte order likewise, and zeros into
/// NULs. Read as UTF-8 it passed up to its first non-ASCII character and
/// was blamed there, or as "the control character U+0000". (Counting zero
/// bytes, and then requiring a `:`, each misjudged some files.)
fn wide_encoding(bytes: &[u8]) -> Option<&'static str> {
    match bytes {
        // UTF-32's marks first: UTF-32LE's starts like UTF-16LE's.
        [0xFF, 0xFE, 0, 0, ..] => return Some("UTF-32 (little-endian)"),
        [0, 0, 0xFE, 0xFF, ..] => return Some("UTF-32 (big-endian)"),
        [0xFF, 0xFE, ..] => return Some("UTF-16 (little-endian)"),
        [0xFE, 0xFF, ..] => return Some("UTF-16 (big-endian)"),
        _ => {}
    }
    // Every UTF-16 or UTF-32 encoding of ASCII has a zero byte.
    if !bytes.contains(&0) {
        return None;
    }
    // (Behind a UTF-8 byte-order mark, as an editor may save it.)
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let head = &body[..body.len().min(4096)];
    // At most one unit that does not decode (the head may cut a
    // character), a line break, and a twentieth printable ASCII or tabs and
    // line breaks (a list of long Chinese items has some 7%). UTF-8 text
    // with stray NULs gets an ASCII character only where a NUL follows
    // one: a `:` or a space, rarely a line break, and never many (a NUL
    // after every line break gave 2.5%).
    // A file whose UTF-8 reading is no text need not be mostly ASCII (a
    // UTF-16 file of Chinese, Thai or emoji): no UTF-8 at all, or a
    // quarter control characters (Thai, Cyrillic or Devanagari in UTF-16
    // are bytes below 0x80, every other one a control or a tab; UTF-8 with
    // a NUL after every line break has 2.5%). It is then text when it
    // decodes with no control characters and lines of ordinary length, with
    // a zero byte for each of its line breaks (a Latin-1 file with a NUL
    // after its last line break read as a line of CJK-like letters).
    let controls = head
        .iter()
        .filter(|&&b| b < 0x20 && b != b'\n' && b != b'\r')
        .count();
    let zeros = head.iter().filter(|&&b| b == 0).count();
    let not_utf8_text = std::str::from_utf8(body).is_err() || controls * 4 > head.len();
    let reads_as_text = |chars: &mut dyn Iterator<Item = Option<char>>| {
        let (mut total, mut ascii, mut bad, mut breaks, mut controls) = (0usize, 0usize, 0, 0, 0);
        for c in chars {
            total += 1;
            match c {
                None => bad += 1,
                // (Not a lone CR: a PNG's header decodes to one.)
                Some('\n') => {
                    ascii += 1;
                    breaks += 1;
                }
                Some(c) if c == '\t' || c == '\r' || (' '..='~').contains(&c) => ascii += 1,
                Some(c) if c.is_control() && c != '\u{c}' => controls += 1,
                Some(_) => {}
            }
            if bad > 1 {
                return false;
            }
        }
        // In a file of a few lines a stray NUL or two weigh more: there a
        // quarter must be ASCII (a short company.yaml in UTF-16 is nearly
        // all; a line of Russian prose with its keys, a third).
        let share = if head.len() < 1024 { 4 } else { 20 };
        // A binary file (a program, a font, a compiled .mo) decodes to
        // small numbers, many of them ASCII, and NULs: text has next to no
        // control characters.
        let clean = bad + controls <= (total / 256).max(1);
        clean
            && breaks > 0
            && (ascii * share >= total
                || not_utf8_text && breaks >= 2 && zeros >= breaks && breaks * 1024 >= total)
    };
    let utf32 = |big: bool| {
        head.chunks_exact(4).map(move |g| {
            let g = [g[0], g[1], g[2], g[3]];
            char::from_u32(if big {
                u32::from_be_bytes(g)
            } else {
                u32::from_le_bytes(g)
            })
        })
    };
    let utf16 = |big: bool| {
        char::decode_utf16(head.chunks_exact(2).map(move |p| {
            if big {
                u16::from_be_bytes([p[0], p[1]])
            } else {
                u16::from_le_bytes([p[0], p[1]])
            }
        }))
        .map(Result::ok)
    };
    if reads_as_text(&mut utf32(false)) {
        Some("UTF-32 (little-endian)")
    } else if reads_as_text(&mut utf32(true)) {
        Some("UTF-32 (big-endian)")
    } else if reads_as_text(&mut utf16(false)) {
        Some("UTF-16 (little-endian)")
    } else if reads_as_text(&mut utf16(true)) {
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

#[cfg(test)]
mod tests {
    use super::wide_encoding;

    #[test]
    fn windows_1252_names_the_characters_of_its_upper_half() {
        use super::windows_1252;
        assert_eq!(windows_1252(0x92), Some('’'));
        assert_eq!(windows_1252(0x80), Some('€'));
        assert_eq!(windows_1252(0xE9), Some('é'));
        // Undefined there, a no-break space (shown as nothing), ASCII.
        for b in [0x81, 0x9D, 0xA0, b'a'] {
            assert_eq!(windows_1252(b), None, "{b:#x}");
        }
    }

    #[test]
    fn binary_files_and_zeros_are_no_wide_encoding() {
        // A PNG's header (zeros in its chunk lengths), a ZIP's, a file of
        // zeros: not text in any encoding, so not named as UTF-16 or 32.
        let png: Vec<u8> = [
            &b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\x01\0\0\0\x01\0\x08\x06\0\0\0"[..],
            &[0x5c, 0x72, 0xa8, 0x66],
        ]
        .concat();
        let zip = b"PK\x03\x04\x14\0\0\0\x08\0\0\0!\0roles.csv\0\0\0\0".to_vec();
        for bytes in [png, zip, vec![0; 4096], vec![0; 3]] {
            assert_eq!(wide_encoding(&bytes), None, "{bytes:?}");
        }
        // A program decodes to small numbers, many ASCII, and NULs: this
        // test's own executable was named UTF-16 (as were most of
        // /usr/bin and the compiled .mo message catalogues).
        let exe = std::fs::read(std::env::current_exe().unwrap()).unwrap();
        for start in [0, 4096, 65536] {
            let part = &exe[start.min(exe.len())..];
            assert_eq!(wide_encoding(part), None, "executable from byte {start}");
        }
        // A .mo catalogue's header: little-endian counts and offsets.
        let mo: Vec<u8> = [0x9504_12de_u32, 0, 40, 28, 348, 0, 668]
            .iter()
            .chain(&(0..80u32).map(|i| 10 + i * 3).collect::<Vec<_>>())
            .flat_map(|n| n.to_le_bytes())
            .chain(
                b"Project-Id-Version: x\nContent-Type: text/plain\n"
                    .iter()
                    .copied(),
            )
            .collect();
        assert_eq!(wide_encoding(&mo), None);
        // Either byte order, a file of a few bytes.
        let le: Vec<u8> = "a: b\n".encode_utf16().flat_map(u16::to_le_bytes).collect();
        let be: Vec<u8> = "a: b\n".encode_utf16().flat_map(u16::to_be_bytes).collect();
        assert_eq!(wide_encoding(&le), Some("UTF-16 (little-endian)"));
        assert_eq!(wide_encoding(&be), Some("UTF-16 (big-endian)"));
    }

    fn utf16le(text: &str) -> Vec<u8> {
        text.encode_utf16().flat_map(u16::to_le_bytes).collect()
    }

    #[test]
    fn utf16_is_found_whatever_its_first_4_kb_hold() {
        let role = "family: f\ntitle: T\nlevels:\n  - id: f-a\n    level: A\n    title: A\n";
        // A header comment longer than the 4 KB read (no `:` in them), a
        // form feed, a NUL, Chinese items (7% ASCII), a UTF-8 byte-order
        // mark before it: each was missed or named the wrong order.
        let comment = format!("# {}\n", "x".repeat(70)).repeat(40);
        let chinese = format!(
            "items:\n{}",
            format!("  - {}\n", "一个开放的职位最好的团队".repeat(5)).repeat(20)
        );
        for text in [
            format!("{comment}{role}"),
            format!("\u{c}{role}"),
            format!("{role}# \0\n"),
            format!("{chinese}{role}"),
            // Under 5% ASCII: lines of Thai and of emoji, then the keys;
            // Thai, Russian or Hindi alone (their UTF-16 is valid UTF-8).
            format!("# {}\n", "ภาษาไทยสวัสดี😀".repeat(8)).repeat(30) + role,
            format!("# {}\n", "ภาษาไทยสวัสดี".repeat(8)).repeat(30) + role,
            format!("# {}\n", "Привет".repeat(20)).repeat(30) + role,
            format!("# {}\n", "नमस्ते".repeat(20)).repeat(30) + role,
        ] {
            assert_eq!(
                wide_encoding(&utf16le(&text)),
                Some("UTF-16 (little-endian)"),
                "{text:.60}"
            );
        }
        let bom = [&b"\xEF\xBB\xBF"[..], &utf16le(role)].concat();
        assert_eq!(wide_encoding(&bom), Some("UTF-16 (little-endian)"));
        // UTF-8 text with a NUL right after a `:` at an even place (which
        // decodes to an ASCII `:`) is that text's error.
        let shipped = include_str!("../../roles/marketing-operations.yaml");
        let at = (500..shipped.len())
            .find(|&i| i % 2 == 0 && shipped[i..].starts_with(": "))
            .unwrap();
        let mut bytes = shipped.as_bytes().to_vec();
        bytes[at + 1] = 0;
        assert_eq!(wide_encoding(&bytes), None);
        // Nor a NUL after every line break.
        let nuls = shipped.replace('\n', "\n\0");
        assert_eq!(wide_encoding(nuls.as_bytes()), None);
        // Nor a Windows-1252 file with a NUL after its last line break (a
        // C string's end), whose Latin-1 letters read as CJK in UTF-16.
        let latin1: Vec<u8> = "family: f\ntitle: Responsable marketing\nlevels:\n  - id: a\n    level: Débutant\n    title: Chargé de clientèle\n"
            .chars()
            .map(|c| u8::try_from(u32::from(c)).unwrap())
            .chain([0])
            .collect();
        assert_eq!(wide_encoding(&latin1), None);
        assert_eq!(
            wide_encoding(&[&[0u8][..], &latin1[..latin1.len() - 1]].concat()),
            None
        );
        // Nor a short company.yaml with a few NULs, wherever they fall.
        let company = "name: Example Co\nwebsite: https://example.com\n";
        for a in 0..company.len() {
            for b in a..company.len() {
                let mut bytes = company.as_bytes().to_vec();
                bytes.insert(b, 0);
                bytes.insert(a, 0);
                assert_eq!(wide_encoding(&bytes), None, "NULs at {a} and {b}");
            }
        }
    }
}
