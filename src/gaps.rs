//! What a reviewing physician asks for first and the case does not hold: listed as "not
//! available" / 未提供 on the summary's first page and in the cover letter, never silently
//! absent. Each reader convention ships its own list (a Chinese liver surgeon asks for ICG-R15
//! and PIVKA-II, a US transplant team for the blood group and MELD labs within 30 days); a
//! contact may replace it (`asks_first` in contacts.toml).
//!
//! Pure: the case, the items and today's date in, lines out.

use chrono::NaiveDate;
use serde::Serialize;

use crate::case::Case;
use crate::case::model::{ImagingStudy, Modality, RecordKind, Region, TreatmentKind, choice_enum};
use crate::contacts::Contact;
use crate::date::ReaderDate;
use crate::lab::Analyte;
use crate::text::Lang;
use crate::toml_reader::Choice;

choice_enum!(
    /// How a reader's team works up a liver-cancer case, for what it asks for first.
    Convention {
        ChineseLiverSurgery = ["cn-liver-surgery"],
        UsTransplant = ["us-transplant"],
    }
);

choice_enum!(
    /// Something a physician asks for first.
    Item {
        IcgR15 = ["icg-r15"],
        PivkaII = ["pivka-ii"],
        AfpL3 = ["afp-l3"],
        Endoscopy = ["endoscopy"],
        ChestCt = ["chest-ct"],
        DicomEveryPhase = ["dicom-every-phase"],
        BloodGroup = ["blood-group"],
        LivingDonor = ["living-donor"],
        MeldLabs30Days = ["meld-labs-30-days"],
        Interpreter = ["interpreter"],
        Payment = ["payment"],
        Travel = ["travel"],
    }
);

impl Convention {
    /// The convention of a reader: US transplant for a contact in the US, Chinese liver surgery
    /// for one in China; else by the language they read.
    pub fn of_reader(lang: Lang, country: Option<&str>) -> Convention {
        match country.map(str::to_ascii_uppercase).as_deref() {
            Some("US") => Convention::UsTransplant,
            Some("CN") => Convention::ChineseLiverSurgery,
            _ => match lang {
                Lang::Zh => Convention::ChineseLiverSurgery,
                Lang::En => Convention::UsTransplant,
            },
        }
    }

    /// What this convention asks for first, in the order a reader looks for it.
    pub fn items(self) -> &'static [Item] {
        match self {
            Convention::ChineseLiverSurgery => &[
                Item::IcgR15,
                Item::PivkaII,
                Item::AfpL3,
                Item::Endoscopy,
                Item::ChestCt,
                Item::DicomEveryPhase,
            ],
            Convention::UsTransplant => &[
                Item::BloodGroup,
                Item::LivingDonor,
                Item::Endoscopy,
                Item::ChestCt,
                Item::MeldLabs30Days,
                Item::Interpreter,
                Item::Payment,
                Item::Travel,
            ],
        }
    }
}

/// What `contact` asks for first: its own `asks_first`, else its convention's list; without
/// a contact, the list of a reader of `lang`.
pub fn asked_first(contact: Option<&Contact>, lang: Lang) -> Vec<Item> {
    match contact {
        Some(c) => c
            .asks_first
            .clone()
            .unwrap_or_else(|| c.convention.items().to_vec()),
        None => Convention::of_reader(lang, None).items().to_vec(),
    }
}

/// How many days old the MELD labs may be for a US transplant team reviewing a referral.
const MELD_LABS_DAYS: i64 = 30;

/// The items the case does not hold, each as a line in `lang` (with what is missing where it
/// can say: the studies without DICOM, the date of the newest MELD labs).
pub fn not_available(case: &Case, items: &[Item], lang: Lang, today: NaiveDate) -> Vec<String> {
    items
        .iter()
        .filter_map(|&item| missing(case, item, lang, today))
        .collect()
}

fn has_lab(case: &Case, analyte: Analyte, today: NaiveDate) -> bool {
    case.labs
        .iter()
        .any(|l| l.analyte == analyte && l.date.day() <= today)
}

