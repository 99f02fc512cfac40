//! Where `jdgen build --summary-json FILE` writes: the file a scheduler
//! reads to learn what tonight's run did.
//!
//! The file must never tell the previous run's story, and writing it must
//! never damage anything else. So the path is resolved once, up front:
//!
//! - a regular file (or a path to be created), also at the end of a chain of
//!   symbolic links, is replaced atomically at the link's *target* (replacing
//!   the link would leave the reader on the old file); if the folder does not
//!   allow a new file (read-only, full), the existing file is rewritten in
//!   place instead, and as a last resort removed;
//! - a stream (a FIFO, a device, `/dev/stdout`, `/proc/self/fd/N`; not a
//!   regular file elsewhere under `/dev`, such as `/dev/shm`) is written
//!   into and never replaced, gets only the final summary (a reader of a FIFO
//!   reads once), and is opened without blocking: no reader is an error, not
//!   a hang;
//! - a folder, or a path that is one of the run's own outputs or state files
//!   (`out/manifest.json`, `out/export/…`, `out/pdf/…`, `out/.jdgen/…`), is
//!   a usage error before anything runs.

use std::fs;
use std::io::Write;
use std::path::{Component, Path, PathBuf};

use crate::error::{Error, Result};

/// What a template or a font folder holds that a render reads: Typst
/// source, images, fonts.
const TYPST_READS: &[&str] = &[
    "typ", "png", "jpg", "jpeg", "gif", "svg", "webp", "pdf", "ttf", "otf", "ttc", "otc", "woff",
    "woff2",
];

/// A resolved `--summary-json` destination.
#[derive(Debug)]
pub enum SummaryFile {
    /// A regular file (existing or not), at the end of any symlinks.
    File(PathBuf),
    /// A FIFO, device or process file descriptor, written in place.
    Stream(PathBuf),
}

impl SummaryFile {
    /// Resolves `path` for a run reading `roles_dir` and the folders in
    /// `inputs` (the template's and font folders: their templates, images
    /// and fonts are protected) and writing into `out_dir`
    /// (`None` when the output folder is not known: a command line that
    /// did not parse).
    pub fn resolve(
        path: &Path,
        roles_dir: &Path,
        inputs: &[PathBuf],
        out_dir: Option<&Path>,
    ) -> Result<SummaryFile> {
        let usage = |why: &str| Error::Usage(format!("--summary-json {}: {why}", path.display()));
        if is_stream_path(path) {
            return Ok(SummaryFile::Stream(path.to_path_buf()));
        }
        let target = follow_links(path)?;
        if is_stream_path(&target) {
            return Ok(SummaryFile::Stream(target));
        }
        match fs::metadata(&target) {
            Ok(m) if m.is_dir() => return Err(usage("is a folder; name a file")),
            Ok(m) if !m.is_file() => return Ok(SummaryFile::Stream(target)),
            _ => {}
        }
        if path.as_os_str().to_string_lossy().ends_with('/') {
            return Err(usage("ends with `/`; name a file"));
        }
        // Among the inputs it could replace `company.yaml`, the logo (also
        // in a subfolder), the template or a font, and every later run
        // would fail or print the summary; directly in the role folder a
        // new `.yaml` file, or a folder made for it, would be read as a
        // role file. (A new `summary.json` there is read by nothing.)
        let abs = absolute(&target);
        let roles = absolute(roles_dir);
        let role_file = role_file_name_in(roles_dir, &target);
        // The template's and font folders may be the working folder, where
        // a summary is at home: only what Typst reads there is protected.
        let read_by_typst = abs.exists()
            && abs.extension().is_some_and(|e| {
                let e = e.to_string_lossy().to_ascii_lowercase();
                TYPST_READS.contains(&e.as_str())
            });
        // In the role folder itself, any file (`company.yaml`, a role
        // file) but an earlier summary (`--roles .` and a summary in the
        // working folder, run every night); below it, what may be a logo.
        let in_roles = role_file.is_some()
            || (abs.parent() == Some(roles.as_path()) && abs.exists() && !is_summary(&abs))
            || (abs.starts_with(&roles) && read_by_typst);
        let input = if in_roles {
            Some(roles_dir)
        } else {
            inputs
                .iter()
                .find(|d| read_by_typst && abs.starts_with(absolute(d)))
                .map(PathBuf::as_path)
        };
        if let Some(dir) = input {
            return Err(usage(&format!(
                "would {} in {}, which this run reads; write the summary beside the outputs, e.g. {}",
                match role_file {
                    Some(folder) if folder != target && folder != abs => {
                        format!("make the folder {}, read as a role file,", folder.display())
                    }
                    _ if abs.exists() => "replace a file".to_string(),
                    _ => "add a file read as a role file".to_string(),
                },
                dir.display(),
                out_dir
                    .unwrap_or(Path::new("out"))
                    .join("summary.json")
                    .display()
            )));
        }
        if let Some(out_dir) = out_dir {
            let abs = absolute(&target);
            let out = absolute(out_dir);
            if out.starts_with(&abs) {
                return Err(usage(&format!(
                    "is the output folder {} or one of its parents; name a file, e.g. {}",
                    out_dir.display(),
                    out_dir.join("summary.json").display()
                )));
            }
            // Each resolved itself: `out/export` may be a link to a share.
            let inside = |sub: &str| abs.starts_with(absolute(&out.join(sub)));
            if abs == absolute(&out.join("manifest.json"))
                || inside("pdf")
                || inside("export")
                || inside(".jdgen")
            {
                return Err(usage(&format!(
                    "is one of the run's own outputs or state files in {}; write the summary beside them, e.g. {}",
                    out_dir.display(),
                    out_dir.join("summary.json").display()
                )));
            }
        }
        Ok(SummaryFile::File(target))
    }

