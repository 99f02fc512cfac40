//! The JSON export: every resolved role exactly as `jdgen show ROLE
//! --format json` prints it (`data::template_data`), as one array in table
//! order.

use serde_json::Value;

use super::tables::sort_roles;
use crate::data::{self, DocumentOptions};
use crate::load::Company;
use crate::resolve::ResolvedRole;

/// The roles as a JSON array, pretty-printed like `jdgen show`, with a
/// final newline.
pub fn roles_json(company: &Company, roles: &[ResolvedRole], doc: &DocumentOptions) -> Vec<u8> {
    let all: Vec<Value> = sort_roles(roles)
        .into_iter()
        .map(|role| data::template_data(company, role, doc))
        .collect();
    let mut bytes = serde_json::to_vec_pretty(&all).expect("JSON values serialise");
    bytes.push(b'\n');
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::test_support::{doc, library};

    #[test]
    fn one_element_per_role_equal_to_template_data() {
        let (lib, roles) = library();
        let bytes = roles_json(&lib.company, &roles, &doc());
        let parsed: Vec<Value> = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(parsed.len(), roles.len());
        let first = roles.iter().find(|r| r.id == "a-junior").unwrap();
        assert_eq!(parsed[0], data::template_data(&lib.company, first, &doc()));
        assert!(bytes.ends_with(b"}\n]\n"));
    }
}