/// `None` when the case holds `item`; else how a reader is told it is missing.
fn missing(case: &Case, item: Item, lang: Lang, today: NaiveDate) -> Option<String> {
    let practical = &case.practical;
    let held = match item {
        Item::IcgR15 => has_lab(case, Analyte::IcgR15, today),
        Item::PivkaII => has_lab(case, Analyte::PivkaII, today),
        Item::AfpL3 => has_lab(case, Analyte::AfpL3, today),
        Item::Endoscopy => case
            .records
            .iter()
            .any(|r| r.kind == RecordKind::Endoscopy && r.date.day() <= today),
        Item::ChestCt => case.imaging.iter().any(|s| {
            s.date.day() <= today
                && matches!(s.modality, Modality::Ct | Modality::PetCt)
                && s.region.is_some_and(Region::covers_chest)
        }),
        Item::DicomEveryPhase => return dicom_missing(case, lang, today),
        Item::MeldLabs30Days => return meld_labs_missing(case, lang, today),
        Item::BloodGroup => case.patient.blood_group.is_some(),
        Item::LivingDonor => practical.living_donor.is_some(),
        Item::Interpreter => practical.interpreter.is_some(),
        Item::Payment => practical.payment.is_some(),
        Item::Travel => practical.travel.is_some(),
    };
    (!held).then(|| label(item, lang).to_string())
}

/// The item as a reader names it.
pub fn label(item: Item, lang: Lang) -> &'static str {
    match item {
        Item::IcgR15 => "ICG-R15",
        Item::PivkaII => lang.pick("PIVKA-II", "PIVKA-II (DCP)"),
        Item::AfpL3 => "AFP-L3",
        Item::Endoscopy => lang.pick("胃镜（静脉曲张）", "endoscopy (varices)"),
        Item::ChestCt => lang.pick("胸部CT", "chest CT"),
        Item::DicomEveryPhase => lang.pick(
            "每次TACE前后的全部期相DICOM",
            "DICOM of every phase of every study before and after each TACE",
        ),
        Item::BloodGroup => lang.pick("血型", "blood group"),
        Item::LivingDonor => lang.pick("是否有活体供肝者", "possible living donor"),
        Item::MeldLabs30Days => lang.pick("30天内的MELD化验", "MELD labs within 30 days"),
        Item::Interpreter => lang.pick("是否需要翻译", "interpreter"),
        Item::Payment => lang.pick("付费方式（国际自费）", "payment (international self-pay)"),
        Item::Travel => lang.pick(
            "患者住址及能否前往",
            "where the patient lives or can travel",
        ),
    }
}

/// The CT and MRI studies a surgeon wants as DICOM: the last before and the first after each
/// TACE (every one when there was no TACE); `None` when each of them has its DICOM folder.
fn dicom_missing(case: &Case, lang: Lang, today: NaiveDate) -> Option<String> {
    let mut studies: Vec<&ImagingStudy> = case
        .imaging
        .iter()
        .filter(|s| matches!(s.modality, Modality::Ct | Modality::Mri) && s.date.day() <= today)
        .collect();
    studies.sort_by_key(|s| s.date);
    let taces: Vec<NaiveDate> = case
        .treatments
        .iter()
        // A TACE of a date not known has no before and after to ask for.
        .filter(|t| t.kind == TreatmentKind::Tace && !t.date.is_unknown() && t.date.day() <= today)
        .map(|t| t.date.day())
        .collect();
    let mut wanted: Vec<&ImagingStudy> = if taces.is_empty() {
        studies.clone()
    } else {
        taces
            .iter()
            .flat_map(|&tace| {
                let before = studies.iter().rev().find(|s| s.date.day() <= tace);
                let after = studies.iter().find(|s| s.date.day() > tace);
                before.into_iter().chain(after).copied()
            })
            .collect()
    };
    wanted.sort_by_key(|s| s.date);
    wanted.dedup_by(|a, b| std::ptr::eq(*a, *b));
    let without: Vec<String> = wanted
        .iter()
        .filter(|s| s.dicom.is_none())
        .map(|s| format!("{} {}", s.modality, s.date.for_reader(lang)))
        .collect();
    if studies.is_empty() {
        return Some(label(Item::DicomEveryPhase, lang).to_string());
    }
    (!without.is_empty()).then(|| match lang {
        Lang::Zh => format!(
            "{}（缺：{}）",
            label(Item::DicomEveryPhase, lang),
            without.join("、")
        ),
        Lang::En => format!(
            "{} (missing: {})",
            label(Item::DicomEveryPhase, lang),
            without.join(", ")
        ),
    })
}

