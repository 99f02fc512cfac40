//! `jdgen export`, end to end: runs the real binary on `roles/` and on the
//! fixture folders in `tests/fixtures/export/`, then parses every output
//! back and checks it against what the library says the roles are.

use std::collections::BTreeMap;
use std::fs;
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use serde_json::Value;

use jdgen::data::{self, DocumentOptions};
use jdgen::load::{self, Company};
use jdgen::markdown::to_plain;
use jdgen::resolve::{self, ResolvedRole};

mod common;

/// A fixed `SOURCE_DATE_EPOCH` (2023-11-14 22:13:20 UTC) for every run.
const EPOCH: &str = "1700000000";
const EPOCH_DATE: &str = "2023-11-14";

const ROLE_COLUMNS: &[&str] = &[
    "role_id",
    "job_title",
    "family_id",
    "family_name",
    "level_id",
    "level_name",
    "level_rank",
    "job_grade",
    "reports_to",
    "summary",
    "description",
    "responsibilities_count",
    "requirements_count",
    "pdf_file",
    "source_file",
    "effective_date",
    "data_version",
];
const ITEM_COLUMNS: &[&str] = &[
    "role_id",
    "kind",
    "position",
    "group",
    "text",
    "source",
    "source_role_id",
    "inherited",
];
/// Columns holding numbers / booleans: never neutralised.
const NUMERIC: &[&str] = &[
    "level_rank",
    "job_grade",
    "responsibilities_count",
    "requirements_count",
    "position",
    "inherited",
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn shipped() -> PathBuf {
    root().join("roles")
}

fn fixture(name: &str) -> PathBuf {
    root().join("tests/fixtures/export").join(name)
}

fn jdgen(roles: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_jdgen"));
    cmd.env_remove("JDGEN_ROLES")
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .arg("--roles")
        .arg(roles);
    cmd
}

/// Runs `jdgen export ARGS -o DIR` and returns DIR's files by name.
fn export(roles: &Path, args: &[&str]) -> (tempfile::TempDir, BTreeMap<String, Vec<u8>>) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("export");
    jdgen(roles)
        .arg("export")
        .args(args)
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    let files = read_tree(&out);
    (dir, files)
}

fn read_tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    if let Ok(entries) = fs::read_dir(dir) {
        for e in entries {
            let e = e.unwrap();
            let name = e.file_name().to_string_lossy().into_owned();
            if e.file_type().unwrap().is_dir() {
                for (sub, bytes) in read_tree(&e.path()) {
                    files.insert(format!("{name}/{sub}"), bytes);
                }
            } else {
                files.insert(name, fs::read(e.path()).unwrap());
            }
        }
    }
    files
}

fn library(dir: &Path) -> (Company, Vec<ResolvedRole>) {
    let lib = load::load(dir).unwrap();
    lib.ensure_valid().unwrap();
    let roles = resolve::resolve_all(&lib).unwrap();
    (lib.company, roles)
}

fn level_rank(r: &ResolvedRole) -> usize {
    r.family_data
        .data
        .levels
        .iter()
        .position(|l| l.id == r.id)
        .unwrap()
        + 1
}

/// The roles in the documented order: family id, then level rank.
fn sorted(roles: &[ResolvedRole]) -> Vec<&ResolvedRole> {
    let mut v: Vec<&ResolvedRole> = roles.iter().collect();
    v.sort_by_key(|r| (r.family.id.clone(), level_rank(r)));
    v
}

/// What the `items` table must hold, computed from the library alone:
/// [role_id, kind, position, group, text, source, source_role_id, inherited].
fn expected_items(company: &Company, roles: &[ResolvedRole]) -> Vec<Vec<String>> {
    let base = &company.website;
    let mut rows = Vec::new();
    for role in sorted(roles) {
        let fam = &role.family_data.data;
        for (kind, shared, resolved) in [
            (
                "responsibility",
                &fam.responsibilities,
                &role.responsibilities,
            ),
            ("requirement", &fam.requirements, &role.requirements),
        ] {
            let mut n = 0;
            let mut push = |group: Option<&String>, text: &str, source: &str, from: &str| {
                n += 1;
                rows.push(vec![
                    role.id.clone(),
                    kind.to_string(),
                    n.to_string(),
                    group.map(|g| to_plain(g, base)).unwrap_or_default(),
                    to_plain(text, base),
                    source.to_string(),
                    from.to_string(),
                    (source != "own").to_string(),
                ]);
            };
            // A family-wide item the role's list restates (word for word,
            // spaces and one final full stop aside) is left to that list.
            let key = |t: &str| {
                let t = t.trim();
                match t.strip_suffix('.') {
                    Some(rest) if !rest.trim_end().is_empty() => rest.trim_end().to_string(),
                    _ => t.to_string(),
                }
            };
            let restated: Vec<String> = resolved.items.iter().map(|it| key(&it.text)).collect();
            if let Some(list) = shared {
                for t in &list.items {
                    if !restated.contains(&key(t)) {
                        push(None, t, "family", "");
                    }
                }
                for g in &list.groups {
                    for t in &g.items {
                        if !restated.contains(&key(t)) {
                            push(Some(&g.heading), t, "family", "");
                        }
                    }
                }
            }
            for it in &resolved.items {
                let source = if it.inherited { "inherited" } else { "own" };
                push(it.group.as_ref(), &it.text, source, &it.from);
            }
        }
    }
    rows
}

/// Parses CSV bytes (optionally with a BOM) into header + rows.
fn parse_csv(bytes: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut r = csv::ReaderBuilder::new().from_reader(body);
    let header = r.headers().unwrap().iter().map(str::to_string).collect();
    let rows = r
        .records()
        .map(|rec| rec.unwrap().iter().map(str::to_string).collect())
        .collect();
    (header, rows)
}

