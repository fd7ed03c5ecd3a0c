//! Chart arithmetic shared by the line chart and the timeline: mapping values to positions,
//! round tick values, month-aligned date ticks, and staggering or spreading labels so they do
//! not overlap.

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

/// Month steps for date ticks, shortest first.
const MONTH_STEPS: [i32; 8] = [1, 2, 3, 6, 12, 24, 60, 120];

/// Date ticks between `first` and `last`: the first of every n-th month (labelled "2019-07",
/// or "2019" for yearly ticks), or every n-th day ("07-06") for spans under two months.
pub fn date_ticks(first: NaiveDate, last: NaiveDate, max_ticks: usize) -> Vec<(NaiveDate, String)> {
    let max_ticks = max_ticks.max(2);
    let months = month_index(last) - month_index(first);
    if months >= 2 {
        let step = MONTH_STEPS
            .into_iter()
            .find(|step| months / step < max_ticks as i32)
            .unwrap_or(240);
        return month_ticks(first, last, step);
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

/// The shortest month step whose ticks are at least `days` apart.
pub fn month_step(days: f32) -> i32 {
    MONTH_STEPS
        .into_iter()
        .find(|&step| step as f32 * 30.44 >= days)
        .unwrap_or(240)
}

/// The first of every `step`-th month (counted from year 0, so ticks of different ranges line
/// up) between `first` and `last`.
pub fn month_ticks(first: NaiveDate, last: NaiveDate, step: i32) -> Vec<(NaiveDate, String)> {
    let format = if step >= 12 { "%Y" } else { "%Y-%m" };
    (month_index(first)..=month_index(last) + 1)
        .filter(|index| index.rem_euclid(step) == 0)
        .filter_map(|index| {
            NaiveDate::from_ymd_opt(index.div_euclid(12), index.rem_euclid(12) as u32 + 1, 1)
        })
        .filter(|date| (first..=last).contains(date))
        .map(|date| (date, date.format(format).to_string()))
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

/// Centres for boxes `widths` wide, in the given order, as close as they can be to the
/// `wanted` centres (least squares) while `gap` apart and inside `0..=extent`: one-dimensional
/// label placement, solved exactly by pooling adjacent violators. Boxes that cannot all fit
/// start at 0 and run past `extent`.
pub fn spread(wanted: &[f32], widths: &[f32], gap: f32, extent: f32) -> Vec<f32> {
    // With each box's centre written as q + (the least distance from the first box's centre),
    // "far enough apart" becomes "q never decreases": an isotonic regression.
    let mut offsets = Vec::with_capacity(widths.len());
    let mut offset = 0.0;
    for (i, width) in widths.iter().enumerate() {
        if let Some(previous) = i.checked_sub(1).map(|p| widths[p]) {
            offset += (previous + width) / 2.0 + gap;
        }
        offsets.push(offset);
    }
    // Blocks of equal q, as (sum of targets, count), with increasing means.
    let mut blocks: Vec<(f32, usize)> = Vec::new();
    for (wanted, offset) in wanted.iter().zip(&offsets) {
        let mut block = (wanted - offset, 1);
        while let Some(&(sum, count)) = blocks.last() {
            if sum / count as f32 <= block.0 / block.1 as f32 {
                break;
            }
            blocks.pop();
            block = (block.0 + sum, block.1 + count);
        }
        blocks.push(block);
    }
    let low = widths.first().map_or(0.0, |w| w / 2.0);
    let high = extent - widths.last().map_or(0.0, |w| w / 2.0) - offset;
    blocks
        .iter()
        .flat_map(|&(sum, count)| std::iter::repeat_n(sum / count as f32, count))
        .zip(&offsets)
        .map(|(q, offset)| q.min(high).max(low) + offset)
        .collect()
}

/// Whether boxes `widths` wide fit side by side, `gap` apart, within `extent`.
pub fn fits(widths: &[f32], gap: f32, extent: f32) -> bool {
    let gaps = widths.len().saturating_sub(1) as f32 * gap;
    widths.iter().sum::<f32>() + gaps <= extent
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
    fn month_ticks_line_up_across_ranges() {
        let ticks = month_ticks(date("2019-09-20"), date("2021-10-15"), 6);
        let labels: Vec<&str> = ticks.iter().map(|t| t.1.as_str()).collect();
        assert_eq!(labels, ["2020-01", "2020-07", "2021-01", "2021-07"]);
        assert_eq!(month_ticks(date("2017-03-01"), date("2017-04-10"), 6), []);
        assert_eq!(month_step(40.0), 2);
        assert_eq!(month_step(200.0), 12);
    }

    #[test]
    fn spread_boxes_keep_order_and_apart_and_stay_put_when_they_can() {
        let widths = [20.0, 30.0, 20.0, 10.0];
        // Apart already: nothing moves.
        assert_eq!(
            spread(&[10.0, 60.0, 100.0, 200.0], &widths, 2.0, 300.0),
            [10.0, 60.0, 100.0, 200.0]
        );
        // Piled on one spot: pushed apart symmetrically around it, in order.
        let centres = spread(&[100.0; 4], &widths, 2.0, 300.0);
        for (i, pair) in centres.windows(2).enumerate() {
            let apart = pair[1] - pair[0] - (widths[i] + widths[i + 1]) / 2.0;
            assert!(apart >= 2.0 - 1e-3, "{centres:?}");
        }
        let mean = centres.iter().sum::<f32>() / 4.0;
        assert!((mean - 100.0).abs() < 1e-3, "{centres:?}");
        // Against an edge: kept inside.
        let centres = spread(&[0.0, 1.0], &[20.0, 20.0], 2.0, 300.0);
        assert_eq!(centres, [10.0, 32.0]);
        assert!(fits(&widths, 2.0, 86.0) && !fits(&widths, 2.0, 85.0));
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
