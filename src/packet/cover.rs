//! The cover letter: `templates/cover.{zh,en}.md` (the case may have its own copy), filled with
//! the summary's values plus what this letter adds — what is attached, how the DICOM will come,
//! whom to reply to. The template's first `# ` heading is the subject; the rest is the body,
//! as plain text for an e-mail and as a PDF page for portal and platform packs.

use serde::Serialize;

use crate::contacts::{Contact, Delivery};
use crate::dicom::Study;
use crate::document::{self, Block, Document};
use crate::summary::context::SummaryContext;
use crate::summary::markdown;
use crate::templates::{self, Template, TemplateError};
use crate::text::Lang;
use crate::tr;

/// The file name of a language's cover-letter template.
pub fn template_name(lang: Lang) -> String {
    format!("cover.{}.md", lang.code())
}

/// What a cover template sees: every value of the summary template, and `letter`.
#[derive(Debug, Serialize)]
pub struct CoverContext {
    #[serde(flatten)]
    pub case: SummaryContext,
    pub letter: LetterView,
}

#[derive(Debug, Clone, Serialize)]
pub struct LetterView {
    /// `email`, `platform` or `portal`.
    pub pack: &'static str,
    pub attachments: Vec<AttachmentView>,
    /// One sentence on how the DICOM images reach the recipient.
    pub imaging_delivery: String,
    /// One line per DICOM study, e.g. "2021-10-15 · MR · Liver MRI · 3 series, 62 images".
    pub imaging_studies: Vec<String>,
    /// Whom to reply to; `None` when consultpack.toml has no sender yet.
    pub reply_to: Option<MailboxView>,
    pub sender_name: Option<String>,
    /// For a bundle split into several e-mails.
    pub part: Option<PartView>,
    /// A split bundle: the records this part's zip holds, one line each (a letter lists what
    /// its own part holds).
    pub contents: Vec<String>,
    /// Records in Chinese that go to an English reader untranslated, one line each.
    pub untranslated: Vec<String>,
    /// The bundle is an encrypted zip; the passphrase comes another way.
    pub encrypted: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct AttachmentView {
    pub name: String,
    /// What the file is, in the reader's language.
    pub what: String,
    pub pages: Option<u32>,
    /// e.g. "1.2 MB".
    pub size: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct MailboxView {
    pub name: String,
    pub email: String,
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct PartView {
    pub number: usize,
    pub of: usize,
}

/// A rendered cover letter.
#[derive(Debug, Clone)]
pub struct CoverLetter {
    pub subject: String,
    pub blocks: Vec<Block>,
}

impl CoverLetter {
    /// The body as plain text (the e-mail body, `cover-letter.txt`).
    pub fn text(&self) -> String {
        document::plain_text(&self.blocks)
    }

    /// The letter as a document for a PDF page: the subject as its title heading.
    pub fn document(
        &self,
        lang: Lang,
        paper: document::Paper,
        date: chrono::NaiveDate,
        running_header: &str,
    ) -> Document {
        let mut blocks = vec![Block::Heading {
            level: 1,
            text: vec![document::Span::plain(self.subject.clone())],
        }];
        blocks.extend(self.blocks.iter().cloned());
        Document {
            title: self.subject.clone(),
            lang,
            paper,
            running_header: running_header.to_string(),
            records_follow: false,
            date,
            blocks,
        }
    }
}

/// Renders a letter template (the cover letter, a follow-up). A template without a `# `
/// heading has no subject: an error naming the template, since a message must have one.
pub fn render(template: &Template, context: &impl Serialize) -> Result<CoverLetter, TemplateError> {
    let markdown = templates::render(template, context)?;
    let mut blocks = markdown::to_blocks(&markdown, |_| None).map_err(|unknown| TemplateError {
        path: template.path.clone(),
        line: None,
        message: tr!(
            "`:::{name}` (line {line} of the rendered text): a cover letter has no generated blocks",
            name = unknown.name,
            line = unknown.line
        ),
    })?;
    let subject_at = blocks
        .iter()
        .position(|b| matches!(b, Block::Heading { level: 1, .. }))
        .ok_or_else(|| TemplateError {
            path: template.path.clone(),
            line: None,
            message: tr!("the letter needs a first line `# subject` (the e-mail subject)"),
        })?;
    let Block::Heading { text, .. } = blocks.remove(subject_at) else {
        unreachable!("found above")
    };
    let subject = text.iter().map(|s| s.text.as_str()).collect::<String>();
    Ok(CoverLetter {
        subject: subject.trim().to_string(),
        blocks,
    })
}

/// "85 KB", "1.2 MB": sizes for people (1 KB = 1000 bytes, as mail providers count).
pub fn human_size(bytes: u64) -> String {
    match bytes {
        0..1_000 => format!("{bytes} B"),
        1_000..1_000_000 => format!("{} KB", (bytes + 500) / 1_000),
        _ => format!("{:.1} MB", bytes as f64 / 1_000_000.0),
    }
}

/// How the DICOM reaches this contact, in one sentence, and one line per study.
pub fn imaging_delivery(contact: &Contact, studies: &[Study], lang: Lang) -> (String, Vec<String>) {
    let lines: Vec<String> = studies
        .iter()
        .map(|s| {
            let mut line = vec![s.date.clone().unwrap_or_else(|| "?".into())];
            if !s.modalities.is_empty() {
                line.push(s.modalities.join("/"));
            }
            if let Some(d) = &s.description {
                line.push(d.clone());
            }
            line.push(match lang {
                Lang::Zh => format!("{} 个序列，{} 幅图像", s.series.len(), s.images),
                Lang::En => format!("{} series, {} images", s.series.len(), s.images),
            });
            line.join(" · ")
        })
        .collect();
    if studies.is_empty() {
        let sentence = lang.pick(
            "本次未附 DICOM 影像原始数据；影像检查的书面报告见所附资料。如需影像原始数据，请告知我们方式。",
            "No DICOM image files are included; the written imaging reports are among the records. If you need the images, please tell us how you would like to receive them.",
        );
        return (sentence.to_string(), lines);
    }
    let n = studies.len();
    let studies_en = if n == 1 {
        "1 study".to_string()
    } else {
        format!("{n} studies")
    };
    let delivery = contact
        .imaging
        .as_ref()
        .map_or(Delivery::Unknown, |i| i.delivery);
    let sentence = match (lang, delivery) {
        (Lang::Zh, Delivery::Link) => {
            format!("DICOM 影像原始数据（{n} 项检查）不随邮件发送，将另行通过下载链接提供。")
        }
        (Lang::Zh, Delivery::Portal) => {
            format!("DICOM 影像原始数据（{n} 项检查）不随邮件发送，将上传至贵院的影像上传平台。")
        }
        (Lang::Zh, Delivery::Courier) => {
            format!("DICOM 影像原始数据（{n} 项检查）将刻盘快递寄送。")
        }
        (Lang::Zh, Delivery::Disc) => format!("DICOM 影像原始数据（{n} 项检查）将以光盘提供。"),
        (Lang::Zh, Delivery::InPerson) => {
            format!("DICOM 影像原始数据（{n} 项检查）将在就诊时当面提供光盘。")
        }
        (Lang::Zh, Delivery::Unknown) => {
            format!("我们有 DICOM 影像原始数据（{n} 项检查），请告知希望以何种方式接收。")
        }
        (Lang::En, Delivery::Link) => format!(
            "The DICOM images ({studies_en}) are not attached; we will send a download link separately."
        ),
        (Lang::En, Delivery::Portal) => format!(
            "The DICOM images ({studies_en}) are not attached; we will upload them to your image-exchange portal."
        ),
        (Lang::En, Delivery::Courier) => {
            format!("The DICOM images ({studies_en}) will be sent on a disc by courier.")
        }
        (Lang::En, Delivery::Disc) => {
            format!("The DICOM images ({studies_en}) will be provided on a disc.")
        }
        (Lang::En, Delivery::InPerson) => {
            format!("The DICOM images ({studies_en}) will be brought on a disc to the visit.")
        }
        (Lang::En, Delivery::Unknown) => format!(
            "We have the DICOM images ({studies_en}); please tell us how you would like to receive them."
        ),
    };
    (sentence, lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_for_people() {
        assert_eq!(human_size(999), "999 B");
        assert_eq!(human_size(85_541), "86 KB");
        assert_eq!(human_size(1_240_000), "1.2 MB");
    }

    #[test]
    fn the_shipped_letters_render_with_a_subject_in_both_languages() {
        let case = crate::packet::tests::demo_case();
        let contacts = crate::packet::tests::contacts();
        let contact = contacts.get("uwmc-liver").unwrap();
        for lang in Lang::ALL {
            let template = Template::builtin(&template_name(lang)).unwrap();
            let context = CoverContext {
                case: crate::summary::context::build(
                    &case,
                    Some(contact),
                    &crate::clinical::evaluate(&case, crate::packet::tests::today()),
                    lang,
                    crate::packet::tests::today(),
                    false,
                ),
                letter: LetterView {
                    pack: "email",
                    attachments: vec![AttachmentView {
                        name: "DEMO-LGQ_2026-11-27_summary_en.pdf".into(),
                        what: "summary".into(),
                        pages: Some(11),
                        size: "146 KB".into(),
                    }],
                    imaging_delivery: "The DICOM images come by link.".into(),
                    imaging_studies: vec!["2021-10-15 · MR · 2 series, 6 images".into()],
                    reply_to: Some(MailboxView {
                        name: "Li Xiaoming".into(),
                        email: "family.demo@example.org".into(),
                    }),
                    sender_name: Some("Li Xiaoming".into()),
                    part: Some(PartView { number: 1, of: 3 }),
                    contents: Vec::new(),
                    untranslated: Vec::new(),
                    encrypted: true,
                },
            };
            let letter = render(&template, &context).unwrap();
            assert!(letter.subject.contains("DEMO-LGQ"), "{}", letter.subject);
            assert!(!letter.subject.contains('\n'));
            let text = letter.text();
            for needle in [
                "DEMO-LGQ_2026-11-27_summary_en.pdf",
                "family.demo@example.org",
                "2021-10-15 · MR",
                "7-Zip",
            ] {
                assert!(text.contains(needle), "{lang}: {needle} in\n{text}");
            }
            assert!(
                text.contains(lang.pick("第 1 部分，共 3 部分", "part 1 of 3")),
                "{text}"
            );
            assert!(
                text.contains(case.questions[0].best(lang)),
                "the family's questions are in the letter"
            );
        }
    }
}
