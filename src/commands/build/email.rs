//! The e-mail pack: the summary to read first, the zip bundle (or its parts), the cover letter
//! as the body, and `packet.json` saying exactly what `send` will send and how large each
//! message will be.

use std::path::Path;

use super::{Outcome, Shared, finish_packet};
use crate::config::Sender;
use crate::contacts::Contact;
use crate::date::CaseDate;
use crate::date::ReaderDate;
use crate::diagnostic::Diagnostics;
use crate::error::{Error, Result};
use crate::mail::compose::{self, Draft};
use crate::mail::mime;
use crate::packet::bundle::{self, Generated, StoredEntry};
use crate::packet::cover::{AttachmentView, PartView, human_size};
use crate::packet::manifest::{self, Manifest, ManifestFile};
use crate::packet::output::Staging;
use crate::packet::store;
use crate::packet::{
    self, FileEntry, MessagePlan, Oversize, PACKET_FORMAT, Pack, PacketJson, sealed, tables,
};
use crate::summary::words;
use crate::text::Lang;
use crate::tr;

/// What a message carries besides its records, at most: headers, and a cover letter of this
/// many bytes (they are a few KB; the exact size is checked once the letter is written).
const HEADERS_AT_MOST: u64 = 4_000;
const BODY_AT_MOST: u64 = 16_000;