fn column(header: &[String], name: &str) -> usize {
    header.iter().position(|h| h == name).unwrap()
}

/// Every sheet of a workbook as strings (numbers as integers, booleans as
/// true/false, blanks as ""), asserting on the way that no cell is a
/// formula and that the cell types are the documented ones.
fn read_xlsx(bytes: &[u8]) -> BTreeMap<String, Vec<Vec<String>>> {
    let mut wb: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes.to_vec())).unwrap();
    let mut sheets = BTreeMap::new();
    for name in wb.sheet_names() {
        let formulas = wb.worksheet_formula(&name).unwrap();
        assert!(
            formulas.used_cells().all(|(_, _, f)| f.is_empty()),
            "sheet {name} has formulas"
        );
        let range = wb.worksheet_range(&name).unwrap();
        let mut rows: Vec<Vec<String>> = Vec::new();
        let mut header: Vec<String> = Vec::new();
        for (r, row) in range.rows().enumerate() {
            let cells: Vec<String> = row
                .iter()
                .enumerate()
                .map(|(c, cell)| {
                    let col = header.get(c).map(String::as_str).unwrap_or("");
                    match cell {
                        Data::String(s) => {
                            assert!(r == 0 || !NUMERIC.contains(&col), "{col} is text: {s:?}");
                            s.clone()
                        }
                        Data::Float(f) => {
                            assert!(NUMERIC.contains(&col), "{col} is a number");
                            assert_eq!(f.fract(), 0.0);
                            format!("{}", *f as u64)
                        }
                        Data::Int(i) => i.to_string(),
                        Data::Bool(b) => {
                            assert_eq!(col, "inherited");
                            b.to_string()
                        }
                        Data::Empty => String::new(),
                        other => panic!("unexpected cell {other:?} in {name}"),
                    }
                })
                .collect();
            if r == 0 {
                header = cells.clone();
            }
            rows.push(cells);
        }
        sheets.insert(name, rows);
    }
    sheets
}

/// The expected cell in the default (`safe`) profile.
fn neutralised(col: &str, raw: &str) -> String {
    let triggers = ['=', '+', '-', '@', '\t', '\r', '\n'];
    if !NUMERIC.contains(&col) && raw.starts_with(triggers) {
        format!("'{raw}")
    } else {
        raw.to_string()
    }
}

#[test]
fn csv_tables_match_the_library() {
    for dir in [shipped(), fixture("hostile")] {
        let (company, roles) = library(&dir);
        let (_tmp, files) = export(&dir, &["--csv", "--csv-profile", "import"]);
        assert_eq!(
            files.keys().collect::<Vec<_>>(),
            ["items.csv", "roles.csv"],
            "{}",
            dir.display()
        );

        let (header, rows) = parse_csv(&files["roles.csv"]);
        assert_eq!(header, ROLE_COLUMNS);
        assert_eq!(rows.len(), roles.len());
        let items = expected_items(&company, &roles);
        for (row, role) in rows.iter().zip(sorted(&roles)) {
            let cell = |name: &str| row[column(&header, name)].as_str();
            assert_eq!(cell("role_id"), role.id);
            assert_eq!(cell("job_title"), role.title);
            assert_eq!(cell("family_id"), role.family.id);
            assert_eq!(cell("family_name"), role.family.title);
            assert_eq!(cell("level_id"), role.level.id);
            assert_eq!(cell("level_name"), role.level.name);
            assert_eq!(cell("level_rank"), level_rank(role).to_string());
            assert_eq!(
                cell("job_grade"),
                role.grade.map(|g| g.to_string()).unwrap_or_default()
            );
            let plain = |s: &str| to_plain(s, &company.website);
            assert_eq!(
                cell("reports_to"),
                role.reports_to.as_deref().map(plain).unwrap_or_default()
            );
            let summary = role.family_data.data.summary.as_deref();
            assert_eq!(cell("summary"), summary.map(plain).unwrap_or_default());
            let desc: Vec<String> = role.description.iter().map(|d| plain(d)).collect();
            assert_eq!(cell("description"), desc.join("\n\n"));
            for (kind, col) in [
                ("responsibility", "responsibilities_count"),
                ("requirement", "requirements_count"),
            ] {
                let n = items
                    .iter()
                    .filter(|i| i[0] == role.id && i[1] == kind)
                    .count();
                assert_eq!(cell(col), n.to_string(), "{} {col}", role.id);
            }
            assert_eq!(cell("pdf_file"), format!("pdf/{}.pdf", role.id));
            assert_eq!(
                cell("source_file"),
                role.source.file_name().unwrap().to_string_lossy()
            );
            assert_eq!(
                cell("effective_date"),
                company.effective_date.clone().unwrap_or_default()
            );
            assert_eq!(cell("data_version"), role.data_version);
        }

        let (header, rows) = parse_csv(&files["items.csv"]);
        assert_eq!(header, ITEM_COLUMNS);
        // One row per resolved item, plus the family-wide items of each role.
        let resolved: usize = roles
            .iter()
            .map(|r| r.responsibilities.items.len() + r.requirements.items.len())
            .sum();
        let family_rows = items.iter().filter(|i| i[5] == "family").count();
        assert_eq!(rows.len(), resolved + family_rows);
        assert_eq!(rows, items, "{}", dir.display());
    }
}

#[test]
fn shipped_roles_include_family_wide_items() {
    let (company, roles) = library(&shipped());
    let items = expected_items(&company, &roles);
    assert!(items.iter().any(|i| i[5] == "family"));
    assert!(items.iter().any(|i| i[5] == "inherited"));
    // Links stay readable: the label, then the URL resolved against the website.
    let pm = roles
        .iter()
        .find(|r| r.reports_to.as_deref().is_some_and(|t| t.contains("](/")))
        .unwrap();
    let plain = to_plain(pm.reports_to.as_deref().unwrap(), &company.website);
    assert!(plain.contains(" (https://about.gitlab.com/"), "{plain}");
}

