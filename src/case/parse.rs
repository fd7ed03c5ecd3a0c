//! case.toml (and record sidecars) → [`Case`], reporting every problem with its position.
//!
//! Pure: the caller supplies the file texts, the listing of records/ and today's date.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::path::PathBuf;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use toml::Spanned;
use toml::de::DeValue;

use super::model::*;
use super::records::{RecordIndex, ReferenceProblem, Refusal};
use crate::diagnostic::{Diagnostic, Diagnostics, Kind, Location, SourceFile};
use crate::lab::{ANALYTES, Analyte, Unit};
use crate::text::{Lang, Text};
use crate::toml_reader::{Choice, Reader, Table, describe, did_you_mean, list, text_of};
use crate::tr;

/// A bilingual text and where it was written, so later checks (a contact's language) can
/// point at it.
#[derive(Debug, Clone)]
pub struct TextSite {
    pub location: Location,
    /// The field, for messages: `[[question]] #2`.
    pub field: String,
    pub text: Text,
}

/// A case with the source positions later checks need.
#[derive(Debug, Clone)]
pub struct LoadedCase {
    pub case: Case,
    pub texts: Vec<TextSite>,
    /// Where each `[[lab]]` set's date is written, for warnings about old labs.
    pub lab_dates: Vec<(CaseDate, Location)>,
    /// Where each contact id of `[patient.share_with]` is written.
    pub share_with_ids: Vec<(String, Location)>,
}

/// The input of [`parse`]: the texts of case.toml and of each sidecar, and the record listing.
pub struct CaseInput<'a> {
    pub case_toml: &'a SourceFile,
    /// Sidecars: (the record they describe, relative to records/, and their text).
    pub sidecars: &'a [(PathBuf, SourceFile)],
    pub records: &'a RecordIndex,
    pub today: NaiveDate,
}

/// Parses and validates a case. Returns the case only when there are no errors.
pub fn parse(input: &CaseInput<'_>) -> (Option<LoadedCase>, Diagnostics) {
    let mut parser = CaseParser::new(input.case_toml, input.records, input.today);
    let Some(doc) = parser.reader.parse() else {
        return (None, parser.reader.diagnostics);
    };
    let mut root = Table::new("case.toml", doc.get_ref(), 0..0);
    // `as_of` is read before the case (commands take it as today); here it is only checked.
    if let Some(as_of) = root.date(&mut parser.reader, "as_of")
        && as_of.get_ref().is_approximate()
    {
        parser.reader.error(
            as_of.span(),
            tr!(
                "`as_of` in case.toml must be a whole date, found {date}",
                date = as_of.get_ref().in_lang(crate::i18n::ui())
            ),
            Some(tr!("write it like: as_of = 2021-11-15")),
        );
    }
    // Read by the folder before the case (see `CaseFolder::links_outside_allowed`).
    let _ = root.bool(&mut parser.reader, "allow_links_outside");
    let _ = root.bool(&mut parser.reader, "synthetic");
    let case = parser.case(&mut root);
    root.finish(&mut parser.reader);
    let mut diagnostics = parser.reader.diagnostics;

    let mut records = Vec::new();
    let lab_dates = parser.lab_dates;
    let share_with_ids = parser.share_with_ids;
    let mut texts = parser.texts;
    let mut mentioned = parser.mentioned;
    let refused = parser.refused;
    if let Some(case) = &case {
        records.extend(case.records.iter().cloned());
    }
    for (path, sidecar) in input.sidecars {
        let mut sidecar_parser = CaseParser::new(sidecar, input.records, input.today);
        if let Some(doc) = sidecar_parser.reader.parse() {
            let mut table = Table::new(
                tr!("sidecar of `{path}`", path = path.display()),
                doc.get_ref(),
                0..0,
            );
            if let Some(record) = sidecar_parser.record_fields(&mut table, Some(path.clone())) {
                if records.iter().any(|r: &Record| r.path == *path) {
                    sidecar_parser.reader.error(
                        0..0,
                        tr!(
                            "`{path}` is described both in case.toml and in this sidecar",
                            path = path.display()
                        ),
                        Some(tr!(
                            "keep one description: delete the [[record]] entry or this file"
                        )),
                    );
                } else {
                    records.push(record);
                }
            }
            table.finish(&mut sidecar_parser.reader);
        }
        diagnostics.extend(sidecar_parser.reader.diagnostics);
        texts.extend(sidecar_parser.texts);
        mentioned.entry(path.clone()).or_insert(RecordKind::Other);
    }

    // Files referenced from labs, imaging or treatments but not described get a record
    // derived from the reference, so that every referenced file travels with the packet.
    let mut case = case;
    if let Some(case) = &mut case {
        for (path, kind) in &mentioned {
            if !records.iter().any(|r| r.path == *path) {
                records.push(derived_record(case, path, *kind));
            }
        }
        records.sort_by(|a, b| (a.date, &a.path).cmp(&(b.date, &b.path)));
        case.records = records;
    }

    let described: BTreeSet<PathBuf> = case
        .iter()
        .flat_map(|c| c.records.iter().map(|r| r.path.clone()))
        .chain(mentioned.into_keys())
        .chain(refused)
        .collect();
    let records_dir = input
        .case_toml
        .path
        .parent()
        .unwrap_or(std::path::Path::new(""))
        .join(crate::folder::RECORDS_DIR);
    let mut unreferenced = Vec::new();
    for file in input.records.unmentioned(&described) {
        // A link out of the case or a pipe is left out whether or not it is referenced.
        let shown = records_dir.join(file);
        let left_out = match input.records.unreadable.get(file) {
            Some(Refusal::LinkOutside { target }) => Some((
                tr!(
                    "`{path}` is a link to `{target}`, outside the case folder; it is left out",
                    path = shown.display(),
                    target = target.display()
                ),
                tr!(
                    "copy the file into records/, or add `allow_links_outside = true` at the top of case.toml"
                ),
            )),
            Some(Refusal::BrokenLink { target }) => Some((
                tr!(
                    "`{path}` is a link to `{target}`, which does not exist; it is left out",
                    path = shown.display(),
                    target = target.display()
                ),
                tr!("put the file itself into records/"),
            )),
            Some(Refusal::NotRegular) => Some((
                tr!(
                    "`{path}` is not a regular file (a pipe, device or socket); it is left out",
                    path = shown.display()
                ),
                tr!("records/ holds ordinary files only: remove it"),
            )),
            Some(Refusal::NoAccess) | None => None,
        };
        if let Some((message, hint)) = left_out {
            diagnostics.push(
                Diagnostic::warning(message)
                    .at(Location::file(&shown))
                    .hint(hint),
            );
            continue;
        }
        unreferenced.push(file);
    }
    diagnostics.extend(unreferenced_warnings(&unreferenced, &input.case_toml.path));

    if diagnostics.has_errors() {
        return (None, diagnostics);
    }
    (
        case.map(|case| LoadedCase {
            case,
            texts,
            lab_dates,
            share_with_ids,
        }),
        diagnostics,
    )
}

/// Files no one refers to, for each of which the warning says what to write; more than a few
/// are one warning, with the first of them, rather than a screen per file.
const UNREFERENCED_NAMED: usize = 10;

fn unreferenced_warnings(files: &[&PathBuf], case_toml: &std::path::Path) -> Diagnostics {
    let mut diagnostics = Diagnostics::default();
    if files.len() > UNREFERENCED_NAMED {
        let first: Vec<String> = files
            .iter()
            .take(UNREFERENCED_NAMED)
            .map(|f| format!("records/{}", f.display()))
            .collect();
        diagnostics.push(
            Diagnostic::warning(tr!(
                "{count} files in records/ are not referenced by case.toml; the first {shown}: {files}",
                count = files.len(),
                shown = UNREFERENCED_NAMED,
                files = first.join(", ")
            ))
            .kind(Kind::Unreferenced)
            .at(Location::file(case_toml))
            .hint(tr!(
                "add [[record]] entries (or sidecars `<file>.toml`) for the files the doctors should see; unreferenced files are left out of packets"
            )),
        );
        return diagnostics;
    }
    for file in files {
        diagnostics.push(
            Diagnostic::warning(tr!(
                "`records/{file}` is in no [[record]] of case.toml, so no packet holds it",
                file = file.display()
            ))
            .kind(Kind::Unreferenced)
            .at(Location::file(case_toml))
            .hint(tr!(
                "add a [[record]] entry with file = \"{file}\", or a sidecar `records/{file}.toml`",
                file = file.display()
            )),
        );
    }
    diagnostics
}

/// A record made from a reference in labs, imaging, treatments, pathology or diagnoses. Its
/// title says what the file is — the modality of an imaging report, the procedure of a
/// treatment's note, the diagnosis a record was cited for — so that its name in a packet keeps
/// that meaning; a reference that implies no kind takes the kind of the folder it is in
/// (an endoscopy under procedures/ is a procedure note).
fn derived_record(case: &Case, path: &PathBuf, kind: RecordKind) -> Record {
    let refers = |p: &Option<PathBuf>| p.as_ref() == Some(path);
    let labs = case.labs.iter().filter(|l| refers(&l.source));
    let studies = case
        .imaging
        .iter()
        .filter(|s| refers(&s.report) || s.dicom.as_ref() == Some(path));
    let treatments = case.treatments.iter().filter(|t| refers(&t.record));
    let pathology = case.pathology.iter().filter(|p| refers(&p.record));
    let diagnoses = case.diagnoses.iter().filter(|d| refers(&d.record));
    let date = labs
        .clone()
        .map(|l| l.date)
        .chain(studies.clone().map(|s| s.date))
        .chain(treatments.clone().map(|t| t.date))
        .chain(pathology.clone().map(|p| p.date))
        .chain(diagnoses.clone().map(|d| d.date))
        .min()
        .unwrap_or(CaseDate::exact(NaiveDate::default()));
    let kind = match kind {
        RecordKind::Other => folder_kind(path).unwrap_or(RecordKind::Other),
        kind => kind,
    };
    let study = studies.clone().next();
    let treatment = treatments.clone().next();
    let diagnosis = diagnoses.clone().next();
    let title = match (kind, study, treatment, diagnosis) {
        (RecordKind::Dicom, Some(s), _, _) => Text::both(
            format!("{} DICOM 影像", s.modality),
            format!("{} DICOM images", s.modality),
        ),
        (RecordKind::Imaging, Some(s), _, _) => Text::both(
            format!("{} 报告", s.modality),
            format!("{} report", s.modality),
        ),
        (_, _, Some(t), _) => {
            let what = t.id.clone().unwrap_or_else(|| t.kind.to_string());
            Text::both(format!("{what} 记录"), format!("{what} note"))
        }
        (_, _, _, Some(d)) => d.text.clone().unwrap_or_else(|| {
            Text::both(
                crate::summary::words::condition(d.condition, Lang::Zh),
                crate::summary::words::condition(d.condition, Lang::En),
            )
        }),
        (RecordKind::Lab, ..) => Text::both("检验报告", "Lab report"),
        (RecordKind::Imaging, ..) => Text::both("影像报告", "Imaging report"),
        (RecordKind::Dicom, ..) => Text::both("DICOM 影像", "DICOM images"),
        (RecordKind::Procedure, ..) => Text::both("手术/操作记录", "Procedure note"),
        (RecordKind::Pathology, ..) => Text::both("病理报告", "Pathology report"),
        _ => Text::both("病历资料", "Medical record"),
    };
    Record {
        path: path.clone(),
        kind,
        date,
        title,
        language: None,
        other_patient: false,
    }
}

