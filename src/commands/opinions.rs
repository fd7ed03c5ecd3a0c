//! `consultpack opinions [--lang zh|en] [-o FILE]`: the answers side by side, as a PDF the family
//! reads together — for each contact that answered: who, when, by which channel, their words
//! (quoted history and signature removed), what they attached, the family's own notes; then
//! every contact and where things stand.

use std::path::Path;

use chrono::NaiveDate;

use super::summary::load_fonts;
use super::{print_diagnostics, print_stdout};
use crate::cli::{LangArg, OpinionsArgs};
use crate::contacts::Contact;
use crate::document::{Block, Document, Span, Table};
use crate::error::Result;
use crate::folder::CaseFolder;
use crate::ledger::{self, ReplyKind, What};
use crate::replies;
use crate::text::Lang;
use crate::tracking;

pub fn run(folder: &CaseFolder, args: &OpinionsArgs, today: NaiveDate) -> Result<()> {
    let loaded = super::load_valid(folder, today)?;
    let case = &loaded.case.as_ref().expect("valid").case;
    let lang = match args.lang {
        Some(LangArg::En) => Lang::En,
        _ => Lang::Zh,
    };
    let ledger = ledger::read(folder.root())?;
    let contacts: Vec<&Contact> = loaded
        .contacts
        .contacts
        .iter()
        .filter(|c| c.active)
        .collect();
    let rows = tracking::status(&ledger, &contacts, today);
    let p = |s: &str| vec![Span::plain(s)];
    let mut blocks = vec![
        Block::Heading { level: 1, text: p(lang.pick("各医院意见汇总", "Opinions received")) },
        Block::Paragraph(p(&format!(
            "{} {} · {}",
            lang.pick("患者", "Patient"),
            case.patient.id,
            today
        ))),
        Block::Note(p(lang.pick(
            "以下为各医院/医生回复的原话（已去掉引用的原邮件和签名）及家属记录，供家属共同商量；本工具不作治疗推荐。",
            "The doctors' own words (quoted history and signatures removed) and the family's notes, for the family to read together; consultpack recommends no treatment.",
        ))),
    ];
    let mut answered = 0;
    for contact in &contacts {
        let mut sections: Vec<Block> = Vec::new();
        for event in ledger
            .events
            .iter()
            .filter(|e| e.what.contact() == contact.id)
        {
            match &event.what {
                What::Reply(r) if r.kind == ReplyKind::Reply => {
                    let folder_path = r.saved.as_ref().map(|s| folder.root().join(s));
                    let text = folder_path
                        .as_ref()
                        .and_then(|d| {
                            let path = d.join("text.txt");
                            crate::case_files::read_capped(&path, crate::case_files::TOML_LIMIT)
                                .ok()
                                .and_then(|b| String::from_utf8(b).ok())
                        })
                        .map(|t| replies::strip_quoted(&t))
                        .unwrap_or_default();
                    let how = match r.answer {
                        Some(ledger::Answer::Acknowledged) => lang.pick(
                            "电子邮件（确认收到，尚无意见）",
                            "e-mail (acknowledged, no opinion yet)",
                        ),
                        _ => lang.pick("电子邮件", "e-mail"),
                    };
                    sections.push(Block::Heading {
                        level: 3,
                        text: p(&format!(
                            "{} · {how} · {}",
                            r.date.format("%Y-%m-%d"),
                            r.from
                        )),
                    });
                    for paragraph in text.split("\n\n").filter(|s| !s.trim().is_empty()) {
                        sections.push(Block::Paragraph(p(&paragraph.replace('\n', " "))));
                    }
                    let attached = folder_path.map(|d| attachments(&d)).unwrap_or_default();
                    if !attached.is_empty() {
                        sections.push(Block::Note(p(&format!(
                            "{}{}",
                            lang.pick("附件：", "Attached: "),
                            attached.join(", ")
                        ))));
                    }
                }
                What::Mark(m) => {
                    let what = match m.state {
                        ledger::MarkState::Replied => {
                            lang.pick("回复（家属记录）", "answer (recorded by the family)")
                        }
                        ledger::MarkState::Acknowledged => lang.pick(
                            "确认收到，尚无意见（家属记录）",
                            "acknowledged, no opinion yet (recorded by the family)",
                        ),
                        ledger::MarkState::Declined => lang.pick("不接诊", "declined"),
                        ledger::MarkState::Appointment => lang.pick("预约就诊", "appointment"),
                        ledger::MarkState::Sent => lang.pick("已提交", "submitted"),
                        ledger::MarkState::NoReply => lang.pick("未回复", "no reply"),
                    };
                    sections.push(Block::Heading {
                        level: 3,
                        text: p(&format!("{} · {what}", m.date)),
                    });
                    if !m.note.is_empty() {
                        sections.push(Block::Paragraph(p(&m.note)));
                    }
                    if !m.files.is_empty() {
                        let names: Vec<String> = m
                            .files
                            .iter()
                            .map(|f| f.rsplit('/').next().unwrap_or(f).to_string())
                            .collect();
                        sections.push(Block::Note(p(&format!(
                            "{}{}",
                            lang.pick("文件：", "Files: "),
                            names.join(", ")
                        ))));
                    }
                }
                _ => {}
            }
        }
        if sections.is_empty() {
            continue;
        }
        answered += 1;
        blocks.push(Block::Heading {
            level: 2,
            text: p(&format!(
                "{} ({})",
                contact.institution.best(lang),
                contact.id
            )),
        });
        blocks.extend(sections);
    }
    if answered == 0 {
        blocks.push(Block::Paragraph(p(
            lang.pick("尚未收到任何回复。", "No answers yet.")
        )));
    }
    blocks.push(Block::Heading {
        level: 2,
        text: p(lang.pick("各联系人状态", "Where things stand")),
    });
    blocks.push(Block::Table(Table {
        header: [
            lang.pick("联系人", "Contact"),
            lang.pick("机构", "Institution"),
            lang.pick("状态", "State"),
            lang.pick("发出", "Sent"),
            lang.pick("回复", "Answer"),
        ]
        .iter()
        .map(|h| p(h))
        .collect(),
        rows: rows
            .iter()
            .zip(&contacts)
            .map(|(r, contact)| {
                let date = |d: Option<NaiveDate>| d.map_or("—".to_string(), |d| d.to_string());
                vec![
                    p(&r.contact),
                    p(contact.institution.best(lang)),
                    p(r.state.label(lang)),
                    p(&date(r.sent.as_ref().map(|s| s.date))),
                    p(&date(r.reply.as_ref().map(|a| a.date))),
                ]
            })
            .collect(),
        widths: Some(vec![2.0, 3.4, 1.4, 1.2, 1.2]),
        compact: false,
    }));
    let title = format!(
        "{} {}",
        case.patient.id,
        lang.pick("各医院意见汇总", "opinions")
    );
    let document = Document {
        title: title.clone(),
        lang,
        running_header: title,
        records_follow: false,
        date: today,
        blocks,
    };
    let fonts = load_fonts(&[])?;
    let mut rendered = crate::pdf::render_summary(
        &document,
        &fonts,
        today.and_hms_opt(0, 0, 0).expect("midnight"),
    )?;
    let output = match args.output.clone() {
        Some(output) => output,
        None => folder.output_dir(crate::folder::OUT_DIR)?.join(format!(
            "{}_{today}_opinions_{}.pdf",
            case.patient.id,
            lang.code()
        )),
    };
    folder.check_output(&output, args.force)?;
    crate::private_file::with_parents(&output, || {
        crate::private_file::write(&output, &rendered.bytes)
    })?;
    print_diagnostics(&mut rendered.warnings);
    print_stdout(&format!("{}\n", output.display()))
}

fn attachments(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| !matches!(n.as_str(), "message.eml" | "text.txt" | "notes.txt"))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}
