//! Role and family ids: what a valid id is, and ids suggested from titles.

/// A role or family id: lowercase letters and digits in dash-separated
/// words, so it is safe as a file name and in a URL.
///
/// ```
/// use jdgen::load::is_valid_id;
/// assert!(is_valid_id("senior-social"));
/// assert!(!is_valid_id("../etc/passwd"));
/// assert!(!is_valid_id("Senior Social"));
/// ```
pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id.split('-').all(|w| {
            !w.is_empty()
                && w.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
}

/// `con`, `prn`, `aux`, `nul`, `com1`…`com9`, `lpt1`…`lpt9`: Windows will
/// not create a file of that name, with any extension (HR drives are often
/// Windows shares).
pub(super) fn is_windows_device_name(id: &str) -> bool {
    matches!(id, "con" | "prn" | "aux" | "nul")
        || ((id.starts_with("com") || id.starts_with("lpt"))
            && id.len() == 4
            && id.as_bytes()[3].is_ascii_digit()
            && id.as_bytes()[3] != b'0')
}

/// Turns a name into an id (`Senior Manager` → `senior-manager`). Letters
/// of any script are kept, so `上級` stays `上級` rather than vanishing, and
/// so are their combining marks (`वरिष्ठ` keeps its virama). The name is
/// NFC-normalised first, so `Café` gives `café` however the é is written.
pub fn slugify(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    use unicode_normalization::char::is_combining_mark;
    let mut out = String::new();
    // The whole text lowered, not each character: `ΟΔΟΣ` is `οδος`, its
    // last sigma final, as any HR system that lowers text writes it.
    let lower = s.nfc().collect::<String>().to_lowercase();
    for c in lower.nfc() {
        if c.is_alphanumeric() || (is_combining_mark(c) && !out.is_empty() && !out.ends_with('-')) {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

/// A valid id close to `s`, for suggestions.
pub(super) fn non_empty_slug(s: &str, fallback: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    // `Über` → `uber`, not `ber`: accents come off (and `ß` and the
    // ligatures Unicode decomposes, such as `ﬁ`, are spelt out) before what
    // is not ASCII is dropped; letters of their own, such as `ø`, go.
    let ascii: String = s
        .replace('ß', "ss")
        .nfkd()
        .filter(|&c| !unicode_normalization::char::is_combining_mark(c))
        .filter(char::is_ascii)
        .collect();
    let slug: String = slugify(&ascii).chars().take(64).collect();
    let slug = slug.trim_end_matches('-');
    if is_valid_id(slug) {
        slug.to_string()
    } else {
        fallback.into()
    }
}

/// A valid role id close to `s`: [`non_empty_slug`], and not a name the
/// reserved-name check then refuses (`CON` → `con-role`, as that check
/// suggests). Family ids name no file, so `con` is one.
pub(super) fn role_id_suggestion(s: &str) -> String {
    let slug = non_empty_slug(s, "my-role");
    if is_windows_device_name(&slug) {
        format!("{slug}-role")
    } else {
        slug
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_suggested_id_keeps_accented_letters_without_their_accents() {
        assert_eq!(non_empty_slug("Über", "my-role"), "uber");
        // A role id: not a name the reserved-name check then refuses; a
        // family id names no file.
        assert_eq!(role_id_suggestion("CON"), "con-role");
        assert_eq!(role_id_suggestion("com¹"), "com1-role");
        assert_eq!(role_id_suggestion("Senior Social"), "senior-social");
        assert_eq!(non_empty_slug("CON", "my-family"), "con");
        assert!(is_valid_id(&non_empty_slug(&"A".repeat(80), "my-role")));
        assert_eq!(
            non_empty_slug("Crème Brûlée Lead", "my-role"),
            "creme-brulee-lead"
        );
        assert_eq!(non_empty_slug("设计师", "my-role"), "my-role");
        assert_eq!(
            non_empty_slug("Straße ﬁnance", "my-role"),
            "strasse-finance"
        );
    }

    #[test]
    fn ids_and_slugs() {
        assert!(is_valid_id("senior-social"));
        assert!(is_valid_id("staff-2"));
        assert!(!is_valid_id("Senior"));
        assert!(!is_valid_id("a--b"));
        assert!(!is_valid_id("../x"));
        assert_eq!(slugify("Senior Manager, Social"), "senior-manager-social");
        assert_eq!(slugify("上級 Manager"), "上級-manager");
        // Combining marks stay with their letter; how a letter is written
        // (precomposed or not) does not change the id.
        assert_eq!(slugify("वरिष्ठ प्रबंधक"), "वरिष्ठ-प्रबंधक");
        assert_eq!(slugify("Cafe\u{301} Lead"), slugify("Café Lead"));
        assert_eq!(slugify("Café Lead"), "café-lead");
        assert_eq!(slugify("İstanbul"), "i\u{307}stanbul");
        // A final sigma where a word ends.
        assert_eq!(slugify("ΟΔΟΣ ΣΟΦΟΣ"), "οδος-σοφος");
    }
}
