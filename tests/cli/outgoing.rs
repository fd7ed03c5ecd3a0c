//! Every sentence that leaves the family's hands says what case.toml says (issue 18): the demo
//! and a planted variant of it are built for every contact, every outgoing text is extracted
//! as a recipient gets it — subjects and bodies from `message.eml`, cover letters through
//! pdftotext, fields.md, intake.md, the CSVs inside the zips — and each diagnosis, drug, date
//! and stop is checked against the case file.
//!
//! The planted variant: the last diagnosis is a complication (oesophageal varices, with an
//! endoscopy report under procedures/), the antiviral was stopped, entecavir is stopped only in
//! its `purpose`, sorafenib stopped for a side effect (as in the demo), `modality = "CT"` with
//! findings that say nothing of contrast (as in the demo), a Chinese record without
//! `language`, and a bundle split into three parts.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use mail_parser::MessageParser;

use crate::{BIN, Run, TODAY, Test, tool};

/// One text a recipient gets.
#[derive(Debug, Clone)]
struct Outgoing {
    contact: String,
    /// `zh` or `en`: the contact's language.
    lang: String,
    /// Where it came from: `message.eml subject`, `portal/intake.md`, …
    what: String,
    text: String,
}

/// A built case and its outgoing texts.
struct Built {
    run: Run,
    case: toml::Table,
    texts: Vec<Outgoing>,
}

impl Built {
    fn of(&self, contact: &str, what: &str) -> &Outgoing {
        self.texts
            .iter()
            .find(|t| t.contact == contact && t.what == what)
            .unwrap_or_else(|| panic!("no {what} for {contact}"))
    }

    /// Letters, bodies, forms and answers: the texts that describe the case (not subjects,
    /// CSVs or later parts of a split bundle, which say only what they carry).
    fn describing(&self) -> impl Iterator<Item = &Outgoing> {
        self.texts.iter().filter(|t| {
            !t.what.contains("subject")
                && !t.what.ends_with(".csv")
                && !t.what.contains("part2")
                && !t.what.contains("part3")
        })
    }
}

const PLANTED_DIAGNOSIS: &str = r#"
[[diagnosis]]
date = 2021-11-01
condition = "varices"
text = { zh = "胃镜：食管静脉曲张", en = "endoscopy: oesophageal varices" }
hospital = { zh = "演示市人民医院", en = "Demo City People's Hospital" }
record = "procedures/2021-11-01_胃镜报告.jpg"

[[treatment]]
id = "TACE-1""#;

const ENTECAVIR: &str = r#"
[[medication]]
name = { zh = "恩替卡韦", en = "Entecavir" }
dose = { zh = "0.5 mg 每日一次", en = "0.5 mg once daily" }
start = "2012-03"
purpose = { zh = "抗乙肝病毒，2017年停用", en = "hepatitis B antiviral, stopped in 2017" }

[[allergy]]"#;

const CHINESE_RECORD: &str = "records/other/2021-09-02_出院记录.pdf";

/// The planted variant of the demo (see the module comment), without the Chinese record.
fn planted_base() -> Test {
    let test = Test::demo()
        .edit("case.toml", "\n[[treatment]]\nid = \"TACE-1\"", PLANTED_DIAGNOSIS)
        .edit(
            "case.toml",
            "technique = { zh = \"丙酚替诺福韦 25 mg 每日一次\", en = \"tenofovir alafenamide 25 mg once daily\" }",
            "technique = { zh = \"丙酚替诺福韦 25 mg 每日一次\", en = \"tenofovir alafenamide 25 mg once daily\" }\nstop = 2021-03-01\nstop_reason = \"other\"",
        )
        .edit(
            "case.toml",
            "start = \"2017-04\"\n",
            "start = \"2017-04\"\nstop = \"2021-03\"\nstop_reason = \"other\"\n",
        )
        .edit("case.toml", "\n[[allergy]]", ENTECAVIR);
    // The endoscopy photo (the demo's largest photo stands in; it also makes three parts).
    fs::copy(
        test.path().join("records/labs/2021-11-10_liver-panel.jpg"),
        test.path()
            .join("records/procedures/2021-11-01_胃镜报告.jpg"),
    )
    .unwrap();
    test
}

