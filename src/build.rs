//! `jdgen build`: the scheduled batch run.
//!
//! One run renders every role's PDF and writes every export into a fixed
//! layout (see `docs/batch.md`):
//!
//! ```text
//! out/
//! ├── pdf/<role-id>.pdf
//! ├── export/…             (CSV, XLSX, JSON, ZIP bundle)
//! ├── manifest.json        (every output with its SHA-256; deterministic)
//! └── .jdgen/              (lock file and per-output content keys)
//! ```
//!
//! - **Parallel**: PDFs render on `--jobs` worker threads with 16 MiB stacks
//!   (`workers`: why not rayon); fonts, templates and the Typst library are
//!   loaded once in `Renderer` and shared.
//! - **Incremental**: each output's content key hashes everything that can
//!   change its bytes (the template data, template files, fonts, options and
//!   the jdgen version). An output whose key matches the previous run and
//!   whose file is intact is not touched; exports are rebuilt only when
//!   something they show changed. A run of the same binary first compares
//!   a cheaper input key (`InputKeys`), so an unchanged role costs no
//!   template data.
//! - **Staged exports**: every export is made and synced before any
//!   replaces the previous one, so a failure half-way replaces none.
//! - **Atomic**: files are replaced by rename (`fsutil`), the output folder
//!   is locked for the whole run, and temp files left by a killed run are
//!   swept at the start of the next.
//! - **Isolating**: a broken family file fails only its own roles; the run
//!   still builds the rest and exits 1. Exports are then left as they were,
//!   since an export missing roles would read as if those roles were gone.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self, File};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::data::{self, DocumentOptions};
use crate::diag::Diagnostic;
use crate::error::{Error, Result, exit};
use crate::export::{self, ExportInput, Formats};
use crate::fsutil::hex;
use crate::fsutil::{self, Durability, sha256_hex};
use crate::load;
use crate::render::Renderer;
use crate::resolve::{self, ResolvedRole};
use crate::workers;

const STATE_DIR: &str = ".jdgen";
const LOCK_FILE: &str = "lock";
const EXPORT_STATE: &str = "exports.json";
/// The record of the manifest last written: its SHA-256 (see
/// [`ManifestRecord`]).
const MANIFEST_STATE: &str = "manifest.json";

/// The manifest's bytes as the run that wrote them recorded them: a run
/// killed after renaming a new manifest into place, before recording it,
/// leaves new bytes for the next run to report `built`.
#[derive(Serialize, Deserialize)]
struct ManifestRecord {
    sha256: String,
}

/// A deterministic slice of the roles: `K/N`, 1-based. Made only by
/// [`Shard::parse`], so 1 ≤ K ≤ N always holds ([`Shard::contains`]
/// divides by N).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Shard {
    index: u32,
    count: u32,
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Shard {
    /// Parses `K/N` with 1 ≤ K ≤ N.
    pub fn parse(s: &str) -> std::result::Result<Shard, String> {
        let (k, n) = s
            .split_once('/')
            .ok_or_else(|| format!("expected K/N (e.g. 2/4), found `{s}`"))?;
        let number = |t: &str| {
            t.trim().parse::<u32>().map_err(|e| match e.kind() {
                std::num::IntErrorKind::PosOverflow => {
                    format!("`{t}` is too large (at most {})", u32::MAX)
                }
                _ => format!("`{t}` is not a whole number"),
            })
        };
        let index = number(k)?;
        let count = number(n)?;
        if count == 0 || index == 0 || index > count {
            return Err(format!("shard K/N needs 1 ≤ K ≤ N, found {index}/{count}"));
        }
        Ok(Shard { index, count })
    }

    /// The shard a Kubernetes Indexed Job gives: `JOB_COMPLETION_INDEX`
    /// (0-based, set by Kubernetes) and `JDGEN_SHARD_COUNT` (the Job's
    /// completions), as `index` and `count`. Neither: no shard. Only one:
    /// no shard, and a warning saying what to set (a pod that builds
    /// everything is a likely misconfiguration). Values that make no
    /// shard are a usage error naming both.
    pub fn from_env(
        index: Option<String>,
        count: Option<String>,
    ) -> Result<(Option<Shard>, Option<String>)> {
        // Set but empty counts as unset, as for JDGEN_ROLES: what a CI or
        // Kubernetes template leaves for a variable it had no value for.
        let set = |v: Option<String>| v.filter(|v| !v.trim().is_empty());
        let (index, count) = match (set(index), set(count)) {
            (Some(i), Some(c)) => (i, c),
            (Some(i), None) => {
                let warning = format!(
                    "JOB_COMPLETION_INDEX={} is set but JDGEN_SHARD_COUNT is not: building every \
                     role; set JDGEN_SHARD_COUNT to the Job's completions to build one shard",
                    i.trim()
                );
                return Ok((None, Some(warning)));
            }
            (None, Some(c)) => {
                let warning = format!(
                    "JDGEN_SHARD_COUNT={} is set but JOB_COMPLETION_INDEX is not: building every \
                     role; in a Kubernetes Indexed Job the index is set for you, elsewhere use --shard K/N",
                    c.trim()
                );
                return Ok((None, Some(warning)));
            }
            (None, None) => return Ok((None, None)),
        };
        let bad = |why: &str| {
            Error::Usage(format!(
                "JOB_COMPLETION_INDEX={} with JDGEN_SHARD_COUNT={}: {why}",
                index.trim(),
                count.trim()
            ))
        };
        let i: u32 = index
            .trim()
            .parse()
            .map_err(|_| bad("the index must be a whole number from 0"))?;
        let n: u32 = count
            .trim()
            .parse()
            .map_err(|_| bad("the count must be a whole number from 1"))?;
        if n == 0 || i >= n {
            return Err(bad("the index (0-based) must be below the count"));
        }
        Shard::parse(&format!("{}/{n}", i + 1))
            .map(|s| (Some(s), None))
            .map_err(|e| bad(&e))
    }

    /// Whether `role_id` belongs to this shard: a hash of the id, so adding
    /// or removing roles moves no other role to another shard.
    pub fn contains(&self, role_id: &str) -> bool {
        let h = Sha256::digest(role_id.as_bytes());
        let n = u64::from_le_bytes(h[..8].try_into().expect("8 bytes"));
        n % u64::from(self.count) == u64::from(self.index - 1)
    }
}

#[derive(Debug, Clone)]
pub struct BuildOptions {
    pub out_dir: PathBuf,
    pub jobs: usize,
    pub force: bool,
    /// Compare every output's SHA-256 with the recorded one, not only its
    /// size and time.
    pub verify: bool,
    pub shard: Option<Shard>,
    /// Wait for another run's lock instead of exiting with code 3.
    pub wait: bool,
    pub quiet: bool,
    /// Progress bar (`true` on a terminal) or timestamped log lines.
    pub progress_bar: bool,
    /// `a4` or `us-letter`.
    pub paper: String,
    /// Print the signature block.
    pub signature: bool,
    pub formats: Formats,
    /// Warnings found before the run (a half-set shard environment), logged
    /// then ([`log_early_warning`]): listed in the summary with the run's own.
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Built,
    Unchanged,
}

#[derive(Debug, Clone, Serialize)]
pub struct OutputRecord {
    pub path: String,
    pub sha256: String,
    pub bytes: u64,
    pub status: Status,
}

impl OutputRecord {
    /// The record of a file staged to replace `path`: built when it differs
    /// from what is there, else unchanged.
    fn staged(path: String, p: &fsutil::Prepared) -> OutputRecord {
        OutputRecord {
            path,
            sha256: p.sha256.clone(),
            bytes: p.bytes,
            status: if p.staged.is_some() {
                Status::Built
            } else {
                Status::Unchanged
            },
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Failure {
    /// The role, when the failure is one role's.
    pub role: Option<String>,
    pub file: Option<String>,
    pub message: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Counts {
    pub roles: usize,
    /// PDFs written: their bytes are new.
    pub built: usize,
    /// PDFs left as they were: key unchanged, or rendered again to the
    /// same bytes.
    pub skipped: usize,
    /// PDFs rendered this run, written or not (`--force`, a new template
    /// or jdgen can render a PDF again to the very bytes it had).
    pub rendered: usize,
    pub removed: usize,
    pub failed: usize,
    /// Roles a stop signal left unrendered (see `Summary::stopped`).
    pub not_rendered: usize,
}

/// What a run did, for people (log lines) and schedulers (`--summary-json`).
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub ok: bool,
    pub exit_code: i32,
    pub jdgen_version: String,
    pub out_dir: String,
    pub shard: Option<Shard>,
    pub started_at: String,
    pub duration_ms: u128,
    pub counts: Counts,
    /// `built`, `unchanged`, or `skipped: …` with the reason.
    pub exports: String,
    pub failures: Vec<Failure>,
    pub removed: Vec<String>,
    pub outputs: Vec<OutputRecord>,
    pub durations_ms: BTreeMap<String, u128>,
    /// Warnings from rendering (missing glyphs…).
    pub warnings: Vec<String>,
    /// The signal that stopped the run early (`SIGTERM`…): the roles not
    /// yet rendered and the exports were left for the next run.
    pub stopped: Option<String>,
}

/// The summary of a build that has no [`Summary`] (yet): a usage error, a
/// run still going (written first, so that a killed run never leaves the
/// previous run's "ok"), or a run stopped by an error that concerns it all
/// (no role folder, a broken template, the lock held). The same fields as
/// a [`Summary`] where they apply; `docs/batch.md` lists them.
#[derive(Debug, Clone, Serialize)]
pub struct StoppedSummary {
    /// Always false.
    pub ok: bool,
    /// `null` while the run is still going.
    pub exit_code: Option<i32>,
    pub jdgen_version: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub out_dir: Option<String>,
    pub started_at: String,
    pub error: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warnings: Option<Vec<String>>,
    /// The signal that stopped a run waiting for the lock (`SIGTERM`…).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped: Option<String>,
}

impl StoppedSummary {
    /// A command line clap refused: written before any folder is known.
    pub fn usage(error: String) -> Self {
        StoppedSummary {
            ok: false,
            exit_code: Some(crate::error::exit::USAGE),
            jdgen_version: env!("CARGO_PKG_VERSION"),
            out_dir: None,
            started_at: utc_timestamp(SystemTime::now()),
            error,
            warnings: None,
            stopped: None,
        }
    }

    /// A run that has started and not finished.
    pub fn pending(out_dir: &Path, started_at: &str) -> Self {
        StoppedSummary {
            ok: false,
            exit_code: None,
            jdgen_version: env!("CARGO_PKG_VERSION"),
            out_dir: Some(out_dir.display().to_string()),
            started_at: started_at.to_string(),
            error: "the run has not finished: it is still running, or it was stopped before it could write its summary".into(),
            warnings: None,
            stopped: None,
        }
    }

    /// A run stopped by `error` (exit code `exit_code`), with the warnings
    /// found before it stopped.
    pub fn stopped(
        out_dir: &Path,
        started_at: &str,
        exit_code: i32,
        error: String,
        warnings: Vec<String>,
    ) -> Self {
        StoppedSummary {
            ok: false,
            exit_code: Some(exit_code),
            jdgen_version: env!("CARGO_PKG_VERSION"),
            out_dir: Some(out_dir.display().to_string()),
            started_at: started_at.to_string(),
            error,
            warnings: Some(warnings),
            stopped: None,
        }
    }

    /// Pretty JSON with a final newline, as every summary is written.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a summary is plain data") + "\n"
    }
}

/// Failed roles (a role id declared in two files fails in each: one role)
/// and the other failures (role files, the template, the exports).
fn tally(failures: &[Failure]) -> (usize, usize) {
    let roles: BTreeSet<&str> = failures.iter().filter_map(|f| f.role.as_deref()).collect();
    let other = failures.iter().filter(|f| f.role.is_none()).count();
    (roles.len(), other)
}

/// The most `failed:` lines a run's log ends with.
const MAX_FAILURE_LINES: usize = 50;

/// Roles that loaded plus roles of files that did not (a role that loaded
/// and then failed to render is counted once).
fn role_total(roles: &[ResolvedRole], failures: &[Failure]) -> usize {
    let loaded: std::collections::HashSet<&str> = roles.iter().map(|r| r.id.as_str()).collect();
    roles.len()
        + failures
            .iter()
            .filter_map(|f| f.role.as_deref())
            .filter(|id| !loaded.contains(id))
            .collect::<BTreeSet<_>>()
            .len()
}

/// Which of a failed file's roles an error is about: the one of the level
/// the load found it in (`Diagnostic::level`). None for an error of the
/// whole file (a YAML syntax error, a family field).
fn error_owner<'a>(d: &Diagnostic, f: &'a load::FailedFile) -> Option<&'a str> {
    let at = f.level_ids_at.get(d.level? as usize)?;
    f.role_ids.iter().find(|id| *id == at).map(String::as_str)
}

