//! Where a line of mixed Chinese and English may end: the Unicode line-breaking algorithm
//! (UAX #14), which already keeps closing punctuation (，。、；：？！）》」) off the start of a
//! line, opening punctuation off its end, and numbers such as "<5.0" and "2021-07-06" whole;
//! tailored, as UAX #14 allows, to keep units whole ("10^9/L", "ng/mL"), and to break only
//! when nothing else fits between a word and the number after it ("RECIST 1.1", "ECOG 0") or
//! a number and its unit ("28 mm", "12.4 ng/mL"): a column too narrow for "20.52 µmol/L"
//! breaks it at its space rather than between letters.

use unicode_linebreak::{BreakOpportunity, linebreaks};

/// A place where a line may end: the byte offset the next line would start at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Break {
    pub at: usize,
    /// A line feed: the line must end here.
    pub mandatory: bool,
    /// A break taken only when the line has no other way to fit.
    pub discouraged: bool,
    /// Between a number and its unit: of the discouraged breaks, taken last.
    pub unit: bool,
}

/// The break opportunities of `text`, in order; the last is always at the end of the text.
pub fn breaks(text: &str) -> Vec<Break> {
    linebreaks(text)
        .filter_map(|(at, kind)| {
            let mandatory = kind == BreakOpportunity::Mandatory;
            let tailored = if mandatory {
                Tailored::Kept
            } else {
                tailor(text, at)
            };
            (tailored != Tailored::Removed).then_some(Break {
                at,
                mandatory,
                discouraged: matches!(tailored, Tailored::Discouraged | Tailored::Unit),
                unit: tailored == Tailored::Unit,
            })
        })
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tailored {
    Kept,
    Discouraged,
    /// Discouraged most: between a number and its unit.
    Unit,
    Removed,
}

/// What the tailoring makes of the break UAX #14 allows at `at`.
fn tailor(text: &str, at: usize) -> Tailored {
    let (before, after) = text.split_at(at);
    if let Some(before) = before.strip_suffix('/') {
        // "ng/mL", "10^9/L": a slash between letters or digits is part of a unit.
        let alphanumeric = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
        return if alphanumeric(before.chars().next_back()) && alphanumeric(after.chars().next()) {
            Tailored::Removed
        } else {
            Tailored::Kept
        };
    }
    let Some(before) = before.strip_suffix(' ') else {
        return Tailored::Kept;
    };
    let previous = before.chars().next_back();
    let next = after.chars().next();
    match (previous, next) {
        // "Oct 15, 2021": a US date is one piece, like 2021-10-15.
        (Some(','), Some(_)) if ends_with_month_and_day(before) && starts_with_year(after) => {
            Tailored::Unit
        }
        // "RECIST 1.1", "ECOG 0", "Child-Pugh A 5" keep the word with its number.
        (Some(p), Some(n)) if p.is_ascii_alphabetic() && n.is_ascii_digit() => {
            Tailored::Discouraged
        }
        // "28 mm", "30 mg,", "26 mm（", "150-400 ×10^9/L", "30 天" keep the number with a
        // short unit, whatever punctuation follows the unit.
        (Some(p), Some(_)) if p.is_ascii_digit() && starts_with_unit(after) => Tailored::Unit,
        _ => Tailored::Kept,
    }
}

/// Whether `text` ends with a month's abbreviation and a day and comma: "Oct 15,".
fn ends_with_month_and_day(text: &str) -> bool {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let Some(text) = text.strip_suffix(',') else {
        return false;
    };
    let day_at = text.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    let (month, day) = text.split_at(day_at);
    (1..=2).contains(&day.len())
        && month
            .strip_suffix(' ')
            .is_some_and(|m| MONTHS.iter().any(|name| m.ends_with(name)))
}

/// Whether `text` starts with a four-digit year that ends where a word would.
fn starts_with_year(text: &str) -> bool {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    digits == 4 && !text[4..].starts_with(|c: char| c.is_alphanumeric())
}

/// Units written in Chinese after a number: days, years of age, weeks, months, times.
const CHINESE_UNITS: [&str; 6] = ["天", "岁", "周", "个月", "次", "年"];

/// Whether `text` starts with a short unit ("mm", "ng/mL", "×10^9/L", "%", "天") that ends
/// where a word would: at a space, punctuation, a Chinese character or the end.
fn starts_with_unit(text: &str) -> bool {
    if CHINESE_UNITS.iter().any(|unit| text.starts_with(unit)) {
        return true;
    }
    let mut chars = text.char_indices();
    let Some((_, first)) = chars.next() else {
        return false;
    };
    if !(first.is_ascii_alphabetic() || "µμ%‰°℃×".contains(first)) {
        return false;
    }
    let end = chars
        .find(|(_, c)| !(c.is_ascii_alphanumeric() || "µμ/^".contains(*c)))
        .map_or(text.len(), |(at, _)| at);
    let unit = &text[..end];
    // A word of up to six letters after a number is taken for a unit; longer ones only when
    // they are built like units ("µmol/L", "×10^9/L").
    let length = unit.chars().count();
    let built = unit.contains('/') || unit.starts_with('×');
    (length <= 6 || (built && length <= 9)) && !unit.ends_with('/')
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The pieces between break opportunities the tailoring does not discourage.
    fn pieces(text: &str) -> Vec<&str> {
        let mut start = 0;
        breaks(text)
            .into_iter()
            .filter(|b| !b.discouraged)
            .map(|b| {
                let piece = &text[start..b.at];
                start = b.at;
                piece
            })
            .collect()
    }

    #[test]
    fn chinese_breaks_between_ideographs_but_not_before_closing_punctuation() {
        assert_eq!(pieces("肝功能，正常。"), ["肝", "功", "能，", "正", "常。"]);
        assert_eq!(pieces("（肝）"), ["（肝）"]);
    }

    #[test]
    fn numbers_dates_and_comparisons_stay_whole() {
        for whole in [
            "<5.0",
            "2021-07-06",
            "10^9/L",
            "1.73",
            "mL/min",
            "Oct 15, 2021",
        ] {
            assert_eq!(pieces(whole), [whole]);
        }
        // A comma between numbers that are not a date still breaks.
        assert_eq!(pieces("15, 2021 mm"), ["15, ", "2021 mm"]);
    }

    #[test]
    fn words_stay_with_their_numbers_and_numbers_with_their_units() {
        assert_eq!(
            pieces("per RECIST 1.1 criteria"),
            ["per ", "RECIST 1.1 ", "criteria"]
        );
        assert_eq!(pieces("grew to 28 mm"), ["grew ", "to 28 mm"]);
        assert_eq!(pieces("AFP 112 ng/mL"), ["AFP 112 ng/mL"]);
        let discouraged: Vec<usize> = breaks("20.52 µmol/L")
            .iter()
            .filter(|b| b.discouraged)
            .map(|b| b.at)
            .collect();
        assert_eq!(discouraged, [6], "only the space, never inside the unit");
        // Punctuation or Chinese after the unit, and units that are not letters alone.
        for glued in [
            "epirubicin 30 mg, gelatin",
            "总和 26 mm（基线",
            "150-400 ×10^9/L",
            "已过时（> 30 天）",
            "sum 24 mm; source",
        ] {
            let number_end = glued
                .char_indices()
                .rfind(|(_, c)| c.is_ascii_digit())
                .map(|(at, _)| at + 1)
                .unwrap();
            let at_space = breaks(glued).into_iter().find(|b| b.at == number_end + 1);
            assert!(
                at_space.is_none_or(|b| b.discouraged),
                "`{glued}` may break after its number"
            );
        }
    }

    #[test]
    fn line_feeds_are_mandatory_breaks() {
        let found = breaks("a\nb");
        assert_eq!(
            found[0],
            Break {
                at: 2,
                mandatory: true,
                discouraged: false,
                unit: false,
            }
        );
        assert_eq!(found.last().map(|b| b.at), Some(3));
    }
}
