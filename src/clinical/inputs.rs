//! The case as the calculators see it: only data dated inside a range, lab values converted to
//! canonical units, lab sets chosen by the window rule, and where every value came from
//! (calculators reference §0.1–§0.2).

use std::cmp::Reverse;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::{AS_PRINTED, Input, analyte_name, dec, join, t};
use crate::case::model::{Assessment, Case, Grade, ImagingStudy, Pathology, Qualifier, Treatment};
use crate::case::model::{LabResult, Measured, TreatmentKind};
use crate::cross_check::STALE_LAB_DAYS;
use crate::date::CaseDate;
use crate::date::ReaderDate;
use crate::lab::{self, Analyte, Unit};
use crate::text::{Lang, Text};
use crate::toml_reader::Choice;

/// Larger values are typing errors for every analyte the criteria use; refusing them also keeps
/// the decimal arithmetic far from overflow.
const PLAUSIBLE_MAX: Decimal = dec(1_000_000_000_000, 0);

/// The data the criteria may use: dated after `after` (when set) and on or before `at`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sources<'a> {
    pub case: &'a Case,
    pub after: Option<NaiveDate>,
    pub at: NaiveDate,
    /// The treatments that bound the range, if any: a value whose date overlaps the period of
    /// one of them (an approximate date on either side) cannot be placed before or after it.
    edges: [Option<&'a Treatment>; 2],
}

impl<'a> Sources<'a> {
    pub fn new(case: &'a Case, at: NaiveDate) -> Self {
        Self {
            case,
            after: None,
            at,
            edges: [None, None],
        }
    }

    /// The same case seen with only data after the treatment `after` (when set) and on or before
    /// the treatment `until` (else now, never later); values whose order against either is
    /// uncertain are set aside and said.
    pub fn between(&self, after: Option<&'a Treatment>, until: Option<&'a Treatment>) -> Self {
        Self {
            case: self.case,
            after: after.map(|t| t.date.day()),
            at: until.map_or(self.at, |t| t.date.day().min(self.at)),
            edges: [after, until],
        }
    }

    fn includes(&self, date: CaseDate) -> bool {
        let day = date.day();
        day <= self.at
            && self.after.is_none_or(|after| day > after)
            && self.uncertain_edge(date).is_none()
    }

