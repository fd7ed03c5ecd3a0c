//! `consultpack followup [--send ID]`: the contacts waiting longer than their follow-up days,
//! and a short, polite follow-up in the thread of the packet's e-mail (`In-Reply-To` and
//! `References` name the original, the subject is "Re: …" with the case token), sent with the
//! same confirmation, ledger and exactly-once rules as `send`.

use chrono::NaiveDate;
use serde::Serialize;

use super::send::{self, Outgoing, deliver};
use super::{load_valid, print_stdout};
use crate::cli::FollowupArgs;
use crate::contacts::Contact;
use crate::error::{Error, Result};
use crate::folder::CaseFolder;
use crate::ledger;
use crate::mail::compose::{self, Draft};
use crate::packet::cover;
use crate::summary::context::SummaryContext;
use crate::tr;
use crate::tracking::{self, NextAction, Outcome, State};

#[derive(Serialize)]
struct FollowupContext {
    #[serde(flatten)]
    case: SummaryContext,
    followup: FollowupView,
}

#[derive(Serialize)]
struct FollowupView {
    original_subject: String,
    sent_date: String,
    days: i64,
    reply_to: Option<String>,
    sender_name: Option<String>,
    /// 1 for the first follow-up of this message, 2 for the second…
    number: usize,
}