/// The planted variant with a Chinese record (a PDF with a text layer) without `language`.
fn planted_case() -> Test {
    let test = planted_base().write(
        &format!("{CHINESE_RECORD}.toml"),
        r#"
        kind = "discharge"
        date = 2021-09-02
        title = { zh = "出院记录", en = "Discharge record" }
        "#,
    );
    // Made by consultpack from a one-paragraph template.
    let template = test.path().join("templates/summary.zh.md");
    fs::create_dir_all(template.parent().unwrap()).unwrap();
    fs::write(
        &template,
        "# 出院记录\n\n患者因肝细胞癌入院，行第二次经动脉化疗栓塞术，术后恢复良好出院。\n",
    )
    .unwrap();
    let written = test.path().join("zh-record.pdf");
    consultpack(
        test.path(),
        &["summary", "--lang", "zh", "-o", written.to_str().unwrap()],
    );
    fs::remove_file(&template).unwrap();
    fs::rename(&written, test.path().join(CHINESE_RECORD)).unwrap();
    test
}

/// Runs consultpack in `dir`; panics on failure.
fn consultpack(dir: &Path, args: &[&str]) {
    let output = Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", dir)
        .env("CONSULTPACK_TODAY", TODAY)
        .output()
        .expect("run consultpack");
    assert!(
        output.status.success(),
        "consultpack {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Builds every active contact, writes the e-mail contacts' messages with `send --dry-run`,
/// and collects the outgoing texts.
fn build(test: Test, extra: &[&str]) -> Built {
    let mut args = vec!["build"];
    args.extend(extra);
    let run = test
        .args_vec(args.iter().map(|s| s.to_string()).collect())
        .success();
    let out = run.dir.join("out");
    for entry in fs::read_dir(&out).unwrap() {
        let dir = entry.unwrap().path();
        if dir.join("packet.json").is_file() && json(&dir.join("packet.json"))["pack"] == "email" {
            let id = dir.file_name().unwrap().to_string_lossy().into_owned();
            consultpack(&run.dir, &["send", &id, "--dry-run"]);
        }
    }
    let case: toml::Table = fs::read_to_string(run.dir.join("case.toml"))
        .unwrap()
        .parse()
        .unwrap();
    let texts = collect(&out);
    Built { run, case, texts }
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap()
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files(&path));
        } else {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// Every outgoing text under `out/`.
fn collect(out: &Path) -> Vec<Outgoing> {
    let mut texts = Vec::new();
    for entry in fs::read_dir(out).unwrap() {
        let dir = entry.unwrap().path();
        if !dir.join("packet.json").is_file() {
            continue;
        }
        let contact = dir.file_name().unwrap().to_string_lossy().into_owned();
        let lang = json(&dir.join("packet.json"))["language"]
            .as_str()
            .unwrap()
            .to_string();
        let mut push = |what: String, text: String| {
            texts.push(Outgoing {
                contact: contact.clone(),
                lang: lang.clone(),
                what,
                text,
            })
        };
        for path in files(&dir) {
            let name = path
                .strip_prefix(&dir)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            if name.ends_with(".eml") {
                let bytes = fs::read(&path).unwrap();
                let message = MessageParser::default().parse(&bytes).unwrap();
                push(format!("{name} subject"), message.subject().unwrap().into());
                push(name, message.body_text(0).unwrap().into_owned());
            } else if name.ends_with("cover-letter.pdf") {
                let text = tool("pdftotext", &["-enc", "UTF-8", path.to_str().unwrap(), "-"]);
                // The running header (the patient's identifiers) comes first, then the title.
                let subject = text
                    .lines()
                    .filter(|l| !l.trim().is_empty())
                    .nth(1)
                    .unwrap_or_default()
                    .to_string();
                push(format!("{name} subject"), subject);
                push(name, text);
            } else if name.ends_with("fields.md") || name.ends_with("intake.md") {
                push(name, fs::read_to_string(&path).unwrap());
            } else if name.ends_with(".zip") {
                for csv in ["labs.csv", "timeline.csv"] {
                    let listing = tool("unzip", &["-Z1", path.to_str().unwrap()]);
                    if listing.lines().any(|l| l == csv) {
                        let text = tool("unzip", &["-p", path.to_str().unwrap(), csv]);
                        push(format!("{name}/{csv}"), text);
                    }
                }
            }
        }
    }
    texts
}

fn demo() -> &'static Built {
    static BUILT: OnceLock<Built> = OnceLock::new();
    BUILT.get_or_init(|| build(Test::demo(), &[]))
}

fn planted() -> &'static Built {
    static BUILT: OnceLock<Built> = OnceLock::new();
    BUILT.get_or_init(|| build(planted_case(), &[]))
}