    /// The bounding treatment whose order against `date` is not known: their periods overlap
    /// and one of them is approximate.
    fn uncertain_edge(&self, date: CaseDate) -> Option<&'a Treatment> {
        self.edges
            .into_iter()
            .flatten()
            .find(|t| t.date.order_uncertain(date))
    }

    pub fn window_days(&self) -> i64 {
        i64::from(self.case.criteria_settings.lab_window_days)
    }

    /// The usable values of an analyte, oldest first; when there are none, what is missing.
    pub fn labs(&self, analyte: Analyte) -> Result<Vec<LabValue<'a>>, Text> {
        let (values, unusable) = self.usable_and_not(analyte);
        if values.is_empty() {
            let missing = self.describe_missing(analyte_name(analyte));
            return Err(match unusable.last() {
                Some(why) => t(
                    format!(
                        "{}（无可用数值：{}）",
                        missing.best(Lang::Zh),
                        why.best(Lang::Zh)
                    ),
                    format!(
                        "{} that can be used ({})",
                        missing.best(Lang::En),
                        why.best(Lang::En)
                    ),
                ),
                None => missing,
            });
        }
        Ok(values)
    }

    /// Flags values in range that cannot be used, so that none is skipped silently.
    pub fn unusable_flags(&self, analyte: Analyte) -> Vec<Text> {
        let (_, unusable) = self.usable_and_not(analyte);
        unusable
            .into_iter()
            .map(|why| {
                t(
                    format!("未使用：{}", why.best(Lang::Zh)),
                    format!("not used: {}", why.best(Lang::En)),
                )
            })
            .collect()
    }

    /// Usable values oldest first, and why the others cannot be used.
    fn usable_and_not(&self, analyte: Analyte) -> (Vec<LabValue<'a>>, Vec<Text>) {
        let mut values = Vec::new();
        let mut unusable = Vec::new();
        let mut results: Vec<&'a LabResult> = self
            .case
            .labs
            .iter()
            .filter(|r| r.analyte == analyte)
            .filter(|r| self.includes(r.date) || self.uncertain_edge(r.date).is_some())
            .collect();
        results.sort_by_key(|r| r.date);
        for same_day in results.chunk_by(|a, b| a.date == b.date) {
            if let Some(edge) = self.uncertain_edge(same_day[0].date) {
                let (zh, key, date) = (analyte.info().zh, analyte.key(), same_day[0].date);
                let name = edge
                    .id
                    .clone()
                    .unwrap_or_else(|| edge.kind.name().to_string());
                let (zh_on, en_on) = (edge.date.in_lang(Lang::Zh), edge.date.for_reader(Lang::En));
                let en_date = date.for_reader(Lang::En);
                unusable.push(t(
                    format!("先后顺序不确定：{date} 的{zh}与 {name}（{zh_on}）"),
                    format!("order uncertain: the {key} of {en_date} and {name} ({en_on})"),
                ));
                continue;
            }
            let first = same_day[0];
            if let Some(other) = same_day[1..]
                .iter()
                .find(|o| !o.reading.agrees_with(&first.reading, analyte))
            {
                // Two different values on one day: which is right is not ours to guess.
                let (zh, key, date) = (analyte.info().zh, analyte.key(), first.date);
                let (a, b) = (
                    crate::summary::words::reading(&first.reading, Lang::En),
                    crate::summary::words::reading(&other.reading, Lang::En),
                );
                unusable.push(t(
                    format!("{date} 的{zh}有两个不同数值（{a} 与 {b}）"),
                    format!(
                        "the {key} of {} has two different values ({a} and {b})",
                        date.for_reader(Lang::En)
                    ),
                ));
                continue;
            }
            // Values that agree (the same sheet entered twice) count once.
            match LabValue::new(first, self.case.criteria_settings.afp_ng_per_iu) {
                Ok(value) => values.push(value),
                Err(why) => unusable.push(why),
            }
        }
        (values, unusable)
    }

    /// Names a missing item with the date range it was looked for in.
    pub fn describe_missing(&self, what: Text) -> Text {
        let (zh, en, at) = (what.best(Lang::Zh), what.best(Lang::En), self.at);
        match self.after {
            Some(after) => t(
                format!("{after} 之后至 {at} 的{zh}"),
                format!(
                    "{en} after {} and on or before {}",
                    after.for_reader(Lang::En),
                    at.for_reader(Lang::En)
                ),
            ),
            None => t(
                format!("{at} 及之前的{zh}"),
                format!("{en} on or before {}", at.for_reader(Lang::En)),
            ),
        }
    }

    /// The newest value of one analyte.
    pub fn newest_lab(&self, analyte: Analyte) -> Result<LabValue<'a>, Text> {
        let mut values = self.labs(analyte)?;
        values
            .pop()
            .ok_or_else(|| self.describe_missing(analyte_name(analyte)))
    }

    /// The value closest in time to `date` (the newer on a tie), e.g. AFP for an imaging study.
    pub fn lab_near(
        &self,
        analyte: Analyte,
        date: impl Into<NaiveDate>,
    ) -> Result<LabValue<'a>, Text> {
        let date = date.into();
        self.labs(analyte)?
            .into_iter()
            .min_by_key(|v| (distance(v.result.date, date), Reverse(v.result.date)))
            .ok_or_else(|| self.describe_missing(analyte_name(analyte)))
    }

    /// Values for a score that combines analytes: the newest set whose dates lie within the
    /// window; if no set does, the newest value of each, flagged (calculators §0.2).
    pub fn lab_set<const N: usize>(
        &self,
        analytes: [Analyte; N],
    ) -> Result<LabSet<'a, N>, Vec<Text>> {
        let found = analytes.map(|a| self.labs(a));
        let missing: Vec<Text> = found
            .iter()
            .filter_map(|r| r.as_ref().err().cloned())
            .collect();
        if !missing.is_empty() {
            return Err(missing);
        }
        // Every analyte has at least one value from here on.
        let candidates = found.map(Result::unwrap_or_default);
        let window = self.window_days();
        let mut anchors: Vec<NaiveDate> = candidates
            .iter()
            .flatten()
            .map(|v| v.result.date.day())
            .collect();
        anchors.sort_unstable_by_key(|d| Reverse(*d));
        anchors.dedup();
        let within_window = anchors.iter().find_map(|&anchor| {
            all(candidates.each_ref().map(|values| {
                values
                    .iter()
                    .rev()
                    .find(|v| {
                        v.result.date.day() <= anchor && distance(v.result.date, anchor) <= window
                    })
                    .cloned()
            }))
        });
        let newest = all(candidates.each_ref().map(|values| values.last().cloned()));
        let mut flags: Vec<Text> = analytes
            .iter()
            .flat_map(|&a| self.unusable_flags(a))
            .collect();
        let values = match (within_window, newest) {
            (Some(values), _) => values,
            (None, None) => {
                return Err(analytes
                    .map(|a| self.describe_missing(analyte_name(a)))
                    .into());
            }
            (None, Some(newest)) => {
                let dates = newest.each_ref().map(|v| (v.analyte(), v.date()));
                let [zh, en] = [Lang::Zh, Lang::En].map(|lang| dated_analytes(&dates, lang));
                flags.push(t(
                    format!("化验日期不一致：{zh}（相隔超过 {window} 天）"),
                    format!("labs from different dates: {en} (more than {window} days apart)"),
                ));
                newest
            }
        };
        let newer: Vec<(Analyte, CaseDate)> = values
            .iter()
            .zip(&candidates)
            .filter_map(|(used, all)| {
                let newest = all.last()?.result.date;
                (newest > used.result.date).then_some((used.analyte(), newest))
            })
            .collect();
        if !newer.is_empty() {
            let [zh, en] = [Lang::Zh, Lang::En].map(|lang| dated_analytes(&newer, lang));
            flags.push(t(
                format!("未使用较新的数值（{window} 天内不能组成完整的一组）：{zh}"),
                format!(
                    "newer values not used because they form no complete set within {window} days: {en}"
                ),
            ));
        }
        flags.extend(values.iter().filter_map(LabValue::qualifier_flag));
        let mut set = LabSet { values, flags };
        set.flags.extend(stale_flag(set.date(), self.at));
        Ok(set)
    }

    /// The assessment closest in time to `date` (the newer on a tie) that records `field`.
    pub fn assessment_near<T>(
        &self,
        date: impl Into<NaiveDate>,
        field: impl Fn(&Assessment) -> Option<T>,
    ) -> Option<(T, &'a Assessment)> {
        let date = date.into();
        self.case
            .assessments
            .iter()
            .filter(|a| self.includes(a.date))
            .filter_map(|a| field(a).map(|value| (value, a)))
            .min_by_key(|(_, a)| (distance(a.date, date), Reverse(a.date)))
    }

    /// Imaging studies in range, oldest first.
    pub fn studies(&self) -> Vec<&'a ImagingStudy> {
        let mut studies: Vec<_> = self
            .case
            .imaging
            .iter()
            .filter(|s| self.includes(s.date))
            .collect();
        studies.sort_by_key(|s| s.date);
        studies
    }

    /// Treatments of the tumour in range (all but antiviral and other), oldest first.
    pub fn tumour_treatments(&self) -> Vec<&'a Treatment> {
        let mut list: Vec<_> = self
            .case
            .treatments
            .iter()
            .filter(|t| {
                !matches!(t.kind, TreatmentKind::Antiviral | TreatmentKind::Other)
                    && self.includes(t.date)
            })
            .collect();
        list.sort_by_key(|t| t.date);
        list
    }

    /// TACE sessions in range, oldest first.
    pub fn taces(&self) -> Vec<&'a Treatment> {
        let mut taces: Vec<_> = self
            .case
            .treatments
            .iter()
            .filter(|t| t.kind == TreatmentKind::Tace && self.includes(t.date))
            .collect();
        taces.sort_by_key(|t| t.date);
        taces
    }

    /// The newest histological grade.
    pub fn grade(&self) -> Option<(Grade, &'a Pathology)> {
        self.case
            .pathology
            .iter()
            .filter(|p| self.includes(p.date))
            .filter_map(|p| p.grade.map(|g| (g, p)))
            .max_by_key(|(_, p)| p.date)
    }
}

