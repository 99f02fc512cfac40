//! Writing output files so that readers never see a half-written one.
//!
//! Each file is written to a temporary file in its destination folder,
//! synced, then renamed over the destination: on POSIX the rename is atomic,
//! so an HR import sees either the previous complete file or the new one,
//! even after a crash, a `kill -9` or a full disk.

use std::fs;
use std::io::Write;
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// How durable a write is when it returns. Every level renames a complete
/// temporary file into place, so no level can leave a truncated file at
/// the final path; they differ in what a power cut right after may lose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// File synced, renamed, then its folder synced: durable on return.
    Full,
    /// File synced and renamed; the caller syncs the folder once after a
    /// batch of writes ([`sync_dir`]). Until then a power cut may undo the
    /// rename, which leaves the previous complete file.
    FolderLater,
    /// Renamed without any sync: only for state that is rebuilt when it is
    /// lost or unreadable (the build's content keys). A power cut may leave
    /// it empty, which reads as "no state" and costs one re-render.
    Cache,
}

/// Atomically and durably replaces `path` with `bytes`, creating parent
/// folders.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic_with(path, bytes, Durability::Full)
}

/// [`write_atomic`] at a chosen [`Durability`]. A batch run syncs each
/// folder once rather than after every file: with hundreds of PDFs the
/// per-file folder syncs were a measurable share of a build.
pub fn write_atomic_with(path: &Path, bytes: &[u8], durability: Durability) -> Result<()> {
    refuse_folder(path)?;
    let (parent, mut tmp) = temp_beside(path)?;
    tmp.write_all(bytes).map_err(|e| Error::io(path, e))?;
    put_in_place(tmp, path, parent, durability).map(|_| ())
}

/// What [`write_if_changed`] did.
#[derive(Debug, Clone, Copy)]
pub struct Written {
    /// Whether the file was written (else it already held the bytes).
    pub changed: bool,
    /// Its modification time as this process saw it: the temporary file's,
    /// read before the rename, so another writer replacing the file in the
    /// same instant cannot lend it its own time.
    pub modified: Option<std::time::SystemTime>,
}

/// Writes `bytes` only if `path` does not already hold exactly them, so a
/// run that changed nothing leaves files (and their mtimes) alone.
pub fn write_if_changed(path: &Path, bytes: &[u8], durability: Durability) -> Result<Written> {
    if let Some(modified) = holds(path, bytes) {
        return Ok(Written {
            changed: false,
            modified,
        });
    }
    refuse_folder(path)?;
    let (parent, mut tmp) = temp_beside(path)?;
    tmp.write_all(bytes).map_err(|e| Error::io(path, e))?;
    let modified = put_in_place(tmp, path, parent, durability)?;
    Ok(Written {
        changed: true,
        modified,
    })
}

const FOLDER_IN_THE_WAY: &str = "a folder is in the way of this file; move it away";

/// A folder where a file is to go, said plainly (the rename said "Is a
/// directory (os error 21)"), before a temporary file is made for it.
fn refuse_folder(path: &Path) -> Result<()> {
    if fs::symlink_metadata(path).is_ok_and(|m| m.is_dir()) {
        return Err(Error::io(path, std::io::Error::other(FOLDER_IN_THE_WAY)));
    }
    Ok(())
}

/// `Some(its time)` when `path` holds exactly `bytes`.
fn holds(path: &Path, bytes: &[u8]) -> Option<Option<std::time::SystemTime>> {
    // Not through a link: a link is replaced by the file, even to equal bytes.
    let meta = fs::symlink_metadata(path).ok()?;
    (meta.is_file()
        && meta.len() == bytes.len() as u64
        && fs::read(path).is_ok_and(|existing| existing == bytes))
    .then(|| meta.modified().ok())
}

