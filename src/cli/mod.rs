//! The command line: parse arguments, call the library, render errors once.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::Parser;

use crate::data;
use crate::diag::{self, Diagnostic};
use crate::error::{Error, Result, exit};
use crate::load::{self, Library};
use crate::render::{OwnPath, Renderer};
use crate::resolve;

mod args;

pub use args::{
    BuildArgs, CheckFormat, Cli, Command, Destination, DocArgs, ExportArgs, ListFormat, Paper,
    RenderArgs, ShowFormat,
};

/// Runs jdgen with the process arguments; returns the exit code.
pub fn main() -> i32 {
    // An empty JDGEN_ROLES (`JDGEN_ROLES= jdgen …`) means "not set", as for
    // most tools; clap would refuse it as an empty `--roles`, even when
    // `--roles` is given.
    if std::env::var_os("JDGEN_ROLES").is_some_and(|v| v.is_empty()) {
        // SAFETY: first thing in main, before any thread is started.
        unsafe { std::env::remove_var("JDGEN_ROLES") };
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            if !e.use_stderr() {
                return exit::OK; // --help, --version
            }
            if e.kind() == clap::error::ErrorKind::UnknownArgument
                && let Some(clap::error::ContextValue::String(arg)) =
                    e.get(clap::error::ContextKind::InvalidArg)
                && let Some(help) = role_folder_hint(Path::new(arg))
            {
                diag::to_stderr(&diag::printable(&help));
            }
            // `build --summary-json F --shard 5/4`: the summary must not
            // keep the previous run's "ok" even when the line is wrong.
            let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
            // The error alone, as for every other summary: not clap's
            // `error: ` before it or its `Usage:` and `--help` lines after.
            let rendered = e.render().to_string();
            let first = rendered.split("\n\n").next().unwrap_or_default();
            let error = first
                .lines()
                .map(|l| l.strip_prefix("error: ").unwrap_or(l))
                .collect::<Vec<_>>()
                .join("\n");
            let json = crate::build::StoppedSummary::usage(error).to_json();
            if let Some(path) = summary_path_in(&args) {
                let out = output_in(&args);
                let roles = roles_in(&args);
                let inputs: Vec<PathBuf> = [
                    option_in(&args, "--template", None).map(|t| template_folder(&t)),
                    option_in(&args, "--font-path", None),
                ]
                .into_iter()
                .flatten()
                .collect();
                if let Ok(file) =
                    crate::summary_file::SummaryFile::resolve(&path, &roles, &inputs, Some(&out))
                {
                    let _ = file.write(json.as_bytes());
                }
            }
            if is_build(&args)
                && option_in(&args, "--format", None).is_some_and(|f| f == Path::new("json"))
            {
                let _ = stdout_write_data(&json);
            }
            return exit::USAGE;
        }
    };
    // (A failure to install them leaves the default actions.)
    let _ = crate::interrupt::install(matches!(cli.command, Command::Build(_)));
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            diag::to_stderr(&format!("{e}\n"));
            e.exit_code()
        }
    }
}

/// The `--summary-json` file of a `build` command line that did not parse,
/// read leniently (`--summary-json F` or `--summary-json=F`, any bytes).
fn summary_path_in(args: &[std::ffi::OsString]) -> Option<PathBuf> {
    if !is_build(args) {
        return None;
    }
    option_in(args, "--summary-json", None).filter(|p| p != Path::new("-"))
}

/// The subcommand of a command line: the first word that is not an option
/// or the value of the global `--roles` (so `pdf --role build` is no build).
fn command_in(args: &[std::ffi::OsString]) -> Option<&std::ffi::OsString> {
    use std::os::unix::ffi::OsStrExt;
    let mut words = args.iter().skip(1);
    while let Some(a) = words.next() {
        if a == "--roles" {
            words.next();
        } else if !a.as_bytes().starts_with(b"-") {
            return Some(a);
        }
    }
    None
}

/// Whether a command line that did not parse is a `build` one.
fn is_build(args: &[std::ffi::OsString]) -> bool {
    command_in(args).is_some_and(|c| c == "build")
}

/// The output folder of a `build` command line that did not parse, read
/// the same lenient way (default `out`), so that its summary cannot be
/// written over the run's own outputs.
fn output_in(args: &[std::ffi::OsString]) -> PathBuf {
    option_in(args, "--output", Some("-o")).unwrap_or_else(|| PathBuf::from("out"))
}

