//! The command line's flags, subcommands and their rules (which flags go
//! together), parsed by clap: what the user asked for, before any work.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::data::{self, DocumentOptions};
use crate::error::{Error, Result};
use crate::export::csv::CsvProfile;
use crate::export::tables::TableName;
use crate::export::{DEFAULT_DIR, Formats, NO_FORMAT, ZIP_FILE};
use crate::load;
use crate::render::{OwnPath, RenderOptions};

const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  invalid input, a failed role, or an I/O error
  2  usage error (bad arguments, a role id no role file declares)
  3  the output folder is locked by another jdgen run
  143, 130, 129  stopped by SIGTERM, SIGINT or SIGHUP (`build` stops between two roles and
                 writes its summary)";

#[derive(Parser, Debug)]
#[command(
    name = "jdgen",
    version,
    about = "Turns job-family definitions (roles/*.yaml) into offer-ready job-description PDFs and HR exports",
    after_help = EXIT_CODES
)]
pub struct Cli {
    /// Role folder: one YAML file per job family plus company.yaml.
    #[arg(long, global = true, env = "JDGEN_ROLES", default_value = "roles")]
    pub roles: PathBuf,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// List every role id with its title, family and grade.
    List {
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
    /// Show one resolved role (inherited items included).
    Show {
        /// Role id, e.g. senior-social.
        role: String,
        /// `yaml`: the resolved role (text quoted wherever a YAML 1.1 reader would
        /// see a boolean, number or date); `json`: exactly the data templates receive
        /// (the only one --paper and --signature change).
        #[arg(long, value_enum, default_value_t = ShowFormat::Yaml)]
        format: ShowFormat,
        #[command(flatten)]
        doc: DocArgs,
    },
    /// Validate every role file and report all problems.
    Check {
        #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
        format: CheckFormat,
        /// Extra folder of fonts (repeatable), as for `pdf` and `build`:
        /// text that no font can draw is reported.
        #[arg(long = "font-path", value_name = "DIR")]
        font_paths: Vec<PathBuf>,
    },
    /// Render job-description PDFs; prints each path written on stdout, one
    /// a line (messages go to stderr).
    // One of the two is needed: the usage line shows both (it showed only
    // `--role <ID>`, hiding `--all`).
    #[command(group(clap::ArgGroup::new("which").required(true).args(["role_ids", "all"])))]
    Pdf {
        /// Role id to render (repeatable).
        #[arg(long = "role", id = "role_ids", value_name = "ID")]
        roles: Vec<String>,
        /// Render every role.
        #[arg(long)]
        all: bool,
        /// Output file (one role, ending in .pdf) or folder (any other name, or a .pdf name ending in `/` or naming an existing folder) [default: out/pdf]
        #[arg(short, long, value_name = "PATH")]
        output: Option<PathBuf>,
        #[command(flatten)]
        render: RenderArgs,
        #[command(flatten)]
        doc: DocArgs,
    },
    /// Scheduled batch run: every PDF and every export, in parallel and
    /// incrementally, into one output folder.
    #[command(
        after_help = "Exit codes: 0 ok, 1 some roles failed (the others are still built), 2 usage, 3 the output folder is locked by another run, 143/130/129 stopped by SIGTERM/SIGINT/SIGHUP (after the roles in hand; what is left, the next run does)."
    )]
    Build(BuildArgs),
    /// Write HR exports: CSV tables, an XLSX workbook, JSON and a ZIP bundle
    /// with every PDF (columns: docs/exports.md).
    #[command(
        after_help = "Formats combine: `jdgen export --csv --xlsx --zip`. `jdgen export --csv -o - --table items` writes one table to standard output.\n\
                      --template, --font-path, --pdf-standard and --strict render the bundle's PDFs: they need --zip. --paper and --signature need --zip or --json."
    )]
    Export(ExportArgs),
    /// Print the built-in template (templates/job-description.typ) on
    /// stdout, to start a template of your own from:
    /// `jdgen template > mine/job-description.typ` (docs/templates.md).
    Template,
}

