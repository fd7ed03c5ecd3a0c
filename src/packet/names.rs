//! File names inside packets: ASCII, short, sortable by date, and unique — because a doctor's
//! mail client, a hospital's Windows PC and a US portal all have to show them, and a Chinese
//! name that shows as `tcmime.bin` is a record nobody opens. The original names are kept in the
//! manifest.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::case::model::Record;
use crate::text::Lang;
use crate::toml_reader::Choice;

/// Longest slug taken from a title.
const TITLE_LIMIT: usize = 48;
/// The titles consultpack gives records the family did not describe: they say no more than
/// the kind, so the file's own name is the better title.
const GENERIC_TITLES: &[&str] = &[
    "imaging-report",
    "lab-report",
    "procedure-note",
    "pathology-report",
    "medical-record",
    "dicom-images",
];

/// Lower-case ASCII letters and digits with single `-` between words; non-ASCII is dropped.
/// At most `limit` characters, cut at a word boundary where one is near.
pub fn slug(text: &str, limit: usize) -> String {
    let mut out = String::new();
    let mut gap = false;
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            if gap && !out.is_empty() {
                out.push('-');
            }
            gap = false;
            out.push(c.to_ascii_lowercase());
        } else {
            gap = true;
        }
    }
    if out.len() > limit {
        let cut = out[..limit]
            .rfind('-')
            .filter(|&i| i > limit / 2)
            .unwrap_or(limit);
        out.truncate(cut);
    }
    out
}

/// `<date>_<kind>_<title>.<ext>` for a record; the title from its English title, else from its
/// file name, and left out when neither has ASCII words. `taken` holds the names already given
/// (a second `…_lab_liver-panel.jpg` becomes `…_lab_liver-panel-2.jpg`).
pub fn record_file_name(record: &Record, taken: &mut BTreeSet<String>) -> String {
    let ext = record
        .path
        .extension()
        .map(|e| slug(&e.to_string_lossy(), 8))
        .filter(|e| !e.is_empty());
    let undated = |text: &str| without_date(&slug(text, TITLE_LIMIT), record.date);
    let from_title = record.title.get(Lang::En).and_then(undated);
    let from_file = undated(&stem_without_date(&record.path));
    let title = match from_title {
        Some(t) if GENERIC_TITLES.contains(&t.as_str()) => from_file.or(Some(t)),
        Some(t) => Some(t),
        None => from_file,
    };
    let mut base = format!("{}_{}", record.date.in_file_name(), record.kind.name());
    if let Some(title) = title {
        base.push('_');
        base.push_str(&title);
    }
    unique(&base, ext.as_deref(), taken)
}

/// A slug without the record's own date (`2023-11-02`, `20231102`), which the name already
/// begins with; `None` when nothing but numbers is left.
fn without_date(slug: &str, date: crate::date::CaseDate) -> Option<String> {
    let day = date.day();
    let mut out = slug.to_string();
    for written in [
        day.format("%Y-%m-%d").to_string(),
        day.format("%Y%m%d").to_string(),
        date.in_file_name(),
    ] {
        out = out.replace(&written, "");
    }
    let words: Vec<&str> = out.split('-').filter(|w| !w.is_empty()).collect();
    let out = words.join("-");
    (!out.is_empty() && !out.chars().all(|c| c.is_ascii_digit() || c == '-')).then_some(out)
}

/// A record's name in a portal pack, where every record is a PDF of its own: the packet name
/// with `.pdf` for a photo (`2021-06-20_lab_liver-panel.jpg` → `….pdf`), so that the summary's
/// index names the file the pack holds.
pub fn portal_name(name: &str) -> String {
    let stem = name.rsplit_once('.').map_or(name, |(stem, _)| stem);
    format!("{stem}.pdf")
}

/// The names every record of a case takes in packets, given in date order over the whole
/// case (DICOM folders aside) so that a record has the same name in every packet, filtered or
/// not, and in the summary's records index and the tables that cite it.
pub fn packet_names(records: &[Record]) -> BTreeMap<PathBuf, String> {
    let mut sorted: Vec<&Record> = records
        .iter()
        .filter(|r| r.kind != crate::case::model::RecordKind::Dicom)
        .collect();
    sorted.sort_by(|a, b| (a.date, &a.path).cmp(&(b.date, &b.path)));
    let mut taken = BTreeSet::new();
    sorted
        .into_iter()
        .map(|r| (r.path.clone(), record_file_name(r, &mut taken)))
        .collect()
}