/// For an argument clap refused that is a role folder (`jdgen check
/// roles-eu`) or a file in one (`jdgen check roles/x.yaml`): the help line
/// that says to pass the folder as `--roles` (quoted for a shell if needed).
fn role_folder_hint(arg: &Path) -> Option<String> {
    let dir = [Some(arg), arg.parent()]
        .into_iter()
        .flatten()
        .find(|d| d.join("company.yaml").is_file())?;
    let shown = match dir.display().to_string() {
        s if s.is_empty() => ".".to_string(),
        s => s,
    };
    // `-r` would read as an option: `./-r`.
    let path = if shown.starts_with('-') {
        format!("./{shown}")
    } else {
        shown.clone()
    };
    let quoted = if path.contains(|c: char| c.is_whitespace() || "'\"$`\\;&|<>()*?".contains(c)) {
        format!("'{}'", path.replace('\'', "'\\''"))
    } else {
        path
    };
    Some(format!(
        "help: to read the role folder {shown}, pass it as `--roles {quoted}`\n"
    ))
}

/// The folder a `--template` file may read from: its own.
fn template_folder(template: &Path) -> PathBuf {
    match template.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// The role folder `args` name: `--roles`, else `JDGEN_ROLES`, else `roles`.
fn roles_in(args: &[std::ffi::OsString]) -> PathBuf {
    option_in(args, "--roles", None)
        .or_else(|| {
            std::env::var_os("JDGEN_ROLES")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        })
        .unwrap_or_else(|| PathBuf::from("roles"))
}

/// The value of `--long V`, `--long=V`, `-s V` or `-sV` in `args` (the last
/// one given, as clap would take it).
fn option_in(args: &[std::ffi::OsString], long: &str, short: Option<&str>) -> Option<PathBuf> {
    use std::os::unix::ffi::OsStrExt;
    let as_path = |b: &[u8]| PathBuf::from(std::ffi::OsStr::from_bytes(b));
    let long_eq = format!("{long}=");
    let mut found = None;
    let mut it = args.iter().skip(1);
    while let Some(a) = it.next() {
        let b = a.as_bytes();
        if a == long || short.is_some_and(|s| a == s) {
            found = it.next().map(PathBuf::from);
        } else if let Some(v) = b.strip_prefix(long_eq.as_bytes()) {
            found = Some(as_path(v));
        } else if let Some(s) = short
            && let Some(v) = b.strip_prefix(s.as_bytes())
            && !v.is_empty()
        {
            found = Some(as_path(v.strip_prefix(b"=").unwrap_or(v)));
        }
    }
    found
}

/// Runs a parsed command line; returns the exit code for outcomes that are
/// not errors of their own (e.g. `check` finding problems).
pub fn run(cli: Cli) -> Result<i32> {
    match cli.command {
        Command::List { format } => list(&cli.roles, format),
        Command::Show { role, format, doc } => show(&cli.roles, &role, format, &doc),
        Command::Check { format, font_paths } => check(&cli.roles, format, &font_paths),
        Command::Pdf {
            roles,
            all,
            output,
            render,
            doc,
        } => pdf(&cli.roles, &roles, all, output, &render, &doc),
        Command::Build(args) => build(&cli.roles, &args).or_else(|e| {
            // Not on a terminal, a run's log is timestamped lines (cron
            // mail, log shippers): so is the error that stops it, each of
            // its lines (the source lines of a diagnostic included).
            use std::io::IsTerminal;
            if std::io::stderr().is_terminal() {
                return Err(e);
            }
            crate::build::log_stopping_error(&e.to_string());
            Ok(e.exit_code())
        }),
        Command::Export(args) => export(&cli.roles, &args),
        // A listing's handling of a closed pipe (`jdgen template | head`):
        // the reader took what it wanted.
        Command::Template => {
            stdout_write(crate::render::BUILTIN_TEMPLATE)?;
            Ok(exit::OK)
        }
    }
}

/// Loads the library and fails on any invalid file (for commands whose
/// output must be complete).
pub fn load_strict(dir: &Path) -> Result<Library> {
    let lib = load::load(dir)?;
    lib.ensure_valid()?;
    print_warnings(&lib.warnings);
    Ok(lib)
}

fn print_warnings(warnings: &[Diagnostic]) {
    if !warnings.is_empty() {
        diag::to_stderr(&diag::render(warnings));
    }
}

/// Writes data a program reads to stdout: a batch run's JSON summary, a
/// CSV table (`export -o -`), a role's template data. Unlike listings, a
/// closed pipe is an error here: the importer or scheduler reading it got
/// part of it, or nothing.
fn stdout_write_data(s: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(s.as_bytes())
        .and_then(|_| out.flush())
        .map_err(|e| Error::io(Path::new("<stdout>"), e))
}

fn stdout_write(s: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    // A closed pipe (`jdgen list | head`) is not an error worth a message.
    match out.write_all(s.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Error::io(Path::new("<stdout>"), e))
        }
        _ => Ok(()),
    }
}

