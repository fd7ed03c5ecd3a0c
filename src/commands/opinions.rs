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
    blocks.extend(side_by_side(&ledger, &contacts, &rows, lang));
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
                    if let Some(r) = m.recommends {
                        sections.push(Block::Paragraph(vec![
                            Span::plain(lang.pick("建议：", "Recommends: ")),
                            Span::bold(r.label(lang)),
                        ]));
                    }
                    if !m.asks_for.is_empty() {
                        sections.push(Block::Paragraph(p(&format!(
                            "{}{}",
                            lang.pick("要求补充：", "Asks for: "),
                            m.asks_for.join(lang.pick("；", "; "))
                        ))));
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
        // The family's own copy: the paper where their language is read.
        paper: crate::document::Paper::of_reader(lang, None),
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

/// The table the opinions open with: for each contact that was sent something, who answered
/// and when, what they recommended and asked for (as the family marked it), and what they saw
/// — which packet, built when, holding data up to which date.
fn side_by_side(
    ledger: &ledger::Ledger,
    contacts: &[&Contact],
    rows: &[tracking::ContactStatus],
    lang: Lang,
) -> Vec<Block> {
    let p = |s: &str| vec![Span::plain(s)];
    let dash = "—";
    let table_rows: Vec<Vec<Vec<Span>>> = contacts
        .iter()
        .zip(rows)
        .filter_map(|(contact, row)| {
            let sent = row.sent.as_ref()?;
            let events: Vec<&What> = ledger
                .events
                .iter()
                .map(|e| &e.what)
                .filter(|w| w.contact() == contact.id)
                .collect();
            let replies = events.iter().filter_map(|w| match w {
                What::Reply(r) if r.kind == ReplyKind::Reply => {
                    Some((r.date.date_naive(), Some(r.from.as_str())))
                }
                _ => None,
            });
            let marks: Vec<&ledger::Mark> = events
                .iter()
                .filter_map(|w| match w {
                    What::Mark(m) if m.state != ledger::MarkState::Sent => Some(m),
                    _ => None,
                })
                .collect();
            let answer = replies
                .chain(marks.iter().map(|m| (m.date, None)))
                .max_by_key(|(date, _)| *date);
            let recommends = marks
                .iter()
                .filter_map(|m| Some((m.date, m.recommends?)))
                .max_by_key(|(date, _)| *date)
                .map(|(_, r)| r.label(lang));
            let mut asks: Vec<&str> = Vec::new();
            for asked in marks.iter().flat_map(|m| &m.asks_for) {
                if !asks.contains(&asked.as_str()) {
                    asks.push(asked);
                }
            }
            let doctor = contact
                .doctor
                .as_ref()
                .map(|d| d.best(lang).to_string())
                .or_else(|| answer.and_then(|(_, from)| from.map(str::to_string)))
                .unwrap_or_else(|| dash.to_string());
            let recommendation = match (answer, recommends) {
                (None, _) => lang.pick("尚未回复", "no answer yet"),
                (Some(_), None) => lang.pick("未记录建议", "no recommendation recorded"),
                (Some(_), Some(r)) => r,
            };
            let built = events
                .iter()
                .filter_map(|w| match w {
                    What::Built(b) => Some(b),
                    _ => None,
                })
                .rfind(|b| {
                    sent.packet_sha256
                        .as_ref()
                        .is_none_or(|sha| *sha == b.packet_sha256)
                        && b.date <= sent.date
                });
            let saw = built.map_or_else(
                || match lang {
                    Lang::Zh => format!("{} 发出（家属记录）", sent.date),
                    Lang::En => format!("sent {} (marked by the family)", sent.date),
                },
                |b| {
                    let sha = &b.packet_sha256[..b.packet_sha256.len().min(8)];
                    let data = b.data_date.map_or_else(
                        || {
                            lang.pick("数据日期未记录", "data date not recorded")
                                .to_string()
                        },
                        |d| match lang {
                            Lang::Zh => format!("数据截至 {d}"),
                            Lang::En => format!("data to {d}"),
                        },
                    );
                    match lang {
                        Lang::Zh => format!("{} 资料包 {sha}，{} 生成，{data}", b.pack, b.date),
                        Lang::En => format!("{} packet {sha}, built {}, {data}", b.pack, b.date),
                    }
                },
            );
            Some(vec![
                p(contact.institution.best(lang)),
                p(&doctor),
                p(&answer.map_or(dash.to_string(), |(d, _)| d.to_string())),
                vec![Span::bold(recommendation)],
                p(&if asks.is_empty() {
                    dash.to_string()
                } else {
                    asks.join(lang.pick("；", "; "))
                }),
                p(&saw),
            ])
        })
        .collect();
    if table_rows.is_empty() {
        return Vec::new();
    }
    vec![Block::Table(Table {
        header: [
            lang.pick("医院", "Hospital"),
            lang.pick("医生", "Doctor"),
            lang.pick("日期", "Date"),
            lang.pick("建议", "Recommendation"),
            lang.pick("要求补充的检查", "Tests asked for"),
            lang.pick("所看资料", "What they saw"),
        ]
        .iter()
        .map(|h| p(h))
        .collect(),
        rows: table_rows,
        widths: Some(vec![2.2, 1.5, 1.2, 1.6, 1.8, 2.6]),
        compact: false,
    })]
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
