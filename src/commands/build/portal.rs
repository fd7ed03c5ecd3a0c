//! The portal pack (US second-opinion request forms; also what is printed for a courier or a
//! visit): the summary, the cover letter as a PDF, every record as a PDF of its own (photos
//! wrapped as pages), all records merged into one PDF, and the intake answers.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use super::{Explained, Outcome, Shared, explained, finish_packet};
use crate::contacts::Contact;
use crate::diagnostic::Diagnostics;
use crate::error::{Error, Result};
use crate::fonts::Fonts;
use crate::packet::cover::{AttachmentView, human_size};
use crate::packet::output::Staging;
use crate::packet::{self, PACKET_FORMAT, Pack, PacketJson, intake};
use crate::pdf;
use crate::private_file;
use crate::text::Lang;

pub(super) fn build(
    shared: &Shared,
    contact: &Contact,
    target: &Path,
) -> Result<(Outcome, Diagnostics)> {
    let lang = contact.language;
    let fonts = &shared.fonts;
    let summary = shared.summary(contact)?;
    let mut warnings = summary.warnings.clone();
    let staging = Staging::new(target)?;
    let base = "portal";
    let summary_name = shared.summary_name(contact);
    staging.write(&format!("{base}/{summary_name}"), &summary.bytes)?;

    // Each record as a PDF of its own: PDFs as they are, photos wrapped on a page.
    let records_dir = staging.path().join(base).join("records");
    private_file::create_dir(&records_dir)?;
    let mut record_names = Vec::new();
    for (index, record) in shared.store.records.iter().enumerate() {
        let name = packet::names::portal_name(&record.name);
        let target = records_dir.join(&name);
        if record.name.ends_with(".pdf") {
            private_file::copy(&shared.records_root.join(&record.original), &target)?;
        } else {
            let (made, skipped) = photo_pdf(shared, contact, index)?;
            if !skipped.is_empty() {
                warnings.extend(skipped);
                continue;
            }
            private_file::copy(&made, &target)?;
        }
        record_names.push(format!("records/{name}"));
    }

    // All records in one PDF, each with its header line and bookmark.
    let complete_name = format!(
        "{}_{}_complete-records.pdf",
        shared.case.patient.id, shared.today
    );
    if !shared.store.records.is_empty() {
        // The same records were already checked one by one above: what it skipped is said.
        let (made, _) = merged_pdf(shared, contact)?;
        private_file::copy(&made, &staging.path().join(base).join(&complete_name))?;
    }

    if let Some(index_pdf) = shared.imaging_index_pdf(contact, fonts)? {
        staging.write(&format!("{base}/imaging-index.pdf"), &index_pdf)?;
    }
    let untranslated = shared.untranslated(lang, |i| {
        format!(
            "records/{}",
            packet::names::portal_name(&shared.store.records[i].name)
        )
    });
    staging.write(
        &format!("{base}/intake.md"),
        intake::markdown(
            shared.case,
            &shared.statement(lang),
            contact,
            lang,
            shared.today,
            intake::Enclosed {
                records: &record_names,
                untranslated: &untranslated,
            },
        )
        .as_bytes(),
    )?;

    let mut letter = shared.letter(contact, Pack::Portal);
    letter.attachments = vec![
        AttachmentView {
            name: summary_name.clone(),
            what: lang
                .pick("病历摘要（请先阅读）", "case summary (please read first)")
                .to_string(),
            pages: Some(summary.pages as u32),
            size: human_size(summary.bytes.len() as u64),
        },
        AttachmentView {
            name: complete_name,
            what: match lang {
                crate::text::Lang::Zh => format!(
                    "全部 {} 份病历资料合为一个 PDF；records/ 中为逐份 PDF",
                    record_names.len()
                ),
                crate::text::Lang::En => format!(
                    "all {} records in one PDF; records/ holds each as its own PDF",
                    record_names.len()
                ),
            },
            pages: Some(shared.store.records.iter().filter_map(|r| r.pages).sum()),
            size: human_size(shared.store.records.iter().map(|r| r.bytes).sum()),
        },
    ];
    letter.untranslated = untranslated;
    let cover = shared.cover(contact, letter)?;
    staging.write(&format!("{base}/cover-letter.txt"), cover.text().as_bytes())?;
    let cover_pdf = pdf::render_summary(
        &cover.document(
            lang,
            contact.paper,
            shared.today,
            &crate::summary::context::identifiers(shared.case, Some(contact), lang),
        ),
        fonts,
        shared.created,
    )?;
    staging.write(&format!("{base}/cover-letter.pdf"), &cover_pdf.bytes)?;

    let json = PacketJson {
        format: PACKET_FORMAT.into(),
        contact: contact.id.clone(),
        pack: Pack::Portal,
        language: lang.code().into(),
        patient: shared.case.patient.id.clone(),
        date: shared.today,
        token: packet::case_token(&shared.case.patient.id, &contact.id),
        size_limit_bytes: None,
        messages: Vec::new(),
        files: Vec::new(),
        built_with: Default::default(),
        inputs_sha256: String::new(),
    };
    let (files, bytes, packet_sha256) = finish_packet(&staging, shared, json)?;
    staging.commit()?;
    Ok((
        Outcome {
            contact: contact.id.clone(),
            pack: Pack::Portal,
            files,
            bytes,
            encoded: None,
            parts: 1,
            packet_sha256,
        },
        warnings,
    ))
}