fn list(dir: &Path, format: ListFormat) -> Result<i32> {
    // Lists what loads; files with errors are reported on stderr and make
    // the exit status 1, but do not hide the rest.
    let lib = load::load(dir)?;
    let problems = lib.diagnostics();
    if !problems.is_empty() {
        diag::to_stderr(&diag::render(&problems));
    }
    let status = if lib.failed.is_empty() {
        exit::OK
    } else {
        diag::to_stderr(&format!(
            "{} role file(s) have errors and are not listed\n",
            lib.failed.len()
        ));
        exit::FAILED
    };
    let roles = resolve::resolve_all(&lib)?;
    match format {
        ListFormat::Json => {
            let rows: Vec<_> = roles
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "id": r.id,
                        "title": r.title,
                        "family": r.family.id,
                        "family_title": r.family.title,
                        "level": r.level.name,
                        "grade": r.grade,
                    })
                })
                .collect();
            stdout_write_data(&(serde_json::to_string_pretty(&rows).expect("json") + "\n"))?;
        }
        ListFormat::Table => {
            let header = ["ROLE ID", "TITLE", "FAMILY", "GRADE"];
            let rows: Vec<[String; 4]> = roles
                .iter()
                .map(|r| {
                    [
                        r.id.clone(),
                        r.title.clone(),
                        r.family.id.clone(),
                        r.grade.map_or("-".into(), |g| g.to_string()),
                    ]
                })
                .collect();
            let mut widths = header.map(|h| h.chars().count());
            for row in &rows {
                for (w, cell) in widths.iter_mut().zip(row) {
                    *w = (*w).max(cell.chars().count());
                }
            }
            let mut out = String::new();
            let line = |cells: [&str; 4], out: &mut String| {
                let mut s = String::new();
                for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
                    if i == 3 {
                        s.push_str(cell);
                    } else {
                        s.push_str(&format!("{cell:<w$}  "));
                    }
                }
                out.push_str(s.trim_end());
                out.push('\n');
            };
            line(header, &mut out);
            for r in &rows {
                line([&r[0], &r[1], &r[2], &r[3]], &mut out);
            }
            out.push_str(&format!(
                "\n{} in {}\n",
                diag::counted(rows.len(), "role", "roles"),
                diag::counted(lib.families.len(), "family", "families")
            ));
            stdout_write(&out)?;
        }
    }
    Ok(status)
}

/// The role files with errors, counted on stderr, for commands that go on
/// with the roles of the other files.
fn warn_of_failed_files(lib: &Library) {
    if !lib.failed.is_empty() {
        diag::to_stderr(&format!(
            "warning: {} role file(s) have errors; `jdgen check` lists them\n",
            lib.failed.len()
        ));
    }
}

fn show(dir: &Path, id: &str, format: ShowFormat, doc: &DocArgs) -> Result<i32> {
    // Refused, not ignored: the YAML is the role, which they do not change.
    if format == ShowFormat::Yaml && doc.given() {
        return Err(Error::Usage(
            "--paper and --signature change the template data: add --format json".into(),
        ));
    }
    let lib = load::load(dir)?;
    print_warnings(&lib.warnings);
    // As `pdf --role` says it: the role shown may be fine, the folder not.
    warn_of_failed_files(&lib);
    let role = resolve::resolve_one(&lib, id)?;
    let (text, data) = match format {
        // Not serde_yaml's writer: its YAML 1.2 leaves `yes`, `on` or
        // `1_000` plain, which YAML 1.1 readers take for other types.
        ShowFormat::Yaml => (
            crate::yaml_out::to_string(
                &serde_json::to_value(ShowYaml {
                    role: &role,
                    family: &role.family_data.data,
                })
                .expect("plain data serialises"),
            ),
            false,
        ),
        // A template's data, for a program (a `typst compile` loop).
        ShowFormat::Json => {
            let data = data::template_data(&lib.company, &role, &doc.options(&lib.company)?);
            (
                serde_json::to_string_pretty(&data).expect("json") + "\n",
                true,
            )
        }
    };
    if data {
        stdout_write_data(&text)?;
    } else {
        stdout_write(&text)?;
    }
    Ok(exit::OK)
}