/// This process's effective user id.
fn current_euid() -> u32 {
    // SAFETY: geteuid(2) has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

/// Whether this process may replace any user's file in a sticky folder:
/// it has CAP_FOWNER (root usually has; root in a rootless container or a
/// user namespace may not, and its renames failed after the check let
/// them through). Read from /proc; without it, root is taken to have it.
fn may_replace_any_file() -> bool {
    const CAP_FOWNER: u32 = 3;
    match proc_status("CapEff") {
        Some(hex) => u64::from_str_radix(&hex, 16).is_ok_and(|caps| caps & (1 << CAP_FOWNER) != 0),
        None => current_euid() == 0,
    }
}

/// A complete, synced temporary file beside `path`, waiting to replace it
/// ([`Staged::commit`]); dropped uncommitted, it is deleted. A batch run
/// stages a set of files (the exports) and puts them in place only once
/// all of them are made, so a failure half-way (a full disk) replaces none.
#[derive(Debug)]
pub struct Staged {
    tmp: tempfile::NamedTempFile,
    path: std::path::PathBuf,
}

impl Staged {
    /// Whether the rename can be expected to succeed: nothing but a file
    /// (or nothing) at the destination. Checked for every file of a set
    /// before the first is renamed, so a folder in the way of the last one
    /// does not leave the set half replaced.
    pub fn check_destination(&self) -> Result<()> {
        use std::os::unix::fs::MetadataExt;
        match fs::symlink_metadata(&self.path) {
            Ok(m) if m.is_dir() => Err(Error::io(
                &self.path,
                std::io::Error::other(FOLDER_IN_THE_WAY),
            )),
            // In a folder with the sticky bit (a shared drop folder, mode
            // 1777) only a file's owner, the folder's or root may replace
            // it: the rename of a colleague's items.csv failed after
            // roles.csv was replaced, mixing two runs' tables.
            Ok(m) => {
                let euid = current_euid();
                let dir = self.path.parent().and_then(|d| fs::metadata(d).ok());
                let sticky = dir.as_ref().is_some_and(|d| d.mode() & 0o1000 != 0);
                if sticky
                    && !may_replace_any_file()
                    && m.uid() != euid
                    && dir.is_some_and(|d| d.uid() != euid)
                {
                    return Err(Error::io(
                        &self.path,
                        std::io::Error::other(
                            "this file belongs to another user, in a folder whose sticky bit lets \
                             only its owner replace it: have them remove it, or write elsewhere \
                             (nothing was replaced)",
                        ),
                    ));
                }
                Ok(())
            }
            Err(_) => Ok(()),
        }
    }

    /// Renames the file into place. The folder is not synced: call
    /// [`sync_dir`] once after committing a set.
    /// Returns the file's modification time, read before the rename (see
    /// [`Written::modified`]).
    pub fn commit(self) -> Result<Option<std::time::SystemTime>> {
        let modified = self
            .tmp
            .as_file()
            .metadata()
            .and_then(|m| m.modified())
            .ok();
        self.tmp
            .persist(&self.path)
            .map_err(|e| Error::io(&self.path, e.error))?;
        Ok(modified)
    }

    fn new(tmp: tempfile::NamedTempFile, path: &Path) -> Result<Staged> {
        finish_temp(&tmp, path, Durability::FolderLater)?;
        Ok(Staged {
            tmp,
            path: path.to_path_buf(),
        })
    }
}

/// What [`stage`] or [`stage_streamed`] made: the new content's SHA-256 and
/// size, and the staged file, or `None` when `path` already holds exactly
/// that content (so it and its time stay untouched).
#[derive(Debug)]
pub struct Prepared {
    pub staged: Option<Staged>,
    pub sha256: String,
    pub bytes: u64,
}

/// Stages `bytes` to replace `path`.
pub fn stage(path: &Path, bytes: &[u8]) -> Result<Prepared> {
    let staged = if holds(path, bytes).is_some() {
        None
    } else {
        let (_, mut tmp) = temp_beside(path)?;
        tmp.write_all(bytes).map_err(|e| Error::io(path, e))?;
        Some(Staged::new(tmp, path)?)
    };
    Ok(Prepared {
        staged,
        sha256: sha256_hex(bytes),
        bytes: bytes.len() as u64,
    })
}

/// [`stage`] for output too large to hold in memory (roles.json, the ZIP
/// bundle): `fill` writes the temporary file (it may seek). The result is
/// then read back once, to hash it and compare it with `path`. A `fill`
/// that fails leaves no temporary file.
pub fn stage_streamed(
    path: &Path,
    fill: impl FnOnce(&mut fs::File) -> Result<()>,
) -> Result<Prepared> {
    let (_, mut tmp) = temp_beside(path)?;
    fill(tmp.as_file_mut())?;
    tmp.as_file_mut().flush().map_err(|e| Error::io(path, e))?;
    let (sha256, bytes, same) =
        hash_and_compare(tmp.path(), path).map_err(|e| Error::io(path, e))?;
    Ok(Prepared {
        // Dropping an unused `tmp` deletes it.
        staged: if same {
            None
        } else {
            Some(Staged::new(tmp, path)?)
        },
        sha256,
        bytes,
    })
}

/// SHA-256 of a file jdgen wrote, read in pieces (exports can be hundreds
/// of MB): a regular file only, not through a link (see `open_own_file`).
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    use std::io::Read;
    let mut file = open_own_file(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            return Ok(hex(&hasher.finalize()));
        }
        hasher.update(&buf[..n]);
    }
}

/// Opens a file jdgen wrote, to read it: a regular file only, and not
/// through a link (an error otherwise). Opening does not block: a FIFO put
/// in its place would hang the run there.
fn open_own_file(path: &Path) -> std::io::Result<fs::File> {
    let mut options = fs::File::options();
    options.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(
        &mut options,
        libc::O_NOFOLLOW | libc::O_NONBLOCK,
    );
    let file = options.open(path)?;
    if !file.metadata()?.is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    Ok(file)
}

/// Reads a small file jdgen keeps for itself (its run state): a regular
/// file only, not through a link, of at most `cap` bytes; `None` otherwise.
/// A FIFO put there hung the run on its open, and a link to `/dev/zero`
/// fed it until memory ran out. What is not read is made again.
pub fn read_own_file(path: &Path, cap: u64) -> Option<Vec<u8>> {
    use std::io::Read;
    let file = open_own_file(path).ok()?;
    let meta = file.metadata().ok()?;
    if meta.len() > cap {
        return None;
    }
    let mut buf = Vec::with_capacity(meta.len() as usize);
    file.take(cap.saturating_add(1))
        .read_to_end(&mut buf)
        .ok()?;
    (buf.len() as u64 <= cap).then_some(buf)
}