#[test]
fn an_item_the_family_wide_list_repeats_is_listed_once_and_warned_about() {
    // A level's list printed a repeated item once, with a warning; the
    // family-wide list printed every copy, in each role's rows and PDF,
    // and `check` said nothing.
    let roles = tempfile::tempdir().unwrap();
    fs::copy(
        root().join("tests/fixtures/minimal/company.yaml"),
        roles.path().join("company.yaml"),
    )
    .unwrap();
    fs::write(
        roles.path().join("f.yaml"),
        "family: ff\ntitle: F\nresponsibilities:\n  items: [\"Keep it tidy\", \"Ship it\", \"Keep it tidy\"]\n  groups:\n    - heading: G1\n      items: [\"Ship it.\", \"Write it down\"]\nlevels:\n  - id: a-f\n    level: J\n    title: T\n",
    )
    .unwrap();
    let check = jdgen(roles.path()).arg("check").output().unwrap();
    let err = String::from_utf8_lossy(&check.stderr);
    assert_eq!(check.status.code(), Some(0), "{err}");
    for at in [
        "f.yaml:4:38: warning: this item repeats",
        "f.yaml:7:15: warning: this item repeats",
    ] {
        assert!(err.contains(at), "{at}: {err}");
    }
    let (_dir, files) = export(roles.path(), &["--csv"]);
    let (header, rows) = parse_csv(&files["items.csv"]);
    let texts: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| {
            (
                r[column(&header, "group")].as_str(),
                r[column(&header, "text")].as_str(),
            )
        })
        .collect();
    assert_eq!(
        texts,
        [
            ("", "Keep it tidy"),
            ("", "Ship it"),
            ("G1", "Write it down")
        ]
    );
    let out = tempfile::tempdir().unwrap();
    jdgen(roles.path())
        .args(["pdf", "--role", "a-f", "-o"])
        .arg(out.path())
        .assert()
        .success();
    let pdf = common::pdf_text(&out.path().join("a-f.pdf"));
    let flat = pdf.split_whitespace().collect::<Vec<_>>().join(" ");
    assert_eq!(flat.matches("Keep it tidy").count(), 1, "{pdf}");
    assert_eq!(flat.matches("Ship it").count(), 1, "{pdf}");
}

#[test]
fn a_family_wide_item_a_level_restates_is_listed_once() {
    // The social manager's own requirements end with the family-wide
    // "BONUS: A passion…" (as the seed page's manager block does): its rows
    // and its PDF listed it twice, once as `family` and once as `own`.
    let bonus = "BONUS: A passion and strong understanding of the industry and our mission";
    let (_dir, files) = export(&shipped(), &["--csv"]);
    let (header, rows) = parse_csv(&files["items.csv"]);
    let (role, text, source) = (
        column(&header, "role_id"),
        column(&header, "text"),
        column(&header, "source"),
    );
    let sources = |id: &str| -> Vec<String> {
        rows.iter()
            .filter(|r| r[role] == id && r[text] == bonus)
            .map(|r| r[source].clone())
            .collect()
    };
    assert_eq!(sources("manager-social"), ["own"]);
    // A level that does not restate it keeps the family's.
    assert_eq!(sources("senior-manager-social"), ["family"]);
    let out = tempfile::tempdir().unwrap();
    let o = jdgen(&shipped())
        .args(["pdf", "--role", "manager-social", "-o"])
        .arg(out.path())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let pdf = common::pdf_text(&out.path().join("manager-social.pdf"));
    let flat = pdf.split_whitespace().collect::<Vec<_>>().join(" ");
    assert_eq!(flat.matches("BONUS: A passion").count(), 1, "{pdf}");
}

