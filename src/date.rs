//! Dates as a family knows them: a day, or only a year, a month, or part of a month
//! ("2021-07 early", "2021-07上旬"), or not at all (`"unknown"`, 不详). They print as written;
//! computations that need a day use the first day of the period written (see [`CaseDate::day`])
//! and say so; a date not known is never computed with ([`CaseDate::is_unknown`]).

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::text::{Lang, Text};

/// A date exactly, approximately or not known. Orders by where it can be placed
/// ([`CaseDate::placed`]): an approximate date never before an exact one it could follow, an
/// exact date before an approximate one placed on the same day, a date placed by the entry it
/// came before just before that entry, a date not known and not placed at the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CaseDate {
    /// The first day of the period written; for a date not known, [`NaiveDate::MIN`].
    day: NaiveDate,
    precision: Precision,
    /// The place of the entry the family says this one came after (`after = "TACE-2"`).
    follows: Option<NaiveDate>,
    /// The place of the entry the family says this one came before (`before = "TACE-1"`).
    precedes: Option<NaiveDate>,
}

impl Ord for CaseDate {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        let key = |d: &Self| {
            (
                d.placed(),
                d.slot(),
                d.day,
                d.precision,
                d.follows,
                d.precedes,
            )
        };
        key(self).cmp(&key(other))
    }
}

impl PartialOrd for CaseDate {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// How much of a date is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Precision {
    Day,
    /// A third of a month: days 1–10, 11–20, 21 to the end (上旬 / 中旬 / 下旬).
    MonthPart(MonthPart),
    Month,
    Year,
    /// Not known at all (`"unknown"`, 不详): only its order, where `after`/`before` say it.
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MonthPart {
    Early,
    Mid,
    Late,
}

impl MonthPart {
    /// The spellings accepted after a year-month, English and Chinese.
    const WORDS: &'static [(&'static str, MonthPart)] = &[
        ("early", MonthPart::Early),
        ("上旬", MonthPart::Early),
        ("初", MonthPart::Early),
        ("mid", MonthPart::Mid),
        ("middle", MonthPart::Mid),
        ("中旬", MonthPart::Mid),
        ("late", MonthPart::Late),
        ("下旬", MonthPart::Late),
        ("底", MonthPart::Late),
        ("末", MonthPart::Late),
    ];

    fn first_day(self) -> u32 {
        match self {
            MonthPart::Early => 1,
            MonthPart::Mid => 11,
            MonthPart::Late => 21,
        }
    }

    fn word(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (MonthPart::Early, Lang::Zh) => "上旬",
            (MonthPart::Mid, Lang::Zh) => "中旬",
            (MonthPart::Late, Lang::Zh) => "下旬",
            (MonthPart::Early, Lang::En) => " early",
            (MonthPart::Mid, Lang::En) => " mid",
            (MonthPart::Late, Lang::En) => " late",
        }
    }
}