#[derive(Args, Debug)]
pub struct BuildArgs {
    /// Output folder.
    #[arg(short, long, value_name = "DIR", default_value = "out")]
    pub output: PathBuf,
    /// Render threads, 1 to 256 [default: all cores].
    #[arg(short, long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Rebuild every output even when its inputs did not change.
    #[arg(long)]
    pub force: bool,
    /// Check every existing output's SHA-256 (not only its size and file
    /// time) and rebuild any that differ: finds changes that kept the time.
    #[arg(long)]
    pub verify: bool,
    /// Build only slice K of N (1-based), e.g. `--shard 2/4`; defaults from
    /// JOB_COMPLETION_INDEX (0-based) and JDGEN_SHARD_COUNT when both are set.
    #[arg(long, value_name = "K/N", value_parser = parse_shard)]
    pub shard: Option<crate::build::Shard>,
    /// Wait for another run's lock instead of exiting with code 3.
    #[arg(long)]
    pub wait: bool,
    /// Print only errors.
    #[arg(short, long)]
    pub quiet: bool,
    /// Write the run summary as JSON to FILE.
    #[arg(long, value_name = "FILE")]
    pub summary_json: Option<PathBuf>,
    /// `json` prints the run summary to stdout.
    #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
    pub format: CheckFormat,
    #[command(flatten)]
    pub render: RenderArgs,
    #[command(flatten)]
    pub doc: DocArgs,
}

fn parse_shard(s: &str) -> std::result::Result<crate::build::Shard, String> {
    crate::build::Shard::parse(s)
}

#[derive(Args, Debug, Clone)]
pub struct RenderArgs {
    /// Typst template to use instead of the built-in one; it may read only
    /// files in its own folder.
    #[arg(long, value_name = "FILE")]
    pub template: Option<PathBuf>,
    /// Extra folder of fonts (repeatable); the shipped fonts are always there.
    #[arg(long = "font-path", value_name = "DIR")]
    pub font_paths: Vec<PathBuf>,
    /// PDF standard(s), comma-separated: a-2b or a-3b for archiving, ua-1
    /// for accessibility, 1.7, 2.0… (see docs/templates.md).
    #[arg(long, value_name = "STANDARD")]
    pub pdf_standard: Option<String>,
    /// Fail when a character has no glyph in any font (default: warn).
    #[arg(long)]
    pub strict: bool,
}

impl RenderArgs {
    /// `own`: the run's role folder, output folder and summary file, which
    /// a template folder that holds them does not read.
    pub fn options(&self, own: Vec<OwnPath>) -> RenderOptions {
        RenderOptions {
            template: self.template.clone(),
            own_paths: own,
            font_paths: self.font_paths.clone(),
            pdf_standard: self.pdf_standard.clone(),
            strict: self.strict,
        }
    }
}

#[derive(Args, Debug, Clone)]
pub struct DocArgs {
    /// Paper size [default: a4]. A --template sets its page from
    /// `document.paper` itself (docs/templates.md).
    // An Option, not a default value: `export --csv --paper a4` names an
    // option that changes nothing and is refused like `--paper us-letter`.
    #[arg(long, value_enum)]
    pub paper: Option<Paper>,
    /// Add an acknowledgement and signature block (for offer packets; a
    /// --template prints it from `document.signature`).
    #[arg(long)]
    pub signature: bool,
}

impl DocArgs {
    /// The paper asked for, or the default.
    pub fn paper(&self) -> Paper {
        self.paper.unwrap_or(Paper::A4)
    }

    /// Whether `--paper` or `--signature` was given.
    pub fn given(&self) -> bool {
        self.paper.is_some() || self.signature
    }