/// Days between two dates, either way round; a date known only approximately counts from its
/// nearest possible day (and whatever uses it is flagged as approximate).
pub(crate) fn distance(a: impl Into<CaseDate>, b: impl Into<CaseDate>) -> i64 {
    a.into().days_apart(b.into())
}

/// "bilirubin Oct 1, 2021, albumin Aug 20, 2021", or with the Chinese names and "、".
fn dated_analytes(dates: &[(Analyte, CaseDate)], lang: Lang) -> String {
    dates
        .iter()
        .map(|(analyte, date)| {
            let name = analyte_name(*analyte);
            format!("{} {}", name.best(lang), date.for_reader(lang))
        })
        .collect::<Vec<_>>()
        .join(lang.pick("、", ", "))
}

/// Flags data older than 30 days on the date it is used (calculators §0.2).
pub(crate) fn stale_flag(date: impl Into<NaiveDate>, at: NaiveDate) -> Option<Text> {
    let date = date.into();
    let age = (at - date).num_days();
    (age > STALE_LAB_DAYS).then(|| {
        t(
            format!("数据时效：截至 {at} 已 {age} 天（数据日期 {date}），对移植或肿瘤评估而言已过时（> {STALE_LAB_DAYS} 天）"),
            format!("data age {age} days on {} (from {}): stale for a transplant or oncology review (> {STALE_LAB_DAYS} days)", at.for_reader(Lang::En), date.for_reader(Lang::En)),
        )
    })
}