#[derive(serde::Serialize)]
struct ShowYaml<'a> {
    role: &'a resolve::ResolvedRole,
    /// The family file as written (shared content).
    family: &'a crate::schema::FamilyFile,
}

fn check(dir: &Path, format: CheckFormat, font_paths: &[PathBuf]) -> Result<i32> {
    let report = crate::validate::check(dir, font_paths)?;
    let crate::validate::Report {
        errors,
        warnings,
        roles,
        files,
        ..
    } = report;
    match format {
        CheckFormat::Json => {
            stdout_write_data(&(serde_json::to_string_pretty(&report).expect("json") + "\n"))?;
        }
        CheckFormat::Text => {
            diag::to_stderr(&diag::render(&report.diagnostics));
            if errors == 0 {
                diag::to_stderr(&format!(
                    "ok: {} in {}, {warnings} warning(s)\n",
                    diag::counted(roles, "role", "roles"),
                    diag::counted(files, "file", "files"),
                ));
            } else {
                diag::to_stderr(&format!(
                    "{errors} error(s), {warnings} warning(s) in {}\n",
                    dir.display()
                ));
            }
        }
    }
    Ok(if errors == 0 { exit::OK } else { exit::FAILED })
}

fn build(dir: &Path, args: &BuildArgs) -> Result<i32> {
    use crate::summary_file::SummaryFile;
    // Every summary says when its run started, also one that stops early
    // (a lock held, a bad argument): how a scheduler tells tonight's
    // summary from a stale one.
    let started_at = crate::build::utc_timestamp(std::time::SystemTime::now());
    // Resolved first: a summary path that is a folder or one of the run's
    // own outputs is a usage error before anything runs.
    let summary_file = match &args.summary_json {
        Some(p) if p != Path::new("-") => {
            let inputs: Vec<PathBuf> = args
                .render
                .template
                .iter()
                .map(|t| template_folder(t))
                .chain(args.render.font_paths.iter().cloned())
                .collect();
            Some(SummaryFile::resolve(p, dir, &inputs, Some(&args.output))?)
        }
        _ => None,
    };
    // Then the summary says "not finished": a run that is killed (kill -9,
    // a deadline's SIGTERM, a crash) or cannot write its final summary (a
    // full disk) must never leave the last run's "ok". A summary that
    // cannot be written at all stops the run here: the scheduler could not
    // learn its outcome.
    if let Some(file) = &summary_file {
        let pending = crate::build::StoppedSummary::pending(&args.output, &started_at).to_json();
        file.write_pending(pending.as_bytes())?;
    }
    // A half-set shard environment is said at once (and in the summary,
    // also of a run that stops early: a lock held is the likely sign of
    // pods that all build everything into one folder).
    let shard = match args.shard {
        Some(s) => Ok((Some(s), None)),
        None => crate::build::Shard::from_env(
            std::env::var("JOB_COMPLETION_INDEX").ok(),
            std::env::var("JDGEN_SHARD_COUNT").ok(),
        ),
    };
    let early_warnings: Vec<String> = match &shard {
        Ok((_, Some(w))) => vec![w.clone()],
        _ => Vec::new(),
    };
    if !args.quiet {
        for w in &early_warnings {
            crate::build::log_early_warning(w);
        }
    }
    match shard.and_then(|(shard, _)| build_summary(dir, args, shard, &early_warnings)) {
        Ok(mut summary) => {
            // The file first, then standard output; a failure of either
            // goes into the summary the other (still) receives, so the
            // two never say "ok" for a run that exits 1.
            let json =
                |s: &crate::build::Summary| serde_json::to_string_pretty(s).expect("json") + "\n";
            // Made again only if a failure changes the summary.
            let mut text = json(&summary);
            let mut failed = None;
            if let Some(file) = &summary_file
                && let Err(e) = file.write(text.as_bytes())
            {
                summary.add_failure(&e.to_string(), "the summary file is missing or stale");
                text = json(&summary);
                failed = Some(e);
            }
            if args.format == CheckFormat::Json
                && let Err(e) = stdout_write_data(&text)
            {
                if failed.is_none() {
                    summary.add_failure(
                        &e.to_string(),
                        "the summary on standard output (--format json) is missing or cut",
                    );
                    if let Some(file) = &summary_file {
                        let _ = file.write(json(&summary).as_bytes());
                    }
                    failed = Some(e);
                } else {
                    // Both failed: the file's error is the one returned;
                    // this one is said too (best effort).
                    diag::to_stderr(&format!("{e}\n"));
                }
            }
            match failed {
                Some(e) => Err(e),
                None => Ok(summary.exit_code),
            }
        }
        Err(e) => {
            // A run that could not start or finish still replaces the
            // previous summary: a scheduler must never read the last
            // night's "ok" for tonight's failure. Best effort: the error
            // itself is reported either way.
            // Role files that did not load (a broken company.yaml): their
            // warnings go where a finished run's go, not into the error.
            // In the log too: the first few, as a finished run logs them,
            // not every one in full beside the errors.
            let (e, mut warnings) = match e {
                Error::Invalid(d) => {
                    let (errors, warnings): (Vec<_>, Vec<_>) =
                        d.into_iter().partition(Diagnostic::is_error);
                    let lines = crate::build::warning_lines(&warnings);
                    if !args.quiet {
                        for w in &lines {
                            crate::build::log_early_warning(w);
                        }
                    }
                    (Error::Invalid(errors), lines)
                }
                e => (e, Vec::new()),
            };
            // (Without the `error: ` that starts each of its errors printed
            // alone: the field is the error.)
            let error = e.to_string();
            let error = error
                .trim_end()
                .lines()
                .map(|l| l.strip_prefix("error: ").unwrap_or(l))
                .collect::<Vec<_>>()
                .join("\n");
            warnings.splice(0..0, early_warnings.iter().cloned());
            let mut stopped = crate::build::StoppedSummary::stopped(
                &args.output,
                &started_at,
                e.exit_code(),
                error,
                warnings,
            );
            // As a finished run's summary names it (a stop while waiting).
            if let Error::Stopped(signal) = &e {
                stopped.stopped = Some(crate::interrupt::name(*signal));
            }
            let json = stopped.to_json();
            if let Some(file) = &summary_file {
                let _ = file.write(json.as_bytes());
            }
            if args.format == CheckFormat::Json {
                let _ = stdout_write_data(&json);
            }
            Err(e)
        }
    }
}