/// The portal packs' PDFs made from records — a photo wrapped on a page of its own, all records
/// merged into one — each written once per build, for every contact it is the same for, and
/// copied into their packs. A PDF is known by all it is made from: its title, its language, its
/// paper and its records with their header lines, which name the patient as far as the contact's
/// redaction allows; so contacts of one language whose redactions agree share it.
pub(super) struct RecordPdfs {
    scratch: tempfile::TempDir,
    /// Each PDF asked for, with its file in `scratch`, written by the first to ask.
    made: Mutex<HashMap<Inputs, (PathBuf, Slot)>>,
    /// Held while one is written: photos are decoded whole in this process (a 12-megapixel
    /// photo is 36 MB of pixels), so two at once would push the build past 100 MB.
    writing: Mutex<()>,
}

/// All a record PDF is made from, besides the build's fonts and date.
#[derive(Clone, PartialEq, Eq, Hash)]
struct Inputs {
    title: String,
    lang: Lang,
    paper: crate::document::Paper,
    records: Vec<pdf::AppendedRecord>,
}

/// A PDF written and the records it had to leave out, or why it could not be written.
type Made = std::result::Result<(PathBuf, Diagnostics), Explained>;
/// Where a PDF is once written; those asking while it is being written wait for it.
type Slot = Arc<OnceLock<Made>>;

impl RecordPdfs {
    pub(super) fn new(temp_parent: &Path) -> Result<Self> {
        let scratch = tempfile::Builder::new()
            .prefix(&format!(
                ".consultpack-records-{}-portal-",
                std::process::id()
            ))
            .tempdir_in(temp_parent)
            .map_err(Error::io("create a temporary folder in", temp_parent))?;
        Ok(Self {
            scratch,
            made: Mutex::default(),
            writing: Mutex::default(),
        })
    }

    /// The PDF of `inputs` (written now if no contact asked for it before), and what it left
    /// out.
    fn get(
        &self,
        inputs: Inputs,
        fonts: &Fonts,
        created: chrono::NaiveDateTime,
    ) -> Result<(PathBuf, Diagnostics)> {
        let (path, cell) = {
            let mut made = self.made.lock().unwrap_or_else(|e| e.into_inner());
            let next = self.scratch.path().join(format!("{:04}.pdf", made.len()));
            made.entry(inputs.clone())
                .or_insert_with(|| (next, Arc::default()))
                .clone()
        };
        cell.get_or_init(|| {
            let _one_at_a_time = self.writing.lock().unwrap_or_else(|e| e.into_inner());
            let empty =
                pdf::empty(&inputs.title, inputs.lang, created).map_err(|e| explained(&e))?;
            private_file::write_with(&path, |out| {
                pdf::append_records(&empty, &inputs.records, inputs.paper, fonts, out)
            })
            .map(|skipped| (path.clone(), skipped))
            .map_err(|e| explained(&e))
        })
        .clone()
        .map_err(|(message, hint)| Error::user(message, hint))
    }
}

