//! The portal pack (US second-opinion request forms; also what is printed for a courier or a
//! visit): the summary, the cover letter as a PDF, every record as a PDF of its own (photos
//! wrapped as pages), all records merged into one PDF, and the intake answers.

use std::path::Path;

use super::{Outcome, Shared, finish_packet};
use crate::contacts::Contact;
use crate::diagnostic::Diagnostics;
use crate::error::Result;
use crate::packet::cover::{AttachmentView, human_size};
use crate::packet::output::Staging;
use crate::packet::{self, PACKET_FORMAT, Pack, PacketJson, intake};
use crate::pdf;
use crate::private_file;

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
        let source = shared.records_root.join(&record.original);
        let is_pdf = record.name.ends_with(".pdf");
        if is_pdf {
            private_file::copy(&source, &target)?;
        } else {
            let header = shared.record_header(index, contact);
            let empty = pdf::empty(record.title.best(lang), lang, shared.created)?;
            let skipped = private_file::write_with(&target, |out| {
                pdf::append_records(
                    &empty,
                    std::slice::from_ref(&header),
                    contact.paper,
                    fonts,
                    out,
                )
            })?;
            if !skipped.is_empty() {
                warnings.extend(skipped);
                let _ = std::fs::remove_file(&target);
                continue;
            }
        }
        record_names.push(format!("records/{name}"));
    }

    // All records in one PDF, each with its header line and bookmark, streamed to the file.
    let complete_name = format!(
        "{}_{}_complete-records.pdf",
        shared.case.patient.id, shared.today
    );
    if !shared.store.records.is_empty() {
        let headers: Vec<pdf::AppendedRecord> = (0..shared.store.records.len())
            .map(|i| shared.record_header(i, contact))
            .collect();
        let title = format!(
            "{} {}",
            shared.case.patient.id,
            lang.pick("全部病历资料", "complete records")
        );
        let empty = pdf::empty(&title, lang, shared.created)?;
        let target = staging.path().join(base).join(&complete_name);
        let skipped = private_file::write_with(&target, |out| {
            pdf::append_records(&empty, &headers, contact.paper, fonts, out)
        })?;
        // The same records were already checked one by one above.
        drop(skipped);
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
