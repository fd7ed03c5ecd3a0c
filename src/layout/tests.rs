//! Pagination checked on the display list, without writing a PDF.

use std::sync::LazyLock;

use chrono::NaiveDate;

use super::*;
use crate::document::{Paper, Span, Table};

static FONTS: LazyLock<Fonts> = LazyLock::new(Fonts::builtin);

/// Characters a Chinese line must not start with.
const CLOSING: &str = "，。、；：？！）》」』】〕…％,.;:?!)]%";

fn document(blocks: Vec<Block>) -> Document {
    document_on(Paper::A4, blocks)
}

fn document_on(paper: Paper, blocks: Vec<Block>) -> Document {
    Document {
        title: "病例摘要 Case summary".into(),
        lang: Lang::Zh,
        paper,
        running_header: "SYN-HCC-2021-0042 · 病例摘要".into(),
        records_follow: false,
        date: NaiveDate::from_ymd_opt(2021, 11, 8).unwrap(),
        blocks,
    }
}

fn paragraph(text: &str) -> Block {
    Block::Paragraph(vec![Span::plain(text)])
}

fn heading(level: u8, text: &str) -> Block {
    Block::Heading {
        level,
        text: vec![Span::plain(text)],
    }
}

/// The text of each line on a page: runs grouped by baseline, in reading order.
fn lines(page: &Page) -> Vec<(f32, String)> {
    let mut lines: Vec<(f32, f32, String)> = Vec::new();
    for run in page.text_runs() {
        match lines
            .iter_mut()
            .find(|(y, _, _)| (y - run.origin.y).abs() < 0.5)
        {
            Some(line) => {
                line.1 = line.1.min(run.origin.x);
                line.2.push_str(&run.text());
            }
            None => lines.push((run.origin.y, run.origin.x, run.text())),
        }
    }
    lines.sort_by(|a, b| a.0.total_cmp(&b.0));
    lines.into_iter().map(|(y, _, text)| (y, text)).collect()
}

fn clinical_paragraph(repeat: usize) -> String {
    "患者男性，57岁，1995年首次发现慢性乙型肝炎病毒感染（HBsAg阳性），2016年3月诊断为代偿期肝硬化。\
     2021年10月12日MRI示病灶由22 mm增大至28 mm，甲胎蛋白由39升至112 ng/mL（参考值<7.0）；\
     按RECIST 1.1评估为疾病进展。血小板78×10^9/L，轻度食管静脉曲张！是否继续TACE？"
        .repeat(repeat)
}

#[test]
fn no_chinese_line_starts_with_closing_punctuation() {
    let laid_out = lay_out(&document(vec![paragraph(&clinical_paragraph(16))]), &FONTS);
    let mut checked = 0;
    for page in &laid_out.pages {
        for (_, text) in lines(page) {
            let first = text.chars().next().unwrap_or(' ');
            assert!(
                !CLOSING.contains(first),
                "a line starts with {first:?}: {text}"
            );
            checked += 1;
        }
    }
    assert!(checked > 30, "only {checked} lines");
}

#[test]
fn text_stays_inside_the_margins_on_either_paper() {
    for paper in [Paper::A4, Paper::Letter] {
        let blocks = vec![paragraph(&clinical_paragraph(40))];
        let laid_out = lay_out(&document_on(paper, blocks), &FONTS);
        assert!(laid_out.pages.len() >= 2);
        let (width, height) = paper.size();
        let (margin, measure) = (style::MARGIN_X, style::body_width(paper));
        for page in &laid_out.pages {
            assert_eq!((page.width, page.height), (width, height));
            for run in page.text_runs() {
                assert!(run.origin.x >= margin - 0.01, "{run:?}");
                assert!(run.origin.y <= height - 30.0, "{paper}: {run:?}");
                let style = TextStyle {
                    size: run.size,
                    ..style::BODY
                };
                let width = Typesetter::new(&FONTS).width(&run.text(), style);
                let spaces = run.spacing();
                assert!(
                    run.origin.x + width + spaces <= margin + measure + 0.5,
                    "{run:?}"
                );
            }
        }
    }
}

#[test]
fn letter_pages_are_shorter_and_wider_than_a4_pages() {
    let pages = |paper| {
        let blocks = vec![paragraph(&clinical_paragraph(60))];
        lay_out(&document_on(paper, blocks), &FONTS).pages
    };
    let (a4, letter) = (pages(Paper::A4), pages(Paper::Letter));
    // The body's lines on a full first page: fewer on Letter, each holding more.
    let body = |pages: &[Page], paper| {
        lines(&pages[0])
            .into_iter()
            .filter(|(y, _)| *y > style::BODY_TOP && *y < style::body_bottom(paper))
            .map(|(_, text)| text.chars().count())
            .collect::<Vec<_>>()
    };
    let (on_a4, on_letter) = (body(&a4, Paper::A4), body(&letter, Paper::Letter));
    assert!(on_letter.len() < on_a4.len(), "{on_letter:?} {on_a4:?}");
    let mean = |counts: &[usize]| counts.iter().sum::<usize>() as f32 / counts.len() as f32;
    assert!(mean(&on_letter) > mean(&on_a4), "{on_letter:?} {on_a4:?}");
    assert!(letter.len() >= a4.len());
}