/// The kind a record's folder under records/ implies (`init` makes these folders).
fn folder_kind(path: &std::path::Path) -> Option<RecordKind> {
    let top = path.components().next()?.as_os_str().to_str()?;
    Some(match top {
        "imaging" => RecordKind::Imaging,
        "labs" => RecordKind::Lab,
        "procedures" => RecordKind::Procedure,
        "pathology" => RecordKind::Pathology,
        _ => return None,
    })
}

struct CaseParser<'r, 's> {
    reader: Reader<'s>,
    records: &'r RecordIndex,
    texts: Vec<TextSite>,
    /// Every record path referenced anywhere, with the kind the reference implies.
    mentioned: BTreeMap<PathBuf, RecordKind>,
    lab_dates: Vec<(CaseDate, Location)>,
    share_with_ids: Vec<(String, Location)>,
    /// Every lesion's longest diameter with where it is written, for checks across studies.
    lesion_sizes: Vec<LesionSize>,
    /// Every lab value with where it is written, for checks across sets.
    lab_values: Vec<LabSite>,
    /// The birth date and where it is written, for the check that nothing predates it.
    birth: Option<(CaseDate, Range<usize>)>,
    /// Record paths referenced, but refused (a link out of the case, a pipe, unreadable).
    refused: BTreeSet<PathBuf>,
}

/// `after = "<id>"` and `before = "<id>"` as written on a dated entry, placed once every
/// treatment and study is read.
struct Anchors {
    after: Option<Spanned<String>>,
    before: Option<Spanned<String>>,
}

/// A lab value and where it is written.
#[derive(Debug, Clone)]
struct LabSite {
    analyte: Analyte,
    date: CaseDate,
    reading: Reading,
    table: String,
    /// Where the value is written (located only when a warning needs it).
    span: Range<usize>,
}

/// A lesion's measurement in one study, for the checks that compare studies.
#[derive(Debug, Clone)]
struct LesionSize {
    study: String,
    date: CaseDate,
    lesion: String,
    longest_mm: Decimal,
    class: Option<LesionClass>,
    /// The study's findings or the lesion's note speak of centimetres.
    says_cm: bool,
    location: Location,
}

impl<'r, 's> CaseParser<'r, 's> {
    fn new(source: &'s SourceFile, records: &'r RecordIndex, today: NaiveDate) -> Self {
        Self {
            reader: Reader::new(source, today),
            records,
            texts: Vec::new(),
            mentioned: BTreeMap::new(),
            lab_dates: Vec::new(),
            share_with_ids: Vec::new(),
            lesion_sizes: Vec::new(),
            lab_values: Vec::new(),
            birth: None,
            refused: BTreeSet::new(),
        }
    }

    fn case(&mut self, root: &mut Table<'_, 's>) -> Option<Case> {
        let patient = match root.table(&mut self.reader, "patient") {
            Some(mut t) => {
                t.name = "[patient]".into();
                let p = self.patient(&mut t);
                t.finish(&mut self.reader);
                p
            }
            None => {
                if !root.has("patient") {
                    self.reader.error(
                        0..0,
                        tr!("case.toml has no [patient] section"),
                        Some(tr!(
                            "add [patient] with id, name, sex and birth_date (see `consultpack init`)"
                        )),
                    );
                }
                None
            }
        };
        let aetiology = self.each(root, "aetiology", Self::aetiology);
        let (mut diagnoses, diagnoses_anchors): (Vec<_>, Vec<_>) = self
            .each(root, "diagnosis", Self::diagnosis)
            .into_iter()
            .unzip();
        let (mut treatments, treatments_anchors): (Vec<_>, Vec<_>) = self
            .each(root, "treatment", Self::treatment)
            .into_iter()
            .unzip();
        let imaging = self.each(root, "imaging", Self::imaging);
        let pathology = self.each(root, "pathology", Self::pathology);
        let labs: Vec<LabResult> = self
            .each(root, "lab", Self::lab_set)
            .into_iter()
            .flatten()
            .collect();
        let assessments = self.each(root, "assessment", Self::assessment);
        let (mut medications, medications_anchors): (Vec<_>, Vec<_>) = self
            .each(root, "medication", Self::medication)
            .into_iter()
            .unzip();
        // `after = "TACE-2"`, `before = "TACE-1"`: a date known in part or not at all placed
        // by the entry it came after or before.
        for (i, anchors) in treatments_anchors.into_iter().enumerate() {
            let date = treatments[i].date;
            treatments[i].date = self.place(date, anchors, &treatments, &imaging);
        }
        for (d, anchors) in diagnoses.iter_mut().zip(diagnoses_anchors) {
            d.date = self.place(d.date, anchors, &treatments, &imaging);
        }
        for (m, anchors) in medications.iter_mut().zip(medications_anchors) {
            if let Some(start) = m.start {
                m.start = Some(self.place(start, anchors, &treatments, &imaging));
            }
        }
        let mut allergies = self.each(root, "allergy", Self::allergy);
        // `[[allergy]] substance = "none known"` says there are none.
        let said_none = |a: &Allergy| {
            [Lang::Zh, Lang::En]
                .iter()
                .filter_map(|l| a.substance.get(*l))
                .any(|s| NONE_KNOWN.contains(&s.trim().to_lowercase().as_str()))
        };
        let listed_none = allergies.iter().any(said_none);
        if listed_none {
            if allergies.len() > 1 {
                self.reader.error(
                    root.span_of("allergy"),
                    tr!("an [[allergy]] says \"none known\" but others list allergies"),
                    Some(tr!("remove the \"none known\" entry, or the others")),
                );
            }
            allergies.retain(|a| !said_none(a));
        }
        let no_known_allergies = self.no_known_allergies(root, !allergies.is_empty())
            || (listed_none && allergies.is_empty());
        let comorbidities = self.each(root, "comorbidity", Self::comorbidity);
        // `[narrative]` with `zh` and `en`: a table of two texts is what `text` reads.
        let narrative = self.text(root, "narrative");
        let history = match root.table(&mut self.reader, "history") {
            Some(mut t) => {
                t.name = "[history]".into();
                let h = History {
                    smoking: self.choice(&mut t, "smoking"),
                    alcohol: self.choice(&mut t, "alcohol"),
                    note: self.text(&mut t, "note"),
                };
                t.finish(&mut self.reader);
                h
            }
            None => History::default(),
        };
        let remarks = self.each(root, "remark", |p, t| {
            let who = p.text(t, "who");
            let date = p.optional_date(t, "date");
            let text = p.required_text(t, "text");
            Some(Remark {
                who,
                date,
                text: text?,
            })
        });
        let questions = self.each(root, "question", Self::question);
        let practical = match root.table(&mut self.reader, "practical") {
            Some(mut t) => {
                t.name = "[practical]".into();
                let p = Practical {
                    living_donor: self.text(&mut t, "living_donor"),
                    interpreter: self.text(&mut t, "interpreter"),
                    payment: self.text(&mut t, "payment"),
                    travel: self.text(&mut t, "travel"),
                };
                t.finish(&mut self.reader);
                p
            }
            None => Practical::default(),
        };
        let records = self.each(root, "record", |p, t| {
            let path = t
                .required_string(&mut p.reader, "file", "\"labs/2021-08-20_liver-panel.jpg\"")
                .and_then(|file| p.reference_at(file.get_ref(), file.span(), false, None));
            // The other fields are read even when the file cannot be used, so that they are
            // checked and not taken for unknown ones.
            p.record_fields(t, path)
        });
        let criteria_settings = match root.table(&mut self.reader, "criteria") {
            Some(mut t) => {
                t.name = "[criteria]".into();
                let s = self.criteria_settings(&mut t);
                t.finish(&mut self.reader);
                s
            }
            None => CriteriaSettings::default(),
        };
        self.check_duplicate_records(&records);
        self.check_lesions(&treatments);
        self.check_labs();
        let events = diagnoses
            .iter()
            .map(|d| ("[[diagnosis]]", d.date))
            .chain(treatments.iter().map(|t| ("[[treatment]]", t.date)))
            .chain(imaging.iter().map(|s| ("[[imaging]]", s.date)))
            .chain(pathology.iter().map(|p| ("[[pathology]]", p.date)))
            .chain(labs.iter().map(|l: &LabResult| ("[[lab]]", l.date)))
            .chain(assessments.iter().map(|a| ("[[assessment]]", a.date)))
            .chain(
                aetiology
                    .iter()
                    .filter_map(|a| Some(("[[aetiology]]", a.since?))),
            );
        self.check_birth_first(events);
        Some(Case {
            patient: patient?,
            aetiology,
            diagnoses,
            treatments,
            imaging,
            pathology,
            labs,
            assessments,
            medications,
            allergies,
            no_known_allergies,
            comorbidities,
            history,
            narrative,
            remarks,
            questions,
            practical,
            records,
            criteria_settings,
        })
    }

    /// Reads each `[[key]]` entry with `f`, finishing each table (unknown-field check).
    fn each<T>(
        &mut self,
        root: &mut Table<'_, 's>,
        key: &str,
        mut f: impl FnMut(&mut Self, &mut Table<'_, 's>) -> Option<T>,
    ) -> Vec<T> {
        let tables = root.tables(&mut self.reader, key);
        let mut out = Vec::new();
        for mut table in tables {
            if let Some(item) = f(self, &mut table) {
                out.push(item);
            }
            table.finish(&mut self.reader);
        }
        out
    }

    fn text(&mut self, t: &mut Table<'_, 's>, key: &str) -> Option<Text> {
        let text = t.text(&mut self.reader, key)?;
        self.remember_text(
            tr!("`{key}` in {table}", key, table = t.name),
            text.span(),
            text.get_ref().clone(),
        );
        Some(text.into_inner())
    }

    fn required_text(&mut self, t: &mut Table<'_, 's>, key: &str) -> Option<Text> {
        if !t.has(key) {
            return t
                .required_text(&mut self.reader, key)
                .map(Spanned::into_inner);
        }
        self.text(t, key)
    }

    fn texts(&mut self, t: &mut Table<'_, 's>, key: &str) -> Vec<Text> {
        let texts = t.texts(&mut self.reader, key);
        texts
            .into_iter()
            .map(|text| {
                self.remember_text(
                    tr!("`{key}` in {table}", key, table = t.name),
                    text.span(),
                    text.get_ref().clone(),
                );
                text.into_inner()
            })
            .collect()
    }

    fn remember_text(&mut self, field: String, span: Range<usize>, text: Text) {
        let location = self.reader.source.locate(span);
        self.texts.push(TextSite {
            location,
            field,
            text,
        });
    }

    fn choice<T: Choice + PartialEq>(&mut self, t: &mut Table<'_, 's>, key: &str) -> Option<T> {
        t.choice(&mut self.reader, key).map(Spanned::into_inner)
    }

