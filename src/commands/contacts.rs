//! `consultpack contacts list|show`: the merged contact list.

use std::fmt::Write as _;
use std::path::Path;

use chrono::NaiveDate;
use comfy_table::{ContentArrangement, Table, presets};
use unicode_width::UnicodeWidthStr;

use super::{print_diagnostics, print_stdout};
use crate::cli::ContactsAction;
use crate::contacts::{self, Contact, ContactList};
use crate::diagnostic::SourceFile;
use crate::error::{Error, Result};
use crate::folder::CONTACTS_FILE;
use crate::text::Lang;
use crate::toml_reader::Choice;
use crate::tr;

pub fn run(case_dir: &Path, action: Option<ContactsAction>, today: NaiveDate) -> Result<()> {
    let list = load(case_dir, today)?;
    let listed = ContactsAction::List {
        json: false,
        ids: false,
    };
    match action.unwrap_or(listed) {
        ContactsAction::List { json: true, .. } => print_stdout(&to_json(&list.contacts)?),
        ContactsAction::List { ids: true, .. } => {
            let ids: String = list
                .contacts
                .iter()
                .map(|c| format!("{}\n", c.id))
                .collect();
            print_stdout(&ids)
        }
        ContactsAction::List { .. } => print_stdout(&table(&list)),
        ContactsAction::Show { id, json } => {
            let contact = list.get(&id).map_err(|unknown| {
                Error::user(
                    unknown.to_string(),
                    Some(tr!("`consultpack contacts list` shows every id")),
                )
            })?;
            if json {
                print_stdout(&to_json(contact)?)
            } else {
                print_stdout(&details(contact))
            }
        }
    }
}

/// The shipped list merged with the case folder's contacts.toml; contacts do not need case.toml.
fn load(case_dir: &Path, today: NaiveDate) -> Result<ContactList> {
    let path = case_dir.join(CONTACTS_FILE);
    let read = crate::case_files::read_capped(&path, crate::case_files::TOML_LIMIT)
        .and_then(|b| String::from_utf8(b).map_err(|_| std::io::ErrorKind::InvalidData.into()));
    let family = match read {
        Ok(text) => Some(SourceFile::new(
            path.strip_prefix(".").unwrap_or(&path),
            text,
        )),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(Error::io("read", path)(e)),
    };
    let (list, mut diagnostics) = contacts::load(family.as_ref(), today);
    print_diagnostics(&mut diagnostics);
    if diagnostics.has_errors() {
        return Err(Error::Invalid {
            count: diagnostics.error_count(),
        });
    }
    Ok(list)
}

fn to_json<T: serde::Serialize + ?Sized>(value: &T) -> Result<String> {
    let mut json = serde_json::to_string_pretty(value)
        .map_err(|e| Error::user(tr!("cannot write JSON: {e}", e), None))?;
    json.push('\n');
    Ok(json)
}

fn table(list: &ContactList) -> String {
    let mut table = Table::new();
    table
        .load_preset(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(140);
    table.set_header([
        tr!("id"),
        tr!("institution"),
        tr!("city"),
        tr!("lang"),
        tr!("channel"),
        tr!("e-mail"),
        tr!("limit"),
        tr!("follow-up"),
    ]);
    for c in &list.contacts {
        table.add_row(
            [
                if c.active {
                    c.id.clone()
                } else {
                    tr!("{id} (inactive)", id = c.id)
                },
                c.institution.best(c.language).to_string(),
                c.city
                    .as_ref()
                    .map(|t| t.best(c.language).to_string())
                    .unwrap_or_default(),
                c.language.code().to_string(),
                c.channel.name().to_string(),
                c.email.clone().unwrap_or_else(|| "—".into()),
                format!("{} MB", c.size_limit_mb),
                tr!("{days} d", days = c.follow_up_days),
            ]
            .map(|cell| crate::diagnostic::printable(&cell)),
        );
    }
    format!("{table}\n")
}

fn details(c: &Contact) -> String {
    let mut out = String::new();
    let both = |t: &crate::text::Text| {
        let (zh, en) = (t.best(Lang::Zh), t.best(Lang::En));
        if zh == en {
            zh.to_string()
        } else {
            format!("{zh} / {en}")
        }
    };
    let mut line = |label: String, value: String| {
        let pad = LABEL_WIDTH.saturating_sub(label.width());
        let _ = writeln!(out, "{label}{:pad$}{value}", "");
    };
    line(tr!("id:"), c.id.clone());
    line(tr!("institution:"), both(&c.institution));
    for d in &c.departments {
        line(tr!("department:"), both(d));
    }
    if let Some(doctor) = &c.doctor {
        line(tr!("doctor:"), both(doctor));
    }
    if let Some(title) = &c.title {
        line(tr!("title:"), both(title));
    }
    if let Some(city) = &c.city {
        let city = both(city);
        line(
            tr!("city:"),
            match &c.country {
                Some(country) => tr!("{city} ({country})", city, country),
                None => city,
            },
        );
    }
    let name = c.language.name();
    line(
        tr!("language:"),
        tr!("{code} ({name})", code = c.language.code(), name),
    );
    line(
        tr!("channel:"),
        format!(
            "{}{}",
            c.channel.name(),
            c.platform
                .as_ref()
                .map(|p| format!(" — {p}"))
                .unwrap_or_default()
        ),
    );
    line(
        tr!("e-mail:"),
        c.email
            .clone()
            .unwrap_or_else(|| tr!("— (add the real address in contacts.toml)")),
    );
    if let Some(site) = &c.website {
        line(tr!("website:"), site.to_string());
    }
    if let Some(imaging) = &c.imaging {
        line(
            tr!("imaging:"),
            tr!(
                "{wants} (delivery: {delivery})",
                wants = imaging.wants.as_ref().map(both).unwrap_or_default(),
                delivery = imaging.delivery.name()
            ),
        );
    }
    line(tr!("size limit:"), format!("{} MB", c.size_limit_mb));
    line(
        tr!("follow up:"),
        tr!("after {days} days", days = c.follow_up_days),
    );
    line(
        tr!("active:"),
        if c.active { tr!("yes") } else { tr!("no") },
    );
    line(
        tr!("source:"),
        match c.source {
            contacts::ContactSource::Shipped => tr!("shipped with consultpack"),
            contacts::ContactSource::Family => tr!("your contacts.toml"),
            contacts::ContactSource::Merged => {
                tr!("shipped, with changes from your contacts.toml")
            }
        },
    );
    if let Some(notes) = &c.notes {
        line(tr!("notes:"), both(notes));
    }
    out
}

/// The width of the label column of `contacts show`, in terminal columns.
const LABEL_WIDTH: usize = 14;