/// What a template folder that holds them does not read: the role folder,
/// this run's output (`-o`), `out/` (where `build` and `pdf` write by
/// default, wherever this run writes) and the run summary.
fn own_paths(roles: &Path, output: &Path, summary: Option<&Path>) -> Vec<OwnPath> {
    let mut own = vec![
        OwnPath {
            path: roles.to_path_buf(),
            what: "role folder",
        },
        OwnPath {
            path: output.to_path_buf(),
            what: "output (-o)",
        },
        // What `build` writes in it, when the output folder is the
        // template folder itself (which is not left out whole).
        OwnPath {
            path: output.join("pdf"),
            what: "output folder's PDFs",
        },
        OwnPath {
            path: output.join("export"),
            what: "output folder's exports",
        },
        OwnPath {
            path: output.join("manifest.json"),
            what: "output folder's manifest",
        },
        OwnPath {
            path: PathBuf::from("out"),
            what: "default output folder",
        },
    ];
    if let Some(summary) = summary {
        own.push(OwnPath {
            path: summary.to_path_buf(),
            what: "run summary (--summary-json)",
        });
    }
    own
}

/// An output path that is, or would make, a folder the next run reads as
/// a role file is a usage error.
fn refuse_role_file_name(roles: &Path, out: &Path) -> Result<()> {
    if let Some(yaml) = crate::summary_file::role_file_name_in(roles, out) {
        return Err(Error::Usage(format!(
            "-o {}: {} in the role folder would be read as a role file by every later run; \
             name it without .yaml (e.g. {}), or write outside {}",
            out.display(),
            if yaml == out || yaml == crate::summary_file::absolute(out) {
                "a folder with a .yaml or .yml name".to_string()
            } else {
                format!("the folder {}", yaml.display())
            },
            yaml.with_extension("").display(),
            roles.display()
        )));
    }
    Ok(())
}