#[test]
fn hostile_text_round_trips_and_is_neutralised_by_default() {
    let dir = fixture("hostile");
    let (company, roles) = library(&dir);
    let (_a, raw) = export(
        &dir,
        &["--csv", "--xlsx", "--json", "--csv-profile", "import"],
    );
    let (_b, safe) = export(&dir, &["--csv"]);

    // Every hostile string is in the import CSV exactly.
    let (ih, irows) = parse_csv(&raw["items.csv"]);
    let texts: Vec<&str> = irows
        .iter()
        .map(|r| r[column(&ih, "text")].as_str())
        .collect();
    for must in [
        "=1+1",
        "=HYPERLINK(\"https://evil.test\",\"click\")",
        "+x",
        "-x",
        "@x",
        "\tstarts with a tab",
        "\rstarts with CR",
        "\nstarts with LF",
        "comma, \"double quotes\", 'single'",
        "multi\nline\r\nitem\twith tab",
        "emoji 👩🏽‍💻 🤝 and a ZWJ sequence",
        "RTL: مرحبا بالعالم / עברית",
        "CJK: 日本語のテキスト、中文，한국어",
        "_x0041_ looks like an XLSX escape",
        "  leading and trailing spaces  ",
        "a link (https://hostile.test/path?q=1,2) and bold, kept readable",
        "Backslash \\ and <tag> & ampersand; semicolon",
        // (Line breaks at a text's end are no part of it: a `|` block's
        // ended every such cell.)
        "Trailing newline",
    ] {
        assert!(texts.contains(&must), "missing {must:?}");
    }

    // The default profile differs exactly by the leading `'`.
    for table in ["roles.csv", "items.csv"] {
        let (h1, r1) = parse_csv(&raw[table]);
        let (h2, r2) = parse_csv(&safe[table]);
        assert_eq!(h1, h2);
        assert_eq!(r1.len(), r2.len());
        let mut neutralised_cells = 0;
        for (a, b) in r1.iter().zip(&r2) {
            for ((col, x), y) in h1.iter().zip(a).zip(b) {
                assert_eq!(*y, neutralised(col, x), "{table} {col}");
                if x != y {
                    neutralised_cells += 1;
                    assert!(y.starts_with('\''));
                }
            }
        }
        assert!(neutralised_cells > 0, "{table}: nothing neutralised");
    }
    let (sh, srows) = parse_csv(&safe["roles.csv"]);
    let two = srows.iter().find(|r| r[0] == "hostile-two").unwrap();
    assert_eq!(two[column(&sh, "job_title")], "'-Minus title");
    let one = srows.iter().find(|r| r[0] == "hostile-one").unwrap();
    assert_eq!(one[column(&sh, "reports_to")], "'@SUM(A1:A2)");
    assert_eq!(one[column(&sh, "job_grade")], "7");

    // XLSX holds the same cells as the import CSV, as strings.
    let sheets = read_xlsx(&raw["roles.xlsx"]);
    for (table, sheet) in [("roles.csv", "roles"), ("items.csv", "items")] {
        let (h, rows) = parse_csv(&raw[table]);
        let mut want = vec![h];
        want.extend(rows);
        assert_eq!(sheets[sheet], want, "sheet {sheet}");
    }

    // JSON: the Markdown exactly as written, and exactly the template data.
    let json: Vec<Value> = serde_json::from_slice(&raw["roles.json"]).unwrap();
    let doc = DocumentOptions {
        date: EPOCH_DATE.into(),
        dated: true,
        paper: "a4".into(),
        signature: false,
    };
    for (value, role) in json.iter().zip(sorted(&roles)) {
        assert_eq!(*value, data::template_data(&company, role, &doc));
        let items = value["role"]["responsibilities"]["items"]
            .as_array()
            .unwrap();
        for (item, r) in items.iter().zip(&role.responsibilities.items) {
            assert_eq!(item["text"]["markdown"], r.text.as_str());
        }
    }
    assert_eq!(json[0]["role"]["title"], "Engineer, \"Senior\" 🚀 مهندس");
}

#[test]
fn xlsx_matches_csv_with_typed_cells_frozen_header_and_filter() {
    let dir = shipped();
    let (_t, files) = export(&dir, &["--csv", "--xlsx", "--csv-profile", "import"]);
    let sheets = read_xlsx(&files["roles.xlsx"]);
    assert_eq!(sheets.keys().collect::<Vec<_>>(), ["items", "roles"]);
    for (table, sheet) in [("roles.csv", "roles"), ("items.csv", "items")] {
        let (h, rows) = parse_csv(&files[table]);
        let mut want = vec![h];
        want.extend(rows);
        assert_eq!(sheets[sheet], want, "sheet {sheet}");
    }
    // Grades are number cells.
    let mut wb: Xlsx<_> = open_workbook_from_rs(Cursor::new(files["roles.xlsx"].clone())).unwrap();
    let range = wb.worksheet_range("roles").unwrap();
    let grade_col = ROLE_COLUMNS.iter().position(|c| *c == "job_grade").unwrap();
    assert!(
        range
            .rows()
            .skip(1)
            .any(|r| matches!(r[grade_col], Data::Float(_)))
    );
    // Frozen, bold header row with an autofilter on each sheet.
    let mut zip = zip::ZipArchive::new(Cursor::new(files["roles.xlsx"].clone())).unwrap();
    for i in 1..=2 {
        let mut xml = String::new();
        zip.by_name(&format!("xl/worksheets/sheet{i}.xml"))
            .unwrap()
            .read_to_string(&mut xml)
            .unwrap();
        assert!(xml.contains(r#"ySplit="1""#) && xml.contains(r#"state="frozen""#));
        assert!(xml.contains("<autoFilter ref=\"A1:"));
        assert!(!xml.contains("<f>"), "formula in sheet {i}");
    }
    let mut styles = String::new();
    zip.by_name("xl/styles.xml")
        .unwrap()
        .read_to_string(&mut styles)
        .unwrap();
    assert!(styles.contains("<b/>"));
    let mut core = String::new();
    zip.by_name("docProps/core.xml")
        .unwrap()
        .read_to_string(&mut core)
        .unwrap();
    assert!(core.contains("2023-11-14T22:13:20Z"), "{core}");
}

#[test]
fn json_is_what_show_prints() {
    let dir = shipped();
    let (_t, files) = export(&dir, &["--json"]);
    let json: Vec<Value> = serde_json::from_slice(&files["roles.json"]).unwrap();
    let (_, roles) = library(&dir);
    assert_eq!(json.len(), roles.len());
    for (value, role) in json.iter().zip(sorted(&roles)) {
        let out = jdgen(&dir)
            .args(["show", &role.id, "--format", "json"])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        let shown: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(*value, shown, "{}", role.id);
    }
}

#[test]
fn excel_flavour_adds_bom_and_crlf_only() {
    let dir = fixture("hostile");
    let (_a, plain) = export(&dir, &["--csv"]);
    let (_b, excel) = export(&dir, &["--csv", "--excel"]);
    for table in ["roles.csv", "items.csv"] {
        let p = &plain[table];
        let e = &excel[table];
        assert!(!p.starts_with(b"\xEF\xBB\xBF"));
        assert!(e.starts_with(b"\xEF\xBB\xBF"));
        assert!(e.windows(2).any(|w| w == b"\r\n"));
        assert!(e.ends_with(b"\r\n") && p.ends_with(b"\n") && !p.ends_with(b"\r\n"));
        assert_eq!(parse_csv(p), parse_csv(e), "{table}");
    }
}

#[test]
fn stdout_writes_the_one_table() {
    let dir = shipped();
    let (_t, files) = export(&dir, &["--csv"]);
    for table in ["roles", "items"] {
        let out = jdgen(&dir)
            .args(["export", "--csv", "-o", "-", "--table", table])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        assert_eq!(out, files[&format!("{table}.csv")], "{table}");
    }
}

#[test]
fn usage_errors_exit_2_and_name_the_flags() {
    let dir = shipped();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("x");
    let out = out.to_str().unwrap();
    for (args, expect) in [
        (
            vec!["export", "-o", out],
            "--csv, --xlsx, --json, --zip, or --all",
        ),
        (vec!["export", "--csv", "-o", "-"], "--table"),
        (
            vec![
                "export", "--csv", "-o", "-", "--table", "roles", "--table", "items",
            ],
            "keep one --table",
        ),
        (
            vec!["export", "--csv", "--json", "-o", "-", "--table", "roles"],
            "--csv alone",
        ),
        (
            vec!["export", "--csv", "--table", "roles", "-o", out],
            "-o -",
        ),
        (
            vec!["export", "--xlsx", "--excel", "-o", out],
            "--csv or --zip",
        ),
        (
            vec!["export", "--csv", "--table", "bogus", "-o", "-"],
            "roles",
        ),
        (
            vec![
                "export",
                "--csv",
                "--xlsx",
                "--template",
                "t.typ",
                "-o",
                out,
            ],
            "add --zip",
        ),
        (
            vec!["export", "--csv", "--signature", "-o", out],
            "add --zip or --json",
        ),
        // The default paper, named, changes nothing either.
        (
            vec!["export", "--csv", "--paper", "a4", "-o", out],
            "add --zip or --json",
        ),
    ] {
        let assert = jdgen(&dir).args(&args).assert().code(2);
        let err = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
        assert!(err.contains(expect), "{args:?}: {err}");
    }
    assert!(!tmp.path().join("x").exists());
}

#[test]
fn invalid_role_folder_fails_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("export");
    fs::create_dir(&out).unwrap();
    fs::write(out.join("roles.csv"), b"previous good file").unwrap();
    let assert = jdgen(&fixture("invalid"))
        .args(["export", "--csv", "--xlsx", "--json", "-o"])
        .arg(&out)
        .assert()
        .code(1);
    let err = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(err.contains("broken.yaml"), "{err}");
    assert!(
        err.contains("expected a whole number from 1 to 1000 for the job grade"),
        "{err}"
    );
    // Nothing new, nothing half-written, the previous file untouched.
    let names: Vec<_> = fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["roles.csv"]);
    assert_eq!(
        fs::read(out.join("roles.csv")).unwrap(),
        b"previous good file"
    );
}

