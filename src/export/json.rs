//! The JSON export: every resolved role exactly as `jdgen show ROLE
//! --format json` prints it (`data::template_data`), as one array in table
//! order.

use super::tables::sort_roles;
use crate::data::{self, DocumentOptions};
use crate::load::Company;
use crate::resolve::ResolvedRole;

/// The roles as a JSON array, pretty-printed like `jdgen show`, with a
/// final newline (see [`write_roles_json`]).
pub fn roles_json(company: &Company, roles: &[ResolvedRole], doc: &DocumentOptions) -> Vec<u8> {
    let mut bytes = Vec::new();
    write_roles_json(company, roles, doc, &mut bytes).expect("writing to memory");
    bytes
}

/// [`roles_json`] written to `out`. Each role's data is built and written in
/// turn, so memory holds one role's tree at a time, not the whole corpus's
/// (nor, when `out` is a file, the 40 MB of a thousand roles' JSON).
pub fn write_roles_json<W: std::io::Write>(
    company: &Company,
    roles: &[ResolvedRole],
    doc: &DocumentOptions,
    mut out: W,
) -> std::io::Result<()> {
    use serde::ser::{SerializeSeq, Serializer};
    let sorted = sort_roles(roles);
    let mut ser = serde_json::Serializer::pretty(&mut out);
    let mut seq = ser.serialize_seq(Some(sorted.len()))?;
    for role in sorted {
        seq.serialize_element(&data::template_data(company, role, doc))?;
    }
    seq.end()?;
    out.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::test_support::{doc, library};
    use serde_json::Value;

    #[test]
    fn one_element_per_role_equal_to_template_data() {
        let (lib, roles) = library();
        let bytes = roles_json(&lib.company, &roles, &doc());
        let parsed: Vec<Value> = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(parsed.len(), roles.len());
        let first = roles.iter().find(|r| r.id == "a-junior").unwrap();
        assert_eq!(parsed[0], data::template_data(&lib.company, first, &doc()));
        assert!(bytes.ends_with(b"}\n]\n"));
        // Streaming writes exactly what serialising the whole array would.
        let all: Vec<Value> = sort_roles(&roles)
            .into_iter()
            .map(|r| data::template_data(&lib.company, r, &doc()))
            .collect();
        let mut whole = serde_json::to_vec_pretty(&all).unwrap();
        whole.push(b'\n');
        assert_eq!(bytes, whole);
    }
}