    /// The "not finished" summary written before the run starts. Streams get
    /// nothing now: their reader would take this for the result.
    pub fn write_pending(&self, json: &[u8]) -> Result<()> {
        match self {
            SummaryFile::File(p) => {
                // A run killed while it wrote the summary left its temporary
                // file beside it (in `/var/log/jdgen/`, say), where no
                // output folder's sweep looks: this summary's own only.
                if let (Some(dir), Some(name)) = (p.parent(), p.file_name()) {
                    let dir = if dir.as_os_str().is_empty() {
                        Path::new(".")
                    } else {
                        dir
                    };
                    crate::fsutil::sweep_temp_files(dir, Some(&name.to_string_lossy()));
                }
                self.write(json)
            }
            SummaryFile::Stream(_) => Ok(()),
        }
    }

    /// Writes `json`. For a file: atomically; else in place; and if even
    /// that fails, the old file is removed (best effort) so that it cannot
    /// be read as this run's, and the error is returned.
    pub fn write(&self, json: &[u8]) -> Result<()> {
        match self {
            SummaryFile::Stream(p) => write_stream(p, json),
            SummaryFile::File(p) => {
                let Err(atomic) = crate::fsutil::write_atomic(p, json) else {
                    return Ok(());
                };
                if fs::symlink_metadata(p).is_ok_and(|m| m.is_file()) {
                    let in_place = fs::OpenOptions::new()
                        .write(true)
                        .truncate(true)
                        .open(p)
                        .and_then(|mut f| f.write_all(json).and_then(|()| f.sync_all()));
                    if in_place.is_ok() {
                        return Ok(());
                    }
                    let _ = fs::remove_file(p);
                }
                Err(atomic)
            }
        }
    }
}

/// Descriptor paths (`/dev/stdout`, `/dev/stderr`, `/dev/fd/N`,
/// `/proc/…`) are streams even when they lead to a regular file:
/// `/dev/stdout` redirected to a log leads to the log, which must be
/// appended to, not replaced. Other paths under `/dev` (`/dev/shm/x.json`)
/// are what their file type says.
fn is_stream_path(p: &Path) -> bool {
    p.starts_with("/proc")
        || p.starts_with("/dev/fd")
        || ["/dev/stdout", "/dev/stderr", "/dev/stdin"]
            .iter()
            .any(|d| p == Path::new(d))
}

