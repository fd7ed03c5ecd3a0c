//! Renders a representative four-to-five page bilingual case summary and reports how long it
//! took and how big it is.
//!
//!     cargo run --release --example render_sample [OUT.pdf]
//!
//! Target: under 150 KB and 120 ms per render (release build).

use std::time::Instant;

use chrono::NaiveDate;
use consultpack::document::{
    Axis, Block, Chart, Document, EventKind, LineChart, Marker, Paper, Series, Span, Table,
    Timeline, TimelineEvent,
};
use consultpack::fonts::Fonts;
use consultpack::pdf;
use consultpack::text::Lang;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "render_sample.pdf".to_string());
    let document = sample_document();
    let created = date(2021, 11, 8).and_hms_opt(9, 30, 0).ok_or("bad time")?;

    let started = Instant::now();
    let fonts = Fonts::builtin();
    let fonts_ready = started.elapsed();
    let rendered = pdf::render_summary(&document, &fonts, created)?;
    let elapsed = started.elapsed();
    // A second render with the fonts already parsed, as when one run writes two languages.
    let again = Instant::now();
    pdf::render_summary(&document, &fonts, created)?;
    let second = again.elapsed();

    std::fs::write(&out, &rendered.bytes)?;
    for warning in rendered.warnings.iter() {
        eprintln!("warning: {}", warning.message);
    }
    println!(
        "{out}: {} bytes ({:.1} KB); first render {:.1} ms (font parsing {:.1} ms), second render {:.1} ms",
        rendered.bytes.len(),
        rendered.bytes.len() as f64 / 1024.0,
        elapsed.as_secs_f64() * 1e3,
        fonts_ready.as_secs_f64() * 1e3,
        second.as_secs_f64() * 1e3,
    );
    Ok(())
}

fn date(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).expect("a valid date")
}

fn text(s: &str) -> Vec<Span> {
    vec![Span::plain(s)]
}

fn heading(level: u8, s: &str) -> Block {
    Block::Heading {
        level,
        text: text(s),
    }
}

