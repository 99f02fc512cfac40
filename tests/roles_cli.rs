//! `jdgen list`, `show` and `check` on the shipped roles and on broken
//! fixture folders, through the real binary.

use std::path::Path;

use assert_cmd::Command;
use jdgen::{load, resolve};

mod common;

fn jdgen() -> Command {
    let mut c = Command::cargo_bin("jdgen").unwrap();
    c.env_remove("JDGEN_ROLES").env_remove("SOURCE_DATE_EPOCH");
    c
}

/// A copy of the minimal fixture (company and one family) in a temp folder.
fn minimal_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for f in ["company.yaml", "engineering.yaml"] {
        std::fs::copy(
            Path::new("tests/fixtures/minimal").join(f),
            dir.path().join(f),
        )
        .unwrap();
    }
    dir
}

/// The minimal fixture with one more file, `name`, holding `text`.
fn minimal_with(name: &str, text: impl AsRef<[u8]>) -> tempfile::TempDir {
    let dir = minimal_copy();
    std::fs::write(dir.path().join(name), text).unwrap();
    dir
}

/// `jdgen --roles DIR check`: its exit code and what it printed on stderr.
fn check(dir: &Path) -> (i32, String) {
    let (code, _, err) = run(&["--roles", dir.to_str().unwrap(), "check"]);
    (code, err)
}

/// The minimal fixture's engineering.yaml written into `dir` with `from`
/// (which it must hold) replaced by `to`, and what `check` says then.
fn check_edited(dir: &Path, from: &str, to: &str) -> (i32, String) {
    let yaml = std::fs::read_to_string("tests/fixtures/minimal/engineering.yaml").unwrap();
    assert!(yaml.contains(from), "the fixture holds no {from:?}");
    std::fs::write(dir.join("engineering.yaml"), yaml.replace(from, to)).unwrap();
    check(dir)
}

/// `jdgen --roles DIR show ARGS`: what it printed on stdout.
fn show(dir: &Path, args: &[&str]) -> String {
    let mut all = vec!["--roles", dir.to_str().unwrap(), "show"];
    all.extend_from_slice(args);
    run(&all).1
}

/// A role folder with the minimal fixture's company.yaml and `files`
/// (name, contents).
fn with_company(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        "tests/fixtures/minimal/company.yaml",
        dir.path().join("company.yaml"),
    )
    .unwrap();
    for (name, bytes) in files {
        std::fs::write(dir.path().join(name), bytes).unwrap();
    }
    dir
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = jdgen().args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn template_prints_the_built_in_template() {
    // Without the source tree a template of one's own had nothing to start
    // from (the docs and the "printed nothing" help named a repository file).
    let (code, out, err) = run(&["template"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.is_empty(), "{err}");
    let shipped = std::fs::read_to_string("templates/job-description.typ").unwrap();
    assert_eq!(out, shipped);
    // It needs no role folder.
    let (code, out2, _) = run(&["--roles", "/nonexistent", "template"]);
    assert_eq!((code, out2.len()), (0, out.len()));
}

#[test]
fn list_shows_every_role() {
    let (code, out, _) = run(&["list"]);
    assert_eq!(code, 0);
    for id in load::load(Path::new("roles")).unwrap().role_ids() {
        assert!(out.contains(id), "{id} missing from list");
    }
    assert!(out.contains("Senior Social Marketing Manager"));
    let (code, json, _) = run(&["list", "--format", "json"]);
    assert_eq!(code, 0);
    let rows: Vec<serde_json::Value> = serde_json::from_str(&json).unwrap();
    assert_eq!(rows.len(), 14);
    let senior = rows.iter().find(|r| r["id"] == "senior-social").unwrap();
    assert_eq!(senior["grade"], 7);
    assert_eq!(senior["family"], "social-marketing");
}

#[test]
fn roles_folder_comes_from_flag_or_env() {
    let (code, out, _) = run(&["--roles", "tests/fixtures/minimal", "list"]);
    assert_eq!(code, 0);
    assert!(out.contains("senior-engineer"));
    let out = jdgen()
        .env("JDGEN_ROLES", "tests/fixtures/minimal")
        .arg("list")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("junior-engineer"));
}

#[test]
fn show_resolves_inheritance_with_sources() {
    let (code, out, _) = run(&["show", "senior-social"]);
    assert_eq!(code, 0);
    let v: serde_yaml::Value = serde_yaml::from_str(&out).unwrap();
    let items = v["role"]["responsibilities"]["items"]
        .as_sequence()
        .unwrap();
    // associate (4) + intermediate (4) + senior's own (7)
    assert_eq!(items.len(), 15);
    assert_eq!(items[0]["from"], "associate-social");
    assert_eq!(items[0]["inherited"], true);
    assert_eq!(items[4]["from"], "intermediate-social");
    assert_eq!(items[14]["from"], "senior-social");
    assert_eq!(items[14]["inherited"], false);
    // Requirements do not build on anything in the seed.
    assert_eq!(
        v["role"]["requirements"]["items"]
            .as_sequence()
            .unwrap()
            .len(),
        7
    );
}

