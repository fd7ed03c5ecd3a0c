//! Chart arithmetic shared by the line chart and the timeline: mapping values to positions,
//! round tick values, month-aligned date ticks, and staggering labels so they do not overlap.

use chrono::{Datelike, Duration, NaiveDate};

/// Maps values in `domain` linearly onto positions in `range`.
#[derive(Debug, Clone, Copy)]
pub struct Linear {
    pub domain: (f64, f64),
    pub range: (f32, f32),
}

impl Linear {
    pub fn map(&self, value: f64) -> f32 {
        let (d0, d1) = self.domain;
        let t = if d1 > d0 {
            (value - d0) / (d1 - d0)
        } else {
            0.5
        };
        self.range.0 + (self.range.1 - self.range.0) * t as f32
    }
}

/// Days since the common era, so dates can be mapped like numbers.
pub fn day_number(date: NaiveDate) -> f64 {
    f64::from(date.num_days_from_ce())
}

/// Evenly spaced round values: `start`, `start + step`, … `intervals` steps on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ticks {
    pub start: f64,
    pub step: f64,
    pub intervals: usize,
}

impl Ticks {
    /// Round ticks covering `low..=high` in about `target` intervals; zero is included when
    /// the values are all positive, so bars of different series compare honestly.
    pub fn covering(low: f64, high: f64, target: usize) -> Self {
        let (low, high) = widen(low.min(0.0), high);
        let step = nice_step((high - low) / target.max(1) as f64);
        let start = (low / step).floor() * step;
        let intervals = ((high - start) / step - 1e-9).ceil().max(1.0) as usize;
        Self {
            start,
            step,
            intervals,
        }
    }

    /// Round ticks covering `low..=high` in exactly `intervals` intervals, so a second axis
    /// can share the first one's grid lines.
    pub fn covering_in(low: f64, high: f64, intervals: usize) -> Self {
        let (low, high) = widen(low.min(0.0), high);
        let intervals = intervals.max(1);
        let mut step = nice_step((high - low) / intervals as f64);
        loop {
            let start = (low / step).floor() * step;
            if start + step * intervals as f64 >= high - 1e-9 {
                return Self {
                    start,
                    step,
                    intervals,
                };
            }
            step = nice_step(step * 1.01);
        }
    }

    pub fn end(&self) -> f64 {
        self.start + self.step * self.intervals as f64
    }

    pub fn values(&self) -> impl Iterator<Item = f64> + '_ {
        (0..=self.intervals).map(|i| self.start + self.step * i as f64)
    }

    /// A tick value with as many decimals as the step needs.
    pub fn label(&self, value: f64) -> String {
        let decimals = (0..6)
            .find(|&d| {
                let scaled = self.step * 10f64.powi(d);
                (scaled - scaled.round()).abs() < 1e-6
            })
            .unwrap_or(6) as usize;
        let text = format!("{value:.decimals$}");
        // "-0" reads oddly on an axis.
        if text
            .trim_start_matches('-')
            .chars()
            .all(|c| c == '0' || c == '.')
        {
            text.trim_start_matches('-').to_string()
        } else {
            text
        }
    }
}

/// Gives an empty range some height so a flat series still has an axis.
fn widen(low: f64, high: f64) -> (f64, f64) {
    if high > low {
        (low, high)
    } else {
        (low, low + high.abs().max(1.0))
    }
}

/// The smallest of 1, 2, 2.5, 5 × 10ⁿ that is at least `raw`.
fn nice_step(raw: f64) -> f64 {
    let raw = if raw.is_finite() && raw > 0.0 {
        raw
    } else {
        1.0
    };
    let magnitude = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|&step| step >= raw * (1.0 - 1e-9))
        .unwrap_or(10.0 * magnitude)
}