/// SHA-256 and size of the file `new`, and whether the file `old` holds the
/// same bytes (false when it is missing), in one pass over both.
fn hash_and_compare(new: &Path, old: &Path) -> std::io::Result<(String, u64, bool)> {
    use std::io::Read;
    let mut new_file = fs::File::open(new)?;
    let len = new_file.metadata()?.len();
    // Compared only while it can still be equal, and only a regular file:
    // opening a FIFO in the way would block until someone writes to it, and
    // a symbolic link is replaced by the file even when it leads to equal bytes.
    let same_size = fs::symlink_metadata(old).is_ok_and(|m| m.is_file() && m.len() == len);
    let mut old_file = same_size
        .then(|| fs::File::open(old).ok())
        .flatten()
        .filter(|f| f.metadata().is_ok_and(|m| m.is_file() && m.len() == len))
        .map(std::io::BufReader::new);
    let mut hasher = Sha256::new();
    let (mut buf, mut other) = (vec![0; 1 << 16], vec![0; 1 << 16]);
    loop {
        let n = new_file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        if let Some(r) = &mut old_file
            && (r.read_exact(&mut other[..n]).is_err() || other[..n] != buf[..n])
        {
            old_file = None;
        }
    }
    Ok((hex(&hasher.finalize()), len, old_file.is_some()))
}

/// Creates the folder `dir` (and its parents) if missing, with a message
/// that says what is in the way when something is: a file, or a link to
/// nothing.
pub fn ensure_dir(dir: &Path) -> Result<()> {
    // The path in the way may be one the user named (`-o report`) or one
    // inside it (`out/pdf`): the hint fits both.
    ensure_dir_or(dir, "move it away, or name another folder")
}

/// [`ensure_dir`], with `hint` saying what to name instead of what is in
/// the way (`pdf` also takes a file ending in `.pdf`).
pub fn ensure_dir_or(dir: &Path, hint: &str) -> Result<()> {
    fs::create_dir_all(dir).map_err(|e| {
        use std::os::unix::fs::FileTypeExt;
        // What is in the way, through links (`/dev/stdout` is one).
        let why = match (fs::symlink_metadata(dir), fs::metadata(dir)) {
            (Ok(m), Err(_)) if m.file_type().is_symlink() => {
                "is a symbolic link to nothing, not a folder".to_string()
            }
            (_, Ok(m)) if !m.is_dir() => {
                let t = m.file_type();
                let what = if t.is_file() {
                    "a file"
                } else if t.is_fifo() {
                    "a FIFO"
                } else if t.is_char_device() || t.is_block_device() {
                    "a device"
                } else {
                    "not a folder"
                };
                format!("is {what}, not a folder; {hint}")
            }
            // `-o report.pdf/x`: say which part is in the way, not
            // "Not a directory".
            _ => {
                let in_the_way = dir.ancestors().skip(1).find_map(|a| {
                    match (fs::symlink_metadata(a), fs::metadata(a)) {
                        (Ok(l), Err(_)) if l.file_type().is_symlink() => {
                            Some((a, "a symbolic link to nothing"))
                        }
                        (_, Ok(m)) if !m.is_dir() => Some((a, "a file")),
                        _ => None,
                    }
                });
                match in_the_way {
                    Some((path, what)) => format!(
                        "cannot create folder: {} is {what}, not a folder; {hint}",
                        path.display()
                    ),
                    None => format!("cannot create folder: {}", plain_io(&e)),
                }
            }
        };
        Error::io(dir, std::io::Error::new(e.kind(), why))
    })
}

/// An I/O error's own words, without the path some crates append
/// (tempfile's "… at path \"/proc/.x.pdf.….tmp\"" named a temporary file
/// the user never asked for).
fn plain_io(e: &std::io::Error) -> String {
    match e.raw_os_error() {
        Some(code) => std::io::Error::from_raw_os_error(code).to_string(),
        None => {
            let s = e.to_string();
            match s.find(" at path \"") {
                Some(i) => s[..i].to_string(),
                None => s,
            }
        }
    }
}

/// A new temporary file in `path`'s folder (created if missing), named for
/// its writer (see [`sweep_temp_files`]), and that folder.
fn temp_beside(path: &Path) -> Result<(&Path, tempfile::NamedTempFile)> {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map(|n| temp_name_part(&n.to_string_lossy()))
        .unwrap_or_default();
    let tmp = temp_in(parent, &name, "file", |b| b.tempfile_in(parent))?;
    Ok((parent, tmp))
}

/// A new temporary folder in `parent` (created if missing), named like the
/// temporary files (`.<label>.<host>-<pid>.<random>.tmp`) so that
/// [`sweep_temp_files`] removes it when a killed run leaves it behind. It is
/// removed with its contents when dropped.
pub fn temp_dir_in(parent: &Path, label: &str) -> Result<tempfile::TempDir> {
    temp_in(parent, label, "folder", |b| b.tempdir_in(parent))
}

/// A temporary `what` (file or folder) named `.<label>.<writer>.<random>.tmp`
/// in `parent`, made if missing, by `make`.
fn temp_in<T>(
    parent: &Path,
    label: &str,
    what: &str,
    make: impl Fn(&tempfile::Builder) -> std::io::Result<T>,
) -> Result<T> {
    let prefix = format!(".{label}.{}.", writer_tag());
    in_made_dir(parent, || {
        make(tempfile::Builder::new().prefix(&prefix).suffix(".tmp"))
    })?
    .map_err(|e| {
        let why = format!("cannot create a {what} in this folder: {}", plain_io(&e));
        Error::io(parent, std::io::Error::new(e.kind(), why))
    })
}

/// Runs `create` (which makes an entry in `dir`) after creating `dir` if
/// missing. A parallel run that failed may take away the empty folder it
/// made (see [`MadeFolders`]) between the two steps: the folder is then
/// made again and `create` retried.
fn in_made_dir<T>(
    dir: &Path,
    mut create: impl FnMut() -> std::io::Result<T>,
) -> Result<std::io::Result<T>> {
    let mut tries = 0;
    loop {
        ensure_dir(dir)?;
        match create() {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && tries < 5 => tries += 1,
            result => return Ok(result),
        }
    }
}

