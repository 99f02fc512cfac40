//! The ZIP bundle, byte-identical for the same inputs.
//!
//! - Entries sorted by name, no folder entries, no extra fields, no comment.
//! - Every entry's time is the export timestamp (`SOURCE_DATE_EPOCH`, else
//!   1980-01-01 00:00:00, the ZIP epoch), clamped to what ZIP can store.
//! - Every entry is a regular file with permissions 0644, made on "Unix".
//! - Deflated by the pure-Rust zlib-rs backend (pinned by `Cargo.lock`), so
//!   the bytes do not depend on the machine: PDFs at `PDF_COMPRESSION_LEVEL`,
//!   everything else at `COMPRESSION_LEVEL`.
//! - Names are checked: relative, `/`-separated, plain ASCII, no `..`, no
//!   `\`, nothing that could unpack outside the target folder.

use std::io::{Cursor, Seek, Write};
use std::path::Path;

use ::zip::write::SimpleFileOptions;
use ::zip::{CompressionMethod, DateTime, System, ZipArchive, ZipWriter};

use super::FileRef;
use crate::data::civil_from_days;
use crate::diag::Diagnostic;
use crate::error::{Error, Result};

/// Deflate level (1–9; 10+ would switch to zopfli).
pub const COMPRESSION_LEVEL: i64 = 6;

/// Deflate level of PDF entries. Their content is mostly deflated streams
/// already: at level 6 the 1008-role benchmark bundle was 8% smaller
/// (39.3 MB against 42.5 MB) but the export phase took 0.4–0.6 s longer
/// (1.3 s against 1.7–1.9 s; docs/performance.md).
pub const PDF_COMPRESSION_LEVEL: i64 = 1;

fn level_for(path: &str) -> i64 {
    if path.ends_with(".pdf") {
        PDF_COMPRESSION_LEVEL
    } else {
        COMPRESSION_LEVEL
    }
}

/// Unix permissions of every entry.
pub const PERMISSIONS: u32 = 0o644;

/// Checks that `name` is safe as a ZIP entry name: non-empty, relative,
/// `/`-separated segments of ASCII letters, digits, `-`, `_` and `.`, no
/// segment empty, `.` or `..`, no `\`.
pub fn check_entry_name(name: &str) -> Result<(), String> {
    let bad = |why: &str| Err(format!("unsafe ZIP entry name `{name}`: {why}"));
    if name.is_empty() {
        return bad("empty");
    }
    if name.starts_with('/') {
        return bad("absolute path");
    }
    if name.contains('\\') {
        return bad("contains `\\`");
    }
    for segment in name.split('/') {
        if segment.is_empty() || segment == "." || segment == ".." {
            return bad("empty, `.` or `..` path segment");
        }
        if !segment
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        {
            return bad("only ASCII letters, digits, `-`, `_` and `.` are allowed");
        }
    }
    Ok(())
}

/// The ZIP (DOS) time for a Unix timestamp, clamped to 1980-01-01 00:00:00
/// … 2107-12-31 23:59:58, the range ZIP can store.
pub fn zip_datetime(unix: i64) -> DateTime {
    let (y, mo, d) = civil_from_days(unix.div_euclid(86_400));
    let secs = unix.rem_euclid(86_400);
    if y < 1980 {
        return DateTime::default();
    }
    if y > 2107 {
        return DateTime::from_date_and_time(2107, 12, 31, 23, 59, 58).expect("valid date");
    }
    DateTime::from_date_and_time(
        y as u16,
        mo as u8,
        d as u8,
        (secs / 3600) as u8,
        (secs / 60 % 60) as u8,
        (secs % 60) as u8,
    )
    .unwrap_or_default()
}

/// Writes `files` as a ZIP archive, entries sorted by path.
pub fn write_zip<F: FileRef + Sync>(files: &[F], unix_time: i64) -> Result<Vec<u8>> {
    write_zip_parallel(files, unix_time, 1)
}

/// [`write_zip_parallel`] into memory, with room for the whole archive
/// reserved up front.
pub fn write_zip_parallel<F: FileRef + Sync>(
    files: &[F],
    unix_time: i64,
    jobs: usize,
) -> Result<Vec<u8>> {
    // Deflate never grows a file by more than a little, so the input sizes
    // bound the archive. Reserving that up front avoids the Vec doubling
    // (and copying) as the bundle grows; pages never written are never
    // touched, so they cost no memory.
    let bound: u64 = files
        .iter()
        .map(|f| f.size_hint() + f.size_hint() / 100 + 256 + 2 * f.path().len() as u64)
        .sum::<u64>()
        + 1024;
    let out = Cursor::new(Vec::with_capacity(usize::try_from(bound).unwrap_or(0)));
    Ok(write_zip_to(files, unix_time, jobs, out, Path::new(super::ZIP_FILE))?.into_inner())
}