    fn string(&mut self, t: &mut Table<'_, 's>, key: &str) -> Option<String> {
        t.string(&mut self.reader, key).map(Spanned::into_inner)
    }

    /// A finding that must be stated; absent means unknown, and unknown is never "no".
    fn finding(&mut self, t: &mut Table<'_, 's>, key: &str) -> Finding {
        self.choice(t, key).unwrap_or(Finding::Unknown)
    }

    /// A record path written in `key`; checks it exists and remembers the reference.
    fn reference(
        &mut self,
        t: &mut Table<'_, 's>,
        key: &str,
        want_dir: bool,
        kind: RecordKind,
    ) -> Option<PathBuf> {
        let written = t.string(&mut self.reader, key)?;
        self.reference_at(written.get_ref(), written.span(), want_dir, Some(kind))
    }

    fn reference_at(
        &mut self,
        written: &str,
        span: Range<usize>,
        want_dir: bool,
        kind: Option<RecordKind>,
    ) -> Option<PathBuf> {
        match self.records.resolve(written, want_dir) {
            Ok(path) => {
                let entry = self
                    .mentioned
                    .entry(path.clone())
                    .or_insert(RecordKind::Other);
                if let Some(kind) = kind
                    && *entry == RecordKind::Other
                {
                    *entry = kind;
                }
                Some(path)
            }
            Err(problem) => {
                if let (ReferenceProblem::Refused(_), Some(path)) =
                    (&problem, crate::case::records::normalize(written))
                {
                    // Referenced, though refused: the error says so; "not referenced" would not.
                    self.refused.insert(path);
                }
                let (message, hint) = match problem {
                    ReferenceProblem::OutsideRecords => (
                        tr!("`{written}` is not inside the records/ folder", written),
                        tr!(
                            "write the path relative to records/, e.g. \"labs/2021-08-20_liver-panel.jpg\""
                        ),
                    ),
                    ReferenceProblem::Missing { nearest } => (
                        tr!(
                            "record file `records/{path}` not found",
                            path = written.trim_start_matches("records/")
                        ),
                        match nearest {
                            Some(near) => tr!("did you mean \"{path}\"?", path = near.display()),
                            None => tr!(
                                "put the file into records/ or correct the path (it is relative to records/)"
                            ),
                        },
                    ),
                    ReferenceProblem::Refused(Refusal::NoAccess) => (
                        tr!("record file `records/{written}` cannot be read", written),
                        tr!("check the file's permissions (it must be readable by you)"),
                    ),
                    ReferenceProblem::Refused(Refusal::LinkOutside { target }) => (
                        tr!(
                            "record file `records/{written}` is a link to `{target}`, outside the case folder",
                            written,
                            target = target.display()
                        ),
                        tr!(
                            "copy the file into records/, or add `allow_links_outside = true` at the top of case.toml"
                        ),
                    ),
                    ReferenceProblem::Refused(Refusal::BrokenLink { target }) => (
                        tr!(
                            "record file `records/{written}` is a link to `{target}`, which does not exist",
                            written,
                            target = target.display()
                        ),
                        tr!("put the file itself into records/"),
                    ),
                    ReferenceProblem::Refused(Refusal::NotRegular) => (
                        tr!(
                            "record file `records/{written}` is not a regular file (a pipe, device or socket)",
                            written
                        ),
                        tr!("records/ holds ordinary files only: put the file itself there"),
                    ),
                    ReferenceProblem::WrongKind { is_dir: true } => (
                        tr!("`records/{written}` is a folder, not a file", written),
                        tr!(
                            "name a file here; DICOM folders go in `dicom = \"...\"` of an [[imaging]] entry"
                        ),
                    ),
                    ReferenceProblem::WrongKind { is_dir: false } => (
                        tr!("`records/{written}` is a file, not a folder", written),
                        tr!("`dicom` names the folder that holds a study's DICOM files"),
                    ),
                };
                self.reader.error(span, message, Some(hint));
                None
            }
        }
    }

    fn patient(&mut self, t: &mut Table<'_, 's>) -> Option<Patient> {
        let id = t.required_string(&mut self.reader, "id", "\"WANG-JM\"");
        let id = id.and_then(|id| {
            let ok = !id.get_ref().is_empty()
                && id.get_ref().len() <= 40
                && id
                    .get_ref()
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            if !ok {
                self.reader.error(
                    id.span(),
                    tr!(
                        "patient id `{id}` cannot be used in file names",
                        id = id.get_ref()
                    ),
                    Some(tr!(
                        "use up to 40 letters A–Z, digits, `-` or `_`, e.g. \"WANG-JM\""
                    )),
                );
                return None;
            }
            Some(id.into_inner())
        });
        let name = self.required_text(t, "name");
        let sex = t
            .required_choice::<Sex>(&mut self.reader, "sex")
            .map(Spanned::into_inner);
        let birth_date = t.required_date(&mut self.reader, "birth_date").map(|d| {
            self.birth = Some((*d.get_ref(), d.span()));
            d.into_inner()
        });
        let id_number = self.string(t, "id_number");
        let blood_group = self.string(t, "blood_group");
        let dicom_ids = t
            .strings(&mut self.reader, "dicom_ids")
            .into_iter()
            .map(Spanned::into_inner)
            .collect();
        let phone = self.string(t, "phone");
        let address = self.text(t, "address");
        let email = self.string(t, "email");
        let share = if t.has("share") {
            self.personal_fields(t, "share")
        } else {
            vec![PersonalField::Name, PersonalField::BirthDate]
        };
        let mut share_with = Vec::new();
        if let Some(mut table) = t.table(&mut self.reader, "share_with") {
            table.name = "[patient.share_with]".into();
            let entries: Vec<_> = table
                .entries()
                .map(|(k, _)| (k.get_ref().to_string(), k.span()))
                .collect();
            for (contact, span) in entries {
                // The keys are contact ids, checked against the contact list by `cross_check`.
                let location = self.reader.source.locate(span);
                self.share_with_ids.push((contact.clone(), location));
                let fields = self.personal_fields(&mut table, &contact);
                share_with.push((contact, fields));
            }
            table.finish(&mut self.reader);
        }
        Some(Patient {
            id: id?,
            name: name?,
            sex: sex?,
            birth_date: birth_date?,
            id_number,
            blood_group,
            dicom_ids,
            phone,
            address,
            email,
            share,
            share_with,
        })
    }

    fn personal_fields(&mut self, t: &mut Table<'_, 's>, key: &str) -> Vec<PersonalField> {
        t.choices(&mut self.reader, key)
    }

    fn optional_date(&mut self, t: &mut Table<'_, 's>, key: &str) -> Option<CaseDate> {
        t.date(&mut self.reader, key).map(Spanned::into_inner)
    }

    fn aetiology(&mut self, t: &mut Table<'_, 's>) -> Option<Aetiology> {
        let cause = t
            .required_choice(&mut self.reader, "cause")
            .map(Spanned::into_inner);
        let since = self.optional_date(t, "since");
        let note = self.text(t, "note");
        Some(Aetiology {
            cause: cause?,
            since,
            note,
        })
    }

    /// `after = "<id>"` and `before = "<id>"`: the treatment or imaging study an entry came
    /// after or before, where they are written.
    fn anchors(&mut self, t: &mut Table<'_, 's>) -> Anchors {
        Anchors {
            after: t.string(&mut self.reader, "after"),
            before: t.string(&mut self.reader, "before"),
        }
    }

    /// `date` placed after the entry `after` names and before the one `before` names; an
    /// unknown id, or a date whose whole period lies on the wrong side of that entry, is an
    /// error at `after` or `before`.
    fn place(
        &mut self,
        date: CaseDate,
        anchors: Anchors,
        treatments: &[Treatment],
        imaging: &[ImagingStudy],
    ) -> CaseDate {
        let mut placed = date;
        for (key, anchor) in [("after", anchors.after), ("before", anchors.before)] {
            let Some(anchor) = anchor else {
                continue;
            };
            let Some((id, other)) = self.anchor(key, &anchor, treatments, imaging) else {
                continue;
            };
            let ui = crate::i18n::ui();
            let (written, other_written) = (placed.in_lang(ui), other.in_lang(ui));
            let moved = if key == "after" {
                placed.following(other)
            } else {
                placed.preceding(other)
            };
            match moved {
                Some(moved) => placed = moved,
                None if key == "after" => self.reader.error(
                    anchor.span(),
                    tr!(
                        "dated {date}, which is before `{id}` ({earlier}) that it is said to follow",
                        date = written,
                        id,
                        earlier = other_written
                    ),
                    Some(tr!("check the date and the id in `after`")),
                ),
                None => self.reader.error(
                    anchor.span(),
                    tr!(
                        "dated {date}, which is after `{id}` ({later}) that it is said to precede",
                        date = written,
                        id,
                        later = other_written
                    ),
                    Some(tr!("check the date and the id in `before`")),
                ),
            }
        }
        placed
    }

