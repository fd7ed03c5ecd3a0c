//! One short script per subcommand: read the inputs, call the pure core, write the results.

mod build;
mod check;
mod contacts;
mod criteria;
mod docs;
mod followup;
mod init;
mod mail;
mod mark;
mod opinions;
mod send;
mod status;
mod summary;
mod sync;
mod terminal;

use std::io::Write;

use chrono::NaiveDate;

use crate::cli::{Cli, Command};
use crate::diagnostic::Diagnostics;
use crate::error::{Error, Result};
use crate::folder::{CaseFolder, Loaded};
use crate::tr;

pub fn execute(cli: Cli) -> Result<()> {
    let clock = chrono::Local::now().date_naive();
    if let Command::Init { dir } = &cli.command {
        return init::run(dir);
    }
    if let Command::Docs { topic } = &cli.command {
        return docs::run(*topic);
    }
    if let Command::Completions { shell } = &cli.command {
        return terminal::completions(*shell);
    }
    if let Command::Man = &cli.command {
        return terminal::man_page();
    }
    if let Command::Contacts { action } = cli.command {
        // The contact list does not need a case: the shipped one, plus contacts.toml if any.
        let dir = CaseFolder::locate(cli.case.as_deref())
            .map(|f| f.root().to_path_buf())
            .unwrap_or_else(|_| cli.case.clone().unwrap_or_else(|| ".".into()));
        return contacts::run(&dir, action, cli.today.unwrap_or(clock));
    }
    let folder = CaseFolder::locate(cli.case.as_deref())?;
    // `--today` (tests, reproducible output), else the case's own `as_of`, else the clock.
    let today = cli.today.or_else(|| folder.as_of()).unwrap_or(clock);
    match cli.command {
        Command::Init { .. }
        | Command::Docs { .. }
        | Command::Contacts { .. }
        | Command::Completions { .. }
        | Command::Man => {
            unreachable!("handled above")
        }
        Command::Check => check::run(&folder, today),
        Command::Criteria(args) => criteria::run(&folder, args, today),
        Command::Summary(args) => summary::run(&folder, &args, today),
        Command::Build(args) => build::run(&folder, &args, today),
        Command::Send(args) => send::run(&folder, &args, today),
        Command::Status { json } => status::run(&folder, json, today),
        Command::Sync => sync::run(&folder, today),
        Command::Mark(args) => mark::run(&folder, &args, today),
        Command::Followup(args) => followup::run(&folder, &args, today),
        Command::Opinions(args) => opinions::run(&folder, &args, today),
        Command::Mail { action } => mail::run(&folder, action, today),
    }
}

/// Loads a case folder, prints its problems and the cross-checks, and fails on any error.
/// Commands that produce output call this first so that they never work from a broken case.
fn load_valid(folder: &CaseFolder, today: NaiveDate) -> Result<Loaded> {
    load_valid_as_of(folder, today, today)
}

/// [`load_valid`], with the checks that depend on the date (stale labs, criteria that cannot
/// be computed) made as of `as_of` (`criteria --at`).
fn load_valid_as_of(folder: &CaseFolder, today: NaiveDate, as_of: NaiveDate) -> Result<Loaded> {
    let mut loaded = folder.load(today)?;
    add_cross_checks(&mut loaded, as_of);
    print_diagnostics(&mut loaded.diagnostics);
    if loaded.diagnostics.has_errors() {
        return Err(Error::Invalid {
            count: loaded.diagnostics.error_count(),
        });
    }
    Ok(loaded)
}

fn add_cross_checks(loaded: &mut Loaded, today: NaiveDate) {
    if let Some(case) = &loaded.case {
        let extra = crate::cross_check::cross_check(case, &loaded.contacts, today);
        loaded.diagnostics.extend(extra);
    }
}

fn print_diagnostics(diagnostics: &mut Diagnostics) {
    diagnostics.sort();
    let mut stderr = std::io::stderr().lock();
    let _ = diagnostics.render(&mut stderr);
}

/// The DICOM studies of the case's `kind = "dicom"` folders (see [`crate::dicom`]), without
/// those declared another person's.
fn dicom_index(folder: &CaseFolder, case: &crate::case::Case) -> crate::dicom::CaseIndex {
    let (others, folders): (Vec<&crate::case::model::Record>, Vec<_>) = case
        .records
        .iter()
        .filter(|r| r.kind == crate::case::model::RecordKind::Dicom)
        .partition(|r| r.other_patient);
    let folders: Vec<std::path::PathBuf> = folders.iter().map(|r| r.path.clone()).collect();
    let mut index = crate::dicom::index_case(&folder.path(crate::folder::RECORDS_DIR), &folders);
    index.left_out = others.iter().map(|r| r.path.clone()).collect();
    index
}