/// Roles as the log names them: "a, b", or "a, … j and 4 more roles".
fn named(roles: &[String]) -> String {
    let list = crate::diag::role_list(roles, false);
    if roles.len() > 10 {
        format!("{list} roles")
    } else {
        list
    }
}

/// " (and 2 other failures)" after a count of failed roles, if any.
fn others(n: usize) -> String {
    match n {
        0 => String::new(),
        1 => " (and 1 other failure)".into(),
        n => format!(" (and {n} other failures)"),
    }
}

/// Failures in the summary's order: by role, then file (file failures,
/// with no role, first).
fn sort_failures(failures: &mut [Failure]) {
    failures.sort_by(|a, b| (&a.role, &a.file).cmp(&(&b.role, &b.file)));
}

impl Summary {
    /// Records a failure found after the run (writing its summary): the
    /// run is then not ok, exits 1, and counts it like any other.
    pub fn add_failure(&mut self, error: &str, consequence: &str) {
        let error = error.trim_start_matches("error: ").trim_end();
        self.failures.push(Failure {
            role: None,
            file: None,
            message: format!("{error}: {consequence}"),
        });
        sort_failures(&mut self.failures);
        self.counts.failed = self.failures.len();
        self.ok = false;
        self.exit_code = self.exit_code.max(exit::FAILED);
    }
}

/// The key and checksum of one output, as recorded by the run that wrote it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
struct OutputState {
    key: String,
    sha256: String,
    bytes: u64,
    /// The file's modification time (ns since the Unix epoch) once written:
    /// with the size, how a later run tells that the file is still the one
    /// recorded (a hand edit of the same size changes it). Absent in state
    /// written by older versions, which are then trusted on size alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    modified: Option<u128>,
    /// PDFs only: the role's input key (see `InputKeys`), so a later run of
    /// the same binary on the same inputs can skip making the template data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    input: Option<String>,
    /// PDFs only: the warnings rendering it gave (missing glyphs…), so that
    /// every later run that keeps the PDF reports them again: the boxes are
    /// still in the document.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    warnings: Vec<String>,
    /// PDFs only: where and what text has no glyph (also among
    /// `warnings`), which a `--strict` run that keeps it turns into a
    /// failure, as it would a fresh render.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    missing_glyphs: Option<GlyphRecord>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
struct GlyphRecord {
    file: Option<String>,
    message: String,
}

impl OutputState {
    /// `modified`: the time of the file as written (`fsutil::Written`),
    /// not read back from its path, where another writer may have been.
    fn new(key: String, bytes: &[u8], modified: Option<std::time::SystemTime>) -> OutputState {
        OutputState {
            key,
            sha256: sha256_hex(bytes),
            bytes: bytes.len() as u64,
            modified: modified.and_then(ns_since_epoch),
            input: None,
            warnings: Vec::new(),
            missing_glyphs: None,
        }
    }

    /// Whether `path` still holds the file this state was recorded for:
    /// the same size and modification time, or, when only the time differs
    /// (a copy, a shard's PDFs merged in, state from an older version) or
    /// the time is in whole seconds (a coarse file system), the same
    /// SHA-256. In that case `modified` takes the file's time, so the
    /// caller can record it and the next run need not read the file.
    /// `checksum` (`--verify`) always compares the SHA-256: a change that
    /// keeps size and time (`touch -r`, `cp -p` of another version, bit
    /// rot) is only found that way.
    fn verify(&mut self, path: &Path, checksum: bool) -> bool {
        // A symbolic link put in the PDF's place is not jdgen's PDF, even
        // when it leads to the same bytes: what it leads to can change.
        let Ok(meta) = fs::symlink_metadata(path) else {
            return false;
        };
        if !meta.is_file() || meta.len() != self.bytes {
            return false;
        }
        let now = meta.modified().ok().and_then(ns_since_epoch);
        // A time in whole seconds may come from a file system that stores
        // no more (FAT, some network shares): an edit in the same second
        // would keep it, so only the checksum can tell. Elsewhere a time
        // falls on a whole second about once in a billion files.
        let fine_grained = self.modified.is_some_and(|ns| ns % 1_000_000_000 != 0);
        if !checksum && now.is_some() && now == self.modified && fine_grained {
            return true;
        }
        match fsutil::sha256_file(path) {
            Ok(sum) if sum == self.sha256 => {
                self.modified = now;
                true
            }
            _ => false,
        }
    }
}

fn modified_ns(path: &Path) -> Option<u128> {
    fs::metadata(path)
        .ok()?
        .modified()
        .ok()
        .and_then(ns_since_epoch)
}

fn ns_since_epoch(t: std::time::SystemTime) -> Option<u128> {
    t.duration_since(std::time::UNIX_EPOCH)
        .ok()
        .map(|d| d.as_nanos())
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
struct ExportState {
    key: String,
    files: BTreeMap<String, OutputState>,
}

/// How many of the role files' warnings a run logs (and puts in its
/// summary).
const MAX_LOGGED_LOAD_WARNINGS: usize = 10;

/// The role files' warnings as the log and the summary say them: the
/// first few, each on one line with its place, then how many more.
pub(crate) fn warning_lines(warnings: &[Diagnostic]) -> Vec<String> {
    let mut lines: Vec<String> = warnings
        .iter()
        .filter(|d| !d.is_error() && d.hidden == 0)
        .take(MAX_LOGGED_LOAD_WARNINGS)
        .map(|d| match d.location() {
            Some(at) => format!("{at}: {}", d.message),
            None => d.message.clone(),
        })
        .collect();
    let (_, total) = crate::diag::count(warnings);
    let more = total.saturating_sub(lines.len());
    if more > 0 {
        lines.push(format!(
            "and {more} more role-file warning(s): `jdgen check` lists them"
        ));
    }
    lines
}

/// How many role failures a run logs as they happen (all are listed at
/// its end).
const MAX_LIVE_FAILURES: usize = 10;

/// The log: a progress bar on a terminal, else timestamped lines for cron
/// mail and CI logs; nothing but errors under `--quiet`.
struct Log {
    quiet: bool,
    bar: Option<indicatif::ProgressBar>,
}

impl Log {
    /// Progress and outcome: silenced by `--quiet`.
    fn line(&self, msg: &str) {
        if !self.quiet {
            self.error(msg);
        }
    }

    /// Failures: always printed.
    fn error(&self, msg: &str) {
        // One record, one line: cron mail and log shippers split on them.
        let msg = crate::diag::one_line(msg);
        let line = stamped(&msg);
        match &self.bar {
            // A hidden bar (a terminal indicatif cannot draw on) prints
            // nothing, lines included.
            Some(bar) if !bar.is_hidden() => bar.println(crate::diag::printable(&line)),
            _ => crate::diag::to_stderr(&format!("{line}\n")),
        }
    }
}

/// A line of a run's log: `2026-11-23T02:00:03Z jdgen: msg`.
fn stamped(msg: &str) -> String {
    format!("{} jdgen: {msg}", utc_timestamp(SystemTime::now()))
}

/// An error that stops a run, for a log that is no terminal: each of its
/// lines (the source lines of a diagnostic included) a line of the log.
pub fn log_stopping_error(text: &str) {
    let lines: String = text
        .trim_end()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| stamped(l) + "\n")
        .collect();
    crate::diag::to_stderr(&lines);
}

/// A warning found before a run starts, as the run's log prints one.
pub fn log_early_warning(msg: &str) {
    Log {
        quiet: false,
        bar: None,
    }
    .line(&format!("warning: {msg}"));
}

/// `2026-11-23T10:15:00Z`.
pub fn utc_timestamp(t: SystemTime) -> String {
    let secs = t
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_secs() as i64;
    data::iso_utc(secs)
}

/// Takes the output folder's lock: exclusive, held until the returned file
/// is dropped (the OS releases it if the process dies). With `wait`, a lock
/// another run holds is waited for, after calling `wait(None)` (to say so:
/// a scheduled run that sits silent for minutes looks hung) and then
/// `wait(Some(waited))` every few minutes; a stop signal ends the wait
/// (`Error::Stopped`). Without `wait`, a held lock is `Error::Locked`,
/// naming the run that holds it. The flag says whether this run waited.
pub fn lock_output(
    out_dir: &Path,
    wait: Option<&dyn Fn(Option<Duration>)>,
) -> Result<(File, bool)> {
    use std::os::unix::fs::MetadataExt;
    let mut waited = false;
    // The file locked must still be the one at its path: a waiter whose
    // lock file was removed meanwhile (`rm -rf out`, the folder moved
    // away) held a lock on a deleted file, and built beside the run that
    // made a new one. Bounded, for file systems whose inode numbers are
    // not stable.
    for tries in 0.. {
        let (file, path, waited_now) = lock_output_once(out_dir, wait)?;
        waited |= waited_now;
        let same = match (file.metadata(), fs::symlink_metadata(&path)) {
            (Ok(held), Ok(now)) => held.dev() == now.dev() && held.ino() == now.ino(),
            _ => false,
        };
        if same || tries == 10 {
            // Who holds it, for a run that finds it held: an operator
            // cannot otherwise tell which pod or host is at work on a
            // shared volume. (Best effort: a lock file this run cannot
            // write keeps what the last run that could wrote.)
            let holder = format!(
                "pid {} on {}, since {}\n",
                std::process::id(),
                fsutil::host_name(),
                utc_timestamp(SystemTime::now())
            );
            let _ = file.set_len(0).and_then(|()| {
                std::os::unix::fs::FileExt::write_all_at(&file, holder.as_bytes(), 0)
            });
            return Ok((file, waited));
        }
    }
    unreachable!("the loop returns by its tenth try")
}

fn lock_output_once(
    out_dir: &Path,
    wait: Option<&dyn Fn(Option<Duration>)>,
) -> Result<(File, PathBuf, bool)> {
    // A file in the way is named as such, not as "x/.jdgen: Not a directory".
    fsutil::ensure_dir(out_dir)?;
    let state = out_dir.join(STATE_DIR);
    // Neither the state folder nor the lock through a link: the run's state
    // and lock were written wherever it pointed.
    let linked = |what: &str, path: &Path| {
        Error::Invalid(vec![
            crate::diag::Diagnostic::error(format!("{what} is a symbolic link"))
                .in_file(path)
                .help("remove it: jdgen makes its own"),
        ])
    };
    if fs::symlink_metadata(&state).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(linked("the folder of jdgen's run state", &state));
    }
    // Nor the output folders: the PDFs and exports, and the removal of
    // stale ones, went wherever a link in a shared folder pointed. (The
    // output folder itself may be a link: that is where `-o` points.)
    for (what, name) in [
        ("the PDF folder", "pdf"),
        ("the export folder", "export"),
        ("the folder of the PDFs' run state", ".jdgen/pdf"),
    ] {
        let dir = out_dir.join(name);
        if fs::symlink_metadata(&dir).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(linked(what, &dir));
        }
    }
    // A file in the way named as such (it read "File exists (os error 17)").
    fsutil::ensure_dir_or(
        &state,
        "move it away: jdgen keeps its run state in that folder",
    )?;
    let path = state.join(LOCK_FILE);
    let open = |write: bool| {
        let mut options = File::options();
        options.read(true);
        if write {
            options.create(true).truncate(false).write(true);
        }
        // Not blocking: a FIFO put in the lock's place hung the run on its
        // open, where no timeout or `--wait` message could reach.
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::custom_flags(
            &mut options,
            libc::O_NOFOLLOW | libc::O_NONBLOCK,
        );
        options.open(&path)
    };
    let not_regular = || {
        Error::Invalid(vec![
            crate::diag::Diagnostic::error("the lock file is not a regular file")
                .in_file(&path)
                .help("remove it: jdgen makes its own"),
        ])
    };
    // A lock needs no write access: in a folder a group shares, the lock
    // file another member's run made (mode 644) is locked read-only.
    let file = open(true)
        .or_else(|e| match e.kind() {
            std::io::ErrorKind::PermissionDenied => open(false).map_err(|_| e),
            _ => Err(e),
        })
        .map_err(|e| match e.raw_os_error() {
            Some(libc::ELOOP) => linked("the lock file", &path),
            Some(libc::ENXIO | libc::EISDIR) => not_regular(),
            _ => Error::io(&path, e),
        })?;
    if !file.metadata().map_err(|e| Error::io(&path, e))?.is_file() {
        return Err(not_regular());
    }
    match file.try_lock() {
        Ok(()) => Ok((file, path, false)),
        Err(std::fs::TryLockError::WouldBlock) if let Some(say) = wait => {
            say(None);
            fsutil::wait_for_lock(&file, &path, &|waited| say(Some(waited)))?;
            Ok((file, path, true))
        }
        Err(std::fs::TryLockError::WouldBlock) => {
            // What the holder wrote into the lock: `pid 12 on host-a, since …`.
            let mut holder = String::new();
            let _ =
                std::io::Read::read_to_string(&mut std::io::Read::take(&file, 200), &mut holder);
            let holder = holder.trim();
            let by = if holder.is_empty()
                || holder.chars().any(char::is_control)
                || !holder_may_be_alive(holder)
            {
                String::new()
            } else {
                format!("; it was taken by {holder}")
            };
            Err(Error::Locked(format!(
                "another jdgen run is writing to {} (lock {} is held{by}); \
                 retry later or pass --wait to wait for it",
                out_dir.display(),
                path.display()
            )))
        }
        Err(std::fs::TryLockError::Error(e)) => Err(Error::io(&path, e)),
    }
}

