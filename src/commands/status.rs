//! `consultpack status [--json]`: one line per active contact — what was sent when, how long the
//! wait, what came back, and what to do next — derived from the ledger alone.

use crate::diagnostic::printable;
use std::io::IsTerminal;

use chrono::NaiveDate;
use comfy_table::{Cell, Color, ColumnConstraint, ContentArrangement, Table, Width, presets};

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

/// Below this width only the contact, state, date sent and next step are shown, so that they
/// fit an 80-column terminal: `contacts list` names the institution and channel, the next step
/// says the days waited and to read a reply, `--json` has everything.
const WIDE: u16 = 120;
/// The columns kept below [`WIDE`].
const NARROW: [usize; 4] = [0, 3, 4, 7];
/// The least room the next step is given: `` `mark virginia-mason-liver `` unbroken.
const NEXT_WIDTH: u16 = 28;

fn table(rows: &[ContactStatus], colour: bool) -> String {
    let mut table = Table::new();
    table.load_preset(presets::NOTHING);
    table.set_content_arrangement(ContentArrangement::Dynamic);
    if !colour {
        table.force_no_tty();
    }
    // A terminal's width, else `COLUMNS` when the shell exports it; without either (a file, a
    // pipe), lines are not wrapped.
    if let Some(columns) = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<u16>().ok())
        .filter(|_| table.width().is_none())
    {
        table.set_width(columns);
    }
    let wide = table.width().is_none_or(|w| w >= WIDE);
    let narrow = |cells: Vec<Cell>| -> Vec<Cell> {
        if wide {
            return cells;
        }
        let mut cells: Vec<Option<Cell>> = cells.into_iter().map(Some).collect();
        NARROW.iter().filter_map(|&i| cells[i].take()).collect()
    };
    table.set_header(narrow(vec![
        Cell::new(tr!("contact")),
        Cell::new(tr!("institution")),
        Cell::new(tr!("channel")),
        Cell::new(tr!("state")),
        Cell::new(tr!("sent")),
        Cell::new(tr!("days")),
        Cell::new(tr!("reply")),
        Cell::new(tr!("next")),
    ]));
    let lang = i18n::ui();
    for row in rows {
        let sent = row
            .sent
            .as_ref()
            .map_or("—".to_string(), |s| match &s.packet_sha256 {
                _ if !wide => s.date.to_string(),
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
        table.add_row(narrow(vec![
            cell(&row.contact),
            cell(&row.institution),
            cell(&format!("{} · {}", row.channel, row.language)),
            state,
            cell(&sent),
            cell(&row.days_waiting.map_or("—".to_string(), |d| d.to_string())),
            cell(&reply),
            cell(&row.next_action.text(lang)),
        ]));
    }
    // A contact's id is what the family types next, and a state or date is a word: never
    // broken; the next step has room for the command it names.
    for column in if wide { vec![0] } else { vec![0, 1, 2] } {
        if let Some(column) = table.column_mut(column) {
            column.set_constraint(ColumnConstraint::ContentWidth);
        }
    }
    if let Some(column) = table.column_mut(if wide { 7 } else { 3 }) {
        column.set_constraint(ColumnConstraint::LowerBoundary(Width::Fixed(NEXT_WIDTH)));
    }
    format!("{table}\n")
}
