//! Classes of characters that several stages need alike: what prints as
//! nothing, what looks like a space, what reorders text. A leaf module, so
//! the base modules (`diag`, `yaml_help`) need not reach into `load`.

/// What a reader (YAML, Typst, a spreadsheet) takes for a line break.
pub(crate) const LINE_BREAKS: [char; 7] = [
    '\n', '\r', '\u{0B}', '\u{0C}', '\u{85}', '\u{2028}', '\u{2029}',
];

/// A character that prints as white space or as nothing: white space, the
/// default-ignorables, and the braille blank U+2800 (not white space, but
/// printed as it). A text of only these is blank.
pub(crate) fn is_blank_char(c: char) -> bool {
    c.is_whitespace() || is_default_ignorable(c) || c == '\u{2800}'
}

/// Invisible formatting characters (Unicode's default-ignorable code
/// points): they print as nothing, and fonts need not have them.
pub(crate) fn is_default_ignorable(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
        | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}'
        | '\u{FFA0}' | '\u{FFF0}'..='\u{FFF8}' | '\u{1BCA0}'..='\u{1BCA3}'
        | '\u{1D173}'..='\u{1D17A}' | '\u{E0000}'..='\u{E0FFF}')
}

/// The bidirectional embeddings, overrides and isolates (U+202A–202E,
/// U+2066–2069).
pub(crate) fn is_bidi_control(c: char) -> bool {
    ('\u{202A}'..='\u{202E}').contains(&c) || ('\u{2066}'..='\u{2069}').contains(&c)
}

/// The noncharacters: U+FDD0–FDEF and the last two code points of every
/// plane (U+FFFE, U+FFFF, U+1FFFE…). Valid in text, but no glyph, and a
/// terminal shows them as anything or nothing.
pub(crate) fn is_noncharacter(c: char) -> bool {
    ('\u{FDD0}'..='\u{FDEF}').contains(&c) || (c as u32 & 0xFFFE) == 0xFFFE
}

/// A character that shows nothing of itself when written raw: white
/// space, controls, the default-ignorables and the noncharacters. Messages
/// name these by code point only.
pub(crate) fn shows_nothing(c: char) -> bool {
    c.is_whitespace() || c.is_control() || is_default_ignorable(c) || is_noncharacter(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn noncharacters_are_the_fdd0_block_and_each_plane_s_last_two() {
        for c in [
            '\u{FDD0}',
            '\u{FDEF}',
            '\u{FFFE}',
            '\u{FFFF}',
            '\u{1FFFE}',
            '\u{10FFFF}',
        ] {
            assert!(is_noncharacter(c) && shows_nothing(c), "{:X}", c as u32);
        }
        for c in [
            '\u{FDCF}',
            '\u{FDF0}',
            '\u{FFFD}',
            '\u{1FFFD}',
            'a',
            '\u{E000}',
        ] {
            assert!(!is_noncharacter(c), "{:X}", c as u32);
        }
        assert!(shows_nothing('\u{200B}') && shows_nothing('\u{7}') && shows_nothing('\u{3000}'));
        assert!(!shows_nothing('é') && !shows_nothing('\u{1F600}'));
    }
}
