//! `consultpack mark ID STATE --note TEXT [--date D] [--file F]...`: what happened outside
//! e-mail — a phone call, a WeChat message, an answer on haodf.com or a portal, a packet
//! handed over in person — recorded in the ledger, its files kept with the e-mailed replies.

use chrono::NaiveDate;

use super::sync::ReplyDir;
use crate::cli::MarkArgs;
use crate::error::{Error, Result};
use crate::folder::CaseFolder;
use crate::ledger::{self, Event, Mark, What};
use crate::tr;

pub fn run(folder: &CaseFolder, args: &MarkArgs, today: NaiveDate) -> Result<()> {
    let loaded = folder.load(today)?;
    let contact = loaded.contacts.get(&args.id).map_err(|unknown| {
        Error::user(
            unknown.to_string(),
            Some(tr!("`consultpack contacts list` shows every id")),
        )
    })?;
    let date = args.date.unwrap_or(today);
    if date > today {
        return Err(Error::user(
            tr!("--date {date} is in the future", date),
            Some(tr!("give the day it happened")),
        ));
    }
    // As in case.toml: nothing happens before 1900, nor before the patient was born.
    if date < crate::toml_reader::MIN_DATE {
        return Err(Error::user(
            tr!("--date {date} is before 1900", date),
            Some(tr!("check the year")),
        ));
    }
    if let Some(born) = loaded.case.as_ref().map(|c| c.case.patient.birth_date)
        && date < born.day()
    {
        return Err(Error::user(
            tr!(
                "--date {date} is before the patient was born ({born})",
                date,
                born = born.in_lang(crate::i18n::ui())
            ),
            Some(tr!("check the year")),
        ));
    }
    ledger::check_writable(folder.root())?;
    let _lock = ledger::lock(folder.root())?;
    // Read every file first: a missing one changes nothing.
    let mut files = Vec::new();
    for path in &args.files {
        let metadata = std::fs::metadata(path).map_err(Error::io("read", path))?;
        if !metadata.is_file() {
            return Err(Error::user(
                tr!("`{path}` is not a file", path = path.display()),
                None,
            ));
        }
        files.push(path);
    }
    let mut saved = Vec::new();
    if !files.is_empty() || !args.note.is_empty() {
        let mut dir = ReplyDir::new(folder, &contact.id, date)?;
        let notes = dir.write("notes.txt", format!("{}\n", args.note).as_bytes())?;
        let length = args.note.chars().count();
        if length > ledger::NOTE_LIMIT {
            eprintln!(
                "{}{}",
                crate::diagnostic::Severity::Warning.label(),
                tr!(
                    "the note is {length} characters long; the ledger keeps its first {limit}, and all of it is in {notes}",
                    length,
                    limit = ledger::NOTE_LIMIT,
                    notes
                )
            );
        }
        for path in files {
            saved.push(dir.copy(path)?);
        }
    }
    ledger::append(
        folder.root(),
        &Event {
            at: chrono::Utc::now(),
            what: What::Mark(Mark {
                contact: contact.id.clone(),
                state: args.state.into(),
                note: args.note.clone(),
                date,
                files: saved,
                recommends: args.recommends.map(Into::into),
                asks_for: args.asks_for.clone(),
            }),
        },
    )?;
    eprintln!(
        "{}",
        tr!(
            "`{contact}`: marked {state} on {date}",
            contact = contact.id,
            state = args.state.word(),
            date
        )
    );
    Ok(())
}