    pub fn options(&self, company: &load::Company) -> Result<DocumentOptions> {
        let (date, dated) = data::document_dating(company)?;
        Ok(DocumentOptions {
            date,
            dated,
            paper: self.paper().as_str().to_string(),
            signature: self.signature,
        })
    }
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Paper {
    A4,
    UsLetter,
}

impl Paper {
    pub fn as_str(self) -> &'static str {
        match self {
            Paper::A4 => "a4",
            Paper::UsLetter => "us-letter",
        }
    }
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListFormat {
    Table,
    Json,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShowFormat {
    Yaml,
    Json,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheckFormat {
    Text,
    Json,
}

/// The `jdgen export` command line (the `Export` subcommand flattens this).
#[derive(Args, Debug, Clone)]
pub struct ExportArgs {
    /// One CSV per table: roles.csv, items.csv.
    #[arg(long)]
    pub csv: bool,
    /// One workbook, roles.xlsx, with a sheet per table.
    #[arg(long)]
    pub xlsx: bool,
    /// roles.json: every resolved role as `jdgen show --format json` prints it.
    #[arg(long)]
    pub json: bool,
    /// job-descriptions.zip: every role's PDF, the CSVs, the XLSX and
    /// manifest.json (renders the PDFs).
    #[arg(long)]
    pub zip: bool,
    /// Every format: --csv --xlsx --json --zip.
    #[arg(long)]
    pub all: bool,
    /// CSV cells: `safe` prefixes `'` to text starting with = + - @ tab CR
    /// LF (formula injection); `import` writes raw values for HR-system
    /// imports [default: safe]
    #[arg(long, value_enum, value_name = "PROFILE")]
    pub csv_profile: Option<CsvProfile>,
    /// CSVs with a UTF-8 BOM and CRLF line ends, for double-clicking in Excel.
    #[arg(long)]
    pub excel: bool,
    /// With `-o -`: the one table to write as CSV to standard output.
    #[arg(long = "table", value_enum, value_name = "NAME")]
    pub tables: Vec<TableName>,
    /// Output folder, or `-` for standard output (one --table) [default: out/export]
    #[arg(short, long, value_name = "DIR")]
    pub output: Option<std::path::PathBuf>,
    #[command(flatten)]
    pub render: RenderArgs,
    #[command(flatten)]
    pub doc: DocArgs,
}

/// Where `jdgen export` writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// Files under this folder.
    Folder(std::path::PathBuf),
    /// One table's CSV on standard output.
    Stdout(TableName),
}

impl ExportArgs {
    /// The chosen formats and destination, or a usage error naming the
    /// flags to use.
    pub fn plan(&self) -> Result<(Formats, Destination)> {
        let formats = Formats {
            csv: self.csv || self.all,
            xlsx: self.xlsx || self.all,
            json: self.json || self.all,
            zip: self.zip || self.all,
            csv_profile: self.csv_profile.unwrap_or_default(),
            excel: self.excel,
        };
        let usage = |m: &str| Err(Error::Usage(m.into()));
        if !formats.any() {
            return usage(NO_FORMAT);
        }
        if (self.excel || self.csv_profile.is_some()) && !formats.makes_csv() {
            return usage("--excel and --csv-profile change CSV files: add --csv or --zip");
        }
        // Options that would change nothing chosen are refused, not ignored:
        // `export --csv --template t.typ` must not look as if it did something.
        let render = &self.render;
        if (render.template.is_some()
            || !render.font_paths.is_empty()
            || render.pdf_standard.is_some()
            || render.strict)
            && !formats.zip
        {
            return usage(
                "--template, --font-path, --pdf-standard and --strict change the bundle's PDFs: add --zip (or use `jdgen pdf` or `jdgen build`)",
            );
        }
        if self.doc.given() && !(formats.zip || formats.json) {
            return usage(
                "--paper and --signature change the PDFs and the document options in roles.json: add --zip or --json",
            );
        }
        let to_stdout = self.output.as_deref() == Some(std::path::Path::new("-"));
        if to_stdout {
            if formats.xlsx || formats.json || formats.zip || !formats.csv {
                return usage(
                    "-o - writes one CSV table to standard output: use --csv alone (no --xlsx, --json, --zip or --all)",
                );
            }
            return match self.tables.as_slice() {
                [one] => Ok((formats, Destination::Stdout(*one))),
                [] => usage("-o - writes exactly one table: add --table roles or --table items"),
                [a, rest @ ..] if rest.iter().all(|b| b == a) => {
                    usage("-o - writes exactly one table: give --table once")
                }
                _ => usage(
                    "-o - writes exactly one table: keep one --table (write the other with a second run)",
                ),
            };
        }
        if !self.tables.is_empty() {
            return usage("--table picks the table written to standard output: use it with -o -");
        }
        let dir = self
            .output
            .clone()
            .unwrap_or_else(|| std::path::PathBuf::from(DEFAULT_DIR));
        // `-o bundle.zip` would make a folder of that name: say what -o is.
        if let Some(ext) = dir
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            && ["zip", "csv", "xlsx", "json"].contains(&ext.as_str())
        {
            return Err(Error::Usage(format!(
                "-o {} looks like a file, but -o names the folder the exports go into \
                 (they keep their names, e.g. {ZIP_FILE}); pass a folder such as -o {}",
                dir.display(),
                dir.with_extension("").display()
            )));
        }
        Ok((formats, Destination::Folder(dir)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(argv: &[&str]) -> ExportArgs {
        #[derive(clap::Parser)]
        struct P {
            #[command(flatten)]
            a: ExportArgs,
        }
        <P as clap::Parser>::try_parse_from(std::iter::once("x").chain(argv.iter().copied()))
            .unwrap()
            .a
    }

    #[test]
    fn flag_rules() {
        let usage = |argv: &[&str]| match args(argv).plan() {
            Err(Error::Usage(m)) => m,
            other => panic!("{argv:?}: {other:?}"),
        };
        assert!(usage(&[]).contains("--csv, --xlsx, --json, --zip"));
        assert!(usage(&["--xlsx", "--excel"]).contains("add --csv or --zip"));
        assert!(usage(&["--csv", "-o", "-"]).contains("--table"));
        assert!(usage(&["--csv", "--xlsx", "-o", "-", "--table", "roles"]).contains("--csv alone"));
        assert!(usage(&["--csv", "--table", "roles"]).contains("-o -"));
        for render in [
            &["--template", "t.typ"][..],
            &["--font-path", "f"],
            &["--pdf-standard", "a-2b"],
            &["--strict"],
        ] {
            let argv: Vec<&str> = ["--csv", "--xlsx", "--json"]
                .iter()
                .chain(render)
                .copied()
                .collect();
            assert!(usage(&argv).contains("add --zip"), "{argv:?}");
            let argv: Vec<&str> = ["--zip"].iter().chain(render).copied().collect();
            assert!(args(&argv).plan().is_ok(), "{argv:?}");
        }
        for doc in ["--signature", "--paper=us-letter"] {
            assert!(usage(&["--csv", "--xlsx", doc]).contains("add --zip or --json"));
            assert!(args(&["--json", doc]).plan().is_ok());
            assert!(args(&["--zip", doc]).plan().is_ok());
        }
        let (f, d) = args(&["--csv", "--zip", "--csv-profile", "import", "--excel"])
            .plan()
            .unwrap();
        assert!(f.csv && f.zip && !f.xlsx && !f.json && f.excel);
        assert_eq!(f.csv_profile, CsvProfile::Import);
        assert_eq!(d, Destination::Folder(DEFAULT_DIR.into()));
        let (f, _) = args(&["--all"]).plan().unwrap();
        assert_eq!(f, Formats::all());
        let (_, d) = args(&["--csv", "-o", "-", "--table", "items"])
            .plan()
            .unwrap();
        assert_eq!(d, Destination::Stdout(TableName::Items));
    }
}
