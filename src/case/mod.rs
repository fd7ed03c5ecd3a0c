//! A case folder: case.toml, records/ and their sidecars.
//!
//! [`model`] holds the validated domain types, [`parse`] turns file texts into them, and
//! [`records`] knows how case.toml refers to files. Reading the folder from disk happens in
//! [`crate::folder`], so everything here can be tested without a disk.

pub mod model;
pub mod parse;
pub mod records;

pub use model::Case;
pub use parse::{CaseInput, LoadedCase, TextSite, parse};
pub use records::{RecordIndex, Refusal};