/// Dates the inputs named `name` from an assessment, flagged when the assessment is far from
/// the date it is used with.
pub(crate) fn attach_assessment(
    inputs: &mut [Input],
    name: &Text,
    assessment: &Assessment,
    near: impl Into<NaiveDate> + ReaderDate + std::fmt::Display + Copy,
    window: i64,
    flags: &mut Vec<Text>,
) {
    let days = distance(assessment.date, near.into());
    if days > window {
        let on = assessment.date;
        flags.push(t(
            format!(
                "{}：评估日期 {on}，与 {near} 相隔 {days} 天",
                name.best(Lang::Zh)
            ),
            format!(
                "{} assessed on {}, {days} days from {}",
                name.best(Lang::En),
                on.for_reader(Lang::En),
                near.for_reader(Lang::En)
            ),
        ));
    }
    for input in inputs.iter_mut().filter(|i| i.name == *name) {
        input.date = Some(assessment.date);
    }
}

/// `Some` of every element, or `None` if any is missing.
fn all<T, const N: usize>(items: [Option<T>; N]) -> Option<[T; N]> {
    items
        .into_iter()
        .collect::<Option<Vec<T>>>()?
        .try_into()
        .ok()
}

/// Lab values for one score, chosen together.
#[derive(Debug, Clone)]
pub(crate) struct LabSet<'a, const N: usize> {
    /// In the order the analytes were asked for.
    pub values: [LabValue<'a>; N],
    /// Window, newer-values, limit and data-age flags.
    pub flags: Vec<Text>,
}

impl<const N: usize> LabSet<'_, N> {
    /// The newest date in the set.
    pub fn date(&self) -> CaseDate {
        self.values
            .iter()
            .map(|v| v.result.date)
            .max()
            .expect("a set has values")
    }

    /// Gives the criterion's lab inputs their dates and sources, and adds the set's flags.
    pub fn attach(&self, inputs: &mut [Input], flags: &mut Vec<Text>) {
        for value in &self.values {
            value.attach(inputs);
        }
        flags.extend(self.flags.iter().cloned());
    }
}

/// A lab value ready for the formulas.
#[derive(Debug, Clone)]
pub(crate) struct LabValue<'a> {
    pub result: &'a LabResult,
    /// The number the lab printed.
    measured: &'a Measured,
    /// In the analyte's canonical unit; a value printed as "<x" or ">x" is x.
    pub value: Decimal,
    /// How a value without a fixed conversion was converted (AFP in IU/mL).
    conversion: Option<Text>,
}