/// Whether the run a lock file names (`pid 12 on host-a, since …`) may
/// still be running: not when it is of this host and that process is gone.
/// A run that holds the lock but could not write its line (the lock file
/// is another user's, opened read-only) leaves the line of an earlier run,
/// which named a finished run as the holder.
fn holder_may_be_alive(holder: &str) -> bool {
    let Some((pid, rest)) = holder
        .strip_prefix("pid ")
        .and_then(|r| r.split_once(" on "))
    else {
        return true;
    };
    let host = rest.split(',').next().unwrap_or_default();
    let gone = pid
        .parse()
        .ok()
        .and_then(|pid| fsutil::process_gone(host, pid));
    gone != Some(true)
}

/// Runs a build. `Err` is for failures that stop the whole run (no role
/// folder, broken template, lock held, I/O on the output folder); failed
/// roles are reported in the summary with `exit_code` 1.
pub fn run(roles_dir: &Path, renderer: &Renderer, opts: &BuildOptions) -> Result<Summary> {
    let started = SystemTime::now();
    let mut durations = BTreeMap::new();
    let log = Log {
        quiet: opts.quiet,
        bar: None,
    };

    // The lock first: a run that waited (`--wait`) must read the role
    // files as they are once the previous run is done, not as they were
    // when it started waiting.
    let t_start = Instant::now();
    // Into a new output folder, the role folder is loaded before the folder
    // is made, so that one that cannot be loaded at all (a wrong working
    // directory, no or a broken company.yaml) leaves nothing behind (a
    // stray `out/.jdgen/lock` was left). It is read again only if this run
    // then waited for another's lock.
    let mut t0 = Instant::now();
    let early = match fs::symlink_metadata(&opts.out_dir) {
        Err(_) => Some(load::load(roles_dir)?),
        Ok(_) => None,
    };
    let say_waiting = |waited: Option<Duration>| match waited {
        None => log.line(&format!(
            "waiting: another jdgen run is writing to {} (--wait)",
            opts.out_dir.display()
        )),
        Some(d) => log.line(&format!(
            "still waiting for the other run ({} min so far)",
            d.as_secs() / 60
        )),
    };
    let (_lock, waited) = lock_output(
        &opts.out_dir,
        opts.wait
            .then_some(&say_waiting as &dyn Fn(Option<Duration>)),
    )?;
    if waited {
        // The phases' durations leave the wait out.
        t0 = Instant::now();
    }
    let lib = match early {
        Some(lib) if !waited => lib,
        _ => load::load(roles_dir)?,
    };
    let (date, dated) = data::document_dating(&lib.company)?;
    let doc = DocumentOptions {
        date,
        dated,
        paper: opts.paper.clone(),
        signature: opts.signature,
    };
    // What `check` warns about, said in the log and the summary too: a
    // nightly run is where a folder of role files that is not read, or a
    // text cut short by a `#`, must not go unnoticed. The first few, and a
    // count: `jdgen check` lists them all.
    let load_warnings = warning_lines(&lib.warnings);
    for w in &load_warnings {
        log.line(&format!("warning: {w}"));
    }
    let mut failures: Vec<Failure> = Vec::new();
    for f in &lib.failed {
        // The file (at its first error's line and column) goes in `file`;
        // the message is only the errors' text, so the log does not repeat
        // "file: error:" after the file.
        // At most five of them: the text goes with every role of the file
        // (a file of 4,000 levels with an error each made a gigabyte of
        // log); `jdgen check` lists them all.
        let failure = |role: Option<&String>, errors: &[&Diagnostic]| {
            let shown: Vec<String> = errors
                .iter()
                .filter(|d| d.hidden == 0)
                .take(5)
                .map(|d| d.message.clone())
                .collect();
            let mut reason = shown.join("; ");
            // Past the file's cap, a note stands for the errors not kept.
            let (total, _) = crate::diag::count(errors.iter().copied());
            if total > shown.len() {
                reason.push_str(&format!(
                    "; and {} more (`jdgen check` shows them, up to {} a file)",
                    total - shown.len(),
                    load::MAX_ERRORS_PER_FILE
                ));
            }
            let file = errors
                .first()
                .and_then(|d| d.location())
                .unwrap_or_else(|| f.file.display().to_string());
            Failure {
                role: role.cloned(),
                file: Some(file),
                message: reason,
            }
        };
        let all: Vec<&Diagnostic> = f.errors.iter().collect();
        if f.role_ids.is_empty() {
            failures.push(failure(None, &all));
            continue;
        }
        // Each role with its own errors and the whole file's, at the first
        // of them (every role of a file with duplicate ids pointed at the
        // first one's line, with all of their messages); a role with none
        // of its own fails for the others', all of them.
        let owners: Vec<Option<&str>> = f.errors.iter().map(|d| error_owner(d, f)).collect();
        for id in &f.role_ids {
            let own: Vec<&Diagnostic> = f
                .errors
                .iter()
                .zip(&owners)
                .filter(|(_, o)| o.is_none_or(|o| o == id))
                .map(|(d, _)| d)
                .collect();
            let errors = if own.is_empty() { &all } else { &own };
            failures.push(failure(Some(id), errors));
        }
    }
    let mut roles: Vec<ResolvedRole> = Vec::new();
    for fam in &lib.families {
        let mut memo = resolve::Memo::default();
        for level in &fam.data.levels {
            match resolve::resolve_level_with(fam, level, &mut memo) {
                Ok(r) => roles.push(r),
                Err(d) => failures.push(failure(Some(&level.id), &d)),
            }
        }
    }
    let all_ids: BTreeSet<String> = lib
        .role_ids()
        .into_iter()
        .map(str::to_string)
        .chain(lib.failed.iter().flat_map(|f| f.role_ids.iter().cloned()))
        .collect();
    if let Some(shard) = opts.shard {
        roles.retain(|r| shard.contains(&r.id));
        failures.retain(|f| f.role.as_deref().is_none_or(|id| shard.contains(id)));
    }
    durations.insert("load".into(), t0.elapsed().as_millis());

    sweep_temp_files(&opts.out_dir);
    let pdf_dir = opts.out_dir.join("pdf");
    let state_dir = opts.out_dir.join(STATE_DIR).join("pdf");

    let fingerprint = renderer.fingerprint();
    // The data only names the logo, so its bytes (read once, with the
    // company file, and the same bytes every PDF gets) are in every key.
    let logo = lib
        .company
        .logo
        .as_ref()
        .map_or_else(String::new, |l| sha256_hex(&l.bytes));

    let mut log = log;
    if opts.progress_bar && !opts.quiet && !roles.is_empty() {
        let bar = indicatif::ProgressBar::new(roles.len() as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} rendering [{bar:30}] {pos}/{len} PDFs  {elapsed_precise} (ETA {eta}) {msg}",
            )
            .expect("valid template")
            .progress_chars("=> "),
        );
        log.bar = Some(bar);
    }
    // Counted as the summary counts them: "14 roles, 5 of them failed to load",
    // not "9 roles, 5 failed" (which read as 5 of the 9).
    let (failed_roles, other) = tally(&failures);
    let total = role_total(&roles, &failures);
    log.line(&format!(
        "{total} role{}{}, {failed_roles} of them failed to load{}: rendering those whose content key changed",
        if total == 1 { "" } else { "s" },
        opts.shard
            .map(|s| format!(" in shard {s}"))
            .unwrap_or_default(),
        others(other),
    ));

    let live_failures = std::sync::atomic::AtomicUsize::new(0);
    // A stop signal (a deadline's SIGTERM, Ctrl-C) is taken between two
    // roles: each PDF and its record are whole, and what is rendered is
    // kept for the next run. Said once, when the first role is left.
    let told_stop = std::sync::atomic::AtomicBool::new(false);
    let say_stopping = |log: &Log, signal: i32, what_is_left: &str| {
        if !told_stop.swap(true, std::sync::atomic::Ordering::Relaxed) {
            log.line(&format!(
                "stopping: {} received; {what_is_left} (a second signal ends jdgen at once)",
                crate::interrupt::name(signal)
            ));
        }
    };
    const LEFT: &str = "the roles not rendered yet and the exports are left for the next run";
    let rendered = std::sync::atomic::AtomicUsize::new(0);
    // One pass per role on the workers: when neither the binary nor the
    // role's inputs changed (`InputKeys`) and its PDF is intact, nothing
    // more is done. Otherwise make its template data, key it, and render it
    // only if that content key or the file on disk changed. The data is
    // made once and dropped after its role (holding every role's data
    // would grow memory with the corpus).
    let t_render = Instant::now();
    let input_keys = InputKeys::new(&lib, &fingerprint, &logo, &doc);
    let outcomes = workers::map(opts.jobs, &roles, |role| {
        if let Some(signal) = crate::interrupt::requested() {
            say_stopping(&log, signal, LEFT);
            return (String::new(), None);
        }
        let unchanged = |st: OutputState| {
            // As a fresh render under --strict would: the boxes are in the
            // PDF kept (it stays, as a failed render leaves the old one).
            if renderer.strict()
                && let Some(glyphs) = st.missing_glyphs
            {
                return Err(Failure {
                    role: Some(role.id.clone()),
                    file: glyphs
                        .file
                        .or_else(|| Some(role.source.display().to_string())),
                    message: glyphs.message,
                });
            }
            Ok((
                OutputRecord {
                    path: format!("pdf/{}.pdf", role.id),
                    sha256: st.sha256,
                    bytes: st.bytes,
                    status: Status::Unchanged,
                },
                st.warnings,
            ))
        };
        let input = input_keys.as_ref().and_then(|k| k.for_role(role));
        // The PDF's record, read once: both keys are checked against it,
        // and a render compares its bytes with the ones it names.
        let recorded = read_state::<OutputState>(&state_dir.join(format!("{}.json", role.id)));
        let by_input = input.as_deref().and_then(|input| {
            current_output(
                &pdf_dir,
                &state_dir,
                role,
                recorded.as_ref(),
                Want::Input(input),
                None,
                opts,
            )
        });
        let (key, outcome) = match by_input {
            Some(st) => (st.key.clone(), unchanged(st)),
            None => {
                let json = serde_json::to_vec(&data::template_data(&lib.company, role, &doc))
                    .expect("template data serialises");
                let key = content_key(&[fingerprint.as_bytes(), logo.as_bytes(), &json]);
                let current = current_output(
                    &pdf_dir,
                    &state_dir,
                    role,
                    recorded.as_ref(),
                    Want::Content(&key),
                    input.as_deref(),
                    opts,
                );
                let outcome = match current {
                    Some(st) => unchanged(st),
                    None => {
                        let done = render_one(
                            renderer,
                            &lib.company,
                            role,
                            (json, &key, input, recorded.map(|st| st.sha256)),
                            &doc,
                            &pdf_dir,
                            &state_dir,
                        );
                        if done.is_ok() {
                            rendered.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        }
                        done
                    }
                };
                (key, outcome)
            }
        };
        if let Some(bar) = &log.bar {
            bar.inc(1);
        }
        // Said as they happen (a long run's log shows when), but a few
        // only: a broken template fails every role alike, and the end of
        // the run lists them all, grouped. `--quiet` leaves that list alone.
        if let Err(f) = &outcome {
            let n = live_failures.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            if n < MAX_LIVE_FAILURES {
                // As the run's closing `failed:` lines say it: the role,
                // where (a template's line), the message without the role
                // again ("FAILED x: role `x`: …").
                let role = f.role.as_deref().unwrap_or("?");
                let message = f
                    .message
                    .strip_prefix(&format!("role `{role}`: "))
                    .unwrap_or(&f.message);
                match &f.file {
                    Some(file) => log.line(&format!("FAILED {role} ({file}): {message}")),
                    None => log.line(&format!("FAILED {role}: {message}")),
                }
            } else if n == MAX_LIVE_FAILURES {
                log.line("more roles failed: every failure is listed when the run ends");
            }
        }
        (key, Some(outcome))
    })
    .map_err(crate::workers::spawn_error)?;
    if let Some(bar) = log.bar.take() {
        bar.finish_and_clear();
    }
    renderer.release_caches();
    // The durable point for every PDF renamed into place above: one folder
    // sync, not one per file.
    fsutil::sync_dir(&pdf_dir);
    durations.insert("render".into(), t_render.elapsed().as_millis());
    let mut built = 0;
    let mut warnings: Vec<String> = Vec::new();
    let mut records: BTreeMap<String, OutputRecord> = BTreeMap::new();
    let mut keyed: Vec<(&ResolvedRole, String)> = Vec::with_capacity(roles.len());
    let mut not_rendered = 0;
    for (role, (key, outcome)) in roles.iter().zip(outcomes) {
        keyed.push((role, key));
        let Some(outcome) = outcome else {
            not_rendered += 1;
            continue;
        };
        match outcome {
            Ok((rec, warns)) => {
                warnings.extend(warns);
                if rec.status == Status::Built {
                    built += 1;
                }
                records.insert(role.id.clone(), rec);
            }
            Err(f) => failures.push(f),
        }
    }
    // Grouped as failures are: a character no font has in a family-wide
    // text warns every role of the family (the summary keeps each).
    let ids: std::collections::HashSet<&str> = roles.iter().map(|r| r.id.as_str()).collect();
    let mut by_role = crate::diag::ByRole::default();
    for (i, w) in warnings.iter().enumerate() {
        match w.split_once(": ").filter(|(id, _)| ids.contains(id)) {
            Some((id, rest)) => by_role.add(i, String::new(), Some(id), rest),
            None => by_role.add(i, String::new(), None, w),
        }
    }
    for group in by_role.into_groups() {
        let who = match group.roles.len() {
            0 => String::new(),
            _ => format!("{}: ", named(&group.roles)),
        };
        log.line(&format!("warning: {who}{}", group.message));
    }
    // (Logged when they were found.)
    warnings.splice(0..0, opts.warnings.iter().cloned().chain(load_warnings));

    // A role file rewritten while it was read may have been read half
    // written, and still parse: roles past the cut would seem gone (and a
    // level moved to a file that appeared meanwhile was read nowhere).
    // What was read is checked against the folder now, before anything
    // is removed or the exports replaced: a change is a failure.
    let changed = load::changed_since_load(&lib);
    for (file, what) in &changed {
        let message = format!(
            "{what}: nothing was removed and the exports were not replaced; the next run reads \
             the folder again"
        );
        // As it is found; with `--quiet`, only in the run's closing
        // `failed:` lines, which print every failure (it printed twice).
        log.line(&format!("{}: {message}", file.display()));
        failures.push(Failure {
            role: None,
            file: Some(file.to_string_lossy().into_owned()),
            message,
        });
    }

    // Exports: whole-library artefacts, so not per shard, and not while any
    // role is failing.
    let t_export = Instant::now();
    let mut export_records = Vec::new();
    let mut pending_exports = None;
    // A first run has no exports to keep: what a failure says keeps none.
    let had_exports = fs::symlink_metadata(opts.out_dir.join("manifest.json")).is_ok();
    let kept_exports = if had_exports {
        "previous exports kept"
    } else {
        "no exports written yet"
    };
    // A signal during the renders (or just after the last) stops the run
    // before the exports: they would be made of a build that is not whole.
    let mut stopped = crate::interrupt::requested();
    let stopped_exports = |signal: i32| {
        format!(
            "skipped: stopped by {}; {kept_exports}",
            crate::interrupt::name(signal)
        )
    };
    let mut exports = if opts.shard.is_some() {
        "skipped: sharded run (exports are written by the unsharded run)".to_string()
    } else if let Some(signal) = stopped {
        say_stopping(&log, signal, LEFT);
        stopped_exports(signal)
    } else if !failures.is_empty() {
        // "some roles failed" beside "0 failed" when only a file whose
        // roles are unknown failed.
        let what = if failures.iter().any(|f| f.role.is_some()) {
            "some roles failed"
        } else if !changed.is_empty() {
            "a role file changed while this run read it"
        } else {
            "a role file failed to load"
        };
        format!("skipped: {what}; {kept_exports}")
    } else {
        let role_keys: Vec<(&str, &str)> = keyed
            .iter()
            .map(|(r, k)| (r.id.as_str(), k.as_str()))
            .collect();
        // What this run recorded for each PDF: the bundle must hold exactly
        // these bytes.
        let pdf_sums: BTreeMap<String, String> = records
            .iter()
            .map(|(id, rec)| (id.clone(), rec.sha256.clone()))
            .collect();
        // Another writer in `pdf/` between the renders and the bundle, in
        // the test of what the summary then says.
        #[cfg(test)]
        tests::before_exports(&opts.out_dir);
        match build_exports(
            &lib.company,
            &roles,
            &role_keys,
            &pdf_sums,
            &doc,
            opts,
            &log,
        ) {
            // Made and staged, not yet in place: a stop now leaves the
            // previous exports (the staged files are deleted when dropped).
            // Once they are being put in place, a signal waits for the end.
            Ok(_) if let Some(signal) = crate::interrupt::requested() => {
                stopped = Some(signal);
                say_stopping(&log, signal, LEFT);
                stopped_exports(signal)
            }
            Ok((status, recs, pending)) => {
                export_records = recs;
                pending_exports = pending;
                status
            }
            // Stopped while waiting for another writer in `export/`.
            Err(Error::Stopped(signal)) => {
                stopped = Some(signal);
                say_stopping(&log, signal, LEFT);
                stopped_exports(signal)
            }
            // The PDFs are done: the run still ends with its full summary
            // (counts, outputs, this failure) rather than an error alone.
            Err(e @ Error::Locked(_)) => return Err(e),
            Err(e) => {
                let kept = if had_exports {
                    "exports not written (the previous ones are kept)"
                } else {
                    "exports not written (there are none yet)"
                };
                match e {
                    // Diagnostics (a cell too long for the workbook, at its
                    // place in a role file): one failure each, with its file.
                    Error::Invalid(diags) => failures.extend(diags.iter().map(|d| Failure {
                        role: None,
                        file: d.location(),
                        message: if d.help.is_empty() {
                            format!("{kept}: {}", d.message)
                        } else {
                            format!("{kept}: {}; {}", d.message, d.help.join("; "))
                        },
                    })),
                    e => {
                        let message = e.to_string();
                        let message = message.trim_start_matches("error: ").trim_end();
                        failures.push(Failure {
                            role: None,
                            file: None,
                            message: format!("{kept}: {message}"),
                        });
                    }
                }
                // A PDF replaced on disk since this run wrote it (another
                // writer in `pdf/`, the usual reason the bundle fails) is
                // not this run's output: the summary must not give its
                // hash for a file that holds other bytes.
                // Its role is a failure of the run, so that the counts
                // still add up to every role.
                // (One this run built is then no longer counted built.)
                records.retain(|id, rec| {
                    let same = fsutil::sha256_file(&opts.out_dir.join(&rec.path))
                        .is_ok_and(|sum| sum == rec.sha256);
                    if !same {
                        if rec.status == Status::Built {
                            built -= 1;
                        }
                        failures.push(Failure {
                            role: Some(id.clone()),
                            file: Some(rec.path.clone()),
                            message: "its PDF changed on disk after jdgen wrote it; the next \
                                      `jdgen build` renders it again"
                                .into(),
                        });
                    }
                    same
                });
                format!("failed: {kept_exports}")
            }
        }
    };
    if exports.starts_with("skipped") || exports.starts_with("failed") {
        log.line(&format!("exports {exports}"));
    }

    let mut outputs: Vec<OutputRecord> = records.into_values().collect();
    outputs.extend(export_records);
    outputs.sort_by(|a, b| a.path.cmp(&b.path));
    // The manifest describes a complete build; after a partial one the
    // previous manifest (matching the previous exports) stays. It is
    // staged before the exports are put in place and renamed after them,
    // so a failure writing it (a full disk, an output folder it cannot
    // write to) leaves the previous exports and manifest together.
    if opts.shard.is_none() && failures.is_empty() && stopped.is_none() {
        // How far publishing got when it failed: what the message says
        // is on disk.
        #[derive(Clone, Copy)]
        enum Stage {
            Staging,
            Exports,
            Manifest,
        }
        let mut stage = Stage::Staging;
        // No stop signal splits the set: the renames finish first.
        let publishing = crate::interrupt::uninterrupted(|| -> Result<OutputRecord> {
            let manifest = stage_manifest(&opts.out_dir, &lib.company, &roles, &outputs)?;
            // Listed in the summary like every other output (its own list,
            // `files`, cannot hold its own checksum).
            let mut record = OutputRecord::staged("manifest.json".to_string(), &manifest);
            let record_path = opts.out_dir.join(STATE_DIR).join(MANIFEST_STATE);
            let recorded = read_state::<ManifestRecord>(&record_path)
                .is_some_and(|r| r.sha256 == manifest.sha256);
            if !recorded {
                record.status = Status::Built;
            }
            if let Some(staged) = &manifest.staged {
                staged.check_destination()?;
            }
            if let Some(pending) = pending_exports {
                // Renamed one by one: a failure here can leave some new.
                stage = Stage::Exports;
                if let Some(w) = pending.commit()? {
                    log.line(&format!("warning: {w}"));
                    warnings.push(w);
                }
            }
            stage = Stage::Manifest;
            if let Some(staged) = manifest.staged {
                staged.commit()?;
                fsutil::sync_dir(&opts.out_dir);
            }
            if !recorded {
                let sha256 = manifest.sha256.clone();
                if let Some(w) = write_state_or_warn(
                    &record_path,
                    &ManifestRecord { sha256 },
                    "the manifest's record",
                ) {
                    log.line(&format!("warning: {w}"));
                    warnings.push(w);
                }
            }
            Ok(record)
        });
        // As for the exports: the PDFs are done, so the run still ends
        // with its full summary (a full disk at the manifest gave a bare
        // error line and a summary without counts or outputs).
        match publishing {
            Ok(record) => {
                let at = outputs.partition_point(|o| o.path < record.path);
                outputs.insert(at, record);
            }
            Err(e @ Error::Locked(_)) => return Err(e),
            Err(e) => {
                let message = e.to_string();
                let message = message.trim_start_matches("error: ").trim_end().to_string();
                let kept = match stage {
                    Stage::Staging => "the previous exports and manifest are kept",
                    Stage::Exports => {
                        "some exports may be new, the previous manifest is kept: the next run completes them"
                    }
                    Stage::Manifest => "the exports are new, the previous manifest is kept",
                };
                failures.push(Failure {
                    role: None,
                    file: None,
                    message: format!("manifest not written ({kept}): {message}"),
                });
                match stage {
                    Stage::Staging => {
                        outputs.retain(|o| o.path.starts_with("pdf/"));
                        exports = format!("failed: {kept_exports}");
                    }
                    Stage::Exports => {
                        outputs.retain(|o| o.path.starts_with("pdf/"));
                        exports = "failed: partly written, the next run completes them".to_string();
                    }
                    Stage::Manifest => {}
                }
            }
        }
    }
    durations.insert("export".into(), t_export.elapsed().as_millis());
    // A signal while the exports were renamed into place: they finished,
    // and the run stops here (no stale PDF is removed).
    if stopped.is_none()
        && let Some(signal) = crate::interrupt::requested()
    {
        stopped = Some(signal);
        say_stopping(
            &log,
            signal,
            "the exports being put in place were completed; stale PDFs are left for the next run",
        );
    }

    // Outputs of roles that no longer exist anywhere in the role folder:
    // removed last, and only after a run without a failure. Not while a
    // family file fails to load: a file that does not parse cannot say
    // which roles it holds, and a typo must never delete the PDFs HR
    // relies on. Not after any other failure either: the previous exports
    // and manifest, kept then, still name those PDFs (a role that failed
    // to render, or exports that could not be written, left a manifest and
    // a roles.csv pointing at deleted files).
    let warned = warnings.len();
    // A shard's own folder (no manifest: nothing published there names
    // its PDFs) loses the gone roles of its slice, or merging the shards
    // would bring them back every night.
    let has_manifest = fs::symlink_metadata(opts.out_dir.join("manifest.json")).is_ok();
    let removed = if opts.shard.is_some() && has_manifest {
        // The manifest and exports, which list every PDF, are the
        // unsharded run's: removing here would leave them naming a PDF
        // that is gone until then.
        log.line(
            "removal of stale PDFs skipped: sharded run into a folder with a manifest (the unsharded run removes them)",
        );
        Vec::new()
    } else if stopped.is_some() {
        // As after a failure: the exports kept may name them.
        Vec::new()
    } else if !failures.is_empty() || !lib.failed.is_empty() {
        // Named, so that whoever reads the log knows which PDFs are of
        // roles that are gone, and that the next good run removes them.
        // Said only when some PDF is kept: with none, the line is noise.
        let kept = stale_pdfs(&pdf_dir, &state_dir, &all_ids, opts.shard);
        if !kept.is_empty() {
            let mut list = kept
                .iter()
                .take(10)
                .map(|n| format!("pdf/{n}"))
                .collect::<Vec<_>>()
                .join(", ");
            if kept.len() > 10 {
                list.push_str(&format!(" and {} more", kept.len() - 10));
            }
            // A file that did not load may hold roles whose PDFs look stale.
            let why = if lib.failed.is_empty() {
                "the run failed, and what it kept may name them"
            } else {
                "some role files failed to load, and may hold their roles"
            };
            log.line(&format!(
                "removal of stale PDFs skipped: {why} (kept until a run without failures: {list})"
            ));
        }
        Vec::new()
    } else {
        remove_stale(&pdf_dir, &state_dir, &all_ids, opts.shard, &mut warnings)?
    };
    for r in &removed {
        log.line(&format!("removed {r} (its role no longer exists)"));
    }
    for w in &warnings[warned..] {
        log.line(&format!("warning: {w}"));
    }

    sort_failures(&mut failures);
    let counts = Counts {
        // Roles that loaded plus roles of files that did not (a role that
        // loaded and then failed to render is counted once).
        roles: role_total(&roles, &failures),
        built,
        skipped: outputs
            .iter()
            .filter(|o| o.status == Status::Unchanged && o.path.starts_with("pdf/"))
            .count(),
        removed: removed.len(),
        failed: failures.len(),
        rendered: rendered.into_inner(),
        not_rendered,
    };
    let exit_code = match stopped {
        Some(signal) => crate::interrupt::exit_code(signal),
        None if failures.is_empty() => exit::OK,
        None => exit::FAILED,
    };
    durations.insert("total".into(), t0.elapsed().as_millis());
    let summary = Summary {
        ok: failures.is_empty() && stopped.is_none(),
        exit_code,
        jdgen_version: env!("CARGO_PKG_VERSION").into(),
        out_dir: opts.out_dir.display().to_string(),
        shard: opts.shard,
        started_at: utc_timestamp(started),
        // The whole run, a `--wait` for the lock included (the phases in
        // `durations_ms` are the work alone).
        duration_ms: t_start.elapsed().as_millis(),
        counts,
        exports,
        failures,
        removed,
        outputs,
        durations_ms: durations,
        warnings,
        stopped: stopped.map(crate::interrupt::name),
    };
    // `failed` counts failures; say which are roles, so that "3 failed"
    // after three files changed mid-run does not read as three roles. A
    // role id declared in two files has a failure for each: one role.
    let (failed_roles, other) = tally(&summary.failures);
    let again = match summary.counts.rendered - summary.counts.built {
        0 => String::new(),
        n => format!(" ({n} rendered again to the same bytes)"),
    };
    let (done, left) = match &summary.stopped {
        Some(signal) => (
            format!("stopped by {signal} after"),
            format!(", {not_rendered} not rendered"),
        ),
        None => ("done in".to_string(), String::new()),
    };
    log.line(&format!(
        "{done} {:.1}s: {} built, {} unchanged{again}{left}, {} removed, {failed_roles} failed{}; exports {}",
        summary.duration_ms as f64 / 1000.0,
        summary.counts.built,
        summary.counts.skipped,
        summary.counts.removed,
        others(other),
        summary.exports
    ));
    // Roles failing for one reason (every role of a file that does not
    // load) share one line, not one copy of the file's errors each; so do
    // the roles a template fails alike, also when its message names each
    // (`diag::ByRole`). The failures are sorted by role, so those of
    // several files interleave.
    let mut by_role = crate::diag::ByRole::default();
    for (i, f) in summary.failures.iter().enumerate() {
        let role = f.role.as_deref();
        let message = role
            .and_then(|r| f.message.strip_prefix(&format!("role `{r}`: ")))
            .unwrap_or(&f.message);
        by_role.add(i, format!("{:?}", f.file), role, message);
    }
    let lines = by_role.into_groups();
    // Cron mail stays readable when every role fails its own way: the
    // summary has every failure.
    let shown = lines.len().min(MAX_FAILURE_LINES);
    for line in &lines[..shown] {
        let names = named(&line.roles);
        // What failed: roles (with their file), a role file, or the exports.
        let first = &summary.failures[line.first];
        let what = match (names.is_empty(), &first.file) {
            (false, Some(file)) => format!("{names} ({file})"),
            (false, None) => names,
            (true, Some(file)) => file.clone(),
            (true, None) => "exports".to_string(),
        };
        let message = &line.message;
        log.error(&format!("failed: {what}: {message}"));
    }
    if lines.len() > shown {
        let hidden: usize = lines[shown..].iter().map(|l| l.count).sum();
        log.error(&format!(
            "failed: {hidden} more failures not shown here: the run summary (--summary-json, --format json) lists every one",
        ));
    }
    Ok(summary)
}