pub fn run(folder: &CaseFolder, args: &FollowupArgs, today: NaiveDate) -> Result<()> {
    let loaded = load_valid(folder, today)?;
    // Sending takes the case's lock, as `send` does: the decision and the `sending` record
    // go together, so two follow-ups started at once never both go out.
    let _lock = match args.send {
        Some(_) => Some(ledger::lock(folder.root())?),
        None => None,
    };
    let ledger = ledger::read(folder.root())?;
    let active: Vec<&Contact> = loaded
        .contacts
        .contacts
        .iter()
        .filter(|c| c.active)
        .collect();
    let rows = tracking::status(&ledger, &active, today);
    let Some(id) = &args.send else {
        let due: Vec<_> = rows
            .iter()
            .filter(|r| matches!(r.next_action, NextAction::FollowUp { .. }))
            .collect();
        if due.is_empty() {
            eprintln!("{}", tr!("followup: nobody is overdue."));
            return Ok(());
        }
        let mut text = String::new();
        for row in due {
            let contact = active
                .iter()
                .find(|c| c.id == row.contact)
                .expect("from the list");
            text.push_str(&tr!(
                "{contact}\t{institution}\tsent {date}\t{days} days (follow up after {after})\n",
                contact = row.contact,
                institution = row.institution,
                date = row
                    .sent
                    .as_ref()
                    .map(|s| s.date.to_string())
                    .unwrap_or_default(),
                days = row.days_waiting.unwrap_or(0),
                after = contact.follow_up_days
            ));
        }
        return print_stdout(&text);
    };

    let contact = loaded.contacts.get(id).map_err(|unknown| {
        Error::user(
            unknown.to_string(),
            Some(tr!("`consultpack contacts list` shows every id")),
        )
    })?;
    let row = rows.iter().find(|r| r.contact == contact.id);
    let messages = tracking::messages(&ledger);
    // The packet's first message that reached the server: the thread to answer in.
    let original = messages
        .iter()
        .filter(|m| m.contact == contact.id && m.followup_of.is_none() && m.part == 1)
        .filter(|m| matches!(m.outcome, Outcome::Sent { .. }))
        .max_by_key(|m| m.at)
        .ok_or_else(|| {
            Error::user(
                tr!(
                    "nothing was e-mailed to `{contact}` yet, so there is nothing to follow up",
                    contact = contact.id
                ),
                Some(tr!(
                    "send the packet first: `consultpack send {contact}`",
                    contact = contact.id
                )),
            )
        })?;
    if row.is_some_and(|r| {
        matches!(
            r.state,
            State::Replied | State::Declined | State::Appointment
        )
    }) && !args.force
    {
        return Err(Error::user(
            tr!(
                "`{contact}` has already answered; no follow-up is needed",
                contact = contact.id
            ),
            Some(tr!("--force sends one anyway")),
        ));
    }
    let earlier: Vec<&tracking::Message> = messages
        .iter()
        .filter(|m| m.followup_of.as_deref() == Some(original.message_id.as_str()))
        .filter(|m| !matches!(m.outcome, Outcome::NotSent { .. }))
        .collect();
    if let Some(last) = earlier.iter().max_by_key(|m| m.at) {
        // The smaller of the clock's count and the `--today` date's: never too soon by either.
        let by_clock = (chrono::Utc::now() - last.at).num_days();
        let days = (today - last.at.date_naive()).num_days().min(by_clock);
        if (days < i64::from(contact.follow_up_days)
            || matches!(last.outcome, Outcome::Unknown { .. }))
            && !args.force
        {
            let (contact_id, date) = (&contact.id, last.at.format("%Y-%m-%d"));
            let message = if matches!(last.outcome, Outcome::Unknown { .. }) {
                tr!(
                    "a follow-up to `{contact}` already went out on {date} ({days} days ago), and it is not known whether it arrived",
                    contact = contact_id,
                    date,
                    days
                )
            } else {
                tr!(
                    "a follow-up to `{contact}` already went out on {date} ({days} days ago)",
                    contact = contact_id,
                    date,
                    days
                )
            };
            return Err(Error::user(
                message,
                Some(tr!(
                    "wait {days} days between follow-ups, or use --force",
                    days = contact.follow_up_days
                )),
            ));
        }
    } else {
        // The first follow-up waits the contact's expected reply time.
        let days = (today - original.at.date_naive()).num_days();
        if days < i64::from(contact.follow_up_days) && !args.now && !args.force {
            return Err(Error::user(
                tr!(
                    "the packet went to `{contact}` on {date}, {days} days ago; a first follow-up waits their expected reply time of {expected} days",
                    contact = contact.id,
                    date = original.at.format("%Y-%m-%d"),
                    days = days.max(0),
                    expected = contact.follow_up_days
                ),
                Some(tr!("wait, or send it today with --now")),
            ));
        }
    }

    let config = loaded.config.as_ref();
    let sender = config
        .and_then(|c| c.sender.as_ref())
        .ok_or_else(|| Error::user(tr!("consultpack.toml has no [sender]"), None))?;
    let server = config
        .and_then(|c| c.smtp.as_ref())
        .ok_or_else(|| Error::user(tr!("consultpack.toml has no [smtp] server"), None))?;
    let to = contact.email.clone().ok_or_else(|| {
        Error::user(
            tr!(
                "contact `{contact}` has no e-mail address",
                contact = contact.id
            ),
            None,
        )
    })?;
    if let Some(words) = bounced(folder, &ledger, &contact.id, &to) {
        return Err(Error::user(
            tr!(
                "`{address}` bounced: {words}; a follow-up to it would bounce too",
                address = to,
                words
            ),
            Some(tr!(
                "check the address of `{contact}` in contacts.toml (the team's website, a phone call); with the right one, `consultpack send {contact} --resend`",
                contact = contact.id
            )),
        ));
    }
    let lang = contact.language;
    let case = &loaded.case.as_ref().expect("valid").case;
    let original_subject = original.subject.trim_start_matches("Re: ").to_string();
    let context = FollowupContext {
        case: crate::summary::context::build(
            case,
            Some(contact),
            &crate::clinical::evaluate(case, today),
            lang,
            today,
            false,
        ),
        followup: FollowupView {
            original_subject: original_subject.clone(),
            sent_date: original.at.date_naive().to_string(),
            days: (today - original.at.date_naive()).num_days().max(0),
            reply_to: Some(
                sender
                    .reply_to
                    .clone()
                    .unwrap_or_else(|| sender.email.clone()),
            ),
            sender_name: Some(sender.name.clone()),
            number: earlier.len() + 1,
        },
    };
    let template = folder.template(&format!("followup.{}.md", lang.code()))?;
    let letter = cover::render(&template, &context).map_err(|e| {
        Error::user(
            e.to_string(),
            Some(tr!(
                "fix the template, or delete the case's copy to use the shipped one"
            )),
        )
    })?;
    let token = crate::packet::case_token(&case.patient.id, &contact.id);
    let mut subject = letter.subject.clone();
    if !subject.contains(&token) {
        subject = format!("{subject} [{token}]");
    }
    let mut references: Vec<String> = vec![original.message_id.clone()];
    references.extend(earlier.iter().map(|m| m.message_id.clone()));
    let draft = Draft {
        subject,
        body: letter.text(),
        attachments: Vec::new(),
        references,
    };
    let message = compose::compose(
        sender,
        contact,
        &to,
        draft,
        compose::new_message_id(sender),
        compose::now(),
    );
    let dir = folder.output_dir(crate::folder::OUT_DIR)?.join(&contact.id);
    if args.dry_run {
        if !dir.exists() {
            crate::private_file::create_dir(&dir)?;
        }
        let path = dir.join("followup.eml");
        crate::private_file::write_with(&path, |out| {
            message
                .write(&mut |_| unreachable!("a follow-up has no attachments"), out)
                .map_err(Error::io("write", &path))
        })?;
        print_stdout(&format!("{}\n", path.display()))?;
        eprintln!("{}", tr!("dry run: nothing was sent."));
        return Ok(());
    }
    eprintln!(
        "{}\n{}\n{}",
        tr!(
            "To:      {name} <{address}>",
            name = contact.institution.best(lang),
            address = message.to[0].address
        ),
        tr!("Subject: {subject}", subject = message.subject),
        tr!(
            "         in reply to <{message_id}>",
            message_id = original.message_id
        )
    );
    if !args.yes && !send::confirm(contact)? {
        eprintln!("{}", tr!("`{contact}`: not sent.", contact = contact.id));
        return Ok(());
    }
    let password = super::password(server, "SMTP")?;
    deliver(
        folder,
        config.expect("checked above"),
        server,
        &password,
        &Outgoing {
            contact,
            packet: tracking::PacketId {
                sha256: original.packet_sha256.clone(),
                identity: original.packet_key().to_string(),
            },
            part: 1,
            of: 1,
            followup_of: Some(original.message_id.clone()),
            message,
            dir,
        },
    )
}

