//! `manifest.json`: what the ZIP bundle holds, with checksums, so a
//! receiving system can verify it.

use serde::{Deserialize, Serialize};

use super::FileRef;
use crate::data::iso_utc;
use crate::error::Result;
use crate::fsutil::sha256_hex;

/// Path of the manifest inside the bundle.
pub const MANIFEST_FILE: &str = "manifest.json";

/// Version of the manifest's shape; bumped when it changes.
pub const MANIFEST_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub manifest_version: u32,
    /// `jdgen X.Y.Z`.
    pub generator: String,
    pub jdgen_version: String,
    /// The data version of the roles (see `data_version`).
    pub data_version: String,
    pub role_count: usize,
    /// The export timestamp (`SOURCE_DATE_EPOCH`, else 1980-01-01), UTC.
    pub created: String,
    /// `safe` or `import`.
    pub csv_profile: String,
    /// Whether the CSVs carry a BOM and CRLF (`--excel`).
    pub csv_excel: bool,
    /// Every other entry of the bundle, sorted by path.
    pub files: Vec<ManifestFile>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestFile {
    pub path: String,
    pub size: u64,
    /// Lowercase hex SHA-256 of the file's bytes.
    pub sha256: String,
}

/// The bundle's data version: the roles' common `data_version` when they
/// share one (always when company.yaml sets it), else `mixed-` and 12 hex
/// digits of SHA-256 over the sorted `role_id=version` lines, so it still
/// changes whenever any role's data does. Empty when there are no roles.
pub fn data_version<'a>(versions: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut pairs: Vec<(&str, &str)> = versions.into_iter().collect();
    pairs.sort();
    match pairs.first() {
        None => String::new(),
        Some((_, first)) if pairs.iter().all(|(_, v)| v == first) => first.to_string(),
        Some(_) => {
            let lines: String = pairs.iter().map(|(id, v)| format!("{id}={v}\n")).collect();
            format!("mixed-{}", &sha256_hex(lines.as_bytes())[..12])
        }
    }
}

/// What the manifest needs besides the files.
#[derive(Debug, Clone)]
pub struct ManifestInfo<'a> {
    pub data_version: &'a str,
    pub role_count: usize,
    pub created: i64,
    pub csv_profile: &'a str,
    pub csv_excel: bool,
}

/// The manifest for `files` (which must not include the manifest itself).
pub fn build<F: FileRef>(files: &[F], info: &ManifestInfo) -> Result<Manifest> {
    let mut entries = Vec::with_capacity(files.len());
    for f in files {
        let bytes = f.bytes().map_err(|e| {
            crate::diag::Diagnostic::error(format!("cannot read {} for the bundle: {e}", f.path()))
        })?;
        entries.push(ManifestFile {
            path: f.path().to_string(),
            size: bytes.len() as u64,
            sha256: sha256_hex(&bytes),
        });
    }
    entries.sort_by(|a, b| a.path.cmp(&b.path));
    let version = env!("CARGO_PKG_VERSION");
    Ok(Manifest {
        manifest_version: MANIFEST_VERSION,
        generator: format!("jdgen {version}"),
        jdgen_version: version.to_string(),
        data_version: info.data_version.to_string(),
        role_count: info.role_count,
        created: iso_utc(info.created),
        csv_profile: info.csv_profile.to_string(),
        csv_excel: info.csv_excel,
        files: entries,
    })
}

/// The manifest as pretty JSON with a final newline.
pub fn to_json(m: &Manifest) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(m).expect("manifest serialises");
    bytes.push(b'\n');
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::OutputFile;

    #[test]
    fn checksums_sizes_and_order() {
        let files = [
            OutputFile {
                path: "roles.csv".into(),
                bytes: b"abc".to_vec(),
            },
            OutputFile {
                path: "items.csv".into(),
                bytes: Vec::new(),
            },
        ];
        let m = build(
            &files,
            &ManifestInfo {
                data_version: "2026.11",
                role_count: 3,
                created: 315_532_800,
                csv_profile: "safe",
                csv_excel: false,
            },
        )
        .unwrap();
        assert_eq!(m.files[0].path, "items.csv");
        assert_eq!(
            m.files[0].sha256,
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(m.files[1].size, 3);
        assert_eq!(
            m.files[1].sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(m.created, "1980-01-01T00:00:00Z");
        let back: Manifest = serde_json::from_slice(&to_json(&m)).unwrap();
        assert_eq!(back, m);
    }

    #[test]
    fn data_version_is_shared_or_a_stable_mix() {
        assert_eq!(data_version([("a", "v1"), ("b", "v1")]), "v1");
        let mixed = data_version([("b", "h2"), ("a", "h1")]);
        assert!(mixed.starts_with("mixed-") && mixed.len() == 18);
        assert_eq!(mixed, data_version([("a", "h1"), ("b", "h2")]));
        assert_ne!(mixed, data_version([("a", "h1"), ("b", "h3")]));
        assert_eq!(data_version([]), "");
    }
}