/// An error per DICOM series that is not this patient's (name, hospital ID or birth date
/// differ from `[patient]`), naming the folder, the series and the fields; and, when the case
/// gives no IDs to compare with, one if its series carry different patient IDs.
fn dicom_mismatches(
    folder: &CaseFolder,
    case: &crate::case::Case,
    index: &crate::dicom::CaseIndex,
) -> Diagnostics {
    use crate::diagnostic::{Diagnostic, Location};
    let patient = &case.patient;
    // The hospitals' IDs, when the family gave them (a national ID may be used as one too);
    // without them, the series are only compared with each other.
    let mut ids = patient.dicom_ids.clone();
    if !ids.is_empty() {
        ids.extend(patient.id_number.clone());
    }
    let mut errors = Diagnostics::default();
    let hint = tr!(
        "move that series out of the folder; if the whole folder is another person's, write `other_patient = true` in its sidecar (the folder's name plus .toml); if it is this patient's under another hospital ID, add that ID to `dicom_ids` in [patient]"
    );
    let mut seen_ids: Vec<(&str, String)> = Vec::new();
    for study in &index.studies {
        let shown = folder
            .display(crate::folder::RECORDS_DIR)
            .join(&study.folder);
        for series in &study.series {
            let label = series_label(series);
            if let Some(id) = &series.patient.id
                && !seen_ids.iter().any(|(seen, _)| seen == id)
            {
                seen_ids.push((id, format!("{} {label}", shown.display())));
            }
            let differences = crate::dicom_patient::differences(&series.patient, patient, &ids);
            if differences.is_empty() {
                continue;
            }
            let fields = differences
                .iter()
                .map(|d| {
                    tr!(
                        "{field} is {dicom} (case.toml: {case})",
                        field = d.field,
                        dicom = d.dicom,
                        case = d.case
                    )
                })
                .collect::<Vec<_>>()
                .join("; ");
            errors.push(
                Diagnostic::error(tr!(
                    "`{folder}`: series {series} is not this patient's: {fields}",
                    folder = shown.display(),
                    series = label,
                    fields
                ))
                .at(Location::file(&shown))
                .hint(hint.clone()),
            );
        }
    }
    if ids.is_empty() && seen_ids.len() > 1 {
        let list = seen_ids
            .iter()
            .map(|(id, series)| format!("{id} ({series})"))
            .collect::<Vec<_>>()
            .join(", ");
        errors.push(
            Diagnostic::error(tr!(
                "the DICOM series carry {count} different patient IDs: {list}",
                count = seen_ids.len(),
                list
            ))
            .hint(tr!(
                "add this patient's hospital IDs as `dicom_ids = [\"…\"]` in [patient] of case.toml, and move another patient's series out"
            )),
        );
    }
    errors
}

/// Stops a command that would send or show the DICOM index when a series is another
/// patient's: the errors are printed, nothing is written.
fn refuse_foreign_dicom(
    folder: &CaseFolder,
    case: &crate::case::Case,
    index: &crate::dicom::CaseIndex,
) -> Result<()> {
    let mut errors = dicom_mismatches(folder, case, index);
    if errors.is_empty() {
        return Ok(());
    }
    print_diagnostics(&mut errors);
    Err(Error::user(
        tr!(
            "the DICOM folders hold images that are not this patient's (see above); nothing was written"
        ),
        None,
    ))
}

/// A series as the family can find it: its number, modality and description.
fn series_label(series: &crate::dicom::Series) -> String {
    let mut parts = Vec::new();
    if let Some(n) = &series.number {
        parts.push(format!("#{n}"));
    }
    parts.extend(series.modality.clone());
    parts.extend(series.description.as_ref().map(|d| format!("“{d}”")));
    if parts.is_empty() {
        tr!("(no number)")
    } else {
        parts.join(" ")
    }
}

/// A warning per DICOM file that could not be indexed, naming it.
fn dicom_warnings(folder: &CaseFolder, index: &crate::dicom::CaseIndex) -> Diagnostics {
    let mut warnings = Diagnostics::default();
    for problem in &index.problems {
        let shown = folder
            .display(crate::folder::RECORDS_DIR)
            .join(&problem.path);
        warnings.push(
            crate::diagnostic::Diagnostic::warning(tr!(
                "`{path}`: {reason}",
                path = shown.display(),
                reason = problem.reason
            ))
            .at(crate::diagnostic::Location::file(&shown)),
        );
    }
    warnings
}

/// The password of a mail server (`what`: "SMTP", "IMAP"), from its environment variable or
/// command; when it is not there, the hint names that server's own variable (or command) in the
/// form this system's terminal takes.
fn password(server: &crate::config::Server, what: &str) -> Result<String> {
    server.password.fetch().map_err(|e| {
        let hint = match &server.password {
            crate::config::Secret::Env(name) => tr!(
                "set it in this terminal ({example}) and run the command again; never in consultpack.toml",
                example = set_variable_example(name)
            ),
            crate::config::Secret::Command(argv) => tr!(
                "run `{program}` in this terminal to see why it gives no password, or use password_env instead",
                program = argv.join(" ")
            ),
        };
        Error::user(tr!("the {what} password: {e}", what, e), Some(hint))
    })
}

/// How to set an environment variable in the terminal the family uses: PowerShell on Windows, a
/// POSIX shell elsewhere.
fn set_variable_example(name: &str) -> String {
    if cfg!(windows) {
        format!("`$env:{name} = \"…\"`")
    } else {
        format!("`export {name}=…`")
    }
}

/// Writes data to stdout; a closed pipe (`| head`) ends the output quietly.
fn print_stdout(text: &str) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Error::io("write to", "standard output")(e))
        }
        _ => Ok(()),
    }
}
