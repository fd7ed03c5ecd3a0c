//! `consultpack summary`: the case summary PDF for previewing, in one language, optionally for
//! one contact, with the records appended.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use super::{load_valid, print_diagnostics, print_stdout};
use crate::case::Case;
use crate::case::model::{Record, RecordKind};
use crate::cli::{LangArg, SummaryArgs};
use crate::clinical;
use crate::contacts::Contact;
use crate::date::ReaderDate;
use crate::diagnostic::Diagnostics;
use crate::error::{Error, Result};
use crate::folder::{CaseFolder, RECORDS_DIR};
use crate::fonts::{FallbackFont, Fonts};
use crate::pdf::{self, AppendedRecord};
use crate::private_file;
use crate::summary::{self, SummaryInput, words};
use crate::text::Lang;
use crate::tr;

pub fn run(folder: &CaseFolder, args: &SummaryArgs, today: NaiveDate) -> Result<()> {
    let loaded = load_valid(folder, today)?;
    let case = &loaded
        .case
        .as_ref()
        .ok_or_else(|| Error::user(tr!("the case could not be read"), None))?
        .case;
    let contact = match &args.contact {
        Some(id) => Some(loaded.contacts.get(id).map_err(|unknown| {
            Error::user(
                unknown.to_string(),
                Some(tr!("`consultpack contacts list` shows every id")),
            )
        })?),
        None => None,
    };
    let lang = match args.lang {
        Some(LangArg::Zh) => Lang::Zh,
        Some(LangArg::En) => Lang::En,
        None => contact.map_or(Lang::Zh, |c| c.language),
    };
    let fonts = load_fonts(&args.font)?;
    let template = folder.template(&summary::template_name(lang))?;
    let appended = if args.no_records {
        Vec::new()
    } else {
        appendable(case)
    };
    let appended_paths: Vec<PathBuf> = appended.iter().map(|r| r.path.clone()).collect();
    let criteria = clinical::evaluate(case, today);
    let dicom = super::dicom_index(folder, case);
    super::refuse_foreign_dicom(folder, case, &dicom)?;
    let document = summary::build(SummaryInput {
        case,
        contact,
        lang,
        today,
        template: &template,
        appended: &appended_paths,
        criteria: &criteria,
        dicom: &dicom.studies,
    })
    .map_err(|e| {
        Error::user(
            e.to_string(),
            Some(tr!(
                "fix the template, or delete the case's copy to use the shipped one"
            )),
        )
    })?;

    let created = today.and_hms_opt(0, 0, 0).expect("midnight exists");
    let mut rendered = pdf::render_summary(&document, &fonts, created)?;
    let output = args.output.clone().map_or_else(
        || default_output(folder, case, contact, lang, today, !args.no_records),
        Ok,
    )?;
    folder.check_output(&output, args.force)?;
    let written = private_file::with_parents(&output, || {
        let identifiers = summary::context::identifiers(case, contact, lang);
        let names = crate::packet::names::RecordNames::of(
            case,
            contact.map(|c| crate::packet::Pack::for_channel(c.channel)),
        );
        let appended: Vec<(&Record, String)> =
            appended.iter().map(|&r| (r, names.name(&r.path))).collect();
        write_packet(
            folder,
            &output,
            &rendered.bytes,
            &appended,
            document.paper,
            &fonts,
            (&identifiers, lang),
        )
    })?;
    rendered.warnings.extend(written);
    print_diagnostics(&mut rendered.warnings);
    print_stdout(&format!("{}\n", output.display()))
}

