//! Stop signals: SIGTERM (a Kubernetes deadline or pod deletion, `docker
//! stop`, `timeout`), SIGINT (Ctrl-C) and SIGHUP (a closed terminal).
//!
//! Handlers are installed for every command, not left to the default
//! action: in a container jdgen is often PID 1, and the kernel drops a
//! signal PID 1 has no handler for, so a deadline's SIGTERM did nothing
//! until the SIGKILL after the grace period. `jdgen build` stops at its next
//! safe point (between two roles, before the exports are put in place) and
//! still writes its summary; every other command ends at once, as the
//! default action would. Either way the exit code is 128 + the signal's
//! number (130, 129, 143), as a shell reports a process a signal ended.

use std::io;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook::low_level;

const SIGNALS: [i32; 3] = [SIGHUP, SIGINT, SIGTERM];

/// The signal that asked the run to stop (0: none).
static STOP: AtomicUsize = AtomicUsize::new(0);
/// `jdgen build`: the first signal is recorded, not acted on at once.
static AT_SAFE_POINTS: AtomicBool = AtomicBool::new(false);
/// Set while a set of files is renamed into place (see [`uninterrupted`]).
static RENAMING: AtomicBool = AtomicBool::new(false);

/// Installs the handlers. With `at_safe_points` (`jdgen build`), the first
/// signal is recorded for [`requested`] and a second (a stop that takes too
/// long, Ctrl-C pressed twice) ends the process at once; otherwise the
/// first does. Either waits for the end of an [`uninterrupted`] section.
pub fn install(at_safe_points: bool) -> io::Result<()> {
    AT_SAFE_POINTS.store(at_safe_points, Ordering::SeqCst);
    for signal in SIGNALS {
        // SAFETY: the action only reads and writes atomics and calls
        // `low_level::exit` (`_exit`), all async-signal-safe.
        unsafe {
            low_level::register(signal, move || {
                let at_once =
                    !AT_SAFE_POINTS.load(Ordering::SeqCst) || STOP.load(Ordering::SeqCst) != 0;
                if at_once && !RENAMING.load(Ordering::SeqCst) {
                    low_level::exit(128 + signal);
                }
                STOP.store(signal as usize, Ordering::SeqCst);
            })?;
        }
    }
    Ok(())
}

/// Runs `f`, the renames that put a set of files in place (the exports, the
/// manifest), with no stop signal taking effect inside it: a stop there
/// left `roles.csv` new and `items.csv` old. One received meanwhile ends a
/// command that stops at once right after; `jdgen build` reaches its next
/// safe point.
pub fn uninterrupted<T>(f: impl FnOnce() -> T) -> T {
    let outer = RENAMING.swap(true, Ordering::SeqCst);
    let done = f();
    if !outer {
        RENAMING.store(false, Ordering::SeqCst);
        if !AT_SAFE_POINTS.load(Ordering::SeqCst)
            && let Some(signal) = requested()
        {
            std::process::exit(exit_code(signal));
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