/// The planted case for the Seattle doctor with a 1 MB limit, split.
fn split() -> &'static Built {
    static BUILT: OnceLock<Built> = OnceLock::new();
    BUILT.get_or_init(|| {
        // A 700 KB scan that does not compress takes a message of its own: three parts.
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let noise: Vec<u8> = (0..700_000)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state as u8
            })
            .collect();
        let test = planted_base()
            .edit("contacts.toml", "size_limit_mb = 15", "size_limit_mb = 1")
            .write(
                "records/other/2021-10-20_scan.bin.toml",
                "kind = \"other\"\ndate = 2021-10-20\ntitle = \"Scanned letter\"\n",
            );
        fs::write(test.path().join("records/other/2021-10-20_scan.bin"), noise).unwrap();
        build(test, &["--contact", "dr-demo-seattle", "--split"])
    })
}

/// The body of a Markdown section (`## heading…` up to the next `## `).
fn section<'a>(text: &'a str, heading: &str) -> &'a str {
    let start = text
        .find(&format!("## {heading}"))
        .unwrap_or_else(|| panic!("no section {heading} in\n{text}"));
    let body = &text[start + 3..];
    body.find("\n## ").map_or(body, |end| &body[..end])
}

/// The rest of the line after `label`.
fn line_after<'a>(text: &'a str, label: &str) -> &'a str {
    let start = text
        .find(label)
        .unwrap_or_else(|| panic!("no {label} in\n{text}"));
    text[start + label.len()..]
        .lines()
        .next()
        .unwrap_or_default()
}

/// Text without whitespace: pdftotext breaks lines wherever the page does.
fn squash(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

fn has(haystack: &str, needle: &str) -> bool {
    squash(haystack).contains(&squash(needle))
}

/// A bilingual text of case.toml in a language (`"…"` or `{ zh, en }`).
fn text_in(value: &toml::Value, lang: &str) -> String {
    match value {
        toml::Value::String(s) => s.clone(),
        toml::Value::Table(t) => t
            .get(lang)
            .or_else(|| t.get("en"))
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_string(),
        _ => String::new(),
    }
}

fn entries<'a>(case: &'a toml::Table, key: &str) -> Vec<&'a toml::Table> {
    case.get(key)
        .and_then(|v| v.as_array())
        .map(|a| a.iter().filter_map(|v| v.as_table()).collect())
        .unwrap_or_default()
}

/// A date of case.toml as a reader of `lang` reads it: as written in Chinese, the US way in
/// English ("Oct 15, 2021", "Aug 2021", "late Aug 2021").
fn as_read(date: &str, lang: &str) -> String {
    if lang == "zh" {
        return date.to_string();
    }
    let (numbers, part) = match date.split_once(' ') {
        Some((numbers, part)) => (numbers, Some(part)),
        None => (date, None),
    };
    let fields: Vec<u32> = numbers.split('-').map(|f| f.parse().unwrap()).collect();
    let month = |m: u32| {
        chrono::NaiveDate::from_ymd_opt(2000, m, 1)
            .unwrap()
            .format("%b")
            .to_string()
    };
    match (fields.as_slice(), part) {
        ([y, m, d], _) => format!("{} {d}, {y}", month(*m)),
        ([y, m], Some(part)) => format!("{part} {} {y}", month(*m)),
        ([y, m], None) => format!("{} {y}", month(*m)),
        _ => numbers.to_string(),
    }
}

fn date_of(table: &toml::Table, key: &str) -> Option<String> {
    table.get(key).map(|v| match v {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    })
}

/// A drug of case.toml: its name in each language, start, stop, and whether it was stopped
/// (a `stop`, a `stop_reason`, or words saying so).
#[derive(Debug)]
struct Drug {
    name: BTreeMap<String, String>,
    start: Option<String>,
    stop: Option<String>,
    stopped: bool,
}