    /// The id and date of the treatment or imaging study `anchor` names (`after` or `before`,
    /// as `key` says); an id nobody has is an error with a did-you-mean.
    fn anchor<'e>(
        &mut self,
        key: &str,
        anchor: &Spanned<String>,
        treatments: &'e [Treatment],
        imaging: &'e [ImagingStudy],
    ) -> Option<(&'e str, CaseDate)> {
        let ids = treatments
            .iter()
            .filter_map(|t| Some((t.id.as_deref()?, t.date)))
            .chain(
                imaging
                    .iter()
                    .filter_map(|s| Some((s.id.as_deref()?, s.date))),
            );
        let wanted = anchor.get_ref().trim();
        let found = ids.clone().find(|(id, _)| id.eq_ignore_ascii_case(wanted));
        if found.is_none() {
            let hint = match did_you_mean(wanted, ids.map(|(id, _)| id)) {
                Some(near) => tr!("did you mean `{near}`?", near),
                None => tr!(
                    "`{key}` takes the `id` of a [[treatment]] or [[imaging]] entry, e.g. {key} = \"TACE-2\"",
                    key
                ),
            };
            self.reader.error(
                anchor.span(),
                tr!(
                    "`{key}` names `{id}`, which no treatment or imaging study has",
                    key,
                    id = wanted
                ),
                Some(hint),
            );
        }
        found
    }

    fn diagnosis(&mut self, t: &mut Table<'_, 's>) -> Option<(Diagnosis, Anchors)> {
        let date = t
            .required_date_or_unknown(&mut self.reader, "date")
            .map(Spanned::into_inner);
        let condition = t
            .required_choice(&mut self.reader, "condition")
            .map(Spanned::into_inner);
        let text = self.text(t, "text");
        let hospital = self.text(t, "hospital");
        let record = self.reference(t, "record", false, RecordKind::Other);
        let anchors = self.anchors(t);
        Some((
            Diagnosis {
                date: date?,
                condition: condition?,
                text,
                hospital,
                record,
            },
            anchors,
        ))
    }

    fn treatment(&mut self, t: &mut Table<'_, 's>) -> Option<(Treatment, Anchors)> {
        let id = self.string(t, "id");
        let date = t
            .required_date_or_unknown(&mut self.reader, "date")
            .map(Spanned::into_inner);
        let kind = t
            .required_choice(&mut self.reader, "kind")
            .map(Spanned::into_inner);
        let hospital = self.text(t, "hospital");
        let technique = self.text(t, "technique");
        let agents = self.texts(t, "agents");
        let course = self.course(t, date);
        let notes = self.text(t, "notes");
        if let Some(notes) = &notes
            && matches!(
                kind,
                Some(TreatmentKind::Systemic | TreatmentKind::Antiviral)
            )
        {
            self.warn_stopped_in_words(t, "notes", notes, &course);
        }
        let record = self.reference(t, "record", false, RecordKind::Procedure);
        let anchors = self.anchors(t);
        Some((
            Treatment {
                id,
                date: date?,
                kind: kind?,
                hospital,
                technique,
                agents,
                course,
                notes,
                record,
            },
            anchors,
        ))
    }

    /// `stop`, `stop_reason` and `adverse_events` of a drug or course that began on `start`.
    fn course(&mut self, t: &mut Table<'_, 's>, start: Option<CaseDate>) -> Course {
        let stop = t.date(&mut self.reader, "stop");
        if let (Some(stop), Some(start)) = (&stop, start)
            && stop.get_ref().last_day() < start.day()
        {
            self.reader.error(
                stop.span(),
                tr!(
                    "`stop` ({stop}) in {table} is before the start ({start})",
                    stop = stop.get_ref().in_lang(crate::i18n::ui()),
                    table = t.name,
                    start = start.in_lang(crate::i18n::ui())
                ),
                Some(tr!(
                    "check both dates against the prescription or discharge letter"
                )),
            );
        }
        Course {
            stop: stop.map(Spanned::into_inner),
            stop_reason: self.choice(t, "stop_reason"),
            adverse_events: self.adverse_events(t),
            probable: self.choice(t, "certainty") == Some(Certainty::Probable),
        }
    }

    /// `adverse_events = ["vomiting", { zh = "胃溃疡", en = "gastric ulcer" },
    /// { event = "hand-foot skin reaction", grade = 2 }]`.
    fn adverse_events(&mut self, t: &mut Table<'_, 's>) -> Vec<AdverseEvent> {
        const KEY: &str = "adverse_events";
        let Some(value) = t.get(KEY) else {
            return Vec::new();
        };
        let items = match value.get_ref() {
            DeValue::Array(items) => &items[..],
            _ => std::slice::from_ref(value),
        };
        let mut events = Vec::new();
        for (n, item) in items.iter().enumerate() {
            match item.get_ref() {
                DeValue::Table(inner) if inner.get("event").is_some() => {
                    let name = tr!(
                        "adverse event #{number} in {table}",
                        number = n + 1,
                        table = t.name
                    );
                    let mut it = Table::new(name, inner, item.span());
                    let event = self.required_text(&mut it, "event");
                    let grade = it.integer(&mut self.reader, "grade").and_then(|g| {
                        let grade = u8::try_from(*g.get_ref())
                            .ok()
                            .filter(|g| (1..=5).contains(g));
                        if grade.is_none() {
                            self.reader.error(
                                g.span(),
                                tr!(
                                    "the CTCAE grade in {table} must be 1 to 5, found {grade}",
                                    table = it.name,
                                    grade = g.get_ref()
                                ),
                                Some(tr!("leave `grade` out if the notes do not give one")),
                            );
                        }
                        grade
                    });
                    it.finish(&mut self.reader);
                    events.extend(event.map(|event| AdverseEvent { event, grade }));
                }
                _ => {
                    if let Some(text) = text_of(&mut self.reader, &t.name, KEY, item) {
                        self.remember_text(
                            tr!("`{key}` in {table}", key = KEY, table = t.name),
                            item.span(),
                            text.clone(),
                        );
                        events.push(AdverseEvent {
                            event: text,
                            grade: None,
                        });
                    }
                }
            }
        }
        events
    }

    fn imaging(&mut self, t: &mut Table<'_, 's>) -> Option<ImagingStudy> {
        let id = self.string(t, "id");
        let date = t.required_date(&mut self.reader, "date");
        let modality = t
            .required_choice(&mut self.reader, "modality")
            .map(Spanned::into_inner);
        let region = self.choice(t, "region");
        let hospital = self.text(t, "hospital");
        let report = self.reference(t, "report", false, RecordKind::Imaging);
        let dicom = self.reference(t, "dicom", true, RecordKind::Dicom);
        let findings = self.text(t, "findings");
        let macrovascular_invasion = self.finding(t, "macrovascular_invasion");
        let extrahepatic_spread = self.finding(t, "extrahepatic_spread");
        let splenomegaly = self.finding(t, "splenomegaly");
        let lesion_tables = t.tables(&mut self.reader, "lesion");
        let mut lesions: Vec<Lesion> = Vec::new();
        let study = match (&id, date.as_ref()) {
            (Some(id), _) => id.clone(),
            (None, Some(date)) => tr!("{part} of {whole}", part = t.name, whole = date.get_ref()),
            (None, None) => t.name.clone(),
        };
        for mut lt in lesion_tables {
            lt.name = tr!(
                "{part} of {whole}",
                part = lt.name.replace("[[lesion]]", "[[imaging.lesion]]"),
                whole = t.name
            );
            if let Some((lesion, span)) = self.lesion(&mut lt) {
                if let Some(date) = date.as_ref() {
                    let says_cm = [findings.as_ref(), lesion.note.as_ref()]
                        .into_iter()
                        .flatten()
                        .any(mentions_centimetres);
                    self.lesion_sizes.push(LesionSize {
                        study: study.clone(),
                        date: *date.get_ref(),
                        lesion: lesion.id.clone(),
                        longest_mm: lesion.longest_mm,
                        class: lesion.class,
                        says_cm,
                        location: self.reader.source.locate(span),
                    });
                }
                if lesions.iter().any(|l| l.id == lesion.id) {
                    let span = lt.span_of("id");
                    self.reader.error(
                        span,
                        tr!(
                            "lesion id `{id}` appears twice in {table}",
                            id = lesion.id,
                            table = t.name
                        ),
                        Some(tr!(
                            "give each lesion of a study its own id (L1, L2, ...); keep the same id for the same lesion across studies"
                        )),
                    );
                } else {
                    lesions.push(lesion);
                }
            }
            lt.finish(&mut self.reader);
        }
        Some(ImagingStudy {
            id,
            date: date?.into_inner(),
            modality: modality?,
            region,
            hospital,
            report,
            dicom,
            findings,
            macrovascular_invasion,
            extrahepatic_spread,
            splenomegaly,
            lesions,
        })
    }

    /// A lesion, and where its longest diameter is written.
    fn lesion(&mut self, t: &mut Table<'_, 's>) -> Option<(Lesion, Range<usize>)> {
        let id = t
            .required_string(&mut self.reader, "id", "\"L1\"")
            .map(Spanned::into_inner);
        let segment = self.string(t, "segment");
        let longest = self.size(t, "longest", true);
        let viable = self.size(t, "viable", false);
        let class = self.choice(t, "class");
        let note = self.text(t, "note");
        if let (Some((l, _, _)), Some((v, span, _))) = (&longest, &viable)
            && v > l
        {
            self.reader.error(
                span.clone(),
                tr!(
                    "viable diameter {v} mm is larger than the whole lesion ({l} mm) in {table}",
                    v,
                    l,
                    table = t.name
                ),
                Some(tr!(
                    "the viable (enhancing) part is at most the whole lesion; check the two numbers"
                )),
            );
        }
        let (longest_mm, span, longest_approximate) = longest?;
        Some((
            Lesion {
                id: id?,
                segment,
                longest_mm,
                viable_mm: viable.as_ref().map(|(v, _, _)| *v),
                class,
                note,
                longest_approximate,
                viable_approximate: viable.is_some_and(|(_, _, a)| a),
            },
            span,
        ))
    }

    /// A diameter, in millimetres: `<base>_mm = 26`, or `<base> = 26` (millimetres) or
    /// `<base> = "2.6 cm"` / `"26 mm"` with the unit written, converted exactly; `"约3 cm"`,
    /// `"~30 mm"`, `"about 3 cm"` are approximate (the `bool`).
    fn size(
        &mut self,
        t: &mut Table<'_, 's>,
        base: &str,
        required: bool,
    ) -> Option<(Decimal, Range<usize>, bool)> {
        let mm_key = format!("{base}_mm");
        let (has_mm, has_plain) = (t.has(&mm_key), t.has(base));
        if has_mm && has_plain {
            let span = t.span_of(base);
            t.get(base);
            t.get(&mm_key);
            self.reader.error(
                span,
                tr!(
                    "{table} gives both `{base}` and `{mm_key}`",
                    table = t.name,
                    base,
                    mm_key
                ),
                Some(tr!(
                    "keep one: {base} = \"<n> cm\" or {mm_key} = <n>",
                    base,
                    mm_key
                )),
            );
            return None;
        }
        if !has_mm && !has_plain {
            if required {
                self.reader.error(
                    t.span.clone(),
                    tr!(
                        "missing field `{key}` in {table}",
                        key = mm_key,
                        table = t.name
                    ),
                    Some(tr!(
                        "add the diameter: {mm_key} = <millimetres>, or with its unit: {base} = \"<n> cm\"",
                        mm_key,
                        base
                    )),
                );
                t.get(&mm_key);
            }
            return None;
        }
        let key = if has_mm {
            mm_key.clone()
        } else {
            base.to_string()
        };
        let span = t.span_of(&key);
        let (mm, approximate) = if !has_mm
            && t.get(&key).is_some_and(|v| v.get_ref().as_str().is_some())
        {
            let written = t.string(&mut self.reader, &key)?.into_inner();
            match parse_length(&written) {
                Some(length) => length,
                None => {
                    self.reader.error(
                        span,
                        tr!("`{key}` = \"{written}\" is not a length", key, written),
                        Some(tr!(
                            "write a number and a unit, like \"2.6 cm\" or \"26 mm\" (or a plain number of millimetres)"
                        )),
                    );
                    return None;
                }
            }
        } else {
            (*t.decimal(&mut self.reader, &key)?.get_ref(), false)
        };
        if mm < Decimal::ZERO || mm > Decimal::from(300) {
            self.reader.error(
                span,
                tr!("`{key}` = {mm} mm is not a plausible diameter", key, mm),
                Some(tr!(
                    "sizes are in mm unless a unit is written: 2.6 cm is 26, or write \"2.6 cm\""
                )),
            );
            return None;
        }
        Some((mm, span, approximate))
    }

    /// Measurements that look like a slip: a fraction of a millimetre below 10 (usually
    /// centimetres written as millimetres), or a lesion that changed more than fivefold with no
    /// treatment between; and lesion ids in one study only that look like another study's (a
    /// renamed lesion would count as new, and the old one as gone).
    fn check_lesions(&mut self, treatments: &[Treatment]) {
        let mut sizes = self.lesion_sizes.clone();
        sizes.sort_by_key(|a| a.date);
        let five = Decimal::from(5);
        let tace_dates: Vec<CaseDate> = treatments
            .iter()
            .filter(|t| t.kind == TreatmentKind::Tace)
            .map(|t| t.date)
            .collect();
        for (i, size) in sizes.iter().enumerate() {
            let same: Vec<&LesionSize> = sizes.iter().filter(|s| s.lesion == size.lesion).collect();
            let before = sizes[..i].iter().rev().find(|s| s.lesion == size.lesion);
            let neighbour = before.or_else(|| same.iter().copied().find(|s| s.date > size.date));
            if let Some(reason) = centimetres_reason(size, &same, &tace_dates) {
                let (lesion, study, mm) = (&size.lesion, &size.study, size.longest_mm.normalize());
                let message = match (reason, neighbour) {
                    (Some(reason), Some(n)) => tr!(
                        "`{lesion}` in {study} is {mm} mm, yet {reason}: was it {mm} cm? (`{other}` measured {other_mm} mm in {other_study}, {other_date}; a lesion under 10 mm is not counted by the transplant criteria)",
                        lesion,
                        study,
                        mm,
                        reason,
                        other = n.lesion,
                        other_mm = n.longest_mm.normalize(),
                        other_study = n.study,
                        other_date = n.date
                    ),
                    (Some(reason), None) => tr!(
                        "`{lesion}` in {study} is {mm} mm, yet {reason}: was it {mm} cm? (a lesion under 10 mm is not counted by the transplant criteria)",
                        lesion,
                        study,
                        mm,
                        reason
                    ),
                    (None, n) => match n {
                        Some(n) => tr!(
                            "`{lesion}` in {study} is {mm} mm: was it {mm} cm? (`{other}` measured {other_mm} mm in {other_study}, {other_date})",
                            lesion,
                            study,
                            mm,
                            other = n.lesion,
                            other_mm = n.longest_mm.normalize(),
                            other_study = n.study,
                            other_date = n.date
                        ),
                        None => tr!(
                            "`{lesion}` in {study} is {mm} mm: was it {mm} cm?",
                            lesion,
                            study,
                            mm
                        ),
                    },
                };
                self.reader.diagnostics.push(
                    Diagnostic::warning(message)
                        .kind(Kind::LesionSize)
                        .at(size.location.clone())
                        .hint(tr!(
                            "plain numbers are millimetres; write the unit if it was centimetres: longest = \"{mm} cm\"",
                            mm
                        )),
                );
            }
            if let Some(prev) = before {
                let (small, large) = if prev.longest_mm < size.longest_mm {
                    (prev.longest_mm, size.longest_mm)
                } else {
                    (size.longest_mm, prev.longest_mm)
                };
                let treated = treatments
                    .iter()
                    .any(|t| t.date > prev.date && t.date <= size.date);
                if small > Decimal::ZERO && large > small * five && !treated {
                    self.warn_at(
                        size.location.clone(),
                        tr!(
                            "`{lesion}` changed from {before_mm} mm in {before_study} ({before_date}) to {mm} mm in {study} ({date}) with no treatment between: more than fivefold",
                            lesion = size.lesion,
                            before_mm = prev.longest_mm.normalize(),
                            before_study = prev.study,
                            before_date = prev.date,
                            mm = size.longest_mm.normalize(),
                            study = size.study,
                            date = size.date
                        ),
                        tr!("check both numbers and their units (cm or mm) against the reports"),
                    );
                }
            }
        }
        let studies: std::collections::BTreeSet<&str> =
            sizes.iter().map(|s| s.study.as_str()).collect();
        if studies.len() < 2 {
            return;
        }
        for size in &sizes {
            let elsewhere: Vec<&LesionSize> = sizes
                .iter()
                .filter(|s| s.lesion == size.lesion && s.study != size.study)
                .collect();
            if !elsewhere.is_empty() {
                continue;
            }
            let in_this_study: Vec<&str> = sizes
                .iter()
                .filter(|s| s.study == size.study)
                .map(|s| s.lesion.as_str())
                .collect();
            let candidates: Vec<&LesionSize> = sizes
                .iter()
                .filter(|s| s.study != size.study && !in_this_study.contains(&s.lesion.as_str()))
                .collect();
            let wanted = lesion_key(&size.lesion);
            let near = candidates
                .iter()
                .find(|c| lesion_key(&c.lesion) == wanted)
                .map(|c| c.lesion.as_str())
                .or_else(|| {
                    crate::toml_reader::did_you_mean(
                        &size.lesion,
                        candidates.iter().map(|c| c.lesion.as_str()),
                    )
                });
            if let Some(near) = near {
                let seen: Vec<String> = sizes
                    .iter()
                    .filter(|s| s.lesion == near)
                    .map(|s| s.study.clone())
                    .collect();
                self.warn_at(
                    size.location.clone(),
                    tr!(
                        "lesion `{lesion}` appears only in {study}; did you mean `{near}` (in {studies})?",
                        lesion = size.lesion,
                        study = size.study,
                        near,
                        studies = seen.join(", ")
                    ),
                    tr!(
                        "the same lesion keeps the same id in every study: response criteria would count a renamed lesion as new and the old one as gone"
                    ),
                );
            }
        }
    }

    /// Lab values that cannot both be right: the same test on the same date with different
    /// values (neither is used by the criteria), and a tenfold change of a test that does not
    /// change that fast (a unit slip), each naming both places.
    fn check_labs(&mut self) {
        let sites = std::mem::take(&mut self.lab_values);
        let source = self.reader.source;
        let at = |site: &LabSite| source.locate(site.span.clone());
        let mut by_test: Vec<&LabSite> = sites.iter().collect();
        by_test.sort_by_key(|s| (s.analyte, s.date));
        let pairs = by_test
            .chunk_by(|a, b| (a.analyte, a.date) == (b.analyte, b.date))
            .flat_map(|group| {
                (0..group.len())
                    .flat_map(move |i| (i + 1..group.len()).map(move |j| (group[i], group[j])))
            });
        for (a, b) in pairs {
            {
                let key = a.analyte.key();
                let (shown_a, shown_b) = (shown_reading(&a.reading), shown_reading(&b.reading));
                if a.reading.agrees_with(&b.reading, a.analyte) {
                    self.warn_at(
                        at(b),
                        tr!(
                            "`{key}` of {date} is written twice: in {first} ({first_at}) and in {second} ({second_at})",
                            key,
                            date = a.date,
                            first = a.table,
                            first_at = at(a),
                            second = b.table,
                            second_at = at(b)
                        ),
                        tr!("keep it in one [[lab]] set"),
                    );
                } else {
                    self.warn_at(
                        at(b),
                        tr!(
                            "`{key}` of {date} has two different values: {shown_a} in {first} ({first_at}) and {shown_b} in {second} ({second_at}); the criteria use neither",
                            key,
                            date = a.date,
                            shown_a,
                            first = a.table,
                            first_at = at(a),
                            shown_b,
                            second = b.table,
                            second_at = at(b)
                        ),
                        tr!(
                            "check the lab sheets and keep the right one; if there were two draws that day, keep the one the doctors used"
                        ),
                    );
                }
            }
        }
        // Tenfold changes between consecutive values, in the analyte's canonical unit.
        for analyte in crate::lab::STABLE_ANALYTES {
            let mut series: Vec<(&LabSite, Decimal)> = sites
                .iter()
                .filter(|s| s.analyte == *analyte)
                .filter_map(|s| Some((s, s.reading.canonical(s.analyte)?)))
                .collect();
            series.sort_by_key(|(s, _)| s.date);
            for pair in series.windows(2) {
                let [(a, va), (b, vb)] = pair else { continue };
                let (low, high) = if va < vb { (*va, *vb) } else { (*vb, *va) };
                if low > Decimal::ZERO
                    && low.checked_mul(Decimal::TEN).is_some_and(|ten| high >= ten)
                {
                    self.warn_at(
                        at(b),
                        tr!(
                            "`{key}` changed tenfold: {first} on {first_date} ({first_at}) and {second} on {second_date} ({second_at})",
                            key = analyte.key(),
                            first = shown_reading(&a.reading),
                            first_date = a.date,
                            first_at = at(a),
                            second = shown_reading(&b.reading),
                            second_date = b.date,
                            second_at = at(b)
                        ),
                        tr!(
                            "check both numbers and their units against the lab sheets (µmol/L or mg/dL, g/L or g/dL)"
                        ),
                    );
                }
            }
        }
    }

    /// Nothing in the course of the disease can come before the birth date: a typo there turns
    /// MELD 3.0 into PELD.
    fn check_birth_first(&mut self, events: impl Iterator<Item = (&'static str, CaseDate)>) {
        let Some((born, span)) = self.birth.clone() else {
            return;
        };
        if let Some((what, date)) = events
            .filter(|(_, date)| date.last_day() < born.day())
            .min_by_key(|(_, date)| *date)
        {
            self.reader.error(
                span,
                tr!(
                    "`birth_date` ({born}) is after a {what} dated {date}",
                    born = born.in_lang(crate::i18n::ui()),
                    what,
                    date = date.in_lang(crate::i18n::ui())
                ),
                Some(tr!("check the year of birth (and of that entry)")),
            );
        }
    }

    /// A drug whose words (just read from `key`) say it was stopped while no `stop` is given:
    /// the packets cannot date the stop, so `check` asks for it at that line.
    fn warn_stopped_in_words(
        &mut self,
        t: &Table<'_, 's>,
        key: &str,
        text: &Text,
        course: &Course,
    ) {
        if course.stop.is_some()
            || course.stop_reason.is_some()
            || !crate::statement::says_stopped(text)
        {
            return;
        }
        let location = self
            .texts
            .last()
            .expect("the text was just read")
            .location
            .clone();
        self.warn_at(
            location,
            tr!(
                "`{key}` in {table} says the drug was stopped, but no `stop` date is given",
                key,
                table = t.name
            ),
            tr!(
                "add stop = 2019-06-01 (or the month, \"2019-06\") and stop_reason = \"side-effects\" / \"progression\" / \"completed\" / \"other\"; until then the packets list it as stopped, date not recorded"
            ),
        );
    }

    fn warn_at(&mut self, location: Location, message: String, hint: String) {
        self.reader
            .diagnostics
            .push(Diagnostic::warning(message).at(location).hint(hint));
    }

    fn pathology(&mut self, t: &mut Table<'_, 's>) -> Option<Pathology> {
        let date = t
            .required_date(&mut self.reader, "date")
            .map(Spanned::into_inner);
        let specimen = self.text(t, "specimen");
        let diagnosis = self.required_text(t, "diagnosis");
        let grade = self.choice(t, "grade");
        let microvascular_invasion = self.finding(t, "microvascular_invasion");
        let record = self.reference(t, "record", false, RecordKind::Pathology);
        Some(Pathology {
            date: date?,
            specimen,
            diagnosis: diagnosis?,
            grade,
            microvascular_invasion,
            record,
        })
    }

    /// One `[[lab]]` set: a date, its source, and analytes as keys.
    fn lab_set(&mut self, t: &mut Table<'_, 's>) -> Option<Vec<LabResult>> {
        let date = t.required_date(&mut self.reader, "date").map(|d| {
            self.lab_dates
                .push((*d.get_ref(), self.reader.source.locate(d.span())));
            d.into_inner()
        });
        let hospital = self.text(t, "hospital");
        let source = self.reference(t, "source", false, RecordKind::Lab);
        let keys: Vec<(String, Range<usize>)> = t
            .entries()
            .map(|(k, _)| (k.get_ref().to_string(), k.span()))
            .collect();
        let mut results = Vec::new();
        for (key, key_span) in keys {
            if matches!(key.as_str(), "date" | "hospital" | "source") {
                continue;
            }
            let Some(analyte) = Analyte::from_key(&key) else {
                // Reported here, where analyte names can be suggested, and marked as asked
                // so that `finish` does not report it again.
                let near = did_you_mean(
                    &key,
                    ANALYTES
                        .iter()
                        .map(|a| a.key)
                        .chain(["date", "hospital", "source"]),
                );
                let hint = match near {
                    Some(near) => tr!("did you mean `{near}`?", near),
                    None => tr!(
                        "known analytes: {analytes}",
                        analytes = list(&ANALYTES.iter().map(|a| a.key).collect::<Vec<_>>())
                    ),
                };
                self.reader.error(
                    key_span,
                    tr!(
                        "unknown analyte or field `{key}` in {table}",
                        key,
                        table = t.name
                    ),
                    Some(hint),
                );
                t.get(&key);
                continue;
            };
            let value = t.get(&key).expect("key exists");
            if let (Some(result), Some(date)) = (self.lab_value(analyte, value, &t.name), date) {
                let (reading, reference_range) = result;
                self.lab_values.push(LabSite {
                    analyte,
                    date,
                    reading: reading.clone(),
                    table: t.name.clone(),
                    span: value.span(),
                });
                results.push(LabResult {
                    analyte,
                    reading,
                    date,
                    hospital: hospital.clone(),
                    source: source.clone(),
                    reference_range,
                });
            }
        }
        date?;
        Some(results)
    }

    /// A lab value: `"20.52 µmol/L"`, `"5.2E+02 IU/mL"`, `1.2` (INR only), a word for
    /// serology and HBV DNA (`"阳性"`, `"not detected"`), or `{ value, unit, range }`.
    fn lab_value(
        &mut self,
        analyte: Analyte,
        value: &Spanned<DeValue<'_>>,
        table: &str,
    ) -> Option<(Reading, Option<String>)> {
        let key = analyte.key();
        let info = analyte.info();
        let name = crate::i18n::ui().pick(info.zh, info.en);
        let example_unit = info.units[0].symbol();
        // What was written for the value (with its unit, unless the unit has its own field).
        let (written, unit_field, range, span) = match value.get_ref() {
            DeValue::String(s) => (s.to_string(), None, None, value.span()),
            DeValue::Integer(_) | DeValue::Float(_) => (
                crate::toml_reader::decimal_of(value.get_ref())
                    .map(|d| d.to_string())
                    .unwrap_or_default(),
                None,
                None,
                value.span(),
            ),
            DeValue::Table(inner) => {
                let mut it = Table::new(tr!("`{key}` in {table}", key, table), inner, value.span());
                let number = it.get("value").map(|v| match v.get_ref() {
                    DeValue::String(s) => s.to_string(),
                    other => crate::toml_reader::decimal_of(other)
                        .map(|d| d.to_string())
                        .unwrap_or_default(),
                });
                let unit = it
                    .string(&mut self.reader, "unit")
                    .map(Spanned::into_inner)
                    .unwrap_or_default();
                let range = it
                    .string(&mut self.reader, "range")
                    .map(Spanned::into_inner);
                let span = inner.get("value").map_or(value.span(), Spanned::span);
                it.finish(&mut self.reader);
                match number {
                    Some(n) => (n, Some(unit), range, span),
                    None => {
                        self.reader.error(
                            value.span(),
                            tr!("`{key}` in {table} has no `value`", key, table),
                            Some(tr!(
                                "write it like: {key} = {{ value = <value>, unit = \"{example_unit}\" }}",
                                key,
                                example_unit
                            )),
                        );
                        return None;
                    }
                }
            }
            _ => (String::new(), None, None, value.span()),
        };
        let number_first = written
            .trim_start()
            .starts_with(|c: char| c.is_ascii_digit() || "<>≤≥.".contains(c));
        if let Some(word) = (!number_first)
            .then(|| Qualitative::parse_choice(&written))
            .flatten()
        {
            if analyte.accepts_words() {
                return Some((Reading::Word(word), range));
            }
            self.reader.error(
                span,
                tr!(
                    "`{key}` in {table} must be a number with its unit, found the word \"{word}\"",
                    key,
                    table,
                    word = written.trim()
                ),
                Some(tr!(
                    "words such as positive / 阳性 are for hepatitis serology and HBV DNA; for {name} write the number printed on the report, e.g. {key} = \"<value> {example_unit}\"",
                    name,
                    key,
                    example_unit
                )),
            );
            return None;
        }
        let parsed = parse_number(&written).filter(|n| unit_field.is_none() || n.rest.is_empty());
        let Some(number) = parsed else {
            if let Some(comma) = decimal_comma(&written) {
                self.reader.error(
                    span,
                    tr!(
                        "`{key}` in {table} is written `{written}` with a comma",
                        key,
                        table,
                        written = written.trim()
                    ),
                    Some(tr!("a decimal point is needed: write {comma}", comma)),
                );
                return None;
            }
            let found = describe(value.get_ref());
            let message = if analyte.accepts_words() {
                tr!(
                    "`{key}` in {table} must be a number with its unit, or a result word ({words}), found {found}",
                    key,
                    table,
                    words = list(&["positive", "negative", "阳性", "阴性", "未检出"]),
                    found
                )
            } else {
                tr!(
                    "`{key}` in {table} must be a number with its unit, found {found}",
                    key,
                    table,
                    found
                )
            };
            self.reader.error(
                span,
                message,
                Some(tr!(
                    "write it as printed on the report, e.g. {key} = \"<value> {example_unit}\" or \"<n>E+<power> {example_unit}\"",
                    key,
                    example_unit
                )),
            );
            return None;
        };
        // Beyond any lab's range, and beyond what the arithmetic is sure to hold.
        if number.value > Decimal::from(1_000_000_000_000u64) {
            self.reader.error(
                span,
                tr!(
                    "`{key}` in {table} is too large to be a lab value",
                    key,
                    table
                ),
                Some(tr!(
                    "check the number (and the power of ten) against the lab sheet"
                )),
            );
            return None;
        }
        let unit_text = unit_field.unwrap_or_else(|| number.rest.clone());
        let unit = if unit_text.is_empty() {
            if info.units == [Unit::Ratio] {
                Unit::Ratio
            } else {
                self.reader.error(
                    span,
                    tr!("`{key}` in {table} has no unit", key, table),
                    Some(tr!(
                        "add the unit printed on the report, e.g. \"{number} {example_unit}\"",
                        number = written.trim(),
                        example_unit
                    )),
                );
                return None;
            }
        } else {
            let units = list(&info.units.iter().map(|u| u.symbol()).collect::<Vec<_>>());
            let hint = tr!("units accepted for `{key}`: {units}", key, units);
            match Unit::parse_choice(&unit_text) {
                Some(u) if info.units.contains(&u) => u,
                Some(u) => {
                    self.reader.error(
                        span,
                        tr!(
                            "`{unit}` is not a unit for {name} in {table}",
                            unit = u.symbol(),
                            name,
                            table
                        ),
                        Some(hint),
                    );
                    return None;
                }
                None => {
                    self.reader.error(
                        span,
                        tr!(
                            "unknown unit `{unit}` for `{key}` in {table}",
                            unit = unit_text,
                            key,
                            table
                        ),
                        Some(hint),
                    );
                    return None;
                }
            }
        };
        let measured = Measured {
            value: number.value,
            qualifier: number.qualifier,
            unit,
            printed: number.printed,
        };
        if !self.unit_agrees(analyte, &measured, range.as_deref(), span.clone(), table)
            || !self.plausible(analyte, &measured, span, table)
        {
            return None;
        }
        Some((Reading::Number(measured), range))
    }

    /// For a test with two common units (bilirubin µmol/L or mg/dL, …), a value or reference
    /// range that is plausible only in the other unit is an error naming both readings: bilirubin
    /// 21.3 mg/dL with range 3.4–20.5 would pass every bound and give ALBI grade 3. `false` for
    /// an error.
    fn unit_agrees(
        &mut self,
        analyte: Analyte,
        measured: &Measured,
        range: Option<&str>,
        span: Range<usize>,
        table: &str,
    ) -> bool {
        let written = measured.unit;
        let (Some(other), Some(limits), Some((_, low, high))) = (
            crate::lab::other_common_unit(analyte, written),
            crate::lab::usual_reference_limits(analyte),
            crate::lab::plausible(analyte),
        ) else {
            return true;
        };
        let canonical = analyte.canonical_unit();
        let in_canonical =
            |v: Decimal, unit: Unit| crate::lab::convert(analyte, v, unit, canonical);
        let value_fits = |unit: Unit| {
            measured.qualifier != Qualifier::Exact
                || in_canonical(measured.value, unit).is_some_and(|v| v >= low && v <= high)
        };
        let limits_of = range.and_then(crate::lab::range_limits);
        let range_fits = |unit: Unit| {
            let (lower, upper) = limits_of?;
            let within = |v: Option<Decimal>, min: Decimal, max: Decimal| {
                v.is_none_or(|v| in_canonical(v, unit).is_some_and(|v| v >= min && v <= max))
            };
            Some(within(lower, limits[0], limits[1]) && within(upper, limits[2], limits[3]))
        };
        let contradicted = value_fits(other)
            && range_fits(written) != Some(true)
            && (!value_fits(written) || range_fits(other) == Some(true));
        if !contradicted {
            return true;
        }
        let (key, value) = (analyte.key(), measured.shown());
        let (unit, other) = (written.symbol(), other.symbol());
        let message = match range {
            Some(range) if range_fits(written) == Some(false) => tr!(
                "`{key}` in {table}: {value} with range {range} reads as {other}, not {unit}",
                key,
                table,
                value,
                range = range.trim(),
                other,
                unit
            ),
            _ => tr!(
                "`{key}` in {table}: {value} reads as {other}, not {unit}",
                key,
                table,
                value,
                other,
                unit
            ),
        };
        self.reader.error(
            span,
            message,
            Some(tr!(
                "write the unit printed beside the value on the lab sheet: unit = \"{other}\"",
                other
            )),
        );
        false
    }

    /// An impossible value (sodium 0) is an error; an implausible one (creatinine 0.95 µmol/L,
    /// likely mg/dL) a warning naming what is plausible. `false` for an error.
    fn plausible(
        &mut self,
        analyte: Analyte,
        measured: &Measured,
        span: Range<usize>,
        table: &str,
    ) -> bool {
        let canonical_unit = analyte.canonical_unit();
        let Some((possible, low, high)) = crate::lab::plausible(analyte) else {
            return true;
        };
        let Some(value) =
            crate::lab::convert(analyte, measured.value, measured.unit, canonical_unit)
        else {
            return true;
        };
        let key = analyte.key();
        // The value as written, and in the canonical unit when it was written in another.
        let mut written = format!("{} {}", measured.shown(), measured.unit.symbol());
        if measured.unit != canonical_unit {
            written = format!(
                "{written} ({} {})",
                crate::clinical::show(value),
                canonical_unit.symbol()
            );
        }
        let (low, high, unit) = (low.normalize(), high.normalize(), canonical_unit.symbol());
        if value < possible && measured.qualifier == Qualifier::Exact {
            self.reader.error(
                span,
                tr!(
                    "`{key}` in {table} is {written}, which is not possible",
                    key,
                    table,
                    written
                ),
                Some(tr!(
                    "check the number against the lab sheet; values run from about {low} to {high} {unit}",
                    low,
                    high,
                    unit
                )),
            );
            return false;
        }
        if measured.qualifier == Qualifier::Exact && (value < low || value > high) {
            self.reader.warning(
                span,
                tr!(
                    "`{key}` in {table} is {written}, outside what is plausible ({low}–{high} {unit})",
                    key,
                    table,
                    written,
                    low,
                    high,
                    unit
                ),
                Some(tr!(
                    "check the number and the unit against the lab sheet (µmol/L or mg/dL, g/L or g/dL)"
                )),
            );
        }
        true
    }

    fn assessment(&mut self, t: &mut Table<'_, 's>) -> Option<Assessment> {
        let date = t
            .required_date(&mut self.reader, "date")
            .map(Spanned::into_inner);
        // `ecog = "0-1"`: a description, kept as written; a number in quotes is a number.
        let described = t
            .get("ecog")
            .and_then(|v| v.get_ref().as_str().map(|s| s.trim().to_string()));
        let described_number = described
            .as_ref()
            .and_then(|s| s.parse::<u8>().ok())
            .filter(|n| *n <= 4);
        let ecog = if described.is_some() {
            described_number
        } else {
            t.integer(&mut self.reader, "ecog").and_then(|v| {
            if (0..=4).contains(v.get_ref()) {
                u8::try_from(*v.get_ref()).ok()
            } else {
                self.reader.error(
                    v.span(),
                    tr!(
                        "ECOG performance status must be 0 to 4, found {ecog}",
                        ecog = v.get_ref()
                    ),
                    Some(tr!(
                        "write the number the doctor gave, ecog = <0–4>, or the words as written: ecog = \"<as written>\""
                    )),
                );
                None
            }
        })
        };
        let performance = self.text(t, "performance").or_else(|| {
            described
                .filter(|_| described_number.is_none())
                .map(Text::plain)
        });
        let ascites = self.choice(t, "ascites");
        let encephalopathy = self.choice(t, "encephalopathy");
        let dialysis = t.bool(&mut self.reader, "dialysis");
        let weight_kg = t.decimal(&mut self.reader, "weight_kg").and_then(|w| {
            let kg = *w.get_ref();
            if kg <= Decimal::ZERO {
                self.reader.error(
                    w.span(),
                    tr!(
                        "`weight_kg` in {table} is {kg}, which is not possible",
                        table = t.name,
                        kg
                    ),
                    Some(tr!("write the weight in kilograms: weight_kg = <kilograms>")),
                );
                return None;
            }
            if kg < Decimal::from(25) || kg > Decimal::from(250) {
                self.reader.warning(
                    w.span(),
                    tr!(
                        "`weight_kg` in {table} is {kg} kg, outside what is plausible for an adult (25–250 kg)",
                        table = t.name,
                        kg
                    ),
                    Some(tr!(
                        "check the number, and that it is in kilograms (1 斤 = 0.5 kg, 1 lb = 0.4536 kg)"
                    )),
                );
            }
            Some(w.into_inner())
        });
        let assessed_by = self.text(t, "assessed_by");
        let note = self.text(t, "note");
        Some(Assessment {
            date: date?,
            ecog,
            performance,
            ascites,
            encephalopathy,
            dialysis,
            weight_kg,
            assessed_by,
            note,
        })
    }

    fn medication(&mut self, t: &mut Table<'_, 's>) -> Option<(Medication, Anchors)> {
        let name = self.required_text(t, "name");
        let dose = self.text(t, "dose");
        let start = t
            .date_or_unknown(&mut self.reader, "start")
            .map(Spanned::into_inner);
        let course = self.course(t, start);
        let purpose = self.text(t, "purpose");
        if let Some(purpose) = &purpose {
            self.warn_stopped_in_words(t, "purpose", purpose, &course);
        }
        let anchors = self.anchors(t);
        Some((
            Medication {
                name: name?,
                dose,
                start,
                course,
                purpose,
            },
            anchors,
        ))
    }

    fn allergy(&mut self, t: &mut Table<'_, 's>) -> Option<Allergy> {
        let substance = self.required_text(t, "substance");
        let reaction = self.text(t, "reaction");
        Some(Allergy {
            substance: substance?,
            reaction,
        })
    }

    /// `allergies = "none known"` (or `no_known_allergies = true`): the family says there are
    /// none, which is not the same as not having written any.
    fn no_known_allergies(&mut self, root: &mut Table<'_, 's>, listed: bool) -> bool {
        let mut said = None;
        if root.has("allergies") {
            let span = root.span_of("allergies");
            match root.string(&mut self.reader, "allergies") {
                Some(word) if NONE_KNOWN.contains(&word.get_ref().trim().to_lowercase().as_str()) => said = Some(span),
                Some(word) => self.reader.error(
                    span,
                    tr!(
                        "`allergies = \"{word}\"` is not understood",
                        word = word.get_ref()
                    ),
                    Some(tr!(
                        "write allergies = \"none known\" (无已知过敏) when there are none; list allergies as [[allergy]] entries with substance = \"...\""
                    )),
                ),
                None => {}
            }
        }
        if let Some(flag) = root.bool(&mut self.reader, "no_known_allergies")
            && flag
        {
            said = Some(root.span_of("no_known_allergies"));
        }
        match said {
            Some(span) if listed => {
                self.reader.error(
                    span,
                    tr!(
                        "the case says there are no known allergies, but lists [[allergy]] entries"
                    ),
                    Some(tr!("remove one of the two")),
                );
                false
            }
            Some(_) => true,
            None => false,
        }
    }

    fn comorbidity(&mut self, t: &mut Table<'_, 's>) -> Option<Comorbidity> {
        let name = self.required_text(t, "name");
        let since = self.optional_date(t, "since");
        let note = self.text(t, "note");
        Some(Comorbidity {
            name: name?,
            since,
            note,
        })
    }

    /// A question is itself a bilingual text: `zh = "..."` and/or `en = "..."`.
    fn question(&mut self, t: &mut Table<'_, 's>) -> Option<Text> {
        let zh = self.string(t, "zh");
        let en = self.string(t, "en");
        if zh.is_none() && en.is_none() {
            self.reader.error(
                t.span.clone(),
                tr!("{table} has no text", table = t.name),
                Some(tr!(
                    "write the question as zh = \"...\" and/or en = \"...\""
                )),
            );
            return None;
        }
        let text = Text::new(zh, en);
        let location = self.reader.source.locate(t.span.clone());
        self.texts.push(TextSite {
            location,
            field: t.name.clone(),
            text: text.clone(),
        });
        Some(text)
    }

    /// The metadata of one record (from a `[[record]]` entry or a sidecar); `None` when the
    /// file (`path`) cannot be used, after the fields are checked all the same.
    fn record_fields(&mut self, t: &mut Table<'_, 's>, path: Option<PathBuf>) -> Option<Record> {
        let kind = t
            .required_choice(&mut self.reader, "kind")
            .map(Spanned::into_inner);
        let date = t
            .required_date(&mut self.reader, "date")
            .map(Spanned::into_inner);
        let title = self.required_text(t, "title");
        let language = self.choice(t, "language");
        let other_patient = t.bool(&mut self.reader, "other_patient").unwrap_or(false);
        if other_patient && kind != Some(RecordKind::Dicom) {
            self.reader.error(
                t.span_of("other_patient"),
                tr!("`other_patient` is for DICOM folders (kind \"dicom\")"),
                Some(tr!(
                    "a file of another person does not belong in records/: move it out"
                )),
            );
        }
        let path = path?;
        if (kind == Some(RecordKind::Dicom)) != self.records.dirs.contains(&path) {
            self.reader.error(
                t.span_of("kind"),
                tr!(
                    "`records/{path}`: kind \"dicom\" is for folders of DICOM files, and folders must be kind \"dicom\"",
                    path = path.display()
                ),
                None,
            );
        }
        Some(Record {
            path,
            kind: kind?,
            date: date?,
            title: title?,
            language,
            other_patient,
        })
    }

    fn criteria_settings(&mut self, t: &mut Table<'_, 's>) -> CriteriaSettings {
        let mut settings = CriteriaSettings::default();
        if let Some(days) = t.integer(&mut self.reader, "lab_window_days") {
            match u32::try_from(*days.get_ref()) {
                Ok(d) if d <= 90 => settings.lab_window_days = d,
                _ => self.reader.error(
                    days.span(),
                    tr!("`lab_window_days` must be between 0 and 90"),
                    None,
                ),
            }
        }
        if let Some(factor) = t.decimal(&mut self.reader, "afp_ng_per_iu") {
            if *factor.get_ref() <= Decimal::ZERO {
                self.reader.error(
                    factor.span(),
                    tr!("`afp_ng_per_iu` must be positive"),
                    Some(tr!(
                        "the factor is assay-specific (about 1.21 for the WHO 72/225 standard); ask the lab"
                    )),
                );
            } else {
                settings.afp_ng_per_iu = Some(factor.into_inner());
            }
        }
        settings
    }

    fn check_duplicate_records(&mut self, records: &[Record]) {
        let mut seen = BTreeSet::new();
        for record in records {
            if !seen.insert(&record.path) {
                self.reader.error(
                    0..0,
                    tr!(
                        "`records/{path}` has two [[record]] entries",
                        path = record.path.display()
                    ),
                    Some(tr!("keep one entry per file")),
                );
            }
        }
    }
}