/// The most worker threads `--jobs` may ask for.
const MAX_JOBS: usize = 256;

fn build_summary(
    dir: &Path,
    args: &BuildArgs,
    shard: Option<crate::build::Shard>,
    warnings: &[String],
) -> Result<crate::build::Summary> {
    if args.output == Path::new("-") {
        return Err(Error::Usage(
            "-o names the output folder; for the run summary on standard output use --format json"
                .into(),
        ));
    }
    refuse_role_file_name(dir, &args.output)?;
    if args.summary_json.as_deref() == Some(Path::new("-")) {
        return Err(Error::Usage(
            "--summary-json takes a file; for the summary on standard output use --format json"
                .into(),
        ));
    }
    let jobs = args.jobs.unwrap_or_else(crate::workers::default_jobs);
    if jobs == 0 {
        return Err(Error::Usage("--jobs must be at least 1".into()));
    }
    if jobs > MAX_JOBS {
        // Each worker is a thread with a 16 MiB stack and its own Typst
        // caches; rendering is CPU-bound, so beyond the cores they only
        // cost memory (100,000 of them exhausted it).
        return Err(Error::Usage(format!(
            "--jobs {jobs}: at most {MAX_JOBS} (this machine has {} cores; the default uses them all)",
            crate::workers::default_jobs()
        )));
    }
    let summary = args
        .summary_json
        .as_deref()
        .filter(|p| *p != Path::new("-"));
    let own = own_paths(dir, &args.output, summary);
    let renderer = Renderer::new(&args.render.options(own))?;
    // Said now, at the start, like the shard warnings before them.
    if !args.quiet {
        for w in renderer.warnings() {
            crate::build::log_early_warning(w);
        }
    }
    let opts = crate::build::BuildOptions {
        out_dir: args.output.clone(),
        jobs,
        force: args.force,
        verify: args.verify,
        shard,
        wait: args.wait,
        quiet: args.quiet,
        progress_bar: crate::build::stderr_is_terminal(),
        paper: args.doc.paper().as_str().to_string(),
        signature: args.doc.signature,
        formats: crate::export::Formats::all(),
        warnings: warnings
            .iter()
            .chain(renderer.warnings())
            .cloned()
            .collect(),
    };
    crate::build::run(dir, &renderer, &opts)
}