fn drugs(case: &toml::Table) -> Vec<Drug> {
    let says_stopped = |t: &toml::Table, key: &str| {
        ["zh", "en"].iter().any(|lang| {
            let text = t.get(key).map(|v| text_in(v, lang)).unwrap_or_default();
            text.contains("停用") || text.to_lowercase().contains("stopped")
        })
    };
    let mut out = Vec::new();
    for t in entries(case, "treatment") {
        let kind = t["kind"].as_str().unwrap();
        if kind != "systemic" && kind != "antiviral" {
            continue;
        }
        let name_value = t
            .get("agents")
            .and_then(|a| a.as_array())
            .and_then(|a| a.first())
            .or_else(|| t.get("technique"))
            .unwrap();
        out.push(Drug {
            name: ["zh", "en"]
                .iter()
                .map(|l| (l.to_string(), text_in(name_value, l)))
                .collect(),
            start: date_of(t, "date"),
            stop: date_of(t, "stop"),
            stopped: t.contains_key("stop") || t.contains_key("stop_reason"),
        });
    }
    for m in entries(case, "medication") {
        out.push(Drug {
            name: ["zh", "en"]
                .iter()
                .map(|l| (l.to_string(), text_in(&m["name"], l)))
                .collect(),
            start: date_of(m, "start"),
            stop: date_of(m, "stop"),
            stopped: m.contains_key("stop")
                || m.contains_key("stop_reason")
                || says_stopped(m, "purpose"),
        });
    }
    out
}

/// The part of a text that lists what is taken now: the current-medication line or answer
/// (up to where the stopped ones start) and the current antiviral in the status.
fn current_segments(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for label in ["Current medications", "目前用药", "Current:"] {
        for (i, _) in text.match_indices(label) {
            let rest = &text[i..];
            let end = ["\n\n", "\n## ", "Stopped", "已停用", "\n目前状况"]
                .iter()
                .filter_map(|stop| rest[label.len()..].find(stop).map(|e| e + label.len()))
                .min()
                .unwrap_or(rest.len());
            out.push(rest[..end].to_string());
        }
    }
    out
}

/// Every string value of a TOML table, recursively.
fn strings(value: &toml::Value, out: &mut Vec<String>) {
    match value {
        toml::Value::String(s) => out.push(s.clone()),
        toml::Value::Array(a) => a.iter().for_each(|v| strings(v, out)),
        toml::Value::Table(t) => t.values().for_each(|v| strings(v, out)),
        _ => {}
    }
}

