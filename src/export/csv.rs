//! CSV files: RFC 4180 quoting, UTF-8, one file per table.
//!
//! Two choices change the bytes:
//!
//! - the profile: `safe` (default) neutralises free-text cells that a
//!   spreadsheet would run as a formula (OWASP "CSV Injection"); `import`
//!   writes every value raw, for machine imports;
//! - `excel`: a UTF-8 byte-order mark and CRLF record ends, so a
//!   double-click in Excel shows accents and emoji correctly. Line breaks
//!   *inside* a cell stay as written (quoted), so text is unchanged.

use std::borrow::Cow;

use clap::ValueEnum;
use serde::Serialize;

use super::tables::{Cell, Table};
use crate::diag::Diagnostic;
use crate::error::Result;

/// How free-text cells are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CsvProfile {
    /// Free-text cells starting with `=`, `+`, `-`, `@`, tab, CR or LF get
    /// a leading `'` so spreadsheets show them as text instead of running
    /// them as formulas.
    #[default]
    Safe,
    /// Raw RFC 4180 values, exactly the role text, for HR-system imports
    /// that never pass through a spreadsheet.
    Import,
}

impl CsvProfile {
    pub fn as_str(self) -> &'static str {
        match self {
            CsvProfile::Safe => "safe",
            CsvProfile::Import => "import",
        }
    }
}

/// The first characters that make a spreadsheet treat a cell as a formula
/// (OWASP CSV Injection; ASVS 5.0 V1.2.10).
pub const FORMULA_TRIGGERS: &[char] = &['=', '+', '-', '@', '\t', '\r', '\n'];

/// The UTF-8 byte-order mark written with `excel`.
pub const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Prefixes `'` to text that starts with a formula trigger.
pub fn neutralise(text: &str) -> Cow<'_, str> {
    if text.starts_with(FORMULA_TRIGGERS) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// The cell as written in the given profile. Only text cells are ever
/// neutralised: numbers and booleans cannot start with a trigger.
pub fn cell_text(cell: &Cell, profile: CsvProfile) -> Cow<'_, str> {
    match (cell, profile) {
        (Cell::Text(s), CsvProfile::Safe) => neutralise(s),
        _ => cell.as_text(),
    }
}

/// One table as CSV: a header row of column names, then the rows.
pub fn write_csv(table: &Table, profile: CsvProfile, excel: bool) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    if excel {
        out.extend_from_slice(UTF8_BOM);
    }
    let mut w = ::csv::WriterBuilder::new()
        .quote_style(::csv::QuoteStyle::Necessary)
        .terminator(if excel {
            ::csv::Terminator::CRLF
        } else {
            ::csv::Terminator::Any(b'\n')
        })
        .from_writer(out);
    let fail = |e: &dyn std::fmt::Display| {
        Diagnostic::error(format!("cannot write {}.csv: {e}", table.name))
    };
    w.write_record(table.columns.iter().map(|c| c.name))
        .map_err(|e| fail(&e))?;
    for row in &table.rows {
        w.write_record(row.iter().map(|c| cell_text(c, profile).into_owned()))
            .map_err(|e| fail(&e))?;
    }
    Ok(w.into_inner().map_err(|e| fail(&e))?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::tables::{Column, ColumnType};

    static COLS: &[Column] = &[
        Column {
            name: "id",
            ty: ColumnType::Text,
        },
        Column {
            name: "grade",
            ty: ColumnType::Integer,
        },
        Column {
            name: "text",
            ty: ColumnType::Text,
        },
    ];

    fn table(texts: &[&str]) -> Table {
        Table {
            name: "t",
            columns: COLS,
            rows: texts
                .iter()
                .map(|t| {
                    vec![
                        Cell::Text("r".into()),
                        Cell::Integer(7),
                        Cell::Text(t.to_string()),
                    ]
                })
                .collect(),
        }
    }

    #[test]
    fn neutralises_every_trigger_and_nothing_else() {
        for t in ["=1+1", "+x", "-x", "@x", "\tx", "\rx", "\nx"] {
            assert_eq!(neutralise(t), format!("'{t}"));
        }
        for t in ["x=1", " =1", "'=1", "", "1-2", "日本", "مرحبا"] {
            assert_eq!(neutralise(t), t);
        }
        assert_eq!(cell_text(&Cell::Integer(5), CsvProfile::Safe), "5");
        assert_eq!(
            cell_text(&Cell::Text("-x".into()), CsvProfile::Import),
            "-x"
        );
    }

    #[test]
    fn rfc4180_quoting_lf_and_excel_flavour() {
        let t = table(&["a, \"b\"\nc", "=1+1"]);
        let lf = write_csv(&t, CsvProfile::Import, false).unwrap();
        assert_eq!(
            String::from_utf8(lf).unwrap(),
            "id,grade,text\nr,7,\"a, \"\"b\"\"\nc\"\nr,7,=1+1\n"
        );
        let safe = write_csv(&t, CsvProfile::Safe, false).unwrap();
        assert!(String::from_utf8(safe).unwrap().ends_with("r,7,'=1+1\n"));
        let excel = write_csv(&t, CsvProfile::Import, true).unwrap();
        assert_eq!(
            excel,
            b"\xEF\xBB\xBFid,grade,text\r\nr,7,\"a, \"\"b\"\"\nc\"\r\nr,7,=1+1\r\n"
        );
    }

    #[test]
    fn round_trips_hostile_text() {
        let hostile = [
            "comma, \"quote\"",
            "line\nbreak\r\nand\ttab",
            "emoji 👩🏽‍💻 RTL مرحبا CJK 日本語",
            " leading and trailing space ",
            "",
        ];
        let t = table(&hostile);
        for excel in [false, true] {
            let bytes = write_csv(&t, CsvProfile::Import, excel).unwrap();
            let body = bytes.strip_prefix(UTF8_BOM).unwrap_or(&bytes);
            let mut r = ::csv::ReaderBuilder::new().from_reader(body);
            let texts: Vec<String> = r.records().map(|rec| rec.unwrap()[2].to_string()).collect();
            assert_eq!(texts, hostile);
        }
    }
}