#[test]
fn show_json_is_the_template_data() {
    let (code, out, _) = run(&["show", "senior-social", "--format", "json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["role"]["id"], "senior-social");
    assert_eq!(v["role"]["grade"], 7);
    assert_eq!(v["company"]["name"], "GitLab");
    assert_eq!(v["document"]["date"], "2026-11-01");
    let (code, out, _) = run(&["show", "senior-social", "--format", "json", "--signature"]);
    assert_eq!(code, 0);
    let signed: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(signed["document"]["signature"], true);
    // The YAML is the role, which document options do not change: refused,
    // not silently ignored.
    for paper in ["us-letter", "a4"] {
        let (code, _, err) = run(&["show", "senior-social", "--paper", paper]);
        assert_eq!(code, 2, "--paper {paper}");
        assert!(err.contains("add --format json"), "{err}");
    }
    let values = v["family"]["values"]["heading"]["spans"]
        .as_array()
        .unwrap();
    assert_eq!(values[1]["type"], "link");
    assert_eq!(
        values[1]["url"],
        "https://about.gitlab.com/handbook/values/"
    );
    // effective_date wins over SOURCE_DATE_EPOCH, which dates documents
    // only without it (and never the clock: 1980-01-01 without either).
    let date = |roles: &Path, epoch: Option<&str>| {
        let mut cmd = jdgen();
        if let Some(e) = epoch {
            cmd.env("SOURCE_DATE_EPOCH", e);
        }
        let out = cmd
            .arg("--roles")
            .arg(roles)
            .args(["show", "senior-social", "--format", "json"])
            .output()
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        // (`dated`: whether the date was given, not the placeholder.)
        let dated = v["document"]["dated"].as_bool().unwrap();
        assert_eq!(dated, v["document"]["date"] != "1980-01-01", "{v}");
        v["document"]["date"].as_str().unwrap().to_owned()
    };
    assert_eq!(date(Path::new("roles"), Some("1700000000")), "2026-11-01");
    let undated = tempfile::tempdir().unwrap();
    for e in std::fs::read_dir("roles").unwrap().flatten() {
        std::fs::copy(e.path(), undated.path().join(e.file_name())).unwrap();
    }
    let company = undated.path().join("company.yaml");
    let text = std::fs::read_to_string(&company).unwrap();
    std::fs::write(&company, text.replace("effective_date: 2026-11-01\n", "")).unwrap();
    assert_eq!(date(undated.path(), Some("1700000000")), "2023-11-14");
    assert_eq!(date(undated.path(), None), "1980-01-01");
}

#[test]
fn every_shipped_role_resolves_completely() {
    let lib = load::load(Path::new("roles")).unwrap();
    let roles = resolve::resolve_all(&lib).unwrap();
    assert_eq!(roles.len(), 14);
    let staff = roles.iter().find(|r| r.id == "staff-mops").unwrap();
    // staff builds on senior, which builds on intermediate.
    let from: Vec<&str> = staff
        .responsibilities
        .items
        .iter()
        .map(|i| i.from.as_str())
        .collect();
    assert!(from.contains(&"intermediate-mops") && from.contains(&"senior-mops"));
    // Staff restates two of Senior's responsibilities (seed lines 113-114):
    // Staff's own list reads as the seed writes it, and the inherited
    // copies are left out rather than printed twice.
    let own: Vec<&str> = staff
        .responsibilities
        .items
        .iter()
        .filter(|i| !i.inherited)
        .map(|i| i.text.split(' ').next().unwrap())
        .collect();
    assert_eq!(
        own,
        [
            "Provide",
            "Collaborate",
            "Create",
            "Lead",
            "Make",
            "Implement"
        ]
    );
    let own_requirements = staff.requirements.items.iter().filter(|i| !i.inherited);
    assert_eq!(own_requirements.count(), 7);
    // No item is listed twice, not even one restated with a full stop.
    let texts: Vec<&str> = staff
        .requirements
        .items
        .iter()
        .map(|i| i.text.as_str())
        .collect();
    let mut dedup: Vec<&str> = texts.iter().map(|t| resolve::same_item_key(t)).collect();
    dedup.sort();
    dedup.dedup();
    assert_eq!(dedup.len(), texts.len());
    // Requirements of staff: associate → intermediate → senior → staff.
    assert!(
        staff
            .requirements
            .items
            .iter()
            .any(|i| i.from == "associate-mops")
    );
}

#[test]
fn unknown_role_suggests_the_closest_ids() {
    // A mistyped id is a bad argument (exit 2), not bad role data (exit 1):
    // a scheduler can tell its own typo from a broken file.
    let (code, _, err) = run(&["show", "senoir-social"]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown role id `senoir-social`"), "{err}");
    assert!(err.contains("did you mean `senior-social`"), "{err}");
    let (code, _, err) = run(&["pdf", "--role", "senoir-social"]);
    assert_eq!(code, 2);
    assert!(err.contains("did you mean `senior-social`"), "{err}");
    let (code, _, err) = run(&["pdf", "--role", ""]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("the role id asked for is blank"), "{err}");
}

#[test]
fn check_passes_on_shipped_roles() {
    let (code, _, err) = run(&["check"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("ok: 14 roles"), "{err}");
}

#[test]
fn check_reports_every_problem_with_its_position() {
    let (code, err) = check(Path::new("tests/fixtures/broken"));
    assert_eq!(code, 1);
    let expected = [
        (
            "typos.yaml:8:5:",
            "unknown key `responsiblities`",
            Some("did you mean `responsibilities`?"),
        ),
        (
            "typos.yaml:21:5:",
            "unknown key `requirments`",
            Some("did you mean `requirements`?"),
        ),
        (
            "typos.yaml:6:12:",
            "role `typo-one` has an empty title",
            None,
        ),
        (
            "typos.yaml:7:12:",
            "whole number from 1 to 1000 for the job grade, found the text \"seven\"",
            None,
        ),
        (
            "typos.yaml:13:12:",
            "whole number from 1 to 1000 for the job grade, found 0",
            None,
        ),
        (
            "typos.yaml:20:12:",
            "found the text \"8\"",
            Some("without quotes: `grade: 8`"),
        ),
        (
            "typos.yaml:15:18:",
            "`builds_on: typo-tree` names no level",
            Some("did you mean `typo-three`?"),
        ),
        (
            "cycle.yaml:8:18:",
            "inheritance loops: `cycle-a` → `cycle-b` → `cycle-a`",
            None,
        ),
        (
            // The bracket that is never closed, where it opens (a typed
            // parse saw the events up to the error and said "sequence").
            "syntax.yaml:6:12:",
            "the `[` list that starts here is never closed",
            Some("close it with `]`, or quote text that starts with `[`"),
        ),
        (
            "types.yaml:7:7:",
            "invalid type: map, expected a string",
            None,
        ),
        (
            "latin1.yaml:2:12:",
            "not valid UTF-8",
            Some(
                "save the file as UTF-8: it looks like Windows-1252 (or Latin-1), where 0xe9 is `é`",
            ),
        ),
        (
            "typos.yaml:",
            "role id `typo-one` is also used in tests/fixtures/broken/dupe.yaml",
            None,
        ),
        // Both files that use the id fail, each at its own line.
        (
            "dupe.yaml:4:9:",
            "role id `typo-one` is also used in tests/fixtures/broken/typos.yaml",
            None,
        ),
    ];
    for (loc, msg, help) in expected {
        let line = err
            .lines()
            .find(|l| l.contains(loc) && l.contains(msg))
            .unwrap_or_else(|| panic!("no `{loc} … {msg}` in:\n{err}"));
        assert!(line.contains("error:"), "{line}");
        if let Some(help) = help {
            assert!(err.contains(help), "no help `{help}` in:\n{err}");
        }
    }
    assert!(err.contains("13 error(s)"), "{err}");
    // Machine-readable too.
    let (code, out, _) = run(&[
        "--roles",
        "tests/fixtures/broken",
        "check",
        "--format",
        "json",
    ]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["ok"], false);
    assert_eq!(v["errors"], 13);
    assert!(v["diagnostics"][0]["line"].is_number());
}

#[test]
fn broken_files_fail_exports_and_are_reported_by_list() {
    // list shows what loads, reports the rest, and exits 1.
    let (code, out, err) = run(&["--roles", "tests/fixtures/broken", "list"]);
    assert_eq!(code, 1);
    // Every file fails (dupe.yaml shares an id with typos.yaml): nothing
    // listed, each file reported.
    assert!(out.contains("0 roles"), "{out}");
    assert!(
        err.contains("dupe.yaml") && err.contains("typos.yaml"),
        "{err}"
    );
    assert!(err.contains("unknown key `responsiblities`"), "{err}");
    assert!(err.contains("have errors and are not listed"), "{err}");
    // Commands whose output must be complete refuse to run.
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = run(&[
        "--roles",
        "tests/fixtures/broken",
        "export",
        "--csv",
        "-o",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("unknown key `responsiblities`"), "{err}");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn missing_folder_or_company_file_is_a_clear_error() {
    let (code, err) = check(Path::new("tests/fixtures/does-not-exist"));
    assert_eq!(code, 1);
    assert!(
        err.contains("cannot read role folder tests/fixtures/does-not-exist"),
        "{err}"
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("a.yaml"),
        "family: a\ntitle: A\nlevels: []\n",
    )
    .unwrap();
    let (code, err) = check(dir.path());
    assert_eq!(code, 1);
    assert!(err.contains("no company.yaml"), "{err}");
    assert!(err.contains("help: create"), "{err}");
}

#[test]
fn broken_company_file_names_the_field() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("company.yaml"),
        "name: X\nwebsite: example.com\nbrand_colour: red\neffective_date: 2026-02-30\n",
    )
    .unwrap();
    std::fs::copy(
        "tests/fixtures/minimal/engineering.yaml",
        dir.path().join("e.yaml"),
    )
    .unwrap();
    let (code, err) = check(dir.path());
    assert_eq!(code, 1);
    assert!(
        err.contains("company.yaml:2:10: error: expected an http(s) URL"),
        "{err}"
    );
    // An address with a space, a query or no host: role text links append
    // site paths to it, and the PDF links came out broken.
    for (website, help) in [
        ("https://exa mple.com", "write `%20`"),
        ("https://example.com/?a=1#f", "remove the `?…` or `#…` part"),
        ("https:///path", "write the host name after `https://`"),
        // What a browser refuses: every link on every page was dead.
        (
            "https://x.test:99999",
            "check the host name and the port (at most 65535)",
        ),
    ] {
        common::edit(&dir.path().join("company.yaml"), |_| {
            format!("name: X\nwebsite: \"{website}\"\ngrades_url: /grades table\n")
        });
        let (code, err) = check(dir.path());
        assert_eq!(code, 1);
        assert!(
            err.contains(&format!(
                "company.yaml:2:10: error: expected an http(s) URL for `website`, found `{website}`"
            )) && err.contains(help),
            "{err}"
        );
        assert!(
            err.contains(
                "company.yaml:3:13: error: `grades_url` is not a usable link: `/grades table`"
            ),
            "{err}"
        );
    }
    // A blank value is said in words, the same for every field.
    common::edit(&dir.path().join("company.yaml"), |_| {
        "name: X\nwebsite: \"  \"\neffective_date: \" \"\nbrand_color: \"\"\n".to_string()
    });
    let (code, _, blank) = run(&["--roles", dir.path().to_str().unwrap(), "check"]);
    assert_eq!(code, 1);
    for want in [
        "company.yaml:2:10: error: expected an http(s) URL for `website`, found blank text",
        "company.yaml:3:17: error: expected a date as YYYY-MM-DD, found blank text",
        "company.yaml:4:14: error: expected a colour as `#rrggbb` (six hexadecimal digits), found blank text",
    ] {
        assert!(blank.contains(want), "{want}\n{blank}");
    }
    common::edit(&dir.path().join("company.yaml"), |_| {
        "name: X\nwebsite: example.com\nbrand_colour: red\neffective_date: 2026-02-30\n".to_string()
    });
    assert!(
        err.contains("company.yaml:3:1: error: unknown key `brand_colour`"),
        "{err}"
    );
    assert!(err.contains("did you mean `brand_color`?"), "{err}");
    assert!(
        err.contains("company.yaml:4:17: error: `2026-02-30` is not a real date"),
        "{err}"
    );
}

#[test]
fn hostile_text_loads_and_round_trips_through_show() {
    let hostile = "#set page(width: 1cm) $x$ <l> @r [x] \\\\ // c /* c */ 日本語 مرحبا =1+1";
    let family = format!(
        "family: h\ntitle: H\nlevels:\n  - id: h\n    level: A\n    title: H\n    responsibilities:\n      items:\n        - {:?}\n",
        hostile
    );
    let dir = with_company(&[("h.yaml", family.as_bytes())]);
    let (code, out, err) = run(&[
        "--roles",
        dir.path().to_str().unwrap(),
        "show",
        "h",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let item = &v["role"]["responsibilities"]["items"][0]["text"];
    assert_eq!(item["markdown"], hostile);
    assert_eq!(item["plain"], hostile);
}

#[test]
fn show_yaml_quotes_what_yaml_1_1_reads_as_another_type() {
    // serde_yaml's YAML 1.2 left these plain; PyYAML and other YAML 1.1
    // readers took them for booleans and numbers.
    let dir = with_company(&[(
        "h.yaml",
        b"family: h\ntitle: H\nlevels:\n  - id: h\n    level: \"on\"\n    title: \"No\"\n    \
          responsibilities:\n      items:\n        - \"yes\"\n        - \"1_000\"\n        - \"1:20\"\n        \
          - \"3+ years in a role\"\n        - \"Line one\\nline two\"\n",
    )]);
    let (code, out, err) = run(&["--roles", dir.path().to_str().unwrap(), "show", "h"]);
    assert_eq!(code, 0, "{err}");
    for line in [
        "  title: \"No\"\n",
        "    name: \"on\"\n",
        "    - text: \"yes\"\n",
        "    - text: \"1_000\"\n",
        "    - text: \"1:20\"\n",
        "    - text: 3+ years in a role\n",
        "    - text: |-\n        Line one\n        line two\n",
    ] {
        assert!(out.contains(line), "{line:?} not in\n{out}");
    }
    let v: serde_yaml::Value = serde_yaml::from_str(&out).unwrap();
    assert_eq!(v["role"]["responsibilities"]["items"][1]["text"], "1_000");
}

#[test]
fn usage_errors_exit_2() {
    let (code, _, err) = run(&["frobnicate"]);
    assert_eq!(code, 2);
    assert!(err.contains("unrecognized subcommand"), "{err}");
    let (code, _, _) = run(&["pdf"]);
    assert_eq!(code, 2);
    for args in [
        [
            "pdf",
            "--role",
            "senior-social",
            "--template",
            "tests/no-such.typ",
        ],
        ["pdf", "--role", "senior-social", "--template", "tests"],
        [
            "pdf",
            "--role",
            "senior-social",
            "--font-path",
            "tests/no-such-dir",
        ],
        ["pdf", "--role", "senior-social", "--font-path", "README.md"],
    ] {
        let (code, _, err) = run(&args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains(args[4]), "{err}");
    }
    let (code, out, _) = run(&["--help"]);
    assert_eq!(code, 0);
    assert!(out.contains("Exit codes"));
}

#[test]
fn nulls_unsafe_links_and_odd_files_are_reported_not_used() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::copy(
        "tests/fixtures/minimal/company.yaml",
        d.join("company.yaml"),
    )
    .unwrap();
    std::fs::write(
        d.join("a.yaml"),
        "family: a\ntitle: ~\nlevels:\n  - id: a-one\n    level: A\n    title: null\n    responsibilities:\n      items: [ \"r1\", ~, \"[js](javascript:alert(1)) [rel](relative/path) [ok](/x) [m](mailto:a@b.c)\" ]\n",
    )
    .unwrap();
    std::fs::write(
        d.join("b.yaml"),
        format!(
            "family: b\ntitle: B\nlevels:\n  - id: b-one\n    level: A\n    title: \"x\\u202Eevil\"\n    description: [\"{}\"]\n",
            "w".repeat(40_000)
        ),
    )
    .unwrap();
    // A FIFO would block a naive reader forever; a link to /dev/zero never ends.
    let fifo = d.join("pipe.yaml");
    common::mkfifo(&fifo);
    std::os::unix::fs::symlink("/dev/zero", d.join("zero.yaml")).unwrap();
    // A role file linking out of the folder is refused, never read or quoted.
    std::os::unix::fs::symlink("/etc/passwd", d.join("passwd.yaml")).unwrap();
    // A link to nothing is said to be just that (it was "outside the folder").
    std::os::unix::fs::symlink("gone.yaml", d.join("dangling.yaml")).unwrap();
    // A link to itself is a loop, not a missing file.
    std::os::unix::fs::symlink("self.yaml", d.join("self.yaml")).unwrap();
    // A folder named like a role file is said to be one (it was "not a
    // regular file").
    std::fs::create_dir(d.join("old.yaml")).unwrap();
    // Over 16 MiB (sparse: nothing on disk) is refused before it is read.
    std::fs::File::create(d.join("huge.yaml"))
        .unwrap()
        .set_len(17 << 20)
        .unwrap();
    let (code, err) = check(d);
    assert_eq!(code, 1);
    common::assert_reported(
        &err,
        &[
            ("a.yaml:2:8:", "expected text, found nothing"),
            ("a.yaml:6:12:", "expected text, found nothing"),
            ("a.yaml:8:22:", "expected text, found nothing"),
            // At the target itself, not at the text's start.
            (
                "a.yaml:8:31:",
                "link target `javascript:alert(1)` is not allowed",
            ),
            ("a.yaml:8:58:", "link target `relative/path` is not allowed"),
            // At the character (here its escape), not at the text's start.
            ("b.yaml:6:14:", "invisible character U+202E"),
            ("b.yaml:7:19:", "40000 characters long as written here"),
            ("pipe.yaml:", "not a regular file"),
            ("old.yaml:", "a folder named like a role file"),
            ("zero.yaml:", "links to a file outside the role folder"),
            ("passwd.yaml:", "links to a file outside the role folder"),
            (
                "dangling.yaml:",
                "symbolic link to a file that does not exist",
            ),
            ("self.yaml:", "symbolic link that leads back to itself"),
            (
                "huge.yaml:",
                "file is too large (17825792 bytes; at most 16777216)",
            ),
        ],
    );
    assert!(err.contains("the file meant to be here"), "{err}");
    assert!(
        !err.contains("`/x` is not allowed") && !err.contains("`mailto:a@b.c` is not allowed"),
        "{err}"
    );
    assert!(!err.contains("root:"), "{err}");
    assert!(err.contains("14 error(s)"), "{err}");
}

#[test]
fn a_logo_that_cannot_be_drawn_or_escapes_the_folder_is_a_company_error() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::copy("tests/fixtures/minimal/engineering.yaml", d.join("e.yaml")).unwrap();
    std::fs::write(d.join("broken.svg"), "<svg").unwrap();
    std::os::unix::fs::symlink("/etc/passwd", d.join("linked.svg")).unwrap();
    // The header of a 40,000 × 40,000 PNG (a 1.5 MB file of one colour
    // took 1.6 GB to decode): refused from the header alone.
    std::fs::write(d.join("huge.png"), common::png_header(40_000, 40_000)).unwrap();
    // An SVG that brings in a raster image past the pixel limit (embedded)
    // or one Typst will not read (linked: every PDF failed, naming the
    // template); a compressed SVG, which unpacked past every size limit.
    let svg = |inner: &str| {
        format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"100\" height=\"40\">\n  {inner}\n</svg>"
        )
    };
    std::fs::write(d.join("mark.png"), common::png_header(10, 10)).unwrap();
    std::fs::write(
        d.join("linking.svg"),
        svg(r#"<image href="mark.png" width="40" height="40"/>"#),
    )
    .unwrap();
    let embedded =
        svg(r#"<filter id="f"><feImage href="data:image/png;base64,iVBORw0KGgo="/></filter>"#);
    std::fs::write(d.join("embedding.svg"), embedded).unwrap();
    std::fs::write(d.join("packed.svg"), [0x1f, 0x8b, 8, 0, 0, 0, 0, 0]).unwrap();
    // SVGs that draw nothing (a blank space at the top of every PDF): all
    // in <defs>, transparent, or shapes with neither fill nor stroke.
    std::fs::write(
        d.join("blank.svg"),
        svg(r#"<defs><rect id="r" width="9" height="9"/></defs><g opacity="0"><rect width="9" height="9"/></g>"#),
    )
    .unwrap();
    std::fs::write(
        d.join("unfilled.svg"),
        svg(r#"<rect width="9" height="9" fill="none"/><path d="M0 0 L9 9" style="display:none" stroke="red"/>"#),
    )
    .unwrap();
    std::fs::write(d.join("heavy.png"), vec![0u8; 5 << 20]).unwrap();
    // Files in another format than their name says: a rename fixes them
    // ("Invalid PNG signature", with advice to export it again, before).
    std::fs::write(d.join("photo.jpg"), common::png_header(10, 10)).unwrap();
    std::fs::write(d.join("scan.png"), b"\xFF\xD8\xFF\xE0\x00\x10JFIF\x00").unwrap();
    std::fs::write(d.join("vector.png"), svg("")).unwrap();
    std::fs::write(d.join("anim.png"), b"GIF89a\x01\x00\x01\x00\x00\x00\x00;").unwrap();
    std::fs::write(d.join("raster.svg"), common::png_header(10, 10)).unwrap();
    std::fs::write(d.join("bom.png"), format!("\u{FEFF}{}", svg(""))).unwrap();
    // A DTD made the check's XML parser refuse the file, so its image
    // went unseen (usvg allows DTDs).
    std::fs::write(
        d.join("dtd.svg"),
        format!(
            "<!DOCTYPE svg>\n{}",
            svg(r#"<image href="mark.png" width="40" height="40"/>"#)
        ),
    )
    .unwrap();
    // `check` with company.yaml naming `logo`: its exit code and stderr.
    let check_logo = |logo: &str| {
        std::fs::write(
            d.join("company.yaml"),
            format!("name: X\nwebsite: https://x.test\nlogo: {logo}\n"),
        )
        .unwrap();
        let (code, err) = check(d);
        (code, err)
    };
    for (logo, msg) in [
        (
            "linking.svg",
            "it holds an image (`<image>` at line 2, column 3)",
        ),
        (
            "embedding.svg",
            "it holds an image (`<feImage>` at line 2, column 18)",
        ),
        (
            "packed.svg",
            "it is a compressed SVG (svgz); save it as plain SVG",
        ),
        (
            "dtd.svg",
            "it holds an image (`<image>` at line 3, column 3)",
        ),
        (
            "blank.svg",
            "it draws nothing: no shape or text in it is visible",
        ),
        (
            "unfilled.svg",
            "it draws nothing: no shape or text in it is visible",
        ),
        ("heavy.png", "it is larger than 4 MiB"),
        (
            "huge.png",
            "it is 40000 × 40000 pixels; a logo may have at most 8000",
        ),
        ("broken.svg", "not a valid SVG image"),
        (
            "photo.jpg",
            "it is a PNG image, not a JPEG: rename it to `photo.png`",
        ),
        (
            "scan.png",
            "it is a JPEG image, not a PNG: rename it to `scan.jpg`",
        ),
        (
            "vector.png",
            "it is an SVG image, not a PNG: rename it to `vector.svg`",
        ),
        (
            "anim.png",
            "it is a GIF image, not a PNG: export it as PNG or JPEG",
        ),
        (
            "raster.svg",
            "it is a PNG image, not an SVG: rename it to `raster.png` (and `logo:` in company.yaml)",
        ),
        (
            "bom.png",
            "it is an SVG image, not a PNG: rename it to `bom.svg`",
        ),
        ("linked.svg", "links to a file outside the role folder"),
        ("../x.png", "is outside the role folder"),
        // The folder itself: it was "outside the role folder".
        (".", "names the role folder itself, not a file"),
    ] {
        let (code, err) = check_logo(logo);
        assert_eq!(code, 1, "{logo}");
        assert!(
            err.contains("company.yaml:3:7: error:") && err.contains(msg),
            "{logo}: {err}"
        );
        // A rename needs no advice to export the logo again.
        if msg.contains("rename it") {
            assert!(!err.contains("export the logo again"), "{logo}: {err}");
        }
    }
    // Logos that do draw, in ways the check must not miss: text shown from
    // <defs> by <use>, a filter's own output, a stroke only, a CSS fill.
    for (i, inner) in [
        r##"<defs><text id="t" y="20">ACME</text></defs><use href="#t"/>"##,
        r##"<filter id="f" x="0" y="0" width="1" height="1"><feFlood flood-color="red"/></filter><rect width="9" height="9" fill="none" filter="url(#f)"/>"##,
        r#"<path d="M0 0 L9 9" fill="none" stroke="black"/>"#,
        r#"<style>.a { fill: #123456 }</style><rect class="a" width="9" height="9" fill="none"/>"#,
    ]
    .iter()
    .enumerate()
    {
        std::fs::write(d.join(format!("draws{i}.svg")), svg(inner)).unwrap();
        let (code, err) = check_logo(&format!("draws{i}.svg"));
        assert_eq!(code, 0, "{inner}: {err}");
    }
    // `./` before the name is inside the folder too (it was refused).
    let (code, err) = check_logo("./draws0.svg");
    assert_eq!(code, 0, "{err}");
}

#[test]
fn a_named_role_renders_even_when_another_file_is_broken() {
    let dir = minimal_copy();
    std::fs::copy(
        "tests/fixtures/broken/typos.yaml",
        dir.path().join("typos.yaml"),
    )
    .unwrap();
    let roles = dir.path().to_str().unwrap();
    let pdf = dir.path().join("out.pdf");
    let (code, _, err) = run(&[
        "--roles",
        roles,
        "pdf",
        "--role",
        "senior-engineer",
        "-o",
        pdf.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("1 role file(s) have errors"), "{err}");
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF-"));
    // The broken file's own roles, and --all, still fail.
    let (code, _, err) = run(&["--roles", roles, "pdf", "--role", "typo-two"]);
    assert_eq!(code, 1);
    assert!(err.contains("which has the errors above"), "{err}");
    // The file's own errors are shown, located, not just "run check".
    assert!(
        err.contains("typos.yaml:") && err.contains("unknown key"),
        "{err}"
    );
    let (code, _, err) = run(&["--roles", roles, "show", "typo-two"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("typos.yaml:") && err.contains("unknown key"),
        "{err}"
    );
    let (code, _, _) = run(&[
        "--roles",
        roles,
        "pdf",
        "--all",
        "-o",
        dir.path().join("all").to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
}

#[test]
fn role_files_with_upper_case_or_undecodable_names_are_never_skipped_silently() {
    use std::os::unix::ffi::OsStrExt;
    let dir = minimal_copy();
    // An upper-case extension is still a role file.
    std::fs::write(
        dir.path().join("Design.YAML"),
        "family: design\ntitle: Designer\nlevels:\n  - id: designer\n    level: Intermediate\n    title: Product Designer\n    grade: 6\n",
    )
    .unwrap();
    let (code, out, err) = run(&["--roles", dir.path().to_str().unwrap(), "list"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("designer"), "{out}");
    // A name that is not UTF-8 is an error that names the file.
    let bad = std::ffi::OsStr::from_bytes(b"caf\xe9.yaml");
    std::fs::write(dir.path().join(bad), "family: x\n").unwrap();
    let (code, err) = check(dir.path());
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("not valid UTF-8") && err.contains("caf"),
        "{err}"
    );
    // The JSON report names it too (serialising the path panicked).
    let (code, out, err) = run(&[
        "--roles",
        dir.path().to_str().unwrap(),
        "check",
        "--format",
        "json",
    ]);
    assert_eq!(code, 1, "{err}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(
        report["diagnostics"][0]["file"]
            .as_str()
            .unwrap()
            .ends_with("caf\u{FFFD}.yaml"),
        "{report}"
    );
    // And so does a build's summary into an output folder of such a name.
    let o = dir.path().join(std::ffi::OsStr::from_bytes(b"out\xff"));
    let st = jdgen()
        .arg("--roles")
        .arg(dir.path())
        .args(["build", "--format", "json", "-o"])
        .arg(&o)
        .output()
        .unwrap();
    assert_eq!(st.status.code(), Some(1));
    let summary: serde_json::Value = serde_json::from_slice(&st.stdout).unwrap();
    assert!(
        summary["out_dir"]
            .as_str()
            .unwrap()
            .ends_with("out\u{FFFD}")
    );
}

#[test]
fn closed_output_streams_are_not_a_crash() {
    use std::process::{Command as Std, Stdio};
    let out = tempfile::tempdir().unwrap();
    // stderr is a pipe nobody reads: every log line fails with EPIPE.
    let mut child = Std::new(env!("CARGO_BIN_EXE_jdgen"))
        .args([
            "--roles",
            "tests/fixtures/minimal",
            "build",
            "--force",
            "-o",
        ])
        .arg(out.path())
        .env_remove("JDGEN_ROLES")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stderr.take());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{status}");
    // stdout on a full device: the PDF is written, the path cannot be.
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let status = Std::new(env!("CARGO_BIN_EXE_jdgen"))
        .args([
            "--roles",
            "tests/fixtures/minimal",
            "pdf",
            "--role",
            "junior-engineer",
            "-o",
        ])
        .arg(out.path().join("x.pdf"))
        .env_remove("JDGEN_ROLES")
        .stdout(full)
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(0), "{status}");
    assert!(out.path().join("x.pdf").is_file());
}

#[test]
fn paths_that_cannot_be_outputs_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    for args in [
        vec!["pdf", "--role", "senior-social", "-o", "-"],
        vec!["build", "-o", "-"],
        vec!["build", "-o", d, "--summary-json", "-"],
        vec!["export", "--zip", "-o", "bundle.zip"],
        vec!["export", "--csv", "-o", "roles.csv"],
    ] {
        let (code, _, err) = run(&args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(
            err.contains("-o") || err.contains("--summary-json"),
            "{args:?}: {err}"
        );
    }
    assert!(!Path::new("-").exists() && !Path::new("bundle.zip").exists());
}

#[test]
fn check_catches_cells_that_only_grow_too_long_in_the_export() {
    // Each string is within the limit; the export joins the description's
    // paragraphs and spells a link out as `text (url)`, which is not.
    let dir = minimal_copy();
    let d = dir.path();
    let para = "p".repeat(20_000);
    // 32,755 characters as written, 32,773 as `text (https://example.com/…)`
    // (the link target within its own limit of 2,000).
    let link_text = format!("[{}](/{})", "t".repeat(30_760), "u".repeat(1_990));
    std::fs::write(
        d.join("long.yaml"),
        format!(
            "family: long\ntitle: Long\nlevels:\n  - id: long-one\n    level: One\n    title: One\n    description: [\"{para}\", \"{para}\"]\n    responsibilities:\n      items: [\"{link_text}\"]\n{}",
            // Two levels inherit the long item: one report, naming them.
            ["two", "three"].map(|n| format!("  - id: long-{n}\n    level: {n}\n    title: {n}\n    responsibilities:\n      builds_on: long-one\n      items: [More]\n")).concat()
        ),
    )
    .unwrap();
    let roles = d.to_str().unwrap();
    let (code, err) = check(Path::new(roles));
    assert_eq!(code, 1, "{err}");
    assert!(
        err.lines().any(|l| l.contains("long.yaml:7:5:")
            && l.contains("role `long-one`), column `description`: 40002 characters")),
        "{err}"
    );
    assert!(
        // At the item itself (it was the level's `- id:` line).
        err.lines().any(|l| l.contains("long.yaml:9:15:")
            && l.contains("table `items`")
            && l.contains("column `text`")
            && l.contains("also in 2 more row(s), of role(s) long-two, long-three")),
        "{err}"
    );
    assert!(err.contains("2 error(s)"), "{err}");
    // The same roles are what the export refuses: check found it first.
    let out = tempfile::tempdir().unwrap();
    let (code, _, _) = run(&[
        "--roles",
        roles,
        "export",
        "--xlsx",
        "-o",
        out.path().to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
}

#[test]
fn aliases_tags_deep_nesting_and_cut_text_are_caught_before_parsing() {
    let dir = minimal_copy();
    let d = dir.path();
    let level = "levels:\n  - id: ROLE\n    level: A\n    title: A\n";
    // An alias bomb: 40,000 aliases of a 30,000-character text took minutes
    // and gigabytes when serde_yaml expanded them.
    std::fs::write(
        d.join("bomb.yaml"),
        format!(
            "family: bomb\ntitle: Bomb\nintro: [&x \"{}\"{}]\n{}",
            "x".repeat(30_000),
            ", *x".repeat(40_000),
            level.replace("ROLE", "bomb-one")
        ),
    )
    .unwrap();
    // A tag hid a null and control characters from the text checks.
    std::fs::write(
        d.join("tagged.yaml"),
        format!(
            "family: tagged\ntitle: !x ~\n{}",
            level.replace("ROLE", "tagged-one")
        ),
    )
    .unwrap();
    // 80,000 nested brackets took minutes in serde_yaml's scanner.
    std::fs::write(
        d.join("deep.yaml"),
        format!(
            "family: deep\ntitle: Deep\nintro: {}{}\n{}",
            "[".repeat(80_000),
            "]".repeat(80_000),
            level.replace("ROLE", "deep-one")
        ),
    )
    .unwrap();
    // A tab after `title:` (which libyaml accepts) put every error at 1:1.
    std::fs::write(
        d.join("tab.yaml"),
        "family: tab\ntitle:\tTab\nlevels:\n  - id: tab-one\n    level: A\n    title: A\n    grade: 0\n",
    )
    .unwrap();
    let roles = d.to_str().unwrap();
    let (code, err) = check(Path::new(roles));
    assert_eq!(code, 1, "{err}");
    common::assert_reported(
        &err,
        &[
            (
                "bomb.yaml:3:",
                "YAML aliases (`*name`) are not allowed in role files (40000 places",
            ),
            ("bomb.yaml:3:9:", "YAML anchors (`&x`) are not allowed"),
            ("tagged.yaml:2:8:", "YAML tags (`!x`) are not allowed"),
            ("deep.yaml:3:", "nests more than 32 levels deep"),
            ("tab.yaml:7:12:", "expected a whole number from 1 to 1000"),
        ],
    );
    assert!(err.contains("5 error(s)"), "{err}");
    // The refused files' roles are named, not "unknown".
    let (code, _, err) = run(&["--roles", roles, "show", "bomb-one"]);
    assert_eq!(code, 1);
    assert!(err.contains("bomb.yaml"), "{err}");
}

#[test]
fn an_anchor_is_refused_rather_than_dropped_from_the_text() {
    // `title: &Co Partners` read as `Partners`: YAML took `&Co` for an
    // anchor and `check` passed the shortened text. Anchors (which serve
    // only aliases, refused) are errors, each with the text quoted (a
    // list's, or one an alias names, is told to go); a tag
    // at a text's start is told to be quoted, not removed with its word.
    let dir = minimal_copy();
    let d = dir.path();
    std::fs::write(
        d.join("f.yaml"),
        "family: f\ntitle: &Co Partners\nlevels:\n  - id: f-one\n    level: A\n    title: A\n    notes:\n      - &amp stuff\n      - R&D plan\n      - !important thing\n    reports_to: &CEO Head of Marketing\n    description: &x\n      - one\n",
    )
    .unwrap();
    let (code, err) = check(d);
    assert_eq!(code, 1, "{err}");
    common::assert_reported(
        &err,
        &[
            ("f.yaml:2:8:", "YAML reads `&Co` as an anchor, not text"),
            ("f.yaml:8:9:", "YAML reads `&amp` as an anchor"),
            ("f.yaml:10:9:", "YAML tags (`!important`) are not allowed"),
            ("f.yaml:11:17:", "YAML reads `&CEO` as an anchor"),
            ("f.yaml:12:18:", "YAML anchors (`&x`) are not allowed"),
        ],
    );
    for fix in [
        "`title: \"&Co Partners\"`",
        "`- \"&amp stuff\"`",
        "`- \"!important thing\"`",
        "`reports_to: \"&CEO Head of Marketing\"`",
        "remove `&x`: anchors only serve aliases",
    ] {
        assert!(err.contains(fix), "no `{fix}`:\n{err}");
    }
    assert!(!err.contains("remove the tag"), "{err}");
    assert!(err.contains("5 error(s)"), "{err}");
    // An anchor on a key or a block of lines is told to go (quoting the
    // text put `&s |` into it); `*Co Partners*` elsewhere is emphasis, not
    // an alias naming `&Co`; YAML's own tags are told to go, not quoted.
    std::fs::write(
        d.join("f.yaml"),
        "family: f\ntitle: &Co Partners\nsummary: &s |\n  A summary\n  of two lines.\nlevels:\n  - id: f-one\n    &k level: A\n    title: !!str Senior Engineer\n    notes:\n      - Works with *Co Partners* daily\n",
    )
    .unwrap();
    let (code, err) = check(d);
    assert_eq!(code, 1, "{err}");
    common::assert_reported(
        &err,
        &[
            ("f.yaml:2:8:", "YAML reads `&Co` as an anchor, not text"),
            ("f.yaml:3:10:", "YAML anchors (`&s`) are not allowed"),
            ("f.yaml:8:5:", "YAML anchors (`&k`) are not allowed"),
            ("f.yaml:9:12:", "YAML tags (`!!str`) are not allowed"),
        ],
    );
    assert!(err.contains("`title: \"&Co Partners\"`"), "{err}");
    assert!(err.contains("remove the tag"), "{err}");
    assert!(!err.contains("\"!!str"), "{err}");
    // Nor is a tag on a key, a quoted text or a block of lines quoted with
    // its text, nor an anchor on a value that is no prose (quoted, a grade
    // or an id is a second error).
    for (line, help) in [
        ("    !x grade: 5\n", "remove the tag"),
        ("    summary: !x \"Senior\"\n", "remove the tag"),
        ("    summary: !x |\n      hello\n", "remove the tag"),
        ("    grade: &g 5\n", "remove `&g`"),
        ("    \"grade\": &g 5\n", "remove `&g`"),
        (
            "  - {id: f-two, level: B, title: B, grade: &g 5}\n",
            "remove `&g`",
        ),
        // A tag on a list entry's first key; a tag alone, maybe a text.
        (
            "  - !x id: f-two\n    level: B\n    title: B\n",
            "remove the tag",
        ),
        (
            "    reports_to: !Wow\n",
            "if `!Wow` is text, put it in double quotes; if it is a tag, remove it",
        ),
        (
            "    reports_to: !Wow  # a note\n",
            "if `!Wow` is text, put it in double quotes",
        ),
        // Over a list at its key's own indentation (legal YAML) it is no text.
        (
            "    description: !x\n    - Builds things\n",
            "help: remove the tag",
        ),
        // A list item's next sibling, and an entry's next key, are not what
        // it is on; a comment after a tab is no word of it.
        (
            "    description:\n      - !Wow\n      - Builds things\n",
            "if `!Wow` is text, put it in double quotes",
        ),
        (
            "  - level: !Wow\n    id: f-two\n    title: B\n",
            "if `!Wow` is text, put it in double quotes",
        ),
        (
            "    reports_to: !Wow\t# a note\n",
            "if `!Wow` is text, put it in double quotes",
        ),
        (
            "    reports_to: &Co Partners\n",
            "`reports_to: \"&Co Partners\"`",
        ),
        // After a key that ends in a letter of two bytes: a panic.
        ("    café: &x Hello\n", "YAML reads `&x` as an anchor"),
        (
            "    notes: {naïve: !t a b}\n",
            "YAML tags (`!t`) are not allowed",
        ),
    ] {
        std::fs::write(
            d.join("f.yaml"),
            format!(
                "family: f\ntitle: T\nlevels:\n  - id: f-one\n    level: A\n    title: A\n{line}"
            ),
        )
        .unwrap();
        let (code, err) = check(d);
        assert_eq!(code, 1, "{err}");
        assert!(err.contains(help), "{line}: {err}");
    }
    // So in company.yaml, which is read on the main thread.
    common::edit(&d.join("company.yaml"), |t| format!("{t}marqué: &m Hi\n"));
    let (code, err) = check(d);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("YAML reads `&m` as an anchor"), "{err}");
}

#[test]
fn a_file_of_too_many_values_is_refused_at_the_first_value_past_the_cap() {
    // 16 MiB of `[a,a,…]` (8 million values) took about a minute and 3.4 GB
    // to check: every pass built them all. The first pass now stops at the
    // cap, also in a second document (serde_yaml loads it before refusing
    // it) and where only libyaml reads on (a tab after `title:` with a
    // quoted text continued at column 1: 20 s and 2.3 GB).
    let cap = jdgen::source_map::MAX_VALUES;
    let level = "levels:\n  - id: v-one\n    level: A\n    title: A\n";
    // Before `intro`'s items the file holds 7 values (the top mapping,
    // `family` and `title` with theirs, `intro` and its collection), so
    // item `cap - 6` is the first past the cap.
    let first_over = cap - 6;
    let many = "a,".repeat(cap);
    let cases: [(&str, String, String); 5] = [
        (
            "flow list",
            format!("intro: [{}a]\n", "a,".repeat(cap - 1)),
            format!("f.yaml:3:{}:", 9 + 2 * (first_over - 1)),
        ),
        (
            "block list",
            format!("intro:\n{}", "  - a\n".repeat(cap)),
            format!("f.yaml:{}:5:", 3 + first_over),
        ),
        (
            // Two values a key: item `first_over` is key k's value when
            // 2k + 2 = first_over.
            "mapping",
            format!(
                "intro:\n{}",
                (0..cap / 2)
                    .map(|i| format!("  k{i}: a\n"))
                    .collect::<String>()
            ),
            format!(
                "f.yaml:{}:{}:",
                4 + (first_over - 2) / 2,
                6 + ((first_over - 2) / 2).to_string().len()
            ),
        ),
        (
            "second document",
            format!("{level}---\nintro: [{many}a]\n"),
            "f.yaml:8:".to_string(),
        ),
        (
            "layout only libyaml reads",
            format!("summary: \"a\nb\"\nintro: [{many}a]\n"),
            "f.yaml:5:".to_string(),
        ),
    ];
    // (A file just under the cap is read on: `source_map`'s unit tests.)
    for (name, body, at) in cases {
        let title = if name.starts_with("layout") {
            "title:\tF\n"
        } else {
            "title: F\n"
        };
        let text = if name == "second document" {
            format!("family: f\n{title}{body}")
        } else {
            format!("family: f\n{title}{body}{level}")
        };
        let dir = with_company(&[("f.yaml", text.as_bytes())]);
        let roles = dir.path().to_str().unwrap();
        let (code, _, err) = run(&["--roles", roles, "check"]);
        assert_eq!(code, 1, "{name}: {err}");
        let short = &err[..err.len().min(3000)];
        // One error, at the value past the cap, with the way out.
        assert!(
            err.lines()
                .any(|l| l.contains(&at) && l.contains(": error: this file holds more than")),
            "{name}: {short}"
        );
        assert!(err.contains("1 error(s)"), "{name}: {short}");
        assert!(err.contains("split the family"), "{name}: {short}");
        // Its role, written after the cap, is named: `show` gives the
        // file's error (exit 1), not "unknown role id" (exit 2).
        if name == "block list" {
            let (code, _, err) = run(&["--roles", roles, "show", "v-one"]);
            assert_eq!(code, 1, "{name}: {}", &err[..err.len().min(3000)]);
        }
    }
}

#[test]
fn nesting_of_any_kind_and_depth_is_refused_not_a_crash() {
    // The position pass read the YAML through yaml-rust2's `load`, which
    // recurses once per level: `- - - …` or `? ? ? …` 20,000 deep (a 40 KB
    // file) overflowed the stack and aborted every command (exit 134).
    let level = "levels:\n  - id: d-one\n    level: A\n    title: A\n";
    for (name, nested) in [
        (
            "sequences",
            format!("intro:\n  {}x\n", "- ".repeat(100_000)),
        ),
        ("keys", format!("{}x\n", "? ".repeat(100_000))),
        ("both", format!("intro:\n  {}x\n", "- ? ".repeat(30_000))),
        ("maps", format!("intro: {}\n", "{a: ".repeat(50_000))),
        (
            "indentation",
            format!(
                "x:\n{}",
                (1..400)
                    .map(|i| format!("{}k:\n", " ".repeat(i)))
                    .collect::<String>()
            ),
        ),
    ] {
        let (code, err) = check_one(format!("family: f\ntitle: F\n{nested}{level}").as_bytes());
        assert_eq!(code, 1, "{name}: {err}");
        assert!(
            err.contains("nests more than 32 levels deep"),
            "{name}: {err}"
        );
    }
}

#[test]
fn refused_yaml_is_caught_also_in_layouts_only_libyaml_reads() {
    // yaml-rust2 (the position pass) stops at a closing `]` at the key's
    // column or a quoted title continued at the key's indentation, which
    // libyaml (serde_yaml) reads: what followed went unchecked.
    let dir = minimal_copy();
    let d = dir.path();
    let body = "family: odd\ntitle: Odd\nlevels:\n  - id: odd-one\n    level: A\n    title: \"A long\n    title\"\n    responsibilities:\n      items: &x [One, Two\n      ]\n  - id: odd-two\n    level: B\n    title: B\n    responsibilities:\n      items: ITEMS\n";
    std::fs::write(d.join("odd.yaml"), body.replace("ITEMS", "*x")).unwrap();
    std::fs::write(
        d.join("tagged.yaml"),
        body.replace("odd", "tag")
            .replace("&x ", "")
            .replace("ITEMS", "!x [Three]"),
    )
    .unwrap();
    let roles = d.to_str().unwrap();
    let (code, err) = check(Path::new(roles));
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("odd.yaml:15:14: error: YAML aliases (`*name`) are not allowed"),
        "{err}"
    );
    assert!(
        err.contains("tagged.yaml:15:14: error: YAML tags (`!x`) are not allowed"),
        "{err}"
    );
    // The same layout without them is a good file.
    std::fs::remove_file(d.join("tagged.yaml")).unwrap();
    std::fs::write(
        d.join("odd.yaml"),
        body.replace("&x ", "").replace("ITEMS", "[Three]"),
    )
    .unwrap();
    let (code, out, err) = run(&["--roles", roles, "check"]);
    assert_eq!(code, 0, "{out}{err}");
}

#[test]
fn inheritance_cannot_multiply_a_small_file_into_gigabytes() {
    // A 170 KB chain of 1,000 levels, each building on the one before,
    // made a 467 MB roles.json; 3,000 levels took 38 s and 2.6 GB to check.
    let dir = minimal_copy();
    let d = dir.path();
    // (Now also at most 200 levels: six items each make the point.)
    let mut chain = String::from("family: chain\ntitle: Chain\nlevels:\n");
    for i in 0..200 {
        chain.push_str(&format!(
            "  - id: c{i}\n    level: L{i}\n    title: T{i}\n    responsibilities:\n{}      items: [a{i}, b{i}, c{i}, d{i}, e{i}, f{i}]\n",
            if i > 0 { format!("      builds_on: c{}\n", i - 1) } else { String::new() }
        ));
    }
    std::fs::write(d.join("chain.yaml"), chain).unwrap();
    // A chain of 3,000 levels with empty lists passed the item limits and
    // overflowed the stack when resolved.
    let mut long = String::from("family: long\ntitle: Long\nlevels:\n");
    for i in 0..3_000 {
        long.push_str(&format!(
            "  - {{id: l{i}, level: L{i}, title: T{i}, responsibilities: {{builds_on: l{}}}}}\n",
            i + 1
        ));
    }
    std::fs::write(d.join("long.yaml"), long).unwrap();
    // A base of 1,001 items is too long on its own.
    let items: Vec<String> = (0..1_001).map(|i| format!("i{i}")).collect();
    std::fs::write(
        d.join("fan.yaml"),
        format!(
            "family: fan\ntitle: Fan\nlevels:\n  - id: base\n    level: B\n    title: B\n    responsibilities:\n      items: [{}]\n",
            items.join(", ")
        ),
    )
    .unwrap();
    // Two separate loops: both are reported in one run.
    std::fs::write(
        d.join("loops.yaml"),
        "family: loops\ntitle: Loops\nlevels:\n  - {id: a, level: A, title: A, requirements: {builds_on: b, items: [x]}}\n  - {id: b, level: B, title: B, requirements: {builds_on: a, items: [y]}}\n  - {id: d, level: D, title: D, requirements: {builds_on: d, items: [z]}}\n",
    )
    .unwrap();
    let (code, err) = check(d);
    assert_eq!(code, 1, "{err}");
    common::assert_reported(
        &err,
        &[
            (
                "chain.yaml:",
                "level `c166` lists 1002 responsibilities with inherited ones; at most 1000",
            ),
            (
                "chain.yaml:4:3:",
                "family `chain` lists 120600 responsibilities and requirements",
            ),
            (
                "long.yaml:4:3:",
                "family `long` has 3000 levels; at most 200",
            ),
            (
                "fan.yaml:8:14:",
                "level `base` lists 1001 responsibilities; at most 1000",
            ),
            (
                "loops.yaml:4:",
                "requirements inheritance loops: `a` → `b` → `a`",
            ),
            ("loops.yaml:6:", "requirements inheritance loops: `d` → `d`"),
        ],
    );
    assert!(err.contains("6 error(s)"), "{err}");
}

#[test]
fn a_level_with_a_blank_id_is_named_by_its_place() {
    // A blank id is one error. It was also a "duplicate role id" of
    // another blank one (in the same file or another), a level a blank
    // `builds_on` could build on (a loop "  →  ", or "a level of another
    // family" for its own), and "role ``" or "level 2 (` `)" in the
    // messages about its level.
    let dir = minimal_with(
        "blank.yaml",
        "family: blank\ntitle: Blank\nlevels:\n  \
         - {id: \" \", level: L, title: L, requirements: {builds_on: c, items: [x]}}\n  \
         - {id: \" \", level: L, title: \"\", requirements: {builds_on: \" \", items: [x]}}\n  \
         - {id: c, level: C, title: C, requirements: {builds_on: d, items: [x]}}\n  \
         - {id: d, level: D, title: D, requirements: {builds_on: c, items: [x]}}\n",
    );
    let d = dir.path();
    std::fs::write(
        d.join("untyped.yaml"),
        "family: untyped\ntitle: Untyped\nlevels:\n  - {id: alone, level: L, title: L}\n  - {id: \" \", title: A}\n",
    )
    .unwrap();
    let (code, err) = check(d);
    assert_eq!(code, 1, "{err}");
    for wrong in [
        "duplicate",
        "also used",
        "another family",
        "``",
        "` `",
        "  →",
    ] {
        assert!(!err.contains(wrong), "{wrong}: {err}");
    }
    common::assert_reported(
        &err,
        &[
            ("blank.yaml:4:10:", "the role id is blank"),
            ("blank.yaml:5:10:", "the role id is blank"),
            ("blank.yaml:5:", "level 2 has an empty title"),
            (
                "blank.yaml:5:",
                "`builds_on:` with blank text names no level of family `blank`",
            ),
            (
                "blank.yaml:6:",
                "requirements inheritance loops: `c` → `d` → `c`",
            ),
            (
                "blank.yaml:5:",
                "level 2 has the same level as level 1 (line 4)",
            ),
            (
                "blank.yaml:4:",
                "level 1 builds on `c`, a level written after it",
            ),
            ("untyped.yaml:5:5:", "level 2: missing field `level`"),
        ],
    );
    assert!(err.contains("6 error(s), 3 warning(s)"), "{err}");
}

#[test]
fn text_that_prints_as_nothing_is_an_error_wherever_it_is() {
    // Zero-width items printed empty bullets; an empty group heading made
    // its items look like the previous section's; empty hiring steps
    // printed "1." with nothing after it.
    let dir = minimal_with(
        "b.yaml",
        "family: b\ntitle: B\nvalues:\n  heading: \"\"\n  items:\n    - {name: V, emoji: \"\", text: \"\\u200b\"}\nhiring_process:\n  steps: [\"\", {text: \"\\u00ad\", steps: [ok]}]\nlevels:\n  - id: b-one\n    level: A\n    title: A\n    reports_to: \"\"\n    responsibilities:\n      heading: \"\\u2060\"\n      items: [\"\\u200b\", ok]\n",
    );
    let d = dir.path();
    let (code, err) = check(d);
    assert_eq!(code, 1, "{err}");
    common::assert_reported(
        &err,
        &[
            ("b.yaml:4:12:", "empty heading"),
            ("b.yaml:6:24:", "empty emoji"),
            ("b.yaml:6:34:", "empty text"),
            ("b.yaml:8:11:", "empty text"),
            ("b.yaml:8:22:", "empty text"),
            ("b.yaml:13:17:", "empty reports_to"),
            ("b.yaml:15:16:", "empty heading"),
            ("b.yaml:16:15:", "empty text"),
        ],
    );
    // Each once: the item's own check and the general one do not repeat.
    assert!(err.contains("8 error(s)"), "{err}");
}

#[test]
fn company_settings_under_another_name_are_named_as_such() {
    // company.yml beside company.yaml was read as a family file: four
    // errors about unknown keys `name` and `website`.
    let dir = minimal_copy();
    let d = dir.path();
    std::fs::copy(d.join("company.yaml"), d.join("company.yml")).unwrap();
    let (code, err) = check(d);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("`company.yml` looks like company settings, but only `company.yaml` is read"),
        "{err}"
    );
    assert!(err.contains("1 error(s)"), "{err}");
    // Alone, it is what the missing company.yaml's message points at.
    std::fs::remove_file(d.join("company.yaml")).unwrap();
    let (code, err) = check(d);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("rename company.yml to company.yaml"), "{err}");
    // Said once: not also as a file that looks like company settings.
    assert!(err.contains("1 error(s)"), "{err}");
    // Alone in its folder: not also "no role files".
    std::fs::remove_file(d.join("engineering.yaml")).unwrap();
    let (code, err) = check(d);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("rename company.yml to company.yaml"), "{err}");
    assert!(err.contains("1 error(s)"), "{err}");
}

#[test]
fn check_reports_text_no_font_can_draw() {
    // Hangul passed check and printed as empty boxes in every PDF; only
    // the render (and only the run that rendered it) said so.
    let dir = minimal_with(
        "k.yaml",
        "family: k\ntitle: K\nlevels:\n  - id: k-one\n    level: A\n    title: A\n    responsibilities:\n      items: [\"café ✈️ 👩🏽‍💻 🇩🇪\", \"Speak 한국어\"]\n",
    );
    let d = dir.path();
    let roles = d.to_str().unwrap();
    let (code, err) = check(Path::new(roles));
    assert_eq!(code, 0, "a warning: {err}");
    assert!(
        err.contains(
            "k.yaml:8:41: warning: `한` (U+D55C), `국` (U+AD6D), `어` (U+C5B4) are in no font"
        ),
        "{err}"
    );
    assert!(err.contains("1 warning(s)"), "{err}");
    // A missing font folder is an error, as for pdf and build.
    let (code, _, err) = run(&[
        "--roles",
        roles,
        "check",
        "--font-path",
        "/nonexistent-fonts",
    ]);
    assert_ne!(code, 0, "{err}");
    assert!(err.contains("/nonexistent-fonts"), "{err}");
    // A font file Typst cannot read (a truncated download, a text file
    // named .otf) was skipped without a word: the user, who had added the
    // font, was told only to add a font. Every command says so now.
    let fonts = tempfile::tempdir().unwrap();
    let inter = std::fs::read("fonts/Inter-Regular.otf").unwrap();
    std::fs::write(fonts.path().join("cut.ttf"), &inter[..3000]).unwrap();
    std::fs::write(fonts.path().join("notes.otf"), "not a font").unwrap();
    let font_path = fonts.path().to_str().unwrap();
    // Said even when the role folder does not load.
    let (code, _, err) = run(&[
        "--roles",
        "/nonexistent-roles",
        "check",
        "--font-path",
        font_path,
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("cut.ttf: warning: this --font-path file"),
        "{err}"
    );
    let (code, _, err) = run(&["--roles", roles, "check", "--font-path", font_path]);
    assert_eq!(code, 0, "{err}");
    for f in ["cut.ttf", "notes.otf"] {
        assert!(
            err.contains(&format!(
                "{f}: warning: this --font-path file holds no usable font"
            )),
            "{f}: {err}"
        );
    }
    let out = d.join("pdfs");
    let (code, _, err) = run(&[
        "--roles",
        roles,
        "pdf",
        "--all",
        "--font-path",
        font_path,
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("warning: --font-path: ") && err.contains("cut.ttf holds no usable font"),
        "{err}"
    );
    let (code, summary, err) = run(&[
        "--roles",
        roles,
        "build",
        "-q",
        "--format",
        "json",
        "--font-path",
        font_path,
        "-o",
        d.join("out").to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        summary.contains("notes.otf holds no usable font"),
        "{summary}"
    );
}

/// `fonts/Inter-Regular.otf` with the last group of its format 12
/// character map widened to end at U+FFFFFFFF (4 bytes changed).
fn font_with_a_runaway_character_map() -> Vec<u8> {
    let mut b = std::fs::read("fonts/Inter-Regular.otf").unwrap();
    let u16_at = |b: &[u8], at: usize| u16::from_be_bytes([b[at], b[at + 1]]) as usize;
    let u32_at =
        |b: &[u8], at: usize| u32::from_be_bytes(b[at..at + 4].try_into().unwrap()) as usize;
    let cmap = (0..u16_at(&b, 4))
        .map(|i| 12 + 16 * i)
        .find(|&r| &b[r..r + 4] == b"cmap")
        .map(|r| u32_at(&b, r + 8))
        .unwrap();
    let mut patched = 0;
    for i in 0..u16_at(&b, cmap + 2) {
        let sub = cmap + u32_at(&b, cmap + 4 + 8 * i + 4);
        if u16_at(&b, sub) == 12 {
            let last = sub + 16 + 12 * (u32_at(&b, sub + 12) - 1);
            b[last + 4..last + 8].copy_from_slice(&u32::MAX.to_be_bytes());
            patched += 1;
        }
    }
    assert!(patched > 0, "Inter has no format 12 map any more");
    b
}

/// A font file of only a table directory and these tables, their records
/// in the order given (a real font lists them sorted by tag).
fn raw_font(tables: &[(&[u8; 4], Vec<u8>)]) -> Vec<u8> {
    let mut head = vec![0, 1, 0, 0];
    head.extend((tables.len() as u16).to_be_bytes());
    head.extend([0; 6]); // search range, entry selector, range shift
    let mut offset = 12 + 16 * tables.len();
    let mut body: Vec<u8> = Vec::new();
    for (tag, data) in tables {
        head.extend(*tag);
        head.extend(0u32.to_be_bytes());
        head.extend((offset as u32).to_be_bytes());
        head.extend((data.len() as u32).to_be_bytes());
        offset += data.len();
        body.extend(data);
    }
    head.extend(body);
    head
}

/// A `cmap` of one subtable (`sub`) named by `records` encoding records.
fn cmap(records: usize, sub: &[u8]) -> Vec<u8> {
    let mut c = vec![0, 0];
    c.extend((records as u16).to_be_bytes());
    let at = 4 + 8 * records as u32;
    for _ in 0..records {
        c.extend([0, 3, 0, 10]);
        c.extend(at.to_be_bytes());
    }
    c.extend(sub);
    c
}

/// A format 12 subtable of one group, `start..=end`.
fn format12(start: u32, end: u32) -> Vec<u8> {
    let mut t = vec![0, 12, 0, 0];
    t.extend(28u32.to_be_bytes());
    t.extend(0u32.to_be_bytes());
    t.extend(1u32.to_be_bytes());
    for v in [start, end, 0] {
        t.extend(v.to_be_bytes());
    }
    t
}

#[test]
fn a_font_check_counts_what_typst_would_list() {
    // A review beat the first check three ways; each file here is refused
    // before Typst lists its characters.
    let fonts = tempfile::tempdir().unwrap();
    let font_path = fonts.path().to_str().unwrap();
    let refused = |name: &str, bytes: Vec<u8>, want: &str| {
        std::fs::write(fonts.path().join(name), bytes).unwrap();
        let (code, _, err) = run(&["check", "--font-path", font_path]);
        assert_eq!(code, 2, "{name}: {err}");
        assert!(err.contains(want), "{name}: {err}");
        std::fs::remove_file(fonts.path().join(name)).unwrap();
    };
    let junk = || vec![0u8; 54];
    // The `cmap` record listed last, out of order: a lookup by binary search
    // missed it; Typst reads it (4 GiB asked for).
    refused(
        "unsorted.ttf",
        raw_font(&[
            (b"head", junk()),
            (b"name", junk()),
            (b"cmap", cmap(1, &format12(0, u32::MAX))),
        ]),
        "unsorted.ttf: its character map claims 4294967296 characters",
    );
    // Format 2, 2.6 KB: every first byte names a sub-header of 65,535
    // entries (8.4 million characters).
    let mut f2 = vec![0, 2, 0, 0, 0, 0];
    for _ in 0..256 {
        f2.extend(8u16.to_be_bytes());
    }
    f2.extend([0; 8]);
    f2.extend([0, 0, 0xFF, 0xFF, 0, 0, 0, 0]);
    refused(
        "format2.ttf",
        raw_font(&[(b"cmap", cmap(1, &f2))]),
        "format2.ttf: its character map claims",
    );
    // One allowed subtable named by 100 records: listed 100 times.
    refused(
        "records.ttf",
        raw_font(&[(b"cmap", cmap(100, &format12(0, 0xFFFF)))]),
        "records.ttf: its character map claims 6553600 characters",
    );
    // Files each within the limit, past it together: 20 of 4 million.
    for f in 0..20 {
        std::fs::write(
            fonts.path().join(format!("f{f:02}.ttf")),
            raw_font(&[(b"cmap", cmap(1, &format12(0, 0x3F_FFFF)))]),
        )
        .unwrap();
    }
    let (code, _, err) = run(&["check", "--font-path", font_path]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("claim more than 64 million characters in all"),
        "{err}"
    );
}

#[test]
fn a_font_whose_size_hides_a_far_larger_cost_is_refused() {
    // A 4-byte change to a font made Typst list 4 billion characters: 16 GiB
    // asked for, and an abort, before anything was said.
    let fonts = tempfile::tempdir().unwrap();
    std::fs::write(
        fonts.path().join("bad.otf"),
        font_with_a_runaway_character_map(),
    )
    .unwrap();
    let font_path = fonts.path().to_str().unwrap();
    let out = tempfile::tempdir().unwrap();
    for args in [
        vec!["check", "--font-path", font_path],
        vec![
            "pdf",
            "--role",
            "senior-social",
            "--font-path",
            font_path,
            "-o",
        ],
        vec!["build", "-q", "--font-path", font_path, "-o"],
    ] {
        let mut args = args;
        let target = out.path().join("x");
        if args.last() == Some(&"-o") {
            args.push(target.to_str().unwrap());
        }
        let (code, _, err) = run(&args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(
            err.contains("bad.otf: its character map claims")
                && err.contains("more than Unicode has: the file is damaged"),
            "{args:?}: {err}"
        );
        assert!(!target.exists(), "{args:?} wrote output");
    }
    // A collection that says it holds 20,000 fonts (each one parsed at every
    // start) is refused by its header.
    let mut ttc = b"ttcf\0\x01\0\0".to_vec();
    ttc.extend(20_000u32.to_be_bytes());
    ttc.extend(std::iter::repeat_n(0u8, 4 * 20_000));
    std::fs::remove_file(fonts.path().join("bad.otf")).unwrap();
    std::fs::write(fonts.path().join("many.ttc"), ttc).unwrap();
    let (code, _, err) = run(&["check", "--font-path", font_path]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("many.ttc: the file says it holds 20000 fonts"),
        "{err}"
    );
    // The shipped fonts pass the same checks.
    let (code, _, err) = run(&["check", "--font-path", "fonts"]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn check_reports_logo_text_no_font_can_draw() {
    // An SVG logo's text is laid out with jdgen's fonts: Chinese in it
    // printed as boxes in the letterhead with no warning anywhere.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::copy("tests/fixtures/minimal/engineering.yaml", d.join("e.yaml")).unwrap();
    std::fs::write(
        d.join("company.yaml"),
        "name: Acme\nwebsite: https://acme.example\nlogo: logo.svg\n",
    )
    .unwrap();
    let logo = |text: &str| {
        let svg = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"80\" height=\"40\"><text x=\"2\" y=\"30\">{text}</text><!-- \u{D55C} --></svg>"
        );
        std::fs::write(d.join("logo.svg"), svg).unwrap();
        run(&["--roles", d.to_str().unwrap(), "check"])
    };
    let (code, _, err) = logo("Acme <tspan>\u{4E2D}\u{6587}</tspan>");
    assert_eq!(code, 0, "a warning: {err}");
    assert!(
        err.contains("company.yaml:3:7: warning: the logo's text: `\u{4E2D}` (U+4E2D), `\u{6587}` (U+6587) are in no font jdgen has"),
        "{err}"
    );
    // Not the comment, which prints nothing; Latin text is drawn.
    assert!(!err.contains("U+D55C"), "{err}");
    // Nor a title or text that is not drawn.
    let (code, _, err) = logo("A<title>\u{4E2D}</title><tspan display=\"none\">\u{6587}</tspan>");
    assert_eq!(code, 0, "{err}");
    assert!(err.contains(" 0 warning(s)"), "{err}");
    let (code, _, err) = logo("Acme \u{DC}n\u{EF}c\u{F8}d\u{E9}");
    assert_eq!(code, 0, "{err}");
    assert!(err.contains(" 0 warning(s)"), "{err}");
}

#[test]
fn pdf_output_paths_mean_what_they_look_like() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let roles = "tests/fixtures/minimal";
    let pdf = |o: &Path, extra: &[&str]| {
        let mut args = vec!["--roles", roles, "pdf", "--role", "senior-engineer"];
        args.extend_from_slice(extra);
        args.extend(["-o", o.to_str().unwrap()]);
        run(&args)
    };
    // The same role twice is one file ("2 roles were asked for" before).
    let (code, _, err) = pdf(&d.join("a.pdf"), &["--role", "senior-engineer"]);
    assert_eq!(code, 0, "{err}");
    assert!(d.join("a.pdf").is_file());
    // A trailing slash or an existing folder means a folder.
    let (code, _, err) = pdf(Path::new(&format!("{}/", d.join("new.pdf").display())), &[]);
    assert_eq!(code, 0, "{err}");
    assert!(d.join("new.pdf/senior-engineer.pdf").is_file());
    std::fs::create_dir(d.join("old.pdf")).unwrap();
    let (code, _, err) = pdf(&d.join("old.pdf"), &[]);
    assert_eq!(code, 0, "{err}");
    assert!(d.join("old.pdf/senior-engineer.pdf").is_file());
    // A file or a dangling link where the folder should be: said so, once,
    // before anything is rendered.
    std::fs::write(d.join("plain"), "x").unwrap();
    std::os::unix::fs::symlink("nothing", d.join("dangling")).unwrap();
    for (name, why) in [
        ("plain", "is a file, not a folder"),
        ("dangling", "is a symbolic link to nothing"),
    ] {
        let (code, _, err) = run(&[
            "--roles",
            roles,
            "pdf",
            "--all",
            "-o",
            d.join(name).to_str().unwrap(),
        ]);
        assert_eq!(code, 1, "{err}");
        assert_eq!(err.matches(why).count(), 1, "{err}");
    }
}

#[test]
fn a_template_folder_over_its_limits_says_which() {
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("tpl");
    std::fs::create_dir(&t).unwrap();
    std::fs::copy(
        "templates/job-description.typ",
        t.join("job-description.typ"),
    )
    .unwrap();
    // Sparse: 65 MiB on paper, nothing on disk.
    std::fs::File::create(t.join("big.bin"))
        .unwrap()
        .set_len(65 << 20)
        .unwrap();
    let out = dir.path().join("x.pdf");
    let (code, _, err) = run(&[
        "--roles",
        "tests/fixtures/minimal",
        "pdf",
        "--role",
        "senior-engineer",
        "--template",
        t.join("job-description.typ").to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("holds more than 64 MiB (at `big.bin`"),
        "{err}"
    );
}

#[test]
fn a_hash_that_cuts_text_short_is_reported() {
    let dir = minimal_with(
        "hash.yaml",
        "family: hash\ntitle: Hash\nlevels:\n  - id: hash-one\n    level: A\n    title: A\n    responsibilities:\n      items:\n        - Post daily in the #social-media Slack channel\n        - A deliberate comment  # is fine\n        - \"Quoted #text is kept\"\n        - Grow the # of qualified leads\n        - Tabbed\tnote\t# is fine\n    grade: 5 # five\n",
    );
    let d = dir.path();
    let roles = d.to_str().unwrap();
    let (code, err) = check(Path::new(roles));
    assert_eq!(code, 0, "a warning, not an error: {err}");
    assert!(
        // At the `#`, not at the text it cuts short.
        err.lines().any(|l| l.contains("hash.yaml:9:29: warning:")
            && l.contains("`#social-media Slack channel` is read as a YAML comment")),
        "{err}"
    );
    // A comment after one space, as in running text, is likely text (it
    // was dropped without a word); one set apart by two spaces or a tab,
    // or after a one-word value, is a note.
    assert!(
        err.contains("hash.yaml:12:20: warning: `# of qualified leads` is read as a YAML comment, so the text ends before it"),
        "{err}"
    );
    assert!(err.contains("2 warning(s)"), "{err}");
    // A file that fails for another reason still shows its warnings, so
    // fixing the error does not bring up a new finding.
    std::fs::write(
        d.join("broken.yaml"),
        "family: broken\ntitle: B\nlevels:\n  - id: broken-one\n    level: A\n    title: A\n    grade: 0\n    responsibilities:\n      items: [Plan, \"in #quotes\", Post in #general\n        ]\n",
    )
    .unwrap();
    let (code, err) = check(Path::new(roles));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("broken.yaml:7:12: error:"), "{err}");
    assert!(
        err.contains("broken.yaml:9:43: warning: `#general` is read as a YAML comment"),
        "{err}"
    );
    assert!(err.contains("1 error(s), 3 warning(s)"), "{err}");
    std::fs::remove_file(d.join("broken.yaml")).unwrap();
    // In company.yaml an unquoted colour silently became the default: an error.
    common::edit(&d.join("company.yaml"), |company| {
        format!("{company}brand_color: #6B4FBB\n")
    });
    let (code, err) = check(Path::new(roles));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("`#6B4FBB` is read as a YAML comment"), "{err}");
    // On the line that would continue the value, too: YAML ends a plain
    // text at a comment there just the same. A commented-out item at the
    // `-`'s column continues nothing.
    common::edit(&d.join("company.yaml"), |company| {
        company.replace("brand_color: #6B4FBB\n", "brand_color:\n  #6B4FBB\n")
    });
    let (code, err) = check(Path::new(roles));
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("company.yaml:5:3: error: `#6B4FBB` is read as a YAML comment"),
        "{err}"
    );
    common::edit(&d.join("company.yaml"), |company| {
        company.replace("brand_color:\n  #6B4FBB\n", "")
    });
    std::fs::write(
        d.join("hash.yaml"),
        "family: hash\ntitle: Hash\nsummary: We are the\n  #1 platform\nlevels:\n  - id: hash-one\n    level: A\n    title: A\n    responsibilities:\n      items:\n        - Post in the team channel\n          #social-media every week\n        - Plan the week and\n          the #launch too\n        #- an old item\n        # a note\n        - Last\n",
    )
    .unwrap();
    let (code, err) = check(Path::new(roles));
    assert_eq!(code, 0, "{err}");
    for at in [
        "hash.yaml:4:3: warning: `#1 platform`",
        "hash.yaml:12:11: warning: `#social-media every week`",
        "hash.yaml:14:15: warning: `#launch too`",
    ] {
        assert!(err.contains(at), "{at}: {err}");
    }
    assert!(err.contains("3 warning(s)"), "{err}");
    // A comment line that reads as one (a commented-out key or item) is
    // left alone; one that may continue the text is said to be unsure; in
    // a flow list the text runs to the next `,`. In company.yaml, which has
    // no warnings, a comment under a value fails nothing (a review found
    // `website: …` / `    #website: …` stopping every build).
    std::fs::write(
        d.join("hash.yaml"),
        "family: hash\ntitle: Hash\nintro: [We are the\n  #1 platform\n  , Second]\nlevels:\n  - id: hash-one\n    level: A\n    title: Senior\n      #grade: 7\n    description:\n      - First\n        #TODO: expand\n      - Second\n        #- Old paragraph\n      - Third\n        #see the grades page\n    responsibilities:\n      items: [a,\n        #commented,\n        b]\n",
    )
    .unwrap();
    common::edit(&d.join("company.yaml"), |company| {
        format!("{company}    #website: https://old.example.com\n")
    });
    let (code, err) = check(Path::new(roles));
    assert_eq!(code, 0, "{err}");
    for at in [
        "hash.yaml:4:3: warning: `#1 platform` is read as a YAML comment: if it continues the text above",
        "hash.yaml:17:9: warning: `#see the grades page`",
    ] {
        assert!(err.contains(at), "{at}: {err}");
    }
    assert!(err.contains("2 warning(s)"), "{err}");
}

#[test]
fn a_raw_control_character_is_located_by_line_and_column() {
    // libyaml reported "at position 19" (a byte offset) at 1:1.
    let dir = minimal_with(
        "ctl.yaml",
        "family: ctl\ntitle: \"a\u{7}b\"\nlevels:\n  - id: ctl-one\n    level: A\n    title: A\n",
    );
    let d = dir.path();
    let (code, err) = check(d);
    assert_eq!(code, 1);
    assert!(
        err.contains("ctl.yaml:2:10: error: the raw control character U+0007 is not allowed"),
        "{err}"
    );
    // libyaml refuses the noncharacters U+FFFE and U+FFFF the same way.
    std::fs::write(
        d.join("ctl.yaml"),
        "family: ctl\ntitle: \"ab\u{FFFF}\"\nlevels:\n  - id: ctl-one\n    level: A\n    title: A\n",
    )
    .unwrap();
    let (code, err) = check(d);
    assert_eq!(code, 1);
    assert!(
        err.contains("ctl.yaml:2:11: error: the raw noncharacter U+FFFF is not allowed"),
        "{err}"
    );
    // A raw NEL parses, but as a line break: "Fam<NEL>ily" read "Fam ily".
    std::fs::write(
        d.join("ctl.yaml"),
        "family: ctl\ntitle: \"Fam\u{85}ily\"\nlevels:\n  - id: ctl-one\n    level: A\n    title: A\n    grade: 0\n",
    )
    .unwrap();
    let (code, err) = check(d);
    assert_eq!(code, 1);
    assert!(
        err.contains(
            "ctl.yaml:2:12: error: the raw character U+0085 (NEL) is a line break to YAML"
        ),
        "{err}"
    );
    // Alone: libyaml's positions past it are a line off (a fuzz run saw a
    // PARAGRAPH SEPARATOR make the next level's `- ` read as a grade). The
    // rest of the file is checked once it is replaced.
    assert!(err.contains("1 error(s)"), "{err}");
    for (c, name) in [
        ('\u{2028}', "U+2028 (LINE SEPARATOR)"),
        ('\u{2029}', "U+2029 (PARAGRAPH SEPARATOR)"),
    ] {
        std::fs::write(
            d.join("ctl.yaml"),
            format!("family: ctl\ntitle: Ctl\nlevels:\n  - id: ctl-one\n    level: A\n    title: A\n    description:\n      - \"Text.\"{c}\n  - id: ctl-two\n    level: B\n    title: B\n    grade: 7\n"),
        )
        .unwrap();
        let (code, err) = check(d);
        assert_eq!(code, 1);
        assert!(
            err.contains(&format!(
                "ctl.yaml:8:16: error: the raw character {name} is a line break to YAML"
            )),
            "{err}"
        );
        assert!(err.contains("1 error(s)"), "{err}");
    }
    std::fs::write(
        d.join("ctl.yaml"),
        "family: ctl\ntitle: \"Fam ily\"\nlevels:\n  - id: ctl-one\n    level: A\n    title: A\n    grade: 0\n",
    )
    .unwrap();
    let (_, err) = check(d);
    assert!(
        err.contains("ctl.yaml:7:12: error: expected a whole number"),
        "{err}"
    );
}

#[test]
fn titles_must_be_printable_and_fit() {
    let dir = minimal_with(
        "t.yaml",
        format!(
            "family: t\ntitle: T\nlevels:\n  - id: t-one\n    level: A\n    title: \"{}\"\n  - id: t-two\n    level: \"\\u200B\\u200B\"\n    title: B\n",
            "Senior ".repeat(40)
        ),
    );
    let d = dir.path();
    let (code, err) = check(d);
    assert_eq!(code, 1);
    assert!(
        err.contains("t.yaml:6:12: error: the job title is 279 characters long; at most 150"),
        "{err}"
    );
    assert!(
        err.contains("t.yaml:8:12: error: role `t-two` has an empty level name"),
        "{err}"
    );
    // A carriage return let `jdgen list` overprint the title with the rest;
    // a newline split the PDF heading and the job_title cell.
    std::fs::write(
        d.join("t.yaml"),
        "family: t\ntitle: \"Fam\\rEVIL\"\nlevels:\n  - id: t-one\n    level: \"L\\nX\"\n    title: \"Real title\\rFAKE\"\n    reports_to: \"a\\u2028b\"\n",
    )
    .unwrap();
    let (code, err) = check(d);
    assert_eq!(code, 1);
    for (loc, what, ch) in [
        ("t.yaml:2:8:", "family title", "U+000D"),
        ("t.yaml:5:12:", "level name", "U+000A"),
        ("t.yaml:6:12:", "job title", "U+000D"),
        ("t.yaml:7:17:", "`reports_to`", "U+2028"),
    ] {
        assert!(
            err.contains(&format!(
                "{loc} error: the {what} holds a line break ({ch})"
            )),
            "{err}"
        );
    }
}

#[test]
fn dates_must_be_yyyy_mm_dd_and_in_range() {
    let dir = minimal_copy();
    let d = dir.path();
    // Kept: every case below starts again from this text.
    let company = std::fs::read_to_string(d.join("company.yaml")).unwrap();
    std::fs::write(
        d.join("company.yaml"),
        company.replace("effective_date: 2026-01-15", "effective_date: 2026-2-3"),
    )
    .unwrap();
    let roles = d.to_str().unwrap();
    let (code, err) = check(Path::new(roles));
    assert_eq!(code, 1);
    assert!(
        err.contains("expected a date as YYYY-MM-DD, found `2026-2-3`"),
        "{err}"
    );
    // A well-formed date that is not in the calendar says why.
    for (date, why) in [
        ("2026-02-29", "February 2026 has 28 days, not 29"),
        ("2028-02-30", "February 2028 has 29 days, not 30"),
        ("2026-04-31", "April 2026 has 30 days, not 31"),
        ("2026-13-01", "there is no month 13"),
        ("1969-12-31", "the year must be from 1970 to 9999"),
    ] {
        std::fs::write(
            d.join("company.yaml"),
            company.replace(
                "effective_date: 2026-01-15",
                &format!("effective_date: {date}"),
            ),
        )
        .unwrap();
        let (code, err) = check(Path::new(roles));
        assert_eq!(code, 1);
        assert!(err.contains(why), "{date}: {err}");
    }
    std::fs::write(d.join("company.yaml"), &company).unwrap();
    // A sign is no way to write seconds (`+5` was read as 5); spaces
    // around the digits are what a shell may leave.
    for (epoch, ok) in [("+5", false), ("-1", false), (" 5\n", true)] {
        let out = jdgen()
            .env("SOURCE_DATE_EPOCH", epoch)
            .args([
                "--roles",
                roles,
                "show",
                "junior-engineer",
                "--format",
                "json",
            ])
            .output()
            .unwrap();
        assert_eq!(out.status.success(), ok, "{epoch:?}");
    }
    let out = jdgen()
        .env("SOURCE_DATE_EPOCH", "-1")
        .args([
            "--roles",
            roles,
            "show",
            "junior-engineer",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("SOURCE_DATE_EPOCH must be a whole number of seconds from 0"),
        "{err}"
    );
    // `check` says so too: it passed, and then `pdf` and `export` failed.
    let out = jdgen()
        .env("SOURCE_DATE_EPOCH", "1.5")
        .args(["--roles", roles, "check"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("SOURCE_DATE_EPOCH must be a whole number") && err.contains("found `1.5`"),
        "{err}"
    );
    // Set but empty is unset (a CI template's empty variable), as for
    // JDGEN_ROLES: it failed every command.
    let out = jdgen()
        .env("SOURCE_DATE_EPOCH", "")
        .args(["--roles", roles, "check"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn duplicate_and_merge_keys_are_reported_where_they_are_written() {
    let dir = minimal_with(
        "dup.yaml",
        "family: dup\ntitle: Dup\nlevels:\n  - id: dup-one\n    level: A\n    title: A\n    grade: 7\n    grade: 8\n  - <<: {id: dup-two}\n    level: B\n    title: B\n",
    );
    let d = dir.path();
    let (code, err) = check(d);
    assert_eq!(code, 1);
    // serde_yaml said "duplicate field `grade`" at the mapping's start (4:5).
    assert!(
        err.contains("dup.yaml:8:5: error: `grade` is written twice here (first on line 7)"),
        "{err}"
    );
    assert!(
        err.contains("dup.yaml:9:5: error: YAML merge keys (`<<`) are not allowed"),
        "{err}"
    );
    // Two keys that are lists or mappings are not "`?` written twice": each
    // is the error it is, with its help.
    for keys in ["[a]: x\n    [b]: y\n", "{a: 1}: x\n    {a: 2}: y\n"] {
        let (code, err) = check_one(
            format!(
                "family: f\ntitle: T\nlevels:\n  - id: a-b\n    level: S\n    title: T\n    {keys}"
            )
            .as_bytes(),
        );
        assert_eq!(code, 1, "{err}");
        assert!(!err.contains("written twice"), "{err}");
        assert!(
            err.contains("f.yaml:7:5: error:") && err.contains("expected field identifier"),
            "{err}"
        );
    }
}

#[test]
fn parse_errors_speak_of_the_file_not_of_rust_types() {
    let dir = minimal_copy();
    let d = dir.path();
    let files = [
        ("a.yaml", "~\n"),
        (
            "b.yaml",
            "family: b\ntitle: B\nlevels:\n  - id: b-one\n    level: A\n    title: A\n    grade: 99999999999999999999\n",
        ),
        ("c.yaml", "family: c\ntitle: C\nlevels:\n\t- id: x\n"),
        (
            "e.yaml",
            "family: e\ntitle: E\nlevels:\n  - id: e-one\n    level: A\n    title: A\n    grade: 007\n  - id: con\n    level: B\n    title: B\n",
        ),
        (
            "f.yaml",
            "family: f\ntitle: F\nlevels:\n  - id: f-one\n    level: A\n    title: A\n    responsibilities: [a, b]\n",
        ),
    ];
    for (name, text) in files {
        std::fs::write(d.join(name), text).unwrap();
    }
    let (code, err) = check(d);
    assert_eq!(code, 1);
    common::assert_reported(
        &err,
        &[
            // A bare `~` holds nothing: said as such, not as "expected a family".
            ("a.yaml:", "the file holds only `~`, YAML's empty value"),
            (
                "f.yaml:7:23:",
                "invalid type: sequence, expected a mapping with keys `items`, `groups`, `builds_on` … (put a bare list under `items:`)",
            ),
            ("b.yaml:7:12:", "expected a number YAML can hold"),
            (
                "c.yaml:4:1:",
                "YAML syntax error: found character that cannot start any token",
            ),
            ("e.yaml:7:12:", "found the text \"007\""),
            (
                "e.yaml:8:9:",
                "role id `con` is a reserved device name on Windows",
            ),
        ],
    );
    for help in [
        "indent with spaces, not tabs",
        "without leading zeros: `grade: 7`",
        "write a whole number from 1 to 1000",
    ] {
        assert!(err.contains(help), "no help `{help}` in:\n{err}");
    }
    assert!(
        !err.contains("struct ") && !err.contains("u128") && !err.contains("unit value"),
        "{err}"
    );
}

#[test]
fn grades_in_other_bases_and_groups_headed_alike_are_errors() {
    // YAML reads `0x0A`, `0o13` and `+8` as numbers: exported as 10, 11
    // and 8 with nothing said. Two groups headed alike (in any case: they
    // print in capitals) were merged and reordered in the PDF only.
    let dir = minimal_with(
        "g.yaml",
        "family: gfam\ntitle: G\nlevels:\n  - {id: a-g, level: A, title: A, grade: 0x0A}\n  - id: b-g\n    level: B\n    title: B\n    grade: +8 # plus\n    requirements:\n      groups:\n        - {heading: Year one, items: [one]}\n        - {heading: Year two, items: [two]}\n        - {heading: YEAR ONE, items: [three]}\n  - {id: c-g, level: C, title: C, grade: 0o13}\n  - {id: d-g, level: D, title: D, grade: 9}\n  - {id: e-g, level: E, title: E, grade: 1e1}\n  - {id: f-g, level: F, title: F, grade: 0x3e9}\n",
    );
    let d = dir.path();
    let (code, err) = check(d);
    assert_eq!(code, 1);
    common::assert_reported(
        &err,
        &[
            ("g.yaml:4:42:", "found `0x0A`"),
            // Named as written, not as the `10.0` YAML reads.
            ("g.yaml:16:42:", "found `1e1` (the number 10.0)"),
            ("g.yaml:17:42:", "found `0x3e9` (the number 1001)"),
            ("g.yaml:8:12:", "found `+8`"),
            ("g.yaml:14:42:", "found `0o13`"),
            (
                "g.yaml:13:21:",
                "two groups of this list are headed `YEAR ONE` (also on line 11)",
            ),
        ],
    );
    assert!(
        err.contains("`grade: 10`") && err.contains("`grade: 11`"),
        "{err}"
    );
    assert!(
        err.contains("found `1e1` (the number 10.0)\n")
            && err
                .matches("write it in decimal digits: `grade: 10`")
                .count()
                == 2,
        "{err}"
    );
    assert!(err.contains("6 error(s)"), "{err}");
}

#[test]
fn language_regions_invisible_versions_and_text_after_a_document_end() {
    let dir = minimal_copy();
    let d = dir.path();
    let company = std::fs::read_to_string(d.join("company.yaml")).unwrap();
    // A region is Typst's too (`en-GB` hyphenates and quotes as British).
    for (language, ok) in [
        ("pt-BR", true),
        ("de", true),
        ("EN", false),
        ("en-gbr", false),
    ] {
        std::fs::write(
            d.join("company.yaml"),
            format!("{company}language: {language}\n"),
        )
        .unwrap();
        let (code, err) = check(d);
        assert_eq!(code == 0, ok, "{language}: {err}");
        if !ok {
            assert!(
                err.contains("expected a language code like `en` or `en-GB`"),
                "{err}"
            );
        }
    }
    // A version that prints as nothing, in every footer and export.
    std::fs::write(
        d.join("company.yaml"),
        format!("{company}data_version: \"\\u200B\"\n"),
    )
    .unwrap();
    let (code, err) = check(d);
    assert_eq!(code, 1);
    assert!(err.contains("`data_version` is blank"), "{err}");
    std::fs::write(d.join("company.yaml"), &company).unwrap();
    // `...` ends the document: what follows is a second one, located.
    std::fs::write(
        d.join("two.yaml"),
        "family: two\ntitle: T\nlevels:\n  - {id: two-a, level: A, title: A}\n...\n\nsummary: forgot this\n",
    )
    .unwrap();
    let (code, err) = check(d);
    assert_eq!(code, 1);
    assert!(err.contains("two.yaml:7:"), "{err}");
    assert!(
        err.contains("the `...` that ends the first document"),
        "{err}"
    );
}

#[test]
fn a_role_of_a_file_that_cannot_be_read_is_no_typo() {
    // An unreadable file (no permission, here a link to nothing) made its
    // roles "unknown ids" (exit 2) with a suggestion of another role.
    let dir = minimal_copy();
    let d = dir.path();
    std::os::unix::fs::symlink("gone.yaml", d.join("social.yaml")).unwrap();
    let (code, _, err) = run(&["--roles", d.to_str().unwrap(), "show", "senior-social"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains(
            "social.yaml: error: this role file is a symbolic link to a file that does not exist"
        ),
        "{err}"
    );
    assert!(
        err.contains("role `senior-social` is in no role file jdgen could read"),
        "{err}"
    );
    assert!(!err.contains("did you mean"), "{err}");
    // The roles of the files it could read still render.
    let (code, _, err) = run(&["--roles", d.to_str().unwrap(), "show", "senior-engineer"]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn text_every_document_repeats_is_bounded_per_document_and_per_family() {
    // Text shared by every level is printed (and put in roles.json) once
    // per level: 1 MB of intro over 200 levels made a 601 MB roles.json,
    // 200 documents of 205 pages and 680 MB of memory in a build.
    let dir = minimal_copy();
    let d = dir.path();
    let family = |paragraphs: usize, levels: usize| {
        let p = "word ".repeat(6_000);
        let mut t = "family: big\ntitle: Big\nintro:\n".to_string();
        for i in 0..paragraphs {
            t += &format!("  - \"{p}p{i}\"\n");
        }
        t += "levels:\n";
        for i in 0..levels {
            t += &format!("  - id: l{i}-big\n    level: L{i}\n    title: T{i}\n");
        }
        t
    };
    std::fs::write(d.join("big.yaml"), family(20, 2)).unwrap();
    let (code, err) = check(d);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("big.yaml:25:5: error: role `l0-big`'s document would hold about 586 KB of text (586 KB of it shared by every level of the family); at most 512 KB"),
        "{err}"
    );
    assert!(err.contains("1 error(s)"), "{err}");
    std::fs::write(d.join("big.yaml"), family(6, 200)).unwrap();
    let (code, err) = check(d);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("big.yaml:10:1: error: the 200 documents of family `big` would hold about 35 MB of text in all"),
        "{err}"
    );
    assert!(err.contains("1 error(s)"), "{err}");
    // Within the limits: fine.
    std::fs::write(d.join("big.yaml"), family(6, 20)).unwrap();
    let (code, err) = check(d);
    assert_eq!(code, 0, "{err}");
    // Text dense with markup costs far more to lay out than its bytes say
    // (480 KB of `a*b*…` took 17.6 s and 758 MB for one PDF): its markers
    // count at that cost.
    let dense = "a*b*".repeat(8_000);
    let mut t = "family: big\ntitle: Big\nresponsibilities:\n  items:\n".to_string();
    for k in 0..15 {
        t += &format!("    - \"{k}{dense}\"\n");
    }
    t += "levels:\n  - id: l0-big\n    level: L0\n    title: T0\n";
    std::fs::write(d.join("big.yaml"), &t).unwrap();
    let (code, err) = check(d);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("role `l0-big`'s document would hold about")
            && err
                .contains("each `*`, `_`, `[`, `` ` ``, `<` or `\\` in a text counts as 16 bytes"),
        "{err}"
    );
    // The same bytes of plain prose are within the limit.
    std::fs::write(d.join("big.yaml"), t.replace('*', "e")).unwrap();
    let (code, err) = check(d);
    assert_eq!(code, 0, "{err}");
    // Plain prose in many small lists is not markup: each list's JSON `[`
    // counted 16 bytes, and 296 KB of sections with no markup at all was
    // refused as 518 KB.
    let mut many = "family: big\ntitle: Big\nsections:\n".to_string();
    for i in 0..3_500 {
        many += &format!(
            "  - heading: Topic {i}\n    paragraphs: [\"We write things down and work async.\"]\n"
        );
    }
    many += "levels:\n  - id: l0-big\n    level: L0\n    title: T0\n";
    std::fs::write(d.join("big.yaml"), &many).unwrap();
    let (code, err) = check(d);
    assert_eq!(code, 0, "{err}");
    // A `_` inside a word is plain text (`snake_case`): the same bytes of
    // identifiers are within the limit, and `_emphasis_` between spaces
    // is not.
    std::fs::write(d.join("big.yaml"), t.replace("a*b*", "a_b_")).unwrap();
    let (code, err) = check(d);
    assert_eq!(code, 0, "{err}");
    std::fs::write(d.join("big.yaml"), t.replace("a*b*", "_b_ ")).unwrap();
    let (code, err) = check(d);
    assert_eq!(code, 1, "{err}");
    // Backslashes too: 256,000 in a row took 30 s to lay out.
    std::fs::write(d.join("big.yaml"), t.replace("a*b*", "\\\\\\\\")).unwrap();
    let (code, err) = check(d);
    assert_eq!(code, 1, "{err}");
    // Autolinks too: 510 KB of `<a@b.co>` took 12 s and 818 MB.
    let links = "<a@b.co> ".repeat(3_500);
    std::fs::write(d.join("big.yaml"), t.replace(&dense, &links)).unwrap();
    let (code, err) = check(d);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("role `l0-big`'s document would hold about"),
        "{err}"
    );
}

#[test]
fn a_link_with_a_space_in_its_target_is_warned_about() {
    // Not a link (as in CommonMark): it printed as written, brackets and
    // all, with nothing said.
    let dir = minimal_with(
        "near.yaml",
        "family: near\ntitle: Near\nintro:\n  - See [our values](/handbook/my values/) and [ok](/fine).\nlevels:\n  - {id: near-a, level: A, title: A}\n",
    );
    let d = dir.path();
    let (code, err) = check(d);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("near.yaml:4:9: warning: `[our values](/handbook/my values/)` is written like a link but is none"),
        "{err}"
    );
    assert!(err.contains("1 warning(s)"), "{err}");
    // In double quotes, where its `"` are written `\"`: at its `[`, not
    // at the opening quote.
    std::fs::write(
        d.join("near.yaml"),
        "family: near\ntitle: Near\nintro:\n  - \"See [t](/x \\\"T\\\")\"\nlevels:\n  - {id: near-a, level: A, title: A}\n",
    )
    .unwrap();
    let (_, err) = check(d);
    assert!(
        err.contains("near.yaml:4:10: warning: `[t](/x \"T\")` is written like a link"),
        "{err}"
    );
}

#[test]
fn a_link_with_no_text_is_warned_about() {
    // `[](/x)` is no link either: it printed as written, and check said
    // nothing (`[ ](/x)`, which would be an invisible link, is an error).
    let dir = minimal_with(
        "empty.yaml",
        "family: empty\ntitle: Empty\nintro:\n  - See [](/handbook/) and [ok](/fine).\nlevels:\n  - {id: empty-a, level: A, title: A}\n",
    );
    let (code, err) = check(dir.path());
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("empty.yaml:4:9: warning: `[](/handbook/)` is written like a link but has no text between `[` and `]`"),
        "{err}"
    );
    assert!(err.contains("1 warning(s)"), "{err}");
}

#[test]
fn emphasis_that_swallows_a_file_name_s_asterisks_is_warned_about() {
    // `Use *nix or tmp*.log` printed "Use nix or tmp.log" with "nix or
    // tmp" in italics, and check said nothing.
    let dir = minimal_copy();
    let d = dir.path();
    let file = d.join("md.yaml");
    let write = |item: &str| {
        std::fs::write(
            &file,
            format!("family: md\ntitle: Md\nintro:\n  - {item}\nlevels:\n  - {{id: md-a, level: A, title: A}}\n"),
        )
        .unwrap()
    };
    write("Use *nix or tmp*.log files");
    let (code, err) = check(d);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("md.yaml:4:9: warning: `*nix or tmp*` prints `nix or tmp` in italics"),
        "{err}"
    );
    assert!(err.contains("put a `\\` before it"), "{err}");
    // As the help says: nothing to warn about, and the asterisks print.
    write("Use *nix or tmp\\*.log files");
    let (code, err) = check(d);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("0 warning(s)"), "{err}");
    let out = show(d, &["md-a", "--format", "json"]);
    assert!(out.contains("Use *nix or tmp*.log files"), "{out}");
    // The same emphasis twice is one warning; one holding a backtick is
    // quoted so that the message still reads.
    write("Copy _config_.yml to _config_.yml.bak, edit `*.yaml` and `*.md` files");
    let (_, err) = check(d);
    assert_eq!(
        err.matches("`_config_` prints `config`").count(),
        1,
        "{err}"
    );
    assert!(
        err.contains("warning: “*.yaml` and `*” prints “.yaml` and `”"),
        "{err}"
    );
}

#[test]
fn headings_and_reports_to_fit_the_block_they_print_in() {
    // They print in blocks that cannot break across pages: 1,500
    // characters of `reports_to` lost everything past the page's foot.
    let dir = minimal_copy();
    let d = dir.path();
    let long = "word ".repeat(60);
    std::fs::write(
        d.join("long.yaml"),
        format!("family: long\ntitle: Long\nsections:\n  - heading: {long}\n    paragraphs: [x]\nlevels:\n  - id: long-a\n    level: A\n    title: A\n    reports_to: {long}\n"),
    )
    .unwrap();
    let (code, err) = check(d);
    assert_eq!(code, 1, "{err}");
    common::assert_reported(
        &err,
        &[
            (
                "long.yaml:4:14:",
                "this heading is 299 characters long; at most 200",
            ),
            (
                "long.yaml:10:17:",
                "this `reports_to` is 299 characters long; at most 200",
            ),
        ],
    );
    // What prints counts, not a link's address: a `reports_to` linking to
    // a long job-family address (211 characters written, 95 printed) was
    // refused. A link's text over the limit still is.
    let title = "Director, Digital Experience and Web Platform Engineering, Marketing Technology and Operations";
    let address = "/job-families/marketing/director-digital-experience-and-web-platform-engineering-marketing-technology-operations/";
    for (text, ok) in [
        (title.to_string(), true),
        (format!("{title} {title} {title}"), false),
    ] {
        std::fs::write(
            d.join("long.yaml"),
            format!("family: long\ntitle: Long\nlevels:\n  - id: long-a\n    level: A\n    title: A\n    reports_to: \"[{text}]({address})\"\n"),
        )
        .unwrap();
        let (code, err) = check(d);
        assert_eq!(code, if ok { 0 } else { 1 }, "{err}");
        assert_eq!(err.contains("characters long"), !ok, "{err}");
    }
    // Emphasis markers do not print either (198 letters in `**…**`: 202
    // written); but a value's name is no Markdown, and prints them.
    for (field, letters, ok) in [
        ("    reports_to", 198, true),
        ("    reports_to", 201, false),
        (
            "values:\n  heading: Values\n  items:\n    - text: x\n      name",
            198,
            false,
        ),
    ] {
        let (family_wide, level_key) = if field.starts_with("values") {
            (
                format!("{field}: \"**{}**\"\n", "a".repeat(letters)),
                String::new(),
            )
        } else {
            (
                String::new(),
                format!("{field}: \"**{}**\"\n", "a".repeat(letters)),
            )
        };
        std::fs::write(
            d.join("long.yaml"),
            format!("family: long\ntitle: Long\n{family_wide}levels:\n  - id: long-a\n    level: A\n    title: A\n{level_key}"),
        )
        .unwrap();
        let (code, err) = check(d);
        assert_eq!(code, if ok { 0 } else { 1 }, "{field} {letters}: {err}");
        assert_eq!(err.contains("characters long"), !ok, "{err}");
    }
}

#[test]
fn lists_that_print_nothing_say_so() {
    // Empty values, an empty group and a list building on nothing printed
    // nothing, their headings and intros included, with nothing said; a
    // section with nothing under its heading printed it alone, and so did
    // an empty hiring process (it no longer prints).
    let dir = minimal_with(
        "empty.yaml",
        "family: empty\ntitle: Empty\nvalues:\n  heading: Our values\n  items: []\nlevels:\n  - id: empty-a\n    level: A\n    title: A\n    requirements:\n      items: [Write code]\n      groups:\n        - {heading: Tooling, items: []}\n  - id: empty-b\n    level: B\n    title: B\n    responsibilities:\n      builds_on: empty-a\n      heading: Leadership duties\nsections:\n  - heading: Alone\nhiring_process:\n  steps: []\n",
    );
    let d = dir.path();
    // `steps` is required; `steps: []` beside an intro printed the intro
    // alone under "Hiring process", with nothing said.
    let yaml = std::fs::read_to_string(d.join("empty.yaml")).unwrap();
    std::fs::write(
        d.join("empty.yaml"),
        yaml.replace("  steps: []\n", "  intro: [Apply.]\n  steps: []\n"),
    )
    .unwrap();
    let (code, err) = check(d);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("empty.yaml:24:10: warning: the hiring process has no steps: only its intro and outro print"),
        "{err}"
    );
    std::fs::write(d.join("empty.yaml"), yaml).unwrap();
    let (code, err) = check(d);
    assert_eq!(code, 0, "{err}");
    common::assert_reported(
        &err,
        &[
            (
                "empty.yaml:4:3:",
                "the values have no items: their heading and intro do not print",
            ),
            ("empty.yaml:13:11:", "the group `Tooling` has no items"),
            (
                "empty.yaml:18:18:",
                "the responsibilities build on `empty-a`, but no level of that chain lists any",
            ),
            (
                "empty.yaml:21:5:",
                "the section `Alone` has nothing under its heading: it prints alone",
            ),
            (
                "empty.yaml:23:3:",
                "the hiring process has no steps, intro or outro: it does not print",
            ),
        ],
    );
    assert!(err.contains("5 warning(s)"), "{err}");
    let (code, _, err) = run(&[
        "--roles",
        d.to_str().unwrap(),
        "pdf",
        "--role",
        "empty-a",
        "-o",
        d.join("a.pdf").to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let text = common::pdf_text(&d.join("a.pdf"));
    assert!(
        text.contains("Alone") && !text.contains("Hiring process"),
        "{text}"
    );
    // A level's own group restating items it inherits: the group prints
    // them, as written at this level, and the inherited copies are left out.
    std::fs::write(
        d.join("empty.yaml"),
        "family: empty\ntitle: Empty\nlevels:\n  - id: empty-a\n    level: A\n    title: A\n    requirements:\n      items: [Write code, Test it]\n  - id: empty-b\n    level: B\n    title: B\n    requirements:\n      builds_on: empty-a\n      items: [Lead reviews]\n      groups:\n        - {heading: Craft, items: [\" Write code. \"]}\n",
    )
    .unwrap();
    let (code, err) = check(d);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains(" 0 warning(s)") && !err.contains("warning:"),
        "{err}"
    );
    let (code, out, err) = run(&[
        "--roles",
        d.to_str().unwrap(),
        "show",
        "empty-b",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let items: Vec<(String, bool, String)> = v["role"]["requirements"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["text"]["plain"].as_str().unwrap().to_string(),
                i["inherited"].as_bool().unwrap(),
                i["group"]["plain"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(
        items,
        [
            ("Test it".to_string(), true, String::new()),
            ("Lead reviews".to_string(), false, String::new()),
            (" Write code. ".to_string(), false, "Craft".to_string()),
        ]
    );
    // An item listed twice prints once, and a list restating everything it
    // inherits has nothing left "above" it: both said.
    std::fs::write(
        d.join("empty.yaml"),
        "family: empty\ntitle: Empty\nlevels:\n  - id: empty-a\n    level: A\n    title: A\n    requirements:\n      items: [Write code, Test it]\n  - id: empty-b\n    level: B\n    title: B\n    requirements:\n      builds_on: empty-a\n      intro: \"All of the above, and:\"\n      items: [Write code, \"Test it.\", Write code]\n",
    )
    .unwrap();
    let (code, err) = check(d);
    assert_eq!(code, 0, "{err}");
    common::assert_reported(
        &err,
        &[
            (
                "empty.yaml:15:39:",
                "this item repeats an earlier item of the same list: it prints once",
            ),
            (
                "empty.yaml:13:18:",
                "restates every item it inherits through `builds_on: empty-a`",
            ),
        ],
    );
    let (code, out, err) = run(&[
        "--roles",
        d.to_str().unwrap(),
        "show",
        "empty-b",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let texts: Vec<&str> = v["role"]["requirements"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["text"]["plain"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["Write code", "Test it."]);
    // Items that are only a full stop are items like any other: two of them
    // print once, and `check` says so (they were merged unsaid).
    std::fs::write(
        d.join("empty.yaml"),
        "family: empty\ntitle: Empty\nlevels:\n  - id: empty-a\n    level: A\n    title: A\n    requirements:\n      items: [\".\", \" . \"]\n",
    )
    .unwrap();
    let (code, err) = check(d);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("empty.yaml:8:20: warning: this item repeats an earlier item"),
        "{err}"
    );
    // A value's name is a line of its own: a tab printed as nothing.
    std::fs::write(
        d.join("empty.yaml"),
        "family: empty\ntitle: Empty\nvalues:\n  heading: V\n  items:\n    - {emoji: \"\u{1F91D}\", name: \"Salary\\tBonus\", text: t}\nlevels:\n  - {id: empty-a, level: A, title: A}\n",
    )
    .unwrap();
    let (code, err) = check(d);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("empty.yaml:6:26: error: the value's name holds a tab"),
        "{err}"
    );
}

#[test]
fn an_id_many_files_share_names_a_few_of_them_and_counts_the_rest() {
    // 2,000 files sharing 20 role ids printed 5 GB: every message named
    // every other file. And a broken file salvaged for thousands of
    // shared ids reported each, past the cap of errors a file.
    let dir = minimal_with("f0.yaml", "family: fam\ntitle: Fam\nlevels: []\n");
    let d = dir.path();
    let levels = |n: usize| -> String {
        (0..n)
            .map(|k| format!("  - id: same{k}-fam\n    level: L{k}\n    title: T\n"))
            .collect()
    };
    for f in 0..6 {
        std::fs::write(
            d.join(format!("f{f}.yaml")),
            format!("family: fam\ntitle: Fam\nlevels:\n{}", levels(2)),
        )
        .unwrap();
    }
    let (code, err) = check(d);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("f0.yaml:4:9: error: role id `same0-fam` is also used in ")
            && err.contains(", and 2 more files"),
        "{err}"
    );
    assert!(!err.contains("f5.yaml, "), "{err}");
    // Two files with 700 shared ids and too many levels (so their ids are
    // salvaged from a broken file): at most 500 errors shown a file, and
    // the rest counted.
    for f in 0..6 {
        std::fs::remove_file(d.join(format!("f{f}.yaml"))).unwrap();
    }
    for f in 0..2 {
        std::fs::write(
            d.join(format!("g{f}.yaml")),
            format!("family: g{f}\ntitle: G\nlevels:\n{}", levels(700)),
        )
        .unwrap();
    }
    let (code, out, err) = run(&["--roles", d.to_str().unwrap(), "check", "--format", "json"]);
    assert_eq!(code, 1, "{err}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    let shown = report["diagnostics"].as_array().unwrap().len();
    assert!(shown < 2 * 510, "{shown} diagnostics shown");
    assert!(report["errors"].as_u64().unwrap() >= 2 * 700, "{report}");
}

#[test]
fn duplicates_in_a_file_with_other_errors_are_reported_at_their_lines() {
    // Before, a file that failed for another reason (here the quoted grade)
    // hid its duplicate family id, and its duplicate role id had no line.
    let dir = minimal_with(
        "zz.yaml",
        "family: engineering\ntitle: X\nlevels:\n  - id: senior-engineer\n    level: A\n    title: A\n    grade: \"7\"\n",
    );
    let d = dir.path();
    let (code, err) = check(d);
    assert_eq!(code, 1);
    common::assert_reported(
        &err,
        &[
            ("zz.yaml:1:9:", "family id `engineering` is also used by"),
            ("zz.yaml:4:9:", "role id `senior-engineer` is also used in"),
            ("zz.yaml:7:12:", "found the text \"7\""),
            // The file that had them first is told too, at its lines:
            // which of the two was meant is not jdgen's to guess.
            (
                "engineering.yaml:1:9:",
                "family id `engineering` is also used by",
            ),
            (
                "engineering.yaml:16:9:",
                "role id `senior-engineer` is also used in",
            ),
        ],
    );
    assert!(err.contains("5 error(s)"), "{err}");
}

#[test]
fn an_empty_jdgen_roles_counts_as_unset() {
    // clap refused it ("a value is required for '--roles'", a flag nobody
    // typed), even next to an explicit --roles.
    let out = jdgen()
        .env("JDGEN_ROLES", "")
        .args(["--roles", "tests/fixtures/minimal", "list"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = jdgen().env("JDGEN_ROLES", "").arg("list").output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "the default ./roles: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A family file `f.yaml` of one level, `f-one`, followed by `rest` (more
/// keys of that level, indented by four).
fn one_level(rest: &str) -> String {
    format!("family: f\ntitle: F\nlevels:\n  - id: f-one\n    level: A\n    title: A\n{rest}")
}

/// Runs `check` on a folder holding the minimal company and `f.yaml` with
/// `text`; returns the exit code and stderr.
fn check_one(text: &[u8]) -> (i32, String) {
    let dir = with_company(&[("f.yaml", text)]);
    let o = jdgen()
        .arg("--roles")
        .arg(dir.path())
        .arg("check")
        .output()
        .unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn aliases_after_a_quote_left_open_are_never_expanded() {
    // The help for a quote left open parses the file again with the quote
    // closed; the aliases after the error, which no check had seen, were
    // expanded: 40 KB took 16 s and 2.3 GB (one level more, 23 GB). Under a
    // 1 GB address-space limit that aborted; the help now costs nothing.
    let mut text =
        String::from("family: f\ntitle: \"Senior X\nsummary: \"Builds things\"\nlevels: []\n");
    text.push_str(&format!("a: &a [{}]\n", vec!["x"; 20_000].join(",")));
    for (name, of) in [("b", "a"), ("c", "b"), ("d", "c")] {
        text.push_str(&format!(
            "{name}: &{name} [{}]\n",
            vec![format!("*{of}"); 10].join(",")
        ));
    }
    let dir = with_company(&[("f.yaml", text.as_bytes())]);
    let o = std::process::Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 1000000 && exec \"$0\" --roles \"$1\" check")
        .arg(assert_cmd::cargo::cargo_bin("jdgen"))
        .arg(dir.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("f.yaml:2:8: error: YAML syntax error: the quoted text that starts here is not closed on its line"),
        "{err}"
    );
}

#[test]
fn an_address_in_angle_brackets_is_checked_like_a_link_target() {
    // `<https://…>` is a link (an autolink). One too long for a PDF link
    // passed `check` and failed every PDF: an error. One whose address no
    // link may have prints as text, silently before: a warning, with the
    // escape that says it is text.
    let long = format!("<https://x.test/{}>", "\u{e9}".repeat(1400));
    let text = format!(
        "family: fam\ntitle: \"T <https://x.test:99999/>\"\nlevels:\n  - id: fam-one\n    level: A\n    title: X\n    responsibilities:\n      items:\n        - \"Port <http://localhost:99999/> here\"\n        - \"Mark <https://x.test/\\u200F> here\"\n        - \"{long}\"\n        - \"Fine <https://x.test/?q=[1](2)> and <jobs@x.test>, text <b>, a < b > c, C:\\\\<dir>\"\n        - \"Text \\\\<http://localhost:99999/> and [d](https://a.test/?n=<https://b.test:99999/>)\"\n        - \"Spaced <https://x.test/my page> here\"\n"
    );
    let (code, err) = check_one(text.as_bytes());
    assert_eq!(code, 1, "{err}");
    common::assert_reported(
        &err,
        &[
            (
                "f.yaml:9:17:",
                "`<http://localhost:99999/>` is no link: not an address a browser opens",
            ),
            (
                "f.yaml:10:",
                "is no link: the address holds an invisible character",
            ),
            ("f.yaml:11:", "a link target is 2815 bytes long"),
            (
                "f.yaml:14:19:",
                "`<https://x.test/my page>` is no link: a link cannot hold a space",
            ),
        ],
    );
    assert!(
        err.contains("to keep it as text, write `\\<` before it"),
        "{err}"
    );
    // Titles are plain text; the last two items say nothing.
    assert!(err.contains("1 error(s), 3 warning(s)"), "{err}");
}

#[test]
fn syntax_errors_and_empty_values_point_where_the_fix_goes() {
    const HEAD: &str = "family: fam\ntitle: T\nlevels:\n  - id: a-b\n    level: A\n";
    // (file, where, message, help): each the one error of its file.
    let cases: &[(String, &str, &str, &str)] = &[
        // An unclosed quote: where it opens, not at the end of the file.
        (
            format!(
                "{HEAD}    title: \"Senior X\n    grade: 5\n  - id: c-d\n    level: C\n    title: Y\n"
            ),
            "f.yaml:6:12:",
            "the quoted text that starts here is never closed",
            "add the closing quote",
        ),
        (
            format!(
                "{HEAD}    title: X\n    responsibilities:\n      items: [a, b\n    requirements:\n      items: [c]\n"
            ),
            "f.yaml:8:14:",
            "the `[` list that starts here is never closed",
            "close it with `]`",
        ),
        (
            "family: fam\ntitle: T\nlevels:\n  - {id: a-b, level: A, title: X\n".to_string(),
            "f.yaml:4:5:",
            "the `{` mapping that starts here is never closed",
            "close it with `}`",
        ),
        // ...also when a `]` in a text further down would close it: the
        // next key at its indentation shows it was never meant to go on.
        (
            "family: fam\ntitle: [oops\nsummary: Some text\nlevels:\n  - id: a-b\n    level: A\n    title: See [Docs](/x)\n"
                .to_string(),
            "f.yaml:2:8:",
            "the `[` list that starts here is never closed",
            "close it with `]`",
        ),
        // Keys of a flow mapping written at its line's indentation are no
        // block structure: it does close, a `,` is what is missing.
        (
            "family: fam\ntitle: T\nlevels: [{id: a-b,\nlevel: A, title: \"Senior\" A}]\n"
                .to_string(),
            "f.yaml:4:27:",
            "a `,` or the end of the list or mapping was expected here",
            "put a `,` between two entries",
        ),
        // A text that starts with a bracket that closes, then more text.
        (
            format!("{HEAD}    title: X\n    responsibilities:\n      items:\n        - [Draft] Write copy\n"),
            "f.yaml:9:19:",
            "did not find expected '-' indicator",
            "YAML reads a text that starts with `[` as a list; put the whole text in double quotes: `- \"[Draft] Write copy\"`",
        ),
        (
            format!("{HEAD}    title: {{Beta}} Search\n"),
            "f.yaml:6:19:",
            "did not find expected key",
            "YAML reads a text that starts with `{` as a mapping; put the whole text in double quotes: `title: \"{Beta} Search\"`",
        ),
        // ...also when the next text's opening quote closes it, and libyaml
        // fails a line later about keys or indentation.
        (
            "family: fam\ntitle: \"Senior Engineer\nsummary: \"Builds things\"\nlevels:\n  - id: a-b\n    level: A\n    title: X\n".to_string(),
            "f.yaml:2:8:",
            "the quoted text that starts here is not closed on its line; the quote at line 3, column 10 closes it",
            "add the closing quote",
        ),
        (
            "family: fam\ntitle: T\nintro:\n  - \"First paragraph\n  - \"Second paragraph\"\nlevels:\n  - id: a-b\n    level: A\n    title: X\n".to_string(),
            "f.yaml:4:5:",
            "the quoted text that starts here is not closed on its line",
            "add the closing quote",
        ),
        // A mis-indented key used to surface as "missing field `title`".
        (
            format!("{HEAD}   title: X\n"),
            "f.yaml:6:4:",
            "YAML syntax error: did not find expected '-' indicator",
            "start it in column 5, under `level:`",
        ),
        // Empty values: at their `-` or `:`, past blank lines and comments.
        (
            format!(
                "{HEAD}    title: X\n    responsibilities:\n      items:\n        - one\n        -\n\n        # c\n        - three\n"
            ),
            "f.yaml:10:9:",
            "empty text",
            "remove the empty entry",
        ),
        (
            "family: fam\ntitle:\n# later\nlevels:\n  - id: a-b\n    level: A\n    title: X\n"
                .to_string(),
            "f.yaml:2:6:",
            "the family title is empty",
            "write the job family's title",
        ),
    ];
    for (text, at, message, help) in cases {
        let (code, err) = check_one(text.as_bytes());
        assert_eq!(code, 1, "{err}");
        assert!(
            err.contains("1 error(s)"),
            "one error expected:\n{text}\n{err}"
        );
        let line = err.lines().next().unwrap();
        assert!(
            line.contains(at) && line.contains(message),
            "expected {at} … {message} for\n{text}\ngot:\n{err}"
        );
        assert!(err.contains(help), "{err}");
        assert!(!line.contains(" at line 6 column"), "{line}");
    }
}

#[test]
fn text_that_would_crash_hide_or_garble_the_pdf_is_refused_where_it_is() {
    const HEAD: &str = "family: fam\ntitle: T\nlevels:\n  - id: a-b\n    level: A\n    title: X\n    responsibilities:\n      items:\n";
    let long_link = format!("[x](https://a.test/{})", "a".repeat(2_000));
    let cases: &[(String, &str, &str)] = &[
        // One character of 41 code points (one of 21,846 crashed the PDF writer).
        (
            format!("        - \"a{}\"\n", "\\u0301".repeat(40)),
            "f.yaml:9:11:",
            "one character here is built from 41 code points",
        ),
        // Typst refuses URLs over 8,000 bytes, after the check had passed.
        (
            format!("        - \"{long_link}\"\n"),
            "f.yaml:9:16:",
            "a link target is 2015 bytes long",
        ),
        // Typst's limit is in bytes: 600 emoji are 2,401.
        (
            format!("        - \"[x](/{})\"\n", "😀".repeat(600)),
            "f.yaml:9:16:",
            "a link target is 2401 bytes long",
        ),
        // Blank once the markup is gone: an empty bullet.
        (
            "        - \"*\\u200B*\"\n".to_string(),
            "f.yaml:9:11:",
            "empty text: it would print as nothing",
        ),
        // A link with no visible text: an invisible clickable area.
        (
            "        - \"see [ ](https://evil.test/) here\"\n".to_string(),
            "f.yaml:9:16:",
            "the link to `https://evil.test/` has no text",
        ),
        (
            "        - \"see [\\u200B](/x) here\"\n".to_string(),
            "f.yaml:9:16:",
            "the link to `/x` has no text",
        ),
        // The braille blank is not white space, but prints as it; U+1D173
        // is a default-ignorable the list lacked.
        (
            "        - \"Click [\\u2800](https://example.com/track) here\"\n".to_string(),
            "f.yaml:9:18:",
            "the link to `https://example.com/track` has no text",
        ),
        (
            "        - \"\\u2800\\U0001D173\"\n".to_string(),
            "f.yaml:9:11:",
            "empty text",
        ),
        (
            "        - \"**\\u2800**\"\n".to_string(),
            "f.yaml:9:11:",
            "empty text: it would print as nothing",
        ),
    ];
    for (items, at, message) in cases {
        let text = format!("{HEAD}{items}");
        let (code, err) = check_one(text.as_bytes());
        assert_eq!(code, 1, "{err}");
        assert!(err.contains("1 error(s)"), "one error expected:\n{err}");
        assert!(
            err.lines()
                .next()
                .is_some_and(|l| l.contains(at) && l.contains(message)),
            "expected {at} … {message}, got:\n{err}"
        );
    }
    // Emphasis read first used to make a link of what the check saw as a
    // link's text; a link is now one piece, so this is a `*`, text and
    // one link to /ok, whose text holds the long address: nothing a PDF
    // writer could refuse, and nothing the check needs to.
    let tricky = format!(
        "*x [a* [b](https://a.test/?q={}) c](/ok)",
        "q".repeat(2_000)
    );
    let links = jdgen::markdown::links(&jdgen::markdown::parse(&tricky, ""));
    assert_eq!(links.len(), 1);
    assert_eq!(links[0].1, "/ok");
    let (code, err) = check_one(format!("{HEAD}        - \"{tricky}\"\n").as_bytes());
    assert_eq!(code, 0, "{err}");
    // A value's emoji is one emoji or symbol.
    let values = |emoji: &str| {
        format!(
            "{HEAD}        - Do things\nvalues:\n  heading: Values\n  items:\n    - emoji: \"{emoji}\"\n      name: Results\n      text: We deliver.\n"
        )
    };
    // ℹ, Ⓜ, 🅿 and 🅰 count as alphabetic, but are emoji (text style).
    for ok in [
        "🤝",
        "⏱️",
        "👩🏽‍💻",
        "1️⃣",
        "#️⃣",
        "*\\u20e3",
        "🇩🇪",
        "★",
        "ℹ",
        "Ⓜ",
        "🅿",
        "🅰",
        "❤️",
        "‼️",
        "©️",
        // ASCII symbols, unlike punctuation, may stand for a value.
        "+",
        "$",
        "~",
    ] {
        let (code, err) = check_one(values(ok).as_bytes());
        assert_eq!(code, 0, "{ok}: {err}");
    }
    for bad in [
        "NOT AN EMOJI",
        "🤝📈",
        "A",
        "",
        "e\\u0301",
        "7",
        "字",
        "Ａ",
        // A keycap around a letter: an empty key, the letter lost.
        "A\\u20e3",
        // Typed punctuation is no symbol.
        "!",
        "-",
        "*",
        // Nor with an emoji-style selector, which they have no emoji for.
        "a\\ufe0f",
        "5\\ufe0f",
        "!\\ufe0f",
        "-\\ufe0f",
        "#\\ufe0f",
    ] {
        let (code, err) = check_one(values(bad).as_bytes());
        assert_eq!(code, 1, "{bad}: {err}");
        assert!(err.contains("f.yaml:13:14:"), "{bad}: {err}");
        assert!(err.contains("emoji"), "{bad}: {err}");
    }
}

#[test]
fn company_settings_that_would_push_page_furniture_off_the_page_are_refused() {
    // Lengths count characters as a reader does: 85 of them, decomposed
    // (each ệ written as e and two marks), are 85, not 107.
    let dir = minimal_copy();
    let name = format!("{}{}", "Công ty Việt Nam ".repeat(4), "ệ".repeat(17));
    let decomposed: String = name
        .chars()
        .flat_map(|c| {
            if c == 'ệ' {
                vec!['e', '\u{323}', '\u{302}']
            } else {
                vec![c]
            }
        })
        .collect();
    assert!(decomposed.chars().count() > 100);
    std::fs::write(
        dir.path().join("company.yaml"),
        format!("name: \"{decomposed}\"\nwebsite: https://x.test\n"),
    )
    .unwrap();
    let (code, err) = check(dir.path());
    assert_eq!(code, 0, "{err}");
    for (line, message) in [
        (
            format!("name: {}\nwebsite: https://x.test\n", "N".repeat(101)),
            "company.yaml:1:7: error: the company name is 101 characters long; at most 100",
        ),
        (
            format!("name: X\nwebsite: https://{}.test\n", "w".repeat(190)),
            "company.yaml:2:10: error: the website is 203 characters long; at most 200",
        ),
        (
            format!(
                "name: X\nwebsite: https://x.test\ndata_version: {}\n",
                "v".repeat(41)
            ),
            "company.yaml:3:15: error: the data version is 41 characters long; at most 40",
        ),
        (
            format!(
                "name: X\nwebsite: https://x.test\ngrades_url: /{}\n",
                "g".repeat(2_000)
            ),
            "company.yaml:3:13: error: `grades_url` is 2001 bytes long; at most 2000",
        ),
    ] {
        let dir = minimal_copy();
        std::fs::write(dir.path().join("company.yaml"), &line).unwrap();
        let o = jdgen()
            .arg("--roles")
            .arg(dir.path())
            .arg("check")
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{err}");
        assert!(err.contains(message), "expected {message}, got:\n{err}");
    }
}

#[test]
fn hostile_bytes_never_reach_the_terminal_raw() {
    // A diagnostic quotes the source line, the file name and role text: an
    // escape sequence there could clear the line, retitle the terminal or
    // hide the error; a bidi override could reverse what it says.
    let dir = minimal_with(
        "esc.yaml",
        "family: esc # \u{1b}]0;pwned\u{7}\u{1b}[2K\u{9b}1A\nti\u{202e}tle: T\nlevels: []\n",
    );
    let d = dir.path();
    std::fs::write(d.join("bad\u{1b}[31mname.yaml"), "family: x\n").unwrap();
    // A right-to-left mark reorders a name on screen as well.
    std::fs::write(d.join("eng\u{200f}.yaml"), "family: x\n").unwrap();
    let o = jdgen().arg("--roles").arg(d).arg("check").output().unwrap();
    let err = String::from_utf8(o.stderr).unwrap();
    assert_eq!(o.status.code(), Some(1), "{err}");
    for c in ['\u{1b}', '\u{7}', '\u{9b}', '\u{202e}'] {
        assert!(!err.contains(c), "raw U+{:04X} in:\n{err}", c as u32);
    }
    assert!(err.contains("\\u{1b}"), "{err}");
    // The file with an escape in its name is refused (its name would also
    // go into the exports' source_file column), naming it printably.
    assert!(
        err.contains("contains the invisible character U+200F")
            && err.contains("contains the invisible character U+001B")
            && err.contains("bad\\u{1b}[31mname.yaml"),
        "{err}"
    );
}

#[test]
fn positions_count_characters_as_an_editor_does() {
    const HEAD: &[u8] = b"family: fam\ntitle: T\nlevels:\n  - id: a-b\n    level: A\n";
    let cases: Vec<(Vec<u8>, &str, &str)> = vec![
        // Invalid UTF-8 after wide text: the column counts characters.
        (
            [HEAD, "    title: 日本 ".as_bytes(), b"\xe9\n"].concat(),
            "f.yaml:6:15:",
            "not valid UTF-8",
        ),
        // ...and not the BOM.
        (
            b"\xef\xbb\xbffamily: f\xe9\n".to_vec(),
            "f.yaml:1:10:",
            "not valid UTF-8",
        ),
        // Old Mac line endings: lone CRs are line breaks, as YAML reads them.
        (
            b"family: fam\rtitle: T\rlevels:\r  - id: a-b\r    level: A\r    title: X\r    grade: x\r"
                .to_vec(),
            "f.yaml:7:12:",
            "job grade",
        ),
        (
            b"family: fam\rtitle: T\rlevels:\r  - id: a-b\r    level: A\r    title: \"X\x01\"\r".to_vec(),
            "f.yaml:6:14:",
            "raw control character U+0001",
        ),
        // A link too long, or a character too large, on a later line of
        // a block text: at the link or character, not the text's start.
        (
            format!(
                "family: fam\ntitle: T\nsummary: |\n  line one\n  see [x](https://a.test/{})\nlevels:\n  - id: a-b\n    level: A\n    title: X\n",
                "a".repeat(2_000)
            )
            .into_bytes(),
            "f.yaml:5:11:",
            "a link target is 2015 bytes long",
        ),
        (
            format!(
                "family: fam\ntitle: T\nsummary: >\n  line one\n  a b{}\nlevels:\n  - id: a-b\n    level: A\n    title: X\n",
                "\u{301}".repeat(40)
            )
            .into_bytes(),
            "f.yaml:5:5:",
            "one character here is built from 41 code points",
        ),
        // An invisible character on the second line of a block text.
        (
            "family: fam\ntitle: T\nsummary: |\n  line one\n  line two \u{202e} here\nlevels:\n  - id: a-b\n    level: A\n    title: X\n"
                .as_bytes()
                .to_vec(),
            "f.yaml:5:12:",
            "invisible character U+202E",
        ),
    ];
    for (text, at, message) in cases {
        let (code, err) = check_one(&text);
        assert_eq!(code, 1, "{err}");
        let first = err.lines().next().unwrap_or("");
        assert!(
            first.contains(at) && first.contains(message),
            "expected {at} … {message}, got:\n{err}"
        );
        // The excerpt is shown (it was missing for CR-only files).
        assert!(
            err.lines().nth(2).is_some_and(|l| l.contains(" | ")),
            "{err}"
        );
    }
    // The caret sits under the character, two cells per wide one before it.
    let (_, err) = check_one(&[HEAD, "    title: 日本 ".as_bytes(), b"\xe9\n"].concat());
    assert!(
        err.contains(" 6 |     title: 日本 \u{fffd}\n   |                 ^"),
        "{err}"
    );
}

#[test]
fn builds_on_another_familys_level_says_so() {
    let dir = minimal_copy();
    let d = dir.path();
    let family = |id: &str, levels: &str| format!("family: {id}\ntitle: T\nlevels:\n{levels}");
    std::fs::write(
        d.join("f.yaml"),
        family(
            "fam",
            "  - id: aa\n    level: A\n    title: A\n  - id: bb\n    level: B\n    title: B\n    responsibilities:\n      builds_on: cc\n      items: [x]\n  - id: dd\n    level: D\n    title: D\n    requirements:\n      builds_on: zz\n      items: [y]\n",
        ),
    )
    .unwrap();
    std::fs::write(
        d.join("g.yaml"),
        family("gam", "  - id: cc\n    level: C\n    title: C\n"),
    )
    .unwrap();
    let (code, err) = check(d);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains(
            "f.yaml:11:18: error: `builds_on: cc` names a level of another family (`gam`, in "
        ) && err.contains("g.yaml): a level builds only on a level of its own family"),
        "{err}"
    );
    // Nothing close to `zz`: the family's levels, not a far-fetched guess.
    assert!(
        err.contains("f.yaml:17:18: error: `builds_on: zz` names no level of family `fam`")
            && err.contains("help: levels of this family: aa, bb\n"),
        "{err}"
    );
    assert!(!err.contains("did you mean"), "{err}");
}

#[test]
fn a_family_over_the_item_limit_is_told_what_to_shorten() {
    // 21 levels of 1,000 items: 21,000 over the family's 20,000, whether
    // each writes its own or inherits them. Only the second has chains to
    // shorten (the help named them for both).
    let items: Vec<String> = (0..1_000).map(|i| format!("i{i}")).collect();
    let items = items.join(", ");
    for chained in [false, true] {
        let mut text = String::from("family: fam\ntitle: F\nlevels:\n");
        for l in 0..21 {
            text.push_str(&format!("  - id: l-{l}\n    level: L{l}\n    title: T\n"));
            if chained && l > 0 {
                text.push_str(&format!(
                    "    responsibilities:\n      builds_on: l-{}\n",
                    l - 1
                ));
            } else {
                text.push_str(&format!("    responsibilities:\n      items: [{items}]\n"));
            }
        }
        let (code, err) = check_one(text.as_bytes());
        assert_eq!(code, 1, "{err}");
        assert!(
            err.contains(
                "family `fam` lists 21000 responsibilities and requirements over its levels"
            ),
            "{err}"
        );
        let help = if chained {
            "help: shorten the `builds_on` chains (20000 of the 21000 are inherited items"
        } else {
            "help: shorten the lists (21000 items are written in the file)"
        };
        assert!(err.contains(help), "{chained}: {err}");
    }
    // Written items over the limit, one empty `builds_on` besides: the
    // chains are not what to shorten.
    let mut text = String::from("family: fam\ntitle: F\nlevels:\n");
    for l in 0..21 {
        text.push_str(&format!(
            "  - id: l-{l}\n    level: L{l}\n    title: T\n    responsibilities:\n      items: [{items}]\n"
        ));
        if l == 1 {
            text.push_str("    requirements:\n      builds_on: l-0\n");
        }
    }
    let (code, err) = check_one(text.as_bytes());
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("help: shorten the lists (21000 items"),
        "{err}"
    );
}

#[test]
fn unknown_keys_after_a_type_error_are_reported_too() {
    // A type error ends the typed parse: `itemz` and `gradee`, written
    // after it, went unreported until the next run.
    let (code, err) = check_one(
        b"family: fam\ntitle: A\nlevels:\n  - id: a-b\n    level: A\n    title: X\n    responsibilities:\n      items:\n        - ok\n        - bad: 1\n      itemz: []\n    gradee: 5\n    grade: {x: 1}\n  - id: a-c\n    level: C\n    title: Y\n    notes: {tilte: 1}\n",
    );
    assert_eq!(code, 1, "{err}");
    common::assert_reported(
        &err,
        &[
            ("f.yaml:10:11:", "invalid type: map, expected a string"),
            ("f.yaml:11:7:", "unknown key `itemz`"),
            ("f.yaml:12:5:", "unknown key `gradee`"),
        ],
    );
    // Both beside the key they resemble: renaming would duplicate it.
    assert!(
        err.contains("`items` is already written at line 8")
            && err.contains("`grade` is already written at line 13"),
        "{err}"
    );
    // Not the keys of a mapping where the schema has a text or a number.
    assert!(!err.contains("`x`") && !err.contains("tilte"), "{err}");
    assert!(err.contains("3 error(s)"), "{err}");
    // The same in company.yaml.
    let dir = minimal_copy();
    std::fs::write(
        dir.path().join("company.yaml"),
        "name: Acme\nwebsite: https://x.test\nbrand_color: [x]\nlangauge: en\nlogoo: {a: 1}\n",
    )
    .unwrap();
    let (code, err) = check(dir.path());
    assert_eq!(code, 1, "{err}");
    common::assert_reported(
        &err,
        &[
            (
                "company.yaml:3:14:",
                "invalid type: sequence, expected a string",
            ),
            ("company.yaml:4:1:", "unknown key `langauge`"),
            ("company.yaml:5:1:", "unknown key `logoo`"),
        ],
    );
    assert!(!err.contains("`a`"), "{err}");
}

#[test]
fn a_role_id_in_two_files_is_refused_with_both_files_errors() {
    // `pdf --role` printed only the first file's error.
    let (code, _, err) = run(&[
        "--roles",
        "tests/fixtures/broken",
        "pdf",
        "--role",
        "typo-one",
        "-o",
        "target/never-written/",
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("dupe.yaml:4:9: error: role id `typo-one` is also used in"),
        "{err}"
    );
    assert!(err.contains("typos.yaml"), "{err}");
    assert!(
        err.contains("error: role `typo-one` is in tests/fixtures/broken/")
            && err.contains(" and tests/fixtures/broken/")
            && err.contains("which have the errors above"),
        "{err}"
    );
    assert!(!std::path::Path::new("target/never-written").exists());
}

#[test]
fn an_alias_is_told_to_be_quoted_only_where_it_starts_the_text() {
    // `- *Always* test` is Markdown meant as text: quote it. An alias
    // inside a flow list (`[*a, *a]`, a "billion laughs") was told to
    // quote the whole `&b [*a, …]` as text too.
    let head = "family: fam\ntitle: F\nlevels:\n  - id: a-b\n    level: B\n    title: T\n    responsibilities:\n      items:\n";
    let (code, err) = check_one(format!("{head}        - *Always* test\n").as_bytes());
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("for Markdown emphasis put the"), "{err}");
    let (code, err) =
        check_one(format!("a: &a [x, y]\nb: &b [*a, *a]\n{head}        - x\n").as_bytes());
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("help: write the text out in full"), "{err}");
    assert!(!err.contains("double quotes"), "{err}");
    // Also where the flow list goes on on the next line, in a flow
    // mapping's value there, and for a real alias (its `&s` is written).
    for text in [
        "a: &a [x, y]\nb: &b [\n  *a, *a]\n",
        "a: &s x\nb:\n  - {k: a,\n    j: *s}\n",
        "a: &s x\nb:\n  - [a, # c\n    *s]\n",
        "a: &s x\nb:\n  - *s\n",
    ] {
        let (code, err) = check_one(format!("{text}{head}        - x\n").as_bytes());
        assert_eq!(code, 1, "{err}");
        assert!(
            err.contains("help: write the text out in full"),
            "{text}: {err}"
        );
    }
}

#[test]
fn an_escape_meant_as_a_backslash_is_told_so() {
    // `"bad \escape"` holds ESC (U+001B): "remove it" did not say why it
    // was there.
    let (code, err) = check_one(
        b"family: fam\ntitle: F\nlevels:\n  - id: a-b\n    level: B\n    title: \"bad \\escape\"\n",
    );
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("f.yaml:6:17: error: text contains the invisible character U+001B"),
        "{err}"
    );
    assert!(
        err.contains("help: in double quotes `\\e` is an escape for this character"),
        "{err}"
    );
    // A control character typed as itself, or as a `\u` escape, is told
    // to go.
    for title in [&b"\"bad \x1b x\""[..], b"\"bad \\u001b x\""] {
        let mut file =
            b"family: fam\ntitle: F\nlevels:\n  - id: a-b\n    level: B\n    title: ".to_vec();
        file.extend_from_slice(title);
        file.push(b'\n');
        let (code, err) = check_one(&file);
        assert_eq!(code, 1, "{err}");
        assert!(
            err.contains("help: delete it") || err.contains("help: remove it"),
            "{err}"
        );
        assert!(!err.contains("is an escape"), "{err}");
    }
}

#[test]
fn builds_on_is_never_told_its_own_level() {
    // `builds_on: a-bb` in level `a-b` was told "did you mean `a-b`?",
    // which then failed as a loop; the family's list named it too.
    let (code, err) = check_one(
        b"family: fam\ntitle: F\nlevels:\n  - id: a-a\n    level: A\n    title: A\n  - id: a-b\n    level: B\n    title: B\n    responsibilities:\n      builds_on: a-bb\n      items: [x]\n    requirements:\n      builds_on: zzzz\n      items: [y]\n",
    );
    assert_eq!(code, 1, "{err}");
    assert!(!err.contains("`a-b`?"), "{err}");
    assert!(err.contains("help: levels of this family: a-a\n"), "{err}");
    // A family of one level: nothing to build on.
    let (code, err) = check_one(
        b"family: fam\ntitle: F\nlevels:\n  - id: a-b\n    level: B\n    title: B\n    responsibilities:\n      builds_on: a-bb\n      items: [x]\n",
    );
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("help: the family has no other level to build on: remove `builds_on`"),
        "{err}"
    );
}

#[test]
fn builds_on_a_level_name_is_told_the_role_id() {
    // `builds_on: Junior` names the level, not its role id: the help said
    // only which ids there are, not which one is Junior's.
    let (code, err) = check_one(
        b"family: sup\ntitle: Support\nlevels:\n  - id: junior-support\n    level: Junior\n    title: J\n  - id: senior-support\n    level: Senior\n    title: S\n    responsibilities:\n      builds_on: junior\n      items: [x]\n",
    );
    assert_eq!(code, 1, "{err}");
    common::assert_reported(
        &err,
        &[(
            "f.yaml:11:18:",
            "`builds_on: junior` names no level of family `sup`",
        )],
    );
    assert!(
        err.contains("help: `builds_on` takes a role id: the Junior level is `junior-support`"),
        "{err}"
    );
}

#[test]
fn a_level_name_without_letters_or_digits_is_refused() {
    // Its level id, the kebab-case name, was empty in every export.
    let (code, err) = check_one(
        "family: sym\ntitle: Symbols\nlevels:\n  - id: sym-one\n    level: \"!!!\"\n    title: One\n  - id: sym-two\n    level: \"\u{1F91D}\"\n    title: Two\n  - id: sym-three\n    level: \u{65E5}\u{672C}\n    title: Three\n"
            .as_bytes(),
    );
    assert_eq!(code, 1, "{err}");
    common::assert_reported(
        &err,
        &[
            (
                "f.yaml:5:12:",
                "the level name `!!!` of role `sym-one` has no letter or digit",
            ),
            ("f.yaml:8:12:", "of role `sym-two` has no letter or digit"),
        ],
    );
    // Letters of any script make an id.
    assert!(!err.contains("sym-three"), "{err}");
    assert!(err.contains("2 error(s)"), "{err}");
}

#[test]
fn an_empty_file_is_said_to_be_empty() {
    // It was "missing field `family`" at a line past the end of the file.
    for (text, said) in [
        ("", "the file is empty"),
        ("# only a comment\n\n", "the file is empty"),
        ("---\n", "the file is empty"),
        // A value, not nothing.
        (
            "~\n",
            "the file holds only `~`, YAML's empty value: no keys",
        ),
        (
            "null # later\n",
            "the file holds only `null`, YAML's empty value",
        ),
        ("--- ~\n", "the file holds only `~`"),
        ("--- # to do\n", "the file is empty"),
        ("%YAML 1.1\n---\n", "the file is empty"),
    ] {
        let (code, err) = check_one(text.as_bytes());
        assert_eq!(code, 1, "{err}");
        assert!(
            err.contains(&format!("f.yaml: error: {said}")) && err.contains("or delete the file"),
            "{text:?}: {err}"
        );
        assert!(!err.contains("missing field"), "{err}");
    }
    let dir = minimal_copy();
    std::fs::write(dir.path().join("company.yaml"), "# nothing yet\n").unwrap();
    let (code, err) = check(dir.path());
    assert_eq!(code, 1);
    assert!(
        err.contains("company.yaml: error: the file is empty")
            && err.contains("`name:` and `website:`"),
        "{err}"
    );
}

#[test]
fn an_output_path_that_cannot_be_a_folder_or_file_says_why() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    std::fs::write(t.join("afile"), "x").unwrap();
    common::mkfifo(&t.join("fifo"));
    std::os::unix::fs::symlink("nowhere", t.join("dangling")).unwrap();
    let s = |p: &str| t.join(p).to_str().unwrap().to_string();
    for (args, want) in [
        // `build` said "afile/.jdgen: Not a directory".
        (
            vec!["build".to_string(), "-o".into(), s("afile")],
            "afile: is a file, not a folder",
        ),
        (
            vec!["pdf".to_string(), "--all".into(), "-o".into(), s("fifo")],
            "fifo: is a FIFO, not a folder",
        ),
        // `build` said "dangling/.jdgen: File exists", `export --zip`
        // "afile: File exists".
        (
            vec!["build".to_string(), "-o".into(), s("dangling")],
            "dangling: is a symbolic link to nothing, not a folder",
        ),
        (
            vec![
                "export".to_string(),
                "--zip".into(),
                "-o".into(),
                s("afile"),
            ],
            "afile: is a file, not a folder",
        ),
        // A file further up: "afile/sub: cannot create folder: Not a
        // directory" left the user to find which part.
        (
            vec!["build".to_string(), "-o".into(), s("afile/sub/out")],
            &format!(
                "cannot create folder: {} is a file, not a folder",
                s("afile")
            ),
        ),
        // A link to nothing further up.
        (
            vec!["build".to_string(), "-o".into(), s("dangling/out")],
            &format!(
                "cannot create folder: {} is a symbolic link to nothing, not a folder",
                s("dangling")
            ),
        ),
        // A folder where no file can be made: no temporary file's name.
        (
            vec![
                "pdf".to_string(),
                "--role".into(),
                "senior-social".into(),
                "-o".into(),
                "/proc/x.pdf".into(),
            ],
            "/proc: cannot create a file in this folder: No such file or directory",
        ),
    ] {
        let o = jdgen().args(&args).output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{args:?} {:?}: {err}", o.status);
        assert!(err.contains(want), "{args:?}: {err}");
        assert!(
            !err.contains("at path") && !err.contains("Not a directory"),
            "{err}"
        );
    }
}

#[test]
fn a_glyph_missing_from_the_template_is_the_template_s() {
    // The template's own text with characters no font has: the error
    // blamed the role file, which holds none of them.
    let dir = minimal_copy();
    let d = dir.path();
    let t = d.join("tpl");
    std::fs::create_dir_all(&t).unwrap();
    std::fs::write(t.join("main.typ"), "= Hi\n\nWelcome 中文\n").unwrap();
    let out = d.join("o.pdf");
    let render_strict = || {
        run(&[
            "--roles",
            d.to_str().unwrap(),
            "pdf",
            "--role",
            "senior-engineer",
            "--strict",
            "--template",
            t.join("main.typ").to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ])
    };
    let (code, _, err) = render_strict();
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("tpl/main.typ:3:9: error: role `senior-engineer`: 2 characters have no glyph"),
        "{err}"
    );
    assert!(err.contains("or change the template"), "{err}");
    // A text of the role's data the template does not print holds the
    // character too: still the template's (the data text was taken, and
    // the role file blamed).
    let family = d.join("engineering.yaml");
    let yaml = std::fs::read_to_string(&family).unwrap();
    std::fs::write(&family, yaml.replace("- Write code", "- Write 中 code")).unwrap();
    let (code, _, err) = render_strict();
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("tpl/main.typ:3:9: error:"), "{err}");
    assert!(err.contains("“Welcome 中文”"), "{err}");
    // Where Typst laid the text out from, not the first file or line
    // holding the character: an unused file beside the template, and a
    // comment, were named.
    std::fs::write(t.join("a-notes.typ"), "// 中文\n").unwrap();
    std::fs::write(
        t.join("main.typ"),
        "// 中文 needs a CJK font\n= Hi\n\nWelcome 中文\n",
    )
    .unwrap();
    let (code, _, err) = render_strict();
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("tpl/main.typ:4:9: error:"), "{err}");
    assert!(!err.contains("a-notes"), "{err}");
    // Made by the template's code: at the expression that made it, and
    // not the role file's (it holds no such text).
    std::fs::write(&family, &yaml).unwrap();
    std::fs::write(t.join("main.typ"), "= Hi\n\n#str.from-unicode(0x4E8C)\n").unwrap();
    let (code, _, err) = render_strict();
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("tpl/main.typ:3:2: error:"), "{err}");
    assert!(err.contains("or change the template"), "{err}");
    // A string of the template's code, the character written as an
    // escape, while a role text the template does not print holds it: the
    // template's (the role file was blamed).
    std::fs::write(
        &family,
        yaml.replace("- Write code", "- Write \u{4E8C} code"),
    )
    .unwrap();
    std::fs::write(t.join("main.typ"), "= Hi\n\n#\"x\\u{4E8C}y\"\n").unwrap();
    let (code, _, err) = render_strict();
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("tpl/main.typ:3:2: error:"), "{err}");
    // A call on a string literal that prints the role's text: the role's.
    std::fs::write(
        &family,
        yaml.replace("title: Senior Engineer", "title: Senior \u{4E8C} Engineer"),
    )
    .unwrap();
    std::fs::write(
        t.join("main.typ"),
        "= Hi\n\n#\"T: {}\".replace(\"{}\", json(sys.inputs.data).role.title)\n",
    )
    .unwrap();
    let (code, _, err) = render_strict();
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("engineering.yaml:"), "{err}");
    assert!(!err.contains("tpl/main.typ"), "{err}");
    std::fs::write(&family, &yaml).unwrap();
    // A PDF/UA check of the finished document has no place in a file: it
    // names the template, which sets the document's title.
    std::fs::write(t.join("main.typ"), "= Hi\n").unwrap();
    let (code, _, err) = run(&[
        "--roles",
        d.to_str().unwrap(),
        "pdf",
        "--role",
        "senior-engineer",
        "--pdf-standard",
        "ua-1",
        "--template",
        t.join("main.typ").to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("tpl/main.typ: error: role `senior-engineer`: PDF/UA-1 error"),
        "{err}"
    );
}

#[test]
fn glyph_warnings_cover_what_prints_and_only_that() {
    // A company name in CJK was never checked (and `pdf` blamed the role
    // file); a character only in a link's address, which never prints,
    // was warned about, and a warning pointed into a comment or address
    // when the character also printed elsewhere.
    let dir = minimal_copy();
    let d = dir.path();
    common::edit(&d.join("company.yaml"), |company| {
        format!(
            "# 株式会社テスト: the legal name\n{}",
            company.replacen("name: Example Co", "name: 株式会社テスト", 1)
        )
    });
    let family = std::fs::read_to_string(d.join("engineering.yaml")).unwrap();
    let items_line = 1 + family.lines().position(|l| l.contains("items:")).unwrap();
    std::fs::write(
        d.join("engineering.yaml"),
        family.replacen(
            "items:\n",
            "items:\n        - \"[See this](https://ü.test/?q=日本) page\"\n        - \"[Tokyo team](https://example.jp/東京/)\"\n        - \"Office: 東京\"\n",
            1,
        ),
    )
    .unwrap();
    let (code, err) = check(d);
    assert_eq!(code, 0, "{err}");
    // At the name, not in the comment above it.
    assert!(
        err.contains("company.yaml:2:7: warning: `株` (U+682A)"),
        "{err}"
    );
    // 日本 is only in an address; 東京 prints in the item after the link.
    assert!(!err.contains("U+65E5"), "{err}");
    let at = format!(
        "engineering.yaml:{}:20: warning: `東` (U+6771)",
        items_line + 3
    );
    assert!(err.contains(&at), "{at}: {err}");
    let out = tempfile::tempdir().unwrap();
    let (code, _, err) = run(&[
        "--roles",
        d.to_str().unwrap(),
        "pdf",
        "--role",
        "senior-engineer",
        "-o",
        out.path().to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("company.yaml:2:7: warning: role `senior-engineer`"),
        "{err}"
    );
}

#[test]
fn a_group_heading_is_checked_in_the_capitals_it_prints_in() {
    // DejaVu has Georgian's small letters but not the capitals the
    // template's upper() makes of a group heading: check said nothing and
    // the PDF printed boxes.
    let dir = minimal_copy();
    let d = dir.path();
    let family = std::fs::read_to_string(d.join("engineering.yaml")).unwrap();
    let line = 1 + family.lines().position(|l| l.contains("items:")).unwrap();
    std::fs::write(
        d.join("engineering.yaml"),
        family.replacen(
            "items:\n",
            "groups:\n        - heading: \"ტექნიკური უნარები\"\n          items: [\"პროგრამირება\"]\n      items:\n",
            1,
        ),
    )
    .unwrap();
    let dejavu = "/usr/share/fonts/truetype/dejavu";
    assert!(
        Path::new(dejavu).join("DejaVuSans.ttf").exists(),
        "this test needs DejaVu fonts: apt-get install fonts-dejavu-core (.ci/run does)"
    );
    let (code, _, err) = run(&[
        "--roles",
        d.to_str().unwrap(),
        "check",
        "--font-path",
        dejavu,
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains(&format!(
            "engineering.yaml:{}:21: warning: `Ტ` (U+1CA2)",
            line + 1
        )) && err.contains("(a group heading prints in capitals)"),
        "{err}"
    );
    // The items, in small letters, are drawn: no warning about them.
    assert!(!err.contains("U+10DE"), "{err}");
}

#[test]
fn an_empty_optional_list_heading_is_absent_not_an_error() {
    // Like an empty `intro:`; a group's or a section's heading is required.
    let text = "family: fam\ntitle: T\nlevels:\n  - id: a-b\n    level: A\n    title: X\n    responsibilities:\n      heading:\n      intro:\n      items: [Do things]\n";
    let (code, err) = check_one(text.as_bytes());
    assert_eq!(code, 0, "{err}");
    // The family's own lists too.
    let family_wide = "family: fam\ntitle: T\nresponsibilities:\n  heading:\n  items: [Shared]\nlevels:\n  - id: a-b\n    level: A\n    title: X\n";
    let (code, err) = check_one(family_wide.as_bytes());
    assert_eq!(code, 0, "{err}");
    let text = text.replace(
        "      heading:\n",
        "      groups:\n        - heading:\n          items: [b]\n",
    );
    let (code, err) = check_one(text.as_bytes());
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("f.yaml:9:18: error: empty group heading"),
        "{err}"
    );
}

#[test]
fn a_role_of_an_unreadable_file_shows_that_files_errors() {
    // A syntax error before the role's `- id:` (or bytes that are not
    // UTF-8) made the role "unknown", exit 2, with no word of the file.
    let dir = minimal_copy();
    let d = dir.path();
    let roles = d.to_str().unwrap();
    let family = std::fs::read_to_string(d.join("engineering.yaml")).unwrap();
    for (broken, want) in [
        (
            family
                .replacen("title:", "summary: a: b\ntitle:", 1)
                .into_bytes(),
            "mapping values are not allowed",
        ),
        (
            [b"# caf\xe9\n".as_slice(), family.as_bytes()].concat(),
            "not valid UTF-8",
        ),
    ] {
        std::fs::write(d.join("engineering.yaml"), &broken).unwrap();
        for args in [
            vec!["show", "senior-engineer"],
            vec!["pdf", "--role", "senior-engineer"],
        ] {
            let (code, _, err) = run(&[&["--roles", roles][..], &args].concat());
            assert_eq!(code, 1, "{args:?}: {err}");
            assert!(
                err.contains("engineering.yaml:") && err.contains(want),
                "{err}"
            );
            assert!(err.contains("which has the errors above"), "{err}");
        }
        // A typo of it is suggested, though its file is broken.
        let (code, _, err) = run(&["--roles", roles, "show", "senior-enginer"]);
        assert_eq!(code, 2, "{err}");
        assert!(err.contains("did you mean `senior-engineer`"), "{err}");
    }
}

#[test]
fn named_roles_of_good_files_render_beside_a_broken_ones() {
    let dir = minimal_with(
        "broken.yaml",
        "family: broken\ntitle: B\nlevels:\n  - id: broken-one\n    level: A\n    title: B\n    grade: seven\n",
    );
    let d = dir.path();
    let out = tempfile::tempdir().unwrap();
    let o = out.path().to_str().unwrap();
    let (code, _, err) = run(&[
        "--roles",
        d.to_str().unwrap(),
        "pdf",
        "--role",
        "senior-engineer",
        "--role",
        "broken-one",
        "-o",
        o,
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(out.path().join("senior-engineer.pdf").is_file(), "{err}");
    assert!(!out.path().join("broken-one.pdf").exists());
    assert!(
        err.contains("broken.yaml:7:12:") && err.contains("job grade"),
        "{err}"
    );
    // One file named for two roles is still a usage error.
    let one = out.path().join("one.pdf");
    let (code, _, err) = run(&[
        "--roles",
        d.to_str().unwrap(),
        "pdf",
        "--role",
        "senior-engineer",
        "--role",
        "broken-one",
        "-o",
        one.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("names one file but 2 roles"), "{err}");
}

#[test]
fn long_lines_in_broken_files_are_read_once() {
    // Both took minutes (each scan went back over the line for every
    // character or occurrence); they must give their messages, once.
    let dir = minimal_with(
        "f.yaml",
        format!(
            "family: fam\ntitle: T{}\nlevels:\n  - id: a-b\n    level: A\n   title: X\n",
            " ".repeat(200_000)
        ),
    );
    let d = dir.path();
    std::fs::write(
        d.join("g.yaml"),
        format!(
            "# {}\nfamily: gam\ntitle: \"字\"\nlevels:\n  - id: c-d\n    level: A\n    title: X\n",
            "字".repeat(200_000)
        ),
    )
    .unwrap();
    // A flow mapping of 10,000 empty values on one line (a column found by
    // scanning the line, for every one of them).
    let entries: Vec<String> = (0..10_000).map(|k| format!("a{k}: ")).collect();
    std::fs::write(
        d.join("h.yaml"),
        format!(
            "family: ham\ntitle: T\nx: {{{}}}\nlevels:\n  - id: e-f\n    level: A\n    title: X\n",
            entries.join(", ")
        ),
    )
    .unwrap();
    let (code, err) = check(d);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("f.yaml:6:4: error: YAML syntax error"),
        "{err}"
    );
    assert!(err.contains("g.yaml:3:9: warning: `字`"), "{err}");
    assert!(err.contains("h.yaml:3:1: error: unknown key `x`"), "{err}");
}

#[test]
fn many_errors_on_one_long_line_are_each_found_in_constant_time() {
    // Each error turned its column into a byte offset, found its
    // character and cut its excerpt by scanning the line from its start:
    // 20,000 errors on one 400 KB line took 140 s.
    let dir = minimal_copy();
    let d = dir.path();
    let items: Vec<String> = (0..5_000).map(|i| format!("\"a\\u0007{i:04}\"")).collect();
    std::fs::write(
        d.join("f.yaml"),
        format!(
            "family: fam\ntitle: T\nresponsibilities: {{items: [{}]}}\nlevels:\n  - id: a-b\n    level: A\n    title: X\n",
            items.join(", ")
        ),
    )
    .unwrap();
    let (code, err) = check(d);
    assert_eq!(code, 1);
    // All found (and located) and counted; 500 shown, then how many more.
    assert!(
        err.contains("5001 error(s)"),
        "{}",
        &err[err.len().saturating_sub(500)..]
    );
    // (One of the 500 is that the list is too long, so 499 items are shown.)
    let more = format!(
        "f.yaml:3:{}: error: 4501 more errors in this file from here on",
        30 + 499 * 15
    );
    assert!(
        err.contains(&more),
        "{}",
        &err[err.len().saturating_sub(800)..]
    );
    // The last shown item's `\u0007`, 498 items of 15 characters after
    // the first one's at column 30.
    let last = 30 + 498 * 15;
    let at = format!("f.yaml:3:{last}: error: text contains the invisible character U+0007");
    let i = err.find(&at).unwrap_or_else(|| panic!("{at}"));
    let excerpt: Vec<&str> = err[i..].lines().skip(2).take(2).collect();
    assert!(
        excerpt[0].starts_with(" 3 | …\\u00070494\", \"a\\u00070495\", \"a\\u00070496\", \"a\\u00070497\", \"a\\u00070498\""),
        "{}",
        excerpt[0]
    );
    // 60 characters before it, and `…`: the caret is under its `\`.
    assert_eq!(excerpt[1], format!("   | {}^", " ".repeat(61)));
}

#[test]
fn long_keys_nested_deep_cost_what_they_weigh() {
    // Keys of 20,000 characters, 25 deep, over 2,000 entries: every entry's
    // path held all of its ancestors' keys (a 400 KB file took 350 MB and
    // 4 s), and every bad character below an unknown key was an error that
    // kept its path (3,000 of them: 29 s, 2.5 GB). An unknown key is one
    // error, its contents unread; the message quotes the start of a long key.
    let dir = minimal_copy();
    let d = dir.path();
    let mut text =
        "family: fam\ntitle: T\nlevels:\n  - id: a-b\n    level: A\n    title: X\nextra:\n"
            .to_string();
    for depth in 1..=25 {
        let indent = "  ".repeat(depth);
        text += &format!("{indent}? k{depth}{}\n{indent}:\n", "x".repeat(20_000));
    }
    let entries: Vec<String> = (0..2_000).map(|i| format!("a{i}: \"\\u0007\"")).collect();
    text += &format!("{}{{{}}}\n", "  ".repeat(26), entries.join(", "));
    text += &format!("? \"{}\"\n: 1\n", "y".repeat(100_000));
    std::fs::write(d.join("f.yaml"), text).unwrap();
    let (code, err) = check(d);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("f.yaml:7:1: error: unknown key `extra`"),
        "{err}"
    );
    let long_key = format!("f.yaml:59:3: error: unknown key `{}…`\n", "y".repeat(60));
    assert!(err.contains(&long_key), "{}", &err[..err.len().min(2_000)]);
    assert!(
        err.contains("2 error(s)"),
        "{}",
        &err[..err.len().min(2_000)]
    );
    assert!(err.len() < 5_000, "{} bytes of messages", err.len());
}

#[test]
fn each_invisible_character_is_found_in_its_own_text() {
    // The search ran on to the end of the file, so the title's `\e` was
    // reported at the item's `\x1b` below it; YAML's short escapes were
    // not searched at all.
    let text = "family: fam\ntitle: T\nlevels:\n  - id: a-b\n    level: A\n    title: \"One \\e[2J title\"\n    responsibilities:\n      items:\n        - \"Plain x\\x1b there\"\n";
    let (code, err) = check_one(text.as_bytes());
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("f.yaml:6:17: error: text contains the invisible character U+001B"),
        "{err}"
    );
    assert!(
        err.contains("f.yaml:9:19: error: text contains the invisible character U+001B"),
        "{err}"
    );
}

#[test]
fn unknown_builds_on_targets_list_a_few_levels_not_all() {
    // 8,000 levels that each built on an unknown level printed every
    // level's id in every message: 441 MB of output, and minutes of
    // suggestions. (Families now have at most 200 levels.)
    let mut text = String::from("family: fam\ntitle: T\nlevels:\n");
    for i in 0..150 {
        text.push_str(&format!(
            "  - id: l{i}\n    level: L{i}\n    title: T\n    responsibilities:\n      builds_on: qqqqqqqqqqqqqqqqqqqq\n      items: [x]\n"
        ));
    }
    let (code, err) = check_one(text.as_bytes());
    assert_eq!(code, 1);
    assert!(
        err.contains("150 error(s)"),
        "{}",
        &err[err.len().saturating_sub(300)..]
    );
    // (Level `l0`'s: not itself.)
    assert!(err.contains("help: levels of this family: l1, l10, l100, l101, l102, l103, l104, l105, l106, l107 and 139 more"));
    assert!(err.len() < 200_000, "{} bytes of messages", err.len());
}

#[test]
fn newcomers_mistakes_get_the_fix_they_need() {
    // Each mistake as a newcomer writes it, and the help that fixes it:
    // YAML's own messages ("alias", "mapping values", "indentation")
    // pointed at the wrong fix or at none.
    let base = std::fs::read_to_string("tests/fixtures/minimal/engineering.yaml").unwrap();
    let cases: &[(&str, &str, &str)] = &[
        (
            "        - Write code\n",
            "        - *Always* write tests\n",
            "for Markdown emphasis put the whole text in double quotes: `- \"*Always* write tests\"`",
        ),
        (
            "        - Write code\n",
            "        - **Write tests**\n",
            "`- \"**Write tests**\"`",
        ),
        (
            "        - Write code\n",
            "        - [Docs](/docs/) first\n",
            "put a text that starts with a link in double quotes: `- \"[Docs](/docs/) first\"`",
        ),
        (
            "        - Write code\n",
            "        - \"dbt\" models\n",
            "quote the whole text, e.g. `- '\"dbt\" models'`",
        ),
        (
            "        - Write code\n",
            "        - Note: write code\n",
            "quote the whole text: `- \"Note: write code\"`",
        ),
        (
            "    grade: 5\n",
            "      grade: 5\n",
            "`grade:` is indented more than the line above, which already has its value: start it in column 5, under `title:`",
        ),
        (
            "      intro: \"All of the above, and:\"\n",
            "      intro:\n        - All of the above, and\n",
            "this holds one text, not a list",
        ),
        (
            "    grade: 5\n",
            "\tgrade: 5\n",
            "indent with spaces, not tabs",
        ),
        // Indented less than the line above: "did not find expected '-'
        // indicator" and a general word on indentation, before.
        (
            "    grade: 5\n",
            "  grade: 5\n",
            "`grade:` is indented less than `title:` above it, so YAML reads it as a key of neither that entry nor the mapping around it: start it in column 5, under `title:`",
        ),
        (
            "        - Review code\n    requirements:\n      items:\n        - Curiosity\n",
            "      - Review code\n    requirements:\n      items:\n        - Curiosity\n",
            "this `-` item is indented less than the one above: the items of one list start in the same column; start it in column 9, under that `-`",
        ),
        (
            "  - id: senior-engineer\n",
            "    id: senior-engineer\n",
            "if a new entry of the list starts here, begin it with `- ` (`  - id: senior-engineer`)",
        ),
        (
            "  - id: senior-engineer\n",
            "  - id: junior-engineer\n",
            "duplicate role id `junior-engineer` (also on line 5)",
        ),
        (
            "    grade: 7\n",
            "    grade: 7\n    builds_on: junior-engineer\n",
            "`builds_on` belongs inside `responsibilities:` or `requirements:`",
        ),
    ];
    for (from, to, help) in cases {
        assert!(base.contains(from), "{from}");
        let (code, err) = check_one(base.replacen(from, to, 1).as_bytes());
        assert_eq!(code, 1, "{to}: {err}");
        assert!(err.contains(help), "{to:?}:\n{err}");
    }
    // An entry begun with a bare `-` on its own line: its dash is found
    // (the search for one ran to the top of the file for each entry).
    let bare = base
        .replacen(
            "  - id: junior-engineer\n",
            "  -\n    id: junior-engineer\n",
            1,
        )
        .replacen("  - id: senior-engineer\n", "    id: senior-engineer\n", 1);
    let (code, err) = check_one(bare.as_bytes());
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("begin it with `- ` (`  - id: senior-engineer`)"),
        "{err}"
    );
    // A list that builds on a more senior level (written after it, or
    // graded above it) prints that level's items as inherited.
    let upward = base
        .replacen(
            "    requirements:\n      items:\n        - Curiosity\n",
            "    requirements:\n      builds_on: senior-engineer\n      items:\n        - Curiosity\n",
            1,
        )
        .replacen("    requirements:\n      builds_on: junior-engineer\n", "    requirements:\n", 1);
    let (code, err) = check_one(upward.as_bytes());
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains(
            "warning: `junior-engineer` builds on `senior-engineer`, a level graded above it"
        ),
        "{err}"
    );
    // A duplicate id no longer hides a `builds_on` naming no level.
    let (_, err) = check_one(
        base.replacen("  - id: senior-engineer\n", "  - id: junior-engineer\n", 1)
            .replacen(
                "      builds_on: junior-engineer\n",
                "      builds_on: junior-enginer\n",
                1,
            )
            .as_bytes(),
    );
    assert!(err.contains("duplicate role id `junior-engineer`"), "{err}");
    assert!(
        err.contains("`builds_on: junior-enginer` names no level"),
        "{err}"
    );
    // Levels written senior first, each building on the one graded below:
    // the grades decide what builds on what, so no warning about that;
    // only the order written, which `level_rank` follows, is warned of.
    let (code, err) = check_one(
        b"family: f\ntitle: F\nlevels:\n  - id: f-staff\n    level: Staff\n    title: S\n    grade: 8\n    responsibilities:\n      builds_on: f-senior\n      items: [b]\n  - id: f-senior\n    level: Senior\n    title: T\n    grade: 7\n    responsibilities:\n      items: [a]\n",
    );
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("builds on"), "{err}");
    assert!(
        err.contains(
            "is graded below every level written above it (the lowest, role `f-staff`, has grade 8)"
        ),
        "{err}"
    );
    assert!(err.contains("1 warning(s)"), "{err}");
    // A missing `- ` merges two levels: one error, not one per key.
    let (_, err) = check_one(
        base.replacen("  - id: senior-engineer\n", "    id: senior-engineer\n", 1)
            .as_bytes(),
    );
    assert!(
        err.contains("`id` is written twice in this list entry (first on line 5), and so are `level`, `title`, `grade`, `responsibilities`, `requirements`"),
        "{err}"
    );
    assert!(err.contains("1 error(s)"), "{err}");
    // An item's `- ` indented deeper than the one above joins its text
    // ("Maintain pipelines - Fix failing tests"), silently.
    let (code, err) = check_one(
        one_level(
            "    responsibilities:\n      items:\n        - Maintain pipelines\n          - Fix failing tests\n        - Write docs\n",
        )
        .as_bytes(),
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("f.yaml:10:11: warning: `- Fix failing tests` is indented deeper than the line it follows"),
        "{err}"
    );
    assert!(
        err.contains("start its `-` in column 9, under the `-` above"),
        "{err}"
    );
    // An invalid grade is its own error, not also a level "graded above"
    // the one building on it (`six` ranked above any number).
    let (code, err) = check_one(
        b"family: f\ntitle: F\nlevels:\n  - id: f-a\n    level: A\n    title: A\n    grade: six\n    requirements: {items: [x]}\n  - id: f-b\n    level: B\n    title: B\n    grade: 7\n    requirements: {builds_on: f-a, items: [y]}\n",
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("1 error(s), 0 warning(s)"), "{err}");
    // A missing opening quote: the fix adds one, it does not keep the
    // closing one as text.
    let (_, err) =
        check_one(one_level("    reports_to: [Manager, Data](/job-families/data/)\"\n").as_bytes());
    assert!(
        err.contains("`reports_to: \"[Manager, Data](/job-families/data/)\"`"),
        "{err}"
    );
    // A UTF-16 file ("Unicode" in Windows editors) is named as such, with
    // or without its byte-order mark (it was "bad byte 0xff", or blamed at
    // its first emoji).
    let text = "family: f\ntitle: F 😀\nlevels:\n  - {id: f-a, level: A, title: A}\n";
    let le: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
    // Also text mostly beyond ASCII with no mark (it was "the control
    // character U+0000"), and UTF-32, with or without one (it was "UTF-16").
    let cyrillic = "# Описание должности маркетолога по социальным сетям и коммуникациям компании\nfamily: f\ntitle: T\n";
    let cyr_le: Vec<u8> = cyrillic.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let cyr_be: Vec<u8> = cyrillic.encode_utf16().flat_map(u16::to_be_bytes).collect();
    let utf32 = |big: bool, mark: bool| -> Vec<u8> {
        let mut out = Vec::new();
        for c in std::iter::once('\u{feff}')
            .filter(|_| mark)
            .chain(text.chars())
        {
            let n = c as u32;
            out.extend(if big {
                n.to_be_bytes()
            } else {
                n.to_le_bytes()
            });
        }
        out
    };
    for (bytes, encoding) in [
        (le, "UTF-16 (little-endian)"),
        (be, "UTF-16 (big-endian)"),
        (cyr_le, "UTF-16 (little-endian)"),
        (cyr_be, "UTF-16 (big-endian)"),
        (utf32(false, true), "UTF-32 (little-endian)"),
        (utf32(true, true), "UTF-32 (big-endian)"),
        (utf32(false, false), "UTF-32 (little-endian)"),
        (utf32(true, false), "UTF-32 (big-endian)"),
    ] {
        let (code, err) = check_one(&bytes);
        assert_eq!(code, 1, "{err}");
        assert!(
            err.contains(&format!("f.yaml: error: file is {encoding}, not UTF-8")),
            "{encoding}: {err}"
        );
    }
    // A file of a few bytes, and UTF-32 full of emoji (above U+FFFF), with
    // no mark.
    let tiny: Vec<u8> = "a: b\n".encode_utf16().flat_map(u16::to_le_bytes).collect();
    let emoji = "family: f\ntitle: 😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀\n";
    let emoji32: Vec<u8> = emoji
        .chars()
        .flat_map(|c| (c as u32).to_le_bytes())
        .collect();
    for (bytes, encoding) in [
        (tiny, "UTF-16 (little-endian)"),
        (emoji32, "UTF-32 (little-endian)"),
    ] {
        let (code, err) = check_one(&bytes);
        assert_eq!(code, 1, "{err}");
        assert!(
            err.contains(&format!("file is {encoding}, not UTF-8")),
            "{encoding}: {err}"
        );
    }
    // Chinese with no mark: 一, 开, 最 (U+XX00) put zeros in the other place.
    // (85% of this one's zeros are in one place.)
    let zh = "family: f\ntitle: 一个开放的职位\nlevels:\n  - id: a-b\n    level: 一级\n    title: 一个开放的职位，最好的团队，一起开发最好的产品，一个一个地完成\n";
    let zh_le: Vec<u8> = zh.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let (code, err) = check_one(&zh_le);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("file is UTF-16 (little-endian), not UTF-8"),
        "{err}"
    );
    // Stray NULs in UTF-8 text (one, or a dozen) are that text's error, and
    // a file of zeros only (what a crash can leave) is no UTF-32.
    for text in [
        b"family: f\ntitle: \"a\0b\"\nlevels:\n  - {id: f-a, level: A, title: A}\n".to_vec(),
        format!(
            "family: f\ntitle: \"a{}b\"\nlevels:\n  - {{id: f-a, level: A, title: A}}\n",
            "\0 ".repeat(12),
        )
        .into_bytes(),
        b"family: f\ntitle: \"a\0b\0c\0d\0e\0f\0g\0h\0i\0j\"\n".to_vec(),
        vec![0; 3000],
    ] {
        let (code, err) = check_one(&text);
        assert_eq!(code, 1, "{err}");
        assert!(!err.contains("not UTF-8"), "{err}");
    }
    // At most 100 warnings a file are shown (10,000 repeated items printed
    // 10,000 warnings); the count still counts them all.
    let items = "        - Same\n".repeat(151);
    let (code, err) =
        check_one(one_level(&format!("    responsibilities:\n      items:\n{items}")).as_bytes());
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        err.matches("warning: this item repeats").count(),
        100,
        "{err}"
    );
    assert!(
        err.contains("warning: 50 more warnings in this file from here on, not shown"),
        "{err}"
    );
    assert!(err.contains("150 warning(s)"), "{err}");
    // A heading is one line: 100 short lines in one ran off the page.
    let (code, err) = check_one(
        b"family: f\ntitle: F\nsections:\n  - heading: \"One\\nTwo\"\n    paragraphs: [x]\nlevels:\n  - {id: f-a, level: A, title: A}\n",
    );
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("f.yaml:4:14: error: this heading holds a line break (U+000A)"),
        "{err}"
    );
    // A quoted text may hold such a line: nothing to say.
    let (_, err) = check_one(
        one_level(
            "    responsibilities:\n      items:\n        - \"Maintain pipelines\n          - and tests\"\n",
        )
        .as_bytes(),
    );
    assert!(!err.contains("warning:"), "{err}");
}

#[test]
fn check_reports_what_fuzzing_and_review_found() {
    // Found by fuzzing: a `[` never closed before the file ends was
    // reported past the last line, with nothing to show; one text where a
    // section's keys belong was told of a `text` key sections do not have.
    let (_, err) = check_one(
        b"family: f\ntitle: F\nlevels:\n  - id: f-one\n    level: One\n    title: One\n    description: [First paragraph,\n",
    );
    assert!(
        err.contains(
            "f.yaml:7:18: error: YAML syntax error: the `[` list that starts here is never closed"
        ),
        "{err}"
    );
    let (_, err) = check_one(
        b"family: f\ntitle: F\nsections:\n  - Some words\nlevels:\n  - id: f-one\n    level: One\n    title: One\n",
    );
    assert!(
        err.contains(
            "expected a section (keys `heading`, `paragraphs`, `items`, `sections`, `place`)"
        ),
        "{err}"
    );
    assert!(
        err.contains("help: this holds keys, not one text: e.g. `heading: Some words`"),
        "{err}"
    );
    // A duplicate id in a file that is not UTF-8 is located too (it had no
    // line: the file's text was not kept).
    let dir = minimal_copy();
    std::fs::write(
        dir.path().join("latin1.yaml"),
        b"family: l\ntitle: L\nlevels:\n  - id: junior-engineer\n    level: A\n    title: \"Caf\xe9\"\n",
    )
    .unwrap();
    let (_, err) = check(dir.path());
    assert!(
        err.contains("latin1.yaml:4:9: error: role id `junior-engineer` is also used in"),
        "{err}"
    );
    assert!(
        err.contains("latin1.yaml:6:16: error: file is not valid UTF-8"),
        "{err}"
    );
    // At most 500 errors a file: 1.5 million unknown keys printed 421 MB.
    let keys: String = (0..2000).map(|i| format!("k{i}: 1\n")).collect();
    let (_, err) = check_one(
        format!("family: f\ntitle: F\n{keys}levels:\n  - id: f-one\n    level: A\n    title: A\n")
            .as_bytes(),
    );
    assert_eq!(
        err.matches("unknown key").count(),
        500,
        "{}",
        &err[err.len() - 500..]
    );
    assert!(
        err.contains("f.yaml:503:1: error: 1500 more errors in this file from here on, not shown"),
        "{}",
        &err[err.len() - 500..]
    );
    // The merged entry is one error; repeated keys of other entries, and
    // keys nested in them, are each still reported (a review found the
    // grouping running into the next entry and hiding them).
    let (_, err) = check_one(
        b"family: f\ntitle: F\nlevels:\n  - id: a-one\n    level: A\n    title: A\n    id: a-two\n    level: B\n    title: B\n  - id: a-three\n    level: C\n    title: C\n    grade: 5\n    grade: 6\n    responsibilities:\n      intro: x\n      intro: y\n      items: [z]\n",
    );
    common::assert_reported(
        &err,
        &[
            (
                "f.yaml:7:5:",
                "`id` is written twice in this list entry (first on line 4), and so are `level`, `title`",
            ),
            (
                "f.yaml:14:5:",
                "`grade` is written twice here (first on line 13)",
            ),
            (
                "f.yaml:17:7:",
                "`intro` is written twice here (first on line 16)",
            ),
        ],
    );
    assert!(err.contains("3 error(s)"), "{err}");
    // A `#` inside a word is not the comment's: the caret goes to the one
    // after a space.
    let (_, err) =
        check_one(one_level("    description:\n      - Fix issue#42 and #42\n").as_bytes());
    assert!(
        err.contains("f.yaml:8:26: warning: `#42` is read as a YAML comment"),
        "{err}"
    );
    // In a flow list over several lines, a `#word` after a folded line or
    // after a `,` dropped text with no word (found by fuzzing).
    let (code, err) = check_one(one_level("    responsibilities:\n      items: [Post weekly in the\n        team channel #social-media, then report,\n        ]\n    requirements:\n      items: [Know the tools, #analytics and reporting\n        ]\n").as_bytes());
    assert_eq!(code, 0, "{err}");
    common::assert_reported(
        &err,
        &[
            ("f.yaml:9:22:", "`#social-media` is read as a YAML comment"),
            (
                "f.yaml:12:31:",
                "`#analytics and reporting` is read as a YAML comment",
            ),
        ],
    );
    // Nor a flow list with a quoted `#` or a spaced comment.
    let (_, err) = check_one(
        one_level("    responsibilities:\n      items: [a, \"b #c\", d] # note\n").as_bytes(),
    );
    assert!(err.contains("0 warning(s)"), "{err}");
    // A duplicate key inside `{…}` cannot be a missing `- `.
    let (_, err) = check_one(
        b"family: f\ntitle: F\nlevels:\n  - {id: f-one, level: A, title: T, id: f-two}\n",
    );
    assert!(
        err.contains("`id` is written twice here (first on line 4)"),
        "{err}"
    );
    // A list that does close, with a `,` missing inside, is not "never closed".
    let (_, err) =
        check_one(one_level("    responsibilities:\n      items: [\"a\" \"b\", c]\n").as_bytes());
    assert!(
        err.contains("f.yaml:8:19: error: YAML syntax error: a `,` or the end of the list or mapping was expected here (it starts at line 8, column 14)"),
        "{err}"
    );
    // A `%YAML` directive after content starts a second document: located.
    let (_, err) = check_one(
        b"family: f\ntitle: F\n%YAML 1.2\nlevels:\n  - id: f-one\n    level: A\n    title: A\n",
    );
    assert!(err.contains("f.yaml:3:1: error:"), "{err}");
    // A list item above the keys (a line pasted at the top) reads to libyaml
    // as "more than one document" with no `---` to show: the typed parse's
    // located error is kept (it had no line at all).
    let (_, err) = check_one(
        b"  - \"[Handbook](/handbook/)\"\n\nfamily: f\ntitle: F\nlevels:\n  - {id: f-a, level: A, title: A}\n",
    );
    assert!(
        err.contains("f.yaml:1:3: error: invalid type: sequence, expected a job family"),
        "{err}"
    );
    // A `%YAML` directive before the first `---` belongs to that document:
    // the `---` after it is not a second one.
    let (_, err) = check_one(
        b"%YAML 1.2\n---\n  - x\n\nfamily: f\ntitle: F\nlevels:\n  - {id: f-a, level: A, title: A}\n",
    );
    assert!(
        err.contains("f.yaml:3:3: error: invalid type: sequence, expected a job family"),
        "{err}"
    );
}

#[test]
fn text_length_is_counted_as_a_spreadsheet_counts_it() {
    // 20,000 emoji are 40,000 UTF-16 units for Excel: reported at the item
    // (the cell check found it first, at the level's line).
    let emoji = "\u{1F600}".repeat(20_000);
    let (code, err) = check_one(
        one_level(&format!(
            "    requirements:\n      items:\n        - \"{emoji}\"\n"
        ))
        .as_bytes(),
    );
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("f.yaml:9:11: error: text is 40000 characters long as written here"),
        "{err}"
    );
    // A text of exactly 32,767 fits, unless it starts with `=` in a text the
    // export tables hold: the safe CSV's `'` would make its cell 32,768
    // (said as a cell, at the text). Where no table holds it (a hiring
    // step), no `'` is ever put before it.
    for (field, text, ok) in [
        ("requirements", "b".repeat(32_767), true),
        ("requirements", format!("={}", "b".repeat(32_766)), false),
        ("hiring", format!("={}", "b".repeat(32_766)), true),
    ] {
        let level = if field == "hiring" {
            one_level("").replacen(
                "levels:",
                &format!("hiring_process:\n  steps:\n    - \"{text}\"\nlevels:"),
                1,
            )
        } else {
            one_level(&format!(
                "    requirements:\n      items:\n        - \"{text}\"\n"
            ))
        };
        let (code, err) = check_one(level.as_bytes());
        assert_eq!(code == 0, ok, "{field}: {}", &err[..err.len().min(400)]);
        if !ok {
            assert!(
                err.contains("f.yaml:9:11: error: table `items`, row 1 (role `f-one`), column `text`: 32768 characters as a spreadsheet counts them, with the `'` the safe CSV puts before a formula character"),
                "{}",
                &err[..err.len().min(600)]
            );
        }
    }
}