/// The folders a command is about to make for its output (the missing
/// ones of a path and its parents), taken away again when the command
/// writes nothing there: a first `pdf` or `export` that fails leaves no
/// empty `out/pdf` behind. Removed when dropped unless [`Self::keep`] is
/// called; only while empty, so nothing another run put there is lost.
#[must_use]
pub struct MadeFolders {
    /// Deepest first.
    missing: Vec<std::path::PathBuf>,
}

impl MadeFolders {
    /// Notes which of `dir` and its parents do not exist yet. A path with
    /// `..` notes none: `new/../old` names `old`, and `new/..` does not
    /// exist while `new` does not, so its ancestors are not the folders
    /// it makes.
    pub fn missing(dir: &Path) -> MadeFolders {
        use std::path::Component;
        if dir.components().any(|c| c == Component::ParentDir) {
            return MadeFolders {
                missing: Vec::new(),
            };
        }
        // `a/./b` is `a/b`: `a/.` would not be removed.
        let dir: std::path::PathBuf = dir
            .components()
            .filter(|c| *c != Component::CurDir)
            .collect();
        let missing = dir
            .ancestors()
            .filter(|a| !a.as_os_str().is_empty())
            .take_while(|a| {
                matches!(fs::symlink_metadata(a), Err(e) if e.kind() == std::io::ErrorKind::NotFound)
            })
            .map(Path::to_path_buf)
            .collect();
        MadeFolders { missing }
    }

    /// Something was written: the folders stay.
    pub fn keep(mut self) {
        self.missing.clear();
    }
}

impl Drop for MadeFolders {
    fn drop(&mut self) {
        for dir in &self.missing {
            // Under the folder's lock (see `lock_dir`): an export that
            // holds it is about to write there; one that waits for it
            // finds the folder gone and makes it again.
            let held = fs::File::open(dir).map(|f| (f.try_lock(), f));
            if let Ok((Err(fs::TryLockError::WouldBlock), _)) = held {
                break;
            }
            // Fails (and stops) at the first folder that holds anything.
            if fs::remove_dir(dir).is_err() {
                break;
            }
        }
    }
}

/// Syncs the complete temporary file (per `durability`) and renames it
/// over `path`.
fn put_in_place(
    tmp: tempfile::NamedTempFile,
    path: &Path,
    parent: &Path,
    durability: Durability,
) -> Result<Option<std::time::SystemTime>> {
    finish_temp(&tmp, path, durability)?;
    let modified = tmp.as_file().metadata().and_then(|m| m.modified()).ok();
    tmp.persist(path).map_err(|e| Error::io(path, e.error))?;
    if durability == Durability::Full {
        sync_dir(parent);
    }
    Ok(modified)
}

/// Syncs a complete temporary file (unless `durability` is `Cache`) and
/// gives it the permissions of a finished output.
fn finish_temp(tmp: &tempfile::NamedTempFile, path: &Path, durability: Durability) -> Result<()> {
    if durability != Durability::Cache {
        tmp.as_file().sync_all().map_err(|e| Error::io(path, e))?;
    }
    // The temporary file is private (0600); the output gets the mode of
    // the file it replaces (a PDF someone made private stays so), else
    // what a new file gets under the umask, as `cp` or an editor would.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = match fs::symlink_metadata(path) {
            Ok(m) if m.is_file() => m.permissions().mode() & 0o7777,
            _ => 0o666 & !umask(),
        };
        let _ = tmp
            .as_file()
            .set_permissions(fs::Permissions::from_mode(mode));
    }
    Ok(())
}

/// The process's umask, read from `/proc/self/status` (setting it to read
/// it back would race with the other threads' file creation); 022, the
/// usual one, where that cannot be read.
#[cfg(unix)]
fn umask() -> u32 {
    static UMASK: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    *UMASK.get_or_init(|| {
        proc_status("Umask")
            .and_then(|mask| u32::from_str_radix(&mask, 8).ok())
            .unwrap_or(0o022)
    })
}

/// An exclusive lock on a folder of exports, held until dropped (the OS
/// releases it if the process dies). See [`lock_dir`].
#[derive(Debug)]
pub struct DirLock {
    _file: Option<fs::File>,
}

/// Locks the folder `dir` itself (an OS lock on the folder's descriptor, so
/// no lock file is left among the exports) for the time a set of exports
/// is compared with what is there and renamed into place. Two `jdgen
/// export` runs into one folder, or an `export` into a build's `export/`,
/// then take turns: the later one waits (`on_wait` is called first, to say
/// so) and writes its whole set after the first one's, so the folder never
/// holds `roles.csv` from one run and `items.csv` from the other. The wait
/// is short (one run's writes), so it is not an error as a build's own
/// lock is. A file system that cannot lock folders (some NFS mounts) gets
/// no lock: the writes are atomic per file either way.
pub fn lock_dir(dir: &Path, on_wait: impl FnOnce()) -> Result<DirLock> {
    use std::os::unix::fs::MetadataExt;
    let mut on_wait = Some(on_wait);
    // Bounded: a file system whose inode numbers are not stable must not
    // loop forever.
    let mut tries = 0;
    loop {
        let file = in_made_dir(dir, || fs::File::open(dir))?.map_err(|e| Error::io(dir, e))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => {
                if let Some(say) = on_wait.take() {
                    say();
                }
                wait_for_lock(&file, dir, &|_| {})?;
            }
            Err(fs::TryLockError::Error(_)) => return Ok(DirLock { _file: None }),
        }
        // The folder locked must still be the one at `dir`: a failed run
        // that made it removes it again, empty, under this lock
        // (`MadeFolders`), and a lock on the removed folder would guard
        // nothing.
        let (held, now) = (file.metadata(), fs::metadata(dir));
        let same = matches!((&held, &now), (Ok(held), Ok(now))
            if held.dev() == now.dev() && held.ino() == now.ino());
        if same || tries == 10 {
            return Ok(DirLock { _file: Some(file) });
        }
        tries += 1;
    }
}

