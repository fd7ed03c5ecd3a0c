//! `manifest.json` and `SHA256SUMS` inside a bundle: what each file is, where it came from and
//! how to check that it arrived whole. The format is documented in docs/packets.md.

use chrono::NaiveDate;
use serde::Serialize;

use crate::case::model::PersonalField;
use crate::dicom::Study;

/// The manifest of one zip (one part of a split bundle).
#[derive(Debug, Clone, Serialize)]
pub struct Manifest {
    pub format: &'static str,
    pub patient: String,
    pub contact: String,
    pub language: &'static str,
    /// The date the packet was built for (reproducible: no clock time).
    pub built: NaiveDate,
    pub tool: &'static str,
    pub part: usize,
    pub parts: usize,
    pub files: Vec<ManifestFile>,
    /// DICOM studies indexed from the case's imaging folders; never inside an e-mail bundle.
    pub imaging: Vec<Study>,
    /// How the DICOM reaches this contact.
    pub imaging_delivery: Option<String>,
    /// DICOM folders left out, and why (another person's images, as the family declared).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub imaging_left_out: Vec<String>,
}

/// One file in the zip.
#[derive(Debug, Clone, Serialize)]
pub struct ManifestFile {
    /// The name inside the zip.
    pub name: String,
    /// The record's path under records/ as the family named it; `None` for generated files.
    pub original: Option<String>,
    pub kind: String,
    pub date: Option<crate::date::CaseDate>,
    pub title: Option<String>,
    pub bytes: u64,
    pub sha256: String,
    /// What differs from the family's file ("metadata removed" from a photo); absent when the
    /// file is theirs byte for byte. `bytes` and `sha256` are of the file in the zip.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changed: Option<String>,
}

/// The DICOM studies as a contact may see them: the patient fields the DICOM headers carry
/// (name, ID, birth date) only where the case shares that field with the contact (the DICOM
/// ID counts as an ID number).
pub fn studies_for(studies: &[Study], shared: &[PersonalField]) -> Vec<Study> {
    studies
        .iter()
        .map(|study| {
            let mut study = study.clone();
            let patient = &mut study.patient;
            if !shared.contains(&PersonalField::Name) {
                patient.name = None;
            }
            if !shared.contains(&PersonalField::IdNumber) {
                patient.id = None;
            }
            if !shared.contains(&PersonalField::BirthDate) {
                patient.birth_date = None;
            }
            study
        })
        .collect()
}

/// The manifest's line for a DICOM folder the family declared another person's.
pub fn left_out_line(folder: &std::path::Path) -> String {
    format!(
        "{}: another person's images (other_patient = true), left out",
        folder.display()
    )
}

pub const FORMAT: &str = "consultpack-manifest/1";
pub const TOOL: &str = concat!("consultpack ", env!("CARGO_PKG_VERSION"));

impl Manifest {
    pub fn to_json(&self) -> String {
        let mut json = serde_json::to_string_pretty(self).expect("manifests serialize");
        json.push('\n');
        json
    }
}

/// `sha256sum` format (two spaces: text mode), one line per file, so that
/// `sha256sum -c SHA256SUMS` in the unpacked folder checks everything.
pub fn sha256sums<'a>(files: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    files
        .into_iter()
        .map(|(name, hash)| format!("{hash}  {name}\n"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_in_sha256sum_format() {
        assert_eq!(
            sha256sums([("records/a.pdf", "ab12"), ("labs.csv", "cd34")]),
            "ab12  records/a.pdf\ncd34  labs.csv\n"
        );
    }
}