/// Entries compressed together before they are copied into the archive:
/// enough to keep every thread busy, few enough that memory stays flat.
const WINDOW: usize = 64;

/// Writes `files` as a ZIP archive to `out` (a file, so that a large bundle
/// is never held in memory, or a `Cursor<Vec<u8>>`), compressing entries on
/// `jobs` threads. Each entry is deflated on its own (that is how ZIP
/// works), so the archive is the same bytes for any `jobs`: a worker
/// deflates an entry into a one-entry archive, and the writer copies that
/// entry in, in order, without recompressing it.
pub fn write_zip_to<F: FileRef + Sync, W: Write + Seek>(
    files: &[F],
    unix_time: i64,
    jobs: usize,
    out: W,
    dest: &Path,
) -> Result<W> {
    let mut sorted: Vec<&F> = files.iter().collect();
    sorted.sort_by(|a, b| a.path().cmp(b.path()));
    let mut errors = Vec::new();
    for (i, f) in sorted.iter().enumerate() {
        if let Err(e) = check_entry_name(f.path()) {
            errors.push(Diagnostic::error(e));
        }
        if i > 0 && sorted[i - 1].path() == f.path() {
            errors.push(Diagnostic::error(format!(
                "duplicate ZIP entry `{}`",
                f.path()
            )));
        }
    }
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let base = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .last_modified_time(zip_datetime(unix_time))
        .unix_permissions(PERMISSIONS)
        .system(System::Unix)
        .large_file(false);
    let options = |path: &str| base.compression_level(Some(level_for(path)));
    let fail =
        |e: &dyn std::fmt::Display| Diagnostic::error(format!("cannot write the ZIP bundle: {e}"));
    let first_error = std::cell::RefCell::new(None);
    // Not dropped on failure: an unfinished ZipWriter's destructor tries
    // to finish the archive into the failing file and prints that second
    // failure to stderr (into cron mail). Leaking it instead costs its
    // buffers, once, on a run that is failing anyway.
    let mut zip = std::mem::ManuallyDrop::new(ZipWriter::new(RecordError {
        inner: out,
        first_error: &first_error,
    }));
    let written = write_entries(&mut zip, &sorted, jobs, &options, &fail);
    let written = match written {
        Ok(()) => std::mem::ManuallyDrop::into_inner(zip)
            .finish()
            .map(|w| w.inner)
            .map_err(|e| fail(&e).into()),
        Err(e) => Err(e),
    };
    // An I/O failure of the destination (a full disk): name the file and
    // the OS error, not the ZIP library's wrapping of it.
    match (written, first_error.into_inner()) {
        (Ok(out), None) => Ok(out),
        (_, Some(e)) => Err(Error::io(dest, e)),
        (Err(e), None) => Err(e),
    }
}

/// Writes every entry into `zip`, on `jobs` threads when more than one.
fn write_entries<F: FileRef + Sync, W: Write + Seek>(
    zip: &mut ZipWriter<W>,
    sorted: &[&F],
    jobs: usize,
    options: &(dyn Fn(&str) -> SimpleFileOptions + Sync),
    fail: &dyn Fn(&dyn std::fmt::Display) -> Diagnostic,
) -> Result<()> {
    if jobs <= 1 {
        for f in sorted {
            zip.start_file(f.path(), options(f.path()))
                .map_err(|e| fail(&e))?;
            let bytes = f.bytes().map_err(|e| fail(&e))?;
            zip.write_all(&bytes).map_err(|e| fail(&e))?;
        }
    } else {
        let one_entry = |f: &&F| -> std::result::Result<Vec<u8>, String> {
            let bytes = f.bytes().map_err(|e| e.to_string())?;
            let mut part = ZipWriter::new(Cursor::new(Vec::with_capacity(bytes.len() + 512)));
            part.start_file(f.path(), options(f.path()))
                .map_err(|e| e.to_string())?;
            part.write_all(&bytes).map_err(|e| e.to_string())?;
            Ok(part.finish().map_err(|e| e.to_string())?.into_inner())
        };
        for window in sorted.chunks(WINDOW) {
            let parts = crate::workers::map(jobs, window, one_entry).map_err(|e| fail(&e))?;
            for part in parts {
                let part = part.map_err(|e| fail(&e))?;
                let mut archive = ZipArchive::new(Cursor::new(part)).map_err(|e| fail(&e))?;
                let entry = archive.by_index_raw(0).map_err(|e| fail(&e))?;
                zip.raw_copy_file(entry).map_err(|e| fail(&e))?;
            }
        }
    }
    Ok(())
}

