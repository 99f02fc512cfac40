//! The one error type that reaches the CLI edge, with its exit code.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use crate::diag::{self, Diagnostic};

/// Exit codes (documented in README.md and `jdgen --help`).
pub mod exit {
    /// Everything worked.
    pub const OK: i32 = 0;
    /// Invalid input, a failed role or an I/O failure.
    pub const FAILED: i32 = 1;
    /// Bad command line.
    pub const USAGE: i32 = 2;
    /// Another run holds the output folder's lock.
    pub const LOCKED: i32 = 3;
}

#[derive(Debug)]
pub enum Error {
    /// Problems in the input, each with its location.
    Invalid(Vec<Diagnostic>),
    /// A file could not be read or written.
    Io { path: PathBuf, source: io::Error },
    /// A command-line mistake clap could not catch.
    Usage(String),
    /// Role ids on the command line that no role file declares (a usage
    /// error, with the closest ids as help).
    UnknownRole(Vec<Diagnostic>),
    /// The output folder is locked by another run.
    Locked(String),
    /// A stop signal ended the run before it had done anything to report
    /// (while it waited for a lock): the signal's number.
    Stopped(i32),
}

impl Error {
    /// An I/O error on `path`. The error's own words only: tempfile
    /// appends the temporary file's path (`… at path "/out/.x.pdf.…tmp"`),
    /// a file the user never asked for, beside the one named here.
    pub fn io(path: &Path, source: io::Error) -> Error {
        let source = match source.raw_os_error() {
            Some(code) => io::Error::from_raw_os_error(code),
            None => match source.to_string().split_once(" at path \"") {
                Some((own, _)) => io::Error::new(source.kind(), own.to_string()),
                None => source,
            },
        };
        Error::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Invalid(_) | Error::Io { .. } => exit::FAILED,
            Error::Usage(_) | Error::UnknownRole(_) => exit::USAGE,
            Error::Locked(_) => exit::LOCKED,
            Error::Stopped(signal) => crate::interrupt::exit_code(*signal),
        }
    }
}

impl From<Diagnostic> for Error {
    fn from(d: Diagnostic) -> Self {
        Error::Invalid(vec![d])
    }
}

impl From<Vec<Diagnostic>> for Error {
    fn from(d: Vec<Diagnostic>) -> Self {
        Error::Invalid(d)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Invalid(d) | Error::UnknownRole(d) => f.write_str(diag::render(d).trim_end()),
            // One line each, whatever a path holds (`-o $'a\nb'`): the
            // line a scheduler's log shows.
            Error::Io { path, source } => write!(
                f,
                "error: {}",
                diag::one_line(&format!("{}: {source}", path.display()))
            ),
            Error::Usage(m) => write!(f, "error: {}", diag::one_line(m)),
            Error::Locked(m) => write!(f, "error: {}", diag::one_line(m)),
            Error::Stopped(signal) => write!(
                f,
                "error: stopped by {} while waiting for the lock: nothing was written",
                crate::interrupt::name(*signal)
            ),
        }
    }
}

impl std::error::Error for Error {}

pub type Result<T, E = Error> = std::result::Result<T, E>;

thread_local! {
    /// Set while [`catch_quietly`] runs its closure on this thread.
    static QUIET: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f`, turning a panic in it into `Err` with its message, and without
/// the default hook's `thread … panicked at …` on stderr: for a library
/// that panics on an I/O error it should have returned (rust_xlsxwriter on
/// a full TMPDIR), whose failure is then reported as jdgen's own error.
pub fn catch_quietly<T>(f: impl FnOnce() -> T) -> std::result::Result<T, String> {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.with(std::cell::Cell::get) {
                default(info);
            }
        }));
    });
    QUIET.with(|q| q.set(true));
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    QUIET.with(|q| q.set(false));
    outcome.map_err(|payload| panic_message(payload.as_ref()))
}

/// The message a caught panic carried (`panic!("…")`'s text).
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_one_line_error_stays_one_line() {
        let e = Error::io(Path::new("a\nb"), io::Error::from_raw_os_error(2));
        assert_eq!(e.to_string().lines().count(), 1, "{e}");
        assert_eq!(Error::Usage("x\ny".into()).to_string(), "error: x\\ny");
    }

    #[test]
    fn an_io_error_names_the_file_asked_for_not_a_temporary_one() {
        // As tempfile reports a failed write to its temporary file.
        let wrapped = io::Error::new(
            io::ErrorKind::StorageFull,
            "No space left on device (os error 28) at path \"/out/pdf/.a.pdf.x1.tmp\"",
        );
        let e = Error::io(Path::new("/out/pdf/a.pdf"), wrapped);
        let shown = e.to_string();
        assert!(shown.contains("/out/pdf/a.pdf"), "{shown}");
        assert!(shown.contains("No space left on device"), "{shown}");
        assert!(!shown.contains(".tmp"), "{shown}");
    }
}