/// Splits `"20.52 µmol/L"` or `"<0.5ng/mL"` into the number and the unit.
/// Words that say there are no known allergies.
const NONE_KNOWN: &[&str] = &[
    "none known",
    "none",
    "no known allergies",
    "nka",
    "nkda",
    "无",
    "无已知过敏",
    "否认",
    "否认过敏史",
    "无过敏史",
];

/// Why a diameter under 10 mm looks like centimetres typed as millimetres: `Some(None)` for a
/// fraction of a millimetre, `Some(Some(reason))` for a lesion that a small one contradicts —
/// called HCC (LR-5, LR-TR viable, biopsy), treated by a TACE (it was there before one), or
/// measured only once while its report speaks of centimetres.
fn centimetres_reason(
    size: &LesionSize,
    same: &[&LesionSize],
    tace_dates: &[CaseDate],
) -> Option<Option<String>> {
    if size.longest_mm >= Decimal::TEN {
        return None;
    }
    if let Some(class) = size.class.filter(|c| c.counts_as_hcc()) {
        return Some(Some(tr!("it is called {class}", class = class.name())));
    }
    if tace_dates
        .iter()
        .any(|t| same.iter().any(|s| s.date.last_day() < t.day()))
    {
        return Some(Some(tr!("a TACE treated it")));
    }
    if same.len() == 1 && size.says_cm {
        return Some(Some(tr!(
            "it is measured only here and its report or note says cm"
        )));
    }
    (size.longest_mm.fract() != Decimal::ZERO).then_some(None)
}