#[test]
fn two_exports_are_byte_identical_and_default_folder_is_out_export() {
    let dir = fixture("hostile");
    let (_a, first) = export(&dir, &["--csv", "--xlsx", "--json"]);
    let (_b, second) = export(&dir, &["--csv", "--xlsx", "--json"]);
    assert_eq!(first.len(), 4);
    assert_eq!(first, second);

    let cwd = tempfile::tempdir().unwrap();
    jdgen(&dir)
        .current_dir(cwd.path())
        .args(["export", "--csv", "--xlsx", "--json"])
        .assert()
        .success();
    assert_eq!(read_tree(&cwd.path().join("out/export")), first);
}

#[test]
fn zip_bundle_is_complete_verified_and_reproducible() {
    for dir in [shipped(), fixture("hostile")] {
        let (_, roles) = library(&dir);
        let (_a, first) = export(&dir, &["--all"]);
        let (_b, second) = export(&dir, &["--zip", "--csv", "--xlsx", "--json"]);
        assert_eq!(first, second, "two bundles differ");
        assert_eq!(
            first.keys().collect::<Vec<_>>(),
            [
                "items.csv",
                "job-descriptions.zip",
                "roles.csv",
                "roles.json",
                "roles.xlsx"
            ]
        );
        let bytes = first["job-descriptions.zip"].clone();
        let mut z = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        let mut entries: BTreeMap<String, Vec<u8>> = BTreeMap::new();
        let mut order = Vec::new();
        for i in 0..z.len() {
            let mut e = z.by_index(i).unwrap();
            let name = e.name().unwrap().into_owned();
            assert!(
                !name.starts_with('/')
                    && !name.contains('\\')
                    && !name.split('/').any(|s| s == ".."),
                "{name}"
            );
            assert_eq!(e.unix_mode(), Some(0o100644), "{name}");
            assert_eq!(e.compression(), zip::CompressionMethod::Deflated);
            let t = e.last_modified().unwrap();
            assert_eq!(
                (
                    t.year(),
                    t.month(),
                    t.day(),
                    t.hour(),
                    t.minute(),
                    t.second()
                ),
                (2023, 11, 14, 22, 13, 20),
                "{name}"
            );
            let mut body = Vec::new();
            e.read_to_end(&mut body).unwrap();
            order.push(name.clone());
            entries.insert(name, body);
        }
        let mut sorted_order = order.clone();
        sorted_order.sort();
        assert_eq!(order, sorted_order, "entries not sorted");

        let mut want: Vec<String> = roles.iter().map(|r| format!("pdf/{}.pdf", r.id)).collect();
        want.extend(["items.csv", "manifest.json", "roles.csv", "roles.xlsx"].map(String::from));
        want.sort();
        assert_eq!(order, want);
        for r in &roles {
            assert!(entries[&format!("pdf/{}.pdf", r.id)].starts_with(b"%PDF-"));
        }
        for loose in ["items.csv", "roles.csv", "roles.xlsx"] {
            assert_eq!(entries[loose], first[loose], "{loose}");
        }

        let m: Value = serde_json::from_slice(&entries["manifest.json"]).unwrap();
        assert_eq!(m["role_count"], roles.len());
        assert_eq!(m["jdgen_version"], env!("CARGO_PKG_VERSION"));
        assert_eq!(m["created"], "2023-11-14T22:13:20Z");
        let (_, csv_roles) = parse_csv(&entries["roles.csv"]);
        let versions: std::collections::BTreeSet<&str> =
            csv_roles.iter().map(|r| r[16].as_str()).collect();
        if versions.len() == 1 {
            assert_eq!(m["data_version"], *versions.iter().next().unwrap());
        } else {
            assert!(m["data_version"].as_str().unwrap().starts_with("mixed-"));
        }
        let listed = m["files"].as_array().unwrap();
        assert_eq!(listed.len(), entries.len() - 1);
        for f in listed {
            let path = f["path"].as_str().unwrap();
            let body = &entries[path];
            assert_eq!(f["size"], body.len());
            assert_eq!(f["sha256"], jdgen::fsutil::sha256_hex(body), "{path}");
        }
    }
}