/// How often a run waiting for a lock says it still waits.
pub const STILL_WAITING: std::time::Duration = std::time::Duration::from_secs(5 * 60);

/// Takes the OS lock on `file` (at `path`), which another process holds:
/// polled rather than blocked on, so that a stop signal ends the wait
/// (`Error::Stopped`; a blocked `flock` is restarted after the handler),
/// and `still(waited)` is called every [`STILL_WAITING`], for a log that
/// would otherwise fall silent for as long as the other run takes.
pub fn wait_for_lock(
    file: &fs::File,
    path: &Path,
    still: &dyn Fn(std::time::Duration),
) -> Result<()> {
    let started = std::time::Instant::now();
    let mut next = STILL_WAITING;
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(()),
            Err(fs::TryLockError::WouldBlock) => {}
            Err(fs::TryLockError::Error(e)) => return Err(Error::io(path, e)),
        }
        if let Some(signal) = crate::interrupt::requested() {
            return Err(Error::Stopped(signal));
        }
        if started.elapsed() >= next {
            still(started.elapsed());
            // (Once, after a suspended process wakes: not once per period
            // it slept through.)
            while next <= started.elapsed() {
                next += STILL_WAITING;
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

/// Makes a rename durable by syncing the folder entry (best effort: not
/// every platform can open a folder for syncing).
pub fn sync_dir(dir: &Path) {
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

/// How old a temporary file of a writer that cannot be checked (another
/// machine, an older jdgen) must be before a sweep deletes it. Writers
/// rename their temporary file into place within seconds.
pub const STALE_TEMP_AGE: std::time::Duration = std::time::Duration::from_secs(15 * 60);

/// `<host>-<pid>` of this process: part of every temporary file's name, so
/// a sweep can tell a file whose writer is gone (a killed run: delete it
/// now) from one another command is still writing (`jdgen export` or `pdf`
/// into a folder a `build` is sweeping: leave it).
fn writer_tag() -> String {
    format!("{}-{}", host_name(), std::process::id())
}

/// The host name, plus the process-id namespace when it can be read:
/// two containers with the same host name (`--network host`) and their
/// own process ids must not take each other's live writers for gone.
pub(crate) fn host_name() -> String {
    let name = fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| fs::read_to_string("/etc/hostname"))
        .unwrap_or_default();
    // `pid:[4026531836]`: the namespace's inode number.
    let pid_ns: String = fs::read_link("/proc/self/ns/pid")
        .map(|l| {
            l.to_string_lossy()
                .chars()
                .filter(char::is_ascii_digit)
                .collect()
        })
        .unwrap_or_default();
    // Kept to characters that cannot clash with the name's other parts.
    let mut name: String = name
        .trim()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if name.is_empty() {
        name = "host".into();
    }
    if !pid_ns.is_empty() {
        name = format!("{name}_{pid_ns}");
    }
    name
}

/// The longest output name a temporary file's name holds as it is: a
/// file name has at most 255 bytes, and the rest of the temporary name
/// (`.`, `.<host>-<pid>.`, six random characters, `.tmp`) takes up to 109
/// (a 64-character host name, its process-id namespace and a process id).
const TEMP_NAME_PART_MAX: usize = 146;

/// `name` as it goes into its temporary file's name: whole, or when that
/// would make the name too long for the file system (`File name too long`
/// for a 226-byte output name), its start, `~`, eight hex digits of its
/// SHA-256 and its extension (so the sweep still knows it as jdgen's).
/// Depends on the name alone, so a later run finds a killed run's leftovers.
fn temp_name_part(name: &str) -> String {
    if name.len() <= TEMP_NAME_PART_MAX {
        return name.to_string();
    }
    let ext = Path::new(name)
        .extension()
        .map(|e| format!(".{}", e.to_string_lossy()))
        .filter(|e| e.len() <= 8)
        .unwrap_or_default();
    let mut keep = TEMP_NAME_PART_MAX - ext.len() - 9;
    while !name.is_char_boundary(keep) {
        keep -= 1;
    }
    format!(
        "{}~{}{ext}",
        &name[..keep],
        &sha256_hex(name.as_bytes())[..8]
    )
}

/// Whether the writer of the temporary file `name` (`.<file>.<host>-<pid>.<random>.tmp`)
/// is known to be gone: same host, and no such process. `None` when that
/// cannot be told (another host, no `/proc`, an older name format).
fn writer_gone(name: &str) -> Option<bool> {
    let stem = name.strip_suffix(".tmp")?;
    let (rest, _random) = stem.rsplit_once('.')?;
    let (_, tag) = rest.rsplit_once('.')?;
    let (host, pid) = tag.rsplit_once('-')?;
    process_gone(host, pid.parse().ok()?)
}

/// Whether process `pid` of `host` (a [`host_name`]) is known to be gone:
/// same host, and no such process. `None` when that cannot be told
/// (another host, no `/proc`). For temporary files' writers and the run a
/// lock file names.
pub(crate) fn process_gone(host: &str, pid: u32) -> Option<bool> {
    if host != host_name() || !Path::new("/proc/self").exists() {
        return None;
    }
    Some(pid != std::process::id() && !Path::new("/proc").join(pid.to_string()).exists())
}

/// A field of `/proc/self/status` (`Umask`, `CapEff`), trimmed.
fn proc_status(field: &str) -> Option<String> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let value = status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))?;
    Some(value.trim().to_string())
}