/// Whether `path` holds a summary jdgen wrote (a JSON object with `ok`
/// and `jdgen_version`): one run's summary may replace the last. Read only
/// when small.
fn is_summary(path: &Path) -> bool {
    if fs::metadata(path).map_or(true, |m| !m.is_file() || m.len() > (4 << 20)) {
        return false;
    }
    fs::read(path).is_ok_and(|b| is_summary_json(&b))
}

/// Whether `bytes` are a jdgen run summary (`ok` and `jdgen_version`).
pub(crate) fn is_summary_json(bytes: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(bytes)
        .is_ok_and(|v| v.get("ok").is_some() && v.get("jdgen_version").is_some())
}

/// Follows symbolic links to the final path (which need not exist), as the
/// reader of the summary will. At most 40 links, as the kernel allows.
fn follow_links(path: &Path) -> Result<PathBuf> {
    let mut p = path.to_path_buf();
    for _ in 0..40 {
        let is_link = fs::symlink_metadata(&p).is_ok_and(|m| m.file_type().is_symlink());
        // A descriptor's "link" names whatever it is open on: stop there.
        if !is_link || is_stream_path(&p) {
            return Ok(p);
        }
        let next = fs::read_link(&p).map_err(|e| Error::io(&p, e))?;
        p = match p.parent() {
            Some(parent) if next.is_relative() => parent.join(next),
            _ => next,
        };
    }
    Err(Error::Usage(format!(
        "--summary-json {}: too many levels of symbolic links",
        path.display()
    )))
}

/// The first of `path` and the folders above it that is (or would be made)
/// directly in the role folder `roles_dir` under a name `load` reads as a
/// role file (`x.yaml`, `x.yml`, not a dot-name): every later run would
/// read it, and an output folder there failed every later run as "not a
/// regular file". The folder above each is compared with the role folder
/// as a file, not as a name, so a link or a bind mount is seen through.
/// Looked at as written and as [`absolute`] resolves it: `roles/new/../x.yaml`,
/// through a folder this run would make, is `roles/x.yaml`, which the check
/// of the path as written missed (no folder `roles/new` to compare); a
/// `..` after a link still goes where the link leads.
pub(crate) fn role_file_name_in(roles_dir: &Path, path: &Path) -> Option<PathBuf> {
    role_file_ancestor(roles_dir, path).or_else(|| role_file_ancestor(roles_dir, &absolute(path)))
}

fn role_file_ancestor(roles_dir: &Path, path: &Path) -> Option<PathBuf> {
    let roles = fs::metadata(roles_dir).ok()?;
    path.ancestors()
        .find(|a| {
            let Some(name) = a
                .file_name()
                .map(|n| n.to_string_lossy().to_ascii_lowercase())
            else {
                return false;
            };
            let yaml =
                !name.starts_with('.') && (name.ends_with(".yaml") || name.ends_with(".yml"));
            let parent = match a.parent() {
                Some(p) if !p.as_os_str().is_empty() => p,
                _ => Path::new("."),
            };
            yaml && fs::metadata(parent).is_ok_and(|m| same_file(&m, &roles))
        })
        .map(Path::to_path_buf)
}