pub(super) fn build(
    shared: &Shared,
    contact: &Contact,
    target: &Path,
) -> Result<(Outcome, Diagnostics)> {
    let lang = contact.language;
    let summary = shared.summary(contact)?;
    let summary_name = shared.summary_name(contact);
    let limit = packet::size_limit(contact);
    let records = &shared.store.records;
    // Encrypted: everything about the patient goes inside the zip (see `packet::sealed`).
    let sealed = shared.passphrase.is_some();
    let summary_in_zip = if sealed {
        sealed::summary_name(lang)
    } else {
        summary_name.clone()
    };

    let labs_csv = tables::labs_csv(shared.case, lang).into_bytes();
    let timeline_csv = tables::timeline_csv(shared.case, lang).into_bytes();
    let summary_len = summary.bytes.len() as u64;
    let generated_at_most = |extra: u64| {
        // manifest and checksums grow with the records listed; bound them generously.
        let listed = 400 * (records.len() as u64 + 6) + extra;
        listed + 2 * packet::zip_entry_overhead("manifest.json")
    };
    // Sealed, the summary is not attached beside the zip, and the letter goes inside it.
    let (summary_beside, letter_inside) = if sealed {
        (0, BODY_AT_MOST)
    } else {
        (summary_len, 0)
    };
    let fixed_first = HEADERS_AT_MOST * 2
        + mime::base64_len(BODY_AT_MOST)
        + mime::base64_len(summary_beside)
        + mime::base64_len(
            summary_len
                + labs_csv.len() as u64
                + timeline_csv.len() as u64
                + generated_at_most(letter_inside)
                + 3 * packet::zip_entry_overhead(&summary_name)
                + 22,
        );
    let fixed_other = HEADERS_AT_MOST * 2
        + mime::base64_len(BODY_AT_MOST + generated_at_most(letter_inside) + 22);
    let plan = packet::plan_parts(records, fixed_first, fixed_other, limit, shared.split)
        .map_err(|oversize| too_large(oversize, records, contact))?;
    let of = plan.parts.len();

    let staging = Staging::new(target)?;
    if !sealed {
        staging.write(&summary_name, &summary.bytes)?;
    }
    let summary_sha = store::sha256(&summary.bytes);
    let token = packet::case_token(&shared.case.patient.id, &contact.id);
    let sealed_names = sealed.then(|| sealed::record_names(records));
    let mut messages = Vec::new();
    for (k, part) in plan.parts.iter().enumerate() {
        let number = k + 1;
        let part_suffix = if of > 1 {
            format!("_part{number}of{of}")
        } else {
            String::new()
        };
        let part_of = (of > 1).then_some((number, of));
        let zip_name = if sealed {
            sealed::zip_name(&token, shared.today, part_of)
        } else {
            format!(
                "{}_{}_{}{part_suffix}.zip",
                shared.case.patient.id, shared.today, contact.id
            )
        };
        let mut generated = Vec::new();
        if number == 1 {
            generated.push(Generated {
                name: summary_in_zip.clone(),
                bytes: summary.bytes.clone(),
            });
            generated.push(Generated {
                name: "labs.csv".into(),
                bytes: labs_csv.clone(),
            });
            generated.push(Generated {
                name: "timeline.csv".into(),
                bytes: timeline_csv.clone(),
            });
        }
        let entries: Vec<StoredEntry> = part
            .iter()
            .map(|&index| StoredEntry {
                index,
                name: match &sealed_names {
                    Some(names) => names[index].clone(),
                    None => format!("records/{}", records[index].name),
                },
            })
            .collect();
        if sealed {
            // The letter to read first, inside with the rest; the e-mail says only how to open.
            let mut letter = shared.letter(contact, Pack::Email);
            letter.encrypted = true;
            letter.part = (of > 1).then_some(PartView { number, of });
            if number == 1 {
                letter.attachments.push(AttachmentView {
                    name: summary_in_zip.clone(),
                    what: what_is(
                        &summary_in_zip,
                        entries.len(),
                        records.len(),
                        (number, of),
                        lang,
                    ),
                    pages: Some(summary.pages as u32),
                    size: human_size(summary_len),
                });
            }
            letter.attachments.push(AttachmentView {
                name: "records/".into(),
                what: inside_the_zip(entries.len(), number == 1, lang),
                pages: None,
                size: human_size(entries.iter().map(|e| records[e.index].bytes).sum()),
            });
            letter.untranslated = shared.untranslated(lang, |i| match &sealed_names {
                Some(names) => names[i].clone(),
                None => format!("records/{}", records[i].name),
            });
            letter.contents = part_contents(&entries, records, of, lang);
            generated.push(Generated {
                name: "cover-letter.txt".into(),
                bytes: shared.cover(contact, letter)?.text().into_bytes(),
            });
        }
        let mut files: Vec<ManifestFile> = entries
            .iter()
            .map(|e| {
                let r = &records[e.index];
                ManifestFile {
                    name: e.name.clone(),
                    original: Some(r.original.to_string_lossy().replace('\\', "/")),
                    kind: r.kind.to_string(),
                    date: Some(r.date),
                    title: Some(r.title.best(lang).to_string()),
                    bytes: r.bytes,
                    sha256: r.sha256.clone(),
                    changed: r.changed.clone(),
                }
            })
            .collect();
        files.extend(generated.iter().map(|g| ManifestFile {
            name: g.name.clone(),
            original: None,
            kind: if g.name.ends_with(".pdf") {
                "summary".into()
            } else {
                "table".into()
            },
            date: Some(CaseDate::exact(shared.today)),
            title: None,
            bytes: g.bytes.len() as u64,
            sha256: store::sha256(&g.bytes),
            changed: None,
        }));
        files.sort_by(|a, b| a.name.cmp(&b.name));
        let manifest = Manifest {
            format: manifest::FORMAT,
            patient: shared.case.patient.id.clone(),
            contact: contact.id.clone(),
            language: lang.code(),
            built: shared.today,
            tool: manifest::TOOL,
            part: number,
            parts: of,
            files: files.clone(),
            imaging: manifest::studies_for(
                &shared.dicom.studies,
                shared.case.patient.shared_with(Some(&contact.id)),
            ),
            imaging_delivery: contact.imaging.as_ref().map(|i| i.delivery.to_string()),
            imaging_left_out: shared
                .dicom
                .left_out
                .iter()
                .map(|f| manifest::left_out_line(f))
                .collect(),
        }
        .to_json()
        .into_bytes();
        let mut sums: Vec<(String, String)> = files
            .iter()
            .map(|f| (f.name.clone(), f.sha256.clone()))
            .collect();
        sums.push(("manifest.json".into(), store::sha256(&manifest)));
        sums.sort();
        let sums = manifest::sha256sums(sums.iter().map(|(n, h)| (n.as_str(), h.as_str())));
        generated.push(Generated {
            name: "manifest.json".into(),
            bytes: manifest,
        });
        generated.push(Generated {
            name: "SHA256SUMS".into(),
            bytes: sums.into_bytes(),
        });

        let zip_path = staging.path().join(&zip_name);
        let (zip_len, zip_sha) = bundle::write(
            &zip_path,
            &shared.store,
            &entries,
            &generated,
            shared.today,
            shared.passphrase.as_deref(),
        )?;
        staging.known(&zip_name, zip_len, &zip_sha);

        let mut attachments = Vec::new();
        if number == 1 && !sealed {
            attachments.push(FileEntry {
                file: summary_name.clone(),
                bytes: summary_len,
                sha256: summary_sha.clone(),
            });
        }
        attachments.push(FileEntry {
            file: zip_name.clone(),
            bytes: zip_len,
            sha256: zip_sha,
        });

        let (subject, body) = if sealed {
            let doctor = contact.doctor.as_ref().map(|d| d.best(lang));
            (
                sealed::subject(lang, &token, part_of),
                sealed::body(lang, &token, doctor, part_of),
            )
        } else {
            let mut letter = shared.letter(contact, Pack::Email);
            letter.part = (of > 1).then_some(PartView { number, of });
            letter.attachments = attachments
                .iter()
                .map(|a| AttachmentView {
                    name: a.file.clone(),
                    what: what_is(&a.file, entries.len(), records.len(), (number, of), lang),
                    pages: a.file.ends_with(".pdf").then_some(summary.pages as u32),
                    size: human_size(a.bytes),
                })
                .collect();
            letter.untranslated =
                shared.untranslated(lang, |i| format!("records/{}", records[i].name));
            letter.contents = part_contents(&entries, records, of, lang);
            let cover = shared.cover(contact, letter)?;
            (format!("{} [{token}]", cover.subject), cover.text())
        };
        let body_name = if of > 1 {
            format!("cover-letter_part{number}of{of}.txt")
        } else {
            "cover-letter.txt".to_string()
        };
        staging.write(&body_name, body.as_bytes())?;
        let encoded = message_size(shared, contact, &subject, &body, &attachments, number);
        if encoded > limit {
            return Err(Error::user(
                tr!(
                    "part {number} of the bundle would be a {encoded} e-mail, over the {limit} limit of `{contact}`",
                    number,
                    encoded = human_size(encoded),
                    limit = human_size(limit),
                    contact = contact.id
                ),
                Some(tr!(
                    "use `consultpack build --split` or leave records out with --records"
                )),
            ));
        }
        messages.push(MessagePlan {
            part: number,
            of,
            subject,
            body: body_name,
            attachments,
            encoded_bytes: encoded,
        });
    }
    let largest = messages.iter().map(|m| m.encoded_bytes).max().unwrap_or(0);
    let json = PacketJson {
        format: PACKET_FORMAT.into(),
        contact: contact.id.clone(),
        pack: Pack::Email,
        language: lang.code().into(),
        patient: shared.case.patient.id.clone(),
        date: shared.today,
        token,
        size_limit_bytes: Some(limit),
        messages,
        files: Vec::new(),
        built_with: Default::default(),
        inputs_sha256: String::new(),
    };
    let (files, bytes, packet_sha256) = finish_packet(&staging, shared, json)?;
    staging.commit()?;
    Ok((
        Outcome {
            contact: contact.id.clone(),
            pack: Pack::Email,
            files,
            bytes,
            encoded: Some((largest, limit)),
            parts: of,
            packet_sha256,
        },
        summary.warnings.clone(),
    ))
}

