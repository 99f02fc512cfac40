//! Batch benchmark: `jdgen build` against a shell loop over the stock
//! `typst` CLI, on the same template, data and fonts, in one run.
//!
//! ```sh
//! cargo bench --bench batch                 # 100 and 1000 role levels
//! cargo bench --bench batch -- 250          # other sizes
//! cargo bench --bench batch -- --corpus-only 250   # only write the corpus (for profiling)
//! cargo bench --bench batch -- --rounds 3 1000      # every case 3 times, interleaved; medians
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

/// A table row: the median wall time of the rounds (with their range when
/// there are several) and the highest peak RSS.
fn row(name: &str, runs: &[Measure], per_role: usize) -> String {
    let mut walls: Vec<f64> = runs.iter().map(|m| m.wall.as_secs_f64()).collect();
    walls.sort_by(f64::total_cmp);
    let median = walls[walls.len() / 2];
    let range = if walls.len() > 1 {
        format!(" ({:.2}–{:.2})", walls[0], walls[walls.len() - 1])
    } else {
        String::new()
    };
    let rss = runs.iter().map(|m| m.max_rss_kib).max().unwrap_or(0);
    format!(
        "| {name} | {median:.2} s{range} | {:.1} ms | {:.0} MB |",
        median * 1000.0 / per_role as f64,
        rss as f64 / 1024.0
    )
}

/// Median and range of per-round ratios `a[i] / b[i]`, e.g. `3.4× (3.1–3.9×)`.
fn ratio(a: &[Measure], b: &[Measure], scale: f64, unit: &str) -> String {
    let mut r: Vec<f64> = a
        .iter()
        .zip(b)
        .map(|(a, b)| scale * a.wall.as_secs_f64() / b.wall.as_secs_f64())
        .collect();
    r.sort_by(f64::total_cmp);
    let median = r[r.len() / 2];
    if r.len() > 1 {
        format!(
            "**{median:.1}{unit}** ({:.1}–{:.1}{unit})",
            r[0],
            r[r.len() - 1]
        )
    } else {
        format!("**{median:.1}{unit}**")
    }
}

fn bench_size(root: &Path, target: usize, cores: usize, rounds: usize) {
    let work = root.join(format!("n{target}"));
    let _ = fs::remove_dir_all(&work);
    let roles = work.join("roles");
    let n = jdgen::corpus::generate(Path::new("roles"), &roles, target).expect("corpus");
    let out = work.join("out");

    let build = |extra: &[&str]| {
        let mut c = jdgen();
        c.arg("--roles")
            .arg(&roles)
            .args(["build", "--quiet", "-o"])
            .arg(&out)
            .args(extra);
        measure(&mut c)
    };
    // The file changed for the one-family rebuild: one family copy.
    let file = fs::read_dir(&roles)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.file_name().unwrap() != "company.yaml")
        .min()
        .unwrap();
    let typst = typst_available();
    let cli_script = if typst {
        Some(prepare_cli(&work, &roles))
    } else {
        None
    };
    let (mut cold, mut noop, mut one, mut seq, mut par) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    // Rounds interleave every case, so a slow spell of this shared machine
    // hits all of them rather than one.
    for _ in 0..rounds {
        let _ = fs::remove_dir_all(&out);
        cold.push(build(&[]));
        noop.push(build(&[]));
        let text = fs::read_to_string(&file).unwrap();
        fs::write(&file, text.replacen("title: ", "title: Changed ", 1)).unwrap();
        one.push(build(&[]));
        if let Some(script) = &cli_script {
            seq.push(measure(Command::new("sh").arg("-c").arg(script(1))));
            par.push(measure(Command::new("sh").arg("-c").arg(script(cores))));
        }
    }
    let mut rows = vec![
        row("jdgen build, cold", &cold, n),
        row("jdgen build, nothing changed", &noop, n),
        row("jdgen build, one family changed", &one, n),
    ];
    let rss = cold.iter().map(|m| m.max_rss_kib).max().unwrap_or(0) as f64 / 1024.0;
    let ratios = if typst {
        rows.push(row("typst CLI loop, sequential", &seq, n));
        rows.push(row(&format!("typst CLI loop, xargs -P {cores}"), &par, n));
        format!(
            "\njdgen cold build vs sequential CLI loop: {} faster; vs parallel loop: {} faster; \
             no-op rebuild = {} of the cold build; peak RSS {rss:.0} MB.\n",
            ratio(&seq, &cold, 1.0, "×"),
            ratio(&par, &cold, 1.0, "×"),
            ratio(&noop, &cold, 100.0, "%"),
        )
    } else {
        format!(
            "\n(`typst` not on PATH: CLI comparison skipped.) No-op rebuild = {} of the cold build; peak RSS {rss:.0} MB.\n",
            ratio(&noop, &cold, 100.0, "%"),
        )
    };
    let rounds_note = if rounds > 1 {
        format!(", median of {rounds} rounds (range)")
    } else {
        String::new()
    };
    println!("\n### {n} role levels ({cores} cores{rounds_note})\n");
    println!("| run | wall | per role | peak RSS |\n|---|---|---|---|");
    for r in rows {
        println!("{r}");
    }
    println!("{ratios}");
}

/// Sets up the CLI loop on the same data and template: each role's
/// template data beside a copy of the template, as docs/templates.md
/// describes. Returns the shell command for a given `xargs -P`.
fn prepare_cli(work: &Path, roles: &Path) -> impl Fn(usize) -> String + use<> {
    let tpl = work.join("templates");
    fs::create_dir_all(&tpl).unwrap();
    for e in fs::read_dir("templates").unwrap().flatten() {
        if e.path().is_file() {
            fs::copy(e.path(), tpl.join(e.file_name())).unwrap();
        }
    }
    let lib = jdgen::load::load(roles).unwrap();
    let ids: Vec<String> = lib.role_ids().into_iter().map(String::from).collect();
    let company = lib.company.clone();
    let (date, dated) = jdgen::data::document_dating(&company).unwrap();
    let doc = jdgen::data::DocumentOptions {
        date,
        dated,
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
    move |parallel: usize| {
        format!(
            "xargs -P {parallel} -I{{}} typst compile --ignore-system-fonts --ignore-embedded-fonts --font-path '{}' \
             --input data={{}}.json '{}/job-description.typ' '{}/{{}}.pdf' < '{}'",
            fonts.display(),
            tpl.display(),
            cli_out.display(),
            list.display()
        )
    }
}

fn main() {
    // `cargo bench` passes `--bench`; `--rounds N` is below; other
    // numbers are corpus sizes.
    let args: Vec<String> = std::env::args().collect();
    let sizes: Vec<usize> = args
        .iter()
        .enumerate()
        .skip(1)
        .filter(|(i, _)| args[i - 1] != "--rounds")
        .filter_map(|(_, a)| a.parse().ok())
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
    // `--rounds N`: run every case N times, interleaved; report medians.
    let rounds = args
        .iter()
        .position(|a| a == "--rounds")
        .and_then(|i| args.get(i + 1))
        .map(|n| n.parse::<usize>().expect("--rounds takes a number"))
        .unwrap_or(1)
        .max(1);
    for size in sizes {
        if corpus_only {
            let roles = root.join(format!("n{size}")).join("roles");
            let _ = fs::remove_dir_all(&roles);
            let n = jdgen::corpus::generate(Path::new("roles"), &roles, size).expect("corpus");
            println!("{n} role levels in {}", roles.display());
        } else {
            bench_size(&root, size, cores, rounds);
        }
    }
}
