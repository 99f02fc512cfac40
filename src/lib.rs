//! jdgen: job-family definitions in, offer-ready job-description PDFs and
//! HR exports out.
//!
//! The pipeline runs one way through plain typed structs:
//!
//! ```text
//! roles/*.yaml ─ load ─▶ Library ─ resolve ─▶ ResolvedRole ─┬─ data ─▶ render (Typst) ─▶ PDF
//!                                                           └─ export ─▶ CSV / XLSX / JSON / ZIP
//! ```
//!
//! `build` runs both for every role, in parallel and incrementally; `cli`
//! is the thin command-line layer over all of it.

pub mod build;
mod chars;
pub mod cli;
pub mod corpus;
pub mod data;
pub mod diag;
pub mod error;
pub mod export;
pub mod fsutil;
pub mod interrupt;
pub mod libyaml_scan;
pub mod lines;
pub mod load;
pub mod markdown;
pub mod render;
pub mod resolve;
pub mod schema;
pub mod source_map;
pub mod summary_file;
pub mod validate;
pub mod workers;
pub mod yaml_help;
pub mod yaml_out;

pub use error::{Error, Result};