/// Writes the record PDFs the portal contacts will need, one at a time, before the build lays
/// out its summaries: a photo decoded whole then adds to nothing else held (each summary
/// brings in pages of the fonts). Failures are kept and given to the contacts they concern.
pub(super) fn make_record_pdfs(shared: &Shared, contacts: &[&Contact]) {
    for contact in contacts
        .iter()
        .filter(|c| Pack::for_channel(c.channel) == Pack::Portal)
    {
        for (index, record) in shared.store.records.iter().enumerate() {
            if !record.name.ends_with(".pdf") {
                let _ = photo_pdf(shared, contact, index);
            }
        }
        if !shared.store.records.is_empty() {
            let _ = merged_pdf(shared, contact);
        }
    }
}

/// Record `index` (a photo) wrapped on a page of its own for `contact`, and whether it had to be
/// left out.
fn photo_pdf(shared: &Shared, contact: &Contact, index: usize) -> Result<(PathBuf, Diagnostics)> {
    let lang = contact.language;
    let inputs = Inputs {
        title: shared.store.records[index].title.best(lang).to_string(),
        lang,
        paper: contact.paper,
        records: vec![shared.record_header(index, contact)],
    };
    shared
        .record_pdfs
        .get(inputs, &shared.fonts, shared.created)
}

/// Every record in one PDF for `contact`, each with its header line and bookmark.
fn merged_pdf(shared: &Shared, contact: &Contact) -> Result<(PathBuf, Diagnostics)> {
    let lang = contact.language;
    let inputs = Inputs {
        title: format!(
            "{} {}",
            shared.case.patient.id,
            lang.pick("全部病历资料", "complete records")
        ),
        lang,
        paper: contact.paper,
        records: (0..shared.store.records.len())
            .map(|i| shared.record_header(i, contact))
            .collect(),
    };
    shared
        .record_pdfs
        .get(inputs, &shared.fonts, shared.created)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn photo(dir: &Path) -> PathBuf {
        let path = dir.join("photo.jpg");
        let pixels =
            image::RgbImage::from_fn(40, 30, |x, y| image::Rgb([x as u8 * 6, y as u8 * 8, 90]));
        pixels.save(&path).unwrap();
        path
    }

    #[test]
    fn a_record_pdf_is_written_once_for_the_contacts_it_is_the_same_for() {
        let dir = tempfile::tempdir().unwrap();
        let pdfs = RecordPdfs::new(dir.path()).unwrap();
        let fonts = Fonts::builtin();
        let created = chrono::NaiveDate::from_ymd_opt(2026, 11, 27)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap();
        let inputs = |identifiers: &str| Inputs {
            title: "Liver panel".into(),
            lang: Lang::En,
            paper: crate::document::Paper::Letter,
            records: vec![pdf::AppendedRecord {
                path: photo(dir.path()),
                header_line: format!("{identifiers}\n2021-06-20 · lab · Liver panel"),
                bookmark_title: "2021-06-20 lab Liver panel".into(),
            }],
        };
        let (first, skipped) = pdfs
            .get(inputs("DEMO-LGQ · Li Guoqiang"), &fonts, created)
            .unwrap();
        assert!(skipped.is_empty());
        let written = std::fs::read(&first).unwrap();
        // Another contact asking for the same gets the same file, not written again.
        std::fs::remove_file(&first).unwrap();
        let (again, _) = pdfs
            .get(inputs("DEMO-LGQ · Li Guoqiang"), &fonts, created)
            .unwrap();
        assert_eq!(again, first);
        assert!(!again.exists(), "written again");
        // A contact that may see more of the patient's identifiers gets its own.
        let (other, _) = pdfs
            .get(
                inputs("DEMO-LGQ · Li Guoqiang · ID DEMO-000000"),
                &fonts,
                created,
            )
            .unwrap();
        assert_ne!(other, first);
        assert_ne!(std::fs::read(&other).unwrap(), written);
    }
}
