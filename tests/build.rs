//! `jdgen build` through the real binary: incremental rebuilds, removals,
//! failure isolation, locking, kills, and shards.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command as StdCommand, Stdio};
use std::time::{Duration, SystemTime};

use assert_cmd::Command;
use serde_json::Value;

mod common;

fn jdgen() -> Command {
    let mut c = Command::cargo_bin("jdgen").unwrap();
    c.env_remove("JDGEN_ROLES")
        .env_remove("SOURCE_DATE_EPOCH")
        .env_remove("JOB_COMPLETION_INDEX")
        .env_remove("JDGEN_SHARD_COUNT");
    c
}

/// Runs `jdgen --roles ROLES build -o OUT ARGS --format json`; returns the
/// exit code and the parsed summary (when stdout holds one) and stderr.
fn build(roles: &Path, out: &Path, args: &[&str]) -> (i32, Value, String) {
    build_env(roles, out, args, &[])
}

/// [`build`] with extra environment variables.
fn build_env(
    roles: &Path,
    out: &Path,
    args: &[&str],
    env: &[(&str, &str)],
) -> (i32, Value, String) {
    let o = jdgen()
        .envs(env.iter().copied())
        .arg("--roles")
        .arg(roles)
        .arg("build")
        .arg("-o")
        .arg(out)
        .args(["--format", "json", "--jobs", "2"])
        .args(args)
        .output()
        .unwrap();
    let summary = serde_json::from_slice(&o.stdout).unwrap_or(Value::Null);
    (
        o.status.code().unwrap_or(-1),
        summary,
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// A copy of the minimal fixture plus a second family, in a temp folder.
fn roles_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for f in ["company.yaml", "engineering.yaml"] {
        fs::copy(
            Path::new("tests/fixtures/minimal").join(f),
            dir.path().join(f),
        )
        .unwrap();
    }
    fs::write(
        dir.path().join("design.yaml"),
        "family: design\ntitle: Designer\nlevels:\n  - id: designer\n    level: Intermediate\n    title: Product Designer\n    grade: 6\n    responsibilities:\n      items: [Design things]\n  - id: senior-designer\n    level: Senior\n    title: Senior Product Designer\n    grade: 7\n    responsibilities:\n      builds_on: designer\n      items: [Lead design reviews]\n",
    )
    .unwrap();
    dir
}

/// `roles_dir()` built once into a new output folder (which must succeed).
fn built() -> (tempfile::TempDir, tempfile::TempDir) {
    let roles = roles_dir();
    let out = tempfile::tempdir().unwrap();
    let (code, _, err) = build(roles.path(), out.path(), &[]);
    assert_eq!(code, 0, "{err}");
    (roles, out)
}

/// Every regular file under `dir` (relative path → bytes, mtime), ignoring
/// the lock file.
fn tree(dir: &Path) -> BTreeMap<String, (Vec<u8>, SystemTime)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if !p.ends_with(".jdgen/lock") {
                let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
                out.insert(
                    rel,
                    (
                        fs::read(&p).unwrap(),
                        e.metadata().unwrap().modified().unwrap(),
                    ),
                );
            }
        }
    }
    out
}

/// Changes a byte in the middle of the file at `path`, then puts its
/// modification time back (another version's bytes at the same size: `cp
/// -p`, `touch -r`, bit rot); returns the bytes it had.
fn edit_keeping_size_and_time(path: &Path) -> Vec<u8> {
    let good = fs::read(path).unwrap();
    let time = fs::metadata(path).unwrap().modified().unwrap();
    let mut bad = good.clone();
    let mid = bad.len() / 2;
    bad[mid] ^= 0x20;
    fs::write(path, &bad).unwrap();
    fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(time)
        .unwrap();
    good
}

fn assert_complete_pdf(path: &Path) {
    let bytes = fs::read(path).unwrap();
    assert!(
        bytes.starts_with(b"%PDF-"),
        "{} is not a PDF",
        path.display()
    );
    let tail = String::from_utf8_lossy(&bytes[bytes.len().saturating_sub(64)..]).into_owned();
    assert!(tail.contains("%%EOF"), "{} is truncated", path.display());
}