/// The bundle's PDFs are the ones `jdgen pdf` makes with the same options:
/// a custom template, extra fonts, paper and signature reach them too.
#[test]
fn zip_bundle_pdfs_take_the_same_options_as_pdf() {
    let dir = shipped();
    let tmp = tempfile::tempdir().unwrap();
    let template = tmp.path().join("t/custom.typ");
    fs::create_dir(template.parent().unwrap()).unwrap();
    fs::write(
        &template,
        "#let data = json(sys.inputs.at(\"data\", default: \"role.json\"))\n\
         #set page(paper: data.document.paper)\n\
         Custom bundle page for #data.role.title, signature #data.document.signature\n",
    )
    .unwrap();
    let fonts = tmp.path().join("t");
    let options = [
        "--template",
        template.to_str().unwrap(),
        "--font-path",
        fonts.to_str().unwrap(),
        "--paper",
        "us-letter",
        "--signature",
    ];
    let (_out, files) = export(&dir, &[&["--zip"][..], &options].concat());
    let mut z = zip::ZipArchive::new(Cursor::new(files["job-descriptions.zip"].clone())).unwrap();
    let mut bundled = Vec::new();
    z.by_name("pdf/senior-social.pdf")
        .unwrap()
        .read_to_end(&mut bundled)
        .unwrap();
    let alone = tmp.path().join("alone.pdf");
    jdgen(&dir)
        .args(["pdf", "--role", "senior-social", "-o"])
        .arg(&alone)
        .args(options)
        .assert()
        .success();
    assert!(
        bundled == fs::read(&alone).unwrap(),
        "the bundle's PDF differs from `jdgen pdf`'s"
    );
    // pdftotext puts the words of this bare page on lines of their own.
    let text = common::pdf_text(&alone)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        text.contains("bundle page for Senior Social Marketing Manager")
            && text.contains("signature")
            && text.contains("true"),
        "{text}"
    );
}

#[test]
fn exporting_again_leaves_unchanged_files_alone() {
    let (dir, first) = export(&shipped(), &["--csv", "--xlsx", "--json"]);
    let out = dir.path().join("export");
    let mtime = |name: &str| fs::metadata(out.join(name)).unwrap().modified().unwrap();
    let before: Vec<_> = first.keys().map(|k| mtime(k)).collect();
    std::thread::sleep(std::time::Duration::from_millis(20));
    let o = jdgen(&shipped())
        .args(["export", "--csv", "--xlsx", "--json", "-o"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("unchanged ") && !err.contains("wrote "),
        "{err}"
    );
    let after: Vec<_> = first.keys().map(|k| mtime(k)).collect();
    assert_eq!(before, after, "an identical export was rewritten");
    assert_eq!(read_tree(&out), first);
}

#[test]
fn odd_things_at_the_destinations_neither_hang_nor_half_replace_the_set() {
    // A FIFO at roles.json hung the export forever (the "changed?" check
    // opened it for reading); a folder in the way of items.csv failed the
    // run after roles.csv had already been replaced.
    let tmp = tempfile::tempdir().unwrap();
    let roles = tmp.path().to_path_buf();
    for f in ["company.yaml", "engineering.yaml"] {
        fs::copy(root().join("tests/fixtures/minimal").join(f), roles.join(f)).unwrap();
    }
    let (dir, first) = export(&roles, &["--csv", "--json"]);
    let out = dir.path().join("export");
    fs::remove_file(out.join("roles.json")).unwrap();
    common::mkfifo(&out.join("roles.json"));
    jdgen(&roles)
        .args(["export", "--csv", "--json", "-o"])
        .arg(&out)
        .timeout(std::time::Duration::from_secs(120))
        .assert()
        .success();
    assert_eq!(read_tree(&out), first, "the FIFO is replaced by the file");

    let before = fs::read(out.join("roles.csv")).unwrap();
    fs::remove_file(out.join("items.csv")).unwrap();
    fs::create_dir_all(out.join("items.csv/sub")).unwrap();
    // A new job title: both tables change.
    let family = fs::read_to_string(roles.join("engineering.yaml")).unwrap();
    fs::write(
        roles.join("engineering.yaml"),
        family.replacen("title: ", "title: Chief ", 2),
    )
    .unwrap();
    let o = jdgen(&roles)
        .args(["export", "--csv", "-o"])
        .arg(&out)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("items.csv") && err.contains("folder is in the way"),
        "{err}"
    );
    assert_eq!(
        fs::read(out.join("roles.csv")).unwrap(),
        before,
        "roles.csv was replaced alone"
    );
}