fn failure(role: Option<&str>, d: &Diagnostic) -> Failure {
    Failure {
        role: role.map(str::to_string),
        file: d.location(),
        message: d.message.clone(),
    }
}

/// SHA-256 over length-prefixed parts plus the jdgen version.
fn content_key(parts: &[&[u8]]) -> String {
    let mut h = Sha256::new();
    h.update(env!("CARGO_PKG_VERSION").as_bytes());
    for p in parts {
        h.update((p.len() as u64).to_le_bytes());
        h.update(p);
    }
    hex(&h.finalize())
}

/// The most a state file may hold: records of a few hundred bytes a file.
const STATE_CAP: u64 = 64 << 20;

fn read_state<T: for<'de> Deserialize<'de>>(path: &Path) -> Option<T> {
    serde_json::from_slice(&fsutil::read_own_file(path, STATE_CAP)?).ok()
}

fn write_state<T: Serialize>(path: &Path, state: &T) -> Result<()> {
    let bytes = serde_json::to_vec_pretty(state).expect("json");
    // Lost or unreadable state only costs a re-render, so no syncs.
    fsutil::write_if_changed(path, &bytes, Durability::Cache).map(|_| ())
}

/// [`write_state`] for the state of an output already in place: a failure
/// (a full disk) is a warning, not a failed output. Without its state the
/// next run renders or makes the output again, to the same bytes. An old
/// state file stays: it names other bytes or another key, which every run
/// checks before trusting it. (As an error it
/// failed a role whose new PDF was in place, and stopped the manifest
/// after the exports were renamed.) The warning says `what` (`senior-x:
/// the PDF's record`) and the error without the path, so that a full disk's
/// warnings group into one line for many roles.
fn write_state_or_warn<T: Serialize>(path: &Path, state: &T, what: &str) -> Option<String> {
    let e = write_state(path, state).err()?;
    let why = match &e {
        Error::Io { source, .. } => source.to_string(),
        e => e
            .to_string()
            .trim_start_matches("error: ")
            .trim_end()
            .to_string(),
    };
    Some(format!(
        "{what} could not be written to .jdgen/ (the next run makes it again): {why}"
    ))
}

