//! Batch benchmark: `jdgen build` against a shell loop over the stock
//! `typst` CLI, on the same template, data and fonts, in one run.
//!
//! ```sh
//! cargo bench --bench batch                 # 100 and 1000 role levels
//! cargo bench --bench batch -- 250          # other sizes
//! cargo bench --bench batch -- --corpus-only 250   # only write the corpus (for profiling)
//! ```
//!
//! For each corpus size it measures, with wall time and the peak RSS of the
//! measured process (from `wait4`):
//! - `jdgen build`: cold (empty output folder), no-op rebuild, rebuild after
//!   one role changed;
//! - the `typst` CLI once per role, sequentially and with `xargs -P <cores>`
//!   (skipped with a note when `typst` is not on PATH; install it with
//!   `cargo install typst-cli --version 0.15.1 --locked`).
//!
//! Results print as a Markdown table for `docs/performance.md`.

use std::fs;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

struct Measure {
    wall: Duration,
    max_rss_kib: i64,
}

/// Runs `cmd` to completion; its wall time and peak RSS.
// The child is reaped by wait4 (which also gives its rusage), not wait().
#[allow(clippy::zombie_processes)]
fn measure(cmd: &mut Command) -> Measure {
    let start = Instant::now();
    let child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: rusage is plain old data; wait4 fills it for this child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(r, pid, "wait4 failed");
    let wall = start.elapsed();
    let exit = std::process::ExitStatus::from_raw(status);
    assert!(exit.success(), "{cmd:?} failed: {exit}");
    Measure {
        wall,
        max_rss_kib: usage.ru_maxrss,
    }
}

fn jdgen() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_jdgen"));
    c.env_remove("SOURCE_DATE_EPOCH");
    c
}

fn typst_available() -> bool {
    Command::new("typst")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn row(name: &str, m: &Measure, per_role: usize) -> String {
    format!(
        "| {name} | {:.2} s | {:.1} ms | {:.0} MB |",
        m.wall.as_secs_f64(),
        m.wall.as_secs_f64() * 1000.0 / per_role as f64,
        m.max_rss_kib as f64 / 1024.0
    )
}

fn bench_size(root: &Path, target: usize, cores: usize) {
    let work = root.join(format!("n{target}"));
    let _ = fs::remove_dir_all(&work);
    let roles = work.join("roles");
    let n = jdgen::corpus::generate(Path::new("roles"), &roles, target).expect("corpus");
    let out = work.join("out");
    let mut rows = Vec::new();

    let build = |extra: &[&str]| {
        let mut c = jdgen();
        c.arg("--roles")
            .arg(&roles)
            .args(["build", "--quiet", "-o"])
            .arg(&out)
            .args(extra);
        measure(&mut c)
    };
    let cold = build(&[]);
    rows.push(row("jdgen build, cold", &cold, n));
    let noop = build(&[]);
    rows.push(row("jdgen build, nothing changed", &noop, n));
    // Change one role: the first item of one family copy.
    let file = fs::read_dir(&roles)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.file_name().unwrap() != "company.yaml")
        .min()
        .unwrap();
    let text = fs::read_to_string(&file).unwrap();
    fs::write(&file, text.replacen("title: ", "title: Changed ", 1)).unwrap();
    let one = build(&[]);
    rows.push(row("jdgen build, one family changed", &one, n));

    let ratios = if typst_available() {
        // Same data and template for the CLI: each role's template data
        // beside a copy of the template, as docs/templates.md describes.
        let tpl = work.join("templates");
        fs::create_dir_all(&tpl).unwrap();
        for e in fs::read_dir("templates").unwrap().flatten() {
            if e.path().is_file() {
                fs::copy(e.path(), tpl.join(e.file_name())).unwrap();
            }
        }
        let lib = jdgen::load::load(&roles).unwrap();
        let ids: Vec<String> = lib.role_ids().into_iter().map(String::from).collect();
        let company = lib.company.clone();
        let doc = jdgen::data::DocumentOptions {
            date: jdgen::data::document_date(&company).unwrap(),
            paper: "a4".into(),
            signature: false,
        };
        for r in jdgen::resolve::resolve_all(&lib).unwrap() {
            let data = jdgen::data::template_data(&company, &r, &doc);
            fs::write(
                tpl.join(format!("{}.json", r.id)),
                serde_json::to_vec(&data).unwrap(),
            )
            .unwrap();
        }
        let cli_out = work.join("cli-out");
        fs::create_dir_all(&cli_out).unwrap();
        let fonts = fs::canonicalize("fonts").unwrap();
        let list = work.join("ids.txt");
        fs::write(&list, ids.join("\n")).unwrap();
        let script = |parallel: usize| {
            format!(
                "xargs -P {parallel} -I{{}} typst compile --ignore-system-fonts --font-path '{}' \
                 --input data={{}}.json '{}/job-description.typ' '{}/{{}}.pdf' < '{}'",
                fonts.display(),
                tpl.display(),
                cli_out.display(),
                list.display()
            )
        };
        let seq = measure(Command::new("sh").arg("-c").arg(script(1)));
        rows.push(row("typst CLI loop, sequential", &seq, n));
        let par = measure(Command::new("sh").arg("-c").arg(script(cores)));
        rows.push(row(&format!("typst CLI loop, xargs -P {cores}"), &par, n));
        format!(
            "\njdgen cold build vs sequential CLI loop: **{:.1}×** faster; vs parallel loop: **{:.1}×** faster; \
             no-op rebuild = **{:.1}%** of the cold build; peak RSS {:.0} MB.\n",
            seq.wall.as_secs_f64() / cold.wall.as_secs_f64(),
            par.wall.as_secs_f64() / cold.wall.as_secs_f64(),
            noop.wall.as_secs_f64() * 100.0 / cold.wall.as_secs_f64(),
            cold.max_rss_kib as f64 / 1024.0
        )
    } else {
        format!(
            "\n(`typst` not on PATH: CLI comparison skipped.) No-op rebuild = **{:.1}%** of the cold build; peak RSS {:.0} MB.\n",
            noop.wall.as_secs_f64() * 100.0 / cold.wall.as_secs_f64(),
            cold.max_rss_kib as f64 / 1024.0
        )
    };
    println!("\n### {n} role levels ({cores} cores)\n");
    println!("| run | wall | per role | peak RSS |\n|---|---|---|---|");
    for r in rows {
        println!("{r}");
    }
    println!("{ratios}");
}

fn main() {
    // `cargo bench` passes `--bench`; other arguments are corpus sizes.
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        vec![100, 1000]
    } else {
        sizes
    };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let root: PathBuf = std::env::var_os("JDGEN_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target/bench-batch"));
    fs::create_dir_all(&root).unwrap();
    let typst = Command::new("typst")
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|_| "not installed".into());
    println!(
        "jdgen {} (release), typst CLI: {typst}, {cores} cores",
        env!("CARGO_PKG_VERSION")
    );
    let corpus_only = std::env::args().any(|a| a == "--corpus-only");
    for size in sizes {
        if corpus_only {
            let roles = root.join(format!("n{size}")).join("roles");
            let _ = fs::remove_dir_all(&roles);
            let n = jdgen::corpus::generate(Path::new("roles"), &roles, size).expect("corpus");
            println!("{n} role levels in {}", roles.display());
        } else {
            bench_size(&root, size, cores);
        }
    }
}
