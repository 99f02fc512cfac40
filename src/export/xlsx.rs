//! The XLSX workbook: one sheet per table, built with rust_xlsxwriter.
//!
//! Every sheet has a bold, frozen header row with an autofilter, columns
//! sized to their content (capped, long text wrapped), text written as
//! string cells only (never a formula, even `=1+1`), whole numbers as
//! number cells and flags as boolean cells. The workbook's creation date is
//! fixed by the caller, so the same inputs give the same bytes.

use std::borrow::Cow;

use rust_xlsxwriter::{
    DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError,
};

use super::tables::{Cell, Table};
use crate::diag::Diagnostic;
use crate::error::Result;

/// Widest a column gets, in Excel character units; longer text wraps.
pub const MAX_COLUMN_WIDTH: usize = 60;
/// Narrowest column.
pub const MIN_COLUMN_WIDTH: usize = 8;
/// Excel's limit on the length of a cell's text, in UTF-16 units.
pub const MAX_CELL_CHARS: usize = 32_767;
/// The rows a sheet holds below its header row (Excel: 1,048,576 in all).
pub const MAX_ROWS: usize = 1_048_575;

/// Document properties of the workbook.
#[derive(Debug, Clone)]
pub struct WorkbookInfo<'a> {
    pub title: &'a str,
    pub author: &'a str,
    pub comment: &'a str,
    /// Creation (and modification) time, Unix seconds.
    pub created: i64,
}

/// Writes `tables` as one workbook, a sheet per table in the given order.
pub fn write_xlsx(tables: &[Table], info: &WorkbookInfo) -> Result<Vec<u8>> {
    let too_many = overfull_sheets(tables);
    if !too_many.is_empty() {
        return Err(too_many.into());
    }
    check_cell_lengths(tables)?;
    // rust_xlsxwriter panics when it cannot write its temporary rows (a
    // full TMPDIR): exit 101 and a backtrace in cron mail, where an I/O
    // error belongs.
    match crate::error::catch_quietly(|| build(tables, info)) {
        Ok(built) => built
            .map_err(|e| Diagnostic::error(format!("cannot write the XLSX workbook: {e}")).into()),
        Err(panic) => {
            // `Couldn't write to xml file: Os { …, message: "No space left on device" }`
            let reason = panic
                .split_once("message: \"")
                .and_then(|(_, m)| m.split_once('"'))
                .map_or(panic.as_str(), |(m, _)| m);
            Err(Diagnostic::error(format!(
                "cannot write the XLSX workbook: its rows go through temporary files in {}, \
                 which could not be written: {reason}",
                std::env::temp_dir().display()
            ))
            .help("free space there, or set TMPDIR to a folder with room")
            .into())
        }
    }
}

/// A document property's text: XML cannot hold the noncharacters U+FFFE
/// and U+FFFF, and the `_xFFFE_` escape that keeps them in a cell means
/// nothing in a property (the company name showed `Git_xFFFE_Lab`): they
/// become U+FFFD, the replacement character.
fn property(text: &str) -> Cow<'_, str> {
    if text.contains(['\u{FFFE}', '\u{FFFF}']) {
        Cow::Owned(text.replace(['\u{FFFE}', '\u{FFFF}'], "\u{FFFD}"))
    } else {
        Cow::Borrowed(text)
    }
}

fn build(tables: &[Table], info: &WorkbookInfo) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let created = ExcelDateTime::from_timestamp(info.created)?;
    let (author, comment) = (property(info.author), property(info.comment));
    wb.set_properties(
        &DocProperties::new()
            .set_title(info.title)
            .set_author(author.as_ref())
            .set_company(author.as_ref())
            .set_comment(comment.as_ref())
            .set_creation_datetime(&created),
    );
    let header = Format::new()
        .set_bold()
        .set_align(FormatAlign::Top)
        .set_background_color("#E7E6E6")
        .set_border_bottom(FormatBorder::Thin);
    let body = Format::new().set_align(FormatAlign::Top).set_text_wrap();
    for table in tables {
        // "Low memory" mode: rows go to an anonymous temporary file (in
        // TMPDIR) as they are written and only the shared strings stay in
        // memory. The default mode kept every cell: at 5,000 roles the
        // workbook was the largest thing in memory. Same cells, formats and
        // shared-string table as the default mode.
        let ws = wb.add_worksheet_with_low_memory()?;
        ws.set_name(table.name)?;
        write_sheet(ws, table, &header, &body)?;
    }
    wb.save_to_buffer()
}