impl CaseDate {
    /// The words that say a date is not known (`date = "unknown"`), English and Chinese.
    pub const UNKNOWN_WORDS: &'static [&'static str] =
        &["unknown", "not known", "不详", "不清楚", "未知"];

    /// An exact date.
    pub fn exact(day: NaiveDate) -> Self {
        Self::within(day, Precision::Day)
    }

    /// A date not known: placed only by `after`/`before`, else after every dated event.
    pub fn unknown() -> Self {
        Self::within(NaiveDate::MIN, Precision::Unknown)
    }

    fn within(day: NaiveDate, precision: Precision) -> Self {
        Self {
            day,
            precision,
            follows: None,
            precedes: None,
        }
    }

    /// Whether `written` says the date is not known ("unknown", "不详").
    pub fn says_unknown(written: &str) -> bool {
        Self::UNKNOWN_WORDS.contains(&written.trim().to_lowercase().as_str())
    }

    /// Where the date is placed among others, in timelines and lists: the day itself when
    /// exact; else just after the entry it is said to follow, or just before the entry it is
    /// said to precede (within its period); else the last day of its period, so that it never
    /// comes before an event it could follow (a date not known: after everything).
    pub fn placed(self) -> NaiveDate {
        match (self.precision, self.follows.or(self.precedes)) {
            (Precision::Day, _) => self.day,
            (_, Some(anchor)) => anchor.max(self.day()).min(self.last_day()),
            (_, None) => self.last_day(),
        }
    }

    /// Among dates placed on one day: one placed before an entry first, then exact dates,
    /// then approximate ones.
    fn slot(self) -> u8 {
        match (self.precision, self.follows, self.precedes) {
            (Precision::Day, _, _) => 1,
            (_, None, Some(precedes)) if precedes <= self.last_day() => 0,
            _ => 2,
        }
    }

    /// The same date, said to come after an entry dated `earlier`; `None` when it cannot
    /// (its whole period lies before that entry's).
    pub fn following(self, earlier: CaseDate) -> Option<CaseDate> {
        if self.last_day() < earlier.day() {
            return None;
        }
        Some(Self {
            follows: Some(earlier.placed()),
            ..self
        })
    }

    /// The same date, said to come before an entry dated `later`; `None` when it cannot
    /// (its whole period lies after that entry's).
    pub fn preceding(self, later: CaseDate) -> Option<CaseDate> {
        if self.day() > later.last_day() {
            return None;
        }
        Some(Self {
            precedes: Some(later.placed()),
            ..self
        })
    }

    /// For a timeline, with what is not known said: "2021, month not known",
    /// "Aug 2021, day not known" (2021-08（日期不详）), "date not known"; a part of a month or a
    /// day as the reader reads it ([`us_date`]).
    pub fn with_uncertainty(self, lang: Lang) -> String {
        self.uncertainty_after(ReaderDate::for_reader(self, lang), lang)
    }

    /// [`CaseDate::with_uncertainty`] with the date as written, ISO where it is a day
    /// ("2021-10-15", "2021-08, day not known"): for spreadsheets a program sorts and reads.
    pub fn written_with_uncertainty(self, lang: Lang) -> String {
        self.uncertainty_after(self.in_lang(lang), lang)
    }

    fn uncertainty_after(self, written: String, lang: Lang) -> String {
        match (self.precision, lang) {
            (Precision::Year, Lang::Zh) => format!("{written}年（月份不详）"),
            (Precision::Year, Lang::En) => format!("{written}, month not known"),
            (Precision::Month, Lang::Zh) => format!("{written}（日期不详）"),
            (Precision::Month, Lang::En) => format!("{written}, day not known"),
            _ => written,
        }
    }

    /// Reads `2021-07-06`, `2021-7-6`, `2021-07`, `2021`, `2021-07 early|mid|late`,
    /// `2021-07上旬|中旬|下旬` (also `初`, `底`, `末`). `None` when it is not such a date.
    pub fn parse(written: &str) -> Option<Self> {
        // Chinese forms: 2021年8月25日 (号), 2021年8月, 2021年8月底, 2021年.
        let written = written
            .trim()
            .to_lowercase()
            .replace(['年', '月'], "-")
            .trim_end_matches(['日', '号'])
            .trim_end_matches('-')
            .to_string();
        let (numbers, part) = match MonthPart::WORDS
            .iter()
            .find_map(|(word, part)| Some((written.strip_suffix(word)?, *part)))
        {
            Some((numbers, part)) => (numbers.trim_end_matches([' ', '-']), Some(part)),
            None => (written.as_str(), None),
        };
        let fields: Vec<&str> = numbers.split('-').collect();
        if fields
            .iter()
            .any(|f| f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()))
        {
            return None;
        }
        let number = |f: &str| f.parse::<u32>().ok();
        let year = fields[0]
            .parse::<i32>()
            .ok()
            .filter(|y| fields[0].len() == 4 && *y >= 1900)?;
        match (fields.as_slice(), part) {
            ([_], None) => Some(Self::within(
                NaiveDate::from_ymd_opt(year, 1, 1)?,
                Precision::Year,
            )),
            ([_, month], None) => Some(Self::within(
                NaiveDate::from_ymd_opt(year, number(month)?, 1)?,
                Precision::Month,
            )),
            ([_, month], Some(part)) => Some(Self::within(
                NaiveDate::from_ymd_opt(year, number(month)?, part.first_day())?,
                Precision::MonthPart(part),
            )),
            ([_, month, day], None) => Some(Self::exact(NaiveDate::from_ymd_opt(
                year,
                number(month)?,
                number(day)?,
            )?)),
            _ => None,
        }
    }

    /// The day computations use: the date itself, or the first day of the period written
    /// (2021 → 2021-01-01, 2021-07 → 2021-07-01, early/mid/late → the 1st, 11th, 21st). The
    /// earliest day makes a value as old as it can be, so a staleness check errs toward stale.
    /// A date not known counts from the entry it follows, else from [`NaiveDate::MIN`]: no
    /// computation may use it ([`CaseDate::is_unknown`]).
    pub fn day(self) -> NaiveDate {
        match self.precision {
            Precision::Unknown => self.follows.unwrap_or(self.day),
            _ => self.day,
        }
    }

    /// The last day the period written allows (the date itself when exact); for a date not
    /// known, the entry it precedes, else [`NaiveDate::MAX`].
    pub fn last_day(self) -> NaiveDate {
        let (y, m) = (self.day.year(), self.day.month());
        let end_of_month = || {
            let next = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
            NaiveDate::from_ymd_opt(next.0, next.1, 1)
                .and_then(|d| d.pred_opt())
                .unwrap_or(self.day)
        };
        match self.precision {
            Precision::Day => self.day,
            Precision::MonthPart(MonthPart::Early) => self.day + chrono::Days::new(9),
            Precision::MonthPart(MonthPart::Mid) => self.day + chrono::Days::new(9),
            Precision::MonthPart(MonthPart::Late) | Precision::Month => end_of_month(),
            Precision::Year => NaiveDate::from_ymd_opt(y, 12, 31).unwrap_or(self.day),
            Precision::Unknown => self.precedes.unwrap_or(NaiveDate::MAX),
        }
    }

    /// Whether a computation counts it before `day`: by the first day of its period; a date not
    /// known only when it is said to precede an entry before `day`.
    pub fn counts_before(self, day: NaiveDate) -> bool {
        if self.is_unknown() {
            self.last_day() < day
        } else {
            self.day() < day
        }
    }

    /// Days between two dates, counting a period by its nearest day: 0 when the periods
    /// overlap (an assessment of "2021-11" is as near as can be to a lab of 2021-11-10).
    pub fn days_apart(self, other: CaseDate) -> i64 {
        if self.last_day() < other.day() {
            (other.day() - self.last_day()).num_days()
        } else if other.last_day() < self.day() {
            (self.day() - other.last_day()).num_days()
        } else {
            0
        }
    }

    /// Whether either of two dates could be the earlier: their periods overlap and one of
    /// them is known only in part (or not at all).
    pub fn order_uncertain(self, other: CaseDate) -> bool {
        (self.is_approximate() || other.is_approximate()) && self.days_apart(other) == 0
    }

    /// Known only in part, or not at all.
    pub fn is_approximate(self) -> bool {
        self.precision != Precision::Day
    }

    /// Not known at all: printed "date not known", never used in a computation.
    pub fn is_unknown(self) -> bool {
        self.precision == Precision::Unknown
    }

    pub fn precision(self) -> Precision {
        self.precision
    }

    /// As written, in a reader's language (`2021-07 early`, `2021-07上旬`).
    pub fn in_lang(self, lang: Lang) -> String {
        let (y, m) = (self.day.year(), self.day.month());
        match self.precision {
            Precision::Day => self.day.format("%Y-%m-%d").to_string(),
            Precision::MonthPart(part) => format!("{y:04}-{m:02}{}", part.word(lang)),
            Precision::Month => format!("{y:04}-{m:02}"),
            Precision::Year => format!("{y:04}"),
            Precision::Unknown => lang.pick("日期不详", "date not known").to_string(),
        }
    }

    /// For file names: ASCII, no spaces (`2021-07-early`).
    pub fn in_file_name(self) -> String {
        self.in_lang(Lang::En).replace(' ', "-")
    }

    /// The flag a computation that used this date carries: what was written and the day used.
    pub fn approximation_flag(self, what: &Text) -> Option<Text> {
        if self.is_unknown() {
            return Some(Text::new(
                Some(format!("日期不详：{}", what.best(Lang::Zh))),
                Some(format!("date not known: {}", what.best(Lang::En))),
            ));
        }
        self.is_approximate().then(|| {
            Text::new(
                Some(format!(
                    "日期为约数：{} 的日期记为 {}，按 {} 计算",
                    what.best(Lang::Zh),
                    self.in_lang(Lang::Zh),
                    self.day
                )),
                Some(format!(
                    "approximate date: {} dated {}, counted as {}",
                    what.best(Lang::En),
                    us_date(self),
                    us_date(Self::exact(self.day))
                )),
            )
        })
    }
}

