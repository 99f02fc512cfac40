//! The stop-signal handlers (`jdgen::interrupt`), each case run in a child
//! process of this test binary: a handler that ends the process would end
//! the test harness.

use std::os::unix::process::ExitStatusExt;
use std::process::{Command, ExitStatus};

/// Runs the test `name` of this binary again, in a child process with
/// `JDGEN_SIGNAL_CHILD` set; returns how it ended and its stdout.
fn in_child(name: &str) -> (ExitStatus, String) {
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", name, "--nocapture", "--test-threads=1"])
        .env("JDGEN_SIGNAL_CHILD", "1")
        .output()
        .unwrap();
    (
        out.status,
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// Whether this is the child process; the stop signals are then at their
/// default action (a test run from a background job of a shell inherits
/// SIGINT ignored, which jdgen would leave so).
fn is_child() -> bool {
    let child = std::env::var_os("JDGEN_SIGNAL_CHILD").is_some();
    if child {
        for s in [libc::SIGHUP, libc::SIGINT, libc::SIGTERM] {
            // SAFETY: signal(2) before any handler of this process exists.
            unsafe { libc::signal(s, libc::SIG_DFL) };
        }
    }
    child
}

fn raise(signal: i32) {
    // SAFETY: raise(3) on this process, whose handlers are installed.
    assert_eq!(unsafe { libc::raise(signal) }, 0);
}

#[test]
fn a_command_ends_at_once_but_not_inside_its_renames() {
    if is_child() {
        jdgen::interrupt::install(false).unwrap();
        let _ = jdgen::interrupt::uninterrupted(|| {
            raise(libc::SIGTERM);
            println!("renames finished");
            Ok(())
        });
        println!("after the renames");
        return;
    }
    let (status, out) = in_child("a_command_ends_at_once_but_not_inside_its_renames");
    // Ended by the signal itself, as a shell's loop must see it.
    assert_eq!(status.signal(), Some(libc::SIGTERM), "{out}");
    assert!(out.contains("renames finished"), "{out}");
    assert!(!out.contains("after the renames"), "{out}");
}

#[test]
fn a_failed_rename_is_reported_before_a_deferred_signal() {
    if is_child() {
        jdgen::interrupt::install(false).unwrap();
        let done: jdgen::error::Result<()> = jdgen::interrupt::uninterrupted(|| {
            raise(libc::SIGTERM);
            Err(jdgen::error::Error::Usage("the rename failed".into()))
        });
        println!("reported: {}", done.unwrap_err());
        // As main ends a command that failed: by the signal, all the same.
        jdgen::interrupt::exit(1);
    }
    let (status, out) = in_child("a_failed_rename_is_reported_before_a_deferred_signal");
    assert_eq!(status.signal(), Some(libc::SIGTERM), "{out}");
    assert!(out.contains("reported: error: the rename failed"), "{out}");
}

#[test]
fn a_build_records_the_first_signal_and_ends_at_the_second() {
    if is_child() {
        jdgen::interrupt::install(true).unwrap();
        raise(libc::SIGINT);
        println!("recorded {:?}", jdgen::interrupt::requested());
        // Not even a second signal splits a set of renames: it ends the
        // process right after them.
        let _ = jdgen::interrupt::uninterrupted(|| {
            raise(libc::SIGINT);
            println!("renames finished");
            Ok(())
        });
        println!("not reached");
        return;
    }
    let (status, out) = in_child("a_build_records_the_first_signal_and_ends_at_the_second");
    assert_eq!(status.signal(), Some(libc::SIGINT), "{out}");
    assert!(out.contains("recorded Some(2)"), "{out}");
    assert!(out.contains("renames finished"), "{out}");
    assert!(!out.contains("not reached"), "{out}");
}

#[test]
fn a_signal_ignored_at_start_stays_ignored() {
    // `nohup jdgen build &`: a SIGHUP at logout must not stop the run.
    if is_child() {
        // SAFETY: signal(2) before any handler of this process exists.
        unsafe { libc::signal(libc::SIGHUP, libc::SIG_IGN) };
        jdgen::interrupt::install(true).unwrap();
        raise(libc::SIGHUP);
        println!("still here, stop {:?}", jdgen::interrupt::requested());
        return;
    }
    let (status, out) = in_child("a_signal_ignored_at_start_stays_ignored");
    assert!(status.success(), "{out}");
    assert!(out.contains("still here, stop None"), "{out}");
}
