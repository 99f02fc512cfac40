//! Stop signals: SIGTERM (a Kubernetes deadline or pod deletion, `docker
//! stop`, `timeout`), SIGINT (Ctrl-C) and SIGHUP (a closed terminal).
//!
//! Handlers are installed for every command, not left to the default
//! action: in a container jdgen is often PID 1, and the kernel drops a
//! signal PID 1 has no handler for, so a deadline's SIGTERM did nothing
//! until the SIGKILL after the grace period. `jdgen build` stops at its next
//! safe point (between two roles, before the exports are put in place) and
//! still writes its summary; every other command ends at once, as the
//! default action would. Either way jdgen then ends *by* the signal (the
//! default action, re-raised), so that a shell reports 128 + its number
//! (130, 129, 143) and a script's loop stops on Ctrl-C as it would for any
//! program; as PID 1, where that is ignored, it exits with that code.
//!
//! A signal ignored when jdgen starts (`nohup`, a background job of a
//! non-interactive shell) stays ignored.

use std::io;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook::low_level;

use crate::error::Result;

const SIGNALS: [i32; 3] = [SIGHUP, SIGINT, SIGTERM];

/// The signal that asked the run to stop (0: none).
static STOP: AtomicUsize = AtomicUsize::new(0);
/// `jdgen build`: the first signal is recorded, not acted on at once.
static AT_SAFE_POINTS: AtomicBool = AtomicBool::new(false);
/// Set while a set of files is renamed into place (see [`uninterrupted`]).
static RENAMING: AtomicBool = AtomicBool::new(false);
/// A signal that would have ended the process during the renames: it
/// does right after them.
static DEFERRED: AtomicUsize = AtomicUsize::new(0);

/// Installs the handlers. With `at_safe_points` (`jdgen build`), the first
/// signal is recorded for [`requested`] and a second (a stop that takes too
/// long, Ctrl-C pressed twice) ends the process at once; otherwise the
/// first does. Either waits for the end of an [`uninterrupted`] section.
pub fn install(at_safe_points: bool) -> io::Result<()> {
    AT_SAFE_POINTS.store(at_safe_points, Ordering::SeqCst);
    for signal in SIGNALS {
        if ignored(signal) {
            continue;
        }
        // SAFETY: the action only reads and writes atomics and calls
        // `die`, which is async-signal-safe.
        unsafe {
            low_level::register(signal, move || {
                let at_once =
                    !AT_SAFE_POINTS.load(Ordering::SeqCst) || STOP.load(Ordering::SeqCst) != 0;
                if at_once {
                    // Deferred first, then the section checked: the section's
                    // end clears RENAMING, then reads DEFERRED, so a signal
                    // between the two is seen by one side or the other.
                    DEFERRED.store(signal as usize, Ordering::SeqCst);
                    if !RENAMING.load(Ordering::SeqCst) {
                        die(signal);
                    }
                }
                STOP.store(signal as usize, Ordering::SeqCst);
            })?;
        }
    }
    Ok(())
}

/// Whether `signal` is ignored (`SIG_IGN`), as `nohup` leaves SIGHUP.
fn ignored(signal: i32) -> bool {
    // SAFETY: sigaction(2) with no new action only reads the current one
    // into a zeroed struct this function owns.
    unsafe {
        let mut current: libc::sigaction = std::mem::zeroed();
        libc::sigaction(signal, std::ptr::null(), &mut current) == 0
            && current.sa_sigaction == libc::SIG_IGN
    }
}

/// Ends the process by `signal`: its default action, re-raised (a caller
/// sees a process a signal ended); as PID 1, where the kernel ignores that,
/// exit code 128 + the signal's number. Async-signal-safe.
fn die(signal: i32) -> ! {
    // SAFETY: sigaction, sigprocmask and raise are async-signal-safe and
    // act on structs owned here.
    unsafe {
        let mut default: libc::sigaction = std::mem::zeroed();
        default.sa_sigaction = libc::SIG_DFL;
        libc::sigaction(signal, &default, std::ptr::null_mut());
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, signal);
        libc::sigprocmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
        libc::raise(signal);
    }
    low_level::exit(exit_code(signal))
}

/// Ends the process with `code`, or by the stop signal when one was
/// received (see the module docs): also when the command then failed (a
/// rename refused during a deferred signal), so that a shell's loop stops.
pub fn exit(code: i32) -> ! {
    if let Some(signal) = requested() {
        die(signal);
    }
    std::process::exit(code)
}

/// Runs `f`, the renames that put a set of files in place (the exports, the
/// manifest), with no stop signal taking effect inside it: a stop there
/// left `roles.csv` new and `items.csv` old. A signal that would have ended
/// the process meanwhile ends it right after, unless `f` failed (its error
/// is then reported first, and [`exit`] ends the process by the signal);
/// one `jdgen build` only recorded is seen at its next check ([`requested`]).
pub fn uninterrupted<T>(f: impl FnOnce() -> Result<T>) -> Result<T> {
    let outer = RENAMING.swap(true, Ordering::SeqCst);
    let done = f();
    if !outer {
        RENAMING.store(false, Ordering::SeqCst);
        let deferred = DEFERRED.load(Ordering::SeqCst);
        if deferred != 0 && done.is_ok() {
            die(deferred as i32);
        }
    }
    done
}

/// The stop signal received, if any.
pub fn requested() -> Option<i32> {
    match STOP.load(Ordering::SeqCst) {
        0 => None,
        signal => i32::try_from(signal).ok(),
    }
}

/// `SIGTERM` and the like, for messages.
pub fn name(signal: i32) -> String {
    match signal {
        SIGHUP => "SIGHUP".into(),
        SIGINT => "SIGINT".into(),
        SIGTERM => "SIGTERM".into(),
        other => format!("signal {other}"),
    }
}

/// The exit code of a run `signal` stopped.
pub fn exit_code(signal: i32) -> i32 {
    128 + signal
}