#[test]
fn a_second_export_into_the_same_folder_waits_its_turn() {
    // Two exports into one folder used to interleave their renames, which
    // could leave roles.csv from one run beside items.csv from the other.
    // The folder itself is locked while a set is compared and renamed: the
    // test holds that lock as a first run would.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("export");
    fs::create_dir_all(&out).unwrap();
    let held = fs::File::open(&out).unwrap();
    held.lock().unwrap();
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_jdgen"));
    cmd.env_remove("JDGEN_ROLES")
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .arg("--roles")
        .arg(shipped())
        .args(["export", "--csv", "--json", "-o"])
        .arg(&out);
    let (mut child, mut err, seen) = common::spawn_until(cmd, "waiting: another jdgen run");
    assert!(seen.contains(&out.display().to_string()), "{seen}");
    // It is blocked on the lock: nothing may be in place yet, and it must
    // not have exited.
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(child.try_wait().unwrap().is_none(), "{seen}");
    let names: Vec<_> = fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect();
    assert!(
        names.is_empty(),
        "written while another run held the folder: {names:?}"
    );
    drop(held);
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut err, &mut rest).unwrap();
    assert!(child.wait().unwrap().success(), "{seen}{rest}");
    assert!(rest.contains("wrote "), "{rest}");
    let (_, expected) = export(&shipped(), &["--csv", "--json"]);
    assert_eq!(read_tree(&out), expected);
}