/// Each diagnosis, drug, date and stop status against case.toml, and no word nobody entered.
fn assert_outgoing_facts(built: &Built) {
    let case = &built.case;
    let diagnoses = entries(case, "diagnosis");
    let hcc = diagnoses
        .iter()
        .find(|d| d["condition"].as_str() == Some("HCC"))
        .unwrap();
    let hcc_date = date_of(hcc, "date").unwrap();
    let complications: Vec<&&toml::Table> = diagnoses
        .iter()
        .filter(|d| d["condition"].as_str() == Some("varices"))
        .collect();
    assert!(!built.texts.is_empty());

    for t in &built.texts {
        let context = || format!("{} {}:\n{}", t.contact, t.what, t.text);
        // Subjects lead with the cancer; no complication leads a subject.
        if t.what.contains("subject") {
            let cancer = if t.lang == "zh" {
                "肝细胞癌"
            } else {
                "hepatocellular carcinoma"
            };
            assert!(t.text.contains(cancer), "{}", context());
            for c in &complications {
                let label = text_in(&c["text"], &t.lang);
                assert!(!has(&t.text, &label), "{}", context());
                assert!(
                    !t.text.contains("静脉曲张") && !t.text.contains("varices"),
                    "{}",
                    context()
                );
            }
        }
        // 增强 / contrast only inside what was entered (case.toml, the DICOM's own series
        // descriptions).
        let mut entered = Vec::new();
        strings(&toml::Value::Table(case.clone()), &mut entered);
        entered.push("Liver MRI with contrast (synthetic demo)".into());
        entered.sort_by_key(|s| std::cmp::Reverse(s.len()));
        let mut rest = squash(&t.text);
        for e in entered
            .iter()
            .filter(|e| e.contains("增强") || e.contains("contrast"))
        {
            rest = rest.replace(&squash(e), "");
        }
        for word in ["增强", "contrast"] {
            assert!(
                !rest.contains(word),
                "`{word}` nobody entered in {}",
                context()
            );
        }
        // Never the label nobody entered.
        assert!(
            !t.text.contains("食管胃底") && !t.text.contains("oesophagogastric"),
            "{}",
            context()
        );
    }

    for t in built.describing() {
        let context = || format!("{} {}:\n{}", t.contact, t.what, t.text);
        // The primary diagnosis with its date; complications under the label entered.
        let hcc_date = as_read(&hcc_date, &t.lang);
        assert!(has(&t.text, &hcc_date), "HCC date in {}", context());
        for c in &complications {
            assert!(has(&t.text, &text_in(&c["text"], &t.lang)), "{}", context());
        }
        // Every drug by name with its start; a stopped one with its stop and never as current.
        for drug in drugs(case) {
            let name = &drug.name[&t.lang];
            let is_fields = t.what.ends_with("fields.md");
            // The form's medication field lists [[medication]] entries; the description has
            // the courses.
            assert!(has(&t.text, name), "{name} in {}", context());
            if let (Some(start), false) = (&drug.start, is_fields) {
                let start = as_read(start, &t.lang);
                assert!(has(&t.text, &start), "{name} from {start} in {}", context());
            }
            if let Some(stop) = &drug.stop {
                let stop = as_read(stop, &t.lang);
                assert!(
                    has(&t.text, &stop),
                    "{name} stopped {stop} in {}",
                    context()
                );
            }
            if drug.stopped {
                for segment in current_segments(&t.text) {
                    assert!(
                        !has(&segment, name),
                        "stopped {name} called current in `{segment}` of {}",
                        context()
                    );
                }
                // Wherever a text line names it, the line says it stopped.
                if !t.what.ends_with(".pdf") {
                    for line in t.text.lines().filter(|l| l.contains(name.as_str())) {
                        assert!(
                            line.contains("停") || line.contains("stop"),
                            "stopped {name} without its stop in `{line}` of {}",
                            context()
                        );
                    }
                }
            }
        }
        // Every treatment's date.
        for tr in entries(case, "treatment") {
            let date = as_read(&date_of(tr, "date").unwrap(), &t.lang);
            assert!(has(&t.text, &date), "treatment {date} in {}", context());
        }
    }
}

#[test]
fn the_demo_says_what_its_case_says() {
    assert_outgoing_facts(demo());
}

#[test]
fn the_planted_variant_says_what_its_case_says() {
    assert_outgoing_facts(planted());
    assert_outgoing_facts(split());
}

/// Point 1: the disease is the cancer, not the latest diagnosis.
#[test]
fn a_complication_never_leads_and_keeps_its_entered_label() {
    let built = planted();
    let subject = &built.of("zhongshan-liver", "message.eml subject").text;
    assert!(
        subject.starts_with("肝癌会诊咨询：DEMO-LGQ，肝细胞癌（HCC）"),
        "{subject}"
    );
    let fields = &built.of("ehbh-liver", "platform/fields.md").text;
    let disease = section(fields, "疾病");
    assert!(disease.contains("肝细胞癌（HCC），2021-06-18"), "{disease}");
    assert!(!disease.contains("静脉曲张"), "{disease}");
    let letter = &built.of("dr-demo-seattle", "message.eml").text;
    let cancer = letter.find("hepatocellular carcinoma (HCC), diagnosed on MRI Jun 18, 2021, LR-5");
    let liver = letter.find("Hepatitis B cirrhosis (compensated), diagnosed Mar 22, 2017");
    let varices = letter.find("endoscopy: oesophageal varices, Nov 1, 2021");
    assert!(
        cancer < liver && liver < varices && cancer.is_some(),
        "the cancer leads, the liver disease next, complications after:\n{letter}"
    );
}

/// Point 2: treatments keep their drugs, dates and stops.
#[test]
fn treatments_are_named_by_their_drugs_with_dates_and_stops() {
    let built = demo();
    let letter = &built.of("dr-demo-seattle", "message.eml").text;
    for line in [
        "- TACE Jul 5, 2021",
        "- TACE Aug 27, 2021",
        "- sorafenib 400 mg twice daily, Sep 20, 2021 → Oct 25, 2021, stopped for side effects: repeated vomiting, gastric ulcer (grade 3)",
    ] {
        assert!(letter.contains(line), "{line} in\n{letter}");
    }
    assert!(!letter.contains("systemic therapy 2021"), "{letter}");
    let zh = &built.of("zhongshan-liver", "message.eml").text;
    assert!(
        zh.contains("索拉非尼 400 mg 每日两次，2021-09-20 至 2021-10-25，因不良反应停药：反复呕吐、胃溃疡（3级）"),
        "{zh}"
    );
    assert!(!zh.contains("系统治疗 2021"), "{zh}");
}

