//! The platform pack (haodf.com, internet hospitals, WeChat): paste-ready fields, one upright
//! JPEG per page — the summary's first, then every record's in timeline order — the cover letter
//! as text and as a PDF page, and a checklist of what to upload where.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::{Outcome, Shared, finish_packet};
use crate::case::model::RecordKind;
use crate::contacts::Contact;
use crate::diagnostic::{Diagnostic, Diagnostics, Location};
use crate::error::{Error, Result};
use crate::folder::{CaseFolder, RECORDS_DIR};
use crate::packet::cover::{AttachmentView, human_size};
use crate::packet::output::Staging;
use crate::packet::store::RecordStore;
use crate::packet::{self, PACKET_FORMAT, Pack, PacketJson, fields};
use crate::page_images::{self, Limits, PageImages};
use crate::summary::words;
use crate::text::Lang;
use crate::toml_reader::Choice;
use crate::tr;

/// Images per upload batch: WeChat and the mini-program pickers take nine at a time.
const BATCH: usize = 9;

/// The page images of every record, rendered once per set of limits and shared by every
/// platform contact with those limits.
pub(super) struct PageCache {
    /// Holds the rendered pages until the build ends.
    _scratch: Option<tempfile::TempDir>,
    images: HashMap<(usize, Limits), Result<PageImages, String>>,
    originals: Vec<PathBuf>,
}

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

impl PageCache {
    /// Renders every record for each distinct set of `limits` (none when no contact needs
    /// images), `workers` child processes at a time.
    pub fn render(
        store: &RecordStore,
        records_root: &Path,
        limits: &[Limits],
        temp_parent: &Path,
        workers: usize,
    ) -> Result<Self> {
        let originals: Vec<PathBuf> = store.records.iter().map(|r| r.original.clone()).collect();
        let mut distinct: Vec<Limits> = limits.to_vec();
        distinct.dedup();
        distinct.sort_by_key(|l| (l.max_px, l.max_bytes));
        distinct.dedup();
        if distinct.is_empty() || originals.is_empty() {
            return Ok(Self {
                _scratch: None,
                images: HashMap::new(),
                originals,
            });
        }
        let dir = tempfile::Builder::new()
            .prefix(&format!(
                ".consultpack-records-{}-pages-",
                std::process::id()
            ))
            .tempdir_in(temp_parent)
            .map_err(Error::io("create a temporary folder in", temp_parent))?;
        let jobs: Vec<(usize, Limits)> = distinct
            .iter()
            .flat_map(|&l| (0..originals.len()).map(move |i| (i, l)))
            .collect();
        let rendered = crate::parallel::map(&jobs, workers, |&(index, limits)| {
            let stem = format!("r{index:04}-{}-{}", limits.max_px, limits.max_bytes);
            page_images::render(
                &records_root.join(&originals[index]),
                dir.path(),
                &stem,
                limits,
            )
        });
        let images = jobs.into_iter().zip(rendered).collect();
        Ok(Self {
            _scratch: Some(dir),
            images,
            originals,
        })
    }

    /// The records whose pages could not be made, and the pages made without a picture that
    /// could not be drawn, as warnings (once per record or page, whatever the limits).
    pub fn warnings(&self, folder: &CaseFolder) -> Diagnostics {
        let mut warned = std::collections::BTreeSet::new();
        let mut out = Diagnostics::default();
        let mut problems: Vec<(usize, Option<usize>, &String)> = Vec::new();
        for (&(index, _), result) in &self.images {
            match result {
                Err(reason) => problems.push((index, None, reason)),
                Ok(images) => problems.extend(
                    images
                        .blank
                        .iter()
                        .map(|(page, reason)| (index, Some(*page), reason)),
                ),
            }
        }
        problems.sort();
        for (index, page, reason) in problems {
            if !warned.insert((index, page)) {
                continue;
            }
            let shown = folder.display(RECORDS_DIR).join(&self.originals[index]);
            let message = match page {
                None => tr!(
                    "`{path}` was left out of the platform images: {reason}",
                    path = shown.display(),
                    reason
                ),
                Some(page) => tr!(
                    "`{path}`, page {page}: {reason}; its platform image is blank there",
                    path = shown.display(),
                    page,
                    reason
                ),
            };
            out.push(Diagnostic::warning(message).at(Location::file(&shown)));
        }
        out
    }

    fn pages(&self, index: usize, limits: Limits) -> &[PathBuf] {
        match self.images.get(&(index, limits)) {
            Some(Ok(images)) => &images.files,
            _ => &[],
        }
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
    let summary = shared.summary(contact, fonts)?;
    let mut warnings = summary.warnings.clone();
    let staging = Staging::new(target)?;
    let base = "platform";
    let summary_name = shared.summary_name(contact);
    let summary_path = staging.write(&format!("{base}/{summary_name}"), &summary.bytes)?;

    // Images: the summary's pages first (the doctor reads it first), then each record's.
    let images_dir = staging.path().join(base).join("images");
    crate::private_file::create_dir(&images_dir)?;
    let summary_pages = page_images::render(&summary_path, &images_dir, ".summary", limits)
        .map_err(|e| {
            Error::user(
                tr!("the summary could not be made into images: {e}", e),
                None,
            )
        })?;
    let mut sources: Vec<(String, Option<RecordKind>, PathBuf)> = summary_pages
        .files
        .iter()
        .map(|p| (shared.today.to_string(), None, p.clone()))
        .collect();
    for (index, record) in shared.store.records.iter().enumerate() {
        for page in shared.pages.pages(index, limits) {
            sources.push((record.date.to_string(), Some(record.kind), page.clone()));
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
        let target = images_dir.join(&name);
        if source.starts_with(&images_dir) {
            std::fs::rename(source, &target).map_err(Error::io("move", source))?;
        } else {
            crate::private_file::copy(source, &target)?;
        }
        images_bytes += std::fs::metadata(&target)
            .map_err(Error::io("read", &target))?
            .len();
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
