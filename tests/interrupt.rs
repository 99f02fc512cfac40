//! The stop-signal handlers (`jdgen::interrupt`), each case run in a child
//! process of this test binary: a handler that ends the process would end
//! the test harness.

use std::process::Command;

/// Runs the test `name` of this binary again, in a child process with
/// `JDGEN_SIGNAL_CHILD` set; returns its exit code and stdout.
fn in_child(name: &str) -> (Option<i32>, String) {
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", name, "--nocapture", "--test-threads=1"])
        .env("JDGEN_SIGNAL_CHILD", "1")
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

fn is_child() -> bool {
    std::env::var_os("JDGEN_SIGNAL_CHILD").is_some()
}

fn raise(signal: i32) {
    // SAFETY: raise(3) on this process, whose handlers are installed.
    assert_eq!(unsafe { libc::raise(signal) }, 0);
}

#[test]
fn a_command_ends_at_once_but_not_inside_its_renames() {
    if is_child() {
        jdgen::interrupt::install(false).unwrap();
        jdgen::interrupt::uninterrupted(|| {
            raise(libc::SIGTERM);
            println!("renames finished");
        });
        println!("after the renames");
        return;
    }
    let (code, out) = in_child("a_command_ends_at_once_but_not_inside_its_renames");
    assert_eq!(code, Some(143), "{out}");
    assert!(out.contains("renames finished"), "{out}");
    assert!(!out.contains("after the renames"), "{out}");
}

#[test]
fn a_build_records_the_first_signal_and_ends_at_the_second() {
    if is_child() {
        jdgen::interrupt::install(true).unwrap();
        raise(libc::SIGINT);
        println!("recorded {:?}", jdgen::interrupt::requested());
        // Not even a second signal splits a set of renames.
        jdgen::interrupt::uninterrupted(|| {
            raise(libc::SIGINT);
            println!("renames finished");
        });
        raise(libc::SIGINT);
        println!("not reached");
        return;
    }
    let (code, out) = in_child("a_build_records_the_first_signal_and_ends_at_the_second");
    assert_eq!(code, Some(130), "{out}");
    assert!(out.contains("recorded Some(2)"), "{out}");
    assert!(out.contains("renames finished"), "{out}");
    assert!(!out.contains("not reached"), "{out}");
}
