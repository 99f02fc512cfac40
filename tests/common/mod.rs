//! Helpers shared by the integration tests (each test file is its own
//! crate and includes this module with `mod common;`). Not every file
//! uses every helper, hence the `allow`.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStderr, Command, Stdio};

/// Spawns `cmd` with stderr piped and reads its stderr until a line
/// contains `want`. Returns the running child, the rest of its stderr and
/// what was read so far. Panics, with what it read, if the child ends
/// first.
pub fn spawn_until(mut cmd: Command, want: &str) -> (Child, BufReader<ChildStderr>, String) {
    let mut child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    while !seen.contains(want) {
        let mut line = String::new();
        if err.read_line(&mut line).unwrap() == 0 {
            let status = child.wait().unwrap();
            panic!("exited ({status}) before printing {want:?}:\n{seen}");
        }
        seen.push_str(&line);
    }
    (child, err, seen)
}

/// Makes a FIFO at `path` (what a naive reader or writer blocks on forever).
pub fn mkfifo(path: &std::path::Path) {
    let status = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success(), "mkfifo {}", path.display());
}

/// Asserts that some line of `err` holds both `at` (a `file:line:col:`
/// place) and `message`, for each pair.
pub fn assert_reported(err: &str, expected: &[(&str, &str)]) {
    for (at, message) in expected {
        assert!(
            err.lines().any(|l| l.contains(at) && l.contains(message)),
            "no `{at} {message}` in:\n{err}"
        );
    }
}

/// Rewrites the text file at `path` with `change` applied to its text.
pub fn edit(path: &std::path::Path, change: impl FnOnce(&str) -> String) {
    let text = std::fs::read_to_string(path).unwrap();
    std::fs::write(path, change(&text)).unwrap();
}

/// A 62-byte PNG declaring the given size (8-bit RGBA) with only the
/// start of its pixel data: a header reader gets the size, and a decoder
/// allocates for every pixel before it finds the data cut short (at
/// 100,000 × 100,000 Typst asked for 40 GB and aborted the run).
pub fn png_header(width: u32, height: u32) -> Vec<u8> {
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend(width.to_be_bytes());
    ihdr.extend(height.to_be_bytes());
    ihdr.extend([8, 6, 0, 0, 0]);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    for chunk in [ihdr, b"IDAT\x78\x9c\x62\x00\x00".to_vec(), b"IEND".to_vec()] {
        png.extend((chunk.len() as u32 - 4).to_be_bytes());
        png.extend(&chunk);
        png.extend(crc32(&chunk).to_be_bytes());
    }
    png
}

/// The text of the PDF at `path` (`pdftotext`, poppler-utils).
pub fn pdf_text(path: &std::path::Path) -> String {
    let out = Command::new("pdftotext")
        .arg(path)
        .arg("-")
        .output()
        .unwrap();
    assert!(out.status.success(), "pdftotext {}", path.display());
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A role folder of the minimal fixture's company and one family of two
/// roles, `a-b` and `c-d`, whose family-wide intro holds a character no
/// shipped font has (U+1D504): every role warns alike.
pub fn family_missing_a_glyph() -> tempfile::TempDir {
    let roles = tempfile::tempdir().unwrap();
    std::fs::copy(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/minimal/company.yaml"),
        roles.path().join("company.yaml"),
    )
    .unwrap();
    std::fs::write(
        roles.path().join("f.yaml"),
        "family: fam\ntitle: T\nintro: [\"Text with \u{1D504} in it\"]\nlevels:\n  - id: a-b\n    level: A\n    title: X\n  - id: c-d\n    level: C\n    title: Y\n",
    )
    .unwrap();
    roles
}
