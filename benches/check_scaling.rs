//! Scaling benchmark for loading and checking role files: inputs that grow
//! along one dimension each, timed at N and 4N, so a cost that grows
//! faster than the input shows as a ratio far above 4 (16 for quadratic).
//!
//! ```sh
//! cargo bench --bench check_scaling            # every case, N and 4N
//! cargo bench --bench check_scaling -- hash    # cases whose name holds `hash`
//! ```
//!
//! Each case is a role folder written to a temporary folder and checked
//! in-process with `jdgen::validate::check` (what `jdgen check` runs, and
//! what every other command loads through), best of three runs. The cases
//! are the ones a review found quadratic (see docs/performance.md,
//! "Loading scales with the input"); the table prints as Markdown.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

/// A case: its name, what it grows, the two sizes, and its files.
struct Case {
    name: &'static str,
    grows: &'static str,
    n: usize,
    make: fn(usize) -> Vec<(String, String)>,
}

const LEVEL: &str = "  - id: a-fam\n    level: L\n    title: T\n";

/// A comment line per 2 bytes, `mib` MiB of them: puts what follows deep
/// in a large file.
fn padding(mib: usize) -> String {
    "#\n".repeat(mib << 19)
}

fn one(file: String) -> Vec<(String, String)> {
    vec![("f.yaml".into(), file)]
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "empty-optional-keys",
            grows: "sections with `place:` and nothing after it",
            n: 5_000,
            make: |n| {
                let mut s = String::from("family: fam\ntitle: Fam\nsections:\n");
                for i in 0..n {
                    let _ = write!(s, "  - heading: H{i}\n    place:\n    items: [x]\n");
                }
                one(s + "levels:\n" + LEVEL)
            },
        },
        Case {
            name: "unknown-keys-after-type-error",
            grows: "unknown keys after `title: [not, text]`",
            n: 8_000,
            make: |n| {
                let mut s = String::from("family: fam\ntitle: [not, text]\n");
                for k in 0..n {
                    let _ = writeln!(s, "bogus{k}: x");
                }
                one(s + "levels:\n" + LEVEL)
            },
        },
        Case {
            name: "ids-shared-by-files",
            grows: "files sharing a family id and 20 role ids",
            n: 100,
            make: |n| {
                let mut levels = String::new();
                for k in 0..20 {
                    let _ = write!(
                        levels,
                        "  - id: same{k}-fam\n    level: L{k}\n    title: T\n"
                    );
                }
                (0..n)
                    .map(|f| {
                        (
                            format!("f{f:05}.yaml"),
                            format!("family: fam\ntitle: Fam\nlevels:\n{levels}"),
                        )
                    })
                    .collect()
            },
        },
        Case {
            name: "ids-shared-by-two-broken-files",
            grows: "levels (over the family's cap) whose ids two files share",
            n: 10_000,
            make: |n| {
                (0..2)
                    .map(|f| {
                        let mut s = format!("family: fam{f}\ntitle: Fam\nlevels:\n");
                        for k in 0..n {
                            let _ = write!(s, "  - id: x{k}-fam\n    level: L{k}\n    title: T\n");
                        }
                        (format!("f{f}.yaml"), s)
                    })
                    .collect()
            },
        },
        Case {
            name: "repeated-key-in-entries",
            grows: "entries with `id:` written twice, after 4 MiB",
            n: 50,
            make: |n| {
                let mut s = padding(4) + "family: fam\ntitle: Fam\nlevels:\n";
                for i in 0..n {
                    let _ = write!(
                        s,
                        "  - id: a{i}-fam\n    level: L{i}\n    title: T\n    id: b{i}-fam\n"
                    );
                }
                one(s)
            },
        },
        Case {
            name: "hash-cuts-late-in-file",
            grows: "texts cut short by ` #`, after 4 MiB",
            n: 50,
            make: |n| {
                let mut s = padding(4) + "family: fam\ntitle: Fam\nlevels:\n" + LEVEL;
                s += "    responsibilities:\n      items:\n";
                for i in 0..n {
                    let _ = writeln!(s, "        - a #b{i}");
                }
                one(s)
            },
        },
        Case {
            name: "escapes-in-double-quotes",
            grows: "texts with `\\e` in double quotes",
            n: 5_000,
            make: |n| {
                let mut s = String::from("family: fam\ntitle: Fam\nlevels:\n");
                for l in 0..n.div_ceil(1000) {
                    let _ = write!(
                        s,
                        "  - id: a{l}-fam\n    level: L{l}\n    title: T\n    responsibilities:\n      items:\n"
                    );
                    for k in 0..n.min(1000) {
                        let _ = writeln!(s, "        - \"bad \\e escape {l} {k}\"");
                    }
                }
                one(s)
            },
        },
        Case {
            name: "blank-link-after-many-targets",
            grows: "`](/t` before a blank-text link, in 400 texts",
            n: 1_000,
            make: |n| {
                let text = format!("[x{} [ ](/t)", "](/t".repeat(n));
                let mut s = String::from("family: fam\ntitle: Fam\nlevels:\n");
                for l in 0..4 {
                    let _ = write!(
                        s,
                        "  - id: a{l}-fam\n    level: L{l}\n    title: T\n    responsibilities:\n      items:\n"
                    );
                    for k in 0..100 {
                        let _ = writeln!(s, "        - \"{k} {text}\"");
                    }
                }
                one(s)
            },
        },
    ]
}

/// Best of three `validate::check` runs on the folder `case` makes at `n`.
fn time(case: &Case, n: usize) -> (Duration, usize) {
    let dir = tempfile::tempdir().expect("temp folder");
    fs::write(
        dir.path().join("company.yaml"),
        "name: Acme\nwebsite: https://acme.test\n",
    )
    .expect("company.yaml");
    for (name, text) in (case.make)(n) {
        fs::write(dir.path().join(name), text).expect("role file");
    }
    let mut best = Duration::MAX;
    let mut found = 0;
    for _ in 0..3 {
        let start = Instant::now();
        let report = jdgen::validate::check(Path::new(dir.path()), &[]).expect("check runs");
        best = best.min(start.elapsed());
        found = report.errors + report.warnings;
    }
    (best, found)
}

fn main() {
    // `cargo bench` passes `--bench`; anything else filters by name.
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    println!("| case | grows | N | time at N | time at 4N | ratio | findings at 4N |");
    println!("|---|---|---|---|---|---|---|");
    for case in cases() {
        if !filters.is_empty() && !filters.iter().any(|f| case.name.contains(f.as_str())) {
            continue;
        }
        let (small, _) = time(&case, case.n);
        let (large, found) = time(&case, 4 * case.n);
        println!(
            "| {} | {} | {} | {:.3} s | {:.3} s | {:.1}× | {found} |",
            case.name,
            case.grows,
            case.n,
            small.as_secs_f64(),
            large.as_secs_f64(),
            large.as_secs_f64() / small.as_secs_f64().max(1e-9)
        );
    }
}
