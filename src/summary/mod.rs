//! The case summary as a document: the template fills in the words, generated blocks fill in
//! tables and charts. Pure: no files are read here (the template text is passed in).

pub mod blocks;
pub mod context;
mod criteria_sheet;
pub mod decision;
pub mod markdown;
pub mod words;

use std::path::PathBuf;

use chrono::NaiveDate;

use crate::case::Case;
use crate::clinical::Criterion;
use crate::contacts::Contact;
use crate::date::ReaderDate;
use crate::document::{Document, Paper};
use crate::lab::UnitSystem;
use crate::templates::{self, Template, TemplateError};
use crate::text::Lang;
use crate::tr;

/// Everything a summary is made from.
pub struct SummaryInput<'a> {
    pub case: &'a Case,
    /// The recipient: their redactions apply and they are named on the cover.
    pub contact: Option<&'a Contact>,
    pub lang: Lang,
    pub today: NaiveDate,
    pub template: &'a Template,
    /// Records appended after the summary (paths relative to records/).
    pub appended: &'a [PathBuf],
    /// The criteria computed for this date (`clinical::evaluate`).
    pub criteria: &'a [Criterion],
    /// The DICOM studies indexed from the case's imaging folders.
    pub dicom: &'a [crate::dicom::Study],
}

/// The file name of a language's summary template.
pub fn template_name(lang: Lang) -> String {
    format!("summary.{}.md", lang.code())
}

/// Builds the summary document.
/// The generated blocks a template may place with `:::name`.
const BLOCKS: &[&str] = &[
    "decision",
    "labs",
    "lesions",
    "lesion-chart",
    "timeline-chart",
    "timeline",
    "treatments",
    "key-criteria",
    "criteria",
    "imaging",
    "records",
];

/// Renders the template and checks its `:::name` blocks, without generating them: what
/// `check` needs to know about a case's own template, at a fraction of the cost.
pub fn check_template(input: SummaryInput<'_>) -> Result<(), TemplateError> {
    let context = context::build(
        input.case,
        input.contact,
        input.criteria,
        input.lang,
        input.today,
        false,
    );
    let markdown = templates::render(input.template, &context)?;
    markdown::to_blocks(&markdown, |name| BLOCKS.contains(&name).then(Vec::new))
        .map(drop)
        .map_err(|unknown| unknown_block(input.template, &unknown))
}

fn unknown_block(template: &Template, unknown: &markdown::UnknownDirective) -> TemplateError {
    TemplateError {
        path: template.path.clone(),
        line: None,
        message: tr!(
            "unknown block `:::{name}` (line {line} of the rendered text); known: {known}",
            name = unknown.name,
            line = unknown.line,
            known = BLOCKS.join(", ")
        ),
    }
}