#[cfg(unix)]
fn same_file(a: &fs::Metadata, b: &fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
fn same_file(_: &fs::Metadata, _: &fs::Metadata) -> bool {
    false
}

/// `p` made absolute as the system would resolve it once the folders it
/// names are made: each part that exists is followed (a link to where it
/// leads, so `lnk/..` is the parent of the link's target), a part that
/// does not exist yet is taken by name, and `..` after it goes back to
/// where it was made (the file may not exist yet, so `p` cannot be
/// canonicalized whole).
pub(crate) fn absolute(p: &Path) -> PathBuf {
    let mut out = if p.is_absolute() {
        PathBuf::new()
    } else {
        std::env::current_dir().unwrap_or_default()
    };
    for c in p.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            Component::Normal(name) => {
                out.push(name);
                if fs::symlink_metadata(&out).is_ok_and(|m| m.file_type().is_symlink())
                    && let Ok(real) = fs::canonicalize(&out)
                {
                    out = real;
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// Writes into a FIFO, device or descriptor: appended (a log behind
/// `/dev/stdout` keeps its earlier lines), opened without blocking so that
/// a FIFO nobody reads is an error instead of a hang.
fn write_stream(p: &Path, json: &[u8]) -> Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    use std::os::unix::io::AsRawFd;
    let file = fs::OpenOptions::new()
        .append(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(p)
        .map_err(|e| {
            let why = if e.raw_os_error() == Some(libc::ENXIO) {
                std::io::Error::new(e.kind(), "a FIFO with no reader")
            } else {
                e
            };
            Error::io(p, why)
        })?;
    // Blocking again for the write itself: the summary can be larger than
    // a pipe's buffer.
    // SAFETY: fcntl on a descriptor this function owns.
    unsafe {
        let fd = file.as_raw_fd();
        let flags = libc::fcntl(fd, libc::F_GETFL);
        if flags >= 0 {
            libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK);
        }
    }
    let mut file = file;
    file.write_all(json).map_err(|e| Error::io(p, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// For a run whose role folder is elsewhere.
    fn resolve(path: &Path, out: &Path) -> Result<SummaryFile> {
        SummaryFile::resolve(path, Path::new("/nonexistent-roles"), &[], Some(out))
    }

    #[test]
    fn outputs_and_folders_are_refused_streams_and_links_resolved() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let out = d.join("out");
        for bad in [
            out.join("manifest.json"),
            out.join("export/roles.csv"),
            out.join("pdf/x.pdf"),
            out.join(".jdgen/lock"),
            out.join("sub/../export/roles.json"),
            d.to_path_buf(),
            // Not created yet: written as a file, it would stop every run.
            out.clone(),
            d.join("out/"),
        ] {
            assert!(
                matches!(resolve(&bad, &out), Err(Error::Usage(_))),
                "{}",
                bad.display()
            );
        }
        assert!(matches!(
            resolve(&out.join("summary.json"), &out),
            Ok(SummaryFile::File(_))
        ));
        assert!(matches!(
            resolve(Path::new("/dev/stdout"), &out),
            Ok(SummaryFile::Stream(_))
        ));
        assert!(matches!(
            resolve(Path::new("/dev/null"), &out),
            Ok(SummaryFile::Stream(_))
        ));
        // A regular file under /dev (a tmpfs such as /dev/shm) is a file:
        // created, then replaced, not appended to.
        if Path::new("/dev/shm").is_dir() {
            let shm = PathBuf::from(format!("/dev/shm/jdgen-test-{}.json", std::process::id()));
            for json in [&b"{\"a\": 1}"[..], b"{}"] {
                let s = resolve(&shm, &out).unwrap();
                assert!(matches!(s, SummaryFile::File(_)), "{s:?}");
                s.write(json).unwrap();
                assert_eq!(fs::read(&shm).unwrap(), json);
            }
            fs::remove_file(&shm).unwrap();
        }
        // A chain of links to a file not written yet ends at that file.
        std::os::unix::fs::symlink("b", d.join("a")).unwrap();
        std::os::unix::fs::symlink("target.json", d.join("b")).unwrap();
        let Ok(SummaryFile::File(t)) = resolve(&d.join("a"), &out) else {
            panic!("not a file");
        };
        assert_eq!(t, d.join("target.json"));
        SummaryFile::File(t).write(b"{}").unwrap();
        assert!(
            fs::symlink_metadata(d.join("b"))
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(fs::read(d.join("target.json")).unwrap(), b"{}");
        // A link into the output's state is refused like the path itself.
        std::os::unix::fs::symlink(out.join(".jdgen/lock"), d.join("sneaky")).unwrap();
        assert!(resolve(&d.join("sneaky"), &out).is_err());
    }

    #[test]
    fn a_fifo_without_a_reader_is_an_error_not_a_hang() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("f");
        assert!(
            std::process::Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .unwrap()
                .success()
        );
        let s = resolve(&fifo, dir.path()).unwrap();
        assert!(matches!(s, SummaryFile::Stream(_)));
        s.write_pending(b"{}").unwrap(); // nothing is written yet
        let err = s.write(b"{}").unwrap_err().to_string();
        assert!(err.contains("no reader"), "{err}");
    }
}
