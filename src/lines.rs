//! Lines of a text, and where each character of a long line starts.
//!
//! Positions are a 1-based line and a column in characters, as editors
//! count them; Rust slices text by bytes. Converting one into the other
//! by scanning the line is fine once, but a long line can hold thousands
//! of positions (a flow list of 20,000 items with one error each took
//! minutes), so long lines get a table of their characters' byte offsets,
//! made when first needed and kept.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

/// Lines shorter than this are scanned: cheaper than a table.
const TABLE_FROM: usize = 256;

/// The line starts of one text, and the character tables of its long
/// lines. It does not hold the text: every method takes it, and it must
/// be the text the index was made from.
#[derive(Debug, Default)]
pub struct LineIndex {
    /// The byte offset where each line starts.
    starts: Vec<usize>,
    /// By line number: the byte offset of each character of a long line
    /// (within the line; 32 bits: a line of 4 GB is no role file's).
    chars: RefCell<HashMap<usize, Rc<[u32]>>>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        LineIndex {
            starts: std::iter::once(0)
                .chain(text.match_indices('\n').map(|(i, _)| i + 1))
                .collect(),
            chars: RefCell::default(),
        }
    }

    /// How many lines the text has (a final line break ends the last
    /// line; the empty line after it counts, as editors show it).
    pub fn count(&self) -> usize {
        self.starts.len()
    }

    /// The byte offset where line `n` (1-based) starts, if there is one.
    pub fn start(&self, n: usize) -> Option<usize> {
        self.starts.get(n.checked_sub(1)?).copied()
    }

    /// Line `n` (1-based) without its `\n` (a `\r` before it stays), or ""
    /// past the end.
    pub fn line<'t>(&self, text: &'t str, n: usize) -> &'t str {
        let Some(start) = self.start(n) else {
            return "";
        };
        let end = self
            .starts
            .get(n)
            .map_or(text.len(), |&next| next.saturating_sub(1));
        text.get(start..end.max(start)).unwrap_or("")
    }

    /// The table of line `n` if it is long (see the module docs).
    fn table(&self, text: &str, n: usize) -> Option<Rc<[u32]>> {
        let line = self.line(text, n);
        (line.len() >= TABLE_FROM && u32::try_from(line.len()).is_ok()).then(|| {
            self.chars
                .borrow_mut()
                .entry(n)
                .or_insert_with(|| line.char_indices().map(|(i, _)| i as u32).collect())
                .clone()
        })
    }

    /// The byte offset within line `n` of its character `col` (0-based);
    /// the line's length past its end.
    pub fn byte_in_line(&self, text: &str, n: usize, col: usize) -> usize {
        let line = self.line(text, n);
        match self.table(text, n) {
            Some(t) => t.get(col).map_or(line.len(), |&b| b as usize),
            None => line.char_indices().nth(col).map_or(line.len(), |(i, _)| i),
        }
    }

    /// The character column (0-based) of byte `at` of line `n`.
    pub fn col_in_line(&self, text: &str, n: usize, at: usize) -> usize {
        match self.table(text, n) {
            Some(t) => t.partition_point(|&b| (b as usize) < at),
            None => {
                let line = self.line(text, n);
                line.get(..at.min(line.len()))
                    .map_or(0, |s| s.chars().count())
            }
        }
    }

    /// How many characters line `n` has.
    pub fn chars_in_line(&self, text: &str, n: usize) -> usize {
        match self.table(text, n) {
            Some(t) => t.len(),
            None => self.line(text, n).chars().count(),
        }
    }

    /// The byte offset in the text of a 1-based line and column (in
    /// characters); the end of the line past its end, the end of the
    /// text past the last line.
    pub fn offset(&self, text: &str, line: usize, column: usize) -> usize {
        match self.start(line) {
            Some(start) => start + self.byte_in_line(text, line, column.saturating_sub(1)),
            None => text.len(),
        }
    }

    /// The 1-based line and column (in characters) of byte `at`.
    pub fn position(&self, text: &str, at: usize) -> (usize, usize) {
        let line = self.starts.partition_point(|&s| s <= at).max(1);
        let col = self.col_in_line(text, line, at - self.starts[line - 1]);
        (line, col + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_and_offsets_agree_on_short_and_long_lines() {
        let long = format!("{}é{}\n", "字".repeat(300), "x".repeat(10));
        let text = format!("ab\r\n{long}last");
        let idx = LineIndex::new(&text);
        assert_eq!(idx.count(), 3);
        assert_eq!(idx.line(&text, 1), "ab\r");
        assert_eq!(idx.line(&text, 3), "last");
        assert_eq!(idx.line(&text, 4), "");
        for (line, col) in [(1, 1), (1, 2), (2, 1), (2, 300), (2, 301), (2, 302), (3, 4)] {
            let at = idx.offset(&text, line, col);
            assert_eq!(idx.position(&text, at), (line, col), "{line}:{col}");
        }
        // `é` is character 301 of line 2, after 300 three-byte characters.
        assert_eq!(idx.offset(&text, 2, 301), 4 + 900);
        assert_eq!(idx.chars_in_line(&text, 2), 311);
        // Past the end of a line: its end; past the last line: the text's.
        assert_eq!(idx.offset(&text, 1, 99), 3);
        assert_eq!(idx.offset(&text, 9, 1), text.len());
    }
}
