//! `consultpack check`: every problem in the case folder at once.

use chrono::NaiveDate;

use super::{add_cross_checks, print_diagnostics};
use crate::case::model::RecordKind;
use crate::clinical;
use crate::diagnostic::{Diagnostic, Location};
use crate::error::{Error, Result};
use crate::folder::RECORDS_DIR;
use crate::folder::{CaseFolder, Loaded};
use crate::mail::mime;
use crate::packet::cover::{
    self, AttachmentView, CoverContext, LetterView, MailboxView, PartView, human_size,
};
use crate::packet::{self, Pack, RecordFile};
use crate::summary::{self, SummaryInput};
use crate::tr;

pub fn run(folder: &CaseFolder, today: NaiveDate) -> Result<()> {
    let mut loaded = folder.load(today)?;
    add_cross_checks(&mut loaded, today);
    check_templates(folder, &mut loaded, today)?;
    check_packets(folder, &mut loaded);
    print_diagnostics(&mut loaded.diagnostics);
    let errors = loaded.diagnostics.error_count();
    let shown = folder.display(crate::folder::CASE_FILE);
    if errors > 0 {
        return Err(Error::Invalid { count: errors });
    }
    let case = loaded.case.as_ref().map(|c| &c.case);
    let records = case.map_or(0, |c| c.records.len());
    let labs = case.map_or(0, |c| c.labs.len());
    eprintln!(
        "{}",
        tr!(
            "check: `{case}` is ready ({records} records, {labs} lab values, {contacts} contacts); {warnings}",
            case = shown.display(),
            records,
            labs,
            contacts = loaded.contacts.contacts.len(),
            warnings = loaded.diagnostics.warning_summary()
        )
    );
    Ok(())
}

/// Renders the cover letter of a language with example particulars.
fn cover_letter(
    folder: &CaseFolder,
    case: &crate::case::Case,
    lang: crate::text::Lang,
    today: NaiveDate,
) -> Result<Result<(), crate::templates::TemplateError>> {
    let template = folder.template(&cover::template_name(lang))?;
    let letter = LetterView {
        pack: "email",
        attachments: vec![AttachmentView {
            name: "summary.pdf".into(),
            what: "summary".into(),
            pages: Some(1),
            size: "1 KB".into(),
        }],
        imaging_delivery: String::new(),
        imaging_studies: Vec::new(),
        reply_to: Some(MailboxView {
            name: "family".into(),
            email: "family@example.org".into(),
        }),
        sender_name: Some("family".into()),
        part: Some(PartView { number: 1, of: 2 }),
        contents: Vec::new(),
        untranslated: Vec::new(),
        encrypted: true,
    };
    let context = CoverContext {
        case: summary::context::build(
            case,
            None,
            &crate::clinical::evaluate(case, today),
            lang,
            today,
            false,
        ),
        letter,
    };
    Ok(cover::render(&template, &context).map(drop))
}

/// What `build` would meet: damaged DICOM files, and e-mail bundles over a contact's limit.
fn check_packets(folder: &CaseFolder, loaded: &mut Loaded) {
    let Some(case) = &loaded.case else {
        return;
    };
    let case = &case.case;
    let dicom = super::dicom_index(folder, case);
    loaded
        .diagnostics
        .extend(super::dicom_warnings(folder, &dicom));
    loaded
        .diagnostics
        .extend(super::dicom_mismatches(folder, case, &dicom));
    let records: Vec<RecordFile> = case
        .records
        .iter()
        .filter(|r| r.kind != RecordKind::Dicom)
        .filter_map(|r| {
            let bytes = std::fs::metadata(folder.path(RECORDS_DIR).join(&r.path))
                .ok()?
                .len();
            Some(RecordFile {
                original: r.path.clone(),
                name: r.path.display().to_string(),
                kind: r.kind,
                date: r.date,
                title: r.title.clone(),
                bytes,
                sha256: String::new(),
                source_sha256: String::new(),
                // Scans and photos hardly compress: the raw size is the honest estimate.
                zipped_bytes: bytes,
                pages: None,
                changed: None,
            })
        })
        .collect();
    let summary = mime::base64_len(SUMMARY_ESTIMATE) * 2;
    for contact in loaded
        .contacts
        .contacts
        .iter()
        .filter(|c| c.active && Pack::for_channel(c.channel) == Pack::Email)
    {
        let limit = packet::size_limit(contact);
        if let Err(packet::Oversize::Total { estimated, limit }) =
            packet::plan_parts(&records, summary + 20_000, 20_000, limit, false)
        {
            loaded.diagnostics.push(
                Diagnostic::warning(tr!(
                    "the e-mail to `{contact}` would be about {estimated}, over its {limit} limit",
                    contact = contact.id,
                    estimated = human_size(estimated),
                    limit = human_size(limit)
                ))
                .hint(tr!("`consultpack build --split` sends it in parts; --records kind=…/from=/to= leaves records out")),
            );
        }
    }
}

/// A summary PDF's size, for estimates before one is made (the demo's is 150 KB).
const SUMMARY_ESTIMATE: u64 = 300_000;

/// Renders the summary template of every language a contact reads, so that a mistake in the
/// case's own copy of a template shows now rather than when a packet is built.
fn check_templates(folder: &CaseFolder, loaded: &mut Loaded, today: NaiveDate) -> Result<()> {
    let Some(case) = &loaded.case else {
        return Ok(());
    };
    let criteria = clinical::evaluate(&case.case, today);
    for lang in loaded.contacts.languages() {
        let template = folder.template(&summary::template_name(lang))?;
        let input = SummaryInput {
            case: &case.case,
            contact: None,
            lang,
            today,
            template: &template,
            appended: &[],
            criteria: &criteria,
            dicom: &[],
        };
        let summary = summary::check_template(input);
        let cover = cover_letter(folder, &case.case, lang, today)?;
        for e in [summary.err(), cover.err()].into_iter().flatten() {
            let location = Location::file(&e.path);
            loaded
                .diagnostics
                .push(Diagnostic::error(e.to_string()).at(location).hint(tr!(
                    "fix the template, or delete the case's copy to use the shipped one"
                )));
        }
    }
    Ok(())
}