/// Writes the summary, followed by the records if there are any, returning the warnings about
/// records that were left out.
fn write_packet(
    folder: &CaseFolder,
    output: &Path,
    summary: &[u8],
    appended: &[(&Record, String)],
    paper: crate::document::Paper,
    fonts: &Fonts,
    (identifiers, lang): (&str, Lang),
) -> Result<Diagnostics> {
    if appended.is_empty() {
        private_file::write(output, summary)?;
        return Ok(Diagnostics::default());
    }
    // Numbered apart from the summary's pages, whose footer says that records follow.
    let count = appended.len();
    let records: Vec<AppendedRecord> = appended
        .iter()
        .enumerate()
        .map(|(index, (r, name))| {
            let mut record = appended_record(folder, r, name, identifiers, lang);
            let number = match lang {
                Lang::Zh => format!("资料 {}/{count}", index + 1),
                Lang::En => format!("Record {}/{count}", index + 1),
            };
            record.header_line = match record.header_line.split_once('\n') {
                Some((ids, line)) => format!("{ids}\n{number} · {line}"),
                None => format!("{number} · {}", record.header_line),
            };
            record
        })
        .collect();
    // Straight to the file: the records are never all in memory at once.
    private_file::write_with(output, |out| {
        pdf::append_records(summary, &records, paper, fonts, out)
    })
}

/// The built-in fonts plus the user's fallback fonts.
pub(super) fn load_fonts(paths: &[PathBuf]) -> Result<Fonts> {
    if paths.is_empty() {
        return Ok(Fonts::builtin());
    }
    let mut fallbacks = Vec::new();
    for path in paths {
        let bytes = crate::case_files::read_capped(path, crate::case_files::RECORD_LIMIT)
            .map_err(Error::io("read font", path))?;
        fallbacks.push(FallbackFont {
            name: path.display().to_string(),
            bytes,
        });
    }
    Fonts::with_fallbacks(fallbacks)
}

/// Records that can go into a PDF, oldest first (DICOM folders never do).
fn appendable(case: &Case) -> Vec<&Record> {
    let mut records: Vec<&Record> = case
        .records
        .iter()
        .filter(|r| r.kind != RecordKind::Dicom)
        .filter(|r| {
            let ext = r
                .path
                .extension()
                .map(|e| e.to_string_lossy().to_lowercase())
                .unwrap_or_default();
            matches!(ext.as_str(), "pdf" | "jpg" | "jpeg" | "png")
        })
        .collect();
    records.sort_by(|a, b| (a.date, &a.path).cmp(&(b.date, &b.path)));
    records
}

/// A record as it is appended: its banner names the patient (`identifiers`, as this reader may
/// see them) on its first line, the record's date, what it is and its file on the second — by
/// the `name` the reader's packet gives it, so that the banner and the packet agree.
pub(super) fn appended_record(
    folder: &CaseFolder,
    record: &Record,
    name: &str,
    identifiers: &str,
    lang: Lang,
) -> AppendedRecord {
    let title = record.title.best(lang);
    AppendedRecord {
        path: folder.path(RECORDS_DIR).join(&record.path),
        header_line: format!(
            "{identifiers}\n{} · {} · {}",
            record.date.for_reader(lang),
            words::record_label(record.kind, title, lang, " · "),
            name
        ),
        bookmark_title: format!(
            "{} {}",
            record.date.for_reader(lang),
            words::record_label(record.kind, title, lang, " ")
        ),
    }
}

/// `<case>/out/<patient-id>_<date>_summary_<lang>[_<contact>].pdf` for the summary alone (the
/// name it has in packets), `…_summary-and-records_…` with the records appended.
fn default_output(
    folder: &CaseFolder,
    case: &Case,
    contact: Option<&Contact>,
    lang: Lang,
    today: NaiveDate,
    with_records: bool,
) -> Result<PathBuf> {
    let suffix = contact.map(|c| format!("_{}", c.id)).unwrap_or_default();
    let what = if with_records {
        "summary-and-records"
    } else {
        "summary"
    };
    let name = format!(
        "{}_{today}_{what}_{}{suffix}.pdf",
        case.patient.id,
        lang.code()
    );
    folder
        .output_dir(crate::folder::OUT_DIR)
        .map(|out| out.join(name))
}