/// An exact date.
impl From<NaiveDate> for CaseDate {
    fn from(day: NaiveDate) -> CaseDate {
        CaseDate::exact(day)
    }
}

/// The day computations use ([`CaseDate::day`]).
impl From<CaseDate> for NaiveDate {
    fn from(date: CaseDate) -> NaiveDate {
        date.day
    }
}

impl std::fmt::Display for CaseDate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.in_lang(Lang::En))
    }
}

impl Serialize for CaseDate {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

// Dates as a US reader reads them: "Oct 15, 2021", and a date known only in part as far as it
// is known ("late Aug 2021", "Aug 2021", "2021"). English text that leaves the family's hands
// (summaries, letters, e-mail bodies, intake answers) says dates this way — a month's name
// reads the same to every English reader, where "10/15/2021" would not; Chinese text keeps
// the written form (`2021-10-15`, `2021-08下旬`), and what a machine reads (file names, CSVs,
// manifests, `--json`) keeps ISO 8601 ([`CaseDate::in_lang`], its `Display`).

/// A case date as a reader of `lang` reads it.
pub trait ReaderDate {
    fn for_reader(self, lang: Lang) -> String;
}

impl ReaderDate for CaseDate {
    fn for_reader(self, lang: Lang) -> String {
        match lang {
            Lang::Zh => self.in_lang(Lang::Zh),
            Lang::En => us_date(self),
        }
    }
}

impl ReaderDate for NaiveDate {
    fn for_reader(self, lang: Lang) -> String {
        CaseDate::exact(self).for_reader(lang)
    }
}

/// "Oct 15, 2021", "early Aug 2021", "Aug 2021", "2021", "date not known".
pub fn us_date(date: CaseDate) -> String {
    let day = date.day();
    match date.precision() {
        Precision::Day => day.format("%b %-d, %Y").to_string(),
        Precision::MonthPart(part) => {
            let part = match part {
                MonthPart::Early => "early",
                MonthPart::Mid => "mid",
                MonthPart::Late => "late",
            };
            format!("{part} {}", day.format("%b %Y"))
        }
        Precision::Month => day.format("%b %Y").to_string(),
        Precision::Year => day.format("%Y").to_string(),
        Precision::Unknown => date.in_lang(Lang::En),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn every_written_form_reads_and_prints_as_written() {
        for (written, en, zh, first) in [
            ("2021-07-06", "2021-07-06", "2021-07-06", "2021-07-06"),
            ("2021-7-6", "2021-07-06", "2021-07-06", "2021-07-06"),
            ("2021-07", "2021-07", "2021-07", "2021-07-01"),
            ("2021", "2021", "2021", "2021-01-01"),
            (
                "2021-07 early",
                "2021-07 early",
                "2021-07上旬",
                "2021-07-01",
            ),
            ("2021-07 Mid", "2021-07 mid", "2021-07中旬", "2021-07-11"),
            ("2021-08 late", "2021-08 late", "2021-08下旬", "2021-08-21"),
            ("2021-07上旬", "2021-07 early", "2021-07上旬", "2021-07-01"),
            ("2021-07 中旬", "2021-07 mid", "2021-07中旬", "2021-07-11"),
            ("2021-08下旬", "2021-08 late", "2021-08下旬", "2021-08-21"),
            ("2021-07初", "2021-07 early", "2021-07上旬", "2021-07-01"),
            ("2021-08底", "2021-08 late", "2021-08下旬", "2021-08-21"),
            ("2021年8月25日", "2021-08-25", "2021-08-25", "2021-08-25"),
            ("2021年8月25号", "2021-08-25", "2021-08-25", "2021-08-25"),
            ("2021年8月", "2021-08", "2021-08", "2021-08-01"),
            ("2021年8月底", "2021-08 late", "2021-08下旬", "2021-08-21"),
            (
                "2021年8月上旬",
                "2021-08 early",
                "2021-08上旬",
                "2021-08-01",
            ),
            ("2021年", "2021", "2021", "2021-01-01"),
        ] {
            let date = CaseDate::parse(written).unwrap_or_else(|| panic!("{written}"));
            assert_eq!(date.in_lang(Lang::En), en, "{written}");
            assert_eq!(date.in_lang(Lang::Zh), zh, "{written}");
            assert_eq!(date.day(), day(first), "{written}");
            assert_eq!(date.is_approximate(), en != first, "{written}");
        }
    }

    #[test]
    fn last_days_close_each_period() {
        for (written, last) in [
            ("2021", "2021-12-31"),
            ("2020-02", "2020-02-29"),
            ("2021-12 late", "2021-12-31"),
            ("2021-07 early", "2021-07-10"),
            ("2021-07 mid", "2021-07-20"),
            ("2021-07-06", "2021-07-06"),
        ] {
            assert_eq!(
                CaseDate::parse(written).unwrap().last_day(),
                day(last),
                "{written}"
            );
        }
    }

    #[test]
    fn periods_are_as_near_as_their_nearest_days() {
        let p = |s: &str| CaseDate::parse(s).unwrap();
        assert_eq!(p("2021-11").days_apart(p("2021-11-10")), 0);
        assert_eq!(p("2021-11-10").days_apart(p("2021-11")), 0);
        assert_eq!(p("2021-10 late").days_apart(p("2021-11-03")), 3);
        assert_eq!(p("2021-11-03").days_apart(p("2021-10-20")), 14);
    }

    #[test]
    fn nonsense_is_not_a_date() {
        for bad in [
            "",
            "21-07",
            "2021-13",
            "2021-02-30",
            "2021-07-06 early",
            "early",
            "2021 early",
            "2021/07",
            "July 2021",
            "1850",
            "2021-07 soon",
            "8月底",
            "2021年13月",
        ] {
            assert_eq!(CaseDate::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn an_approximate_date_never_comes_before_what_it_could_follow() {
        let p = |s: &str| CaseDate::parse(s).unwrap();
        // A drug of "2021" after the diagnosis of 2021-06 and both TACEs.
        assert!(p("2021") > p("2021-06-18") && p("2021") > p("2021-08-27"));
        assert!(p("2021-07-01") < p("2021-07 mid") && p("2021-07 mid") < p("2021-07"));
        assert!(
            p("2021-07-31") < p("2021-07"),
            "exact first on the same day"
        );
        assert!(p("2021") < p("2022-01-01"));
        // Said to follow TACE-2: just after it, before a later exact event.
        let after = p("2021").following(p("2021-08-27")).unwrap();
        assert!(after > p("2021-08-27") && after < p("2021-09-20"));
        assert_eq!(after.in_lang(Lang::En), "2021");
        assert_eq!(p("2020").following(p("2021-08-27")), None);
        assert_eq!(
            p("2021").with_uncertainty(Lang::En),
            "2021, month not known"
        );
        assert_eq!(
            p("2021-08").with_uncertainty(Lang::Zh),
            "2021-08（日期不详）"
        );
        assert_eq!(
            p("2021-08 late").with_uncertainty(Lang::En),
            "late Aug 2021"
        );
        assert_eq!(
            p("2021-08").with_uncertainty(Lang::En),
            "Aug 2021, day not known"
        );
        assert_eq!(
            p("2021-08").written_with_uncertainty(Lang::En),
            "2021-08, day not known"
        );
        assert_eq!(
            p("2021-10-15").written_with_uncertainty(Lang::En),
            "2021-10-15"
        );
    }

    #[test]
    fn a_date_before_an_entry_is_placed_just_before_it() {
        let p = |s: &str| CaseDate::parse(s).unwrap();
        let tace1 = p("2021-07-05");
        let before = p("2021").preceding(tace1).unwrap();
        assert!(before < tace1 && before > p("2021-06-18"), "{before:?}");
        assert_eq!(before.with_uncertainty(Lang::En), "2021, month not known");
        // A period wholly after the entry cannot precede it; one wholly before is unmoved.
        assert_eq!(p("2022").preceding(tace1), None);
        assert_eq!(
            p("2020").preceding(tace1).unwrap().placed(),
            p("2020").placed()
        );
    }

    #[test]
    fn a_date_not_known_goes_last_unless_placed_and_is_never_a_day() {
        let p = |s: &str| CaseDate::parse(s).unwrap();
        let unknown = CaseDate::unknown();
        assert!(unknown > p("2026-12-31") && unknown > p("2021"));
        assert_eq!(unknown.in_lang(Lang::En), "date not known");
        assert_eq!(unknown.with_uncertainty(Lang::Zh), "日期不详");
        assert!(unknown.is_unknown() && unknown.is_approximate());
        for word in ["unknown", "Not known", "不详", " 不清楚 "] {
            assert!(CaseDate::says_unknown(word), "{word}");
        }
        assert!(!CaseDate::says_unknown("2021"));
        assert_eq!(CaseDate::parse("unknown"), None);

        let (tace1, tace2, mri) = (p("2021-07-05"), p("2021-08-27"), p("2021-10-15"));
        let after = unknown.following(tace1).unwrap();
        assert!(after > tace1 && after < tace2, "{after:?}");
        let before = unknown.preceding(tace2).unwrap();
        assert!(before > tace1 && before < tace2, "{before:?}");
        let between = after.preceding(tace2).unwrap();
        assert!(between > tace1 && between < tace2);
        assert_eq!(after.following(tace2).unwrap().preceding(tace1), None);
        // Its order against anything in its period is not known; a computation never counts it
        // before a day unless it precedes an entry before that day.
        assert!(after.order_uncertain(mri) && between.order_uncertain(p("2021-08-01")));
        assert!(!between.order_uncertain(mri));
        assert!(!after.counts_before(mri.day()) && between.counts_before(mri.day()));
    }

    #[test]
    fn the_flag_names_what_was_written_and_the_day_used() {
        let date = CaseDate::parse("2021-07上旬").unwrap();
        let flag = date.approximation_flag(&Text::plain("TACE")).unwrap();
        assert_eq!(
            flag.best(Lang::En),
            "approximate date: TACE dated early Jul 2021, counted as Jul 1, 2021"
        );
        assert!(
            CaseDate::parse("2021-07-06")
                .unwrap()
                .approximation_flag(&Text::plain("x"))
                .is_none()
        );
    }

    #[test]
    fn every_precision_reads_the_us_way() {
        for (written, us) in [
            ("2021-10-15", "Oct 15, 2021"),
            ("2021-09-05", "Sep 5, 2021"),
            ("2021-08 early", "early Aug 2021"),
            ("2021-08中旬", "mid Aug 2021"),
            ("2021年8月底", "late Aug 2021"),
            ("2021-08", "Aug 2021"),
            ("2021", "2021"),
        ] {
            let date = CaseDate::parse(written).unwrap();
            assert_eq!(date.for_reader(Lang::En), us, "{written}");
            assert_eq!(
                date.for_reader(Lang::Zh),
                date.in_lang(Lang::Zh),
                "{written}"
            );
        }
        assert_eq!(CaseDate::unknown().for_reader(Lang::En), "date not known");
        assert_eq!(CaseDate::unknown().for_reader(Lang::Zh), "日期不详");
    }
}