#[test]
fn build_then_noop_rebuild_changes_nothing() {
    let roles = roles_dir();
    let out = tempfile::tempdir().unwrap();
    let (code, s, err) = build(roles.path(), out.path(), &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(s["counts"]["built"], 4);
    assert_eq!(s["exports"], "built");
    // The summary lists every file written, the manifest too, with the
    // checksums of what is on disk.
    let listed: Vec<&str> = s["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        listed,
        [
            "export/items.csv",
            "export/job-descriptions.zip",
            "export/roles.csv",
            "export/roles.json",
            "export/roles.xlsx",
            "manifest.json",
            "pdf/designer.pdf",
            "pdf/junior-engineer.pdf",
            "pdf/senior-designer.pdf",
            "pdf/senior-engineer.pdf",
        ]
    );
    for o in s["outputs"].as_array().unwrap() {
        let bytes = fs::read(out.path().join(o["path"].as_str().unwrap())).unwrap();
        assert_eq!(o["sha256"], jdgen::fsutil::sha256_hex(&bytes), "{o}");
        assert_eq!(o["status"], "built", "{o}");
    }
    for id in [
        "junior-engineer",
        "senior-engineer",
        "designer",
        "senior-designer",
    ] {
        assert_complete_pdf(&out.path().join(format!("pdf/{id}.pdf")));
    }
    let manifest: Value =
        serde_json::from_slice(&fs::read(out.path().join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["role_count"], 4);
    // The manifest's checksums are the files' checksums.
    for f in manifest["files"].as_array().unwrap() {
        let bytes = fs::read(out.path().join(f["path"].as_str().unwrap())).unwrap();
        assert_eq!(f["bytes"], bytes.len());
        assert_eq!(f["sha256"], jdgen::fsutil::sha256_hex(&bytes));
    }
    // Each PDF's state records its input key, with which the next run of
    // this binary skips making the role's template data.
    let state: Value =
        serde_json::from_slice(&fs::read(out.path().join(".jdgen/pdf/designer.json")).unwrap())
            .unwrap();
    assert_eq!(state["input"].as_str().map(str::len), Some(64), "{state}");
    let before = tree(out.path());
    std::thread::sleep(Duration::from_millis(20));
    let (code, s, err) = build(roles.path(), out.path(), &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(s["counts"]["built"], 0);
    assert_eq!(s["counts"]["skipped"], 4);
    assert_eq!(s["exports"], "unchanged");
    assert!(
        s["outputs"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["path"] == "manifest.json" && o["status"] == "unchanged"),
        "{s}"
    );
    let after = tree(out.path());
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>()
    );
    for (path, (bytes, mtime)) in &before {
        assert_eq!(&after[path].0, bytes, "{path} changed");
        assert_eq!(&after[path].1, mtime, "{path} was rewritten");
    }
    // --force renders again, to the same bytes: not rewritten, and not
    // reported "built" (anything republishing what is built resent all).
    let (code, s, _) = build(roles.path(), out.path(), &["--force"]);
    assert_eq!(code, 0);
    assert_eq!(s["counts"]["built"], 0, "{s}");
    assert_eq!(s["counts"]["skipped"], 4, "{s}");
    assert_eq!(s["counts"]["rendered"], 4, "{s}");
    for o in s["outputs"].as_array().unwrap() {
        assert_eq!(o["status"], "unchanged", "{o}");
    }
    let forced = tree(out.path());
    for (path, (_, mtime)) in &before {
        assert_eq!(&forced[path].1, mtime, "{path} was rewritten");
    }
    // The exports are made again and come out the same: not rewritten,
    // and said so (they were reported "built").
    assert_eq!(s["exports"], "unchanged", "{s}");
    for (path, (bytes, _)) in &before {
        assert_eq!(&forced[path].0, bytes, "{path} differs after --force");
    }
}

#[test]
fn build_writes_the_same_exports_as_jdgen_export() {
    // `build` streams roles.json and the bundle to disk and reads the PDFs
    // back from pdf/; `export --all` makes everything in memory. Same bytes.
    let roles = roles_dir();
    let out = tempfile::tempdir().unwrap();
    let (code, _, err) = build(roles.path(), out.path(), &[]);
    assert_eq!(code, 0, "{err}");
    let exp = tempfile::tempdir().unwrap();
    jdgen()
        .arg("--roles")
        .arg(roles.path())
        .args(["export", "--all", "-o"])
        .arg(exp.path())
        .assert()
        .success();
    let built = tree(&out.path().join("export"));
    let exported = tree(exp.path());
    assert_eq!(
        built.keys().collect::<Vec<_>>(),
        exported.keys().collect::<Vec<_>>()
    );
    for (path, (bytes, _)) in &built {
        assert!(&exported[path].0 == bytes, "{path} differs");
    }
    assert!(built.contains_key("job-descriptions.zip") && built.contains_key("roles.json"));
}

#[test]
fn a_comment_in_company_yaml_changes_the_data_version_and_rebuilds() {
    // Without `data_version:` the version in every footer is a hash of
    // company.yaml's text, comments included; the settings stay the same.
    let (roles, out) = built();
    let company = roles.path().join("company.yaml");
    let text = fs::read_to_string(&company).unwrap();
    fs::write(&company, format!("{text}# reviewed in November\n")).unwrap();
    let (code, s, err) = build(roles.path(), out.path(), &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(s["counts"]["built"], 4, "{s}");
}

#[test]
fn changing_one_family_rebuilds_only_its_roles_and_deleting_removes() {
    let (roles, out) = built();
    let design = roles.path().join("design.yaml");
    let text = fs::read_to_string(&design)
        .unwrap()
        .replace("Design things", "Design better things");
    fs::write(&design, text).unwrap();
    let (code, s, err) = build(roles.path(), out.path(), &[]);
    assert_eq!(code, 0, "{err}");
    let built: BTreeSet<&str> = s["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["status"] == "built" && o["path"].as_str().unwrap().starts_with("pdf/"))
        .map(|o| o["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        built,
        BTreeSet::from(["pdf/designer.pdf", "pdf/senior-designer.pdf"])
    );
    assert_eq!(s["exports"], "built");

    // Delete a role: its PDF and key go, and the run says so.
    let text = fs::read_to_string(&design).unwrap();
    let cut = text.find("  - id: senior-designer").unwrap();
    fs::write(&design, &text[..cut]).unwrap();
    let (code, s, _) = build(roles.path(), out.path(), &[]);
    assert_eq!(code, 0);
    assert_eq!(s["removed"], serde_json::json!(["pdf/senior-designer.pdf"]));
    assert_eq!(s["counts"]["removed"], 1);
    assert!(!out.path().join("pdf/senior-designer.pdf").exists());
    assert!(!out.path().join(".jdgen/pdf/senior-designer.json").exists());
    let manifest = fs::read_to_string(out.path().join("manifest.json")).unwrap();
    assert!(!manifest.contains("senior-designer"));
}

#[test]
fn bytes_a_killed_run_wrote_but_never_reported_are_reported_built() {
    // A run killed after renaming a new PDF (or the exports) into place,
    // before recording it, left new bytes that the rerun made again to the
    // same bytes and called `unchanged`: whatever republishes what is
    // `built` never saw them. The kill is simulated by putting back the
    // records of the run before.
    let (roles, out) = built();
    let o = out.path();
    let old_record = fs::read(o.join(".jdgen/pdf/designer.json")).unwrap();
    let old_exports = fs::read(o.join(".jdgen/exports.json")).unwrap();
    let old_manifest = fs::read(o.join(".jdgen/manifest.json")).unwrap();
    let design = roles.path().join("design.yaml");
    let text = fs::read_to_string(&design).unwrap();
    fs::write(
        &design,
        text.replace("Design things", "Design better things"),
    )
    .unwrap();
    let (code, _, err) = build(roles.path(), o, &[]);
    assert_eq!(code, 0, "{err}");
    fs::write(o.join(".jdgen/pdf/designer.json"), &old_record).unwrap();
    fs::write(o.join(".jdgen/exports.json"), &old_exports).unwrap();
    fs::write(o.join(".jdgen/manifest.json"), &old_manifest).unwrap();
    let (code, s, err) = build(roles.path(), o, &[]);
    assert_eq!(code, 0, "{err}");
    let status = |path: &str| {
        s["outputs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["path"] == path)
            .map(|x| x["status"].as_str().unwrap().to_string())
            .unwrap_or_else(|| panic!("no {path} in {s}"))
    };
    assert_eq!(status("pdf/designer.pdf"), "built", "{s}");
    assert_eq!(status("pdf/senior-designer.pdf"), "unchanged", "{s}");
    assert_eq!(status("export/roles.csv"), "built", "{s}");
    assert_eq!(status("manifest.json"), "built", "{s}");
    assert_eq!(s["exports"], "built", "{s}");
    // Recorded now: the next run reports nothing new.
    let (code, s, err) = build(roles.path(), o, &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(s["exports"], "unchanged", "{s}");
    for x in s["outputs"].as_array().unwrap() {
        assert_eq!(x["status"], "unchanged", "{x}");
    }
    // A lost `.jdgen` folder: every output is `built` once, the manifest
    // too, and no byte is rewritten.
    let before = tree(o);
    fs::remove_dir_all(o.join(".jdgen")).unwrap();
    let (code, s, err) = build(roles.path(), o, &[]);
    assert_eq!(code, 0, "{err}");
    for x in s["outputs"].as_array().unwrap() {
        assert_eq!(x["status"], "built", "{x}");
    }
    let after = tree(o);
    for (k, (bytes, _)) in before.iter().filter(|(k, _)| !k.starts_with(".jdgen")) {
        assert_eq!(&after[k].0, bytes, "{k}");
    }
}

#[test]
fn a_failed_run_removes_no_pdf_that_what_it_kept_still_names() {
    // A role deleted in a run where another failed: the run kept the
    // previous exports and manifest but removed the deleted role's PDF,
    // so both named a file that was gone.
    let (roles, out) = built();
    let design = roles.path().join("design.yaml");
    let text = fs::read_to_string(&design).unwrap();
    let cut = text.find("  - id: senior-designer").unwrap();
    // And the level left fails to render (--strict: a character no font
    // has).
    fs::write(
        &design,
        text[..cut].replace("Design things", "Design 가 things"),
    )
    .unwrap();
    let before = tree(out.path());
    let (code, s, err) = build(roles.path(), out.path(), &["--strict"]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(s["removed"], serde_json::json!([]), "{s}");
    assert!(
        err.contains("removal of stale PDFs skipped: the run failed, and what it kept may name them (kept until a run without failures: pdf/senior-designer.pdf)"),
        "{err}"
    );
    let after = tree(out.path());
    for path in [
        "pdf/senior-designer.pdf",
        "manifest.json",
        "export/roles.csv",
    ] {
        assert_eq!(after[path].0, before[path].0, "{path}");
    }
    // Once the run succeeds, the PDF goes with the exports naming it.
    fs::write(&design, &text[..cut]).unwrap();
    let (code, s, err) = build(roles.path(), out.path(), &["--strict"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(s["removed"], serde_json::json!(["pdf/senior-designer.pdf"]));
    assert!(!out.path().join("pdf/senior-designer.pdf").exists());
    let manifest = fs::read_to_string(out.path().join("manifest.json")).unwrap();
    assert!(!manifest.contains("senior-designer"));
}

#[test]
fn a_broken_family_fails_only_its_roles() {
    let (roles, out) = built();
    let exports_before = tree(&out.path().join("export"));
    fs::write(
        roles.path().join("design.yaml"),
        "family: design\ntitle: Designer\nlevels:\n  - id: designer\n    level: Intermediate\n    title: Product Designer\n    grade: six\n",
    )
    .unwrap();
    let summary_file = out.path().join("summary.json");
    let (code, s, err) = build(
        roles.path(),
        out.path(),
        &["--force", "--summary-json", summary_file.to_str().unwrap()],
    );
    assert_eq!(code, 1, "{err}");
    assert_eq!(s["ok"], false);
    // The other family's two roles, rendered again (--force) to the bytes
    // they had.
    assert_eq!(s["counts"]["rendered"], 2, "{s}");
    assert_eq!(s["counts"]["built"], 0, "{s}");
    let failures = s["failures"].as_array().unwrap();
    assert_eq!(failures.len(), 1);
    assert_eq!(failures[0]["role"], "designer");
    // The file at its error's line and column.
    let file = failures[0]["file"].as_str().unwrap();
    assert!(file.contains("design.yaml:"), "{file}");
    assert!(
        failures[0]["message"]
            .as_str()
            .unwrap()
            .contains("job grade"),
        "{s}"
    );
    assert!(err.contains("failed: designer"), "{err}");
    // The summary file holds the same report; exports were left as they were.
    let from_file: Value = serde_json::from_slice(&fs::read(&summary_file).unwrap()).unwrap();
    assert_eq!(from_file["failures"], s["failures"]);
    assert_eq!(
        s["exports"], "skipped: some roles failed; previous exports kept",
        "{s}"
    );
    let exports_after = tree(&out.path().join("export"));
    for (p, (bytes, _)) in &exports_before {
        assert_eq!(&exports_after[p].0, bytes);
    }
    // The failed role's previous good PDF is still there, and the manifest
    // still describes the previous complete build.
    assert_complete_pdf(&out.path().join("pdf/designer.pdf"));
    let manifest = fs::read_to_string(out.path().join("manifest.json")).unwrap();
    assert!(manifest.contains("\"designer\""), "{manifest}");
    // Every role of the file fails for the same reason: one log line names
    // them all, the summary still lists each.
    fs::write(
        roles.path().join("design.yaml"),
        "family: design\ntitle: Designer\nlevels:\n  - id: designer\n    level: Intermediate\n    title: Product Designer\n    grade: six\n  - id: senior-designer\n    level: Senior\n    title: Senior Product Designer\n",
    )
    .unwrap();
    let (code, s, err) = build(roles.path(), out.path(), &[]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(s["failures"].as_array().unwrap().len(), 2, "{s}");
    assert_eq!(err.matches("failed: ").count(), 1, "{err}");
    assert!(err.contains("failed: designer, senior-designer ("), "{err}");
    // Two broken files whose role ids interleave when sorted: still one
    // line per file.
    fs::write(
        roles.path().join("zz.yaml"),
        "family: zz\ntitle: Z\nlevels:\n  - id: dzz\n    level: A\n    title: A\n    titel: x\n  - id: senior-ezz\n    level: B\n    title: B\n",
    )
    .unwrap();
    let (code, s, err) = build(roles.path(), out.path(), &[]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(s["failures"].as_array().unwrap().len(), 4, "{s}");
    assert_eq!(err.matches("failed: ").count(), 2, "{err}");
    assert!(err.contains("failed: dzz, senior-ezz ("), "{err}");
}

#[test]
fn a_folder_in_the_way_of_a_pdf_fails_that_role_plainly() {
    // The failure read `failed: designer: error: out/pdf/designer.pdf: Is
    // a directory (os error 21)`.
    let roles = roles_dir();
    let out = tempfile::tempdir().unwrap();
    fs::create_dir_all(out.path().join("pdf/designer.pdf/x")).unwrap();
    let (code, s, err) = build(roles.path(), out.path(), &[]);
    assert_eq!(code, 1, "{err}");
    let failures = s["failures"].as_array().unwrap();
    assert_eq!(failures.len(), 1, "{s}");
    let message = failures[0]["message"].as_str().unwrap();
    assert!(
        message.ends_with("pdf/designer.pdf: a folder is in the way of this file; move it away"),
        "{s}"
    );
    assert!(!message.contains("error:"), "{s}");
    assert!(!err.contains("designer: error:"), "{err}");
    assert_complete_pdf(&out.path().join("pdf/senior-designer.pdf"));
}

#[test]
fn a_family_file_that_does_not_parse_never_deletes_its_pdfs() {
    let (roles, out) = built();
    for broken in [
        "family: design\ntitle: x\n\tbroken: [\n".as_bytes(),
        b"family: design\ntitle: caf\xe9\n",
    ] {
        fs::write(roles.path().join("design.yaml"), broken).unwrap();
        let (code, s, err) = build(roles.path(), out.path(), &[]);
        assert_eq!(code, 1, "{err}");
        assert_eq!(s["removed"], serde_json::json!([]), "{s}");
        // Said why, and which PDFs are kept.
        assert!(
            err.contains("removal of stale PDFs skipped: some role files failed to load, and may hold their roles (kept until a run without failures: pdf/designer.pdf, pdf/senior-designer.pdf)"),
            "{err}"
        );
        for id in ["designer", "senior-designer", "junior-engineer"] {
            assert_complete_pdf(&out.path().join(format!("pdf/{id}.pdf")));
        }
        let f = &s["failures"][0];
        assert!(f["file"].as_str().unwrap().contains("design.yaml"), "{s}");
    }
}

#[test]
fn a_broken_template_fails_the_run_before_writing() {
    let roles = roles_dir();
    let out = tempfile::tempdir().unwrap();
    let tpl = tempfile::tempdir().unwrap();
    let file = tpl.path().join("bad.typ");
    fs::write(&file, "#let x = (\n= Broken\n").unwrap();
    let (code, _, err) = build(
        roles.path(),
        out.path(),
        &["--template", file.to_str().unwrap()],
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("bad.typ"), "{err}");
    assert!(
        !out.path().join("pdf").exists()
            || fs::read_dir(out.path().join("pdf")).unwrap().count() == 0
    );
}

#[test]
fn a_second_concurrent_run_is_refused_or_waits() {
    let roles = roles_dir();
    let out = tempfile::tempdir().unwrap();
    // Hold the lock the way a running build does.
    let lock = jdgen::build::lock_output(out.path(), None).unwrap();
    let (code, s, err) = build(roles.path(), out.path(), &[]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("another jdgen run"), "{err}");
    // Naming who holds it: on a shared volume, which pod or host.
    assert!(
        err.contains(&format!("it was taken by pid {} on ", std::process::id())),
        "{err}"
    );
    // Its summary says when it ran, like any other.
    assert_eq!(s["exit_code"], 3, "{s}");
    assert_eq!(s["started_at"].as_str().map(str::len), Some(20), "{s}");
    assert!(err.contains("--wait"), "{err}");
    assert!(!out.path().join("pdf").exists());
    // With --wait, the run says it waits, and goes ahead once the lock is
    // released.
    let summary = out.path().join("summary.json");
    let mut cmd = StdCommand::new(assert_cmd::cargo::cargo_bin("jdgen"));
    cmd.arg("--roles")
        .arg(roles.path())
        .args(["build", "--wait", "--summary-json"])
        .arg(&summary)
        .arg("-o")
        .arg(out.path());
    // The lock is let go on a signal, or after a minute: a run that waited
    // without saying so then ends the test instead of hanging it.
    let (release, released) = std::sync::mpsc::channel::<()>();
    let holder = std::thread::spawn(move || {
        let _ = released.recv_timeout(Duration::from_secs(60));
        drop(lock);
    });
    let (mut child, mut rest, seen) = common::spawn_until(cmd, "waiting: another jdgen run");
    assert!(seen.contains(&out.path().display().to_string()), "{seen}");
    std::thread::sleep(Duration::from_millis(600));
    assert!(child.try_wait().unwrap().is_none(), "{seen}");
    release.send(()).unwrap();
    holder.join().unwrap();
    let mut err = seen;
    std::io::Read::read_to_string(&mut rest, &mut err).unwrap();
    assert!(child.wait().unwrap().success(), "{err}");
    assert_complete_pdf(&out.path().join("pdf/designer.pdf"));
    // `duration_ms` is the whole run, the wait included; the phases are
    // the work alone. (It left the wait out.)
    let s: Value = serde_json::from_slice(&fs::read(&summary).unwrap()).unwrap();
    let whole = s["duration_ms"].as_u64().unwrap();
    let work = s["durations_ms"]["total"].as_u64().unwrap();
    assert!(whole >= work + 500, "{whole} ms against {work} ms of work");
}

#[test]
fn two_builds_at_once_never_corrupt_the_output() {
    let roles = tempfile::tempdir().unwrap();
    jdgen::corpus::generate(Path::new("tests/fixtures/minimal"), roles.path(), 30).unwrap();
    let out = tempfile::tempdir().unwrap();
    let bin = assert_cmd::cargo::cargo_bin("jdgen");
    let spawn = || {
        StdCommand::new(&bin)
            .arg("--roles")
            .arg(roles.path())
            .args(["build", "--quiet", "--jobs", "1", "-o"])
            .arg(out.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    let (mut a, mut b) = (spawn(), spawn());
    let codes = [a.wait().unwrap().code(), b.wait().unwrap().code()];
    // One of them built everything; the other either found the lock held (3)
    // or ran after it and found everything up to date (0).
    assert!(codes.contains(&Some(0)), "{codes:?}");
    assert!(
        codes.iter().all(|c| matches!(c, Some(0) | Some(3))),
        "{codes:?}"
    );
    for e in fs::read_dir(out.path().join("pdf")).unwrap().flatten() {
        assert_complete_pdf(&e.path());
    }
    let (code, s, _) = build(roles.path(), out.path(), &[]);
    assert_eq!(code, 0);
    assert_eq!(s["counts"]["built"], 0);
}

#[test]
fn a_killed_build_leaves_no_truncated_file_and_the_rerun_completes() {
    let roles = tempfile::tempdir().unwrap();
    let n = jdgen::corpus::generate(Path::new("roles"), roles.path(), 120).unwrap();
    let out = tempfile::tempdir().unwrap();
    let bin = assert_cmd::cargo::cargo_bin("jdgen");
    for delay_ms in [150u64, 600] {
        let mut child = StdCommand::new(&bin)
            .arg("--roles")
            .arg(roles.path())
            // Two workers whatever the machine: on many cores the first
            // kill could come after the end.
            .args(["build", "--quiet", "--force", "--jobs", "2", "-o"])
            .arg(out.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        if delay_ms == 150 {
            // The first kill must land mid-run (120 roles take seconds in a
            // debug build), or this test would prove nothing.
            assert!(
                !out.path().join("manifest.json").exists(),
                "the build finished before it was killed"
            );
        }
        let pdf_dir = out.path().join("pdf");
        if pdf_dir.exists() {
            for e in fs::read_dir(&pdf_dir).unwrap().flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if name.ends_with(".pdf") && !name.starts_with('.') {
                    assert_complete_pdf(&e.path());
                }
            }
        }
    }
    let (code, s, err) = build(roles.path(), out.path(), &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(s["counts"]["roles"], n);
    let pdfs: Vec<PathBuf> = fs::read_dir(out.path().join("pdf"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert_eq!(pdfs.len(), n, "temp files left behind or PDFs missing");
    for p in &pdfs {
        assert_complete_pdf(p);
    }
}

/// Starts `cmd` with the stop signals at their default action: jdgen
/// leaves ignored the ones it inherits ignored (`nohup`), and a test run
/// from a background job of a shell inherits SIGINT so.
fn default_signals(cmd: &mut StdCommand) {
    // SAFETY: signal(2) is async-signal-safe, as pre_exec requires.
    unsafe {
        std::os::unix::process::CommandExt::pre_exec(cmd, || {
            for s in [libc::SIGHUP, libc::SIGINT, libc::SIGTERM] {
                libc::signal(s, libc::SIG_DFL);
            }
            Ok(())
        });
    }
}

/// The signal that ended `child`, once it has ended.
fn ended_by(child: &mut std::process::Child) -> Option<i32> {
    std::os::unix::process::ExitStatusExt::signal(&child.wait().unwrap())
}

/// Sends `signal` to the process `child`.
fn signal(child: &std::process::Child, signal: i32) {
    // SAFETY: kill(2) on a child this test spawned and has not reaped.
    let done = unsafe { libc::kill(child.id() as libc::pid_t, signal) };
    assert_eq!(done, 0, "kill {signal}");
}

#[test]
fn a_stop_signal_ends_the_build_between_roles_and_the_rerun_completes() {
    // A deadline's SIGTERM (Kubernetes, `timeout`) or Ctrl-C: the run
    // stops at the next role, keeps what it rendered, leaves the exports
    // and says so, in the log and the summary, with exit code 128 + 15.
    let roles = tempfile::tempdir().unwrap();
    let n = jdgen::corpus::generate(Path::new("roles"), roles.path(), 120).unwrap();
    let out = tempfile::tempdir().unwrap();
    let summary = out.path().join("summary.json");
    let mut cmd = StdCommand::new(assert_cmd::cargo::cargo_bin("jdgen"));
    default_signals(&mut cmd);
    cmd.arg("--roles")
        .arg(roles.path())
        .args(["build", "--jobs", "2", "--summary-json"])
        .arg(&summary)
        .arg("-o")
        .arg(out.path().join("o"));
    let (mut child, mut rest, mut err) = common::spawn_until(cmd, "rendering those whose");
    std::thread::sleep(Duration::from_millis(300));
    signal(&child, libc::SIGTERM);
    std::io::Read::read_to_string(&mut rest, &mut err).unwrap();
    // Ended by the signal, as a shell reports it (143): a script's loop
    // stops as it would for any program.
    assert_eq!(ended_by(&mut child), Some(libc::SIGTERM), "{err}");
    assert!(err.contains("stopping: SIGTERM received"), "{err}");
    assert!(err.contains("stopped by SIGTERM after"), "{err}");
    let s: Value = serde_json::from_slice(&fs::read(&summary).unwrap()).unwrap();
    assert_eq!(s["exit_code"], 143, "{s}");
    assert_eq!(s["ok"], false, "{s}");
    assert_eq!(s["stopped"], "SIGTERM", "{s}");
    let (built, left) = (
        s["counts"]["built"].as_u64().unwrap(),
        s["counts"]["not_rendered"].as_u64().unwrap(),
    );
    // Stopped mid-run (120 roles take seconds in a debug build), every role
    // either built or left, none failed.
    assert!(left > 0, "the build ended before the signal: {s}");
    assert_eq!(built + left, n as u64, "{s}");
    assert_eq!(s["counts"]["failed"], 0, "{s}");
    assert!(
        s["exports"]
            .as_str()
            .unwrap()
            .starts_with("skipped: stopped by SIGTERM"),
        "{s}"
    );
    let o = out.path().join("o");
    assert!(!o.join("manifest.json").exists());
    assert!(!o.join("export").exists() || fs::read_dir(o.join("export")).unwrap().count() == 0);
    // Each PDF written is whole, and no temporary file is left.
    let pdfs: Vec<_> = fs::read_dir(o.join("pdf")).unwrap().flatten().collect();
    assert_eq!(pdfs.len() as u64, built);
    for e in &pdfs {
        assert!(!e.file_name().to_string_lossy().starts_with('.'));
        assert_complete_pdf(&e.path());
    }
    // The next run renders only what was left, then the exports.
    let (code, s, err) = build(roles.path(), &o, &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(s["counts"]["built"].as_u64(), Some(left), "{s}");
    assert_eq!(s["counts"]["skipped"].as_u64(), Some(built), "{s}");
    assert_eq!(s["exports"], "built", "{s}");
    assert_eq!(s["stopped"], Value::Null, "{s}");
}

#[test]
fn a_stop_signal_ends_a_wait_for_the_lock() {
    let roles = roles_dir();
    let out = tempfile::tempdir().unwrap();
    let lock = jdgen::build::lock_output(out.path(), None).unwrap();
    let summary = out.path().join("summary.json");
    let mut cmd = StdCommand::new(assert_cmd::cargo::cargo_bin("jdgen"));
    default_signals(&mut cmd);
    cmd.arg("--roles")
        .arg(roles.path())
        .args(["build", "--wait", "--summary-json"])
        .arg(&summary)
        .arg("-o")
        .arg(out.path());
    let (mut child, mut rest, mut err) = common::spawn_until(cmd, "waiting: another jdgen run");
    signal(&child, libc::SIGINT);
    std::io::Read::read_to_string(&mut rest, &mut err).unwrap();
    assert_eq!(ended_by(&mut child), Some(libc::SIGINT), "{err}");
    drop(lock);
    assert!(
        err.contains("stopped by SIGINT while waiting for the lock: nothing was written"),
        "{err}"
    );
    let s: Value = serde_json::from_slice(&fs::read(&summary).unwrap()).unwrap();
    assert_eq!(s["exit_code"], 130, "{s}");
    assert_eq!(s["stopped"], "SIGINT", "{s}");
    assert!(!out.path().join("pdf").exists());
}

#[test]
fn a_waiter_whose_lock_file_was_removed_does_not_build_beside_a_new_run() {
    // `rm -rf out` (or the folder moved away) while a run waits: the lock
    // it then gets is on a deleted file, and a run that made a new lock
    // file holds the folder. The waiter must wait for that one too.
    let roles = roles_dir();
    let out = tempfile::tempdir().unwrap();
    let first = jdgen::build::lock_output(out.path(), None).unwrap();
    let mut cmd = StdCommand::new(assert_cmd::cargo::cargo_bin("jdgen"));
    cmd.arg("--roles")
        .arg(roles.path())
        .args(["build", "--wait", "-o"])
        .arg(out.path());
    let (mut child, mut rest, mut err) = common::spawn_until(cmd, "waiting: another jdgen run");
    fs::remove_dir_all(out.path().join(".jdgen")).unwrap();
    let second = jdgen::build::lock_output(out.path(), None).unwrap();
    drop(first);
    std::thread::sleep(Duration::from_millis(800));
    assert!(
        child.try_wait().unwrap().is_none(),
        "the waiter went ahead while a new run held the folder"
    );
    assert!(!out.path().join("pdf").exists());
    drop(second);
    std::io::Read::read_to_string(&mut rest, &mut err).unwrap();
    assert!(child.wait().unwrap().success(), "{err}");
    assert_complete_pdf(&out.path().join("pdf/designer.pdf"));
}

#[test]
fn other_commands_end_at_once_on_a_stop_signal() {
    // Not the default action but a handler: as a container's PID 1 a
    // process without one never sees SIGTERM. Exit code 128 + 15.
    // (500 role levels take far longer than the wait below to render in a
    // debug build, on any number of cores. The paths are printed only once
    // every PDF is written: waiting for the first one raced the end.)
    let roles = tempfile::tempdir().unwrap();
    jdgen::corpus::generate(Path::new("roles"), roles.path(), 500).unwrap();
    let out = tempfile::tempdir().unwrap();
    let mut cmd = StdCommand::new(assert_cmd::cargo::cargo_bin("jdgen"));
    default_signals(&mut cmd);
    let mut child = cmd
        .arg("--roles")
        .arg(roles.path())
        .args(["pdf", "--all", "-o"])
        .arg(out.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(400));
    assert!(
        child.try_wait().unwrap().is_none(),
        "ended before the signal"
    );
    signal(&child, libc::SIGTERM);
    assert_eq!(ended_by(&mut child), Some(libc::SIGTERM));
}

#[test]
fn shards_cover_every_role_exactly_once() {
    let roles = tempfile::tempdir().unwrap();
    let n = jdgen::corpus::generate(Path::new("tests/fixtures/minimal"), roles.path(), 24).unwrap();
    let merged = tempfile::tempdir().unwrap();
    let mut seen = BTreeSet::new();
    for k in 1..=3 {
        let out = tempfile::tempdir().unwrap();
        let (code, s, err) = build(roles.path(), out.path(), &["--shard", &format!("{k}/3")]);
        assert_eq!(code, 0, "{err}");
        assert!(s["exports"].as_str().unwrap().starts_with("skipped"));
        for e in fs::read_dir(out.path().join("pdf")).unwrap().flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            assert!(seen.insert(name.clone()), "{name} built by two shards");
            fs::create_dir_all(merged.path().join("pdf")).unwrap();
            fs::copy(e.path(), merged.path().join("pdf").join(&name)).unwrap();
        }
        let state = out.path().join(".jdgen/pdf");
        fs::create_dir_all(merged.path().join(".jdgen/pdf")).unwrap();
        for e in fs::read_dir(&state).unwrap().flatten() {
            fs::copy(
                e.path(),
                merged.path().join(".jdgen/pdf").join(e.file_name()),
            )
            .unwrap();
        }
    }
    assert_eq!(seen.len(), n);
    // The unsharded run over the merged shards renders nothing and writes
    // the exports and the manifest.
    let (code, s, err) = build(roles.path(), merged.path(), &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(s["counts"]["built"], 0);
    assert_eq!(s["counts"]["skipped"], n);
    assert_eq!(s["exports"], "built");
    // JOB_COMPLETION_INDEX + JDGEN_SHARD_COUNT select the same slice.
    let out = tempfile::tempdir().unwrap();
    let env = [("JOB_COMPLETION_INDEX", "0"), ("JDGEN_SHARD_COUNT", "3")];
    let (code, s, err) = build_env(roles.path(), out.path(), &[], &env);
    assert_eq!(code, 0, "{err}");
    assert_eq!(s["shard"], serde_json::json!({"index": 1, "count": 3}));
    // A shard removes no PDF of a role that is gone: the manifest and the
    // exports name it until the unsharded run, which removes it.
    let (roles, out) = built();
    fs::remove_file(roles.path().join("design.yaml")).unwrap();
    for k in 1..=2 {
        let (code, s, err) = build(roles.path(), out.path(), &["--shard", &format!("{k}/2")]);
        assert_eq!(code, 0, "{err}");
        assert_eq!(s["removed"], serde_json::json!([]), "{s}");
        assert!(
            err.contains("removal of stale PDFs skipped: sharded run"),
            "{err}"
        );
    }
    assert!(out.path().join("pdf/designer.pdf").exists());
    let (code, s, err) = build(roles.path(), out.path(), &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        s["removed"],
        serde_json::json!(["pdf/designer.pdf", "pdf/senior-designer.pdf"]),
        "{s}"
    );
    // A folder with no manifest (a shard's own) loses the gone roles of the
    // run's slice, and only those: merged every night, the shards' folders
    // brought the gone PDFs back. N is picked so that the two gone roles
    // fall in different slices.
    use jdgen::build::Shard;
    let n = (2..20)
        .find(|n| {
            let s = Shard::parse(&format!("1/{n}")).unwrap();
            s.contains("designer") != s.contains("senior-designer")
        })
        .unwrap();
    let k = if Shard::parse(&format!("1/{n}"))
        .unwrap()
        .contains("designer")
    {
        1
    } else {
        (2..=n)
            .find(|k| {
                Shard::parse(&format!("{k}/{n}"))
                    .unwrap()
                    .contains("designer")
            })
            .unwrap()
    };
    let (roles, out) = built();
    fs::remove_file(out.path().join("manifest.json")).unwrap();
    fs::remove_file(roles.path().join("design.yaml")).unwrap();
    let (code, s, err) = build(roles.path(), out.path(), &["--shard", &format!("{k}/{n}")]);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("warning"), "{err}");
    assert_eq!(s["removed"], serde_json::json!(["pdf/designer.pdf"]), "{s}");
    assert!(!out.path().join("pdf/designer.pdf").exists());
    assert!(out.path().join("pdf/senior-designer.pdf").exists());
    assert!(out.path().join(".jdgen/pdf/senior-designer.json").exists());
}

#[test]
fn bad_build_arguments_are_usage_errors() {
    let o = jdgen().args(["build", "--shard", "4/3"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("1 ≤ K ≤ N"));
    let o = jdgen()
        .args(["build", "--shard", "4294967296/4294967296"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("is too large"));
    let out = tempfile::tempdir().unwrap();
    for jobs in ["0", "100000"] {
        let o = jdgen()
            .args(["build", "--jobs", jobs, "-o"])
            .arg(out.path())
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "--jobs {jobs}");
    }
    // Usage errors come before anything is written.
    assert_eq!(fs::read_dir(out.path()).unwrap().count(), 0);
    // An output folder every later run would read as a role file (each
    // then failed with "not a regular file"): for build, export and pdf.
    let roles = roles_dir();
    for args in [
        &["build", "-o"][..],
        &["export", "--csv", "-o"][..],
        &["pdf", "--all", "-o"][..],
    ] {
        // Also below such a folder, and through a link to the role folder.
        let link = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(roles.path(), link.path().join("roles")).unwrap();
        for out in [
            roles.path().join("out.yaml"),
            roles.path().join("OUT.YML"),
            roles.path().join("x.yaml/out"),
            link.path().join("roles/out.yaml"),
            // Through a folder the run would make, then `..`.
            roles.path().join("nx/../out.yaml"),
        ] {
            let o = jdgen()
                .arg("--roles")
                .arg(roles.path())
                .args(args)
                .arg(&out)
                .output()
                .unwrap();
            let err = String::from_utf8_lossy(&o.stderr);
            assert_eq!(
                o.status.code(),
                Some(2),
                "{args:?} {}: {err}",
                out.display()
            );
            assert!(err.contains("would be read as a role file"), "{err}");
        }
        assert!(!roles.path().join("out.yaml").exists());
        assert!(!roles.path().join("x.yaml").exists());
        assert!(!roles.path().join("nx").exists());
    }
    // A `..` after a link goes where the link leads: no role folder there.
    let elsewhere = tempfile::tempdir().unwrap();
    fs::create_dir(elsewhere.path().join("sub")).unwrap();
    std::os::unix::fs::symlink(elsewhere.path().join("sub"), roles.path().join("lnk")).unwrap();
    let o = jdgen()
        .arg("--roles")
        .arg(roles.path())
        .args(["export", "--csv", "-o"])
        .arg(roles.path().join("lnk/../o.yaml"))
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(elsewhere.path().join("o.yaml/roles.csv").exists());
    fs::remove_file(roles.path().join("lnk")).unwrap();
    // A dot-name is no role file: the loader skips it.
    let o = jdgen()
        .arg("--roles")
        .arg(roles.path())
        .args(["export", "--csv", "-o"])
        .arg(roles.path().join(".exports.yaml"))
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // And a summary below such a folder.
    let o = jdgen()
        .arg("--roles")
        .arg(roles.path())
        .args(["build", "--summary-json"])
        .arg(roles.path().join("s.yaml/summary.json"))
        .arg("-o")
        .arg(out.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("would make the folder"), "{err}");
    assert!(err.contains("read as a role file"), "{err}");
    assert!(!roles.path().join("s.yaml").exists());
    // Or one through a folder the run would make: it wrote `s.yaml` there,
    // and every later run failed reading it.
    let o = jdgen()
        .arg("--roles")
        .arg(roles.path())
        .args(["build", "--summary-json"])
        .arg(roles.path().join("nx/../s.yaml"))
        .arg("-o")
        .arg(out.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("would add a file read as a role file"),
        "{err}"
    );
    assert!(!roles.path().join("s.yaml").exists());
    assert!(!roles.path().join("nx").exists());
}

#[test]
fn a_lock_file_or_state_folder_that_is_a_link_is_not_followed() {
    // The lock was opened through a symbolic link, making an empty file
    // wherever it pointed, outside the output folder too; a linked state
    // folder got the lock and every key file.
    let roles = roles_dir();
    let out = tempfile::tempdir().unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let target = elsewhere.path().join("made-by-jdgen");
    fs::create_dir(out.path().join(".jdgen")).unwrap();
    std::os::unix::fs::symlink(&target, out.path().join(".jdgen/lock")).unwrap();
    let (code, _, err) = build(roles.path(), out.path(), &[]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("the lock file is a symbolic link"), "{err}");
    assert!(!target.exists());
    fs::remove_dir_all(out.path().join(".jdgen")).unwrap();
    std::os::unix::fs::symlink(elsewhere.path(), out.path().join(".jdgen")).unwrap();
    let (code, _, err) = build(roles.path(), out.path(), &[]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("run state is a symbolic link"), "{err}");
    assert_eq!(fs::read_dir(elsewhere.path()).unwrap().count(), 0);
}

fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid C string; mkfifo only reads it.
    assert_eq!(
        unsafe { libc::mkfifo(c.as_ptr(), 0o644) },
        0,
        "{}",
        path.display()
    );
}

#[test]
fn a_fifo_or_device_in_the_run_state_never_hangs_the_run() {
    // A FIFO at `.jdgen/lock`, `.jdgen/exports.json` or a PDF's record hung
    // the run on its open for good, and a record linked to /dev/zero was
    // read until memory ran out. The lock is refused; a record that is no
    // regular file is made again. (The timeout only catches a hang.)
    let (roles, out) = built();
    let o = out.path();
    let run = |o: &Path| {
        let out = jdgen()
            .arg("--roles")
            .arg(roles.path())
            .args(["build", "-q", "-o"])
            .arg(o)
            .timeout(std::time::Duration::from_secs(300))
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let lock = o.join(".jdgen/lock");
    fs::remove_file(&lock).unwrap();
    mkfifo(&lock);
    let (code, err) = run(o);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("the lock file is not a regular file"), "{err}");
    fs::remove_file(&lock).unwrap();
    let before = tree(o);
    let exports = o.join(".jdgen/exports.json");
    let record = o.join(".jdgen/pdf/designer.json");
    fs::remove_file(&exports).unwrap();
    mkfifo(&exports);
    fs::remove_file(&record).unwrap();
    std::os::unix::fs::symlink("/dev/zero", &record).unwrap();
    let (code, err) = run(o);
    assert_eq!(code, Some(0), "{err}");
    for made in [&exports, &record] {
        let meta = fs::symlink_metadata(made).unwrap();
        assert!(meta.is_file(), "{} is not a file again", made.display());
    }
    // Made again to the same records, and no output rewritten.
    let after = tree(o);
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>()
    );
    for (k, (bytes, _)) in &after {
        assert_eq!(&before[k].0, bytes, "{k} changed");
    }
}

#[test]
fn log_lines_are_timestamped_when_not_on_a_terminal() {
    let roles = roles_dir();
    let out = tempfile::tempdir().unwrap();
    let o = jdgen()
        .arg("--roles")
        .arg(roles.path())
        .args(["build", "-o"])
        .arg(out.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    let err = String::from_utf8_lossy(&o.stderr);
    let last = err.lines().last().unwrap();
    assert!(last.contains(" jdgen: done in "), "{err}");
    assert!(
        last.chars().nth(4) == Some('-') && last.contains('T') && last.contains("Z jdgen:"),
        "{last}"
    );
    let o = jdgen()
        .arg("--roles")
        .arg(roles.path())
        .args(["build", "--quiet", "-o"])
        .arg(out.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert!(o.stderr.is_empty());
    // So is the error that stops a run, each of its lines (it printed bare,
    // `= help:` lines and all, into the log), with `--quiet` too; and the
    // summary's `error` field holds no `error: ` of its own.
    let empty = tempfile::tempdir().unwrap();
    let summary = out.path().join("s.json");
    let o = jdgen()
        .arg("--roles")
        .arg(empty.path())
        .args(["build", "--quiet", "-o"])
        .arg(out.path())
        .arg("--summary-json")
        .arg(&summary)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("no role files"), "{err}");
    assert!(err.contains("= help:"), "{err}");
    for line in err.lines() {
        assert!(
            line.chars().nth(4) == Some('-') && line.contains("Z jdgen: "),
            "{line}"
        );
    }
    let s: Value = serde_json::from_slice(&fs::read(&summary).unwrap()).unwrap();
    let e = s["error"].as_str().unwrap();
    assert!(
        !e.starts_with("error: ") && e.contains("no company.yaml"),
        "{e}"
    );
    // Each of its errors (here two) alike.
    assert!(
        e.contains("no role files") && !e.contains("\nerror: "),
        "{e}"
    );
}

/// Runs a build on a pseudo-terminal (util-linux `script`, part of every
/// Debian system) with `TERM` set; returns what the terminal showed.
fn build_on_a_terminal(term: &str) -> String {
    let roles = roles_dir();
    let out = tempfile::tempdir().unwrap();
    let command = format!(
        "'{}' --roles '{}' build -o '{}'",
        assert_cmd::cargo::cargo_bin("jdgen").display(),
        roles.path().display(),
        out.path().display()
    );
    let o = StdCommand::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env("TERM", term)
        .env_remove("JDGEN_ROLES")
        .stdin(Stdio::null())
        .output()
        .expect("util-linux `script` runs");
    assert_eq!(o.status.code(), Some(0));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn a_terminal_gets_a_progress_bar_and_a_dumb_one_plain_lines() {
    let shown = build_on_a_terminal("xterm");
    assert!(shown.contains("rendering ["), "{shown}");
    assert!(shown.contains(" jdgen: done in "), "{shown}");
    // On TERM=dumb the bar's redraws erased the log lines printed through
    // it: no bar there, every line as it is logged.
    let shown = build_on_a_terminal("dumb");
    assert!(!shown.contains("rendering ["), "{shown}");
    assert!(!shown.contains('\x1b'), "{shown:?}");
    let lines: Vec<&str> = shown.lines().collect();
    assert_eq!(lines.len(), 2, "{shown}");
    assert!(
        lines[0].contains(" jdgen: 4 roles, 0 of them failed to load"),
        "{shown}"
    );
    assert!(lines[1].contains(" jdgen: done in "), "{shown}");
}

#[test]
fn changing_the_logo_file_rebuilds_every_pdf() {
    // The role data only names the logo (its bytes are read with the
    // company file), so its bytes must be part of every PDF's key.
    let roles = tempfile::tempdir().unwrap();
    for e in fs::read_dir("tests/fixtures/pdf/logo").unwrap().flatten() {
        fs::copy(e.path(), roles.path().join(e.file_name())).unwrap();
    }
    let out = tempfile::tempdir().unwrap();
    assert_eq!(build(roles.path(), out.path(), &[]).0, 0);
    let before = tree(out.path());
    let logo = roles.path().join("logo.svg");
    let svg = fs::read_to_string(&logo).unwrap();
    fs::write(
        &logo,
        svg.replacen("fill=\"", "fill=\"#00aa00\" data-old-fill=\"", 1),
    )
    .unwrap();
    let (code, s, err) = build(roles.path(), out.path(), &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(s["counts"]["built"], 2, "{s}");
    assert_eq!(s["exports"], "built");
    let after = tree(out.path());
    for pdf in ["pdf/widget-engineer.pdf", "pdf/senior-widget-engineer.pdf"] {
        assert_ne!(before[pdf].0, after[pdf].0, "{pdf} still has the old logo");
    }
    // And a run after that changes nothing.
    let (_, s, _) = build(roles.path(), out.path(), &[]);
    assert_eq!(s["counts"]["built"], 0, "{s}");
}

/// A copy of the logo fixture (company.yaml sets `data_version`, so role
/// keys do not change with company.yaml's other text).
fn logo_roles() -> tempfile::TempDir {
    let roles = tempfile::tempdir().unwrap();
    for e in fs::read_dir("tests/fixtures/pdf/logo").unwrap().flatten() {
        fs::copy(e.path(), roles.path().join(e.file_name())).unwrap();
    }
    roles
}

#[test]
fn exports_follow_what_only_the_tables_show() {
    // The family file's name reaches only the CSV/XLSX tables: the exports
    // must still be rebuilt when it changes. effective_date reaches both:
    // the PDFs print it even with SOURCE_DATE_EPOCH set (which used to win
    // and leave the PDFs with another date than the tables).
    let roles = logo_roles();
    let out = tempfile::tempdir().unwrap();
    let run = || {
        let env = [("SOURCE_DATE_EPOCH", "1767225600")];
        let (code, s, err) = build_env(roles.path(), out.path(), &[], &env);
        assert_eq!(code, 0, "{err}");
        s
    };
    run();
    let company = roles.path().join("company.yaml");
    let text = fs::read_to_string(&company).unwrap();
    fs::write(&company, text.replace("2025-06-30", "2025-07-31")).unwrap();
    let s = run();
    assert_eq!(s["counts"]["built"], 2, "the PDFs show effective_date: {s}");
    assert_eq!(s["exports"], "built", "{s}");
    let csv = fs::read_to_string(out.path().join("export/roles.csv")).unwrap();
    assert!(
        csv.contains("2025-07-31") && !csv.contains("2025-06-30"),
        "{csv}"
    );
    let text = common::pdf_text(&out.path().join("pdf/widget-engineer.pdf"));
    assert!(
        text.contains("2025-07-31") && !text.contains("2026-01-01"),
        "{text}"
    );

    fs::rename(
        roles.path().join("widgets.yaml"),
        roles.path().join("widget-eng.yaml"),
    )
    .unwrap();
    let s = run();
    assert_eq!(s["exports"], "built", "{s}");
    let csv = fs::read_to_string(out.path().join("export/roles.csv")).unwrap();
    assert!(
        csv.contains("widget-eng.yaml") && !csv.contains("widgets.yaml"),
        "{csv}"
    );
    assert_eq!(run()["exports"], "unchanged");
}

#[test]
fn an_output_edited_in_place_is_rebuilt_even_at_the_same_size() {
    let roles = logo_roles();
    let out = tempfile::tempdir().unwrap();
    assert_eq!(build(roles.path(), out.path(), &[]).0, 0);
    let good = tree(out.path());
    // Overwrite bytes in the middle of a PDF and of an export, keeping
    // their sizes (later mtimes: file systems may store whole seconds).
    std::thread::sleep(std::time::Duration::from_millis(1100));
    for rel in ["pdf/widget-engineer.pdf", "export/roles.csv"] {
        let path = out.path().join(rel);
        let mut bytes = fs::read(&path).unwrap();
        let mid = bytes.len() / 2;
        bytes[mid..mid + 4].copy_from_slice(b"XXXX");
        fs::write(&path, bytes).unwrap();
    }
    let (code, s, err) = build(roles.path(), out.path(), &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(s["counts"]["built"], 1, "{s}");
    assert_eq!(s["exports"], "built", "{s}");
    let now = tree(out.path());
    for rel in ["pdf/widget-engineer.pdf", "export/roles.csv"] {
        assert_eq!(now[rel].0, good[rel].0, "{rel} was not restored");
    }
    // The manifest's checksums describe the files on disk again.
    let manifest: Value =
        serde_json::from_slice(&fs::read(out.path().join("manifest.json")).unwrap()).unwrap();
    let text = manifest.to_string();
    assert!(text.contains(&jdgen::fsutil::sha256_hex(&now["export/roles.csv"].0)));
}

#[test]
fn a_pdf_edited_at_the_same_size_and_time_fails_its_role_then_is_rebuilt() {
    // Edited in place with its size and time kept, a PDF passes the quick
    // check and is found only by the bundle's SHA-256 check. That run's
    // counts left the role out (13 of 14 added up), its message said
    // "previous exports kept" three times and blamed a writer during the
    // run. Now the role is a failure of its own, said once, and the next
    // run renders it again.
    let (roles, out) = built();
    let o = out.path();
    let pdf = o.join("pdf/designer.pdf");
    let good = edit_keeping_size_and_time(&pdf);
    // Another family changes, so the exports (and the bundle) are made.
    let eng = roles.path().join("engineering.yaml");
    let text = fs::read_to_string(&eng).unwrap();
    let edited = text.replacen("title:", "title: Edited", 1);
    assert_ne!(edited, text);
    fs::write(&eng, edited).unwrap();
    let (code, s, err) = build(roles.path(), o, &[]);
    assert_eq!(code, 1, "{err}");
    let c = &s["counts"];
    let failed_roles = s["failures"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| !f["role"].is_null())
        .count() as u64;
    assert_eq!(failed_roles, 1, "{s}");
    assert_eq!(
        c["built"].as_u64().unwrap() + c["skipped"].as_u64().unwrap() + failed_roles,
        c["roles"].as_u64().unwrap(),
        "{s}"
    );
    let text = s["failures"].to_string();
    assert!(text.contains("\"role\":\"designer\""), "{text}");
    assert!(
        text.contains("its PDF changed on disk after jdgen wrote it"),
        "{text}"
    );
    assert!(text.contains("1 PDF in "), "{text}");
    assert_eq!(text.matches("kept").count(), 1, "{text}");
    assert!(!text.contains("while the bundle was being made"), "{text}");
    let (code, s, err) = build(roles.path(), o, &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(fs::read(&pdf).unwrap(), good, "{s}");
}

#[test]
fn an_output_replaced_by_a_link_to_the_same_bytes_is_made_a_file_again() {
    // A link leads wherever its target is moved or rewritten later: an HR
    // import reading the output folder must find jdgen's own file there.
    let roles = logo_roles();
    let out = tempfile::tempdir().unwrap();
    assert_eq!(build(roles.path(), out.path(), &[]).0, 0);
    let good = tree(out.path());
    let aside = tempfile::tempdir().unwrap();
    for (i, rel) in ["pdf/widget-engineer.pdf", "export/roles.csv"]
        .iter()
        .enumerate()
    {
        let path = out.path().join(rel);
        let copy = aside.path().join(i.to_string());
        fs::rename(&path, &copy).unwrap();
        std::os::unix::fs::symlink(&copy, &path).unwrap();
    }
    let (code, s, err) = build(roles.path(), out.path(), &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(s["counts"]["built"], 1, "{s}");
    let now = tree(out.path());
    for (i, rel) in ["pdf/widget-engineer.pdf", "export/roles.csv"]
        .iter()
        .enumerate()
    {
        let path = out.path().join(rel);
        assert!(fs::symlink_metadata(&path).unwrap().is_file(), "{rel}");
        assert_eq!(now[*rel].0, good[*rel].0, "{rel}");
        // Replaced, not written through.
        assert_eq!(
            fs::read(aside.path().join(i.to_string())).unwrap(),
            good[*rel].0
        );
    }
}

#[test]
fn a_pdf_changed_behind_the_runs_back_is_not_reported_as_its_output() {
    // Changed in place with its size and time kept (what another writer
    // into `pdf/` can leave), a PDF passes the quick check; the bundle then
    // finds other bytes and the exports fail. The summary listed the PDF
    // with the hash of what jdgen wrote, not of the file there.
    let (roles, out) = built();
    let pdf = out.path().join("pdf/junior-engineer.pdf");
    let when = fs::metadata(&pdf).unwrap().modified().unwrap();
    let mut bytes = fs::read(&pdf).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid..mid + 4].copy_from_slice(b"XXXX");
    fs::write(&pdf, &bytes).unwrap();
    fs::File::options()
        .write(true)
        .open(&pdf)
        .unwrap()
        .set_modified(when)
        .unwrap();
    // Another family changes, so the exports are made again.
    common::edit(&roles.path().join("design.yaml"), |t| {
        t.replace("Design things", "Design more things")
    });
    let (code, s, err) = build(roles.path(), out.path(), &[]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(s["exports"], "failed: previous exports kept", "{s}");
    assert!(err.contains("pdf/junior-engineer.pdf"), "{err}");
    let outputs = s["outputs"].as_array().unwrap();
    assert!(
        !outputs
            .iter()
            .any(|o| o["path"] == "pdf/junior-engineer.pdf"),
        "{s}"
    );
    // Every output listed holds the hash given.
    for o in outputs {
        let on_disk = fs::read(out.path().join(o["path"].as_str().unwrap())).unwrap();
        assert_eq!(o["sha256"], jdgen::fsutil::sha256_hex(&on_disk), "{o}");
    }
    // The next run renders it again.
    let (code, s, err) = build(roles.path(), out.path(), &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(s["counts"]["built"], 1, "{s}");
}

#[test]
fn an_edit_in_the_same_second_on_a_coarse_file_system_is_rebuilt() {
    // A file system that stores whole seconds: the PDF was written at T,
    // edited in place at the same size within that second, so its time is
    // still T. Simulated by setting both the file's and the recorded time.
    let (roles, out) = built();
    let pdf = out.path().join("pdf/designer.pdf");
    let good = fs::read(&pdf).unwrap();
    let state_path = out.path().join(".jdgen/pdf/designer.json");
    // The PDF's time and the time its state recorded, both a whole second.
    let pin_times = || {
        let secs = 1_790_000_000u64;
        fs::File::options()
            .write(true)
            .open(&pdf)
            .unwrap()
            .set_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(secs))
            .unwrap();
        let mut state: Value = serde_json::from_slice(&fs::read(&state_path).unwrap()).unwrap();
        state["modified"] = serde_json::json!(u128::from(secs) * 1_000_000_000);
        fs::write(&state_path, serde_json::to_vec(&state).unwrap()).unwrap();
    };
    let mut bytes = good.clone();
    let mid = bytes.len() / 2;
    bytes[mid..mid + 4].copy_from_slice(b"XXXX");
    fs::write(&pdf, &bytes).unwrap();
    pin_times();
    let (code, s, err) = build(roles.path(), out.path(), &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(s["counts"]["built"], 1, "{s}");
    assert_eq!(fs::read(&pdf).unwrap(), good, "the edited PDF was kept");
    // An unedited file with a whole-second time is checked, not rebuilt.
    pin_times();
    let (code, s, err) = build(roles.path(), out.path(), &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(s["counts"]["built"], 0, "{s}");
}

#[test]
fn a_build_removes_only_what_a_run_of_it_wrote() {
    // A PDF someone put in `pdf/` (a signed offer) was deleted as a
    // "stale role"; a state file naming `../../x` made a build delete x.
    let roles = roles_dir();
    let out = tempfile::tempdir().unwrap();
    let o = out.path().join("o");
    fs::create_dir_all(o.join("pdf")).unwrap();
    fs::write(o.join("pdf/offer-jane-signed.pdf"), b"%PDF-1.7 signed").unwrap();
    let (code, s, err) = build(roles.path(), &o, &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(s["removed"], serde_json::json!([]));
    assert!(o.join("pdf/offer-jane-signed.pdf").is_file());
    assert!(
        err.contains(
            "pdf/offer-jane-signed.pdf is no role's, and no jdgen run recorded writing it"
        ),
        "{err}"
    );
    let victim = out.path().join("victim.txt");
    fs::write(&victim, b"keep").unwrap();
    let state_path = o.join(".jdgen/exports.json");
    let mut state: Value = serde_json::from_slice(&fs::read(&state_path).unwrap()).unwrap();
    state["key"] = "changed".into();
    let any = state["files"]["roles.csv"].clone();
    for name in ["../../victim.txt", victim.to_str().unwrap()] {
        state["files"][name] = any.clone();
    }
    fs::write(&state_path, serde_json::to_vec(&state).unwrap()).unwrap();
    let (code, _, err) = build(roles.path(), &o, &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(fs::read(&victim).unwrap(), b"keep");
    // With the key unchanged, such a name (recorded with the other file's
    // true size and hash) made the exports look unchanged, and the other
    // file was listed in the manifest as an export.
    fs::write(&victim, fs::read(o.join("export/roles.csv")).unwrap()).unwrap();
    let mut state: Value = serde_json::from_slice(&fs::read(&state_path).unwrap()).unwrap();
    let csv = state["files"]["roles.csv"].clone();
    state["files"]["../../victim.txt"] = csv;
    fs::write(&state_path, serde_json::to_vec(&state).unwrap()).unwrap();
    let (code, _, err) = build(roles.path(), &o, &[]);
    assert_eq!(code, 0, "{err}");
    let manifest = fs::read_to_string(o.join("manifest.json")).unwrap();
    assert!(!manifest.contains("victim"), "{manifest}");
    let state = fs::read_to_string(&state_path).unwrap();
    assert!(!state.contains("victim"), "{state}");
}

#[test]
fn an_output_folder_that_is_a_link_is_not_written_through() {
    // `out/export` linked to another folder got the exports (and the
    // removal of stale ones) there, as `out/.jdgen` no longer did.
    let roles = roles_dir();
    let out = tempfile::tempdir().unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    // `out/.jdgen/pdf` too: its stale state files were deleted there.
    for name in ["pdf", "export", ".jdgen/pdf"] {
        let link = out.path().join(name);
        fs::create_dir_all(link.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(elsewhere.path(), &link).unwrap();
        let (code, _, err) = build(roles.path(), out.path(), &[]);
        assert_eq!(code, 1, "{err}");
        assert!(
            err.contains(&format!("{name}: error: the")) && err.contains(" is a symbolic link"),
            "{err}"
        );
        assert_eq!(fs::read_dir(elsewhere.path()).unwrap().count(), 0);
        fs::remove_file(&link).unwrap();
    }
    // The output folder itself may be a link: `-o` names it.
    let linked_out = elsewhere.path().join("out");
    std::os::unix::fs::symlink(out.path(), &linked_out).unwrap();
    let (code, _, err) = build(roles.path(), &linked_out, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(out.path().join("pdf").read_dir().unwrap().count() > 0);
}

#[test]
fn a_file_put_where_a_gone_roles_pdf_was_is_not_taken_for_it() {
    // A gone role whose PDF was already deleted (by hand, or a kill between
    // the two removals) kept its record; a file put at that name later
    // (a signed offer) was then deleted as the stale PDF.
    let (roles, out) = built();
    let o = out.path();
    fs::remove_file(o.join("pdf/designer.pdf")).unwrap();
    fs::write(o.join("pdf/senior-designer.pdf"), b"%PDF-1.7 signed offer").unwrap();
    fs::remove_file(roles.path().join("design.yaml")).unwrap();
    let (code, s, err) = build(roles.path(), o, &[]);
    assert_eq!(code, 0, "{err}");
    // Neither is jdgen's any more: nothing removed, the record forgotten.
    assert_eq!(s["removed"], serde_json::json!([]), "{s}");
    assert!(
        err.contains("pdf/senior-designer.pdf is no role's, and is not the PDF"),
        "{err}"
    );
    assert!(!o.join(".jdgen/pdf/designer.json").exists());
    assert!(!o.join(".jdgen/pdf/senior-designer.json").exists());
    fs::write(o.join("pdf/designer.pdf"), b"%PDF-1.7 another offer").unwrap();
    let (code, s, err) = build(roles.path(), o, &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(s["removed"], serde_json::json!([]), "{s}");
    assert_eq!(
        fs::read(o.join("pdf/designer.pdf")).unwrap(),
        b"%PDF-1.7 another offer"
    );
    assert_eq!(
        fs::read(o.join("pdf/senior-designer.pdf")).unwrap(),
        b"%PDF-1.7 signed offer"
    );
    // A record that cannot be read (a crash while it was written: records
    // are not synced) proves nothing: the PDF stays, and the warning says
    // why; the intact record of the other level still removes its PDF.
    let (roles, out) = built();
    let o = out.path();
    fs::write(o.join(".jdgen/pdf/designer.json"), b"{").unwrap();
    fs::remove_file(roles.path().join("design.yaml")).unwrap();
    let (code, s, err) = build(roles.path(), o, &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        s["removed"],
        serde_json::json!(["pdf/senior-designer.pdf"]),
        "{s}"
    );
    assert!(o.join("pdf/designer.pdf").is_file());
    assert!(
        err.contains(
            "pdf/designer.pdf is no role's, and has a record in .jdgen/pdf/ that cannot be read"
        ),
        "{err}"
    );
}

#[test]
fn a_missing_role_folder_leaves_no_output_folder_behind() {
    // Run from the wrong folder, build said so but left out/.jdgen/lock.
    let tmp = tempfile::tempdir().unwrap();
    let (code, _, err) = build(&tmp.path().join("roles"), &tmp.path().join("out"), &[]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("cannot read role folder"), "{err}");
    assert!(!tmp.path().join("out").exists());
    // Nor does a role folder without company.yaml, with a broken one, or
    // with no family file.
    let roles = tmp.path().join("roles");
    fs::create_dir(&roles).unwrap();
    for company in [
        None,
        Some("name: X\n"),
        Some("name: X\nwebsite: https://x.test\n"),
    ] {
        if let Some(text) = company {
            fs::write(roles.join("company.yaml"), text).unwrap();
        }
        let (code, _, err) = build(&roles, &tmp.path().join("out"), &[]);
        assert_eq!(code, 1, "{company:?}: {err}");
        assert!(!tmp.path().join("out").exists(), "{company:?}: {err}");
    }
}

#[test]
fn a_new_file_reusing_a_role_id_does_not_replace_that_roles_pdf() {
    // A new family that took `designer` as an id failed the file that had
    // it first, rendered its own level as pdf/designer.pdf over the real
    // one, and was blamed nowhere. Both files fail now, at their lines.
    let (roles, out) = built();
    let before = fs::read(out.path().join("pdf/designer.pdf")).unwrap();
    fs::write(
        roles.path().join("zz-new.yaml"),
        "family: new\ntitle: New\nlevels:\n  - id: designer\n    level: A\n    title: Impostor\n",
    )
    .unwrap();
    let (code, s, err) = build(roles.path(), out.path(), &[]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        fs::read(out.path().join("pdf/designer.pdf")).unwrap(),
        before
    );
    let failures = s["failures"].to_string();
    assert!(
        failures.contains("zz-new.yaml:4:9") && failures.contains("design.yaml:4:9"),
        "{s}"
    );
    // `designer` fails in both files: one role in the log's count, and
    // every role is built, unchanged or failed exactly once.
    let failed: std::collections::BTreeSet<&str> = s["failures"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["role"].as_str())
        .collect();
    let c = &s["counts"];
    assert_eq!(
        c["roles"].as_u64().unwrap(),
        c["built"].as_u64().unwrap() + c["skipped"].as_u64().unwrap() + failed.len() as u64,
        "{s}"
    );
    assert!(
        err.contains(&format!(", {} failed;", failed.len())),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "{} roles, {} of them failed to load:",
            c["roles"],
            failed.len()
        )),
        "{err}"
    );
}

#[test]
fn a_role_file_rewritten_during_a_run_is_noticed() {
    // Rewritten in place (truncated, then written) while a build read it,
    // a file can be read half-written and still parse: the run deleted the
    // PDFs of the roles past the cut and wrote exports without them. A
    // batch run compares what it read with the files before it removes or
    // replaces anything.
    let roles = roles_dir();
    let lib = jdgen::load::load(roles.path()).unwrap();
    assert!(jdgen::load::changed_since_load(&lib).is_empty());
    let changed = |lib: &jdgen::load::Library| -> Vec<(PathBuf, String)> {
        jdgen::load::changed_since_load(lib)
            .into_iter()
            .map(|(f, what)| (f, what.to_string()))
            .collect()
    };
    let design = roles.path().join("design.yaml");
    let text = fs::read_to_string(&design).unwrap();
    let cut = text.find("  - id: senior-designer").unwrap();
    fs::write(&design, &text[..cut]).unwrap();
    let rewritten = "changed while this run was reading it".to_string();
    assert_eq!(changed(&lib), [(design.clone(), rewritten.clone())]);
    // The levels past the cut moved to a new file (a `git pull` between the
    // run's listing of the folder and its reading of the files): the run
    // read neither copy, and removed their PDFs with exit 0.
    let moved = roles.path().join("design-senior.yaml");
    fs::write(
        &moved,
        format!(
            "family: design-senior\ntitle: Design\nlevels:\n{}",
            &text[cut..]
        ),
    )
    .unwrap();
    assert_eq!(
        changed(&lib),
        [
            (
                moved.clone(),
                "appeared while this run was reading the role folder".to_string()
            ),
            (design.clone(), rewritten.clone()),
        ]
    );
    fs::remove_file(&moved).unwrap();
    // Not role files: not a change.
    fs::write(roles.path().join("notes.txt"), "x").unwrap();
    fs::write(roles.path().join(".design.yaml"), "x").unwrap();
    fs::write(roles.path().join(".design.yaml.swp"), "x").unwrap();
    fs::write(&design, &text).unwrap();
    assert!(changed(&lib).is_empty());
    fs::write(
        roles.path().join("company.yaml"),
        "name: Other\nwebsite: https://x.test\n",
    )
    .unwrap();
    assert_eq!(
        changed(&lib),
        [(roles.path().join("company.yaml"), rewritten)]
    );
}

#[test]
fn a_role_file_cut_short_during_a_build_removes_nothing() {
    // The same, through the binary: the file is cut (and still parses)
    // after the run has loaded it and while it renders. Without the check,
    // the run removed the PDFs of the two levels past the cut and exited 0.
    let roles = tempfile::tempdir().unwrap();
    for e in fs::read_dir("roles").unwrap().flatten() {
        fs::copy(e.path(), roles.path().join(e.file_name())).unwrap();
    }
    let out = tempfile::tempdir().unwrap();
    let (code, _, err) = build(roles.path(), out.path(), &[]);
    assert_eq!(code, 0, "{err}");
    let before = tree(out.path());

    let mut child = StdCommand::new(assert_cmd::cargo::cargo_bin("jdgen"))
        .arg("--roles")
        .arg(roles.path())
        .args(["build", "--force", "--jobs", "1", "-o"])
        .arg(out.path())
        .env_remove("SOURCE_DATE_EPOCH")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut log = String::new();
    // Printed once every file is read, before the first of 14 renders.
    while !log.contains("rendering those whose content key changed") {
        let mut line = String::new();
        assert!(
            std::io::BufRead::read_line(&mut stderr, &mut line).unwrap() > 0,
            "{log}"
        );
        log.push_str(&line);
    }
    let family = roles.path().join("social-marketing.yaml");
    let text = fs::read_to_string(&family).unwrap();
    fs::write(
        &family,
        &text[..text.find("  - id: manager-social").unwrap()],
    )
    .unwrap();
    std::io::Read::read_to_string(&mut stderr, &mut log).unwrap();
    let status = child.wait().unwrap();

    assert_eq!(status.code(), Some(1), "{log}");
    assert!(
        log.contains("social-marketing.yaml: changed while this run was reading it"),
        "{log}"
    );
    assert!(
        log.contains(&format!("failed: {}: changed while", family.display())),
        "{log}"
    );
    assert!(!log.contains("no longer exists"), "{log}");
    // Said as what it is: no file failed to load, no role failed.
    assert!(
        log.contains(
            "exports skipped: a role file changed while this run read it; previous exports kept"
        ),
        "{log}"
    );
    let after = tree(out.path());
    for pdf in ["pdf/manager-social.pdf", "pdf/senior-manager-social.pdf"] {
        assert_eq!(after[pdf].0, before[pdf].0, "{pdf}");
    }
    // The exports and the manifest were not replaced.
    for (path, (bytes, _)) in &before {
        if path.starts_with("export/") || path == "manifest.json" {
            assert_eq!(&after[path].0, bytes, "{path}");
        }
    }
}

#[test]
fn exports_that_cannot_be_made_end_the_run_with_its_full_summary() {
    // Two paragraphs that join into a cell longer than a spreadsheet holds
    // (check reports it): the run wrote only `{ok, error}`, no counts, no
    // outputs, though the PDFs were built.
    let roles = roles_dir();
    let out = tempfile::tempdir().unwrap();
    let paragraph = "word ".repeat(4_000);
    fs::write(
        roles.path().join("long.yaml"),
        format!("family: long\ntitle: Long\nlevels:\n  - id: long-a\n    level: A\n    title: A\n    description:\n      - \"{paragraph}\"\n      - \"{paragraph}\"\n"),
    )
    .unwrap();
    let (code, s, err) = build(roles.path(), out.path(), &[]);
    assert_eq!(code, 1, "{err}");
    // A first run has none to keep (it said "previous exports kept").
    assert_eq!(s["exports"], "failed: no exports written yet", "{s}");
    assert!(
        err.contains("exports not written (there are none yet)"),
        "{err}"
    );
    assert_eq!(s["counts"]["built"], 5, "{s}");
    // Said where it is written, as `check` says it.
    let failure = &s["failures"][0];
    assert!(
        failure["role"].is_null()
            && failure["file"]
                .as_str()
                .is_some_and(|f| f.ends_with("long.yaml:7:5")),
        "{failure}"
    );
    assert!(
        failure["message"]
            .as_str()
            .unwrap()
            .contains("a cell holds at most 32767"),
        "{failure}"
    );
    assert!(err.contains("long.yaml:7:5: exports not written"), "{err}");
    assert!(!out.path().join("manifest.json").exists());
    // After a run that wrote them, they are kept, and said to be.
    let long = fs::read(roles.path().join("long.yaml")).unwrap();
    fs::remove_file(roles.path().join("long.yaml")).unwrap();
    assert_eq!(build(roles.path(), out.path(), &[]).0, 0);
    fs::write(roles.path().join("long.yaml"), long).unwrap();
    let (code, s, err) = build(roles.path(), out.path(), &[]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(s["exports"], "failed: previous exports kept", "{s}");
    assert!(err.contains("(the previous ones are kept)"), "{err}");
}

#[test]
fn a_failed_run_replaces_the_summary_file() {
    let roles = roles_dir();
    let out = tempfile::tempdir().unwrap();
    let summary = out.path().join("summary.json");
    let s = summary.to_str().unwrap();
    assert_eq!(
        build(roles.path(), &out.path().join("o"), &["--summary-json", s]).0,
        0
    );
    let read = || serde_json::from_slice::<Value>(&fs::read(&summary).unwrap()).unwrap();
    assert_eq!(read()["ok"], true);
    // Tonight's run cannot even read its roles: the file must not still say ok.
    let (code, stdout, _) = build(
        &roles.path().join("missing"),
        &out.path().join("o"),
        &["--summary-json", s],
    );
    assert_eq!(code, 1);
    let failed = read();
    assert_eq!(failed["ok"], false, "{failed}");
    assert_eq!(failed["exit_code"], 1);
    assert!(
        failed["error"]
            .as_str()
            .unwrap()
            .contains("cannot read role folder"),
        "{failed}"
    );
    assert_eq!(
        stdout, failed,
        "--format json prints the same failure summary"
    );
    // Nor when the command line itself is wrong (clap stops before jdgen
    // reads it): the summary is replaced all the same, exit 2.
    assert_eq!(
        build(roles.path(), &out.path().join("o"), &["--summary-json", s]).0,
        0
    );
    for args in [
        vec!["--summary-json", s, "--shard", "5/4"],
        vec!["--shard=5/4", &format!("--summary-json={s}")],
    ] {
        let (code, _, _) = build(roles.path(), &out.path().join("o"), &args);
        assert_eq!(code, 2);
        let failed = read();
        assert_eq!(failed["ok"], false, "{failed}");
        assert_eq!(failed["exit_code"], 2);
        // The error alone, as docs/batch.md says of every summary's: not
        // clap's `error: ` or its `--help` footer.
        assert_eq!(
            failed["error"],
            "invalid value '5/4' for '--shard <K/N>': shard K/N needs 1 ≤ K ≤ N, found 5/4",
            "{failed}"
        );
        fs::remove_file(&summary).unwrap();
    }
}

#[test]
fn shard_settings_from_the_environment_are_checked() {
    let roles = roles_dir();
    let out = tempfile::tempdir().unwrap();
    let with_env = |vars: &[(&str, &str)]| {
        let mut c = jdgen();
        for (k, v) in vars {
            c.env(k, v);
        }
        c.arg("--roles")
            .arg(roles.path())
            .args(["build", "--format", "json", "-o"])
            .arg(out.path())
            .output()
            .unwrap()
    };
    for (index, count) in [("4294967295", "4"), ("4", "4"), ("x", "4"), ("0", "0")] {
        let o = with_env(&[
            ("JOB_COMPLETION_INDEX", index),
            ("JDGEN_SHARD_COUNT", count),
        ]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{index}/{count}: {err}");
        assert!(
            err.contains(&format!(
                "JOB_COMPLETION_INDEX={index} with JDGEN_SHARD_COUNT={count}"
            )),
            "{err}"
        );
    }
    // An index without a count builds everything, and says so, in the
    // log and in the summary (which a Job may be all that is read of).
    let o = with_env(&[("JOB_COMPLETION_INDEX", "1")]);
    assert_eq!(o.status.code(), Some(0));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("warning: JOB_COMPLETION_INDEX=1 is set but JDGEN_SHARD_COUNT is not"),
        "{err}"
    );
    let s: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(s["shard"], Value::Null);
    let warned = |s: &Value, what: &str| {
        s["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w.as_str().unwrap().contains(what))
    };
    assert!(warned(&s, "JDGEN_SHARD_COUNT is not"), "{s}");
    // With --quiet too, where the summary is the only place it is.
    let o = jdgen()
        .env("JOB_COMPLETION_INDEX", "1")
        .arg("--roles")
        .arg(roles.path())
        .args(["build", "-q", "--format", "json", "-o"])
        .arg(out.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    let s: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(warned(&s, "JDGEN_SHARD_COUNT is not"), "{s}");
    let o = with_env(&[("JDGEN_SHARD_COUNT", "3")]);
    let s: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(warned(&s, "JOB_COMPLETION_INDEX is not"), "{s}");
    // Also from a run that stops early (pods that all build everything
    // into one folder meet its lock): said at once, and in the summary.
    let _held = jdgen::build::lock_output(out.path(), None).unwrap();
    let o = with_env(&[("JOB_COMPLETION_INDEX", "1")]);
    assert_eq!(o.status.code(), Some(3));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("JDGEN_SHARD_COUNT is not"), "{err}");
    let s: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(warned(&s, "JDGEN_SHARD_COUNT is not"), "{s}");
}

#[test]
fn only_old_temporary_files_are_swept() {
    // A killed run's leftovers go; a temporary file another command (an
    // `export` into the same folder, which takes no lock) is still writing
    // must not.
    let (roles, out) = built();
    // Another machine's writers (shared storage): they cannot be checked,
    // so only their age tells.
    let old = out.path().join("export/.roles.csv.otherhost-12.abc123.tmp");
    let young = out.path().join("export/.items.csv.otherhost-12.def456.tmp");
    for p in [&old, &young] {
        fs::write(p, b"partial").unwrap();
    }
    let an_hour_ago = SystemTime::now() - std::time::Duration::from_secs(3600);
    fs::File::options()
        .write(true)
        .open(&old)
        .unwrap()
        .set_modified(an_hour_ago)
        .unwrap();
    assert_eq!(build(roles.path(), out.path(), &[]).0, 0);
    assert!(!old.exists(), "a killed run's temporary file is removed");
    assert!(young.exists(), "a temporary file in use is left alone");
}

#[test]
fn a_killed_run_leaves_a_summary_that_is_not_ok() {
    // The summary says "not finished" from the start: a kill -9 (or a
    // deadline's SIGTERM) must not leave the previous run's "ok": true.
    let roles = roles_dir();
    let out = tempfile::tempdir().unwrap();
    let summary = out.path().join("summary.json");
    let s = summary.to_str().unwrap();
    assert_eq!(
        build(roles.path(), &out.path().join("o"), &["--summary-json", s]).0,
        0
    );
    let read = || serde_json::from_slice::<Value>(&fs::read(&summary).unwrap()).ok();
    assert_eq!(read().unwrap()["ok"], true);
    // Hold the lock so the next run waits, then kill it while it waits.
    let lock = jdgen::build::lock_output(&out.path().join("o"), None).unwrap();
    let mut child = StdCommand::new(assert_cmd::cargo::cargo_bin("jdgen"))
        .arg("--roles")
        .arg(roles.path())
        .args(["build", "--wait", "--quiet", "--summary-json", s, "-o"])
        .arg(out.path().join("o"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while read().is_none_or(|v| v["ok"] == true) {
        assert!(std::time::Instant::now() < deadline, "no pending summary");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    drop(lock);
    let left = read().unwrap();
    assert_eq!(left["ok"], false, "{left}");
    assert!(
        left["error"].as_str().unwrap().contains("has not finished"),
        "{left}"
    );
}

#[test]
fn the_summary_is_written_through_links_and_into_fifos() {
    let roles = roles_dir();
    let out = tempfile::tempdir().unwrap();
    let real = out.path().join("real.json");
    let link = out.path().join("link.json");
    fs::write(&real, "old").unwrap();
    std::os::unix::fs::symlink("real.json", &link).unwrap();
    let (code, _, err) = build(
        roles.path(),
        &out.path().join("o"),
        &["--summary-json", link.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let v: Value = serde_json::from_slice(&fs::read(&real).unwrap()).unwrap();
    assert_eq!(v["ok"], true);
    // A FIFO stays a FIFO, and its reader gets the summaries.
    let fifo = out.path().join("fifo");
    common::mkfifo(&fifo);
    let reader = {
        let fifo = fifo.clone();
        // Streams get only the final summary: one open, one read.
        std::thread::spawn(move || fs::read_to_string(&fifo).unwrap())
    };
    let (code, _, err) = build(
        roles.path(),
        &out.path().join("o"),
        &["--summary-json", fifo.to_str().unwrap()],
    );
    if !reader.is_finished() {
        // Never hang the suite: if jdgen did not write, give the reader EOF.
        std::thread::sleep(std::time::Duration::from_millis(200));
        if !reader.is_finished() {
            drop(fs::OpenOptions::new().write(true).open(&fifo));
        }
    }
    let got = reader.join().unwrap();
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&got).unwrap_or_else(|e| panic!("{e}: {got:?}"));
    assert_eq!(v["ok"], true, "{got}");
    use std::os::unix::fs::FileTypeExt;
    assert!(fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
    // A FIFO nobody reads cannot take the summary: the run exits 1, and the
    // summary on standard output says so (it said ok, exit 0).
    let (code, s, err) = build(
        roles.path(),
        &out.path().join("o"),
        &["--summary-json", fifo.to_str().unwrap()],
    );
    assert_eq!(code, 1, "{err}");
    assert_eq!(s["ok"], false, "{s}");
    assert_eq!(s["exit_code"], 1, "{s}");
    assert_eq!(s["counts"]["failed"], 1, "{s}");
    assert!(
        s["failures"][0]["message"]
            .as_str()
            .unwrap()
            .ends_with("the summary file is missing or stale"),
        "{s}"
    );
}

#[test]
fn a_summary_path_inside_the_outputs_is_a_usage_error_before_anything_runs() {
    let roles = roles_dir();
    let out = tempfile::tempdir().unwrap();
    let o = out.path().join("o");
    for bad in [
        "o/manifest.json",
        "o/export/roles.csv",
        "o/.jdgen/lock",
        ".",
    ] {
        let path = out.path().join(bad);
        let (code, _, err) = build(
            roles.path(),
            &o,
            &["--summary-json", path.to_str().unwrap()],
        );
        assert_eq!(code, 2, "{bad}: {err}");
        assert!(err.contains("--summary-json"), "{err}");
        assert!(!o.join("pdf").exists(), "{bad}: the run went ahead");
    }
    let (code, _, err) = build(
        roles.path(),
        &o,
        &["--summary-json", o.join("summary.json").to_str().unwrap()],
    );
    assert_eq!(code, 0, "{err}");
    assert!(o.join("summary.json").is_file());
    // A line that does not parse still writes its failure summary, but
    // never over the run's own outputs (the output folder read leniently).
    let manifest = fs::read(o.join("manifest.json")).unwrap();
    let long = std::ffi::OsString::from(format!("--output={}", o.display()));
    for output in [vec!["-o".into(), o.clone().into_os_string()], vec![long]] {
        let st = jdgen()
            .arg("--roles")
            .arg(roles.path())
            .arg("build")
            .args(output)
            .args(["--shard", "5/4", "--summary-json"])
            .arg(o.join("manifest.json"))
            .output()
            .unwrap();
        assert_eq!(st.status.code(), Some(2));
        assert_eq!(fs::read(o.join("manifest.json")).unwrap(), manifest);
    }
    // The output folder itself, before it exists: written as a file, it
    // made every later run fail with "Not a directory".
    let fresh = out.path().join("fresh");
    let (code, _, err) = build(
        roles.path(),
        &fresh,
        &["--summary-json", fresh.to_str().unwrap()],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("is the output folder"), "{err}");
    assert!(!fresh.exists());
    // Inside the role folder it replaced company.yaml, so every later run
    // failed; or planted a broken "role file". Also when the line does not
    // parse (the role folder then read from the arguments leniently).
    let company = fs::read(roles.path().join("company.yaml")).unwrap();
    for extra in [&[][..], &["--shard", "5/4"][..]] {
        for name in ["company.yaml", "summary.yaml"] {
            let path = roles.path().join(name);
            let (code, _, err) = build(
                roles.path(),
                &o,
                &[&["--summary-json", path.to_str().unwrap()][..], extra].concat(),
            );
            assert_eq!(code, 2, "{err}");
            if extra.is_empty() {
                assert!(err.contains("which this run reads"), "{err}");
            }
        }
        assert_eq!(
            fs::read(roles.path().join("company.yaml")).unwrap(),
            company
        );
        assert!(!roles.path().join("summary.yaml").exists());
    }
    // Nor what the run reads below the role folder (a logo), the template
    // or its images, or an export behind a linked `export/` folder: the
    // template became the summary, and every PDF printed it.
    let tpl = out.path().join("tpl");
    fs::create_dir_all(&tpl).unwrap();
    fs::copy(
        "templates/job-description.typ",
        tpl.join("job-description.typ"),
    )
    .unwrap();
    fs::create_dir_all(roles.path().join("assets")).unwrap();
    fs::write(roles.path().join("assets/logo.png"), b"png").unwrap();
    let share = out.path().join("share");
    fs::create_dir_all(&share).unwrap();
    fs::write(share.join("roles.csv"), b"id\n").unwrap();
    let linked = out.path().join("linked");
    fs::create_dir_all(&linked).unwrap();
    std::os::unix::fs::symlink(&share, linked.join("export")).unwrap();
    let template = tpl.join("job-description.typ");
    for (summary, output) in [
        (roles.path().join("assets/logo.png"), &o),
        (template.clone(), &o),
        (linked.join("export/roles.csv"), &linked),
    ] {
        let before = fs::read(&summary).unwrap();
        let (code, _, err) = build(
            roles.path(),
            output,
            &[
                "--template",
                template.to_str().unwrap(),
                "--summary-json",
                summary.to_str().unwrap(),
            ],
        );
        assert_eq!(code, 2, "{}: {err}", summary.display());
        assert_eq!(fs::read(&summary).unwrap(), before, "{}", summary.display());
    }
    // A summary beside a template in the working folder is at home there.
    let (code, _, err) = build(
        roles.path(),
        &o,
        &[
            "--template",
            template.to_str().unwrap(),
            "--summary-json",
            tpl.join("summary.json").to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{err}");
    // A new summary.json there, or a subfolder, is read by nothing: fine;
    // and the next run replaces its own summary (`--roles .` with the
    // summary in the working folder failed every run after the first).
    for ok in ["summary.json", "reports/summary.json", "summary.json"] {
        let path = roles.path().join(ok);
        let (code, _, err) = build(
            roles.path(),
            &o,
            &["--summary-json", path.to_str().unwrap()],
        );
        assert_eq!(code, 0, "{ok}: {err}");
        assert!(path.is_file());
    }
    // Any other file there is not a summary's to replace.
    fs::write(roles.path().join("notes.json"), b"{\"ok\": 1}").unwrap();
    let notes = roles.path().join("notes.json");
    let (code, _, err) = build(
        roles.path(),
        &o,
        &["--summary-json", notes.to_str().unwrap()],
    );
    assert_eq!(code, 2, "{err}");
    assert_eq!(fs::read(&notes).unwrap(), b"{\"ok\": 1}");
}

#[test]
fn a_json_summary_nobody_can_read_fails_the_run() {
    // `--format json | head -c 10` exited 0: the scheduler read nothing,
    // yet the run said all was well.
    let roles = roles_dir();
    let out = tempfile::tempdir().unwrap();
    let mut child = StdCommand::new(assert_cmd::cargo::cargo_bin("jdgen"))
        .arg("--roles")
        .arg(roles.path())
        .args(["build", "-q", "--format", "json", "-o"])
        .arg(out.path().join("o"))
        .arg("--summary-json")
        .arg(out.path().join("summary.json"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Closed long before the summary is written (after rendering).
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("<stdout>"), "{err}");
    // The summary file agrees with the exit code (it said ok, exit 0).
    let file: Value =
        serde_json::from_slice(&fs::read(out.path().join("summary.json")).unwrap()).unwrap();
    assert_eq!(file["ok"], false, "{file}");
    assert_eq!(file["exit_code"], 1, "{file}");
    assert_eq!(file["counts"]["built"], 4, "{file}");
    let failures = file["failures"].as_array().unwrap();
    assert_eq!(file["counts"]["failed"], failures.len(), "{file}");
    let message = failures[0]["message"].as_str().unwrap();
    assert!(
        message.starts_with("<stdout>: ")
            && message
                .ends_with("the summary on standard output (--format json) is missing or cut"),
        "{file}"
    );
}

#[test]
fn warnings_of_a_kept_pdf_are_reported_by_every_run() {
    // A missing glyph was reported only by the run that rendered the PDF;
    // the next nightly run said nothing, with the boxes still printed.
    let roles = roles_dir();
    let design = roles.path().join("design.yaml");
    let text = fs::read_to_string(&design).unwrap();
    fs::write(&design, text.replace("Design things", "Design 가 things")).unwrap();
    let out = tempfile::tempdir().unwrap();
    let (code, first, err) = build(roles.path(), out.path(), &[]);
    assert_eq!(code, 0, "{err}");
    let warnings = first["warnings"].clone();
    assert!(
        warnings
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w.as_str().unwrap().contains("U+AC00")),
        "{first}"
    );
    let (code, again, err) = build(roles.path(), out.path(), &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(again["counts"]["built"], 0, "{again}");
    assert_eq!(again["warnings"], warnings);
    // With --strict it is a failure, located where the character is
    // written: for a PDF rendered again and for one kept alike. Switching
    // --strict on or off renders nothing again (it re-rendered every PDF).
    for args in [&["--strict", "--force"][..], &["--strict"][..]] {
        let (code, strict, _) = build(roles.path(), out.path(), args);
        assert_eq!(code, 1, "{strict}");
        // The level that inherits the item too.
        assert_eq!(strict["counts"]["failed"], 2, "{strict}");
        if args.len() == 1 {
            assert_eq!(strict["counts"]["built"], 0, "{strict}");
        }
        let failure = &strict["failures"][0];
        assert_eq!(failure["role"], "designer", "{failure}");
        assert!(
            failure["file"]
                .as_str()
                .unwrap()
                .ends_with("design.yaml:9:22"),
            "{failure}"
        );
        assert!(
            failure["message"].as_str().unwrap().contains("U+AC00"),
            "{failure}"
        );
    }
    let (code, again, err) = build(roles.path(), out.path(), &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(again["counts"]["built"], 0, "{again}");
}

#[test]
fn a_folder_where_a_stale_pdf_would_be_does_not_fail_the_run() {
    // `mkdir out/pdf/old-role.pdf` made every later build fail after all
    // its rendering ("Is a directory"): no exports, no manifest.
    let roles = roles_dir();
    let out = tempfile::tempdir().unwrap();
    fs::create_dir_all(out.path().join("pdf/old-role.pdf")).unwrap();
    // As if a run had recorded it (without a record it is left alone anyway).
    fs::create_dir_all(out.path().join(".jdgen/pdf")).unwrap();
    fs::write(out.path().join(".jdgen/pdf/old-role.json"), b"{}").unwrap();
    let (code, summary, err) = build(roles.path(), out.path(), &[]);
    assert_eq!(code, 0, "{err}");
    assert!(
        summary["warnings"].as_array().unwrap().iter().any(|w| w
            .as_str()
            .unwrap()
            .contains("pdf/old-role.pdf is not a file")),
        "{summary}"
    );
    assert!(out.path().join("manifest.json").is_file());
    assert!(out.path().join("pdf/old-role.pdf").is_dir());
}

#[test]
fn a_run_that_waited_reads_the_role_files_as_they_are_when_it_starts() {
    let roles = roles_dir();
    fs::write(
        roles.path().join("extra.yaml"),
        "family: extra\ntitle: Extra\nlevels:\n  - id: extra-one\n    level: A\n    title: A\n",
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let lock = jdgen::build::lock_output(out.path(), None).unwrap();
    let summary = out.path().join("s.json");
    let child = StdCommand::new(assert_cmd::cargo::cargo_bin("jdgen"))
        .arg("--roles")
        .arg(roles.path())
        .args(["build", "--wait", "--quiet", "--summary-json"])
        .arg(&summary)
        .arg("-o")
        .arg(out.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Once it is waiting (its pending summary is written), the family goes.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !summary.exists() {
        assert!(std::time::Instant::now() < deadline);
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    std::thread::sleep(std::time::Duration::from_millis(200));
    fs::remove_file(roles.path().join("extra.yaml")).unwrap();
    drop(lock);
    let done = child.wait_with_output().unwrap();
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    assert!(!out.path().join("pdf/extra-one.pdf").exists());
    let s: Value = serde_json::from_slice(&fs::read(&summary).unwrap()).unwrap();
    assert_eq!(
        s["counts"]["roles"], 4,
        "the fixture's four, not extra-one: {s}"
    );
}

#[test]
fn verify_finds_a_change_that_kept_size_and_time() {
    let roles = roles_dir();
    let out = tempfile::tempdir().unwrap();
    assert_eq!(build(roles.path(), out.path(), &[]).0, 0);
    let pdf = out.path().join("pdf/senior-engineer.pdf");
    let good = edit_keeping_size_and_time(&pdf);
    // A normal run trusts size and time, as documented.
    let (_, s, _) = build(roles.path(), out.path(), &[]);
    assert_eq!(s["counts"]["built"], 0, "{s}");
    // --verify compares checksums and rebuilds it.
    let (code, s, err) = build(roles.path(), out.path(), &["--verify"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(s["counts"]["built"], 1, "{s}");
    assert_eq!(fs::read(&pdf).unwrap(), good);

    // Without --verify, the bundle's own check catches it when the exports
    // are remade: that run fails (exports kept) and names the PDF, and the
    // next one renders it again instead of failing the same way forever.
    edit_keeping_size_and_time(&pdf);
    let design = roles.path().join("design.yaml");
    let text = fs::read_to_string(&design).unwrap();
    fs::write(&design, text.replace("Design things", "Design good things")).unwrap();
    let zip_before = fs::read(out.path().join("export/bundle.zip")).ok();
    let (code, _, err) = build(roles.path(), out.path(), &[]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("pdf/senior-engineer.pdf"), "{err}");
    assert!(err.contains("--verify"), "{err}");
    assert_eq!(
        fs::read(out.path().join("export/bundle.zip")).ok(),
        zip_before
    );
    let (code, s, err) = build(roles.path(), out.path(), &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(fs::read(&pdf).unwrap(), good);
    assert_eq!(s["exports"], "built", "{s}");
}

#[test]
fn an_export_into_the_build_folder_and_the_build_take_turns() {
    // `jdgen export -o out/export` while a build writes its exports there
    // could mix the two sets; both now lock the `export/` folder while they
    // compare and rename. Here the test holds it as such an export would.
    let roles = roles_dir();
    let out = tempfile::tempdir().unwrap();
    let held = jdgen::fsutil::lock_dir(&out.path().join("export"), || {}).unwrap();
    let mut cmd = StdCommand::new(assert_cmd::cargo::cargo_bin("jdgen"));
    cmd.env_remove("JDGEN_ROLES")
        .arg("--roles")
        .arg(roles.path())
        .args(["build", "--jobs", "2", "-o"])
        .arg(out.path());
    let (mut child, mut err, seen) =
        common::spawn_until(cmd, "waiting: another jdgen run is writing exports");
    // The PDFs are done; the exports wait for the folder.
    assert_complete_pdf(&out.path().join("pdf/designer.pdf"));
    std::thread::sleep(Duration::from_millis(300));
    assert!(child.try_wait().unwrap().is_none(), "{seen}");
    let exports: Vec<_> = fs::read_dir(out.path().join("export"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect();
    assert!(exports.is_empty(), "{exports:?}");
    drop(held);
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut err, &mut rest).unwrap();
    assert!(child.wait().unwrap().success(), "{seen}{rest}");
    for f in [
        "roles.csv",
        "items.csv",
        "roles.xlsx",
        "roles.json",
        "job-descriptions.zip",
    ] {
        assert!(out.path().join("export").join(f).is_file(), "{f}: {rest}");
    }
}

#[test]
fn a_manifest_that_cannot_be_written_leaves_the_previous_exports() {
    // The exports were renamed into place before the manifest was written,
    // so a failure there left new exports beside the old manifest. Here a
    // folder is in the way of manifest.json.
    let (roles, out) = built();
    let export_before = tree(&out.path().join("export"));
    let design = roles.path().join("design.yaml");
    let text = fs::read_to_string(&design).unwrap();
    fs::write(
        &design,
        text.replace("Design things", "Design better things"),
    )
    .unwrap();
    fs::remove_file(out.path().join("manifest.json")).unwrap();
    fs::create_dir_all(out.path().join("manifest.json/in-the-way")).unwrap();
    let (code, s, err) = build(roles.path(), out.path(), &[]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("manifest.json") && err.contains("folder is in the way"),
        "{err}"
    );
    // The run still ends with its full summary: the PDFs it built, the
    // failure, and no export it did not put in place.
    assert_eq!(s["ok"], false, "{s}");
    assert_eq!(s["counts"]["built"], 2, "{s}");
    assert_eq!(s["exports"], "failed: previous exports kept", "{s}");
    let failure = s["failures"][0]["message"].as_str().unwrap();
    assert!(
        failure.starts_with("manifest not written (the previous exports and manifest are kept)"),
        "{s}"
    );
    assert!(
        s["outputs"]
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["path"].as_str().unwrap().starts_with("pdf/")),
        "{s}"
    );
    assert!(err.contains("done in"), "{err}");
    assert_eq!(
        tree(&out.path().join("export")),
        export_before,
        "exports were replaced although their manifest could not be"
    );
    // Once the way is clear, the next run writes both, and they agree.
    fs::remove_dir_all(out.path().join("manifest.json")).unwrap();
    let (code, _, err) = build(roles.path(), out.path(), &[]);
    assert_eq!(code, 0, "{err}");
    let manifest: Value =
        serde_json::from_slice(&fs::read(out.path().join("manifest.json")).unwrap()).unwrap();
    for f in manifest["files"].as_array().unwrap() {
        let bytes = fs::read(out.path().join(f["path"].as_str().unwrap())).unwrap();
        assert_eq!(
            f["sha256"],
            jdgen::fsutil::sha256_hex(&bytes),
            "{}",
            f["path"]
        );
    }
    assert!(
        String::from_utf8_lossy(&fs::read(out.path().join("export/items.csv")).unwrap())
            .contains("Design better things")
    );
    // (Their state file, written after them, with a folder in the way was
    // how this test reached a failure while the exports are renamed: it is
    // a warning now, see `a_state_file_that_cannot_be_written_is_a_warning_not_a_failure`;
    // what is left is a rename's own I/O error, which no test can cause.)
}

/// A tmpfs of `size` mounted on a new temporary folder, unmounted on drop;
/// `None` where this process may not mount (not root, no CAP_SYS_ADMIN).
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(size: &str) -> Option<SmallDisk> {
        let dir = tempfile::tempdir().unwrap();
        let ok = StdCommand::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        ok.then_some(SmallDisk { dir })
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = StdCommand::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

/// The same files with the same bytes (file times aside).
fn assert_same_files(
    want: &BTreeMap<String, (Vec<u8>, SystemTime)>,
    got: &BTreeMap<String, (Vec<u8>, SystemTime)>,
    what: &str,
) {
    assert_eq!(
        want.keys().collect::<Vec<_>>(),
        got.keys().collect::<Vec<_>>()
    );
    for (path, (bytes, _)) in want {
        assert!(&got[path].0 == bytes, "{path} {what}");
    }
}

#[test]
fn a_full_tmpdir_fails_the_workbook_with_an_error_not_a_crash() {
    // The workbook's rows go through temporary files in TMPDIR; on a full
    // one rust_xlsxwriter panicked: exit 101, a backtrace, the summary left
    // "not finished" though every PDF was built.
    let Some(disk) = SmallDisk::mount("8k") else {
        eprintln!("skipped: cannot mount a tmpfs here (needs root)");
        return;
    };
    let out = tempfile::tempdir().unwrap();
    let tmp = disk.path().display().to_string();
    let (code, s, err) = build_env(Path::new("roles"), out.path(), &[], &[("TMPDIR", &tmp)]);
    assert_eq!(code, 1, "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        err.contains(&format!(
            "cannot write the XLSX workbook: its rows go through temporary files in {tmp}, \
             which could not be written: No space left on device"
        )),
        "{err}"
    );
    assert_eq!(s["counts"]["built"], 14, "{s}");
    assert!(s["exports"].as_str().unwrap().starts_with("failed"), "{s}");
    // `export` alike.
    let o = jdgen()
        .env("TMPDIR", &tmp)
        .args(["export", "--xlsx", "-o"])
        .arg(out.path().join("x"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("help: free space there, or set TMPDIR"),
        "{err}"
    );
    assert!(!out.path().join("x/roles.xlsx").exists());
}

#[test]
fn a_full_disk_keeps_every_previous_output_whole() {
    // A real full disk, not a simulated error: writes fail part-way through
    // PDFs, state files and exports alike.
    // (16 MB: the shipped roles' outputs take 2.2 MB; room for them to grow.)
    let Some(disk) = SmallDisk::mount("16m") else {
        eprintln!("skipped: cannot mount a tmpfs here (needs root)");
        return;
    };
    let out = disk.path().join("out");
    let (code, _, err) = build(Path::new("roles"), &out, &[]);
    assert_eq!(code, 0, "{err}");
    let good = tree(&out);
    // Fill the disk to the last byte.
    {
        use std::io::Write;
        let mut filler = fs::File::create(disk.path().join("filler")).unwrap();
        let chunk = vec![0u8; 64 * 1024];
        while filler.write_all(&chunk).is_ok() {}
        while filler.write_all(&chunk[..512]).is_ok() {}
    }
    let (code, s, err) = build(Path::new("roles"), &out, &["--force"]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(s["ok"], false, "{s}");
    assert!(err.contains("No space left on device"), "{err}");
    assert!(
        s["failures"].as_array().is_some_and(|f| !f.is_empty()),
        "{s}"
    );
    // Nothing replaced by a part, no temporary file left, nothing lost.
    assert_same_files(&good, &tree(&out), "changed");
    // `pdf` and `export` into the same folders, likewise.
    for args in [
        &["pdf", "--all", "-o", "pdf"][..],
        &["export", "--all", "-o", "export"],
    ] {
        let o = jdgen()
            .current_dir(&out)
            .arg("--roles")
            .arg(std::env::current_dir().unwrap().join("roles"))
            .args(args)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.contains("No space left on device"), "{args:?}: {err}");
    }
    assert_same_files(&good, &tree(&out), "changed by pdf or export");
    // With room again, the next run completes: the same bytes as before.
    fs::remove_file(disk.path().join("filler")).unwrap();
    let (code, _, err) = build(Path::new("roles"), &out, &["--force"]);
    assert_eq!(code, 0, "{err}");
    assert_same_files(&good, &tree(&out), "differs after the rerun");
}

#[test]
fn a_template_beside_the_role_folder_reads_neither_it_nor_the_outputs() {
    // A template at a repository's root, beside `roles/`, read the role
    // folder, the output folder and the run summary as template files:
    // every run and every role edit re-rendered every PDF, and a growing
    // output folder failed the template folder's size limit some night.
    let repo = tempfile::tempdir().unwrap();
    let roles = repo.path().join("roles");
    fs::create_dir(&roles).unwrap();
    for e in fs::read_dir(roles_dir().path()).unwrap() {
        let e = e.unwrap();
        fs::copy(e.path(), roles.join(e.file_name())).unwrap();
    }
    let template = repo.path().join("mine.typ");
    fs::copy("templates/job-description.typ", &template).unwrap();
    let out = repo.path().join("out");
    let summary = repo.path().join("summary.json");
    let args = [
        "--template",
        template.to_str().unwrap(),
        "--summary-json",
        summary.to_str().unwrap(),
    ];
    let (code, s, err) = build(&roles, &out, &args);
    assert_eq!(code, 0, "{err}");
    assert_eq!(s["counts"]["built"], 4, "{s}");
    let (code, s, err) = build(&roles, &out, &args);
    assert_eq!(code, 0, "{err}");
    assert_eq!(s["counts"]["built"], 0, "{s}");
    let design = roles.join("design.yaml");
    let text = fs::read_to_string(&design).unwrap();
    fs::write(&design, text.replace("Design things", "Design more things")).unwrap();
    let (code, s, err) = build(&roles, &out, &args);
    assert_eq!(code, 0, "{err}");
    assert_eq!(s["counts"]["built"], 2, "only the design family: {s}");
    // Nor what other runs left there: another output folder (it holds
    // `.jdgen/`), a preview PDF, an earlier run's summary.
    let (code, _, err) = build(
        &roles,
        &repo.path().join("out2"),
        &["--template", template.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{err}");
    let o = jdgen()
        .arg("--roles")
        .arg(&roles)
        .args(["pdf", "--role", "designer", "--template"])
        .arg(&template)
        .arg("-o")
        .arg(repo.path().join("preview/designer.pdf"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    fs::rename(&summary, repo.path().join("last-night.json")).unwrap();
    let (code, s, err) = build(&roles, &out, &args);
    assert_eq!(code, 0, "{err}");
    assert_eq!(s["counts"]["built"], 0, "{s}");

    // A build into the template folder itself does not read what it
    // wrote there: the next run rebuilds nothing.
    let same = tempfile::tempdir().unwrap();
    let in_out = same.path().join("jd.typ");
    fs::copy("templates/job-description.typ", &in_out).unwrap();
    for want in [4, 0] {
        let (code, s, err) = build(
            &roles,
            same.path(),
            &["--template", in_out.to_str().unwrap()],
        );
        assert_eq!(code, 0, "{err}");
        assert_eq!(s["counts"]["built"], want, "{s}");
    }

    // A template kept in its output folder still reads its own files.
    let kept = tempfile::tempdir().unwrap();
    fs::write(kept.path().join("lib.typ"), "#let extra = \"E\"\n").unwrap();
    fs::write(
        kept.path().join("mine.typ"),
        format!(
            "#import \"lib.typ\": extra\n{}",
            fs::read_to_string("templates/job-description.typ").unwrap()
        ),
    )
    .unwrap();
    let o = jdgen()
        .arg("--roles")
        .arg(&roles)
        .args(["pdf", "--role", "designer", "--template"])
        .arg(kept.path().join("mine.typ"))
        .arg("-o")
        .arg(kept.path())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    // A template that reads them anyway is told why it may not.
    fs::write(&template, "#read(\"roles/company.yaml\")").unwrap();
    let (code, _, err) = build(&roles, &out, &args);
    assert_eq!(code, 1);
    assert!(
        err.contains("`/roles/company.yaml` is in the template folder")
            && err.contains("but `roles` is jdgen's role folder, which a template does not read"),
        "{err}"
    );
}

#[test]
fn roles_a_template_fails_alike_share_one_line() {
    // A template that fails at run time failed every role twice in the
    // log (a `FAILED` line as it happened, a `failed:` line at the end):
    // 2,000 lines of cron mail at 1,000 roles, also with --quiet.
    let out = tempfile::tempdir().unwrap();
    let tpl = tempfile::tempdir().unwrap();
    let file = tpl.path().join("boom.typ");
    fs::write(&file, "#panic(\"boom\")\n").unwrap();
    let args = ["--template", file.to_str().unwrap()];
    let (code, s, err) = build(Path::new("roles"), out.path(), &args);
    assert_eq!(code, 1, "{err}");
    assert_eq!(s["counts"]["failed"], 14, "{s}");
    // A first run has no previous exports to keep, and says so.
    assert_eq!(
        s["exports"], "skipped: some roles failed; no exports written yet",
        "{s}"
    );
    assert_eq!(err.matches(" FAILED ").count(), 10, "{err}");
    // Each names the template's line, and the role once.
    let live = err.lines().find(|l| l.contains(" FAILED ")).unwrap();
    assert!(
        live.contains("boom.typ:1:2): panicked with: boom"),
        "{live}"
    );
    let role = live
        .split(" FAILED ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap();
    assert_eq!(live.matches(role).count(), 1, "{live}");
    assert!(
        err.contains("more roles failed: every failure is listed when the run ends"),
        "{err}"
    );
    let last: Vec<&str> = err
        .lines()
        .filter(|l| l.contains(" jdgen: failed: "))
        .collect();
    assert_eq!(last.len(), 1, "{err}");
    assert!(
        last[0].contains(
            "jdgen: failed: associate-marketing, associate-marketing-ops, associate-mops, associate-social, intermediate-mops, intermediate-pm-marketing, intermediate-social, manager-mops, manager-social, senior-manager-social and 4 more roles ("
        ) && last[0].ends_with("boom.typ:1:2): panicked with: boom"),
        "{err}"
    );
    // Each role's failure keeps its own message in the summary.
    assert_eq!(
        s["failures"][0]["message"],
        "role `associate-marketing`: panicked with: boom"
    );
    let quiet = [&args[..], &["--quiet"]].concat();
    let (code, _, err) = build(Path::new("roles"), out.path(), &quiet);
    assert_eq!(code, 1);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains(" jdgen: failed: associate-marketing, "),
        "{err}"
    );
}

/// The `failed:` lines at a run's end of a template whose message names
/// the role: grouped with the role masked, and never more than 50.
#[test]
fn a_template_failure_naming_each_role_still_groups_and_the_log_is_bounded() {
    let tpl = tempfile::tempdir().unwrap();
    let by_id = tpl.path().join("by-id.typ");
    let by_title = tpl.path().join("by-title.typ");
    let data = "#let data = json(sys.inputs.at(\"data\", default: \"role.json\"))\n";
    fs::write(
        &by_id,
        format!("{data}#panic(\"no grade for \" + data.role.id)\n"),
    )
    .unwrap();
    fs::write(&by_title, format!("{data}#panic(data.role.title)\n")).unwrap();

    let out = tempfile::tempdir().unwrap();
    let args = ["--template", by_id.to_str().unwrap(), "--quiet"];
    let (code, s, err) = build(Path::new("roles"), out.path(), &args);
    assert_eq!(code, 1, "{err}");
    assert_eq!(s["counts"]["failed"], 14, "{s}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains(" and 4 more roles (")
            && err
                .trim_end()
                .ends_with("panicked with: no grade for <role>"),
        "{err}"
    );
    // The summary keeps each role's own message.
    assert_eq!(
        s["failures"][0]["message"],
        "role `associate-marketing`: panicked with: no grade for associate-marketing"
    );

    // 60 roles, each failing with its own message.
    let roles = tempfile::tempdir().unwrap();
    fs::copy(
        "tests/fixtures/minimal/company.yaml",
        roles.path().join("company.yaml"),
    )
    .unwrap();
    let levels: String = (0..60)
        .map(|i| format!("  - id: r{i:02}\n    level: L{i:02}\n    title: Title number {i:02}\n"))
        .collect();
    fs::write(
        roles.path().join("many.yaml"),
        format!("family: many\ntitle: Many\nlevels:\n{levels}"),
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let args = ["--template", by_title.to_str().unwrap(), "--quiet"];
    let (code, s, err) = build(roles.path(), out.path(), &args);
    assert_eq!(code, 1, "{err}");
    assert_eq!(s["failures"].as_array().unwrap().len(), 60, "{s}");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 51, "{err}");
    assert!(
        lines[0].ends_with("panicked with: Title number 00"),
        "{err}"
    );
    assert!(
        lines[49].ends_with("panicked with: Title number 49"),
        "{err}"
    );
    assert!(
        lines[50].ends_with(
            "failed: 10 more failures not shown here: the run summary (--summary-json, --format json) lists every one"
        ),
        "{err}"
    );
}

#[test]
fn the_roles_of_a_broken_file_share_one_line_when_its_error_names_one_of_them() {
    // The error names level 2 by its id: masking each role's own id split
    // `senior-designer` onto a line of its own.
    let (roles, out) = built();
    common::edit(&roles.path().join("design.yaml"), |t| {
        t.replace("title: Senior Product Designer", "title: [Senior]")
    });
    let (code, s, err) = build(roles.path(), out.path(), &["--quiet"]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(s["failures"].as_array().unwrap().len(), 2, "{s}");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "{err}");
    assert!(
        lines[0].contains("failed: designer, senior-designer (")
            && lines[0].contains("level 2 (`senior-designer`), title: invalid type"),
        "{err}"
    );
}

#[test]
fn a_line_break_in_a_failure_cannot_forge_a_log_line() {
    // `panic("x\nFAKE jdgen: done …")` printed a record of its own.
    let tpl = tempfile::tempdir().unwrap();
    let file = tpl.path().join("forge.typ");
    fs::write(&file, "#panic(\"line1\\nFAKE jdgen: done 0 failed\")\n").unwrap();
    let out = tempfile::tempdir().unwrap();
    let (code, s, err) = build(
        Path::new("roles"),
        out.path(),
        &["--template", file.to_str().unwrap()],
    );
    assert_eq!(code, 1, "{err}");
    for line in err.lines() {
        assert!(
            line.len() > 20 && line.as_bytes()[4] == b'-' && line.contains("Z jdgen: "),
            "a line without its timestamp: {line:?}\n{err}"
        );
    }
    assert!(
        err.contains("panicked with: line1\\nFAKE jdgen: done 0 failed"),
        "{err}"
    );
    // The summary holds the message on one line too.
    assert!(
        s["failures"][0]["message"]
            .as_str()
            .unwrap()
            .ends_with("line1\\nFAKE jdgen: done 0 failed"),
        "{s}"
    );
}

#[test]
fn a_warning_every_role_of_a_family_shares_is_logged_once() {
    let roles = common::family_missing_a_glyph();
    let out = tempfile::tempdir().unwrap();
    let (code, s, err) = build(roles.path(), out.path(), &[]);
    assert_eq!(code, 0, "{err}");
    let logged: Vec<&str> = err.lines().filter(|l| l.contains(" warning: ")).collect();
    assert_eq!(logged.len(), 1, "{err}");
    assert!(
        logged[0].contains("jdgen: warning: a-b, c-d: ")
            && logged[0].contains("f.yaml:3:20: 1 character has no glyph in any font"),
        "{err}"
    );
    // The summary keeps one per role, each naming its role once.
    let warnings: Vec<&str> = s["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|w| w.as_str())
        .collect();
    assert_eq!(warnings.len(), 2, "{s}");
    // Each at the text's place in the role file, as `pdf` and `check`
    // name it.
    for (w, id) in warnings.iter().zip(["a-b", "c-d"]) {
        assert!(w.starts_with(&format!("{id}: ")), "{s}");
        assert!(w.contains("f.yaml:3:20: 1 character has no glyph"), "{s}");
    }
}

#[test]
fn a_template_warning_written_twice_lists_each_role_once() {
    let tpl = tempfile::tempdir().unwrap();
    let file = tpl.path().join("t.typ");
    fs::write(
        &file,
        "#let data = json(sys.inputs.at(\"data\", default: \"role.json\"))\n#text(font: \"zz\")[x]\n#text(font: \"zz\")[y]\n#text(font: \"q \" + data.role.id)[z]\n#text(font: \"q \" + data.role.id)[w]\n",
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let (code, _, err) = build(
        Path::new("tests/fixtures/minimal"),
        out.path(),
        &["--template", file.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{err}");
    let warnings: Vec<&str> = err.lines().filter(|l| l.contains(" warning: ")).collect();
    // One line for each place in the template (as `pdf` prints them).
    assert_eq!(warnings.len(), 4, "{err}");
    for w in &warnings {
        let roles = w
            .split(" warning: ")
            .nth(1)
            .unwrap()
            .split(": ")
            .next()
            .unwrap();
        let listed: Vec<&str> = roles.split(", ").collect();
        let unique: BTreeSet<&str> = listed.iter().copied().collect();
        assert_eq!(listed.len(), unique.len(), "{w}");
    }
    assert!(
        warnings
            .iter()
            .any(|w| w.ends_with("t.typ:3:13: unknown font family: zz")),
        "{err}"
    );
    assert!(
        warnings
            .iter()
            .any(|w| w.ends_with("t.typ:5:13: unknown font family: q <role>")),
        "{err}"
    );
}

#[test]
fn each_role_of_a_failed_file_is_told_its_own_error() {
    // A family copied under another name: every role's summary entry
    // pointed at the first duplicate's `id:` line and listed all of the
    // duplicates.
    let (roles, out) = built();
    let design = fs::read_to_string(roles.path().join("design.yaml")).unwrap();
    fs::write(
        roles.path().join("design-copy.yaml"),
        design.replace("family: design", "family: design-copy"),
    )
    .unwrap();
    let (code, s, err) = build(roles.path(), out.path(), &["--quiet"]);
    assert_eq!(code, 1, "{err}");
    let failures = s["failures"].as_array().unwrap();
    assert_eq!(failures.len(), 4, "{s}");
    for f in failures {
        let role = f["role"].as_str().unwrap();
        let message = f["message"].as_str().unwrap();
        let file = f["file"].as_str().unwrap();
        assert_eq!(
            message.matches("is also used").count(),
            1,
            "{role}: {message}"
        );
        assert!(message.starts_with(&format!("role id `{role}` ")), "{f}");
        let line = if role == "designer" { ":4:" } else { ":10:" };
        assert!(file.contains(line), "{f}");
    }
    assert!(
        err.contains("failed: senior-designer (")
            && err.contains("design-copy.yaml:10:9): role id `senior-designer` is also used in"),
        "{err}"
    );

    // An unknown key names no level in its message: it went to every role
    // of the file, at its line in another level.
    fs::remove_file(roles.path().join("design-copy.yaml")).unwrap();
    fs::write(
        roles.path().join("design.yaml"),
        design
            .replace(
                "    title: Product Designer\n",
                "    title: Product Designer\n    titel: X\n",
            )
            .replace("    grade: 7\n", "    grade: [7]\n"),
    )
    .unwrap();
    let (code, s, err) = build(roles.path(), out.path(), &["--quiet"]);
    assert_eq!(code, 1, "{err}");
    let by_role = |id: &str| {
        s["failures"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["role"] == id)
            .unwrap_or_else(|| panic!("{id}: {s}"))
            .clone()
    };
    let one = by_role("designer");
    assert!(
        one["message"]
            .as_str()
            .unwrap()
            .contains("unknown key `titel`"),
        "{one}"
    );
    assert!(!one["message"].as_str().unwrap().contains("grade"), "{one}");
    let two = by_role("senior-designer");
    assert!(two["message"].as_str().unwrap().contains("grade"), "{two}");
    assert!(!two["message"].as_str().unwrap().contains("titel"), "{two}");
}

#[test]
fn a_file_whose_roles_are_unknown_is_said_to_have_failed_to_load() {
    // Its roles cannot be named, so no role failed: "skipped: some roles
    // failed" stood beside "0 failed (and 1 other failure)", and a line
    // said stale-PDF removal was skipped with no PDF to keep.
    let (roles, out) = built();
    fs::write(roles.path().join("design.yaml"), ":::: [unclosed\n").unwrap();
    fs::write(
        roles.path().join("extra.yaml"),
        "family: extra\ntitle: Extra\nlevels:\n  - {id: extra-a, level: A, title: A, grade: 5}\n",
    )
    .unwrap();
    let (code, s, err) = build(roles.path(), out.path(), &[]);
    assert_eq!(code, 1, "{err}");
    // The failure is the file's (counted, with no role).
    assert_eq!(s["counts"]["failed"], 1, "{s}");
    assert_eq!(s["failures"][0]["role"], Value::Null, "{s}");
    assert_eq!(
        s["exports"], "skipped: a role file failed to load; previous exports kept",
        "{s}"
    );
    // design's PDFs are kept and named; nothing else is said to be kept.
    assert!(
        err.contains(
            "(kept until a run without failures: pdf/designer.pdf, pdf/senior-designer.pdf)"
        ),
        "{err}"
    );
    // With no stale PDF, no line about keeping them.
    fs::remove_dir_all(out.path().join("pdf")).unwrap();
    let (code, _, err) = build(roles.path(), out.path(), &[]);
    assert_eq!(code, 1, "{err}");
    assert!(!err.contains("removal of stale PDFs skipped"), "{err}");
}

#[test]
fn a_run_stopped_by_a_broken_company_file_lists_the_role_files_warnings_apart() {
    // The family files are checked beside a broken company.yaml; their
    // warnings went into the summary's `error` text, and `warnings` was
    // empty.
    let roles = roles_dir();
    fs::write(
        roles.path().join("company.yaml"),
        "name: X\nwebsite: notaurl\n",
    )
    .unwrap();
    common::edit(&roles.path().join("design.yaml"), |t| {
        t.replace(
            "items: [Design things]",
            "items: [Design things]\n    notes:\n      - Use C #tags",
        )
    });
    let out = tempfile::tempdir().unwrap();
    let (code, s, err) = build(roles.path(), out.path(), &[]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(s["ok"], false, "{s}");
    let error = s["error"].as_str().unwrap();
    assert!(
        error.contains("expected an http(s) URL for `website`"),
        "{s}"
    );
    assert!(!error.contains("warning"), "{s}");
    let warnings = s["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{s}");
    assert!(
        warnings[0]
            .as_str()
            .unwrap()
            .contains("design.yaml:11:15: `#tags` is read as a YAML comment"),
        "{s}"
    );
    // The log says it as a finished run does: one line, not the whole
    // rendered warning beside the errors.
    assert!(
        err.contains(" jdgen: warning: ") && err.contains("design.yaml:11:15: `#tags` is read"),
        "{err}"
    );
    assert!(
        !err.contains("put the whole value in double quotes"),
        "{err}"
    );
}

#[test]
fn a_failed_role_s_message_counts_the_errors_past_its_file_s_cap() {
    // The note standing for errors not kept was counted as one: 600
    // unknown keys said "and 496 more".
    let roles = roles_dir();
    common::edit(&roles.path().join("design.yaml"), |t| {
        let keys: String = (0..600).map(|i| format!("    zz{i}: 1\n")).collect();
        t.replace("    grade: 6\n", &format!("    grade: 6\n{keys}"))
    });
    let out = tempfile::tempdir().unwrap();
    let (code, s, err) = build(roles.path(), out.path(), &[]);
    assert_eq!(code, 1, "{err}");
    let failures = s["failures"].as_array().unwrap();
    let designer = failures
        .iter()
        .find(|f| f["role"] == "designer")
        .unwrap_or_else(|| panic!("{s}"));
    assert!(
        designer["message"]
            .as_str()
            .unwrap()
            .ends_with("; and 595 more (`jdgen check` shows them, up to 500 a file)"),
        "{s}"
    );
}

#[test]
fn a_state_file_that_cannot_be_written_is_a_warning_not_a_failure() {
    // The run's state is a cache. A key that could not be written failed
    // the role although its new PDF was in place, and the exports' record
    // stopped the manifest after the exports were renamed: the manifest
    // then described other bytes than the exports.
    let (roles, out) = built();
    let o = out.path();
    let design = roles.path().join("design.yaml");
    let text = fs::read_to_string(&design).unwrap();
    fs::write(&design, text.replace("Design things", "Design things well")).unwrap();
    for state in [".jdgen/pdf/designer.json", ".jdgen/exports.json"] {
        fs::remove_file(o.join(state)).unwrap();
        fs::create_dir(o.join(state)).unwrap();
    }
    let (code, s, err) = build(roles.path(), o, &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(s["failures"], serde_json::json!([]), "{s}");
    assert_eq!(s["exports"], "built", "{s}");
    let warnings = s["warnings"].to_string();
    assert!(
        warnings.contains("designer: the PDF's record could not be written to .jdgen/"),
        "{s}"
    );
    assert!(
        warnings.contains("the exports' record could not be written to .jdgen/"),
        "{s}"
    );
    assert!(err.contains("(the next run makes it again)"), "{err}");
    // The manifest was written and describes the files on disk.
    let manifest: Value =
        serde_json::from_str(&fs::read_to_string(o.join("manifest.json")).unwrap()).unwrap();
    for f in manifest["files"].as_array().unwrap() {
        let bytes = fs::read(o.join(f["path"].as_str().unwrap())).unwrap();
        assert_eq!(
            f["sha256"].as_str().unwrap(),
            jdgen::fsutil::sha256_hex(&bytes),
            "{f}"
        );
    }
    let csv = fs::read_to_string(o.join("export/items.csv")).unwrap();
    assert!(csv.contains("Design things well"), "{csv}");
    // Once the obstacles are gone, the next run records the state again.
    for state in [".jdgen/pdf/designer.json", ".jdgen/exports.json"] {
        fs::remove_dir(o.join(state)).unwrap();
    }
    let (code, s, err) = build(roles.path(), o, &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(s["warnings"], serde_json::json!([]), "{s}");
    assert!(o.join(".jdgen/exports.json").is_file());
    assert!(o.join(".jdgen/pdf/designer.json").is_file());
}

#[test]
fn a_file_where_the_run_state_or_the_pdfs_go_is_named_as_such() {
    // `.jdgen` a file read "File exists (os error 17)"; `pdf` a file told
    // the user to "name a folder", which they had.
    for (name, help) in [
        (
            ".jdgen",
            "move it away: jdgen keeps its run state in that folder",
        ),
        ("pdf", "move it away, or name another folder"),
    ] {
        let roles = roles_dir();
        let out = tempfile::tempdir().unwrap();
        fs::write(out.path().join(name), "x").unwrap();
        let (code, _, err) = build(roles.path(), out.path(), &[]);
        assert_eq!(code, 1, "{err}");
        let expected = format!("{name}: is a file, not a folder; {help}");
        assert!(err.contains(&expected), "{err}");
        assert_eq!(fs::read_to_string(out.path().join(name)).unwrap(), "x");
    }
}