pub fn sample_document() -> Document {
    let summary = "陈先生，57 岁男性，1995 年首次发现慢性乙型肝炎病毒感染，2016 年 3 月诊断为代偿期肝硬化。\
        在每 6 个月一次的监测中，2018 年 9 月首次发现肝 S8 段结节，此后显示逐步演进：2019 年 6 月活检提示低级别异型增生结节，\
        2020 年 8 月再次活检提示高级别异型增生结节，至 2021 年 3 月病灶（19 mm）出现动脉期高强化伴廓清（LI-RADS 5 类）。\
        2021 年 5 月活检证实为早期高分化肝细胞癌。由于存在临床显著性门静脉高压（血小板 78 × 10^9/L，轻度食管静脉曲张），\
        且病灶位于膈顶下方包膜下，多学科团队选择常规经动脉化疗栓塞术（TACE）作为一线治疗，并作为肝移植评估期间的桥接治疗。\
        分别于 2021 年 7 月 6 日和 2021 年 8 月 26 日行 TACE。尽管如此，2021 年 10 月 12 日 MRI 显示病灶由 22 mm 增大至 28 mm，\
        边缘可见较厚的强化活性肿瘤，甲胎蛋白由 39 升至 112 ng/mL。肝功能仍为 Child-Pugh A 级，胆红素缓慢上升。\
        自 2019 年起口服富马酸丙酚替诺福韦 25 mg 每日一次，HBV DNA 持续低于检测下限。患者体力状况良好（ECOG 0 分），\
        目前半日工作，2016 年起戒酒。恳请就下一步治疗方案给予会诊意见。";
    let english = "Mr Chen is a 57-year-old man with chronic hepatitis B, first detected in 1995, and compensated cirrhosis \
        diagnosed in March 2016. Under six-monthly surveillance a nodule in segment VIII was first seen in September 2018; \
        biopsy in May 2021 confirmed early, well-differentiated hepatocellular carcinoma. Because of clinically significant \
        portal hypertension the multidisciplinary team chose conventional TACE as first-line treatment and as a bridge while \
        transplant assessment proceeds. Despite two sessions, MRI on 2021-10-12 showed growth from 22 mm to 28 mm with a thick \
        viable rim (progression per mRECIST / RECIST 1.1), and AFP rose from 39 to 112 ng/mL (reference <7.0).";

    let patient = Table {
        header: Vec::new(),
        rows: [
            ("患者编号 Patient ID", "SYN-HCC-2021-0042"),
            ("姓名 Name", "陈建国（虚构）CHEN Jianguo (fictional)"),
            ("性别 / 出生日期", "男，1964-05-12（57 岁）"),
            ("主要诊断 Diagnosis", "乙型肝炎肝硬化背景下肝 S8 段早期肝细胞癌 Early HCC in segment VIII on HBV cirrhosis"),
            ("编写日期 Prepared", "2021-11-08，由主管肝病团队编写"),
        ]
        .iter()
        .map(|(k, v)| vec![text(k), text(v)])
        .collect(),
        widths: Some(vec![1.0, 2.6]),
        compact: false,
    };

    let events = [
        (
            "2016-03-15",
            "诊断肝硬化",
            "1995 年起 HBsAg 阳性（未治疗）。超声：肝实质回声粗糙，肝表面呈结节状，脾长径 14 cm。瞬时弹性成像 18.2 kPa。HBV DNA 4.6 × 10^4 IU/mL。开始口服富马酸替诺福韦二吡呋酯（TDF）300 mg 每日一次。",
        ),
        (
            "2018-09-10",
            "监测发现新结节",
            "超声：肝 S8 段 8 mm 低回声结节。钆塞酸二钠增强 MRI：无动脉期高强化，肝胆期低信号；LI-RADS 3 类。甲胎蛋白 4.2 ng/mL。",
        ),
        (
            "2019-04-22",
            "抗病毒药物换为 TAF",
            "eGFR 由 96 降至 74 mL/min/1.73 m²，骨密度检查提示骨量减少。TDF 更换为富马酸丙酚替诺福韦（TAF）25 mg 每日一次。",
        ),
        (
            "2019-06-18",
            "活检：低级别异型增生结节",
            "结节 12 mm。超声引导下粗针穿刺活检：低级别异型增生结节（LGDN），无间质浸润，磷脂酰肌醇蛋白聚糖 3（GPC3）阴性。",
        ),
        (
            "2020-08-11",
            "活检：高级别异型增生结节",
            "结节 15 mm，新出现动脉期强化，肝胆期低信号。再次活检：高级别异型增生结节（HGDN），细胞密度增高；GPC3 局灶阳性，HSP70 阴性。",
        ),
        (
            "2021-03-16",
            "LI-RADS 5 类病灶",
            "MRI：19 mm，非环形动脉期高强化，门静脉期廓清，可见强化包膜。甲胎蛋白 28 ng/mL。转诊至肝胆多学科团队（MDT）。",
        ),
        (
            "2021-05-20",
            "确诊早期肝细胞癌；MDT 决策",
            "活检：高分化肝细胞癌（Edmondson-Steiner I 级）。血小板 78 × 10^9/L；胃镜：轻度食管静脉曲张。因门静脉高压不宜手术切除，MDT 决定行 TACE 并启动肝移植评估。",
        ),
        (
            "2021-07-06",
            "第 1 次 TACE",
            "常规 TACE（表柔比星 + 碘油），术后轻度栓塞后综合征，3 日后出院。",
        ),
        (
            "2021-08-26",
            "第 2 次 TACE",
            "碘油沉积不完全，补充栓塞。术后 ALT 一过性升高至 98 U/L。",
        ),
        (
            "2021-10-12",
            "MRI 复查：病灶进展",
            "病灶 28 mm，边缘厚壁强化活性肿瘤，mRECIST 评估为疾病进展（PD）。甲胎蛋白 112 ng/mL。",
        ),
    ];
    let mut timeline_rows: Vec<Vec<Vec<Span>>> = Vec::new();
    for _ in 0..3 {
        timeline_rows.extend(
            events
                .iter()
                .map(|(d, e, x)| vec![text(d), text(e), text(x)]),
        );
    }
    let timeline_table = Table {
        header: vec![text("日期 Date"), text("事件 Event"), text("详情 Details")],
        rows: timeline_rows,
        widths: Some(vec![1.1, 1.6, 4.0]),
        compact: false,
    };
    let criteria = Table {
        header: vec![
            text("标准 Criterion"),
            text("输入（2021-10-12）Inputs"),
            text("结果 Result"),
            text("状态"),
        ],
        rows: [
            (
                "米兰标准 Milan",
                "单发病灶 28 mm；无血管侵犯；无肝外转移",
                "符合 within",
                "✓",
            ),
            ("UCSF 标准", "单发病灶 ≤ 65 mm", "符合 within", "✓"),
            (
                "Child-Pugh 分级",
                "胆红素 31 µmol/L，白蛋白 33 g/L，INR 1.24，无腹水，无肝性脑病",
                "A 级（6 分）",
                "—",
            ),
            (
                "MELD (MELD-Na)",
                "胆红素、肌酐、INR、血钠 135 mmol/L",
                "11（13）",
                "—",
            ),
            (
                "ALBI 分级",
                "胆红素 31 µmol/L，白蛋白 33 g/L",
                "-1.82，2 级",
                "—",
            ),
            (
                "BCLC 分期",
                "单发病灶 28 mm，Child-Pugh A 级，ECOG 0 分",
                "A 期（早期）",
                "—",
            ),
        ]
        .iter()
        .map(|(a, b, c, d)| vec![text(a), text(b), text(c), text(d)])
        .collect(),
        widths: None,
        compact: false,
    };
    let chart = LineChart {
        title: "肿瘤直径与甲胎蛋白变化趋势 Tumour diameter and AFP".into(),
        left_axis: "直径 Diameter (mm)".into(),
        right_axis: Some("AFP (ng/mL)".into()),
        series: vec![
            Series {
                name: "肿瘤最大径 Diameter".into(),
                axis: Axis::Left,
                dashed: false,
                points: vec![
                    (date(2018, 9, 10), 8.0),
                    (date(2019, 6, 18), 12.0),
                    (date(2020, 8, 11), 15.0),
                    (date(2021, 3, 16), 19.0),
                    (date(2021, 7, 1), 22.0),
                    (date(2021, 8, 20), 21.0),
                    (date(2021, 10, 12), 28.0),
                ],
            },
            Series {
                name: "甲胎蛋白 AFP".into(),
                axis: Axis::Right,
                dashed: true,
                points: vec![
                    (date(2018, 9, 10), 4.2),
                    (date(2019, 6, 18), 5.1),
                    (date(2020, 8, 11), 9.8),
                    (date(2021, 3, 16), 28.0),
                    (date(2021, 7, 1), 46.0),
                    (date(2021, 8, 20), 39.0),
                    (date(2021, 10, 12), 112.0),
                ],
            },
        ],
        markers: vec![
            Marker {
                date: date(2021, 7, 6),
                label: "TACE 1".into(),
            },
            Marker {
                date: date(2021, 8, 26),
                label: "TACE 2".into(),
            },
        ],
    };
    let timeline = Timeline {
        title: "诊疗时间线 Timeline".into(),
        events: vec![
            TimelineEvent {
                date: date(2016, 3, 15),
                written: date(2016, 3, 15).to_string(),
                label: "诊断肝硬化 Cirrhosis".into(),
                kind: EventKind::Diagnosis,
            },
            TimelineEvent {
                date: date(2018, 9, 10),
                written: date(2018, 9, 10).to_string(),
                label: "S8 结节 8 mm".into(),
                kind: EventKind::Imaging,
            },
            TimelineEvent {
                date: date(2019, 4, 22),
                written: date(2019, 4, 22).to_string(),
                label: "TDF → TAF".into(),
                kind: EventKind::Treatment,
            },
            TimelineEvent {
                date: date(2019, 6, 18),
                written: date(2019, 6, 18).to_string(),
                label: "活检 LGDN".into(),
                kind: EventKind::Diagnosis,
            },
            TimelineEvent {
                date: date(2020, 8, 11),
                written: date(2020, 8, 11).to_string(),
                label: "活检 HGDN".into(),
                kind: EventKind::Diagnosis,
            },
            TimelineEvent {
                date: date(2021, 3, 16),
                written: date(2021, 3, 16).to_string(),
                label: "LI-RADS 5".into(),
                kind: EventKind::Imaging,
            },
            TimelineEvent {
                date: date(2021, 5, 20),
                written: date(2021, 5, 20).to_string(),
                label: "确诊 HCC".into(),
                kind: EventKind::Diagnosis,
            },
            TimelineEvent {
                date: date(2021, 7, 6),
                written: date(2021, 7, 6).to_string(),
                label: "TACE 1".into(),
                kind: EventKind::Treatment,
            },
            TimelineEvent {
                date: date(2021, 8, 26),
                written: date(2021, 8, 26).to_string(),
                label: "TACE 2".into(),
                kind: EventKind::Treatment,
            },
            TimelineEvent {
                date: date(2021, 10, 12),
                written: date(2021, 10, 12).to_string(),
                label: "MRI 进展 28 mm".into(),
                kind: EventKind::Imaging,
            },
        ],
    };
    let questions = [
        "两次常规 TACE 后病灶由 22 mm 增大至 28 mm，且甲胎蛋白持续升高，是否符合您所定义的“TACE 抵抗”？是否应停止继续 TACE？",
        "患者是否符合米兰标准内的肝移植适应证？在等待供肝期间，您建议采用何种桥接或降期治疗？",
        "对于位于膈顶下方、包膜下的 28 mm S8 段病灶，微波消融是否可行（例如借助人工腹水或腹腔镜入路）？抑或立体定向放疗（SBRT）或经动脉放射栓塞（TARE）更为合适？",
        "Given portal hypertension (platelets 78 × 10^9/L, small varices), would you consider anatomical or non-anatomical resection? Which further tests (HVPG, ICG-R15, liver volumetry) would you want?",
    ];

    Document {
        title: "专科会诊病例摘要：肝细胞癌 Case summary: HCC".into(),
        lang: Lang::Zh,
        paper: Paper::A4,
        running_header: "SYN-HCC-2021-0042 · 专科会诊病例摘要 Case summary".into(),
        records_follow: false,
        date: date(2021, 11, 8),
        blocks: vec![
            heading(1, "专科会诊病例摘要：肝细胞癌"),
            Block::Note(text(
                "合成测试病例：虚构患者，非真实医疗数据。Synthetic test case: fictional patient.",
            )),
            Block::Table(patient),
            heading(1, "一、病情摘要 Summary"),
            Block::Paragraph(text(summary)),
            Block::Paragraph(vec![
                Span::plain(english),
                Span::plain(" "),
                Span::bold("Question:"),
                Span {
                    text: " is this TACE refractoriness?".into(),
                    bold: false,
                    italic: true,
                },
            ]),
            heading(1, "二、诊疗经过 Clinical course"),
            Block::Chart(Chart::Timeline(timeline)),
            Block::Table(timeline_table),
            heading(1, "三、评分与分期 Scores and staging"),
            Block::Table(criteria),
            Block::Note(text(
                "本表数值由所提供的病历计算，供审阅医生参考。Computed from the records supplied.",
            )),
            heading(1, "四、肿瘤直径与甲胎蛋白 Tumour and AFP"),
            Block::Chart(Chart::Line(chart)),
            Block::Note(text(
                "肿瘤最大径（左轴）与甲胎蛋白（右轴）；虚线竖线标示两次 TACE 治疗。",
            )),
            heading(1, "五、会诊问题 Questions"),
            Block::List {
                ordered: true,
                items: questions.iter().map(|q| text(q)).collect(),
            },
            heading(2, "附注 Notes"),
            Block::List {
                ordered: false,
                items: vec![
                    text("所有影像资料见附件 All imaging attached."),
                    text("联系人：主管医生 Contact: treating hepatologist."),
                ],
            },
        ],
    }
}