/// What an attachment is. A split bundle's zips say which part of the records they hold: the
/// first one has the summary and tables too, the later ones only their records.
fn what_is(
    file: &str,
    in_part: usize,
    records: usize,
    (number, of): (usize, usize),
    lang: Lang,
) -> String {
    if file.ends_with(".pdf") {
        return lang
            .pick("病历摘要（请先阅读）", "case summary (please read first)")
            .to_string();
    }
    match (lang, of, number) {
        (Lang::Zh, 1, _) => {
            format!("压缩包：{in_part} 份病历资料、病历摘要、化验与时间线表格、清单及校验值")
        }
        (Lang::En, 1, _) => format!(
            "zip: {in_part} records, the summary, lab and timeline tables, manifest and checksums"
        ),
        (Lang::Zh, _, 1) => format!(
            "压缩包：全部 {records} 份病历资料中的 {in_part} 份（其余见后续 {} 封邮件）、病历摘要、化验与时间线表格、清单及校验值",
            of - 1
        ),
        (Lang::En, _, 1) => format!(
            "zip: {in_part} of the {records} records (the rest follow in {} more e-mail{}), the summary, lab and timeline tables, manifest and checksums",
            of - 1,
            if of > 2 { "s" } else { "" }
        ),
        (Lang::Zh, _, _) => {
            format!(
                "压缩包：全部 {records} 份病历资料中的 {in_part} 份（见下方清单）、清单及校验值"
            )
        }
        (Lang::En, _, _) => format!(
            "zip: {in_part} of the {records} records (listed below), manifest and checksums"
        ),
    }
}