impl<'a> LabValue<'a> {
    /// Converts to the canonical unit; AFP in IU/mL only with the case's factor (§0.1).
    /// Err says why the value cannot be used.
    fn new(result: &'a LabResult, afp_ng_per_iu: Option<Decimal>) -> Result<Self, Text> {
        let analyte = result.analyte;
        let canonical = analyte.canonical_unit();
        let (key, zh) = (analyte.key(), analyte.info().zh);
        let date = result.date;
        let Some(measured) = result.measured() else {
            return Err(t(
                format!("{date} 的{zh}是定性结果，不是数值"),
                format!(
                    "the {key} of {} is a result word, not a number",
                    date.for_reader(Lang::En)
                ),
            ));
        };
        if measured.value > PLAUSIBLE_MAX {
            let value = measured.value;
            return Err(t(
                format!("{date} 的{zh}（{value}）不是合理的数值"),
                format!(
                    "the {key} of {} ({value}) is not a plausible value",
                    date.for_reader(Lang::En)
                ),
            ));
        }
        let (value, conversion) = match (analyte, measured.unit) {
            (Analyte::Afp, Unit::IuPerMl) => match afp_ng_per_iu {
                Some(factor) => (
                    measured.value.checked_mul(factor),
                    Some(t(
                        format!("按系数 {factor} 由 IU/mL 换算"),
                        format!("converted from IU/mL using factor {factor}"),
                    )),
                ),
                None => {
                    return Err(t(
                        format!("{date} 的{zh}单位为 IU/mL，未记录该检测方法换算为 ng/mL 的系数"),
                        format!(
                            "the {key} of {date} is in IU/mL, and the assay's factor to ng/mL is not recorded"
                        ),
                    ));
                }
            },
            _ => (
                lab::convert(analyte, measured.value, measured.unit, canonical),
                None,
            ),
        };
        let value = value.ok_or_else(|| {
            let (unit, canonical) = (measured.unit.symbol(), canonical.symbol());
            t(
                format!("{date} 的{zh}单位为 {unit}，无固定系数换算为 {canonical}"),
                format!(
                    "the {key} of {date} is in {unit}, which has no fixed conversion to {canonical}"
                ),
            )
        })?;
        Ok(Self {
            result,
            measured,
            value,
            conversion,
        })
    }

    pub fn date(&self) -> CaseDate {
        self.result.date
    }

    pub fn analyte(&self) -> Analyte {
        self.result.analyte
    }

    /// The value in `unit`, converted from the printed value so that printed SI values stay
    /// exact (51.3 µmol/L is 3 mg/dL and back to exactly 51.3).
    pub fn in_unit(&self, unit: Unit) -> Option<Decimal> {
        if unit == self.analyte().canonical_unit() {
            return Some(self.value);
        }
        lab::convert(
            self.analyte(),
            self.measured.value,
            self.measured.unit,
            unit,
        )
    }

    /// In the units readers of `lang` use by default, with the printed value where converted.
    pub fn in_units_of(&self, lang: Lang) -> crate::units::InUnit {
        crate::units::for_language(self.analyte(), self.measured, lang)
    }

    /// As it was printed: `<3.4 µmol/L`.
    pub fn printed(&self) -> String {
        format!("{} {}", self.measured.shown(), self.measured.unit.symbol())
    }

    fn qualifier_flag(&self) -> Option<Text> {
        (self.measured.qualifier != Qualifier::Exact).then(|| {
            let name = analyte_name(self.analyte());
            let (printed, date, value) = (self.printed(), self.date(), self.measured.value);
            t(
                format!(
                    "{}报告为 {printed}（{date}）：按界限值 {value} 计算",
                    name.best(Lang::Zh)
                ),
                format!(
                    "{} printed as {printed} ({date}): used at the limit, {value}",
                    name.best(Lang::En)
                ),
            )
        })
    }

    /// Adds date, source and how the value was printed to the inputs named after the analyte
    /// (the note starts with [`AS_PRINTED`] exactly when the value used is not the one printed).
    pub fn attach(&self, inputs: &mut [Input]) {
        let name = analyte_name(self.analyte());
        for input in inputs.iter_mut().filter(|i| i.name == name) {
            input.date = Some(self.date());
            input.source.clone_from(&self.result.source);
            let as_printed = self.printed();
            let unit = input.unit.unwrap_or("");
            let shown = format!("{} {unit}", input.value.best(Lang::En));
            let mut derivation = Vec::new();
            derivation.extend(self.conversion.clone());
            derivation.extend(input.note.take());
            let derivation = join(derivation);
            // The value used is the one printed when it is that reading in the input's unit.
            let used_as_printed = self.conversion.is_none()
                && Unit::parse_choice(unit)
                    .or((unit.is_empty()).then_some(Unit::Ratio))
                    .and_then(|unit| {
                        lab::convert(
                            self.analyte(),
                            self.measured.value,
                            self.measured.unit,
                            unit,
                        )
                    })
                    .is_some_and(|value| super::show(value) == input.value.best(Lang::En));
            input.note = if shown.trim() == as_printed {
                derivation.clone()
            } else {
                let printed = t(
                    format!("报告原值：{as_printed}"),
                    format!("{AS_PRINTED}{as_printed}"),
                );
                join([printed].into_iter().chain(derivation.clone()))
            };
            input.printed = Some(super::PrintedLab {
                analyte: self.analyte(),
                measured: self.measured.clone(),
                used_as_printed,
                derivation,
            });
        }
    }