/// Point 3: a drug stopped (even only in words) is never current.
#[test]
fn stopped_drugs_are_not_current() {
    let built = planted();
    let intake = &built.of("uwmc-liver", "portal/intake.md").text;
    let current = section(intake, "Current medications");
    assert!(!current.contains("Entecavir"), "{current}");
    assert!(!current.contains("Tenofovir"), "{current}");
    let stopped = section(intake, "Stopped medications");
    assert!(stopped.contains("Entecavir 0.5 mg once daily from Mar 2012; the case says “hepatitis B antiviral, stopped in 2017”, stop date not recorded"), "{stopped}");
    let fields = &built.of("ehbh-liver", "platform/fields.md").text;
    let medications = section(fields, "用药情况");
    let now = medications.split("已停用").next().unwrap();
    assert!(
        !now.contains("恩替卡韦") && !now.contains("丙酚替诺福韦"),
        "{medications}"
    );
    assert!(
        fields.contains("抗病毒治疗：丙酚替诺福韦 25 mg 每日一次，2017-04-01 至 2021-03-01"),
        "{fields}"
    );
    assert!(fields.contains("未记录目前的抗病毒治疗"), "{fields}");

    let check = Test::demo()
        .edit("case.toml", "\n[[allergy]]", ENTECAVIR)
        .args(["check"])
        .success();
    check
        .stderr_has(
            "`purpose` in [[medication]] #3 says the drug was stopped, but no `stop` date is given",
        )
        .stderr_has("case.toml:");
}

/// Point 4: the 疾病 line names the course with its stop and both TACEs.
#[test]
fn the_disease_field_names_each_course_and_its_stop() {
    let fields = &demo().of("ehbh-liver", "platform/fields.md").text;
    let disease = section(fields, "疾病");
    for needle in [
        "TACE 2 次（2021-07-05、2021-08-27）",
        "索拉非尼 2021-09-20 至 2021-10-25（因不良反应停药）",
        "2021-10-15 MRI",
        "mRECIST",
    ] {
        assert!(disease.contains(needle), "{needle} in {disease}");
    }
    assert!(
        !disease.contains("1 次") && !disease.contains("末次"),
        "{disease}"
    );
}

/// Point 5: no contrast phase nobody entered.
#[test]
fn ct_is_ct() {
    for t in &demo().texts {
        assert!(
            !t.text.contains("增强CT") && !t.text.contains("增强MRI"),
            "{} {}",
            t.contact,
            t.what
        );
    }
    let fields = &demo().of("ehbh-liver", "platform/fields.md").text;
    assert!(fields.contains("2021-08-10 CT：TACE术后"), "{fields}");
}