/// The words of the latest bounce of `address` for a contact, when the ledger has one: the
/// server's diagnostic (`Diagnostic-Code`, `Status`) from the saved report, else its subject.
fn bounced(
    folder: &CaseFolder,
    ledger: &ledger::Ledger,
    contact: &str,
    address: &str,
) -> Option<String> {
    let bounce = ledger
        .events
        .iter()
        .filter_map(|e| match &e.what {
            ledger::What::Reply(r)
                if r.contact == contact
                    && r.kind == ledger::ReplyKind::Bounce
                    && r.failed_address
                        .as_deref()
                        .is_none_or(|a| a.eq_ignore_ascii_case(address)) =>
            {
                Some((e.at, r))
            }
            _ => None,
        })
        .max_by_key(|(at, _)| *at)
        .map(|(_, r)| r)?;
    let diagnostic = bounce.saved.as_ref().and_then(|saved| {
        let path = folder.root().join(saved).join("message.eml");
        let raw = crate::case_files::read_capped(&path, crate::case_files::TOML_LIMIT).ok()?;
        let text = String::from_utf8_lossy(&raw);
        let line = |name: &str| {
            text.lines().find_map(|l| {
                let (key, value) = l.split_once(':')?;
                key.trim()
                    .eq_ignore_ascii_case(name)
                    .then(|| value.rsplit(';').next().unwrap_or(value).trim().to_string())
            })
        };
        line("Diagnostic-Code").or_else(|| line("Status"))
    });
    Some(format!(
        "“{}”",
        ledger::cut(
            diagnostic.as_deref().unwrap_or(&bounce.subject),
            ledger::FIELD_LIMIT
        )
    ))
}