/// Which recorded key a PDF's state must match.
enum Want<'a> {
    /// The content key: made from the role's template data.
    Content(&'a str),
    /// The input key: same binary, same input files and options.
    Input(&'a str),
}

/// The recorded state of `role`'s PDF (`recorded`, read once per role) if
/// it matches `want` and the file on disk is still the one recorded
/// (`OutputState::verify`). `input`, when given, is recorded for the next
/// run (best effort).
fn current_output(
    pdf_dir: &Path,
    state_dir: &Path,
    role: &ResolvedRole,
    recorded: Option<&OutputState>,
    want: Want,
    input: Option<&str>,
    opts: &BuildOptions,
) -> Option<OutputState> {
    if opts.force {
        return None;
    }
    let pdf = pdf_dir.join(format!("{}.pdf", role.id));
    let state_path = state_dir.join(format!("{}.json", role.id));
    let mut st = recorded
        .filter(|st| match want {
            Want::Content(key) => st.key == key,
            Want::Input(input) => st.input.as_deref() == Some(input),
        })?
        .clone();
    let recorded = (st.modified, st.input.clone());
    if !st.verify(&pdf, opts.verify) {
        return None;
    }
    if let Some(input) = input {
        st.input = Some(input.to_string());
    }
    if (st.modified, st.input.clone()) != recorded {
        // Best effort: only saves the next run some work.
        let _ = write_state(&state_path, &st);
    }
    Some(st)
}

/// Input keys: per role, a key over everything its template data is made
/// from, for runs of the same jdgen binary: the binary (its size and
/// time), the renderer's fingerprint, the logo, the company settings, the
/// document options, the role's family file (name and bytes), its id and
/// data version. Cheap (no Markdown, no JSON), so a run that changed
/// nothing need not make every role's data to find its content key. A new
/// binary or any edit falls back to the content key, which is what decides
/// whether a PDF is rendered. The parts shared by a run and by a family are
/// hashed once, not per role.
struct InputKeys {
    per_family: BTreeMap<PathBuf, String>,
}

impl InputKeys {
    /// `None` when this binary cannot be identified (no input keys then).
    fn new(
        lib: &load::Library,
        fingerprint: &str,
        logo: &str,
        doc: &DocumentOptions,
    ) -> Option<InputKeys> {
        let exe = binary_identity()?;
        // The company settings as template_data reads them (the logo's
        // virtual path follows from `logo_name`; its bytes are in `logo`).
        let company = serde_json::to_string(&lib.company).expect("company serialises");
        let run = content_key(&[
            b"input-key-2",
            exe.as_bytes(),
            fingerprint.as_bytes(),
            logo.as_bytes(),
            company.as_bytes(),
            doc.date.as_bytes(),
            &[u8::from(doc.dated)],
            doc.paper.as_bytes(),
            &[u8::from(doc.signature)],
        ]);
        let per_family = lib
            .families
            .iter()
            .map(|f| {
                let name = f.file.file_name().map(|n| n.as_encoded_bytes());
                let key = content_key(&[
                    run.as_bytes(),
                    name.unwrap_or_default(),
                    f.source.as_bytes(),
                ]);
                (f.file.clone(), key)
            })
            .collect();
        Some(InputKeys { per_family })
    }

    fn for_role(&self, role: &ResolvedRole) -> Option<String> {
        let family = self.per_family.get(&role.family_data.file)?;
        Some(content_key(&[
            family.as_bytes(),
            role.id.as_bytes(),
            // Made from company.yaml's raw text when not set there, so an
            // edit of a comment changes it while the settings stay the same.
            role.data_version.as_bytes(),
        ]))
    }
}

/// This binary's size and modification time, or `None` when they cannot
/// be read (then no input keys are used).
fn binary_identity() -> Option<String> {
    let meta = fs::metadata(std::env::current_exe().ok()?).ok()?;
    let modified = ns_since_epoch(meta.modified().ok()?)?;
    Some(format!("{}:{modified}", meta.len()))
}

fn render_one(
    renderer: &Renderer,
    company: &load::Company,
    role: &ResolvedRole,
    // The role's serialised template data, its content key and input key,
    // and the SHA-256 its PDF's record names: the bytes the last run that
    // finished this role wrote (a run killed after renaming the PDF,
    // before its record, left new bytes on disk that no summary reported).
    (json, key, input, recorded): (Vec<u8>, &str, Option<String>, Option<String>),
    doc: &DocumentOptions,
    pdf_dir: &Path,
    state_dir: &Path,
) -> std::result::Result<(OutputRecord, Vec<String>), Failure> {
    let rendered = renderer
        .render_json(company, role, doc, json)
        .map_err(|diags| Failure {
            role: Some(role.id.clone()),
            file: diags
                .first()
                .and_then(Diagnostic::location)
                .or_else(|| Some(role.source.display().to_string())),
            message: diags
                .iter()
                .map(|d| d.message.clone())
                .collect::<Vec<_>>()
                .join("; "),
        })?;
    // (Without the `error: ` of a message printed alone: the summary's
    // line says `failed:` already.)
    let io_fail = |e: Error| Failure {
        role: Some(role.id.clone()),
        file: None,
        message: e
            .to_string()
            .trim_start_matches("error: ")
            .trim_end()
            .to_string(),
    };
    let path = pdf_dir.join(format!("{}.pdf", role.id));
    let state_path = state_dir.join(format!("{}.json", role.id));
    // The folder is synced once after all renders (`run`).
    let written =
        fsutil::write_if_changed(&path, &rendered.pdf, Durability::FolderLater).map_err(io_fail)?;
    let mut st = OutputState::new(key.to_string(), &rendered.pdf, written.modified);
    let new_to_summaries = written.changed || recorded.as_deref() != Some(st.sha256.as_str());
    st.input = input;
    // `senior-social: roles/social.yaml:12:7: 2 characters have no
    // glyph…`: the role, then where the text is, as `pdf` and `check` name
    // it (the renderer's own `role `x`: ` would say the role twice).
    let own = format!("role `{}`: ", role.id);
    st.warnings = rendered
        .warnings
        .iter()
        .map(|w| {
            let at = w.location().map(|l| format!("{l}: ")).unwrap_or_default();
            format!(
                "{}: {at}{}",
                role.id,
                w.message.strip_prefix(&own).unwrap_or(&w.message)
            )
        })
        .collect();
    st.missing_glyphs = rendered.missing_glyphs.map(|d| GlyphRecord {
        file: d.location(),
        message: d.message,
    });
    // The state is written after the PDF: a kill in between leaves a PDF
    // without a matching key, which the next run simply renders again.
    let mut warnings = st.warnings.clone();
    warnings.extend(write_state_or_warn(
        &state_path,
        &st,
        &format!("{}: the PDF's record", role.id),
    ));
    Ok((
        OutputRecord {
            path: format!("pdf/{}.pdf", role.id),
            sha256: st.sha256,
            bytes: st.bytes,
            // Rendered again to the bytes it had: not rewritten, and not
            // reported as new (a --force or a template comment made every
            // PDF "built", for anything that republishes what is built),
            // unless no record says a run wrote those bytes.
            status: if new_to_summaries {
                Status::Built
            } else {
                Status::Unchanged
            },
        },
        warnings,
    ))
}

/// Removes the temporary files a killed run left behind in the output
/// folders, never one a concurrent writer still owns (`fsutil::sweep_temp_files`).
fn sweep_temp_files(out_dir: &Path) {
    for dir in [
        out_dir.to_path_buf(),
        out_dir.join("pdf"),
        out_dir.join("export"),
        out_dir.join(STATE_DIR).join("pdf"),
        out_dir.join(STATE_DIR),
    ] {
        fsutil::sweep_temp_files(&dir, None);
    }
}

/// The names in `pdf/` of roles that no longer exist (in this run's slice),
/// sorted: what [`remove_stale`] looks at.
fn gone_role_pdfs(pdf_dir: &Path, keep: &BTreeSet<String>, shard: Option<Shard>) -> Vec<String> {
    // In a sharded run, only names of its own slice are its business.
    let mine = |id: &str| shard.is_none_or(|s| s.contains(id));
    let Ok(entries) = fs::read_dir(pdf_dir) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| {
            name.strip_suffix(".pdf")
                .is_some_and(|id| !keep.contains(id) && !name.starts_with('.') && mine(id))
        })
        .collect();
    names.sort();
    names
}