fn write_sheet(
    ws: &mut Worksheet,
    table: &Table,
    header: &Format,
    body: &Format,
) -> Result<(), XlsxError> {
    let ncols = table.columns.len() as u16;
    for (c, width) in column_widths(table).into_iter().enumerate() {
        ws.set_column_width(c as u16, width as f64)?;
    }
    for (c, col) in table.columns.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, col.name, header)?;
    }
    for (r, row) in table.rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, cell) in row.iter().enumerate() {
            let c = c as u16;
            match cell {
                // write_string stores a string cell whatever the text is:
                // `=1+1` stays text, never a formula.
                Cell::Text(s) => ws.write_string_with_format(r, c, s, body)?,
                Cell::Integer(n) => ws.write_number_with_format(r, c, *n as f64, body)?,
                Cell::Boolean(b) => ws.write_boolean_with_format(r, c, *b, body)?,
                Cell::Empty => ws.write_blank(r, c, body)?,
            };
        }
    }
    ws.set_freeze_panes(1, 0)?;
    ws.autofilter(0, 0, table.rows.len() as u32, ncols.saturating_sub(1))?;
    ws.set_repeat_rows(0, 0)?;
    ws.set_landscape();
    Ok(())
}

/// Width of each column: its longest line (header included, with room for
/// the filter button), between `MIN_COLUMN_WIDTH` and `MAX_COLUMN_WIDTH`.
pub fn column_widths(table: &Table) -> Vec<usize> {
    table
        .columns
        .iter()
        .enumerate()
        .map(|(c, col)| {
            let longest = table
                .rows
                .iter()
                .map(|row| {
                    row[c]
                        .as_text()
                        .lines()
                        .map(display_width)
                        .max()
                        .unwrap_or(0)
                })
                .max()
                .unwrap_or(0);
            (longest + 2)
                .max(display_width(col.name) + 4)
                .clamp(MIN_COLUMN_WIDTH, MAX_COLUMN_WIDTH)
        })
        .collect()
}

/// Rough display width: East Asian wide characters and emoji count double.
fn display_width(s: &str) -> usize {
    s.chars().map(|c| if is_wide(c) { 2 } else { 1 }).sum()
}

fn is_wide(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x115F | 0x2E80..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 | 0x1F300..=0x1FAFF
        | 0x20000..=0x3FFFD)
}

/// A text cell longer than Excel allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OversizedCell {
    pub table: &'static str,
    /// 1-based data row.
    pub row: usize,
    pub role_id: String,
    pub column: &'static str,
    /// Length as [`spreadsheet_len`] counts it.
    pub chars: usize,
    /// Counted with the `'` the safe CSV puts before it.
    pub quoted: bool,
}

impl OversizedCell {
    pub fn message(&self) -> String {
        format!(
            "table `{}`, row {} (role `{}`), column `{}`: {} characters as a spreadsheet counts them{}; a cell holds at most {MAX_CELL_CHARS}",
            self.table,
            self.row,
            self.role_id,
            self.column,
            self.chars,
            if self.quoted {
                ", with the `'` the safe CSV puts before a formula character"
            } else {
                ""
            }
        )
    }
}

/// A text's length as a spreadsheet counts it: UTF-16 units (Excel's
/// count: an emoji is two), plus, when `quoted`, the `'` the safe CSV
/// profile puts before a formula trigger (the workbook needs none).
pub fn spreadsheet_len(text: &str, quoted: bool) -> usize {
    text.encode_utf16().count() + usize::from(quoted && quotes(text))
}