/// Point 6: each part's letter says what that part holds.
#[test]
fn split_letters_list_what_each_part_holds() {
    let built = split();
    let dir = built.run.dir.join("out/dr-demo-seattle");
    let packet = json(&dir.join("packet.json"));
    let messages = packet["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 3, "{packet:#}");
    for (k, message) in messages.iter().enumerate() {
        let body = fs::read_to_string(dir.join(message["body"].as_str().unwrap())).unwrap();
        let zip = message["attachments"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["file"].as_str().unwrap().ends_with(".zip"))
            .unwrap();
        let listing = tool(
            "unzip",
            &[
                "-Z1",
                dir.join(zip["file"].as_str().unwrap()).to_str().unwrap(),
            ],
        );
        let records: Vec<&str> = listing
            .lines()
            .filter(|l| l.starts_with("records/"))
            .collect();
        let listed = body.lines().filter(|l| l.starts_with("- records/")).count();
        assert_eq!(listed, records.len(), "part {}:\n{body}", k + 1);
        for record in records {
            assert!(
                body.contains(&format!("- {record} — ")),
                "{record} in part {}:\n{body}",
                k + 1
            );
        }
        if k == 0 {
            assert!(
                body.contains("2 more e-mails follow with the rest of the records"),
                "{body}"
            );
            assert!(
                body.contains("the summary, lab and timeline tables"),
                "{body}"
            );
        } else {
            assert!(
                !body.contains("the summary, lab and timeline tables"),
                "{body}"
            );
            assert!(!listing.lines().any(|l| l == "labs.csv"));
        }
    }
}

/// Point 7: a Chinese record without `language` is named as Chinese to English readers.
#[test]
fn english_readers_are_told_which_records_are_chinese() {
    let built = planted();
    let name = "records/2021-09-02_discharge_discharge-record";
    for (contact, what) in [
        ("dr-demo-seattle", "message.eml"),
        ("uwmc-liver", "portal/intake.md"),
        ("uwmc-liver", "portal/cover-letter.pdf"),
        ("fred-hutch-liver", "portal/cover-letter.pdf"),
    ] {
        let text = &built.of(contact, what).text;
        assert!(
            has(text, "Records in Chinese, not translated"),
            "{contact} {what}:\n{text}"
        );
        assert!(has(text, name), "{contact} {what}:\n{text}");
    }
    let zh = &built.of("zhongshan-liver", "message.eml").text;
    assert!(!zh.contains("not translated"));
    built
        .run
        .stderr_has("record(s) without `language` are in Chinese by their text or title: records/other/2021-09-02_出院记录.pdf");
}

/// Point 8: one case statement in every letter, body, form and answer.
#[test]
fn one_case_statement_everywhere() {
    let built = demo();
    let intake = &built.of("uwmc-liver", "portal/intake.md").text;
    let line_en = line_after(
        intake,
        "## The case in one line

",
    );
    assert!(
        line_en.starts_with("68-year-old man, HBV cirrhosis (Child-Pugh A6, MELD 3.0 score 10, Nov 10, 2021); HCC 34 mm (viable 31 mm) in S8 after TACE ×2 (Jul 5, 2021, Aug 27, 2021)"),
        "{line_en}"
    );
    assert!(
        line_en
            .contains("AFP rising 35.2 → 62.4 → 85.0 → 141 ng/mL (Jun 20, 2021 to Nov 10, 2021)"),
        "{line_en}"
    );
    assert!(
        line_en.contains("sorafenib stopped Oct 25, 2021 for side effects"),
        "{line_en}"
    );
    let zh_letter = &built.of("zhongshan-liver", "message.eml").text;
    let line_zh = line_after(zh_letter, "病情概要：");
    for t in built.describing() {
        let line = if t.lang == "zh" { line_zh } else { line_en };
        assert!(has(&t.text, line), "{} {}:\n{}", t.contact, t.what, t.text);
    }
    let fields = &built.of("ehbh-liver", "platform/fields.md").text;
    let status = line_after(fields, "目前状况：");
    for needle in [
        "AFP 141 ng/mL（2021-11-10）",
        "血小板 81 ×10^9/L（2021-11-10）",
        "Child-Pugh A6（2021-11-10）",
        "ECOG 0（2021-11-10）",
        "HBV DNA <20 IU/mL（2021-11-10）",
        "抗病毒治疗：丙酚替诺福韦 25 mg 每日一次，2017-04-01 起",
    ] {
        assert!(status.contains(needle), "{needle} in {status}");
    }
}

/// Point 9: each reader's convention.
#[test]
fn letters_greet_and_date_as_their_readers_do() {
    let built = demo();
    let uw = &built.of("uwmc-liver", "portal/cover-letter.pdf").text;
    assert!(has(uw, "Dear Liver Tumor Clinic team,"), "{uw}");
    let ehbh = &built.of("ehbh-liver", "platform/cover-letter.pdf").text;
    assert!(
        has(
            ehbh,
            "尊敬的海军军医大学第三附属医院（东方肝胆外科医院）肝外科各位专家："
        ),
        "{ehbh}"
    );
    assert!(!has(ehbh, "介入科各位专家"), "{ehbh}");
    for t in built.texts.iter().filter(|t| t.lang == "en") {
        assert!(!t.text.contains("colleagues"), "{} {}", t.contact, t.what);
        if t.what.ends_with(".eml") || t.what.ends_with("intake.md") {
            let mut depth = 0i32;
            for c in t.text.chars() {
                match c {
                    '(' => depth += 1,
                    ')' => depth -= 1,
                    _ => {}
                }
                assert!(
                    depth <= 1,
                    "nested brackets in {} {}:\n{}",
                    t.contact,
                    t.what,
                    t.text
                );
            }
        }
    }
    let intake = &built.of("uwmc-liver", "portal/intake.md").text;
    assert!(
        intake.contains("## Date of birth\n\nMay 12, 1958 (05/12/1958)"),
        "{intake}"
    );
    assert!(
        intake.contains(
            "Interventional Radiology, Demo University Hospital: TACE Jul 5, 2021; TACE Aug 27, 2021"
        ),
        "{intake}"
    );
    assert!(
        intake.contains(
            "Physician: hepatologist, Demo City People's Hospital, assessment Nov 10, 2021"
        ),
        "{intake}"
    );

    let titled = Test::demo()
        .edit(
            "contacts.toml",
            "email = \"liver-consult@example.org\"",
            "email = \"liver-consult@example.org\"\ndoctor = { zh = \"范嘉\", en = \"Fan Jia\" }\ntitle = { zh = \"教授\", en = \"Professor\" }",
        )
        .args(["build", "--contact", "zhongshan-liver"])
        .success();
    let letter =
        fs::read_to_string(titled.dir.join("out/zhongshan-liver/cover-letter.txt")).unwrap();
    assert!(letter.starts_with("尊敬的范嘉教授："), "{letter}");
}

/// Point 10: record names keep their meaning, and every text cites them by those names.
#[test]
fn record_names_keep_their_meaning_everywhere() {
    let built = planted();
    let dir = built.run.dir.join("out/zhongshan-liver");
    let zip = files(&dir)
        .into_iter()
        .find(|p| p.extension().is_some_and(|e| e == "zip"))
        .unwrap();
    let listing = tool("unzip", &["-Z1", zip.to_str().unwrap()]);
    assert!(
        listing
            .lines()
            .any(|l| l == "records/2021-11-01_procedure_endoscopy-oesophageal-varices.jpg"),
        "{listing}"
    );
    for name in listing.lines().filter(|l| l.starts_with("records/")) {
        let date = &name["records/".len().."records/".len() + 10];
        assert_eq!(name.matches(date).count(), 1, "{name} repeats its date");
    }
    // Every record a CSV cites is in the zip under that name.
    for csv in ["labs.csv", "timeline.csv"] {
        let text = tool("unzip", &["-p", zip.to_str().unwrap(), csv]);
        for field in text
            .split([',', '\n', '\r'])
            .filter(|f| f.starts_with("records/"))
        {
            assert!(
                listing.lines().any(|l| l == field),
                "{csv} cites {field}:\n{listing}"
            );
        }
        assert!(
            text.contains("records/2021-06-20_lab_liver-panel.jpg"),
            "{text}"
        );
    }
    let summary = files(&dir)
        .into_iter()
        .find(|p| p.to_string_lossy().ends_with("_summary_zh.pdf"))
        .unwrap();
    let text = tool(
        "pdftotext",
        &["-enc", "UTF-8", summary.to_str().unwrap(), "-"],
    );
    // A long name may break at a hyphen on the page.
    let unhyphenated = |t: &str| squash(t).replace('-', "");
    assert!(
        unhyphenated(&text).contains(&unhyphenated(
            "2021-11-01_procedure_endoscopy-oesophageal-varices.jpg"
        )),
        "{text}"
    );
    // A portal pack holds every record as a PDF: its summary's index names those files.
    let portal = built.run.dir.join("out/fred-hutch-liver/portal");
    let held: Vec<String> = files(&portal.join("records"))
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert!(
        held.iter().any(|n| n == "2021-06-20_lab_liver-panel.pdf"),
        "{held:?}"
    );
    let summary = files(&portal)
        .into_iter()
        .find(|p| p.to_string_lossy().ends_with("_summary_en.pdf"))
        .unwrap();
    let text = unhyphenated(&tool(
        "pdftotext",
        &["-enc", "UTF-8", summary.to_str().unwrap(), "-"],
    ));
    for name in &held {
        assert!(text.contains(&unhyphenated(name)), "{name} not in:\n{text}");
    }
    assert!(
        !text.contains(&unhyphenated("2021-06-20_lab_liver-panel.jpg")),
        "the portal summary names a file its pack does not hold:\n{text}"
    );
}