    /// An input for this value in its canonical unit, with provenance.
    pub fn input(&self) -> Input {
        let mut inputs = [Input::number(
            analyte_name(self.analyte()),
            self.value,
            self.analyte().canonical_unit().symbol(),
        )];
        self.attach(&mut inputs);
        let [input] = inputs;
        input
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::model::*;
    use crate::clinical::test_util::{bare_case, d, english, lab};

    fn case(labs: Vec<LabResult>) -> Case {
        Case {
            labs,
            ..bare_case()
        }
    }

    fn date(s: &str) -> NaiveDate {
        s.parse().expect("date literal")
    }

    #[test]
    fn the_newest_complete_set_within_the_window_is_chosen() {
        let case = case(vec![
            lab(Analyte::Bilirubin, "20", Unit::MicromolPerL, "2021-08-01"),
            lab(Analyte::Albumin, "35", Unit::GPerL, "2021-08-05"),
            lab(Analyte::Bilirubin, "30", Unit::MicromolPerL, "2021-10-01"),
        ]);
        let sources = Sources::new(&case, date("2021-10-02"));
        let set = sources
            .lab_set([Analyte::Bilirubin, Analyte::Albumin])
            .expect("complete");
        assert_eq!(set.values[0].result.date, date("2021-08-01").into());
        let flags = english(&set.flags);
        assert!(flags.iter().any(|f| f.contains("bilirubin Oct 1, 2021")));
        assert!(flags.iter().any(|f| f.starts_with("data age")));
        assert!(
            set.flags
                .iter()
                .any(|f| f.best(Lang::Zh).contains("总胆红素 2021-10-01"))
        );
    }

    #[test]
    fn a_violated_window_is_flagged_not_refused() {
        let case = case(vec![
            lab(Analyte::Bilirubin, "20", Unit::MicromolPerL, "2021-08-01"),
            lab(Analyte::Albumin, "35", Unit::GPerL, "2021-08-20"),
        ]);
        let set = Sources::new(&case, date("2021-08-20"))
            .lab_set([Analyte::Bilirubin, Analyte::Albumin])
            .expect("computed anyway");
        assert!(english(&set.flags)[0].starts_with("labs from different dates"));
    }

    #[test]
    fn data_after_the_date_is_not_used() {
        let case = case(vec![lab(
            Analyte::Bilirubin,
            "20",
            Unit::MicromolPerL,
            "2021-08-01",
        )]);
        let missing = Sources::new(&case, date("2021-07-31"))
            .lab_set([Analyte::Bilirubin])
            .expect_err("nothing before");
        assert_eq!(
            missing,
            [t(
                "2021-07-31 及之前的总胆红素",
                "bilirubin on or before Jul 31, 2021"
            )]
        );
    }

    #[test]
    fn afp_in_iu_needs_the_case_factor() {
        let mut case = case(vec![lab(Analyte::Afp, "10", Unit::IuPerMl, "2021-08-01")]);
        let sources = Sources::new(&case, date("2021-08-01"));
        let why = sources.newest_lab(Analyte::Afp).expect_err("no factor");
        assert!(
            why.best(Lang::En)
                .contains("factor to ng/mL is not recorded")
        );
        assert!(
            why.best(Lang::Zh)
                .starts_with("2021-08-01 及之前的甲胎蛋白（无可用数值：")
        );
        case.criteria_settings.afp_ng_per_iu = Some(d("1.21"));
        let afp = Sources::new(&case, date("2021-08-01"))
            .newest_lab(Analyte::Afp)
            .expect("converted");
        assert_eq!(afp.value, d("12.1"));
        let input = afp.input();
        assert!(input.note.is_some_and(|n| {
            n.best(Lang::En)
                .contains("converted from IU/mL using factor 1.21")
        }));
    }

    #[test]
    fn printed_limits_are_used_and_flagged() {
        let mut below = lab(Analyte::Bilirubin, "3.4", Unit::MicromolPerL, "2021-08-01");
        if let Reading::Number(m) = &mut below.reading {
            m.qualifier = Qualifier::Below;
        }
        let case = case(vec![below]);
        let set = Sources::new(&case, date("2021-08-01"))
            .lab_set([Analyte::Bilirubin])
            .expect("used at the limit");
        assert_eq!(set.values[0].value, d("3.4") / d("17.1"));
        assert!(
            english(&set.flags)
                .iter()
                .any(|f| f.contains("printed as <3.4 µmol/L"))
        );
    }
}