/// The file stem, without a leading date the family already put there.
fn stem_without_date(path: &Path) -> String {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let bytes = stem.as_bytes();
    let dated = bytes.len() >= 10
        && bytes[..10].iter().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b"-_.".contains(b)
            } else {
                b.is_ascii_digit()
            }
        });
    if dated { stem[10..].to_string() } else { stem }
}

/// `base.ext`, or `base-2.ext`, `base-3.ext`… whichever is not taken yet; records it as taken.
pub fn unique(base: &str, ext: Option<&str>, taken: &mut BTreeSet<String>) -> String {
    let with_ext = |b: &str| match ext {
        Some(ext) => format!("{b}.{ext}"),
        None => b.to_string(),
    };
    let mut name = with_ext(base);
    let mut n = 2;
    while taken.contains(&name.to_ascii_lowercase()) {
        name = with_ext(&format!("{base}-{n}"));
        n += 1;
    }
    taken.insert(name.to_ascii_lowercase());
    name
}

/// The records as the contact's packet names them, so that a file the summary cites is found in
/// the zip or the pack under that name (a portal pack holds every record as a PDF); a record the
/// packet does not rename (a DICOM folder) keeps the case's path.
pub struct RecordNames {
    names: BTreeMap<PathBuf, String>,
    pack: Option<crate::packet::Pack>,
}

impl RecordNames {
    pub fn of(case: &crate::case::model::Case, pack: Option<crate::packet::Pack>) -> Self {
        Self {
            names: packet_names(&case.records),
            pack,
        }
    }

    pub fn name(&self, path: &Path) -> String {
        match (self.names.get(path), self.pack) {
            (Some(name), Some(crate::packet::Pack::Portal)) => portal_name(name),
            (Some(name), _) => name.clone(),
            (None, _) => path.display().to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::model::RecordKind;
    use crate::text::Text;
    use chrono::NaiveDate;

    fn record(path: &str, title: Text) -> Record {
        Record {
            path: path.into(),
            kind: RecordKind::Imaging,
            date: NaiveDate::from_ymd_opt(2021, 6, 18).unwrap().into(),
            title,
            language: None,
            other_patient: false,
        }
    }

    #[test]
    fn slugs_are_ascii_words() {
        assert_eq!(
            slug("MRI report (contrast) — S8", 48),
            "mri-report-contrast-s8"
        );
        assert_eq!(slug("磁共振报告", 48), "");
        assert_eq!(slug("CT 增强 report", 48), "ct-report");
        assert_eq!(
            slug("a very long title that goes on and on about the liver", 20),
            "a-very-long-title"
        );
    }

    #[test]
    fn record_names_come_from_the_english_title_else_the_file_name() {
        let mut taken = BTreeSet::new();
        let both = record(
            "imaging/核磁.PDF",
            Text::both("磁共振报告", "MRI report, contrast"),
        );
        assert_eq!(
            record_file_name(&both, &mut taken),
            "2021-06-18_imaging_mri-report-contrast.pdf"
        );
        let chinese = record(
            "imaging/2021-06-18_mri-report.pdf",
            Text::plain("磁共振报告"),
        );
        assert_eq!(
            record_file_name(&chinese, &mut taken),
            "2021-06-18_imaging_mri-report.pdf"
        );
        let generic = record(
            "imaging/2021-06-18_ct-liver.pdf",
            Text::both("影像报告", "Imaging report"),
        );
        assert_eq!(
            record_file_name(&generic, &mut taken),
            "2021-06-18_imaging_ct-liver.pdf",
            "a title that only repeats the kind gives way to the file name"
        );
        let nothing_ascii = record("imaging/核磁共振.jpg", Text::plain("磁共振"));
        assert_eq!(
            record_file_name(&nothing_ascii, &mut taken),
            "2021-06-18_imaging.jpg"
        );
        assert_eq!(
            record_file_name(&nothing_ascii, &mut taken),
            "2021-06-18_imaging-2.jpg",
            "names stay unique"
        );
        let dated = record("imaging/CT_2021-06-18.pdf", Text::plain("2021-06-18"));
        assert_eq!(
            record_file_name(&dated, &mut taken),
            "2021-06-18_imaging_ct.pdf",
            "the date is not said twice"
        );
        let only_date = record("imaging/20210618.pdf", Text::plain("20210618"));
        assert_eq!(
            record_file_name(&only_date, &mut taken),
            "2021-06-18_imaging.pdf"
        );
    }
}