/// Bilirubin, INR, creatinine and sodium each measured within 30 days of `today`; `None` when
/// they were, else the line with the date of the oldest of the newest readings.
fn meld_labs_missing(case: &Case, lang: Lang, today: NaiveDate) -> Option<String> {
    let newest = |analyte: Analyte| {
        case.labs
            .iter()
            .filter(|l| l.analyte == analyte && l.date.day() <= today)
            .map(|l| l.date)
            .max()
    };
    let dates: Vec<Option<crate::date::CaseDate>> = [
        Analyte::Bilirubin,
        Analyte::Inr,
        Analyte::Creatinine,
        Analyte::Sodium,
    ]
    .into_iter()
    .map(newest)
    .collect();
    let oldest = dates.iter().copied().min().flatten();
    let label = label(Item::MeldLabs30Days, lang);
    match oldest {
        Some(date) if (today - date.day()).num_days() <= MELD_LABS_DAYS => None,
        Some(date) => Some(match lang {
            Lang::Zh => format!("{label}（最近一次 {}）", date.for_reader(lang)),
            Lang::En => format!("{label} (newest {})", date.for_reader(lang)),
        }),
        None => Some(label.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::model::LesionClass;
    use crate::clinical::test_util::{bare_case, lab, study, treatment};
    use crate::lab::Unit;

    fn on(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    /// A surgeon wants the DICOM of the last study before and the first after each TACE; a
    /// study in between that is both is asked for once, and one with its folder is not.
    #[test]
    fn dicom_is_asked_for_around_each_tace() {
        let mut with_dicom = study("2021-10-15", "34", "31", LesionClass::LrTrViable);
        with_dicom.dicom = Some("imaging/mri".into());
        let case = Case {
            treatments: vec![
                treatment(TreatmentKind::Tace, Some("TACE-1"), "2021-07-05", &[]),
                treatment(TreatmentKind::Tace, Some("TACE-2"), "2021-08-27", &[]),
            ],
            imaging: vec![
                study("2021-03-01", "20", "20", LesionClass::Lr4),
                study("2021-06-18", "24", "24", LesionClass::Lr5),
                study("2021-08-10", "28", "26", LesionClass::LrTrViable),
                with_dicom,
            ],
            ..bare_case()
        };
        let today = on("2021-11-15");
        assert_eq!(
            not_available(&case, &[Item::DicomEveryPhase], Lang::En, today),
            [
                "DICOM of every phase of every study before and after each TACE (missing: MRI Jun 18, 2021, MRI Aug 10, 2021)"
            ]
        );
        assert_eq!(
            not_available(&case, &[Item::DicomEveryPhase], Lang::Zh, today),
            ["每次TACE前后的全部期相DICOM（缺：MRI 2021-06-18、MRI 2021-08-10）"]
        );
    }

    /// MELD labs count when all four are at most 30 days old.
    #[test]
    fn meld_labs_must_be_recent() {
        let set = |date: &str| {
            vec![
                lab(Analyte::Bilirubin, "1.3", Unit::MgPerDl, date),
                lab(Analyte::Inr, "1.2", Unit::Ratio, date),
                lab(Analyte::Creatinine, "0.9", Unit::MgPerDl, date),
                lab(Analyte::Sodium, "136", Unit::MmolPerL, date),
            ]
        };
        let case = Case {
            labs: set("2021-10-14"),
            ..bare_case()
        };
        let items = [Item::MeldLabs30Days];
        assert!(not_available(&case, &items, Lang::En, on("2021-11-13")).is_empty());
        assert_eq!(
            not_available(&case, &items, Lang::En, on("2021-11-14")),
            ["MELD labs within 30 days (newest Oct 14, 2021)"]
        );
        let mut no_sodium = set("2021-11-10");
        no_sodium.pop();
        let case = Case {
            labs: no_sodium,
            ..bare_case()
        };
        assert_eq!(
            not_available(&case, &items, Lang::En, on("2021-11-14")),
            ["MELD labs within 30 days"]
        );
    }

    #[test]
    fn readers_get_their_convention() {
        assert_eq!(
            Convention::of_reader(Lang::En, Some("US")),
            Convention::UsTransplant
        );
        assert_eq!(
            Convention::of_reader(Lang::En, Some("cn")),
            Convention::ChineseLiverSurgery
        );
        assert_eq!(
            Convention::of_reader(Lang::Zh, None),
            Convention::ChineseLiverSurgery
        );
    }
}