/// Whether `name` is a temporary file jdgen made for one of its outputs
/// (`.<file>.<host>-<pid>.<6 random>.tmp`, `<file>` ending in `.pdf`,
/// `.csv`, `.xlsx`, `.json` or `.zip`), or, if `is_dir`, its temporary
/// folder of PDFs (`.pdfs.<host>-<pid>.<6 random>.tmp`). With `only`, the
/// file part must be exactly that name (`pdf -o ~/Desktop/offer.pdf` sweeps
/// its own leftovers, not others' beside it), whatever its extension (a
/// run summary's, `--summary-json last.log`). Anything else, such as
/// another program's `.notes.pdf.aB3dE9.tmp`, is never touched.
fn is_ours(name: &str, is_dir: bool, only: Option<&str>) -> bool {
    let Some(stem) = name.strip_prefix('.').and_then(|n| n.strip_suffix(".tmp")) else {
        return false;
    };
    let Some((rest, random)) = stem.rsplit_once('.') else {
        return false;
    };
    if random.len() != 6 || !random.chars().all(|c| c.is_ascii_alphanumeric()) {
        return false;
    }
    let Some((file, tag)) = rest.rsplit_once('.') else {
        return false;
    };
    let Some((host, pid)) = tag.rsplit_once('-') else {
        return false;
    };
    let tagged = !host.is_empty()
        && host.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !pid.is_empty()
        && pid.bytes().all(|b| b.is_ascii_digit());
    if !tagged || only.is_some_and(|o| temp_name_part(o) != file) {
        return false;
    }
    if is_dir {
        return file == "pdfs";
    }
    // A file named by the caller (a run summary may have any name).
    if only.is_some() {
        return true;
    }
    [".pdf", ".csv", ".xlsx", ".json", ".zip"]
        .iter()
        .any(|ext| file.len() > ext.len() && file.ends_with(ext))
}

/// Deletes the temporary files and folders a killed jdgen left in `dir`
/// (see [`is_ours`]; `only` as there): at once when their writer is known
/// to be gone, else once they are [`STALE_TEMP_AGE`] old. Best effort:
/// errors are ignored.
pub fn sweep_temp_files(dir: &Path, only: Option<&str>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name();
        let name = name.to_string_lossy();
        // Not followed: a link is never ours.
        let Ok(kind) = e.file_type() else { continue };
        if kind.is_symlink() || !is_ours(&name, kind.is_dir(), only) {
            continue;
        }
        let old = || age_at_least(&e, STALE_TEMP_AGE);
        let remove = match writer_gone(&name) {
            Some(true) => true,
            // Still running: only a day-old file, whose process id may
            // since belong to another program.
            Some(false) => age_at_least(&e, LIVE_WRITER_MAX_AGE),
            None => old(),
        };
        if remove {
            if kind.is_dir() {
                let _ = fs::remove_dir_all(e.path());
            } else {
                let _ = fs::remove_file(e.path());
            }
        }
    }
}

/// How old a temporary file of a writer that is still running (by its
/// process id) must be before a sweep deletes it anyway.
const LIVE_WRITER_MAX_AGE: std::time::Duration = std::time::Duration::from_secs(24 * 60 * 60);

fn age_at_least(e: &fs::DirEntry, age: std::time::Duration) -> bool {
    e.metadata()
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.elapsed().ok())
        .is_some_and(|a| a >= age)
}