/// The PDFs a run without failures would remove as stale: of gone roles,
/// with a record of jdgen writing them.
fn stale_pdfs(
    pdf_dir: &Path,
    state_dir: &Path,
    keep: &BTreeSet<String>,
    shard: Option<Shard>,
) -> Vec<String> {
    gone_role_pdfs(pdf_dir, keep, shard)
        .into_iter()
        .filter(|name| {
            let id = &name[..name.len() - ".pdf".len()];
            fs::symlink_metadata(state_dir.join(format!("{id}.json"))).is_ok_and(|m| m.is_file())
        })
        .collect()
}

/// Deletes PDFs (and their state) of roles not in `keep`: only those a
/// run recorded writing (a state file in `.jdgen/pdf/` with the file's
/// size and SHA-256). A PDF someone put in the folder (a signed offer, a
/// folder shared with other tools) is not jdgen's to delete.
fn remove_stale(
    pdf_dir: &Path,
    state_dir: &Path,
    keep: &BTreeSet<String>,
    shard: Option<Shard>,
    warnings: &mut Vec<String>,
) -> Result<Vec<String>> {
    let mine = |id: &str| shard.is_none_or(|s| s.contains(id));
    let mut removed = Vec::new();
    for name in gone_role_pdfs(pdf_dir, keep, shard) {
        let id = &name[..name.len() - ".pdf".len()];
        let path = pdf_dir.join(&name);
        let state = state_dir.join(format!("{id}.json"));
        if !fs::symlink_metadata(&state).is_ok_and(|m| m.is_file()) {
            warnings.push(format!(
                "pdf/{name} is no role's, and no jdgen run recorded writing it: left as it is (delete it by hand if it is an old job description)"
            ));
            continue;
        }
        // Only files: a folder named `x.pdf` was not made by jdgen, and one
        // stale entry that cannot go must not fail a finished run.
        if !fs::symlink_metadata(&path).is_ok_and(|m| m.is_file() || m.is_symlink()) {
            warnings.push(format!("pdf/{name} is not a file: left as it is"));
            continue;
        }
        // Only the very PDF recorded: a file put at a gone role's name
        // after jdgen's was deleted by hand (a signed offer) is not jdgen's.
        let recorded = read_state::<OutputState>(&state).map(|mut st| st.verify(&path, true));
        let why_not = match recorded {
            Some(true) => None,
            Some(false) => Some("is not the PDF a jdgen run recorded writing there"),
            None => Some(
                "has a record in .jdgen/pdf/ that cannot be read, so jdgen cannot tell it wrote it",
            ),
        };
        if let Some(why) = why_not {
            warnings.push(format!(
                "pdf/{name} is no role's, and {why}: left as it is (delete it by hand if it is an old job description)"
            ));
            // Its record is of another file, or of none: forget it.
            let _ = fs::remove_file(&state);
            continue;
        }
        if let Err(e) = fs::remove_file(&path) {
            warnings.push(format!("cannot remove the stale pdf/{name}: {e}"));
            continue;
        }
        let _ = fs::remove_file(&state);
        removed.push(format!("pdf/{name}"));
    }
    // Records of gone roles whose PDF is gone too (deleted by hand, or a
    // kill between the two removals above): forgotten, so that a file put
    // at that name later is never taken for jdgen's.
    if let Ok(entries) = fs::read_dir(state_dir) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let Some(id) = name.strip_suffix(".json") else {
                continue;
            };
            if keep.contains(id) || name.starts_with('.') || !mine(id) {
                continue;
            }
            if fs::symlink_metadata(pdf_dir.join(format!("{id}.pdf"))).is_err() {
                let _ = fs::remove_file(e.path());
            }
        }
    }
    Ok(removed)
}