#[test]
fn headings_are_never_last_on_a_page() {
    // Enough filler that some heading falls near the bottom of a page, whatever the sizes.
    let mut blocks = Vec::new();
    for section in 0..12 {
        blocks.push(heading(1, &format!("第{section}节 Section {section}")));
        blocks.push(paragraph(&"甲胎蛋白持续升高。".repeat(9 + section * 7)));
    }
    for paper in [Paper::A4, Paper::Letter] {
        let laid_out = lay_out(&document_on(paper, blocks.clone()), &FONTS);
        for page in &laid_out.pages {
            let body: Vec<_> = lines(page)
                .into_iter()
                .filter(|(y, _)| *y > style::BODY_TOP && *y < style::body_bottom(paper))
                .collect();
            let (_, last) = body.last().expect("a page with body text");
            assert!(
                !last.starts_with('第'),
                "{paper}: page ends with heading {last}"
            );
        }
    }
}

#[test]
fn section_headings_become_outline_entries_under_the_title() {
    let blocks = vec![
        heading(1, "一、病情摘要"),
        paragraph("内容"),
        heading(2, "小节"),
        heading(3, "不进目录"),
        paragraph("内容"),
        Block::PageBreak,
        heading(1, "二、诊疗经过"),
    ];
    let laid_out = lay_out(&document(blocks), &FONTS);
    let entries: Vec<(&str, u8, usize)> = laid_out
        .outline
        .iter()
        .map(|e| (e.title.as_str(), e.depth, e.page))
        .collect();
    assert_eq!(
        entries,
        [
            ("病例摘要 Case summary", 0, 0),
            ("一、病情摘要", 1, 0),
            ("小节", 1, 0),
            ("二、诊疗经过", 1, 1)
        ]
    );
}

#[test]
fn long_tables_repeat_their_header_row_on_every_page() {
    let table = Table {
        header: vec![
            vec![Span::plain("日期")],
            vec![Span::plain("事件")],
            vec![Span::plain("详情 Details")],
        ],
        rows: (0..120)
            .map(|i| {
                vec![
                    vec![Span::plain(format!("2021-07-{:02}", i % 28 + 1))],
                    vec![Span::plain(format!("事件 {i}"))],
                    vec![Span::plain(
                        "超声：肝实质回声粗糙，肝表面呈结节状，脾长径14 cm。",
                    )],
                ]
            })
            .collect(),
        widths: Some(vec![1.0, 1.5, 4.0]),
        compact: false,
    };
    let laid_out = lay_out(&document(vec![Block::Table(table)]), &FONTS);
    assert!(laid_out.pages.len() >= 3);
    for page in &laid_out.pages {
        let body: Vec<_> = lines(page)
            .into_iter()
            .filter(|(y, _)| *y > style::BODY_TOP)
            .collect();
        assert!(body[0].1.starts_with("日期事件详情"), "{:?}", body[0]);
    }
}

#[test]
fn a_row_taller_than_a_page_is_split_and_nothing_is_lost() {
    let long = "门静脉高压伴轻度食管静脉曲张。".repeat(400);
    let table = Table {
        header: vec![vec![Span::plain("项目")], vec![Span::plain("说明")]],
        rows: vec![vec![
            vec![Span::plain("详情")],
            vec![Span::plain(long.as_str())],
        ]],
        widths: None,
        compact: false,
    };
    let laid_out = lay_out(&document(vec![Block::Table(table)]), &FONTS);
    assert!(laid_out.pages.len() >= 2);
    let all: String = laid_out
        .pages
        .iter()
        .flat_map(|page| page.text_runs().map(|run| run.text()))
        .collect();
    assert_eq!(all.matches("门静脉高压").count(), 400);
}

#[test]
fn footers_count_pages_and_the_running_header_names_the_patient_on_every_page() {
    let blocks = vec![paragraph("第一页"), Block::PageBreak, paragraph("第二页")];
    let laid_out = lay_out(&document(blocks), &FONTS);
    let texts = |page: &Page| {
        lines(page)
            .into_iter()
            .map(|(_, text)| text)
            .collect::<Vec<_>>()
    };
    let first = texts(&laid_out.pages[0]);
    let second = texts(&laid_out.pages[1]);
    assert!(
        first.iter().any(|t| t.contains("第 1 页，共 2 页")),
        "{first:?}"
    );
    assert!(first[0].starts_with("SYN-HCC-2021-0042"), "{first:?}");
    assert!(second[0].starts_with("SYN-HCC-2021-0042"), "{second:?}");
    assert!(
        second.iter().any(|t| t.contains("2021-11-08")),
        "{second:?}"
    );
}

#[test]
fn a_heading_its_lead_in_and_the_short_table_they_introduce_share_a_page() {
    let table = Table {
        header: vec![vec![Span::plain("日期")], vec![Span::plain("最大径")]],
        rows: (0..4)
            .map(|i| {
                vec![
                    vec![Span::plain(format!("2021-0{}-18", i + 6))],
                    vec![Span::plain("24")],
                ]
            })
            .collect(),
        widths: None,
        compact: false,
    };
    // Filler from most of a page to more than a page, so the heading lands all over its foot.
    for sentences in 150..260 {
        let blocks = vec![
            paragraph(&"甲胎蛋白持续升高。".repeat(sentences)),
            heading(1, "五、肿瘤测量"),
            paragraph("最大径，单位毫米。"),
            Block::Table(table.clone()),
        ];
        let laid_out = lay_out(&document(blocks), &FONTS);
        let page_of = |start: &str| {
            laid_out
                .pages
                .iter()
                .position(|page| lines(page).iter().any(|(_, text)| text.starts_with(start)))
        };
        let heading = page_of("五、肿瘤测量");
        assert!(heading.is_some());
        for row in ["日期最大径", "2021-09-18"] {
            assert_eq!(page_of(row), heading, "{sentences} sentences of filler");
        }
    }
}
