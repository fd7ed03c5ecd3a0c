//! Dates as a US reader reads them: "Oct 15, 2021", and a date known only in part as far as it
//! is known ("late Aug 2021", "Aug 2021", "2021"). English text that leaves the family's hands
//! (summaries, letters, e-mail bodies, intake answers) says dates this way — a month's name
//! reads the same to every English reader, where "10/15/2021" would not; Chinese text keeps
//! the written form (`2021-10-15`, `2021-08下旬`), and what a machine reads (file names, CSVs,
//! manifests, `--json`) keeps ISO 8601 ([`CaseDate::in_lang`], its `Display`).

use chrono::NaiveDate;

use crate::date::{CaseDate, MonthPart, Precision};
use crate::text::Lang;

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
