//! The platform pack (haodf.com, internet hospitals, WeChat): paste-ready fields, one upright
//! JPEG per page — the summary's first, then every record's in timeline order — the cover letter
//! as text and as a PDF page, and a checklist of what to upload where.

use std::path::{Path, PathBuf};

use super::{Outcome, Shared, finish_packet};
use crate::case::model::RecordKind;
use crate::contacts::Contact;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::error::{Error, Result};
use crate::packet::cover::{AttachmentView, human_size};
use crate::packet::output::Staging;
use crate::packet::store;
use crate::packet::{self, PACKET_FORMAT, Pack, PacketJson, fields};
use crate::page_images::Limits;
use crate::summary::words;
use crate::text::Lang;
use crate::toml_reader::Choice;
use crate::tr;

/// Images per upload batch: WeChat and the mini-program pickers take nine at a time.
const BATCH: usize = 9;

/// The image limits of a contact: its own, else 2000 px and 1.5 MB.
pub(super) fn limits(contact: &Contact) -> Limits {
    let default = Limits::default();
    Limits {
        max_px: contact.image_max_px.unwrap_or(default.max_px),
        max_bytes: contact
            .image_max_kb
            .map_or(default.max_bytes, |kb| u64::from(kb) * 1000),
    }
}

pub(super) fn build(
    shared: &Shared,
    contact: &Contact,
    target: &Path,
) -> Result<(Outcome, Diagnostics)> {
    let lang = contact.language;
    let limits = limits(contact);
    let fonts = &shared.fonts;
    let summary = shared.summary(contact)?;
    let mut warnings = summary.warnings.clone();
    let staging = Staging::new(target)?;
    let base = "platform";
    let summary_name = shared.summary_name(contact);
    staging.write(&format!("{base}/{summary_name}"), &summary.bytes)?;

    // Images: the summary's pages first (the doctor reads it first), then each record's; made
    // once for the build (see `pages`), copied here.
    let images_dir = staging.path().join(base).join("images");
    crate::private_file::create_dir(&images_dir)?;
    let summary_pages = shared
        .pages
        .pages(&store::sha256(&summary.bytes), limits)
        .map_err(|e| {
            Error::user(
                tr!("the summary could not be made into images: {e}", e),
                None,
            )
        })?;
    let mut sources: Vec<(String, Option<RecordKind>, &PathBuf)> = summary_pages
        .files
        .iter()
        .map(|(_, p)| (shared.today.to_string(), None, p))
        .collect();
    for record in &shared.store.records {
        // A record whose pages could not be made was warned about once, for every contact.
        if let Ok(pages) = shared.pages.pages(&record.source_sha256, limits) {
            for (_, page) in &pages.files {
                sources.push((record.date.to_string(), Some(record.kind), page));
            }
        }
    }
    let width = sources.len().to_string().len().max(2);
    let mut image_names = Vec::new();
    let mut images_bytes = 0;
    for (n, (date, kind, source)) in sources.iter().enumerate() {
        let name = format!(
            "{:0width$}_{date}_{}.jpg",
            n + 1,
            kind.map_or("summary", |k| k.name())
        );
        images_bytes += crate::private_file::copy(source, &images_dir.join(&name))?;
        image_names.push((name, *kind, date.clone()));
    }

    let form = fields::fields(
        shared.case,
        &shared.statement(lang),
        contact,
        lang,
        shared.today,
    );
    staging.write(
        &format!("{base}/fields.md"),
        fields::markdown(
            &form,
            contact.platform.as_deref(),
            &shared.case.patient.id,
            shared.today,
            lang,
        )
        .as_bytes(),
    )?;
    for field in form.iter().filter(|f| f.cut.is_some()) {
        warnings.push(Diagnostic::warning(tr!(
            "`{contact}`: the field “{field}” was shortened to {limit} characters to fit the platform (see fields.md)",
            contact = contact.id,
            field = field.label,
            limit = field.limit
        )));
    }

    let mut letter = shared.letter(contact, Pack::Platform);
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
            name: "images/".into(),
            what: match lang {
                Lang::Zh => format!(
                    "{} 张图片：病历摘要 {} 页，其后为病历资料逐页图片",
                    image_names.len(),
                    summary_pages.files.len()
                ),
                Lang::En => format!(
                    "{} images: the summary's {} pages, then every record page by page",
                    image_names.len(),
                    summary_pages.files.len()
                ),
            },
            pages: None,
            size: human_size(images_bytes),
        },
    ];
    letter.untranslated = shared.untranslated(lang, |i| shared.store.records[i].name.clone());
    let cover = shared.cover(contact, letter)?;
    staging.write(&format!("{base}/cover-letter.txt"), cover.text().as_bytes())?;
    let cover_pdf = crate::pdf::render_summary(
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
    if let Some(index_pdf) = shared.imaging_index_pdf(contact, fonts)? {
        staging.write(&format!("{base}/imaging-index.pdf"), &index_pdf)?;
    }
    staging.write(
        &format!("{base}/upload-checklist.md"),
        checklist(contact, &image_names, &shared.case.patient.id, lang).as_bytes(),
    )?;

    let json = PacketJson {
        format: PACKET_FORMAT.into(),
        contact: contact.id.clone(),
        pack: Pack::Platform,
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
            pack: Pack::Platform,
            files,
            bytes,
            encoded: None,
            parts: 1,
            packet_sha256,
        },
        warnings,
    ))
}

/// `upload-checklist.md`: the steps in order, and the images in batches of nine.
fn checklist(
    contact: &Contact,
    images: &[(String, Option<RecordKind>, String)],
    patient: &str,
    lang: Lang,
) -> String {
    let platform = contact
        .platform
        .clone()
        .unwrap_or_else(|| lang.pick("咨询平台", "the platform").to_string());
    let where_ = contact.website.clone().unwrap_or_else(|| platform.clone());
    let mut out = match lang {
        Lang::Zh => format!(
            "# 上传清单 · {patient} → {}\n\n1. 打开 {where_}，找到要咨询的医生或科室。\n2. 按 fields.md 的顺序，逐项复制粘贴文字（每项标有字数）。\n3. 按下列批次上传图片（每批最多 {BATCH} 张；微信中请勾选“原图”）。\n4. 需要时把 cover-letter.txt 的内容作为留言发送。\n5. 提交后运行 `consultpack mark {} sent --note \"已在{platform}提交\"`，以便跟踪回复。\n",
            contact.institution.best(lang),
            contact.id
        ),
        Lang::En => format!(
            "# Upload checklist · {patient} → {}\n\n1. Open {where_} and find the doctor or department.\n2. Paste the text of fields.md, field by field, in its order (each shows its character count).\n3. Upload the images in the batches below (at most {BATCH} at a time; in WeChat tick \"original\").\n4. If there is a message box, paste cover-letter.txt.\n5. When submitted, run `consultpack mark {} sent --note \"submitted on {platform}\"` so that replies can be tracked.\n",
            contact.institution.best(lang),
            contact.id
        ),
    };
    for (b, batch) in images.chunks(BATCH).enumerate() {
        out.push_str(&match lang {
            Lang::Zh => format!("\n## 第 {} 批\n\n", b + 1),
            Lang::En => format!("\n## Batch {}\n\n", b + 1),
        });
        for (name, kind, date) in batch {
            let what = kind.map_or(lang.pick("病历摘要", "case summary"), |k| {
                words::record_kind(k, lang)
            });
            out.push_str(&format!("- [ ] images/{name} — {date} {what}\n"));
        }
    }
    out
}
