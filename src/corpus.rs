//! Synthetic role corpora of any size, derived from a real role folder, for
//! benchmarks and scale tests (`cargo bench --bench batch`, `tests/build.rs`).
//!
//! Copy N of every family gets ids suffixed `-cN` (family, role ids and
//! `builds_on` references) and every line of prose marked `(cN)`, so every
//! family is distinct text with the same shape as the real ones. Distinct
//! text matters for benchmarks: the renderer reuses layout across the levels
//! of one family (real sharing), and identical copies would flatter it.

use std::fs;
use std::path::Path;

use serde_yaml::Value;

use crate::error::{Error, Result};
use crate::load::{self, COMPANY_FILE};

/// Writes a corpus of at least `min_roles` roles into `out` (created),
/// built from the families in `src`. Returns the number of roles written.
pub fn generate(src: &Path, out: &Path, min_roles: usize) -> Result<usize> {
    let lib = load::load(src)?;
    lib.ensure_valid()?;
    fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    let company = src.join(COMPANY_FILE);
    fs::copy(&company, out.join(COMPANY_FILE)).map_err(|e| Error::io(&company, e))?;
    if let Some(logo) = &lib.company.logo_name {
        let from = src.join(logo);
        fs::copy(&from, out.join(logo)).map_err(|e| Error::io(&from, e))?;
    }
    let per_copy = lib.role_ids().len().max(1);
    let copies = min_roles.div_ceil(per_copy).max(1);
    let mut written = 0;
    for fam in &lib.families {
        let base: Value = serde_yaml::from_str(&fam.source).expect("valid family parses");
        for n in 1..=copies {
            let mut v = base.clone();
            rename(&mut v, n);
            let name = format!("{}-c{n}.yaml", fam.data.family);
            let path = out.join(&name);
            let text = serde_yaml::to_string(&v).expect("yaml");
            fs::write(&path, text).map_err(|e| Error::io(&path, e))?;
            written += fam.data.levels.len();
        }
    }
    Ok(written)
}

fn suffix(v: &mut Value, n: usize) {
    if let Value::String(s) = v {
        *s = format!("{s}-c{n}");
    }
}

fn rename(family: &mut Value, n: usize) {
    suffix(&mut family["family"], n);
    mark_prose(family, n);
    if let Some(levels) = family.get_mut("levels").and_then(Value::as_sequence_mut) {
        for level in levels {
            suffix(&mut level["id"], n);
            for list in ["responsibilities", "requirements"] {
                if let Some(l) = level.get_mut(list)
                    && l.get("builds_on").is_some()
                {
                    suffix(&mut l["builds_on"], n);
                }
            }
        }
    }
}

/// Appends ` (cN)` to every string with a space in it: prose (titles,
/// items, paragraphs, headings), never ids, dates, URLs, emoji or colours.
fn mark_prose(v: &mut Value, n: usize) {
    match v {
        Value::String(s) if s.contains(char::is_whitespace) => {
            let end = s.trim_end().len();
            s.insert_str(end, &format!(" (c{n})"));
        }
        Value::Sequence(items) => items.iter_mut().for_each(|i| mark_prose(i, n)),
        Value::Mapping(map) => map.values_mut().for_each(|i| mark_prose(i, n)),
        Value::Tagged(t) => mark_prose(&mut t.value, n),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_corpus_is_valid_and_large_enough() {
        let dir = tempfile::tempdir().unwrap();
        let n = generate(Path::new("roles"), dir.path(), 40).unwrap();
        assert!(n >= 40);
        let lib = load::load(dir.path()).unwrap();
        assert!(lib.failed.is_empty(), "{:?}", lib.failed);
        assert_eq!(lib.role_ids().len(), n);
        assert!(lib.role_ids().contains(&"senior-social-c3"));
        let roles = crate::resolve::resolve_all(&lib).unwrap();
        let senior = roles.iter().find(|r| r.id == "senior-social-c2").unwrap();
        assert_eq!(senior.responsibilities.items[0].from, "associate-social-c2");
        // Copies share no prose with each other, so no cache can treat them as one.
        let other = roles.iter().find(|r| r.id == "senior-social-c3").unwrap();
        assert!(senior.title.ends_with("(c2)"), "{}", senior.title);
        let text = |r: &crate::resolve::ResolvedRole| r.responsibilities.items[0].text.clone();
        assert_ne!(text(senior), text(other));
        assert!(text(senior).ends_with("(c2)"), "{}", text(senior));
    }
}