/// Whether the safe CSV profile puts a `'` before `text`.
fn quotes(text: &str) -> bool {
    text.starts_with(crate::export::csv::FORMULA_TRIGGERS)
}

/// Every text cell over Excel's limit: in the workbook, or, when `quoted`,
/// in the safe CSV (a spreadsheet's file too, whose `'` makes a cell one
/// longer). `jdgen check` reports these too, so a role that would fail the
/// export fails validation first (a cell can be longer than any one string
/// of the role file: paragraphs are joined and links spelled out).
pub fn oversized_cells(tables: &[Table], quoted: bool) -> Vec<OversizedCell> {
    let mut out = Vec::new();
    for t in tables {
        for (r, row) in t.rows.iter().enumerate() {
            for (cell, col) in row.iter().zip(t.columns) {
                if let Cell::Text(s) = cell {
                    // Cheap bound first: UTF-16 units never exceed bytes.
                    if s.len() < MAX_CELL_CHARS {
                        continue;
                    }
                    let n = spreadsheet_len(s, quoted);
                    if n > MAX_CELL_CHARS {
                        out.push(OversizedCell {
                            table: t.name,
                            row: r + 1,
                            role_id: row[0].as_text().into_owned(),
                            column: col.name,
                            chars: n,
                            quoted: quoted && quotes(s),
                        });
                    }
                }
            }
        }
    }
    out
}

/// A table with more rows than a sheet holds, as an error each: it failed
/// late, with rust_xlsxwriter's bare "Row or column exceeds Excel's
/// allowed limits", after every PDF of a bundle had been rendered. (The
/// role files can be within every limit of their own and still make one:
/// 1,080 roles of 1,000 items are 1,080,000 rows of `items`.)
pub fn overfull_sheets(tables: &[Table]) -> Vec<Diagnostic> {
    tables
        .iter()
        .filter(|t| t.rows.len() > MAX_ROWS)
        .map(|t| {
            Diagnostic::error(format!(
                "table `{}` has {} rows: a spreadsheet's sheet holds at most {MAX_ROWS} below its header, so no XLSX workbook (nor the ZIP bundle, which holds one) can be made",
                t.name,
                t.rows.len()
            ))
            .help("split the role folder into smaller ones, each exported or built on its own; or make only the CSV and JSON files (`jdgen export --csv --json`), which have no such limit")
        })
        .collect()
}

