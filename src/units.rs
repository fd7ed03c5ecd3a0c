//! Lab values in the reader's units: one unit convention per document (the summary's tables,
//! page one, the criteria inputs and the flags that quote a value). A value printed in
//! another unit is converted exactly (`lab::convert`, the factors of clinical-calculators.md
//! §0.1), rounded half-up to its analyte's usual precision (`lab::display_decimals`), and
//! followed by the value as the sheet printed it: "22.2 µmol/L（1.3 mg/dL）". A value with no
//! fixed conversion (AFP in IU/mL, HBV DNA in copies/mL) is shown as printed, with its unit.

use rust_decimal::RoundingStrategy;

use crate::case::model::{Measured, Qualifier};
use crate::lab::{Analyte, Unit, UnitSystem, convert, display_decimals};
use crate::text::Lang;

/// A printed value as a reader of `unit` reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InUnit {
    /// The number with its `<` or `>`: `22.2`, `<0.2`.
    pub number: String,
    /// The unit `number` is in: the reader's, or the printed one when none converts.
    pub unit: Unit,
    /// The value and unit as printed, when `number` is not the printed number: `1.3 mg/dL`.
    pub printed: Option<String>,
}

/// `measured` in `unit`. The same number under another name (mmol/L and mEq/L, ×10⁹/L and
/// ×10³/µL) is not a conversion: it is shown as printed, in `unit`, without brackets.
pub fn in_unit(analyte: Analyte, measured: &Measured, unit: Unit) -> InUnit {
    let as_printed = || InUnit {
        number: measured.shown(),
        unit: measured.unit,
        printed: None,
    };
    if measured.unit == unit {
        return as_printed();
    }
    let Some(value) = convert(analyte, measured.value, measured.unit, unit) else {
        return as_printed();
    };
    if value == measured.value {
        return InUnit {
            unit,
            ..as_printed()
        };
    }
    let decimals = display_decimals(analyte, unit);
    let mut rounded =
        value.round_dp_with_strategy(decimals, RoundingStrategy::MidpointAwayFromZero);
    rounded.rescale(decimals);
    let sign = match measured.qualifier {
        Qualifier::Exact => "",
        Qualifier::Below => "<",
        Qualifier::Above => ">",
    };
    InUnit {
        number: format!("{sign}{rounded}"),
        unit,
        printed: Some(with_symbol(&measured.shown(), measured.unit)),
    }
}

/// `measured` in the units readers of `lang` use by default (SI in Chinese, US conventional in
/// English): for text made once for both languages, such as a criterion's flags.
pub fn for_language(analyte: Analyte, measured: &Measured, lang: Lang) -> InUnit {
    in_unit(
        analyte,
        measured,
        analyte.display_unit(UnitSystem::for_language(lang)),
    )
}

impl InUnit {
    /// Whether the number shown is not the number printed.
    pub fn converted(&self) -> bool {
        self.printed.is_some()
    }

    /// For a table cell whose column names the unit: `22.2（1.3 mg/dL）`; a value left in
    /// another unit than `column` carries its own: `35 IU/mL`.
    pub fn in_column(&self, column: Unit, lang: Lang) -> String {
        let number = if self.unit == column {
            self.number.clone()
        } else {
            with_symbol(&self.number, self.unit)
        };
        bracketed(number, self.printed.as_deref(), lang)
    }

    /// With its unit: `22.2 µmol/L（1.3 mg/dL）`, `1.12` (INR has none).
    pub fn with_unit(&self, lang: Lang) -> String {
        bracketed(
            with_symbol(&self.number, self.unit),
            self.printed.as_deref(),
            lang,
        )
    }
}

/// A number and its unit; INR's "ratio" is not written.
pub fn with_symbol(number: &str, unit: Unit) -> String {
    if unit == Unit::Ratio {
        number.to_string()
    } else {
        format!("{number} {}", unit.symbol())
    }
}

/// `text` followed by `printed` in brackets, in the reader's punctuation.
fn bracketed(text: String, printed: Option<&str>, lang: Lang) -> String {
    match (printed, lang) {
        (None, _) => text,
        (Some(p), Lang::Zh) => format!("{text}（{p}）"),
        (Some(p), Lang::En) => format!("{text} ({p})"),
    }
}