/// Whether a text speaks of centimetres (`3 cm`, `3cm`, `3厘米`), in either language.
fn mentions_centimetres(text: &Text) -> bool {
    [Lang::Zh, Lang::En]
        .into_iter()
        .filter_map(|lang| text.get(lang))
        .any(|t| {
            let t = t.to_lowercase();
            t.contains("厘米")
                || t.match_indices("cm").any(|(i, _)| {
                    let before = t[..i].trim_end();
                    before.ends_with(|c: char| c.is_ascii_digit())
                        && !t[i + 2..].starts_with(|c: char| c.is_ascii_alphabetic())
                })
        })
}

/// Words that make a length approximate, before it (约3 cm, ~30 mm, about 3 cm) or after it
/// (3 cm左右).
const ABOUT_BEFORE: &[&str] = &[
    "approximately",
    "approx.",
    "approx",
    "about",
    "around",
    "circa",
    "ca.",
    "大约",
    "约",
    "~",
    "～",
    "≈",
];
const ABOUT_AFTER: &[&str] = &["左右", "上下"];

/// A length written with its unit, in millimetres: `2.6 cm`, `26 mm`, `2.6厘米`, `26毫米`, `26`,
/// and whether it was written as approximate (`约3 cm`, `~30 mm`, `about 3 cm`, `3 cm左右`).
fn parse_length(written: &str) -> Option<(Decimal, bool)> {
    let lower = written.trim().to_lowercase();
    let before = ABOUT_BEFORE.iter().find_map(|w| lower.strip_prefix(w));
    let after = ABOUT_AFTER
        .iter()
        .find_map(|w| before.unwrap_or(&lower).trim_end().strip_suffix(w));
    let approximate = before.is_some() || after.is_some();
    let written = after
        .or(before)
        .unwrap_or(&lower)
        .trim()
        .replace(['，', ','], ".");
    let number = parse_number(&written)
        .filter(|n| n.qualifier == Qualifier::Exact && n.printed.is_none())?;
    let value = number.value;
    let factor = match number.rest.to_lowercase().as_str() {
        "" | "mm" | "毫米" => Decimal::ONE,
        "cm" | "厘米" => Decimal::TEN,
        _ => return None,
    };
    Some((value * factor, approximate))
}