fn build_exports(
    company: &load::Company,
    roles: &[ResolvedRole],
    role_keys: &[(&str, &str)],
    pdf_sums: &BTreeMap<String, String>,
    doc: &DocumentOptions,
    opts: &BuildOptions,
    log: &Log,
) -> Result<(String, Vec<OutputRecord>, Option<PendingExports>)> {
    let export_dir = opts.out_dir.join("export");
    let state_path = opts.out_dir.join(STATE_DIR).join(EXPORT_STATE);
    // The export timestamp (SOURCE_DATE_EPOCH) is inside the ZIP and XLSX.
    let mut key_parts: Vec<Vec<u8>> = vec![
        format!("{:?}", opts.formats).into_bytes(),
        export::export_timestamp()?.to_string().into_bytes(),
    ];
    for (id, key) in role_keys {
        key_parts.push(format!("{id}={key}").into_bytes());
    }
    // The role keys cover roles.json and the PDFs; the tables also show
    // things no PDF does (the source file name), so their cells are
    // hashed too. Made once: the CSVs and workbook below are written from
    // them, and they are dropped before the bundle is made.
    let cells = if export::needs_tables(&opts.formats) {
        let cells = export::tables::build_tables(company, roles);
        key_parts.push(export::tables::digest(&cells));
        cells
    } else {
        Vec::new()
    };
    let parts: Vec<&[u8]> = key_parts.iter().map(Vec::as_slice).collect();
    let key = content_key(&parts);
    // The build's own lock keeps other builds out; this one makes a `jdgen
    // export` into `export/` wait while this run checks and writes there.
    let _lock = fsutil::lock_dir(&export_dir, || {
        log.line(&format!(
            "waiting: another jdgen run is writing exports to {}",
            export_dir.display()
        ))
    })?;
    let mut previous: Option<ExportState> = read_state(&state_path);
    if let Some(prev) = &mut previous
        && !opts.force
        && prev.key == key
        && !prev.files.is_empty()
        && prev
            .files
            .iter_mut()
            // By name only if it is an export's: the state file must not
            // be able to put another path in the manifest.
            .all(|(p, st)| export::is_export_file(p) && st.verify(&export_dir.join(p), opts.verify))
    {
        // Records a refreshed file time, if any (rewritten only if changed;
        // best effort: it only saves the next run a read).
        let _ = write_state(&state_path, &*prev);
        let recs = prev
            .files
            .iter()
            .map(|(p, st)| OutputRecord {
                path: format!("export/{p}"),
                sha256: st.sha256.clone(),
                bytes: st.bytes,
                status: Status::Unchanged,
            })
            .collect();
        return Ok(("unchanged".into(), recs, None));
    }
    // The bundle carries the PDFs: they are read back from disk one at a
    // time while zipping, never all held in memory.
    let pdf_dir = opts.out_dir.join("pdf");
    let input = ExportInput {
        company,
        roles,
        doc,
        pdfs: export::Pdfs::Folder {
            dir: &pdf_dir,
            expected: Some(pdf_sums),
        },
    };
    let timestamp = export::export_timestamp()?;
    let pending = match export::stage_exports(
        &export_dir,
        &input,
        &opts.formats,
        cells,
        timestamp,
        opts.jobs,
    ) {
        Ok(p) => p,
        Err(e) => {
            // A PDF whose bytes are not the ones recorded (edited in place
            // at the same size and time, so the quick check passed) must
            // not fail every later run too: its state is dropped and the
            // next run renders it again.
            let changed = forget_changed_pdfs(&pdf_dir, pdf_sums, &opts.out_dir);
            if changed.is_empty() {
                return Err(e);
            }
            // (The bundle's own error says the same, as a file that
            // changed while it was read: not repeated.)
            // Each such PDF is its role's failure too (in `run`), named
            // there; this says what it means for the exports.
            return Err(crate::diag::Diagnostic::error(format!(
                "{} PDF{} in {} changed on disk after jdgen wrote {} (an edit, or another \
                 program); `jdgen build --verify` checks every output's SHA-256 before reusing it",
                changed.len(),
                if changed.len() == 1 { "" } else { "s" },
                pdf_dir.display(),
                if changed.len() == 1 { "it" } else { "them" },
            ))
            .into());
        }
    };
    for staged in pending.iter().filter_map(|(_, p)| p.staged.as_ref()) {
        staged.check_destination()?;
    }
    // Bytes no run recorded as written are new to whoever reads the
    // summaries, though already on disk: a run killed after renaming the
    // exports, before recording them, left them for this one to report.
    let recorded = |name: &str, sha: &str| {
        previous
            .as_ref()
            .and_then(|prev| prev.files.get(name))
            .is_some_and(|st| st.sha256 == sha)
    };
    let recs: Vec<OutputRecord> = pending
        .iter()
        .map(|(name, p)| {
            let mut rec = OutputRecord::staged(format!("export/{name}"), p);
            if !recorded(name, &p.sha256) {
                rec.status = Status::Built;
            }
            rec
        })
        .collect();
    // Made again (`--force`, or an input that changes no export) but every
    // file came out the same: nothing was rewritten, so say so.
    let status = if recs.iter().all(|r| r.status == Status::Unchanged) {
        "unchanged"
    } else {
        "built"
    };
    let commit = PendingExports {
        export_dir,
        pending,
        state_path,
        key,
        previous,
        _lock,
    };
    Ok((status.into(), recs, Some(commit)))
}

/// Exports made and staged, not yet in place: the caller stages the
/// manifest that describes them first, so that a failure there (a full
/// disk, an output folder it cannot write) replaces neither.
struct PendingExports {
    export_dir: PathBuf,
    pending: Vec<(String, fsutil::Prepared)>,
    state_path: PathBuf,
    key: String,
    previous: Option<ExportState>,
    /// Held until the exports are in place (see `fsutil::lock_dir`).
    _lock: fsutil::DirLock,
}

impl PendingExports {
    /// Renames the staged exports into place, removes the ones this run no
    /// longer writes, and records their state: a warning when that record
    /// cannot be written (see [`write_state_or_warn`]).
    fn commit(self) -> Result<Option<String>> {
        let mut state = ExportState {
            key: self.key,
            files: BTreeMap::new(),
        };
        for (name, p) in self.pending {
            // No rename can be made to fail from outside at this point
            // (the destinations were checked): the test of a set left half
            // renamed fails one here.
            #[cfg(test)]
            if p.staged.is_some() && tests::fail_this_rename() {
                return Err(Error::io(
                    &self.export_dir.join(&name),
                    std::io::Error::other("injected by the test"),
                ));
            }
            let modified = match p.staged {
                // The time of the file this run wrote, read before its rename.
                Some(staged) => staged.commit()?.and_then(ns_since_epoch),
                None => modified_ns(&self.export_dir.join(&name)),
            };
            let st = OutputState {
                key: String::new(),
                sha256: p.sha256,
                bytes: p.bytes,
                modified,
                input: None,
                warnings: Vec::new(),
                missing_glyphs: None,
            };
            state.files.insert(name, st);
        }
        fsutil::sync_dir(&self.export_dir);
        // Exports the previous run wrote that this one no longer does: by
        // name only if it is an export's (the state file is a file in a
        // shared folder, and must not be able to name any other path).
        if let Some(prev) = self.previous {
            for p in prev.files.keys() {
                if !state.files.contains_key(p) && export::is_export_file(p) {
                    let _ = fs::remove_file(self.export_dir.join(p));
                }
            }
        }
        Ok(write_state_or_warn(
            &self.state_path,
            &state,
            "the exports' record",
        ))
    }
}

/// The PDFs in `dir` whose SHA-256 is not the one recorded in `sums`; the
/// state of each is removed so that the next run renders it again.
fn forget_changed_pdfs(dir: &Path, sums: &BTreeMap<String, String>, out_dir: &Path) -> Vec<String> {
    let state_dir = out_dir.join(STATE_DIR).join("pdf");
    let mut changed = Vec::new();
    for (id, want) in sums {
        // (Not through a FIFO put in its place, which would hang the run.)
        let differs =
            fsutil::sha256_file(&dir.join(format!("{id}.pdf"))).map_or(true, |sum| sum != *want);
        if differs {
            let _ = fs::remove_file(state_dir.join(format!("{id}.json")));
            changed.push(format!("pdf/{id}.pdf"));
        }
    }
    changed
}

/// `out/manifest.json`, staged (see [`fsutil::stage`]): what the folder
/// holds, with checksums. No times or durations, so a run that changed
/// nothing leaves it byte-identical.
fn stage_manifest(
    out_dir: &Path,
    company: &load::Company,
    roles: &[ResolvedRole],
    outputs: &[OutputRecord],
) -> Result<fsutil::Prepared> {
    let manifest = serde_json::json!({
        "jdgen_version": env!("CARGO_PKG_VERSION"),
        "company": company.name,
        "data_versions": roles.iter().map(|r| r.data_version.as_str()).collect::<BTreeSet<_>>(),
        "role_count": roles.len(),
        "roles": roles.iter().map(|r| serde_json::json!({
            "id": r.id,
            "title": r.title,
            "family": r.family.id,
            "grade": r.grade,
            "data_version": r.data_version,
            "pdf": format!("pdf/{}.pdf", r.id),
        })).collect::<Vec<_>>(),
        "files": outputs.iter().map(|o| serde_json::json!({
            "path": o.path,
            "bytes": o.bytes,
            "sha256": o.sha256,
        })).collect::<Vec<_>>(),
    });
    let mut bytes = serde_json::to_vec_pretty(&manifest).expect("json");
    bytes.push(b'\n');
    fsutil::stage(&out_dir.join("manifest.json"), &bytes)
}