fn pdf(
    dir: &Path,
    ids: &[String],
    all: bool,
    output: Option<PathBuf>,
    render: &RenderArgs,
    doc: &DocArgs,
) -> Result<i32> {
    if let Some(out) = &output {
        refuse_role_file_name(dir, out)?;
    }
    // `--all` needs every file valid; named roles only their own file (an
    // error elsewhere should not stop the PDF for an offer going out today).
    let lib = if all {
        load_strict(dir)?
    } else {
        let lib = load::load(dir)?;
        print_warnings(&lib.warnings);
        warn_of_failed_files(&lib);
        lib
    };
    // Roles of broken files (their files' errors): reported, and the run
    // exits 1, but the other roles asked for are still rendered.
    let resolve::Selection {
        roles,
        broken,
        asked,
    } = if all {
        let roles = resolve::resolve_all(&lib)?;
        resolve::Selection {
            asked: roles.len(),
            roles,
            broken: Vec::new(),
        }
    } else {
        resolve::select(&lib, ids)?
    };
    // `-o x.pdf` is one file, unless it ends with `/` or is an existing
    // folder: then, as any other name, a folder.
    let single_file = match &output {
        Some(p)
            if p.extension().is_some_and(|e| e.eq_ignore_ascii_case("pdf"))
                && !p.as_os_str().to_string_lossy().ends_with('/')
                && !p.is_dir() =>
        {
            // Counting the roles of broken files too: what was asked.
            let wanted = roles.len().max(asked);
            if wanted != 1 {
                return Err(Error::Usage(format!(
                    "-o {} names one file but {wanted} roles were asked for; pass a folder",
                    p.display(),
                )));
            }
            true
        }
        _ => false,
    };
    let out = output.unwrap_or_else(|| PathBuf::from("out/pdf"));
    if out == Path::new("-") {
        return Err(Error::Usage(
            "PDFs are not written to standard output: -o takes a file ending in .pdf (one role) or a folder"
                .into(),
        ));
    }
    // A broken template or date fails before the folder is made.
    let renderer = Renderer::new(&render.options(own_paths(dir, &out, None)))?;
    for w in renderer.warnings() {
        diag::to_stderr(&format!("warning: {w}\n"));
    }
    let doc = doc.options(&lib.company)?;
    let target = if single_file {
        crate::render::Target::File(out.clone())
    } else {
        crate::render::Target::Folder(out.clone())
    };
    let stdout_tty = std::io::stdout().is_terminal();
    let results = crate::render::write_pdfs(&renderer, &lib.company, &roles, &doc, &target)?;
    let mut failures = broken;
    // Said once for all the roles they concern (a missing glyph in a
    // family-wide text warns every role of the family), after the paths.
    let mut warned = Vec::new();
    for (path, result) in results {
        match result {
            Ok(warnings) => {
                warned.extend(warnings);
                // Each path on stdout, one a line, whatever the count and
                // wherever stderr goes: `$(jdgen pdf --role x)` typed at a
                // terminal captured nothing when the path went to stderr.
                // To a script the path as it is; on a terminal, escaped
                // like every message.
                let path = path.display().to_string();
                if stdout_tty {
                    diag::to_stdout(&format!("{}\n", diag::printable(&path)));
                } else {
                    diag::to_stdout(&format!("{path}\n"));
                }
            }
            Err(diags) => failures.extend(diags),
        }
    }
    print_warnings(&diag::group_alike(warned));
    if failures.is_empty() {
        Ok(exit::OK)
    } else {
        Err(Error::Invalid(diag::group_alike(failures)))
    }
}

/// `jdgen export`: checks the flags (usage errors before any work), loads
/// and validates every role file, renders the PDFs for `--zip`, builds
/// every file in memory, and only then writes them, each atomically: a
/// failure anywhere before writing leaves nothing behind.
fn export(dir: &Path, args: &ExportArgs) -> Result<i32> {
    use crate::export;
    let (formats, dest) = args.plan()?;
    // A killed run's leftovers go first (its PDF folder for the bundle is
    // as large as the bundle): they may be what filled the disk, and an
    // export that fails would never reach the sweep at its end.
    if let Destination::Folder(out) = &dest {
        refuse_role_file_name(dir, out)?;
        crate::fsutil::sweep_temp_files(out, None);
    }
    let lib = load_strict(dir)?;
    let roles = resolve::resolve_all(&lib)?;
    let doc = args.doc.options(&lib.company)?;
    let out = match dest {
        Destination::Stdout(name) => {
            let table = export::tables::table(name, &lib.company, &roles);
            let too_long = export::export_limit_errors(
                std::slice::from_ref(&table),
                &lib.company,
                &roles,
                &formats,
            );
            if !too_long.is_empty() {
                return Err(crate::error::Error::Invalid(too_long));
            }
            let bytes = export::csv::write_csv(&table, formats.csv_profile, formats.excel)?;
            stdout_write_data(&String::from_utf8(bytes).expect("CSV is UTF-8"))?;
            return Ok(exit::OK);
        }
        Destination::Folder(out) => out,
    };
    let render = args.render.options(own_paths(dir, &out, None));
    export::write_folder(&lib, &roles, &doc, &formats, &render, &out, &mut |event| {
        use export::Event;
        match event {
            Event::TemplateWarning(w) => diag::to_stderr(&format!("warning: {w}\n")),
            Event::RenderWarnings(w) => print_warnings(&diag::group_alike(w)),
            Event::Waiting => diag::to_stderr(&format!(
                "waiting: another jdgen run is writing exports to {}\n",
                out.display()
            )),
            Event::Wrote(path) => diag::to_stderr(&format!("wrote {}\n", path.display())),
            Event::Unchanged(path) => diag::to_stderr(&format!("unchanged {}\n", path.display())),
        }
    })?;
    Ok(exit::OK)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