#[test]
fn pdf_without_a_role_names_both_ways_to_choose() {
    // The message named only `--role <ID>`, hiding `--all`.
    let (code, _, err) = run(&["pdf"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("<--role <ID>|--all>"), "{err}");
    let (code, _, err) = run(&["pdf", "--all", "--role", "senior-social"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("cannot be used with"), "{err}");
}

#[test]
fn two_levels_with_one_level_id_are_warned_about() {
    // A copied level left with its name: both rows of roles.csv carried
    // `level_id` `senior`, and nothing said so.
    let text = "family: fam\ntitle: T\nlevels:\n  - id: a-b\n    level: Senior\n    title: One\n  - id: c-d\n    level: \" senior \"\n    title: Two\n  - id: e-f\n    level: Staff\n    title: Three\n";
    assert_one_warning(
        text,
        "f.yaml:8:12: warning: role `c-d` has the same level as role `a-b` (line 5): both have level id `senior` in the exports",
    );
}

/// Panics unless `check` passes the family file `text` with exactly one
/// warning, `want`.
fn assert_one_warning(text: &str, want: &str) {
    let (code, err) = check_one(text.as_bytes());
    assert_eq!(code, 0, "a warning, not an error: {err}");
    assert!(err.contains(want), "{err}");
    assert!(err.contains("1 warning(s)"), "{err}");
}

#[test]
fn a_folder_of_role_files_inside_the_role_folder_is_warned_about() {
    // `roles/sales/inner.yaml` was skipped without a word: its roles were
    // in no output, and `check` said "ok".
    let dir = minimal_copy();
    for sub in ["sales", ".old", "assets"] {
        std::fs::create_dir(dir.path().join(sub)).unwrap();
    }
    std::fs::copy(
        "tests/fixtures/minimal/engineering.yaml",
        dir.path().join("sales/inner.yaml"),
    )
    .unwrap();
    std::fs::copy(
        "tests/fixtures/minimal/engineering.yaml",
        dir.path().join(".old/x.yaml"),
    )
    .unwrap();
    std::fs::write(dir.path().join("assets/logo.png"), b"x").unwrap();
    // Further down too.
    std::fs::create_dir_all(dir.path().join("archive/2024")).unwrap();
    std::fs::write(dir.path().join("archive/2024/old.yml"), b"x: 1\n").unwrap();
    let roles = dir.path().to_str().unwrap();
    let (code, err) = check(Path::new(roles));
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("sales: warning: the folder `sales` holds YAML files (`inner.yaml`…), which are not read"),
        "{err}"
    );
    assert!(
        err.contains("archive: warning: the folder `archive` holds YAML files (`2024/old.yml`…)"),
        "{err}"
    );
    assert!(err.contains("2 warning(s)"), "{err}");
    // A nightly build says so in its log and summary.
    let out = tempfile::tempdir().unwrap();
    let (code, summary, err) = run(&[
        "--roles",
        roles,
        "build",
        "-o",
        out.path().to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("jdgen: warning: "), "{err}");
    let summary: serde_json::Value = serde_json::from_str(&summary).unwrap();
    assert!(
        summary["warnings"].as_array().unwrap().iter().any(|w| w
            .as_str()
            .unwrap()
            .contains("the folder `sales` holds YAML files")),
        "{summary}"
    );
}

#[test]
fn a_json_style_escaped_emoji_is_told_how_yaml_writes_it() {
    // `json.dumps` writes 😀 as `\ud83d\ude00`; YAML refused it with no
    // help.
    let text = "family: fam\ntitle: T\nlevels:\n  - id: a-b\n    level: A\n    title: \"Role \\ud83d\\ude00\"\n";
    let (code, err) = check_one(text.as_bytes());
    assert_eq!(code, 1, "{err}");
    // At the escape's `\`, where libyaml's mark is at its first digit.
    assert!(err.contains("f.yaml:6:18: "), "{err}");
    assert!(
        err.contains("help: `\\ud83d\\ude00` writes one character in two halves, as JSON does; YAML reads neither half: write `\\U0001F600` (capital U, eight digits) or the character itself (😀)"),
        "{err}"
    );
}

#[test]
fn structural_mistakes_each_get_a_help() {
    // Each was an error with no help line.
    let cases: &[(&str, &str)] = &[
        ("levels: []\n", "help: list the levels under `levels:`"),
        (
            "levels: {}\n",
            "help: this holds a list: put each entry on a line of its own",
        ),
        // A yes/no or a number where a list goes: no help, and "expected
        // a sequence".
        (
            "levels:\n  - id: a-b\n    level: A\n    title: X\n    description: true\n",
            "description: invalid type: boolean `true`, expected a list",
        ),
        (
            "levels:\n  - id: a-b\n    level: A\n    title: X\n    description: 5\n",
            "help: this holds a list: put each entry on a line of its own",
        ),
        (
            "levels:\n  - id: a-b\n    level: A\n    title: X\n    ? [a, b]\n    : c\n",
            "help: a key is a word such as `title`",
        ),
        (
            "levels:\n  - id: a-b\n    level: A\n    title: X\n    responsibilities:\n      items:\n        - \"[x](<https://e.test/x>)\"\n",
            "help: remove the `<` and `>` around the address",
        ),
        (
            "levels:\n  - id: a-b\n    level: A\n    title: X\n    responsibilities:\n      items:\n        - \"[x](https://example.com:99999/x)\"\n",
            "help: not an address a browser opens: check the host name and the port",
        ),
        // A right-to-left mark a Hebrew editor left at the end.
        (
            "levels:\n  - id: a-b\n    level: A\n    title: X\n    responsibilities:\n      items:\n        - \"[x](https://a.test/x\\u200f)\"\n",
            "help: the address holds an invisible character (a direction mark",
        ),
    ];
    for (body, help) in cases {
        let (code, err) = check_one(format!("family: fam\ntitle: T\n{body}").as_bytes());
        assert_eq!(code, 1, "{err}");
        assert!(err.contains(help), "{body}: {err}");
    }
}

#[test]
fn type_errors_count_levels_and_items_as_people_do() {
    // serde's `levels[1].title` read as the first level.
    let head = "family: fam\ntitle: T\nlevels:\n  - id: a-b\n    level: A\n    title: X\n";
    for (rest, want) in [
        (
            "    responsibilities:\n      items:\n        - ok\n        - [x]\n",
            "f.yaml:10:11: error: level 1 (`a-b`), responsibilities.items #2: invalid type: sequence, expected a string",
        ),
        (
            "  - id: c-d\n    level: C\n    title: [1, 2]\n",
            "f.yaml:9:12: error: level 2 (`c-d`), title: invalid type: sequence, expected a string",
        ),
        // A level without an id between two with one: named by its place
        // only (it was named by the next level's id, sending the reader
        // to a level with nothing wrong).
        (
            "  - level: C\n    title: Y\n  - id: e-f\n    level: E\n    title: Z\n",
            "f.yaml:7:5: error: level 2: missing field `id`",
        ),
    ] {
        let (code, err) = check_one(format!("{head}{rest}").as_bytes());
        assert_eq!(code, 1, "{err}");
        assert!(err.contains(want), "{err}");
        assert!(!err.contains("levels["), "{err}");
    }
    // A missing field is shown as it is written (it was "add the field").
    for (text, help) in [
        (
            "family: f\ntitle: F\n",
            "help: add the field: `levels:`, then each level as `  - id: senior-social`",
        ),
        (
            "family: f\ntitle: F\nlevels:\n  - id: f-a\n    title: A\n",
            "help: add the field: `level: Senior` (see docs/role-format.md)",
        ),
    ] {
        let (code, err) = check_one(text.as_bytes());
        assert_eq!(code, 1, "{err}");
        assert!(err.contains(help), "{err}");
    }
    // Lists outside levels alike (they read `sections[0].items[1]`).
    let levels = "levels:\n  - {id: a-b, level: A, title: X}\n";
    for (head, want) in [
        (
            "family: fam\ntitle: T\nresponsibilities:\n  items:\n    - x\n    - [y]\n",
            "f.yaml:6:7: error: responsibilities.items #2: invalid type: sequence",
        ),
        (
            "family: fam\ntitle: T\nsections:\n  - heading: h\n    items:\n      - x\n      - [y]\n",
            "f.yaml:7:9: error: sections #1.items #2: invalid type: sequence",
        ),
    ] {
        let (code, err) = check_one(format!("{head}{levels}").as_bytes());
        assert_eq!(code, 1, "{err}");
        assert!(err.contains(want), "{err}");
    }
}

#[test]
fn a_comment_in_running_text_is_found_on_a_continuation_line_too() {
    let text = "family: fam\ntitle: T\nlevels:\n  - id: a-b\n    level: A\n    title: X\n    responsibilities:\n      items:\n        - Own the pipeline and\n          grow the # of leads\n        - Another one that\n          wraps  # a note\n";
    assert_one_warning(
        text,
        "f.yaml:10:20: warning: `# of leads` is read as a YAML comment, so the text ends before it",
    );
}

#[test]
fn an_empty_list_is_told_what_goes_in_it() {
    let head = "family: fam\ntitle: T\nlevels:\n  - id: a-b\n    level: A\n    title: X\n";
    for (list, help) in [
        (
            "    responsibilities:\n      items: []\n",
            "help: write its entries under `items:`, one `- text` line each, or remove the list",
        ),
        (
            "    responsibilities:\n      intro: Then\n",
            "help: add `items:` with its entries, one `- text` line each, or remove the list",
        ),
    ] {
        let text = format!("{head}{list}");
        assert_one_warning(&text, "warning: list has no items");
        assert_one_warning(&text, help);
    }
}

#[test]
fn an_optional_key_left_without_a_value_is_warned_about() {
    // `grade:` with nothing after it made a level without a grade, silently.
    let head = "family: fam\ntitle: T\nlevels:\n  - id: a-b\n    level: A\n    title: X\n";
    for (rest, want) in [
        (
            "    grade:\n",
            "f.yaml:7:10: warning: `grade:` has no value, so it counts as not written",
        ),
        (
            "    grade:\n",
            "help: write the grade (`grade: 7`), or remove the key",
        ),
        (
            "    reports_to:\n",
            "f.yaml:7:15: warning: `reports_to:` has no value, so it counts as not written",
        ),
        // A bare `items:` is told once, by the empty list's own warning.
        (
            "    responsibilities:\n      items:\n",
            "warning: list has no items",
        ),
        (
            "    responsibilities:\n      builds_on:\n      items: [x]\n",
            "help: write the role id of the level this list extends, or remove the key",
        ),
    ] {
        assert_one_warning(&format!("{head}{rest}"), want);
    }
    // `~` and `null` say "none" on purpose.
    for none in ["~", "null"] {
        let (code, err) =
            check_one(format!("{head}    grade: {none}\n    reports_to: {none}\n").as_bytes());
        assert_eq!(code, 0, "{err}");
        assert!(err.contains("0 warning(s)"), "{err}");
    }
    // A required one is an error, as before.
    let (code, err) =
        check_one(b"family: fam\ntitle:\nlevels:\n  - id: a-b\n    level: A\n    title: X\n");
    assert_eq!(code, 1, "{err}");
    assert!(!err.contains("has no value"), "{err}");
}

#[test]
fn a_file_that_is_one_text_or_a_list_is_told_what_a_role_file_is() {
    for text in ["These are my notes.\n", "- a\n- b\n"] {
        let (code, err) = check_one(text.as_bytes());
        assert_eq!(code, 1, "{err}");
        assert!(
            err.contains("f.yaml:1:1: error: invalid type: ")
                && err.contains("help: a role file is a mapping that starts with `family:`, `title:` and `levels:`"),
            "{err}"
        );
    }
}

#[test]
fn a_role_folder_given_as_an_argument_is_told_about_roles() {
    let (code, _, err) = run(&["check", "tests/fixtures/minimal"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("help: to read the role folder tests/fixtures/minimal, pass it as `--roles tests/fixtures/minimal`"),
        "{err}"
    );
    // A role file names its folder; a name with a space is quoted.
    let (_, _, err) = run(&["check", "tests/fixtures/minimal/engineering.yaml"]);
    assert!(
        err.contains("pass it as `--roles tests/fixtures/minimal`"),
        "{err}"
    );
    let tmp = tempfile::tempdir().unwrap();
    let spaced = tmp.path().join("my roles");
    std::fs::create_dir(&spaced).unwrap();
    std::fs::copy(
        "tests/fixtures/minimal/company.yaml",
        spaced.join("company.yaml"),
    )
    .unwrap();
    let (_, _, err) = run(&["check", spaced.to_str().unwrap()]);
    assert!(
        err.contains(&format!("pass it as `--roles '{}'`", spaced.display())),
        "{err}"
    );
    // A folder named like an option is passed as `./-r`.
    let dashed = tmp.path().join("-r");
    std::fs::create_dir(&dashed).unwrap();
    std::fs::copy(
        "tests/fixtures/minimal/company.yaml",
        dashed.join("company.yaml"),
    )
    .unwrap();
    let o = jdgen()
        .current_dir(tmp.path())
        .args(["check", "--", "-r"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("pass it as `--roles ./-r`"), "{err}");
    // Not for what is no role folder, nor for another argument clap
    // refused beside a good --roles.
    let (code, _, err) = run(&["check", "src"]);
    assert_eq!(code, 2);
    assert!(!err.contains("--roles src"), "{err}");
    for wrong in ["--bogus", "src"] {
        let (code, _, err) = run(&["check", "--roles", "tests/fixtures/minimal", wrong]);
        assert_eq!(code, 2);
        assert!(!err.contains("help: to read the role folder"), "{err}");
    }
}

#[test]
fn a_family_wide_item_too_long_for_a_cell_is_one_error_at_the_item() {
    // 3,000 links spelled out as `x (https://…/p)`: one family-wide item
    // shown by every level. It was three errors, one at each `- id:` line.
    let links = vec!["[x](/p)"; 3_000].join(" ");
    let text = format!(
        "family: fam\ntitle: T\nresponsibilities:\n  items:\n    - \"{links}\"\nlevels:\n{}",
        ["a", "b", "c"]
            .map(|l| format!("  - id: {l}\n    level: {l}\n    title: {l}\n"))
            .concat()
    );
    let (code, err) = check_one(text.as_bytes());
    assert_eq!(code, 1, "{err}");
    assert_eq!(err.matches("error:").count(), 1, "{err}");
    assert!(
        err.contains("f.yaml:5:7: error: table `items`, row 1 (role `a`), column `text`")
            && err.contains("also in 2 more row(s), of role(s) b, c"),
        "{err}"
    );
}

#[test]
fn blank_ids_and_values_are_said_in_words() {
    // "invalid role id ` `", "the logo `` is not an SVG…": a pair of
    // backticks around spaces reads as a typo in the message.
    let (code, err) = check_one(
        b"family: \"  \"\ntitle: T\nlevels:\n  - id: \" \"\n    level: A\n    title: X\n    grade: \" \"\n",
    );
    assert_eq!(code, 1, "{err}");
    for want in [
        "f.yaml:1:9: error: the family id is blank: expected lowercase words joined by `-`",
        "f.yaml:4:9: error: the role id is blank: expected lowercase letters and digits",
        "f.yaml:7:12: error: expected a whole number from 1 to 1000 for the job grade, found blank text",
    ] {
        assert!(err.contains(want), "{want}\n{err}");
    }
    let dir = with_company(&[]);
    common::edit(&dir.path().join("company.yaml"), |t| {
        format!("{t}logo: \"\"\ngrades_url: \"  \"\n")
    });
    let (code, err) = check(dir.path());
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("error: the logo is blank text, which is not an SVG, PNG or JPEG file")
            && err.contains("error: `grades_url` is not a usable link: blank text"),
        "{err}"
    );
}

#[test]
fn the_same_long_item_in_two_levels_is_reported_at_each() {
    // The place was the first item of the file with the same text: a
    // level's own copy was never named.
    let links = vec!["[x](/p)"; 3_000].join(" ");
    let level =
        |id: &str, extra: &str| format!("  - id: {id}\n    level: {id}\n    title: {id}\n{extra}");
    let own = format!("    requirements:\n      items:\n        - \"{links}\"\n");
    let text = format!(
        "family: fam\ntitle: T\nlevels:\n{}{}{}",
        level("a", &own),
        level(
            "b",
            "    requirements:\n      builds_on: a\n      items: [More]\n"
        ),
        level("c", &own),
    );
    let (code, err) = check_one(text.as_bytes());
    assert_eq!(code, 1, "{err}");
    assert_eq!(err.matches("error:").count(), 2, "{err}");
    assert!(
        err.contains("f.yaml:9:11: error: table `items`")
            && err.contains("also in 1 more row(s), of role(s) b"),
        "{err}"
    );
    assert!(err.contains("f.yaml:21:11: error: table `items`"), "{err}");
}

#[test]
fn a_blank_or_spaced_role_id_asked_for_is_said_so() {
    let (code, _, err) = run(&["show", " senior-social"]);
    assert_eq!(code, 2);
    assert!(err.contains("did you mean `senior-social`?"), "{err}");
    let (code, _, err) = run(&["show", "  "]);
    assert_eq!(code, 2);
    assert!(
        err.contains("error: the role id asked for is blank"),
        "{err}"
    );
    let (code, err) = check_one(
        b"family: fam\ntitle: T\nlevels:\n  - id: \"  \"\n    level: \" \"\n    title: X\n",
    );
    assert_eq!(code, 1);
    assert!(
        err.contains("f.yaml:5:12: error: a role with a blank id has an empty level name"),
        "{err}"
    );
}

#[test]
fn a_key_indented_with_no_break_spaces_is_told_to_retype_them() {
    // `\u{a0}\u{a0}\u{a0} title: X` at a level's place: YAML reads the
    // spaces as text, so the level lacked its title (the only error said)
    // or, with a title, the file got a top-level key whose help said
    // "`title` is also written at line 2: delete one" (the family's
    // title).
    let head = "family: fam\ntitle: A\nlevels:\n  - id: a-b\n    level: A\n";
    let nbsp = "\u{a0}\u{a0}\u{a0} ";
    for (body, at, said) in [
        (
            format!("{nbsp}title: X\n"),
            "f.yaml:6:1:",
            "a no-break space (U+00A0) stands in the indentation of `title:`",
        ),
        (
            format!("    title: Y\n{nbsp}title: X\n"),
            "f.yaml:7:1:",
            "unknown key `\\u{a0}\\u{a0}\\u{a0} title`",
        ),
        (
            format!("    title: Y\n{nbsp}grade: 5\n"),
            "f.yaml:7:1:",
            "unknown key `\\u{a0}\\u{a0}\\u{a0} grade`",
        ),
        // In the middle of a level: a syntax error on the next line, whose
        // help was to quote a text with `: `.
        (
            "\u{a0}\u{a0}\u{a0}\u{a0}title: X\n    grade: 5\n".to_string(),
            "f.yaml:6:1:",
            "a no-break space (U+00A0) stands in the indentation of `title:`",
        ),
    ] {
        let (code, err) = check_one(format!("{head}{body}").as_bytes());
        assert_eq!(code, 1, "{err}");
        assert!(
            err.contains(&format!("{at} error: ")) && err.contains(said),
            "{err}"
        );
        assert!(err.contains("help: retype the indentation"), "{err}");
        assert!(!err.contains("delete"), "{err}");
        assert_eq!(err.matches("error:").count(), 1, "{err}");
    }
    // Before a list, one space pasted into a key's indentation gave two
    // errors for it (an unknown key besides) and a warning that the next
    // list item was "indented deeper": one error now, nothing else.
    let body = "    title: X\n\u{a0}   grade: 5\n    responsibilities:\n      items:\n        - Write code\n";
    let (code, err) = check_one(format!("{head}{body}").as_bytes());
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains(
            "f.yaml:7:1: error: a no-break space (U+00A0) stands in the indentation of `grade:`"
        ),
        "{err}"
    );
    assert!(err.contains("1 error(s), 0 warning(s)"), "{err}");
    // The fix works: ordinary spaces.
    let (code, err) = check_one(format!("{head}    title: X\n").as_bytes());
    assert_eq!(code, 0, "{err}");
}

#[test]
fn a_pasted_space_or_invisible_character_in_the_layout_is_named_where_it_is() {
    // Text pasted from a web page or a word processor brings no-break and
    // zero-width spaces. In a key, the message read "unknown key `title`,
    // did you mean `title`?" (and "missing field `title`" besides); after a
    // `:` or `-`, or in the indentation, libyaml failed a line later about
    // keys or indentation, with help that did not apply.
    let base = "family: tf\ntitle: TF\nlevels:\n  - id: tf-one\n    level: One\n    title: TF One\n    grade: 5\n    responsibilities:\n      items:\n        - a\n        - b\n";
    for (from, to, at, what) in [
        (
            "    title: TF",
            "    title\u{200b}: TF",
            "f.yaml:6:5:",
            "unknown key `title\\u{200b}`: it holds a zero-width space (U+200B)",
        ),
        (
            "    title: TF",
            "    title\u{a0}: TF",
            "f.yaml:6:5:",
            "unknown key `title\\u{a0}`: it holds a no-break space (U+00A0)",
        ),
        (
            "    grade: 5",
            "    grade:\u{a0}5",
            "f.yaml:7:11:",
            "a no-break space (U+00A0) stands where YAML needs an ordinary space",
        ),
        (
            "        - a",
            "        -\u{a0}a",
            "f.yaml:10:10:",
            "a no-break space (U+00A0) stands where YAML needs an ordinary space",
        ),
        (
            "    title: TF",
            "  \u{3000}  title: TF",
            "f.yaml:6:3:",
            "an ideographic space (U+3000) stands in the indentation of `title:`, where YAML needs ordinary spaces",
        ),
        (
            "  - id: tf-one",
            "  - id:\u{a0}tf-one",
            "f.yaml:4:8:",
            "a no-break space (U+00A0) stands where YAML needs an ordinary space",
        ),
    ] {
        let text = base.replacen(from, to, 1);
        assert_ne!(text, base);
        let (code, err) = check_one(text.as_bytes());
        assert_eq!(code, 1, "{to:?}: {err}");
        common::assert_reported(&err, &[(at, what)]);
        // One error, no warning that follows from it, and no help that
        // does not apply; the message shows the character escaped (the
        // excerpt below it shows the line as it is).
        assert!(err.contains("1 error(s), 0 warning(s)"), "{to:?}: {err}");
        assert!(
            err.contains("delete it: the key is then `title`")
                || err.contains("retype it as an ordinary space")
                || err.contains("retype the indentation as ordinary spaces"),
            "{to:?}: {err}"
        );
        let headline = err.lines().next().unwrap();
        assert!(
            !headline.contains(['\u{a0}', '\u{200b}', '\u{3000}']),
            "{err}"
        );
    }
    // Where the key is also written plainly, deleting the character would
    // make a duplicate key: the help says so instead.
    let text = base.replacen(
        "    title: TF One\n",
        "    title: TF One\n    title\u{200b}: TF Two\n",
        1,
    );
    let (code, err) = check_one(text.as_bytes());
    assert_eq!(code, 1, "{err}");
    common::assert_reported(
        &err,
        &[(
            "f.yaml:7:5:",
            "unknown key `title\\u{200b}`: it holds a zero-width space (U+200B)",
        )],
    );
    assert!(
        err.contains("`title` is also written at line 6: delete one of the two keys"),
        "{err}"
    );
    assert!(!err.contains("the key is then"), "{err}");
    // Text may hold such spaces: `- Note:\u{a0}a` is an item.
    let text = base.replacen("        - a", "        - Note:\u{a0}a", 1);
    assert_eq!(check_one(text.as_bytes()).0, 0);
    // ...and an error elsewhere is not taken for one: text indented with
    // them (a block, a text's next line, a list's) beside another error
    // keeps that error, where it is.
    let levels = "levels:\n  - id: a\n    level: Senior\n    title: Senior A\n";
    for (text, at, what) in [
        (
            "summary: |\n  \u{3000}当社は開発者のためのプラットフォームです。\nsections: 概要\n",
            "f.yaml:5:11:",
            "sections: invalid type: string",
        ),
        (
            "summary: |\n  Line one\n  \u{a0}indented\nintro: \"Quoted\" then more\n",
            "f.yaml:6:17:",
            "did not find expected key",
        ),
        (
            "summary: We build things\n  Note:\u{a0}this is text\nsections: abc\n",
            "f.yaml:5:11:",
            "sections: invalid type: string",
        ),
        (
            "intro: [First item,\n  Note:\u{a0}second item,\n  \"third\" item]\n",
            "f.yaml:5:11:",
            "a `,` or the end of the list or mapping was expected here",
        ),
        (
            "summary: |\n  \u{a0}indented\nsections: see line 4\n",
            "f.yaml:5:11:",
            "sections: invalid type: string",
        ),
    ] {
        let (code, err) = check_one(format!("family: f\ntitle: T\n{text}{levels}").as_bytes());
        assert_eq!(code, 1, "{text:?}: {err}");
        common::assert_reported(&err, &[(at, what)]);
        assert!(!err.contains("stands where YAML needs"), "{text:?}: {err}");
    }
    // A warning elsewhere in the file stays.
    let (code, err) = check_one(
        "family: f\ntitle: T\nintro:\n  - Maintain pipelines\n    - Fix failing tests\nlevels:\n  - id: a\n    level: Senior\n    title:\u{a0}Senior A\n    grade: 5\n"
            .as_bytes(),
    );
    assert_eq!(code, 1, "{err}");
    common::assert_reported(
        &err,
        &[
            ("f.yaml:9:11:", "a no-break space (U+00A0) stands where"),
            ("f.yaml:5:5:", "`- Fix failing tests` is indented deeper"),
        ],
    );
    // A key that is no known one but for the space still gets its
    // did-you-mean.
    let typo = base.replacen("    title: TF", "    title: TF\n    titel\u{200b}: x", 1);
    let (_, err) = check_one(typo.as_bytes());
    assert!(err.contains("delete it; did you mean `title`?"), "{err}");
}

#[test]
fn a_quoted_title_continued_at_its_key_s_indentation_is_read_and_placed() {
    // Valid YAML (libyaml and PyYAML read it) that the position pass could
    // not: `grade: 3` was then read at `- id:` and refused, and a later
    // error was placed at the level's start.
    let dir = minimal_copy();
    let d = dir.path();
    let file = d.join("engineering.yaml");
    let yaml = std::fs::read_to_string(&file).unwrap();
    let continued = yaml.replace(
        "    title: Junior Engineer\n",
        "    title: \"Junior\n    Engineer\"\n",
    );
    std::fs::write(&file, &continued).unwrap();
    let (code, err) = check(d);
    assert_eq!(code, 0, "{err}");
    let out = show(d, &["junior-engineer"]);
    assert!(out.contains("title: Junior Engineer"), "{out}");
    std::fs::write(
        &file,
        continued.replace("- Mentor others", "- Mentor [others](ftp://x)"),
    )
    .unwrap();
    let (code, err) = check(d);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("engineering.yaml:25:27: error: link target `ftp://x` is not allowed"),
        "{err}"
    );
}

#[test]
fn a_key_missing_its_colon_is_placed_at_its_line() {
    // libyaml fails a line later (past the end for a file's last line, with
    // no line to show) and no help said what was wrong.
    let dir = minimal_copy();
    let d = dir.path();
    let file = d.join("engineering.yaml");
    let yaml = std::fs::read_to_string(&file).unwrap();
    for (typo, at, help) in [
        ("    grade 7", "engineering.yaml:19:5:", "`grade: 7`"),
        ("    grade:7", "engineering.yaml:19:5:", "`grade: 7`"),
    ] {
        std::fs::write(&file, yaml.replace("    grade: 7", typo)).unwrap();
        let (code, err) = check(d);
        assert_eq!(code, 1, "{err}");
        assert!(
            err.contains(&format!("{at} error: YAML syntax error")),
            "{err}"
        );
        assert!(err.contains(&format!(" 19 | {typo}\n")), "{err}");
        assert!(err.contains(help), "{err}");
    }
    // A line that is no key at all: still at its own line, not the next.
    let (code, err) = check_edited(d, "    grade: 7", "    \"[a]: x\"");
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("engineering.yaml:19:5: error: YAML syntax error"),
        "{err}"
    );
    assert!(err.contains("a line of a mapping is `key: value`"), "{err}");
}