/// Whether stderr is a terminal a progress bar can be drawn on (not
/// `TERM=dumb`, where the bar, and the lines printed through it, vanish).
pub fn stderr_is_terminal() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("TERM").is_none_or(|t| t != "dumb")
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    thread_local! {
        /// How many export renames succeed before one fails (`None`: none fails).
        static RENAMES_BEFORE_FAILURE: Cell<Option<usize>> = const { Cell::new(None) };
    }

    /// A step run on the output folder.
    type OutHook = Box<dyn Fn(&std::path::Path)>;

    thread_local! {
        /// Run on the output folder after the renders, before the exports.
        static BEFORE_EXPORTS: std::cell::RefCell<Option<OutHook>> =
            const { std::cell::RefCell::new(None) };
    }

    pub(super) fn before_exports(out: &std::path::Path) {
        BEFORE_EXPORTS.with(|f| {
            if let Some(f) = &*f.borrow() {
                f(out)
            }
        });
    }

    /// The minimal fixture's roles, an empty output folder, a renderer and
    /// the options of a quiet one-thread build into it.
    fn minimal_run() -> (tempfile::TempDir, tempfile::TempDir, Renderer, BuildOptions) {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let roles = tempfile::tempdir().unwrap();
        for name in ["company.yaml", "engineering.yaml"] {
            fs::copy(
                root.join("tests/fixtures/minimal").join(name),
                roles.path().join(name),
            )
            .unwrap();
        }
        let out = tempfile::tempdir().unwrap();
        let renderer = Renderer::new(&crate::render::RenderOptions::default()).unwrap();
        let opts = BuildOptions {
            out_dir: out.path().to_path_buf(),
            jobs: 1,
            force: false,
            verify: false,
            shard: None,
            wait: false,
            quiet: true,
            progress_bar: false,
            paper: "a4".into(),
            signature: false,
            formats: crate::export::Formats::all(),
            warnings: Vec::new(),
        };
        (roles, out, renderer, opts)
    }

    #[test]
    fn a_pdf_replaced_while_the_bundle_is_made_is_counted_once() {
        // A PDF this run built, changed by another writer before the bundle
        // read it, was counted built and failed both (14 built, 1 failed,
        // of 14 roles).
        let (roles, _out, renderer, opts) = minimal_run();
        BEFORE_EXPORTS.with(|f| {
            *f.borrow_mut() = Some(Box::new(|out: &std::path::Path| {
                let pdf = out.join("pdf/junior-engineer.pdf");
                let mut bytes = fs::read(&pdf).unwrap();
                let mid = bytes.len() / 2;
                bytes[mid] ^= 0x20;
                fs::write(&pdf, bytes).unwrap();
            }))
        });
        let s = run(roles.path(), &renderer, &opts).unwrap();
        BEFORE_EXPORTS.with(|f| *f.borrow_mut() = None);
        assert!(!s.ok);
        let failed_roles = s.failures.iter().filter(|f| f.role.is_some()).count();
        assert_eq!(failed_roles, 1, "{:?}", s.failures);
        assert_eq!(
            s.counts.built + s.counts.skipped + failed_roles,
            s.counts.roles,
            "{:?}",
            s.counts
        );
        assert!(
            !s.outputs
                .iter()
                .any(|o| o.path == "pdf/junior-engineer.pdf")
        );
        // The next run renders it again and completes.
        let next = run(roles.path(), &renderer, &opts).unwrap();
        assert!(next.ok, "{:?}", next.failures);
    }

    /// Whether the export rename about to happen is to fail (see
    /// [`RENAMES_BEFORE_FAILURE`]).
    pub(super) fn fail_this_rename() -> bool {
        RENAMES_BEFORE_FAILURE.with(|n| match n.get() {
            Some(0) => true,
            Some(k) => {
                n.set(Some(k - 1));
                false
            }
            None => false,
        })
    }

    #[test]
    fn an_export_set_left_half_renamed_is_said_and_completed_by_the_next_run() {
        let (roles, out, renderer, opts) = minimal_run();
        let first = run(roles.path(), &renderer, &opts).unwrap();
        assert!(first.ok, "{:?}", first.failures);
        let read = |rel: &str| fs::read(out.path().join(rel)).unwrap();
        let manifest = read("manifest.json");
        let mut names: Vec<String> = fs::read_dir(out.path().join("export"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        let before: Vec<Vec<u8>> = names.iter().map(|n| read(&format!("export/{n}"))).collect();

        // A text every export holds changes; the second rename fails.
        let family = roles.path().join("engineering.yaml");
        let yaml = fs::read_to_string(&family).unwrap();
        assert!(yaml.contains("Write code"));
        fs::write(&family, yaml.replace("Write code", "Write clear code")).unwrap();
        RENAMES_BEFORE_FAILURE.with(|n| n.set(Some(1)));
        let broken = run(roles.path(), &renderer, &opts).unwrap();
        RENAMES_BEFORE_FAILURE.with(|n| n.set(None));
        assert!(!broken.ok);
        assert_eq!(broken.exit_code, 1);
        assert_eq!(
            broken.exports,
            "failed: partly written, the next run completes them"
        );
        assert!(
            broken.failures.iter().any(|f| f.message.starts_with(
                "manifest not written (some exports may be new, the previous manifest is kept"
            ) && f.message.contains("injected by the test")),
            "{:?}",
            broken.failures
        );
        // No export is listed as written, the previous manifest stays,
        // and the set is split: the first export is new, the rest old.
        assert!(broken.outputs.iter().all(|o| o.path.starts_with("pdf/")));
        assert_eq!(read("manifest.json"), manifest);
        let renamed: Vec<&String> = names
            .iter()
            .zip(&before)
            .filter(|(n, old)| read(&format!("export/{n}")) != **old)
            .map(|(n, _)| n)
            .collect();
        assert_eq!(renamed.len(), 1, "renamed: {renamed:?} of {names:?}");
        // No temporary file left beside them.
        let mut left: Vec<String> = fs::read_dir(out.path().join("export"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, names);

        // The next run completes the set and writes its manifest.
        let next = run(roles.path(), &renderer, &opts).unwrap();
        assert!(next.ok, "{:?}", next.failures);
        assert_eq!(next.exports, "built");
        let manifest: serde_json::Value = serde_json::from_slice(&read("manifest.json")).unwrap();
        let listed = manifest.to_string();
        for (n, old) in names.iter().zip(&before) {
            let now = read(&format!("export/{n}"));
            assert!(now != *old, "{n} is still the first run's");
            assert!(
                listed.contains(&fsutil::sha256_hex(&now)),
                "the manifest does not list {n}'s bytes"
            );
        }
    }

    use super::*;

    #[test]
    fn a_lock_files_holder_of_this_host_that_is_gone_is_not_named() {
        let host = fsutil::host_name();
        let me = format!(
            "pid {} on {host}, since 2026-12-02T00:00:00Z",
            std::process::id()
        );
        assert!(holder_may_be_alive(&me));
        // No process has the largest pid (beyond pid_max).
        let gone = format!("pid {} on {host}, since 2026-12-02T00:00:00Z", i32::MAX);
        assert!(!holder_may_be_alive(&gone));
        // Another host's, or a line of another form: cannot be checked.
        assert!(holder_may_be_alive(&format!(
            "pid {} on elsewhere-1, since x",
            i32::MAX
        )));
        assert!(holder_may_be_alive("written by hand"));
    }

    #[test]
    fn an_indexed_jobs_environment_gives_its_shard() {
        let env = |i: Option<&str>, n: Option<&str>| {
            Shard::from_env(i.map(String::from), n.map(String::from))
        };
        assert_eq!(env(None, None).unwrap(), (None, None));
        // 0-based index, 1-based shard.
        assert_eq!(
            env(Some("0"), Some("4")).unwrap().0,
            Some(Shard::parse("1/4").unwrap())
        );
        assert_eq!(
            env(Some(" 3 "), Some("4")).unwrap().0,
            Some(Shard::parse("4/4").unwrap())
        );
        let (shard, warning) = env(Some("2"), None).unwrap();
        assert!(shard.is_none() && warning.unwrap().contains("set JDGEN_SHARD_COUNT"));
        let (shard, warning) = env(None, Some("4")).unwrap();
        assert!(shard.is_none() && warning.unwrap().contains("use --shard K/N"));
        // Set but empty is unset (a template with no value for it).
        assert_eq!(env(Some("2"), Some(" ")).unwrap().0, None);
        assert_eq!(env(Some(""), Some("")).unwrap(), (None, None));
        for (i, n) in [("4", "4"), ("x", "4"), ("0", "0"), ("-1", "2")] {
            let e = env(Some(i), Some(n)).unwrap_err().to_string();
            assert!(
                e.contains(&format!(
                    "JOB_COMPLETION_INDEX={i} with JDGEN_SHARD_COUNT={n}"
                )),
                "{e}"
            );
        }
    }

    #[test]
    fn stopped_summaries_keep_their_fields_in_order() {
        // Schedulers parse these; docs/batch.md lists the fields.
        let keys = |s: &StoppedSummary| {
            serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&s.to_json())
                .unwrap()
                .keys()
                .cloned()
                .collect::<Vec<_>>()
        };
        let usage = StoppedSummary::usage("bad flag".into());
        assert_eq!(
            keys(&usage),
            ["ok", "exit_code", "jdgen_version", "started_at", "error"]
        );
        let pending = StoppedSummary::pending(Path::new("out"), "2026-12-01T00:00:00Z");
        assert_eq!(
            keys(&pending),
            [
                "ok",
                "exit_code",
                "jdgen_version",
                "out_dir",
                "started_at",
                "error"
            ]
        );
        assert!(pending.to_json().contains("\"exit_code\": null"));
        let stopped = StoppedSummary::stopped(Path::new("out"), "t", 3, "locked".into(), vec![]);
        assert_eq!(
            keys(&stopped),
            [
                "ok",
                "exit_code",
                "jdgen_version",
                "out_dir",
                "started_at",
                "error",
                "warnings"
            ]
        );
        assert!(stopped.to_json().ends_with("}\n"));
    }

    #[test]
    fn shards_partition_ids() {
        let ids: Vec<String> = (0..500).map(|i| format!("role-{i}")).collect();
        for n in 1..=5 {
            let mut seen = BTreeSet::new();
            for k in 1..=n {
                let s = Shard { index: k, count: n };
                for id in ids.iter().filter(|id| s.contains(id)) {
                    assert!(seen.insert(id.clone()), "{id} in two shards");
                }
            }
            assert_eq!(seen.len(), ids.len());
        }
    }

    #[test]
    fn shard_parsing() {
        assert_eq!(Shard::parse("2/4"), Ok(Shard { index: 2, count: 4 }));
        assert!(Shard::parse("0/4").is_err());
        assert!(Shard::parse("5/4").is_err());
        assert!(Shard::parse("x").is_err());
    }

    #[test]
    fn timestamps_are_utc() {
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(86_400 + 3_661);
        assert_eq!(utc_timestamp(t), "1970-01-02T01:01:01Z");
    }
}