/// Lowercase hex of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_lock_is_taken_on_the_folder_that_is_there() {
        use std::os::unix::fs::MetadataExt;
        // A failed run removes the empty folder it made (under its lock);
        // a run that waited for that lock must not keep a lock on the
        // removed folder while it writes into a new one.
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("out");
        fs::create_dir(&dir).unwrap();
        let first = lock_dir(&dir, || {}).unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let waiter = {
            let dir = dir.clone();
            std::thread::spawn(move || lock_dir(&dir, || tx.send(()).unwrap()).unwrap())
        };
        rx.recv().unwrap();
        fs::remove_dir(&dir).unwrap();
        fs::create_dir(&dir).unwrap();
        drop(first);
        let second = waiter.join().unwrap();
        let held = second._file.as_ref().unwrap().metadata().unwrap();
        assert_eq!(held.ino(), fs::metadata(&dir).unwrap().ino());

        // The folder is not taken away while another run holds its lock.
        let made = MadeFolders::missing(&tmp.path().join("new"));
        fs::create_dir(tmp.path().join("new")).unwrap();
        let held = lock_dir(&tmp.path().join("new"), || {}).unwrap();
        drop(made);
        assert!(tmp.path().join("new").is_dir());
        drop(held);
        drop(MadeFolders::missing(&tmp.path().join("new")));
        assert!(tmp.path().join("new").is_dir(), "it existed: not noted");
    }

    #[test]
    fn an_output_keeps_the_mode_of_the_file_it_replaces_else_follows_the_umask() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let fresh = dir.path().join("new.pdf");
        write_atomic(&fresh, b"a").unwrap();
        assert_eq!(mode(&fresh), 0o666 & !umask());
        let private = dir.path().join("private.pdf");
        fs::write(&private, b"old").unwrap();
        fs::set_permissions(&private, fs::Permissions::from_mode(0o600)).unwrap();
        write_atomic(&private, b"new").unwrap();
        assert_eq!(mode(&private), 0o600);
    }

    #[test]
    fn an_output_name_near_the_file_system_limit_still_gets_a_temporary_file() {
        // `.<name>.<host>-<pid>.XXXXXX.tmp` went past 255 bytes for a
        // 226-byte name: "File name too long", blaming the folder.
        let dir = tempfile::tempdir().unwrap();
        for name in [
            format!("{}.pdf", "z".repeat(250)),
            format!("{}.pdf", "字".repeat(83)),
        ] {
            let path = dir.path().join(&name);
            write_atomic(&path, b"%PDF-").unwrap();
            assert_eq!(fs::read(&path).unwrap(), b"%PDF-");
            // A killed run's leftover of it is still known, by that name.
            let part = temp_name_part(&name);
            assert!(
                part.len() <= TEMP_NAME_PART_MAX && part.ends_with(".pdf"),
                "{part}"
            );
            let leftover = format!(".{part}.{}.aB3dE9.tmp", writer_tag());
            assert!(is_ours(&leftover, false, Some(&name)));
            assert!(!is_ours(&leftover, false, Some("other.pdf")));
        }
        assert_eq!(temp_name_part("offer.pdf"), "offer.pdf");
    }

    #[test]
    fn a_named_file_of_any_extension_has_its_leftovers_swept() {
        // A run killed while it wrote `--summary-json last.log` left
        // `.last.log.<host>-<pid>.<random>.tmp`, which no sweep removed.
        let dir = tempfile::tempdir().unwrap();
        let host = host_name();
        let mine = format!(".last.log.{host}-4000000000.aB3dE9.tmp"); // no such pid
        let other = format!(".notes.log.{host}-4000000000.aB3dE9.tmp");
        for n in [&mine, &other] {
            fs::write(dir.path().join(n), b"x").unwrap();
        }
        // Without a name, only the outputs' extensions are jdgen's.
        sweep_temp_files(dir.path(), None);
        assert!(dir.path().join(&mine).exists());
        sweep_temp_files(dir.path(), Some("last.log"));
        assert!(!dir.path().join(&mine).exists());
        assert!(dir.path().join(&other).exists());
    }

    #[test]
    fn temporary_files_of_gone_writers_are_swept_at_once_others_when_old() {
        let dir = tempfile::tempdir().unwrap();
        let me = writer_tag();
        let host = host_name();
        let gone = format!(".roles.csv.{host}-4000000000.aB3dE9.tmp"); // no such pid
        let alive = format!(".items.csv.{me}.xY7zQ2.tmp");
        let elsewhere = ".roles.json.otherhost-1.k9L0mN.tmp";
        // Not jdgen's, however old: other programs' temporary files beside
        // an output (`pdf -o ~/Desktop/offer.pdf` sweeps ~/Desktop), which
        // includes untagged names like the ones of jdgen before 0.1.
        let foreign = [
            ".thesis.docx.tmp",
            ".notes.txt.aB3dE9.tmp",
            ".x.tmp",
            ".notes.pdf.aB3dE9.tmp",
            ".notes.docx.box-12.aB3dE9.tmp",
            ".roles.xlsx.pQ4rS5.tmp",
        ];
        for n in [&gone, &alive, elsewhere, "keep.pdf"]
            .into_iter()
            .chain(foreign.iter().copied())
        {
            fs::write(dir.path().join(n), b"x").unwrap();
        }
        let long_ago = std::time::SystemTime::now() - 2 * STALE_TEMP_AGE;
        for n in foreign.iter().copied().chain([elsewhere]) {
            let f = fs::File::options()
                .write(true)
                .open(dir.path().join(n))
                .unwrap();
            f.set_modified(long_ago).unwrap();
        }
        assert_eq!(writer_gone(&gone), Some(true));
        assert_eq!(writer_gone(&alive), Some(false));
        assert_eq!(writer_gone(elsewhere), None);
        assert_eq!(writer_gone(".roles.xlsx.pQ4rS5.tmp"), None);
        sweep_temp_files(dir.path(), None);
        let mut left: Vec<String> = fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        // The old one of another host goes; the foreign ones stay.
        let mut want: Vec<String> = vec![alive.clone(), "keep.pdf".into()];
        want.extend(foreign.iter().map(|s| s.to_string()));
        want.sort();
        assert_eq!(left, want);
        // With `only`, another output's leftovers beside it stay.
        let other = format!(".other.pdf.{host}-4000000000.aB3dE9.tmp");
        let own = format!(".offer.pdf.{host}-4000000000.aB3dE9.tmp");
        fs::write(dir.path().join(&other), b"x").unwrap();
        fs::write(dir.path().join(&own), b"x").unwrap();
        sweep_temp_files(dir.path(), Some("offer.pdf"));
        assert!(dir.path().join(&other).exists());
        assert!(!dir.path().join(&own).exists());
        // A live writer's file stays however long it takes (a slow export),
        // up to a day: its pid may by then be another program's.
        let slow = format!(".slow.csv.{me}.sLoW01.tmp");
        let stale = format!(".stale.csv.{me}.sTaLe1.tmp");
        for (n, age) in [
            (&slow, 2 * STALE_TEMP_AGE),
            (&stale, 2 * LIVE_WRITER_MAX_AGE),
        ] {
            fs::write(dir.path().join(n), b"x").unwrap();
            fs::File::options()
                .write(true)
                .open(dir.path().join(n))
                .unwrap()
                .set_modified(std::time::SystemTime::now() - age)
                .unwrap();
        }
        sweep_temp_files(dir.path(), None);
        assert!(dir.path().join(&slow).exists());
        assert!(!dir.path().join(&stale).exists());
        // A folder is ours only as the PDFs of a bundle; a file never as one.
        let folder = dir
            .path()
            .join(format!(".photos.zip.{host}-4000000000.aB3dE9.tmp"));
        fs::create_dir(&folder).unwrap();
        sweep_temp_files(dir.path(), None);
        assert!(folder.exists());
        // write_atomic's temporary files carry this process's tag.
        assert!(me.ends_with(&format!("-{}", std::process::id())));
    }

    #[test]
    fn temporary_folders_are_named_and_swept_like_files() {
        let dir = tempfile::tempdir().unwrap();
        let mine = temp_dir_in(dir.path(), "pdfs").unwrap();
        fs::write(mine.path().join("a.pdf"), b"x").unwrap();
        let name = mine
            .path()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        assert!(name.starts_with(&format!(".pdfs.{}.", writer_tag())) && name.ends_with(".tmp"));
        // A killed export's folder: its writer is gone.
        let gone = dir
            .path()
            .join(format!(".pdfs.{}-4000000000.aB3dE9.tmp", host_name()));
        fs::create_dir(&gone).unwrap();
        fs::write(gone.join("b.pdf"), b"x").unwrap();
        sweep_temp_files(dir.path(), None);
        assert!(!gone.exists());
        assert!(
            mine.path().join("a.pdf").exists(),
            "a live writer's folder stays"
        );
        let path = mine.path().to_path_buf();
        drop(mine);
        assert!(!path.exists());
    }

    fn names_in(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn staged_files_replace_only_changed_files_on_commit_and_fail_cleanly() {
        use std::io::{Seek, SeekFrom};
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("sub");
        let p = sub.join("b.zip");
        let fill = |bytes: &'static [u8]| {
            move |f: &mut fs::File| -> Result<()> {
                // Writers may seek back, as the ZIP writer does.
                f.write_all(&[0; 4]).unwrap();
                f.write_all(bytes).unwrap();
                f.seek(SeekFrom::Start(0)).unwrap();
                f.write_all(b"HEAD").unwrap();
                Ok(())
            }
        };
        let made = stage_streamed(&p, fill(b"one")).unwrap();
        assert!(!p.exists(), "nothing is in place before commit");
        assert_eq!(
            (made.sha256.as_str(), made.bytes),
            (sha256_hex(b"HEADone").as_str(), 7)
        );
        let modified = made.staged.unwrap().commit().unwrap();
        // The time reported is that of the file now in place.
        assert_eq!(modified, fs::metadata(&p).unwrap().modified().ok());
        assert_eq!(fs::read(&p).unwrap(), b"HEADone");
        let before = fs::metadata(&p).unwrap().modified().unwrap();
        let again = stage_streamed(&p, fill(b"one")).unwrap();
        assert!(again.staged.is_none());
        assert_eq!(again.sha256, sha256_hex(b"HEADone"));
        assert!(stage(&p, b"HEADone").unwrap().staged.is_none());
        // Same size, other bytes: staged.
        assert!(stage_streamed(&p, fill(b"ONE")).unwrap().staged.is_some());
        assert_eq!(fs::metadata(&p).unwrap().modified().unwrap(), before);
        assert_eq!(names_in(&sub), vec!["b.zip".to_string()]);
        // Staged but dropped: the old file stays, the temporary one goes.
        drop(stage(&p, b"two").unwrap());
        assert_eq!(fs::read(&p).unwrap(), b"HEADone");
        assert_eq!(names_in(&sub), vec!["b.zip".to_string()]);
        stage(&p, b"two").unwrap().staged.unwrap().commit().unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"two");
        // A writer that fails leaves the previous file and no temporary one.
        let err = stage_streamed(&p, |f| {
            f.write_all(b"partial").unwrap();
            Err(Error::io(
                Path::new("x"),
                std::io::Error::other("disk full"),
            ))
        });
        assert!(err.is_err());
        assert_eq!(fs::read(&p).unwrap(), b"two");
        assert_eq!(names_in(&sub), vec!["b.zip".to_string()]);
        assert!(!hash_and_compare(&p, &dir.path().join("missing")).unwrap().2);
    }

    #[test]
    fn atomic_write_replaces_and_leaves_no_temp_files() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sub/a.csv");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"two");
        assert!(
            !write_if_changed(&p, b"two", Durability::Full)
                .unwrap()
                .changed
        );
        assert!(
            write_if_changed(&p, b"three", Durability::FolderLater)
                .unwrap()
                .changed
        );
        let w = write_if_changed(&p, b"four", Durability::Cache).unwrap();
        assert!(w.changed);
        // The time reported is the file's.
        assert_eq!(w.modified, fs::metadata(&p).unwrap().modified().ok());
        assert_eq!(fs::read(&p).unwrap(), b"four");
        let names: Vec<_> = fs::read_dir(p.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec!["a.csv"]);
    }
}