#[test]
fn yaml_s_no_break_space_escape_written_for_an_underscore_is_warned_about() {
    // `"snake\_case"`: Markdown's escaped underscore, but in double quotes
    // YAML's escape for U+00A0; the underscores were gone, silently.
    let dir = minimal_copy();
    let d = dir.path();
    let file = d.join("engineering.yaml");
    let yaml = std::fs::read_to_string(&file).unwrap();
    let write = |item: &str| {
        std::fs::write(&file, yaml.replace("- Curiosity", &format!("- {item}"))).unwrap()
    };
    write(r#""use snake\_case\_name""#);
    let (code, err) = check(d);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("engineering.yaml:15:21: warning: in double quotes `\\_` is YAML's escape for a no-break space"),
        "{err}"
    );
    // Either fix the help gives prints the underscores, and is quiet.
    for fixed in [r#""use snake\\_case\\_name""#, r"'use snake\_case\_name'"] {
        write(fixed);
        let (code, err) = check(d);
        assert_eq!(code, 0, "{err}");
        assert!(err.contains("0 warning(s)"), "{fixed}: {err}");
        let out = show(d, &["junior-engineer", "--format", "json"]);
        assert!(out.contains("\"plain\": \"use snake_case_name\""), "{out}");
    }
    // A no-break space typed as itself is no escape: nothing to say, also
    // beside a `\\_` (the escaped backslash's `_` is no escape either).
    write("\"use\u{a0}this and a\\\\_b\"");
    let (_, err) = check(d);
    assert!(err.contains("0 warning(s)"), "{err}");
    // At the escape, not at an escaped backslash's `_` before it.
    write(r#""C:\\_tmp and snake\_case""#);
    let (_, err) = check(d);
    assert!(
        err.contains("engineering.yaml:15:30: warning: in double quotes"),
        "{err}"
    );
}

#[test]
fn a_misspelt_key_beside_the_key_it_resembles_is_not_told_to_become_it() {
    // "did you mean `title`?" beside a `title:`: renaming it made a
    // duplicate key.
    let dir = minimal_copy();
    let d = dir.path();
    let (code, err) = check_edited(
        d,
        "    title: Junior Engineer\n",
        "    title: Junior Engineer\n    titel: U\n",
    );
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("engineering.yaml:8:5: error: unknown key `titel`"),
        "{err}"
    );
    assert!(
        err.contains("`title` is already written at line 7"),
        "{err}"
    );
    assert!(!err.contains("did you mean"), "{err}");
    // Alone, the guess stands.
    let (_, err) = check_edited(d, "    title: Junior Engineer\n", "    titel: U\n");
    assert!(err.contains("did you mean `title`?"), "{err}");
}