/// A lesion id reduced to what tells lesions apart: `L1`, `lesion 1`, `病灶1` → `1`.
fn lesion_key(id: &str) -> String {
    let lower = id.to_lowercase();
    let mut rest = lower.as_str();
    for prefix in [
        "lesion", "nodule", "tumour", "tumor", "病灶", "结节", "肿瘤", "l",
    ] {
        if let Some(stripped) = rest.strip_prefix(prefix) {
            rest = stripped;
            break;
        }
    }
    rest.chars().filter(|c| c.is_alphanumeric()).collect()
}

/// A reading as the warnings quote it: `20.52 µmol/L`, `阳性`.
fn shown_reading(reading: &Reading) -> String {
    match reading {
        Reading::Number(m) => format!("{} {}", m.shown(), m.unit.symbol())
            .trim()
            .to_string(),
        Reading::Word(w) => w.to_string(),
    }
}

/// A number as a lab prints it, and what follows it (the unit, when written together).
#[derive(Debug, PartialEq)]
struct PrintedNumber {
    value: Decimal,
    qualifier: Qualifier,
    /// The number as written when it is in scientific notation.
    printed: Option<String>,
    rest: String,
}

/// `"<0.5 ng/mL"`, `"1,210 U/L"`, `"5.2E+02 IU/mL"`, `"5.2×10^2 IU/mL"`, `"5.2×10²"`. A power
/// of ten followed by `/` is a unit (`135 ×10^9/L`), not an exponent.
fn parse_number(written: &str) -> Option<PrintedNumber> {
    let written = written.trim();
    let (qualifier, rest) = if let Some(r) = written.strip_prefix(['<', '≤']) {
        (Qualifier::Below, r)
    } else if let Some(r) = written.strip_prefix(['>', '≥']) {
        (Qualifier::Above, r)
    } else {
        (Qualifier::Exact, written)
    };
    let rest = rest.trim_start();
    let end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))
        .unwrap_or(rest.len());
    let digits = &rest[..end];
    // A comma only as a thousands separator (1,210): "1,3" may be a decimal comma, and read as
    // 13 it would be silently ten times too high.
    if digits.contains(',') && !thousands(digits) {
        return None;
    }
    let mantissa: Decimal = digits.replace(',', "").parse().ok()?;
    let (value, printed, after) = match exponent(&rest[end..]) {
        Some((power, used)) => {
            let value = Decimal::from_scientific(&format!("{mantissa}e{power}")).ok()?;
            let printed = rest[..end + used].trim().to_string();
            (value, Some(printed), &rest[end + used..])
        }
        None => (mantissa, None, &rest[end..]),
    };
    Some(PrintedNumber {
        value,
        qualifier,
        printed,
        rest: after.trim().to_string(),
    })
}

