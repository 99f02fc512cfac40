//! Rules for single texts: blank, too long, more than one line, characters
//! that print as nothing.

use super::checker::Checker;
use unicode_segmentation::UnicodeSegmentation;

/// The longest job or family title: it heads the document and runs in every
/// page's header and HR system's job list (the seeds' longest is 44).
pub(super) const MAX_TITLE_CHARS: usize = 150;
/// The longest level name: it sits in a narrow box of the facts row.
pub(super) const MAX_LEVEL_CHARS: usize = 60;

/// Empty, or only spaces and characters that print as nothing (the
/// default-ignorables, and the braille blank U+2800, which is not white
/// space but prints as it).
pub(super) fn is_blank(s: &str) -> bool {
    s.chars().all(crate::chars::is_blank_char)
}

pub(super) fn check_name_length(c: &mut Checker, path: &str, what: &str, text: &str, max: usize) {
    check_line_length(
        c,
        path,
        what,
        text,
        max,
        "shorten it, and put the detail in `description`",
    );
}

/// One line of at most `max` characters.
pub(super) fn check_line_length(
    c: &mut Checker,
    path: &str,
    what: &str,
    text: &str,
    max: usize,
    help: &str,
) {
    check_one_line(c, path, what, text);
    // Characters as a reader counts them: `ệ` written as e and two marks
    // is one.
    let n = text.trim().graphemes(true).count();
    if n > max {
        c.error(
            path,
            format!("the {what} is {n} characters long; at most {max} fit where it is printed"),
            Some(help.into()),
        );
    }
}

/// The longest company name (the letterhead and every page's header).
pub(super) const MAX_COMPANY_NAME_CHARS: usize = 100;
/// The longest website: printed beside the name on the letterhead (which
/// wraps it), and put before every site-relative link.
pub(super) const MAX_WEBSITE_CHARS: usize = 200;
/// The longest `data_version`: it shares every page's footer with the role
/// id, the date and the page number.
pub(super) const MAX_DATA_VERSION_CHARS: usize = 40;

// Names are one line: in `jdgen list`, a PDF's title and metadata, the
// running header and an HR system's job list, a line break splits them
// (and a bare carriage return lets the rest overprint the start).
pub(super) use crate::chars::LINE_BREAKS;

pub(super) fn check_one_line(c: &mut Checker, path: &str, what: &str, text: &str) {
    let breaks = LINE_BREAKS;
    if text.trim().contains('\t') {
        c.error(
            path,
            format!("the {what} holds a tab, which prints as nothing"),
            Some("replace the tab with a space".into()),
        );
    }
    if let Some(b) = text.trim().chars().find(|ch| breaks.contains(ch)) {
        c.error(
            path,
            format!(
                "the {what} holds a line break (U+{:04X}); it must be one line",
                b as u32
            ),
            Some("write it on one line (in a double-quoted YAML string, `\\n` and `\\r` are line breaks too)".into()),
        );
    }
}
