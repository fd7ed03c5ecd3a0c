//! `labs.csv` and `timeline.csv`: the case's numbers and events as spreadsheets a doctor's
//! office can open (UTF-8 with a byte-order mark, which Excel needs to show Chinese; RFC 4180
//! quoting; CRLF line ends). Column names are English so that scripts can rely on them; the
//! text in them is in the contact's language.

use crate::case::Case;
use crate::date::CaseDate;
use crate::lab::{ANALYTES, Unit};
use crate::summary::words;
use crate::text::{Lang, Text};

const BOM: &str = "\u{feff}";

/// One row per lab value: date, analyte, value as printed, unit, the lab's range, hospital and
/// the sheet it was copied from. Sorted by date, then in the summary's analyte order.
pub fn labs_csv(case: &Case, lang: Lang) -> String {
    let names = super::names::packet_names(&case.records);
    let path = |p: Option<&std::path::Path>| path(p, &names);
    let mut rows: Vec<_> = case.labs.iter().collect();
    let order = |a| {
        ANALYTES
            .iter()
            .position(|i| i.analyte == a)
            .unwrap_or(usize::MAX)
    };
    rows.sort_by_key(|l| (l.date, order(l.analyte)));
    let mut csv = csv_line(&[
        "date",
        "test",
        "abbreviation",
        "value",
        "unit",
        "reference_range",
        "hospital",
        "source_record",
    ]);
    for lab in rows {
        let info = lab.analyte.info();
        let unit = match lab.measured() {
            Some(m) if m.unit != Unit::Ratio => m.unit.symbol(),
            _ => "",
        };
        csv.push_str(&csv_line(&[
            &lab.date.to_string(),
            lang.pick(info.zh, info.en),
            info.abbr,
            &words::reading(&lab.reading, lang),
            unit,
            lab.reference_range.as_deref().unwrap_or(""),
            &text(lab.hospital.as_ref(), lang),
            &path(lab.source.as_deref()),
        ]));
    }
    format!("{BOM}{csv}")
}

/// One row per event: diagnoses, treatments, imaging studies and records, by date.
pub fn timeline_csv(case: &Case, lang: Lang) -> String {
    let names = super::names::packet_names(&case.records);
    let path = |p: Option<&std::path::Path>| path(p, &names);
    let mut rows: Vec<(CaseDate, u8, [String; 5])> = Vec::new();
    for d in &case.diagnoses {
        rows.push((
            d.date,
            0,
            [
                "diagnosis".into(),
                words::condition(d.condition, lang).into(),
                text(d.text.as_ref(), lang),
                text(d.hospital.as_ref(), lang),
                path(d.record.as_deref()),
            ],
        ));
    }
    for t in &case.treatments {
        let what = match (&t.id, t.drugs(lang)) {
            (_, Some(_)) => words::treatment_in_words(t, lang),
            (Some(id), None) => format!("{} ({id})", words::treatment(t.kind, lang)),
            (None, None) => words::treatment(t.kind, lang).to_string(),
        };
        rows.push((
            t.date,
            1,
            [
                "treatment".into(),
                what,
                words::treatment_details(t, lang),
                text(t.hospital.as_ref(), lang),
                path(t.record.as_deref()),
            ],
        ));
    }
    for s in &case.imaging {
        rows.push((
            s.date,
            2,
            [
                "imaging".into(),
                words::modality(s.modality, lang).into(),
                text(s.findings.as_ref(), lang),
                text(s.hospital.as_ref(), lang),
                path(s.report.as_deref()),
            ],
        ));
    }
    for r in &case.records {
        rows.push((
            r.date,
            3,
            [
                "record".into(),
                words::record_kind(r.kind, lang).into(),
                r.title.best(lang).to_string(),
                String::new(),
                path(Some(&r.path)),
            ],
        ));
    }
    rows.sort_by_key(|a| (a.0, a.1));
    let mut csv = csv_line(&["date", "type", "what", "details", "hospital", "record"]);
    for (date, _, [kind, what, details, hospital, record]) in rows {
        csv.push_str(&csv_line(&[
            &date.written_with_uncertainty(lang),
            &kind,
            &what,
            &details,
            &hospital,
            &record,
        ]));
    }
    format!("{BOM}{csv}")
}

fn text(text: Option<&Text>, lang: Lang) -> String {
    text.map(|t| t.best(lang).to_string()).unwrap_or_default()
}

/// A record as the packet names it (`records/2021-06-18_imaging_mri-report.pdf`), so that a
/// reader finds the file the row cites; the family's own path for a file no packet carries.
fn path(
    path: Option<&std::path::Path>,
    names: &std::collections::BTreeMap<std::path::PathBuf, String>,
) -> String {
    path.map(|p| match names.get(p) {
        Some(name) => format!("records/{name}"),
        None => p.display().to_string(),
    })
    .unwrap_or_default()
}

/// Fields joined by commas; a field with a comma, quote or line break is quoted, quotes
/// doubled (RFC 4180).
fn csv_line(fields: &[&str]) -> String {
    let mut line = fields
        .iter()
        .map(|f| {
            if f.contains([',', '"', '\n', '\r']) {
                format!("\"{}\"", f.replace('"', "\"\""))
            } else {
                (*f).to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(",");
    line.push_str("\r\n");
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_when_they_must_be() {
        assert_eq!(
            csv_line(&["a", "b,c", "say \"hi\""]),
            "a,\"b,c\",\"say \"\"hi\"\"\"\r\n"
        );
    }

    #[test]
    fn the_demo_labs_and_timeline() {
        let case = crate::packet::tests::demo_case();
        let labs = labs_csv(&case, Lang::En);
        assert!(labs.starts_with("\u{feff}date,test,"));
        assert!(labs.contains("2021-08-20,Total bilirubin,TBIL,20.52,µmol/L,3.4-20.5,"));
        assert!(labs.contains("2021-11-10,Total bilirubin,TBIL,1.3,mg/dL,0.2-1.2,"));
        assert_eq!(labs.lines().count(), 1 + case.labs.len());
        // Serology and viral load as printed: words in the reader's language, no unit.
        assert!(labs.contains("2021-06-20,HBV DNA,HBV DNA,5.2E+02,IU/mL,"));
        assert!(labs.contains("2021-06-20,HBsAg,HBsAg,positive,,"));
        assert!(labs.contains("2021-10-14,HBV DNA,HBV DNA,not detected,,"));
        let zh = labs_csv(&case, Lang::Zh);
        assert!(zh.contains("总胆红素"));
        assert!(zh.contains("2021-06-20,乙肝表面抗原,HBsAg,阳性,,"));

        let timeline = timeline_csv(&case, Lang::En);
        let lines: Vec<&str> = timeline.lines().collect();
        assert!(
            lines[1].starts_with("2017-03-22,diagnosis,"),
            "{}",
            lines[1]
        );
        assert!(timeline.contains("2021-07-05,treatment,TACE (TACE-1),"));
        let dates: Vec<&str> = lines[1..].iter().map(|l| &l[..10]).collect();
        let mut sorted = dates.clone();
        sorted.sort();
        assert_eq!(dates, sorted, "by date");
    }
}