/// A printed reference range (`3.4-20.5`, `<8.1`, `>60`) for a column in `column`: as printed
/// when in that unit, else each limit converted as values are, with the range as printed in
/// brackets: `0.2-1.2 (3.4-20.5 µmol/L)`. A range of another form, or that does not convert,
/// is shown as printed with its unit.
pub fn range_in_column(
    analyte: Analyte,
    range: &str,
    printed_in: Unit,
    column: Unit,
    lang: Lang,
) -> String {
    if printed_in == column {
        return range.to_string();
    }
    let limit = |text: &str| -> Option<InUnit> {
        let measured = Measured {
            value: text.trim().parse().ok()?,
            qualifier: Qualifier::Exact,
            unit: printed_in,
            printed: None,
        };
        Some(in_unit(analyte, &measured, column)).filter(|shown| shown.unit == column)
    };
    let normalized = range.trim().replace(['–', '—', '~', '～'], "-");
    let converted = ['<', '≤', '>', '≥']
        .iter()
        .find_map(|&prefix| {
            let rest = normalized.strip_prefix(prefix)?;
            Some(limit(rest).map(|l| (format!("{prefix}{}", l.number), l.converted())))
        })
        .unwrap_or_else(|| {
            let (low, high) = normalized.split_once('-')?;
            let (low, high) = (limit(low)?, limit(high)?);
            let changed = low.converted() || high.converted();
            Some((format!("{}-{}", low.number, high.number), changed))
        });
    let as_printed = with_symbol(range.trim(), printed_in);
    match converted {
        Some((shown, true)) => bracketed(shown, Some(&as_printed), lang),
        Some((shown, false)) => shown,
        None => as_printed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Analyte::*;

    fn measured(value: &str, unit: Unit) -> Measured {
        Measured {
            value: value.parse().unwrap(),
            qualifier: Qualifier::Exact,
            unit,
            printed: None,
        }
    }

    fn shown(value: &str, from: Unit, to: Unit, analyte: Analyte, lang: Lang) -> String {
        in_unit(analyte, &measured(value, from), to).with_unit(lang)
    }

    #[test]
    fn converted_values_are_rounded_half_up_with_the_printed_value_beside_them() {
        use Unit::*;
        assert_eq!(
            shown("1.3", MgPerDl, MicromolPerL, Bilirubin, Lang::Zh),
            "22.2 µmol/L（1.3 mg/dL）"
        );
        assert_eq!(
            shown("20.52", MicromolPerL, MgPerDl, Bilirubin, Lang::En),
            "1.2 mg/dL (20.52 µmol/L)"
        );
        // 17.8 / 17.1 = 1.0409…: one decimal, the trailing zero kept.
        assert_eq!(
            shown("17.8", MicromolPerL, MgPerDl, Bilirubin, Lang::En),
            "1.0 mg/dL (17.8 µmol/L)"
        );
        assert_eq!(
            shown("3.4", GPerDl, GPerL, Albumin, Lang::Zh),
            "34 g/L（3.4 g/dL）"
        );
        assert_eq!(
            shown("38.6", GPerL, GPerDl, Albumin, Lang::En),
            "3.9 g/dL (38.6 g/L)"
        );
        // 0.95 × 88.4 = 83.98; 76 / 88.4 = 0.8597…
        assert_eq!(
            shown("0.95", MgPerDl, MicromolPerL, Creatinine, Lang::Zh),
            "84 µmol/L（0.95 mg/dL）"
        );
        assert_eq!(
            shown("76", MicromolPerL, MgPerDl, Creatinine, Lang::En),
            "0.86 mg/dL (76 µmol/L)"
        );
        // Half-up, not to even: 12.25 g/dL is 122.5 g/L, shown as 123 (hemoglobin 0 dp).
        assert_eq!(
            shown("12.25", GPerDl, GPerL, Hemoglobin, Lang::En),
            "123 g/L (12.25 g/dL)"
        );
    }

    #[test]
    fn the_same_number_under_another_name_and_unconvertible_values_are_as_printed() {
        use Unit::*;
        assert_eq!(
            shown("4.5", E9PerL, E3PerMicroL, Wbc, Lang::En),
            "4.5 ×10³/µL"
        );
        assert_eq!(
            shown("140", MmolPerL, MeqPerL, Sodium, Lang::En),
            "140 mEq/L"
        );
        assert_eq!(shown("35", IuPerMl, NgPerMl, Afp, Lang::En), "35 IU/mL");
        assert_eq!(
            in_unit(Afp, &measured("35", IuPerMl), NgPerMl).in_column(NgPerMl, Lang::En),
            "35 IU/mL"
        );
        assert_eq!(shown("1.21", Ratio, Ratio, Inr, Lang::Zh), "1.21");
        let below = Measured {
            qualifier: Qualifier::Below,
            ..measured("3.4", MicromolPerL)
        };
        assert_eq!(
            in_unit(Bilirubin, &below, MgPerDl).in_column(MgPerDl, Lang::En),
            "<0.2 (<3.4 µmol/L)"
        );
    }

    #[test]
    fn ranges_in_another_unit_keep_the_printed_range_beside_them() {
        use Unit::*;
        let range = |r: &str, from, to, analyte| range_in_column(analyte, r, from, to, Lang::En);
        assert_eq!(
            range("3.4-20.5", MicromolPerL, MgPerDl, Bilirubin),
            "0.2-1.2 (3.4-20.5 µmol/L)"
        );
        assert_eq!(range("<52", GPerL, GPerDl, Albumin), "<5.2 (<52 g/L)");
        assert_eq!(range("0.8-1.2", Ratio, Ratio, Inr), "0.8-1.2");
        assert_eq!(range("125-350", E9PerL, E3PerMicroL, Platelets), "125-350");
        assert_eq!(range("see sheet", GPerL, GPerDl, Albumin), "see sheet g/L");
    }
}
