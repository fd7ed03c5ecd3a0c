//! `consultpack status [--json]`: one line per active contact — what was sent when, how long the
//! wait, what came back, and what to do next — derived from the ledger alone.

use crate::diagnostic::printable;
use std::io::IsTerminal;

use chrono::NaiveDate;
use comfy_table::{Cell, Color, ContentArrangement, Table, presets};

use super::{print_diagnostics, print_stdout};
use crate::contacts::Contact;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::error::Result;
use crate::folder::{CONTACTS_FILE, CaseFolder};
use crate::ledger;
use crate::tracking::{self, ContactStatus, State};
use crate::{i18n, tr};

pub fn run(folder: &CaseFolder, json: bool, today: NaiveDate) -> Result<()> {
    let loaded = folder.load(today)?;
    let ledger = ledger::read(folder.root())?;
    // The case itself is not needed here: only problems with the contacts and the ledger show.
    let mut diagnostics = Diagnostics::default();
    for d in loaded.diagnostics.iter() {
        if d.location
            .as_ref()
            .is_some_and(|l| l.file.ends_with(CONTACTS_FILE))
        {
            diagnostics.push(d.clone());
        }
    }
    for skipped in &ledger.skipped {
        diagnostics.push(Diagnostic::warning(skipped.describe()));
    }
    print_diagnostics(&mut diagnostics);
    let contacts: Vec<&Contact> = loaded
        .contacts
        .contacts
        .iter()
        .filter(|c| c.active)
        .collect();
    let rows = tracking::status(&ledger, &contacts, today);
    if json {
        let mut text = serde_json::to_string_pretty(&rows).expect("status serializes");
        text.push('\n');
        return print_stdout(&text);
    }
    print_stdout(&table(&rows, std::io::stdout().is_terminal()))
}

/// Characters of a reply's subject or note the table shows.
const REPLY_SHOWN: usize = 160;

fn table(rows: &[ContactStatus], colour: bool) -> String {
    let mut table = Table::new();
    table.load_preset(presets::NOTHING);
    table.set_content_arrangement(ContentArrangement::Dynamic);
    if !colour {
        table.force_no_tty();
    }
    table.set_header([
        tr!("contact"),
        tr!("institution"),
        tr!("channel"),
        tr!("state"),
        tr!("sent"),
        tr!("days"),
        tr!("reply"),
        tr!("next"),
    ]);
    let lang = i18n::ui();
    for row in rows {
        let sent = row
            .sent
            .as_ref()
            .map_or("—".to_string(), |s| match &s.packet_sha256 {
                Some(hash) => format!("{} {}", s.date, hash.chars().take(8).collect::<String>()),
                None => tr!("{date} (marked)", date = s.date),
            });
        // A line of the reply's subject or note is enough here; `--json` has all of it.
        let reply = row.reply.as_ref().map_or("—".to_string(), |r| {
            let subject = match r.subject.char_indices().nth(REPLY_SHOWN) {
                Some((end, _)) => format!("{}…", &r.subject[..end]),
                None => r.subject.clone(),
            };
            if r.marked {
                tr!("{date} (marked): {note}", date = r.date, note = subject)
            } else {
                format!("{} {}: {}", r.date, r.from, subject)
            }
        });
        let mut state = Cell::new(row.state.label(lang));
        if colour {
            state = state.fg(match row.state {
                State::Replied | State::Appointment => Color::Green,
                State::Unknown | State::Bounced | State::Failed => Color::Red,
                State::Sent | State::AutoReply | State::Acknowledged => Color::Yellow,
                _ => Color::Reset,
            });
        }
        // Contacts and replies come from files and strangers' mail: printed inert.
        let cell = |text: &str| Cell::new(printable(text));
        table.add_row(vec![
            cell(&row.contact),
            cell(&row.institution),
            cell(&format!("{} · {}", row.channel, row.language)),
            state,
            cell(&sent),
            cell(&row.days_waiting.map_or("—".to_string(), |d| d.to_string())),
            cell(&reply),
            cell(&row.next_action.text(lang)),
        ]);
    }
    format!("{table}\n")
}