#[test]
fn a_killed_exports_leftovers_go_even_when_the_next_export_fails() {
    // The sweep ran only after a successful export, so leftovers that had
    // filled the disk made every later export fail, and stayed.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("export");
    let leftover = out.join(".pdfs.otherhost-12.abc123.tmp");
    fs::create_dir_all(&leftover).unwrap();
    fs::write(leftover.join("a.pdf"), b"partial").unwrap();
    let an_hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    for p in [leftover.join("a.pdf"), leftover.clone()] {
        fs::File::open(&p)
            .unwrap()
            .set_modified(an_hour_ago)
            .unwrap();
    }
    // A role folder that fails validation: nothing is exported.
    let roles = tempfile::tempdir().unwrap();
    fs::copy(
        root().join("tests/fixtures/minimal/company.yaml"),
        roles.path().join("company.yaml"),
    )
    .unwrap();
    fs::write(roles.path().join("bad.yaml"), "family: [\n").unwrap();
    let o = jdgen(roles.path())
        .args(["export", "--csv", "-o"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(!leftover.exists(), "the dead run's folder is still there");
}

/// A cell too long for a spreadsheet only once paragraphs are joined: the
/// workbook's error is said at its place in the role file, as `check`
/// says it (it named only the table, row and column). The safe CSV, made
/// for spreadsheets, refuses it too; the import CSV and JSON hold it.
#[test]
fn a_cell_too_long_for_the_workbook_is_said_where_it_is_written() {
    let roles = tempfile::tempdir().unwrap();
    fs::copy(
        root().join("tests/fixtures/minimal/company.yaml"),
        roles.path().join("company.yaml"),
    )
    .unwrap();
    let paragraph = "word ".repeat(4_000);
    fs::write(
        roles.path().join("long.yaml"),
        format!("family: long\ntitle: Long\nlevels:\n  - id: long-a\n    level: A\n    title: A\n    description:\n      - \"{paragraph}\"\n      - \"{paragraph}\"\n"),
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let res = jdgen(roles.path())
        .args(["export", "--xlsx", "-o"])
        .arg(out.path().join("x"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&res.stderr);
    assert_eq!(res.status.code(), Some(1), "{err}");
    assert!(
        err.contains(
            "long.yaml:7:5: error: table `roles`, row 1 (role `long-a`), column `description`"
        ) && err.contains(" 7 |     description:"),
        "{err}"
    );
    assert!(!out.path().join("x").exists());
    let res = jdgen(roles.path())
        .args(["export", "--csv", "-o"])
        .arg(out.path().join("c"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&res.stderr);
    assert_eq!(res.status.code(), Some(1), "{err}");
    assert!(err.contains("long.yaml:7:5: error: table `roles`"), "{err}");
    assert!(!out.path().join("c").exists());
    let (_, files) = export(
        roles.path(),
        &["--csv", "--csv-profile", "import", "--json"],
    );
    let (header, rows) = parse_csv(&files["roles.csv"]);
    assert_eq!(
        rows[0][column(&header, "description")].chars().count(),
        40_002
    );
}

/// The safe CSV's `'` before a formula character makes a cell one longer,
/// in that file only: a joined description of exactly 32,767 characters
/// starting with `-` fits the workbook and the import CSV, not the safe
/// CSV (the workbook was refused and the safe CSV written, the other way
/// round).
#[test]
fn the_safe_csv_quote_counts_only_in_the_safe_csv() {
    let roles = tempfile::tempdir().unwrap();
    fs::copy(
        root().join("tests/fixtures/minimal/company.yaml"),
        roles.path().join("company.yaml"),
    )
    .unwrap();
    let (first, second) = (format!("-{}", "a".repeat(16_381)), "b".repeat(16_383));
    fs::write(
        roles.path().join("edge.yaml"),
        format!("family: edge\ntitle: Edge\nlevels:\n  - id: edge-a\n    level: A\n    title: A\n    description:\n      - \"{first}\"\n      - \"{second}\"\n"),
    )
    .unwrap();
    let joined = format!("{first}\n\n{second}");
    assert_eq!(joined.chars().count(), 32_767);

    let (_, files) = export(roles.path(), &["--xlsx"]);
    let book = read_xlsx(&files["roles.xlsx"]);
    let sheet = &book["roles"];
    let col = sheet[0].iter().position(|c| c == "description").unwrap();
    assert_eq!(sheet[1][col], joined);
    let (_, files) = export(roles.path(), &["--csv", "--csv-profile", "import"]);
    let (header, rows) = parse_csv(&files["roles.csv"]);
    assert_eq!(rows[0][column(&header, "description")], joined);

    let out = tempfile::tempdir().unwrap();
    for args in [
        &["export", "--csv", "-o", "x"][..],
        &["export", "--csv", "-o", "-", "--table", "roles"],
        &["check"],
    ] {
        let res = jdgen(roles.path())
            .current_dir(out.path())
            .args(args)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&res.stderr);
        assert_eq!(res.status.code(), Some(1), "{args:?}: {err}");
        assert!(
            err.contains("edge.yaml:7:5: error: table `roles`, row 1 (role `edge-a`), column `description`: 32768 characters as a spreadsheet counts them, with the `'` the safe CSV puts before a formula character"),
            "{args:?}: {err}"
        );
        assert!(
            err.contains("`jdgen export --csv --csv-profile import` writes no `'`"),
            "{err}"
        );
        assert!(res.stdout.is_empty(), "{args:?}");
    }
    assert!(!out.path().join("x").exists());

    // One text of the role file, not joined: the same (it was refused as
    // it was read, by every command, workbook and import CSV included).
    let item = format!("-{}", "a".repeat(32_766));
    fs::write(
        roles.path().join("edge.yaml"),
        format!("family: edge\ntitle: Edge\nlevels:\n  - id: edge-a\n    level: A\n    title: A\n    requirements:\n      items:\n        - \"{item}\"\n"),
    )
    .unwrap();
    let (_, files) = export(
        roles.path(),
        &["--xlsx", "--csv", "--csv-profile", "import"],
    );
    let (header, rows) = parse_csv(&files["items.csv"]);
    assert_eq!(rows[0][column(&header, "text")], item);
    let res = jdgen(roles.path())
        .args(["export", "--csv", "-o", "-", "--table", "items"])
        .output()
        .unwrap();
    assert_eq!(res.status.code(), Some(1));
}

#[test]
fn an_export_that_fails_before_rendering_makes_no_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let template = tmp.path().join("broken.typ");
    fs::write(&template, "#let x = (1, 2\n").unwrap();
    let out = tmp.path().join("new/export");
    let res = jdgen(&shipped())
        .args(["export", "--zip", "--template"])
        .arg(&template)
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&res.stderr);
    assert_eq!(res.status.code(), Some(1), "{err}");
    assert!(
        err.contains("broken.typ:1:10: error: unclosed delimiter"),
        "{err}"
    );
    assert!(!tmp.path().join("new").exists());
}

#[test]
fn a_table_the_reader_stopped_taking_is_an_error() {
    // `export -o - | importer` with an importer that died: exit 0 said
    // the table was delivered. A listing read by a person stays quiet.
    let run = |args: &[&str]| {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        std::process::Command::new(env!("CARGO_BIN_EXE_jdgen"))
            .env_remove("JDGEN_ROLES")
            .arg("--roles")
            .arg(shipped())
            .args(args)
            .stdout(writer)
            .output()
            .unwrap()
    };
    for args in [
        &["export", "--csv", "-o", "-", "--table", "items"][..],
        &["show", "senior-social", "--format", "json"],
        &["list", "--format", "json"],
    ] {
        let out = run(args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.contains("error: <stdout>: Broken pipe"), "{err}");
    }
    let out = run(&["list"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stderr.is_empty());
}

#[test]
fn a_file_another_user_owns_in_a_sticky_folder_stops_the_set_before_any_rename() {
    // A shared drop folder (mode 1777): only a file's owner may replace
    // it. The rename of a colleague's items.csv failed after roles.csv was
    // replaced, leaving one run's roles beside another's items. Needs
    // root, to make a file of another user and run jdgen as `nobody`.
    use std::os::unix::fs::{PermissionsExt, chown};
    let root_here = std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout == b"0\n");
    let setpriv = std::process::Command::new("setpriv")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !root_here || !setpriv {
        eprintln!("skipped: needs root and setpriv");
        return;
    }
    let base = tempfile::tempdir().unwrap();
    let b = base.path();
    fs::set_permissions(b, fs::Permissions::from_mode(0o755)).unwrap();
    let (old, new, shared) = (b.join("old"), b.join("new"), b.join("shared"));
    for dir in [&old, &new] {
        fs::create_dir(dir).unwrap();
        for e in fs::read_dir(shipped()).unwrap().flatten() {
            fs::copy(e.path(), dir.join(e.file_name())).unwrap();
        }
        fs::set_permissions(dir, fs::Permissions::from_mode(0o755)).unwrap();
    }
    fs::remove_file(old.join("social-marketing.yaml")).unwrap();
    fs::create_dir(&shared).unwrap();
    fs::set_permissions(&shared, fs::Permissions::from_mode(0o1777)).unwrap();
    let o = jdgen(&old)
        .args(["export", "--csv", "-o"])
        .arg(&shared)
        .output()
        .unwrap();
    assert!(o.status.success());
    let before = read_tree(&shared);
    // roles.csv is the runner's own (nobody's); items.csv is root's.
    chown(shared.join("roles.csv"), Some(65534), None).unwrap();
    let o = std::process::Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(assert_cmd::cargo::cargo_bin("jdgen"))
        .arg("--roles")
        .arg(&new)
        .args(["export", "--csv", "-o"])
        .arg(&shared)
        .env_remove("SOURCE_DATE_EPOCH")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("items.csv: this file belongs to another user, in a folder whose sticky bit"),
        "{err}"
    );
    assert!(!err.contains("wrote"), "{err}");
    assert_eq!(read_tree(&shared), before, "a file was replaced");
}