/// "1,3" read as a decimal comma: "1.3".
fn decimal_comma(written: &str) -> Option<String> {
    let number: String = written
        .trim()
        .trim_start_matches(['<', '>', '≤', '≥'])
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == ',')
        .collect();
    (number.matches(',').count() == 1 && !thousands(&number)).then(|| number.replace(',', "."))
}

/// `1,210` or `12,345,678.5`: commas between groups of three digits.
fn thousands(digits: &str) -> bool {
    let whole = digits.split('.').next().unwrap_or_default();
    let mut groups = whole.split(',');
    groups.next().is_some_and(|g| (1..=3).contains(&g.len()))
        && groups.all(|g| g.len() == 3)
        && digits.matches('.').count() <= 1
}

/// A power of ten right after a number: `E+02`, `e2`, ` × 10^2`, `x10^-1`, `×10²`. Returns
/// the power and the bytes it takes.
fn exponent(after: &str) -> Option<(i32, usize)> {
    const SUPERSCRIPTS: [char; 10] = ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];
    let signed_digits = |s: &str| -> Option<(i32, usize)> {
        let digits_from = usize::from(s.starts_with(['+', '-']));
        let len = s[digits_from..]
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(s.len() - digits_from);
        (1..=3).contains(&len).then_some(())?;
        Some((s[..digits_from + len].parse().ok()?, digits_from + len))
    };
    let (power, used) = if let Some(e) = after.strip_prefix(['E', 'e']) {
        let (power, len) = signed_digits(e)?;
        (power, 1 + len)
    } else {
        let trimmed = after.trim_start();
        let times = trimmed.strip_prefix(['×', 'x', 'X', '*'])?;
        let ten = times.trim_start().strip_prefix("10")?;
        let (power, len) = if let Some(p) = ten.strip_prefix('^') {
            let (power, len) = signed_digits(p)?;
            (power, len + 1)
        } else {
            let (negative, sup) = match ten.strip_prefix('⁻') {
                Some(s) => (true, s),
                None => (false, ten),
            };
            let digits: String = sup
                .chars()
                .map_while(|c| SUPERSCRIPTS.iter().position(|s| *s == c))
                .map(|d| char::from(b'0' + d as u8))
                .collect();
            let power: i32 = digits.parse().ok()?;
            let len = sup
                .chars()
                .take(digits.len())
                .map(char::len_utf8)
                .sum::<usize>()
                + if negative { '⁻'.len_utf8() } else { 0 };
            (if negative { -power } else { power }, len)
        };
        let used = after.len() - ten.len() + len;
        (power, used)
    };
    // `×10^9/L` is a unit.
    (!after[used..].trim_start().starts_with('/')).then_some((power, used))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn number(written: &str) -> (String, Qualifier, Option<&str>, &str) {
        let n = parse_number(written).unwrap_or_else(|| panic!("{written}"));
        let leaked: &'static str = Box::leak(n.rest.into_boxed_str());
        let printed: Option<&'static str> = n.printed.map(|p| &*Box::leak(p.into_boxed_str()));
        (
            n.value.normalize().to_string(),
            n.qualifier,
            printed,
            leaked,
        )
    }

    #[test]
    fn numbers_are_read_as_labs_print_them() {
        use Qualifier::*;
        for (written, value, qualifier, printed, rest) in [
            ("20.52 µmol/L", "20.52", Exact, None, "µmol/L"),
            ("<0.5ng/mL", "0.5", Below, None, "ng/mL"),
            ("< 0.5 ng/mL", "0.5", Below, None, "ng/mL"),
            ("1.2", "1.2", Exact, None, ""),
            ("1,210 U/L", "1210", Exact, None, "U/L"),
            ("135 ×10^9/L", "135", Exact, None, "×10^9/L"),
            ("135 x10^9/L", "135", Exact, None, "x10^9/L"),
            ("5.2E+02 IU/mL", "520", Exact, Some("5.2E+02"), "IU/mL"),
            ("5.2e2 IU/mL", "520", Exact, Some("5.2e2"), "IU/mL"),
            ("5.2×10^2 IU/mL", "520", Exact, Some("5.2×10^2"), "IU/mL"),
            (
                "5.2 × 10^2 IU/mL",
                "520",
                Exact,
                Some("5.2 × 10^2"),
                "IU/mL",
            ),
            ("5.2×10² IU/mL", "520", Exact, Some("5.2×10²"), "IU/mL"),
            ("1.5×10⁻¹ S/CO", "0.15", Exact, Some("1.5×10⁻¹"), "S/CO"),
            (
                ">1.7E+08 IU/mL",
                "170000000",
                Above,
                Some("1.7E+08"),
                "IU/mL",
            ),
            ("<2.0E+01 IU/mL", "20", Below, Some("2.0E+01"), "IU/mL"),
        ] {
            assert_eq!(
                number(written),
                (value.to_string(), qualifier, printed, rest),
                "{written}"
            );
        }
        for bad in ["abc", "", "<", "E+02 IU/mL", "-3"] {
            assert!(parse_number(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn lengths_take_a_unit() {
        let exact = |mm: i64| Some((Decimal::new(mm, 0), false));
        let about = |mm: i64| Some((Decimal::new(mm, 0), true));
        assert_eq!(parse_length("3.4 cm"), exact(34));
        assert_eq!(parse_length("26毫米"), exact(26));
        assert_eq!(parse_length("3，4厘米"), exact(34));
        assert_eq!(parse_length("约3 cm"), about(30));
        assert_eq!(parse_length("~30 mm"), about(30));
        assert_eq!(parse_length("about 3 cm"), about(30));
        assert_eq!(parse_length("大约3厘米"), about(30));
        assert_eq!(parse_length("3cm左右"), about(30));
        assert_eq!(parse_length("about"), None);
        assert_eq!(parse_length("<3 cm"), None);
        assert_eq!(parse_length("3 in"), None);
    }
}
