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
use signal_hook::flag;

const SIGNALS: [i32; 3] = [SIGHUP, SIGINT, SIGTERM];

/// The signal that asked the run to stop (0: none).
static STOP: AtomicUsize = AtomicUsize::new(0);
/// Set by the first signal: a second one ends the process at once.
static ARMED: AtomicBool = AtomicBool::new(false);
static ALWAYS: AtomicBool = AtomicBool::new(true);

/// For `jdgen build`: the first signal is recorded for [`requested`]; a
/// second (a stop that takes too long, Ctrl-C pressed twice) ends the
/// process at once.
pub fn stop_at_safe_points() -> io::Result<()> {
    for signal in SIGNALS {
        // In this order: the shutdown sees ARMED as the signal before
        // left it.
        flag::register_conditional_shutdown(signal, 128 + signal, &ARMED)?;
        flag::register_usize(signal, &STOP, signal as usize)?;
        flag::register(signal, &ARMED)?;
    }
    Ok(())
}

/// For every other command: the signal ends the process at once.
pub fn end_at_once() -> io::Result<()> {
    for signal in SIGNALS {
        flag::register_conditional_shutdown(signal, 128 + signal, &ALWAYS)?;
    }
    Ok(())
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