#[test]
fn a_list_item_missing_the_space_after_its_dash_is_told_so() {
    let dir = minimal_copy();
    let d = dir.path();
    let (code, err) = check_edited(d, "  - id: junior-engineer", "  -id: junior-engineer");
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("put a space after the `-` that starts a list item: `- id: junior-engineer`"),
        "{err}"
    );
    // At the `-`, not at the next key, where nothing is wrong.
    assert!(err.contains("engineering.yaml:5:3: error:"), "{err}");
    // A zero-width space before a key: deleted, not retyped as a space.
    let (code, err) = check_edited(d, "    title: Junior", "    \u{200b}title: Junior");
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("help: delete it: YAML reads a zero-width space"),
        "{err}"
    );
}

#[test]
fn an_invisible_character_before_a_key_is_told_to_be_deleted() {
    // A byte order mark at the start of a later line: "retype the
    // indentation as ordinary spaces" gave ` title: T`, a new error.
    let dir = minimal_copy();
    let d = dir.path();
    let file = d.join("engineering.yaml");
    let yaml = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, yaml.replacen("title: ", "\u{feff}title: ", 1)).unwrap();
    let (code, err) = check(d);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("engineering.yaml:2:1: error: a byte order mark (U+FEFF)"),
        "{err}"
    );
    assert!(err.contains("help: delete it"), "{err}");
    // As the help says.
    std::fs::write(&file, &yaml).unwrap();
    let (code, err) = check(d);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn a_hint_of_several_lines_is_a_help_line_each() {
    // Typst's "the following values were observed:" and one line per
    // value printed as one line with `\n` in it.
    let dir = minimal_copy();
    let d = dir.path();
    let t = d.join("tpl");
    std::fs::create_dir_all(&t).unwrap();
    std::fs::write(
        t.join("main.typ"),
        "#let c = counter(\"x\")\n#context { c.update(c.final().first() + 1) }\n= Hi\n",
    )
    .unwrap();
    let (code, _, err) = run(&[
        "--roles",
        d.to_str().unwrap(),
        "pdf",
        "--role",
        "senior-engineer",
        "--template",
        t.join("main.typ").to_str().unwrap(),
        "-o",
        d.join("o.pdf").to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("= help: the following values were observed:\n"),
        "{err}"
    );
    assert!(err.contains("\n  = help: - run 1: 0\n"), "{err}");
    assert!(!err.contains("\\n"), "{err}");
}

#[test]
fn the_documented_example_template_renders_with_a_region_in_the_language() {
    // docs/templates.md's example passed `en-GB` whole to `text(lang:)`,
    // which Typst refuses: every role failed.
    let docs = std::fs::read_to_string("docs/templates.md").unwrap();
    let section = docs.split("## Writing a template").nth(1).unwrap();
    let example = section
        .split("```typst\n")
        .nth(1)
        .and_then(|s| s.split("```").next())
        .unwrap();
    let dir = minimal_copy();
    let d = dir.path();
    let company = std::fs::read_to_string(d.join("company.yaml")).unwrap();
    std::fs::write(
        d.join("company.yaml"),
        format!("{company}language: en-GB\n"),
    )
    .unwrap();
    let t = tempfile::tempdir().unwrap();
    std::fs::write(t.path().join("doc.typ"), example).unwrap();
    let out = d.join("o.pdf");
    let (code, _, err) = run(&[
        "--roles",
        d.to_str().unwrap(),
        "pdf",
        "--role",
        "senior-engineer",
        "--template",
        t.path().join("doc.typ").to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(common::pdf_text(&out).contains("Mentor others"));
}

#[test]
fn a_key_holding_dots_or_empty_is_reported_where_it_is_written() {
    // `"levels.0.title"` at the top level was placed at the first level's
    // `title:` (the dotted path named that key), and `""` at its level's
    // first line, with an empty name between the backticks.
    let dir = minimal_with(
        "f.yaml",
        "family: al\ntitle: T\nlevels:\n  - id: al-a\n    level: A\n    title: X\n    \"\": empty\n    \"requirements.items\": z\n\"levels.0.title\": oops\ntitle.en: E\n",
    );
    let (code, err) = check(dir.path());
    assert_eq!(code, 1, "{err}");
    common::assert_reported(
        &err,
        &[
            ("f.yaml:7:5:", "unknown key `\"\"`: the key is empty"),
            ("f.yaml:8:5:", "unknown key `requirements.items`"),
            ("f.yaml:9:1:", "unknown key `levels.0.title`"),
        ],
    );
    assert!(
        err.contains("help: YAML reads a key with dots as one key, not as a path: write what it holds inside `requirements:`"),
        "{err}"
    );
    assert!(!err.contains("did you mean `requirements`"), "{err}");
    // A text takes no keys: no help to nest under it.
    assert!(
        err.contains(
            "`title` has no key `en`: delete this key, or write what it holds where it belongs"
        ),
        "{err}"
    );
}

#[test]
fn a_comment_that_hides_a_flow_list_s_comma_or_bracket_is_told_so() {
    // `[Use C #tags, and more]`: the comment hid the `]`, and the help said
    // "close it with `]`" (already there) or, on two lines, "put a `,`
    // between two entries" (already there).
    let dir = minimal_copy();
    let d = dir.path();
    let file = d.join("engineering.yaml");
    let yaml = std::fs::read_to_string(&file).unwrap();
    for (list, at) in [
        ("[Use C #tags, and more]", "engineering.yaml:9:25:"),
        ("[Use C #tags,\n      and more]", "engineering.yaml:9:25:"),
        ("[first, Use C #tags]", "engineering.yaml:9:32:"),
    ] {
        let with = |list: &str| {
            yaml.replace(
                "    grade: 5\n",
                &format!("    grade: 5\n    description: {list}\n"),
            )
        };
        std::fs::write(&file, with(list)).unwrap();
        let (code, err) = check(d);
        assert_eq!(code, 1, "{err}");
        assert!(
            err.contains(&format!("{at} error: YAML syntax error: ` #` starts a comment here, inside the list or mapping that opens at line 9, column 18")),
            "{list}: {err}"
        );
        assert!(
            err.contains(
                "help: put the text that holds the `#` in double quotes: `\"Use C #tags\"`"
            ),
            "{list}: {err}"
        );
        // One report at the `#`, not a warning beside the error.
        assert!(err.contains("1 error(s), 0 warning(s)"), "{list}: {err}");
        // The help, applied, passes and keeps every entry.
        std::fs::write(&file, with(&list.replace("Use C #tags", "\"Use C #tags\""))).unwrap();
        let (code, err) = check(d);
        assert_eq!(code, 0, "{list}: {err}");
        let out = show(d, &["junior-engineer"]);
        assert!(out.contains("Use C #tags"), "{out}");
    }
    // A comment that hides no `,` or `]` is a comment.
    let (code, err) = check_edited(
        d,
        "    grade: 5\n",
        "    grade: 5\n    description: [one, # a note\n      two]\n",
    );
    assert_eq!(code, 0, "{err}");
}

#[test]
fn a_link_with_no_text_is_reported_at_the_link() {
    // It was placed at the start of its text, while every other link error
    // points into the link.
    let dir = minimal_copy();
    let d = dir.path();
    common::edit(&d.join("engineering.yaml"), |yaml| {
        yaml.replace(
            "        - Write code\n",
            "        - 'see the [ ](/y) page'\n        - see the [  ](/z) page\n        - Same [x](/t) and [ ](/t)\n",
        )
    });
    let (code, err) = check(d);
    assert_eq!(code, 1, "{err}");
    common::assert_reported(
        &err,
        &[
            ("engineering.yaml:11:20:", "the link to `/y` has no text"),
            ("engineering.yaml:12:19:", "the link to `/z` has no text"),
            // Not at the `](/t` of the link before it, to the same place.
            ("engineering.yaml:13:28:", "the link to `/t` has no text"),
        ],
    );
}

#[test]
fn an_escaped_invisible_character_in_a_quoted_key_is_told_plainly() {
    // `"\u200btitle": x` is where it looks to be: the help spoke of the
    // key's place and named the mapping `levels.0`.
    let dir = minimal_copy();
    let d = dir.path();
    let (code, err) = check_edited(
        d,
        "    title: Junior Engineer\n",
        "    \"\\u200btitle\": Junior Engineer\n",
    );
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains(
            "engineering.yaml:7:5: error: unknown key `\\u{200b}title`: it holds a zero-width space"
        ),
        "{err}"
    );
    assert!(
        err.contains("help: delete it: the key is then `title`"),
        "{err}"
    );
    // Raw, beside a real `title:`: the mapping by its level, and deleting
    // it alone would make the key twice.
    let (code, err) = check_edited(
        d,
        "    title: Junior Engineer\n",
        "    title: Junior Engineer\n    \u{200b}title: X\n",
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("as a key of level 1;"), "{err}");
    assert!(
        err.contains("(`title` is also written at line 7: keep one of the two)"),
        "{err}"
    );
}

#[test]
fn a_broken_company_file_does_not_hide_the_family_files_errors() {
    // Its errors came alone; the family files' showed only once it was
    // fixed, although `check` reports every problem in one run.
    let dir = minimal_with("company.yml", "name: X\n");
    let d = dir.path();
    std::fs::write(d.join("company.yaml"), "name: X\nwebsite: nope\n").unwrap();
    let (code, err) = check_edited(d, "title: Software Engineer\n", "titel: X\n");
    assert_eq!(code, 1, "{err}");
    common::assert_reported(
        &err,
        &[
            (
                "company.yaml:2:10:",
                "expected an http(s) URL for `website`",
            ),
            ("company.yml:", "looks like company settings"),
            ("engineering.yaml:2:1:", "unknown key `titel`"),
        ],
    );
    assert!(err.contains("4 error(s)"), "{err}");
    // With no company file at all, the same.
    std::fs::remove_file(d.join("company.yaml")).unwrap();
    std::fs::remove_file(d.join("company.yml")).unwrap();
    let (code, err) = check(d);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("no company.yaml in role folder"), "{err}");
    assert!(err.contains("unknown key `titel`"), "{err}");
}

#[test]
fn a_section_s_place_is_checked() {
    let dir = minimal_copy();
    let d = dir.path();
    let with = |place: &str, nested: &str| {
        format!(
            "sections:\n  - heading: About us\n    place: {place}\n    paragraphs: [We make widgets.]\n    sections:\n      - heading: More\n        paragraphs: [Text.]\n{nested}levels:\n"
        )
    };
    for (place, nested, at, message, help) in [
        (
            "before-lists",
            "",
            "engineering.yaml:6:12:",
            "unknown place `before-lists`: expected `before_lists` or `after_lists`",
            "did you mean `before_lists`?",
        ),
        (
            "top",
            "",
            "engineering.yaml:6:12:",
            "unknown place `top`",
            "`before_lists` prints the section before the role's responsibilities",
        ),
        (
            "after_lists",
            "        place: before_lists\n",
            "engineering.yaml:11:16:",
            "`place` is for a family's own sections",
            "remove it here, or set it on the outer section",
        ),
    ] {
        let (code, err) = check_edited(d, "levels:\n", &with(place, nested));
        assert_eq!(code, 1, "{place}: {err}");
        common::assert_reported(&err, &[(at, message)]);
        assert!(err.contains(help), "{place}: {err}");
    }
    for place in ["before_lists", "after_lists"] {
        let (code, err) = check_edited(d, "levels:\n", &with(place, ""));
        assert_eq!(code, 0, "{place}: {err}");
    }
}

#[test]
fn a_colon_on_a_line_that_continues_a_text_gets_a_help_that_works() {
    // The help quoted the continuation line alone (`"and tests: unit"`),
    // which is still more of the plain text above, and still an error.
    let dir = minimal_copy();
    let d = dir.path();
    for (from, to, at, fixed) in [
        (
            "        - Write code\n",
            "        - Write code\n          and tests: unit and e2e\n          in CI\n",
            "engineering.yaml:12:20:",
            "        - \"Write code and tests: unit and e2e in CI\"\n",
        ),
        (
            "summary: Builds and runs [our product](/product/).\n",
            "summary: Builds and runs\n  our product: the widget\n",
            "engineering.yaml:4:14:",
            "summary: \"Builds and runs our product: the widget\"\n",
        ),
        // Across blank lines (also after the `: `); a `key: value` line
        // under a text is more of it.
        // `see:` is no key of the files: more of the text, not a key
        // indented too deep.
        (
            "summary: Builds and runs [our product](/product/).\n",
            "summary: Builds things\n  see: https://x.test/a\n",
            "engineering.yaml:4:6:",
            "summary: \"Builds things see: https://x.test/a\"\n",
        ),
        // A comment on a line of the text: kept after the quoted text, not
        // in the middle of it, where it cut the rest off.
        (
            "summary: Builds and runs [our product](/product/).\n",
            "summary:\n  Own the roadmap\n  its: fine # note\n  and more\n",
            "engineering.yaml:5:6:",
            "summary: \"Own the roadmap its: fine and more\" # note\n",
        ),
        // A text whose lines are indented unevenly; a long one, given
        // whole (a clipped fix would open a quote it never closes).
        (
            "summary: Builds and runs [our product](/product/).\n",
            "summary:\n  Builds things\n   and tests: unit\n",
            "engineering.yaml:5:13:",
            "summary: \"Builds things and tests: unit\"\n",
        ),
        (
            "summary: Builds and runs [our product](/product/).\n",
            "summary: Builds and runs the product for customers across many regions\n  and tests: unit, integration and end-to-end suites for every release train\n",
            "engineering.yaml:4:12:",
            "summary: \"Builds and runs the product for customers across many regions and tests: unit, integration and end-to-end suites for every release train\"\n",
        ),
        (
            "        - Write code\n",
            "        - Write code\n          and tests: unit\n\n          and more\n",
            "engineering.yaml:12:20:",
            "        - \"Write code and tests: unit and more\"\n",
        ),
        (
            "      items:\n        - Write code\n",
            "      intro:\n        text\n        more: x\n      items:\n        - Write code\n",
            "engineering.yaml:12:13:",
            "      intro: \"text more: x\"\n      items:\n        - Write code\n",
        ),
        // Across a blank line; a text that starts on the line after its key.
        (
            "        - Write code\n",
            "        - Write code\n\n          and tests: unit\n",
            "engineering.yaml:13:20:",
            "        - \"Write code and tests: unit\"\n",
        ),
        (
            "      items:\n        - Write code\n",
            "      intro:\n        All of the above,\n        and tests: unit\n      items:\n        - Write code\n",
            "engineering.yaml:12:18:",
            "      intro: \"All of the above, and tests: unit\"\n      items:\n        - Write code\n",
        ),
    ] {
        let (code, err) = check_edited(d, from, to);
        assert_eq!(code, 1, "{err}");
        assert!(
            err.contains(&format!("{at} error: YAML syntax error: mapping values")),
            "{err}"
        );
        // The fix's first line is the text, quoted.
        let help = format!(
            "quote the whole text, on one line: `{}`",
            fixed.lines().find(|l| l.contains('"')).unwrap().trim()
        );
        assert!(err.contains(&help), "{help}\n{err}");
        // Applied, it passes.
        let (code, err) = check_edited(d, from, fixed);
        assert_eq!(code, 0, "{err}");
    }
}

#[test]
fn findings_past_a_file_s_cap_are_counted_also_beside_a_broken_company_file() {
    // With company.yaml broken, the notes standing for the findings not
    // shown were counted as one each, and those findings not at all.
    let mut family = String::from("family: big\ntitle: Big\n");
    for i in 0..520 {
        family.push_str(&format!("x{i}: 1\n"));
    }
    family.push_str(
        "levels:\n  - id: big-a\n    level: A\n    title: A\n    responsibilities:\n      items:\n",
    );
    for i in 0..120 {
        family.push_str(&format!("        - Post {i} #tag{i}\n"));
    }
    let dir = minimal_with("big.yaml", &family);
    let (code, err) = check(dir.path());
    assert_eq!(code, 1);
    assert!(err.contains("520 error(s), 120 warning(s)"), "{err}");
    std::fs::write(dir.path().join("company.yaml"), "name: X\n").unwrap();
    let (code, err) = check(dir.path());
    assert_eq!(code, 1);
    assert!(err.contains("521 error(s), 120 warning(s)"), "{err}");
    let (_, json, _) = run(&[
        "--roles",
        dir.path().to_str().unwrap(),
        "check",
        "--format",
        "json",
    ]);
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(report["errors"], 521, "{json}");
    assert_eq!(report["warnings"], 120, "{json}");
    // The family files were checked: counted (engineering.yaml, big.yaml).
    assert_eq!(report["files"], 2, "{json}");
}

#[test]
fn a_character_no_one_font_has_whole_is_warned_about() {
    // "A 😀\u{301} B" printed "A ´ B": the cluster is drawn from one font,
    // and the one with the mark (Inter) has no emoji. Each part alone is in
    // some font, so the missing-glyph check said nothing.
    let dir = with_company(&[(
        "f.yaml",
        "family: f\ntitle: F\nlevels:\n  - id: f-one\n    level: A\n    title: A\n    responsibilities:\n      items:\n        - \"Cafe\u{301}, \u{5e9}\u{5b8}\u{5dc}\u{5d5}\u{5b9}\u{5dd} and \u{915}\u{94d}\u{937}\"\n        - \"A \u{1F600}\u{301} B, \u{915}\u{301} and \u{1F600}\u{301}\"\n"
            .as_bytes(),
    )]);
    let (code, _, err) = run(&["--roles", dir.path().to_str().unwrap(), "check"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains(
            "f.yaml:10:14: warning: `\u{1F600}\u{301}` (U+1F600 U+0301), `\u{915}\u{301}` (U+0915 U+0301): each is drawn from one font"
        ),
        "{err}"
    );
    // Each named once, in one warning. (Latin, Hebrew points and a
    // Devanagari conjunct each have a font.)
    assert!(err.contains("1 warning(s)"), "{err}");
    // `pdf` (and so `build`) says it too: nothing in the PDF shows it.
    let out = tempfile::tempdir().unwrap();
    let (code, _, err) = run(&[
        "--roles",
        dir.path().to_str().unwrap(),
        "pdf",
        "--role",
        "f-one",
        "-o",
        out.path().to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("f.yaml:10:14: warning: role `f-one`: `\u{1F600}\u{301}` (U+1F600 U+0301), `\u{915}\u{301}`"),
        "{err}"
    );
}

#[test]
fn an_id_line_inside_a_text_of_a_refused_file_names_no_role() {
    // A file refused whole (an alias) was read to its end, so its levels'
    // ids are exact; the `id:` lines as written are for a file the first
    // pass could not read to its end. An `id: good-one` line in a text made
    // another file's valid role a duplicate, and failed it.
    let dir = with_company(&[
        (
            "a.yaml",
            b"family: a\ntitle: A\nintro:\n  - |\n    Former layout:\n    id: good-one\nlevels:\n  - id: a-one\n    level: Senior\n    title: T\n    notes: [*x]\n",
        ),
        (
            "b.yaml",
            b"family: b\ntitle: B\nlevels:\n  - id: good-one\n    level: Senior\n    title: Good\n",
        ),
    ]);
    let roles = dir.path().to_str().unwrap();
    let (code, _, err) = run(&["--roles", roles, "check"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("1 error(s)"), "{err}");
    assert!(!err.contains("also used in"), "{err}");
    let out = tempfile::tempdir().unwrap();
    let (code, _, err) = run(&[
        "--roles",
        roles,
        "pdf",
        "--role",
        "good-one",
        "-o",
        out.path().to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn a_level_graded_below_one_written_above_it_is_warned() {
    // Levels are written junior first: `level_rank` and the career ladder
    // follow the order written, so a Senior (7) above an Intermediate (6)
    // put seniority backwards in the HR import, with nothing said.
    let text = "family: pp\ntitle: People Partner\nlevels:\n  - id: senior-pp\n    level: Senior\n    title: Senior People Partner\n    grade: 7\n  - id: pp\n    level: Intermediate\n    title: People Partner\n    grade: 6\n  - id: staff-pp\n    level: Staff\n    title: Staff People Partner\n    grade: 8\n";
    let (code, err) = check_one(text.as_bytes());
    assert_eq!(code, 0, "{err}");
    common::assert_reported(
        &err,
        &[(
            "f.yaml:11:12: warning:",
            "role `pp` (grade 6) is graded below every level written above it (the lowest, role `senior-pp`, has grade 7): levels are listed junior first",
        )],
    );
    assert!(err.contains("1 warning(s)"), "{err}");
    // In order (equal grades too): nothing said.
    let fine = text.replace("grade: 7", "grade: 6");
    let (code, err) = check_one(fine.as_bytes());
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("0 warning(s)"), "{err}");
    // A second track after the first (GitLab's pages list the managers
    // after the individual contributors): nothing said either.
    let tracks = "family: pp\ntitle: P\nlevels:\n  - {id: a-pp, level: Senior, title: A, grade: 7}\n  - {id: b-pp, level: Staff, title: B, grade: 8}\n  - {id: c-pp, level: Principal, title: C, grade: 9}\n  - {id: d-pp, level: Manager, title: D, grade: 8}\n  - {id: e-pp, level: Director, title: E, grade: 10}\n";
    let (code, err) = check_one(tracks.as_bytes());
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("0 warning(s)"), "{err}");
    // A grade refused as written (`0x0A`) is no grade to compare.
    let refused = "family: pp\ntitle: P\nlevels:\n  - {id: a-pp, level: A, title: A, grade: 0x0A}\n  - {id: b-pp, level: B, title: B, grade: 9}\n";
    let (code, err) = check_one(refused.as_bytes());
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("0 warning(s)"), "{err}");
}

#[test]
fn show_says_when_other_role_files_have_errors() {
    // As `pdf --role` does: the role shown is fine, the folder is not, and
    // a scheduled `show --format json` would otherwise never hear of it.
    let dir = minimal_copy();
    std::fs::copy(
        "tests/fixtures/broken/typos.yaml",
        dir.path().join("typos.yaml"),
    )
    .unwrap();
    let o = jdgen()
        .arg("--roles")
        .arg(dir.path())
        .args(["show", "junior-engineer"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(
        err.contains("warning: 1 role file(s) have errors; `jdgen check` lists them"),
        "{err}"
    );
    assert!(String::from_utf8_lossy(&o.stdout).contains("junior-engineer"));
}

#[test]
fn an_id_refused_for_its_form_is_not_offered_as_the_one_meant() {
    // `builds_on` near `People_Partner`, itself an error: "did you mean
    // `People_Partner`?" led to a second error once written.
    let text = "family: pp\ntitle: P\nlevels:\n  - id: People_Partner\n    level: A\n    title: A\n  - id: senior-pp\n    level: B\n    title: B\n    responsibilities:\n      builds_on: People_Partnr\n      items: [x]\n";
    let (code, err) = check_one(text.as_bytes());
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("help: write `id: people-partner`"), "{err}");
    assert!(
        err.contains("`builds_on: People_Partnr` names no level of family `pp`"),
        "{err}"
    );
    assert!(!err.contains("did you mean `People_Partner`"), "{err}");
    // (Still listed: it is the family's level, its own error says how to
    // write its id.)
    assert!(
        err.contains("help: levels of this family: People_Partner"),
        "{err}"
    );
}