/// Excel cannot hold more than 32,767 characters in a cell: say which
/// cell, rather than rust_xlsxwriter's bare error.
fn check_cell_lengths(tables: &[Table]) -> Result<()> {
    let errors: Vec<Diagnostic> = oversized_cells(tables, false)
        .iter()
        .map(|c| Diagnostic::error(c.message()).help("shorten the text in the role file"))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.into())
    }
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};

    use super::*;
    use crate::export::tables::{Column, ColumnType};

    static COLS: &[Column] = &[
        Column {
            name: "role_id",
            ty: ColumnType::Text,
        },
        Column {
            name: "job_grade",
            ty: ColumnType::Integer,
        },
        Column {
            name: "text",
            ty: ColumnType::Text,
        },
        Column {
            name: "inherited",
            ty: ColumnType::Boolean,
        },
    ];

    const INFO: WorkbookInfo = WorkbookInfo {
        title: "t",
        author: "a",
        comment: "c",
        created: 315_532_800,
    };

    fn table(texts: &[&str]) -> Table {
        Table {
            name: "items",
            columns: COLS,
            rows: texts
                .iter()
                .map(|t| {
                    vec![
                        Cell::Text("r".into()),
                        Cell::Integer(7),
                        Cell::Text(t.to_string()),
                        Cell::Boolean(true),
                    ]
                })
                .collect(),
        }
    }

    #[test]
    fn strings_stay_strings_numbers_numbers_and_bytes_are_stable() {
        let texts = [
            "=1+1",
            "+x",
            "-x",
            "@x",
            "\tTab\r\nCRLF",
            "_x0041_ literal",
            "emoji 👩🏽‍💻 RTL مرحبا CJK 日本語",
            " spaced ",
        ];
        let t = table(&texts);
        let a = write_xlsx(std::slice::from_ref(&t), &INFO).unwrap();
        let b = write_xlsx(std::slice::from_ref(&t), &INFO).unwrap();
        assert_eq!(a, b, "two writes differ");

        let mut wb: Xlsx<_> = open_workbook_from_rs(Cursor::new(a)).unwrap();
        let range = wb.worksheet_range("items").unwrap();
        let rows: Vec<_> = range.rows().collect();
        assert_eq!(rows[0][0], Data::String("role_id".into()));
        for (row, text) in rows[1..].iter().zip(texts) {
            assert_eq!(row[1], Data::Float(7.0));
            assert_eq!(row[2], Data::String(text.into()));
            assert_eq!(row[3], Data::Bool(true));
        }
        let formulas = wb.worksheet_formula("items").unwrap();
        assert!(formulas.used_cells().all(|(_, _, f)| f.is_empty()));
    }

    #[test]
    fn creation_date_is_the_given_one() {
        let bytes = write_xlsx(&[table(&["x"])], &INFO).unwrap();
        let mut zip = ::zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        let mut core = String::new();
        std::io::Read::read_to_string(&mut zip.by_name("docProps/core.xml").unwrap(), &mut core)
            .unwrap();
        assert!(core.contains("1980-01-01T00:00:00Z"), "{core}");
    }

    #[test]
    fn properties_hold_no_cell_escapes() {
        let info = WorkbookInfo {
            author: "Git\u{FFFE}Lab",
            ..INFO
        };
        let bytes = write_xlsx(&[table(&["x"])], &info).unwrap();
        let mut zip = ::zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        for part in ["docProps/core.xml", "docProps/app.xml"] {
            let mut xml = String::new();
            std::io::Read::read_to_string(&mut zip.by_name(part).unwrap(), &mut xml).unwrap();
            assert!(xml.contains("Git\u{FFFD}Lab"), "{part}: {xml}");
            assert!(!xml.contains("_xFFFE_"), "{part}: {xml}");
        }
    }

    #[test]
    fn too_long_cell_is_named() {
        let long = "x".repeat(MAX_CELL_CHARS + 1);
        let err = write_xlsx(&[table(&[&long])], &INFO)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("column `text`") && err.contains("32767"),
            "{err}"
        );
    }

    #[test]
    fn a_table_longer_than_a_sheet_is_refused_before_writing() {
        // rust_xlsxwriter said only "Row or column exceeds Excel's allowed
        // limits", after every PDF of a bundle was rendered.
        let row = |t: &str| vec![Cell::Text(t.into()), Cell::Empty, Cell::Empty, Cell::Empty];
        let mut full = Table {
            name: "items",
            columns: COLS,
            rows: vec![row("r"); MAX_ROWS],
        };
        assert!(overfull_sheets(std::slice::from_ref(&full)).is_empty());
        full.rows.push(row("r"));
        let errs = overfull_sheets(std::slice::from_ref(&full));
        assert_eq!(errs.len(), 1);
        assert!(
            errs[0].message.contains("table `items` has 1048576 rows")
                && errs[0].message.contains("at most 1048575"),
            "{}",
            errs[0].message
        );
        let err = write_xlsx(&[full], &INFO).unwrap_err().to_string();
        assert!(err.contains("has 1048576 rows"), "{err}");
    }

    #[test]
    fn widths_are_capped() {
        let long = "y".repeat(500);
        let w = column_widths(&table(&[&long]));
        assert_eq!(w[2], MAX_COLUMN_WIDTH);
        assert_eq!(w[0], "role_id".len() + 4);
    }
}