/// The destination as the ZIP writer sees it: everything passes through,
/// and the first I/O error is kept so the caller can report it with the
/// file's path.
struct RecordError<'a, W> {
    inner: W,
    first_error: &'a std::cell::RefCell<Option<std::io::Error>>,
}

impl<W> RecordError<'_, W> {
    fn check<T>(&self, r: std::io::Result<T>) -> std::io::Result<T> {
        r.inspect_err(|e| {
            self.first_error
                .borrow_mut()
                .get_or_insert_with(|| std::io::Error::new(e.kind(), e.to_string()));
        })
    }
}

// After the first failure, writes are dropped as if made: the archive is
// lost anyway, and a `finish` that failed drops its ZipWriter, whose
// destructor finishes again and printed that second failure, with no
// newline, into the run's log (a disk filled by the central directory).
impl<W: Write> Write for RecordError<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.first_error.borrow().is_some() {
            return Ok(buf.len());
        }
        let r = self.inner.write(buf);
        self.check(r)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.first_error.borrow().is_some() {
            return Ok(());
        }
        let r = self.inner.flush();
        self.check(r)
    }
}

impl<W: Seek> Seek for RecordError<'_, W> {
    fn seek(&mut self, pos: std::io::SeekFrom) -> std::io::Result<u64> {
        let r = self.inner.seek(pos);
        self.check(r)
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use ::zip::ZipArchive;

    use super::*;
    use crate::export::OutputFile;

    fn file(path: &str, bytes: &[u8]) -> OutputFile {
        OutputFile {
            path: path.into(),
            bytes: bytes.to_vec(),
        }
    }

    /// A destination that holds `room` bytes, then fails like a full disk.
    #[derive(Debug)]
    struct FullDisk {
        data: Cursor<Vec<u8>>,
        room: u64,
    }

    impl Write for FullDisk {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if self.data.position() + buf.len() as u64 > self.room {
                return Err(std::io::Error::from_raw_os_error(28)); // ENOSPC
            }
            self.data.write(buf)
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Seek for FullDisk {
        fn seek(&mut self, pos: std::io::SeekFrom) -> std::io::Result<u64> {
            self.data.seek(pos)
        }
    }

    #[test]
    fn a_full_destination_is_an_io_error_naming_the_file() {
        let big: Vec<u8> = (0..200_000u32).flat_map(|i| i.to_le_bytes()).collect();
        let files = [file("pdf/a.pdf", &big), file("pdf/b.pdf", &big)];
        for jobs in [1, 3] {
            let out = FullDisk {
                data: Cursor::new(Vec::new()),
                room: 100_000,
            };
            let dest = Path::new("/srv/out/export/job-descriptions.zip");
            let err = write_zip_to(&files, 0, jobs, out, dest).unwrap_err();
            assert!(matches!(err, Error::Io { .. }), "{err:?}");
            let msg = err.to_string();
            assert!(
                msg.contains("/srv/out/export/job-descriptions.zip"),
                "{msg}"
            );
            assert!(msg.contains("No space left"), "{msg}");
        }
        // With room, the same call succeeds.
        let out = FullDisk {
            data: Cursor::new(Vec::new()),
            room: u64::MAX,
        };
        let ok = write_zip_to(&files, 0, 2, out, Path::new("b.zip")).unwrap();
        let whole = ok.data.into_inner();
        assert_eq!(whole, write_zip(&files, 0).unwrap());
        // Room for the entries but not the central directory: `finish`
        // fails, and the ZipWriter it drops finishes again into a writer
        // that now takes everything silently (its destructor printed the
        // second failure into the log).
        let out = FullDisk {
            data: Cursor::new(Vec::new()),
            room: whole.len() as u64 - 40,
        };
        let err = write_zip_to(&files, 0, 1, out, Path::new("c.zip")).unwrap_err();
        assert!(err.to_string().contains("No space left"), "{err}");
        let first_error = std::cell::RefCell::new(None);
        let mut w = RecordError {
            inner: FullDisk {
                data: Cursor::new(Vec::new()),
                room: 0,
            },
            first_error: &first_error,
        };
        assert!(w.write(b"x").is_err());
        assert_eq!(w.write(b"yz").unwrap(), 2);
        w.flush().unwrap();
        assert!(first_error.borrow().is_some());
    }

    #[test]
    fn names_that_could_escape_are_refused() {
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "a/../../x",
            "pdf/..",
            "a\\b",
            "a//b",
            "./a",
            "C:x",
            "pdf/é.pdf",
            "a b",
        ] {
            assert!(check_entry_name(bad).is_err(), "{bad:?} accepted");
        }
        for good in ["manifest.json", "pdf/senior-social.pdf", "roles.xlsx"] {
            check_entry_name(good).unwrap();
        }
        let err = write_zip(&[file("../evil", b"x")], 0).unwrap_err();
        assert!(err.to_string().contains("unsafe ZIP entry name"));
        assert!(write_zip(&[file("a", b"1"), file("a", b"2")], 0).is_err());
    }

    #[test]
    fn parallel_compression_gives_the_same_bytes() {
        // More entries than one window, of mixed sizes and compressibility.
        let files: Vec<OutputFile> = (0..(2 * WINDOW + 5))
            .map(|i| {
                let bytes: Vec<u8> = (0..(i * 997 % 70_000))
                    .map(|j| ((j * 31 % 251) ^ (j / 7 * i)) as u8)
                    .collect();
                file(&format!("pdf/role-{i:03}.pdf"), &bytes)
            })
            .collect();
        let one = write_zip(&files, 1_704_112_496).unwrap();
        for jobs in [2, 3, 8] {
            let many = write_zip_parallel(&files, 1_704_112_496, jobs).unwrap();
            assert!(
                one == many,
                "jobs {jobs}: archive differs from the sequential one"
            );
        }
        let mut archive = ZipArchive::new(Cursor::new(one)).unwrap();
        assert_eq!(archive.len(), files.len());
        for f in &files {
            let mut got = Vec::new();
            archive
                .by_name(&f.path)
                .unwrap()
                .read_to_end(&mut got)
                .unwrap();
            assert_eq!(got, f.bytes, "{}", f.path);
        }
        // Errors are the same as the sequential writer's.
        let err = write_zip_parallel(&[file("../evil", b"x")], 0, 4).unwrap_err();
        assert!(err.to_string().contains("unsafe ZIP entry name"));
    }

    #[test]
    fn sorted_fixed_and_deterministic() {
        let files = [
            file("roles.csv", b"id\nx\n"),
            file("pdf/b.pdf", b"%PDF-fake-b"),
            file("pdf/a.pdf", b"%PDF-fake-a"),
            file("manifest.json", b"{}"),
        ];
        let mut reversed = files.clone();
        reversed.reverse();
        let a = write_zip(&files, 315_532_800).unwrap();
        assert_eq!(a, write_zip(&reversed, 315_532_800).unwrap());

        let mut z = ZipArchive::new(Cursor::new(a)).unwrap();
        let names: Vec<_> = z.file_names().map(|n| n.unwrap().into_owned()).collect();
        let mut in_order = Vec::new();
        for i in 0..z.len() {
            let mut e = z.by_index(i).unwrap();
            let name = e.name().unwrap().into_owned();
            in_order.push(name.clone());
            assert_eq!(e.compression(), CompressionMethod::Deflated);
            assert_eq!(e.unix_mode(), Some(0o100644));
            assert_eq!(e.last_modified(), Some(DateTime::default()));
            let mut body = Vec::new();
            e.read_to_end(&mut body).unwrap();
            let original = files.iter().find(|f| f.path == name).unwrap();
            assert_eq!(body, original.bytes);
        }
        assert_eq!(names.len(), 4);
        assert_eq!(
            in_order,
            ["manifest.json", "pdf/a.pdf", "pdf/b.pdf", "roles.csv"]
        );
    }

    #[test]
    fn timestamps_follow_source_date_epoch_and_clamp() {
        // 2024-01-01 12:34:56 UTC
        let t = zip_datetime(1_704_112_496);
        assert_eq!(
            (
                t.year(),
                t.month(),
                t.day(),
                t.hour(),
                t.minute(),
                t.second()
            ),
            (2024, 1, 1, 12, 34, 56)
        );
        assert_eq!(zip_datetime(0), DateTime::default());
        assert_eq!(zip_datetime(-5), DateTime::default());
        assert_eq!(zip_datetime(i64::from(u32::MAX) * 2).year(), 2107);
        let a = write_zip(&[file("a", b"x")], 1_704_112_496).unwrap();
        let mut z = ZipArchive::new(Cursor::new(a)).unwrap();
        assert_eq!(z.by_index(0).unwrap().last_modified(), Some(t));
    }
}