/// A split bundle's part: one line per record its zip holds ("records/… — MRI report
/// 2021-06-18"), so that each part's letter says what that part carries; nothing for one part.
fn part_contents(
    entries: &[StoredEntry],
    records: &[packet::RecordFile],
    of: usize,
    lang: Lang,
) -> Vec<String> {
    if of < 2 {
        return Vec::new();
    }
    entries
        .iter()
        .map(|e| {
            let r = &records[e.index];
            format!(
                "{} — {} {}",
                e.name,
                words::record_label(r.kind, r.title.best(lang), lang, lang.pick("：", ": ")),
                r.date.for_reader(lang)
            )
        })
        .collect()
}

/// What an encrypted zip holds besides the summary, for the letter inside it.
fn inside_the_zip(records: usize, first: bool, lang: Lang) -> String {
    match (lang, first) {
        (Lang::Zh, true) => format!("{records} 份病历资料，化验与时间线表格，清单及校验值"),
        (Lang::Zh, false) => format!("{records} 份病历资料，清单及校验值"),
        (Lang::En, true) => {
            format!("{records} records, the lab and timeline tables, manifest and checksums")
        }
        (Lang::En, false) => format!("{records} records, manifest and checksums"),
    }
}

/// The size of the message `send` will write for these attachments (part 2 onwards answer part
/// 1). Without a sender in consultpack.toml yet, a stand-in sender gives a size within a few
/// bytes; `send` checks the exact size again.
fn message_size(
    shared: &Shared,
    contact: &Contact,
    subject: &str,
    body: &str,
    attachments: &[FileEntry],
    part: usize,
) -> u64 {
    let stand_in = Sender {
        name: String::new(),
        email: "family@example.invalid".into(),
        reply_to: None,
    };
    let sender = shared
        .config
        .and_then(|c| c.sender.as_ref())
        .unwrap_or(&stand_in);
    let to = contact.email.as_deref().unwrap_or("doctor@example.invalid");
    let draft = Draft {
        subject: subject.to_string(),
        body: body.to_string(),
        attachments: attachments.to_vec(),
        references: if part > 1 {
            vec![String::new()]
        } else {
            Vec::new()
        },
    };
    compose::encoded_len(sender, contact, to, draft)
}

/// The error for a bundle over the limit: the largest records and what to do.
fn too_large(oversize: Oversize, records: &[packet::RecordFile], contact: &Contact) -> Error {
    let mut largest: Vec<&packet::RecordFile> = records.iter().collect();
    largest.sort_by_key(|r| std::cmp::Reverse(r.zipped_bytes));
    let list = largest
        .iter()
        .take(3)
        .map(|r| format!("{} ({})", r.original.display(), human_size(r.zipped_bytes)))
        .collect::<Vec<_>>()
        .join(", ");
    match oversize {
        Oversize::Total { estimated, limit } => Error::user(
            tr!(
                "the e-mail to `{contact}` would be about {estimated}, over its {limit} limit; the largest records: {list}",
                contact = contact.id,
                estimated = human_size(estimated),
                limit = human_size(limit),
                list
            ),
            Some(tr!(
                "send it in parts with `consultpack build --split`, or leave records out with --records kind=…/from=DATE/to=DATE"
            )),
        ),
        Oversize::Record {
            index,
            estimated,
            limit,
        } => Error::user(
            tr!(
                "`{record}` alone makes a {estimated} e-mail, over the {limit} limit of `{contact}`: it cannot go by e-mail even in parts",
                record = records[index].original.display(),
                estimated = human_size(estimated),
                limit = human_size(limit),
                contact = contact.id
            ),
            Some(tr!(
                "leave it out with --records (kind=…/from=/to=) and share it by a download link, or raise size_limit_mb if the hospital accepts larger mail"
            )),
        ),
    }
}