/// Date ticks between `first` and `last`: the first of every n-th month (labelled "2019-07",
/// or "2019" for yearly ticks), or every n-th day ("07-06") for spans under two months.
pub fn date_ticks(first: NaiveDate, last: NaiveDate, max_ticks: usize) -> Vec<(NaiveDate, String)> {
    let max_ticks = max_ticks.max(2);
    let months = month_index(last) - month_index(first);
    if months >= 2 {
        let step = [1, 2, 3, 6, 12, 24, 60, 120]
            .into_iter()
            .find(|step| months / step < max_ticks as i32)
            .unwrap_or(240);
        return (month_index(first)..=month_index(last) + 1)
            .filter(|index| index.rem_euclid(step) == 0)
            .filter_map(|index| {
                NaiveDate::from_ymd_opt(index.div_euclid(12), index.rem_euclid(12) as u32 + 1, 1)
            })
            .filter(|date| (first..=last).contains(date))
            .map(|date| {
                let label = if step >= 12 {
                    date.format("%Y").to_string()
                } else {
                    date.format("%Y-%m").to_string()
                };
                (date, label)
            })
            .collect();
    }
    let days = (last - first).num_days().max(1);
    let step = [1, 2, 7, 14]
        .into_iter()
        .find(|step| days / step < max_ticks as i64)
        .unwrap_or(28);
    (0..=days / step)
        .map(|i| first + Duration::days(i * step))
        .map(|date| (date, date.format("%m-%d").to_string()))
        .collect()
}

fn month_index(date: NaiveDate) -> i32 {
    date.year() * 12 + date.month0() as i32
}

/// For labels spanning `extents` (left, right), in order, the lowest row each fits in without
/// touching an earlier label of that row; rows grow as needed.
pub fn stagger(extents: &[(f32, f32)], gap: f32) -> Vec<usize> {
    let mut row_ends: Vec<f32> = Vec::new();
    extents
        .iter()
        .map(|&(left, right)| {
            let row = row_ends
                .iter()
                .position(|&end| end + gap <= left)
                .unwrap_or(row_ends.len());
            if row == row_ends.len() {
                row_ends.push(right);
            } else {
                row_ends[row] = right;
            }
            row
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn ticks_are_round_and_cover_the_data_from_zero() {
        let ticks = Ticks::covering(8.0, 28.0, 6);
        assert_eq!((ticks.start, ticks.step), (0.0, 5.0));
        assert!(ticks.end() >= 28.0);
        let right = Ticks::covering_in(4.0, 112.0, ticks.intervals);
        assert_eq!(right.intervals, ticks.intervals);
        assert!(right.end() >= 112.0);
        assert_eq!(right.label(right.step), "20");
        assert_eq!(Ticks::covering(0.0, 0.3, 3).label(0.1), "0.1");
        assert_eq!(Ticks::covering(0.0, 10.0, 4).label(7.5), "7.5");
    }

    #[test]
    fn flat_and_negative_series_still_get_an_axis() {
        let flat = Ticks::covering(5.0, 5.0, 4);
        assert!(flat.end() >= 5.0 && flat.step > 0.0);
        let negative = Ticks::covering(-12.0, 3.0, 5);
        assert!(negative.start <= -12.0 && negative.end() >= 3.0);
    }

    #[test]
    fn date_ticks_fall_on_round_months() {
        let ticks = date_ticks(date("2018-09-10"), date("2021-10-12"), 8);
        assert_eq!(ticks.first().map(|t| t.1.as_str()), Some("2019-01"));
        assert!(ticks.len() <= 8);
        let short = date_ticks(date("2021-07-01"), date("2021-07-20"), 8);
        assert_eq!(short.first().map(|t| t.1.as_str()), Some("07-01"));
    }

    #[test]
    fn overlapping_labels_go_to_new_rows_and_reuse_free_ones() {
        let rows = stagger(
            &[(0.0, 50.0), (40.0, 90.0), (60.0, 100.0), (95.0, 120.0)],
            2.0,
        );
        assert_eq!(rows, [0, 1, 0, 1]);
    }
}