pub fn build(input: SummaryInput<'_>) -> Result<Document, TemplateError> {
    let SummaryInput {
        case,
        contact,
        lang,
        today,
        template,
        appended,
        criteria,
        dicom,
    } = input;
    let mut context = context::build(case, contact, criteria, lang, today, !appended.is_empty());
    context.headline = criteria_sheet::headline(criteria, lang);
    let markdown = templates::render(template, &context)?;
    // One unit convention per document: the reader's (a contact may ask for the other).
    let system = contact.map_or(UnitSystem::for_language(lang), |c| c.lab_units);
    let shown_criteria = criteria_sheet::in_reader_units(criteria, system);
    let names = crate::packet::names::RecordNames::of(
        case,
        contact.map(|c| crate::packet::Pack::for_channel(c.channel)),
    );
    let blocks = markdown::to_blocks(&markdown, |name| {
        Some(match name {
            "decision" => {
                decision::page(case, criteria, &context.not_available, lang, system, today)
            }
            "labs" => blocks::labs(case, lang, system, !appended.is_empty(), &names),
            "lesions" => blocks::lesions(case, lang),
            "lesion-chart" => blocks::lesion_chart(case, lang),
            "timeline-chart" => blocks::timeline_chart(case, lang),
            "timeline" => blocks::timeline(case, lang, &names),
            "treatments" => blocks::treatments(case, lang),
            "imaging" => blocks::imaging(case, contact, dicom, lang, &names),
            "records" => blocks::records(case, lang, appended, &names),
            "key-criteria" => criteria_sheet::key_table(&shown_criteria, lang),
            "criteria" => criteria_sheet::sheet(&shown_criteria, lang),
            _ => return None,
        })
    })
    .map_err(|unknown| unknown_block(template, &unknown))?;
    // The PDF's title is metadata (ISO date); the running header is read.
    let title = format!(
        "{} {} {today}",
        case.patient.id,
        lang.pick("病历摘要", "Case summary")
    );
    Ok(Document {
        title,
        lang,
        paper: contact.map_or(Paper::of_reader(lang, None), |c| c.paper),
        running_header: format!(
            "{} · {} · {}",
            context.patient.identifiers,
            lang.pick("病历摘要", "Case summary"),
            today.for_reader(lang)
        ),
        date: today,
        records_follow: !appended.is_empty(),
        blocks,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::Block;
    use crate::folder::CaseFolder;

    fn demo() -> Case {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo-case");
        let today = NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
        let loaded = CaseFolder::open(&root).unwrap().load(today).unwrap();
        loaded.case.expect("the demo case is valid").case
    }

    /// `check` accepts exactly the blocks `build` generates.
    #[test]
    fn every_block_check_knows_is_one_build_generates() {
        let case = demo();
        let today = NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
        let criteria = crate::clinical::evaluate(&case, today);
        for name in BLOCKS.iter().chain(&["no-such-block"]) {
            let template = Template {
                name: "t.md".into(),
                path: "<builtin>/t.md".into(),
                text: format!(":::{name}\n"),
            };
            let input = || SummaryInput {
                case: &case,
                contact: None,
                lang: Lang::En,
                today,
                template: &template,
                appended: &[],
                criteria: &criteria,
                dicom: &[],
            };
            assert_eq!(
                build(input()).is_ok(),
                check_template(input()).is_ok(),
                "{name}"
            );
        }
    }

    fn render(lang: Lang, contact: Option<&Contact>) -> Document {
        let case = demo();
        let template = Template::builtin(&template_name(lang)).unwrap();
        let input = SummaryInput {
            case: &case,
            contact,
            lang,
            today: NaiveDate::from_ymd_opt(2026, 11, 27).unwrap(),
            template: &template,
            appended: &[],
            criteria: &crate::clinical::evaluate(
                &case,
                NaiveDate::from_ymd_opt(2026, 11, 27).unwrap(),
            ),
            dicom: &[],
        };
        build(input).unwrap()
    }

    fn all_text(doc: &Document) -> String {
        serde_json::to_string(&doc.blocks).unwrap()
    }

    #[test]
    fn the_demo_summary_has_every_section_in_both_languages() {
        for (lang, headings) in [
            (
                Lang::Zh,
                [
                    "一、病情摘要",
                    "想请医生回答的问题",
                    "三、化验结果",
                    "主要评估一览",
                    "附录：评估标准全表",
                ],
            ),
            (
                Lang::En,
                [
                    "1 Summary",
                    "Questions for the reviewing physician",
                    "3 Laboratory results",
                    "Key criteria",
                    "Appendix: computed criteria in full",
                ],
            ),
        ] {
            let doc = render(lang, None);
            let text = all_text(&doc);
            for heading in headings {
                assert!(text.contains(heading), "{lang}: {heading}");
            }
            assert!(doc.blocks.iter().any(|b| matches!(b, Block::Chart(_))));
            assert!(text.contains("DEMO-LGQ"));
            // 20.52 µmol/L as printed for Chinese readers, converted to mg/dL for English ones
            // with the printed value beside it.
            let bilirubin = lang.pick("20.52", "1.2 (20.52 µmol/L)");
            assert!(text.contains(bilirubin), "every lab value is shown");
        }
    }

    #[test]
    fn hidden_personal_fields_never_reach_the_document() {
        let doc = render(Lang::En, None);
        let text = all_text(&doc);
        assert!(
            text.contains("Li Guoqiang"),
            "the name is shared by default in the demo"
        );
        assert!(
            !text.contains("DEMO-000000"),
            "the id number is not shared by default"
        );
        let (contacts, _) =
            crate::contacts::load(None, NaiveDate::from_ymd_opt(2026, 11, 27).unwrap());
        let zhongshan = contacts.get("zhongshan-liver").unwrap();
        let doc = render(Lang::Zh, Some(zhongshan));
        assert!(
            all_text(&doc).contains("DEMO-000000"),
            "zhongshan may see the id number"
        );
    }
}
