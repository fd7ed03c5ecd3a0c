//! `consultpack send ID...`: e-mails contacts their packets, exactly once.
//!
//! For each contact: the packet is built if missing or older than the case; every part's
//! message is made and its exact size checked against the contact's limit before anything
//! connects; the family confirms (or `--yes`); then, per message, a `sending` event goes into the
//! ledger *before* connecting, and `sent` (with the server's reply) or `failed` after. A message
//! whose fate is unknown — the program killed, or the connection broken after the message was
//! handed over — blocks a second send until the family has looked and says `--force`.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::NaiveDate;

use super::{load_valid, print_stdout};
use crate::cli::{BuildArgs, SendArgs};
use crate::config::{Config, Sender, Server};
use crate::contacts::Contact;
use crate::error::{Error, Result};
use crate::folder::{CaseFolder, Loaded};
use crate::ledger::{self, Event, Failed, FailedOutcome, Sending, Sent, What};
use crate::mail::compose::{self, Draft};
use crate::mail::connect::{Delivery, Failure};
use crate::mail::mime::Message;
use crate::mail::{imap, smtp};
use crate::packet::cover::human_size;
use crate::packet::store;
use crate::packet::{MessagePlan, PACKET_FILE, Pack, PacketJson};
use crate::text::Lang;
use crate::tracking::{self, PacketId, PartDecision};
use crate::{diagnostic, i18n, tr, tr_in};

/// Attempts per message when the server says "later" or the connection drops before the
/// message is complete.
const ATTEMPTS: usize = 3;

pub fn run(folder: &CaseFolder, args: &SendArgs, today: NaiveDate) -> Result<()> {
    let loaded = load_valid(folder, today)?;
    let mut failures = 0;
    let mut server_failed = false;
    for (i, id) in args.ids.iter().enumerate() {
        if i > 0 {
            std::thread::sleep(pause());
        }
        if let Err(error) = send_one(folder, &loaded, id, args, today) {
            failures += 1;
            if args.ids.len() == 1 {
                return Err(error);
            }
            server_failed |= matches!(error, Error::Mail { .. });
            eprintln!(
                "{}{}",
                diagnostic::Severity::Error.label(),
                tr!("`{contact}`: {error}", contact = id, error)
            );
            if let Some(hint) = error.hint() {
                eprintln!("  = {}{hint}", diagnostic::hint_label());
            }
        }
    }
    match failures {
        0 => Ok(()),
        n => {
            let message = tr!(
                "{failed} of {count} contact(s) were not sent to (see above)",
                failed = n,
                count = args.ids.len()
            );
            // The exit code says whether a mail server failed (3) or the request did (1).
            Err(if server_failed {
                Error::Mail {
                    message,
                    hint: None,
                }
            } else {
                Error::user(message, None)
            })
        }
    }
}

fn send_one(
    folder: &CaseFolder,
    loaded: &Loaded,
    id: &str,
    args: &SendArgs,
    today: NaiveDate,
) -> Result<()> {
    let contact = loaded.contacts.get(id).map_err(|unknown| {
        Error::user(
            unknown.to_string(),
            Some(tr!("`consultpack contacts list` shows every id")),
        )
    })?;
    let dir = folder.output_dir(crate::folder::OUT_DIR)?.join(&contact.id);
    let pack = Pack::for_channel(contact.channel);
    if pack != Pack::Email {
        eprintln!(
            "{}",
            tr!(
                "`{contact}` takes a {pack} pack, not e-mail: it is in {path} (run `consultpack build --contact {contact}` if it is not there yet).\nWhen you have submitted it, run `consultpack mark {contact} sent --note \"…\"` so that replies are tracked.",
                contact = contact.id,
                pack = pack.name(),
                path = dir.join(pack.name()).display()
            )
        );
        return Ok(());
    }
    let to = contact.email.clone().ok_or_else(|| {
        Error::user(
            tr!("contact `{contact}` has no e-mail address", contact = contact.id),
            Some(tr!(
                "add `email = \"…\"` for id = \"{contact}\" in contacts.toml (the address the team gave you)",
                contact = contact.id
            )),
        )
    })?;
    let config = loaded.config.as_ref();
    let sender = config.and_then(|c| c.sender.as_ref()).ok_or_else(|| {
        Error::user(
            tr!("consultpack.toml has no [sender]"),
            Some(tr!(
                "add [sender] with name and email (see the comments in consultpack.toml)"
            )),
        )
    })?;
    let smtp_server = config.and_then(|c| c.smtp.as_ref()).ok_or_else(|| {
        Error::user(
            tr!("consultpack.toml has no [smtp] server to send through"),
            Some(tr!(
                "add [smtp] with provider = \"qq\" (or host, port, security), username and password_env"
            )),
        )
    })?;

    // One send at a time per case: the decision and the `sending` record go together.
    let _lock = ledger::lock(folder.root())?;
    let ledger = ledger::read(folder.root())?;
    for skipped in &ledger.skipped {
        eprintln!(
            "{}{}",
            diagnostic::Severity::Warning.label(),
            skipped.describe()
        );
    }
    let built_before = ledger.last_built(&contact.id).is_some();
    let packet = ensure_packet(folder, loaded, contact, &dir, today, built_before)?;
    let current = PacketId {
        sha256: packet.sha256.clone(),
        identity: packet.json.identity(),
    };
    let history = tracking::messages(&ledger);

    // Another packet already went out (or may have): a new one only when asked. Whether it
    // is another is decided by what it sends, not by the settings it was built with.
    let earlier = history
        .iter()
        .filter(|m| m.contact == contact.id && m.followup_of.is_none())
        .filter(|m| !m.carries(&current))
        .filter(|m| !matches!(m.outcome, tracking::Outcome::NotSent { .. }))
        .max_by_key(|m| m.at);
    if let Some(earlier) = earlier {
        let date = earlier.at.format("%Y-%m-%d");
        match earlier.outcome {
            // Whatever changed since, the first question is whether that one arrived.
            tracking::Outcome::Unknown { .. } if !args.resend => {
                return Err(Error::user(
                    tr!(
                        "`{contact}` may have been sent a packet on {date} (it is not known whether it arrived); the packet now differs from it",
                        contact = contact.id,
                        date
                    ),
                    Some(unknown_advice(&contact.id)),
                ));
            }
            tracking::Outcome::Sent { .. } if !args.force && !args.resend => {
                return Err(Error::user(
                    tr!(
                        "`{contact}` was sent a packet on {date}; the packet now differs from it (its attachments or text changed since)",
                        contact = contact.id,
                        date
                    ),
                    Some(tr!(
                        "to send the new packet as an update, run `consultpack send {contact} --force`; to remind them of the first, `consultpack followup --send {contact}`",
                        contact = contact.id
                    )),
                ));
            }
            _ => {}
        }
    }

    // Decide part by part, before anything is sent: parts not yet delivered go out; parts
    // delivered, or whose delivery is unknown, only with --resend.
    let limit = packet.json.size_limit_bytes.unwrap_or(u64::MAX);
    // Later parts answer the first, so that they thread: the one delivered earlier, when it
    // is not sent again now.
    let delivered_first = history
        .iter()
        .filter(|m| m.contact == contact.id && m.followup_of.is_none() && m.part == 1)
        .filter(|m| m.carries(&current) && matches!(m.outcome, tracking::Outcome::Sent { .. }))
        .min_by_key(|m| m.at)
        .map(|m| m.message_id.clone());
    let mut planned: Vec<(MessagePlan, Message)> = Vec::new();
    for plan in &packet.json.messages {
        let part = part_name(plan.part, plan.of, i18n::ui());
        match tracking::part_decision(&history, &contact.id, &current, plan.part) {
            PartDecision::Send => {}
            PartDecision::AlreadySent { copies, .. } if args.resend => {
                eprintln!(
                    "{}",
                    tr!(
                        "`{contact}`: sending {part} again (--resend): the hospital will then hold {copies} copies of it.",
                        contact = contact.id,
                        part,
                        copies = copies + 1
                    )
                );
            }
            PartDecision::AlreadySent { at, copies } => {
                eprintln!(
                    "{}",
                    tr!(
                        "`{contact}`: {part} was already delivered on {at} (this exact packet); skipped. `--resend` sends it again (the hospital would then hold {copies} copies).",
                        contact = contact.id,
                        part,
                        at = at_minute(at),
                        copies = copies + 1
                    )
                );
                continue;
            }
            PartDecision::Unknown { .. } if args.resend => {
                eprintln!(
                    "{}",
                    tr!(
                        "`{contact}`: sending {part} again (--resend): if the first attempt did arrive, the hospital will hold 2 copies of it.",
                        contact = contact.id,
                        part
                    )
                );
            }
            PartDecision::Unknown { at } => {
                return Err(Error::user(
                    tr!(
                        "`{contact}`: {part} may already have been sent: the attempt on {at} never got an answer",
                        contact = contact.id,
                        part,
                        at = at_minute(at)
                    ),
                    Some(unknown_advice(&contact.id)),
                ));
            }
        }
        let first = planned
            .first()
            .map(|(_, m)| m.message_id.clone())
            .or_else(|| delivered_first.clone());
        let message = message(&dir, plan, sender, contact, &to, first)?;
        let size = message.encoded_len();
        if size > limit {
            return Err(Error::user(
                tr!(
                    "{part} to `{contact}` would be {size}, over its {limit} limit; nothing was sent",
                    part = part_name(plan.part, plan.of, i18n::ui()),
                    contact = contact.id,
                    size = human_size(size),
                    limit = human_size(limit)
                ),
                Some(tr!(
                    "run `consultpack build --contact {contact} --split`",
                    contact = contact.id
                )),
            ));
        }
        planned.push((plan.clone(), message));
    }
    if planned.is_empty() {
        eprintln!(
            "{}",
            tr!("`{contact}`: nothing to send.", contact = contact.id)
        );
        return Ok(());
    }

    if args.dry_run {
        for (plan, message) in &planned {
            let name = if plan.of > 1 {
                format!("message_part{}of{}.eml", plan.part, plan.of)
            } else {
                "message.eml".to_string()
            };
            let path = dir.join(&name);
            crate::private_file::write_with(&path, |out| {
                message
                    .write(
                        &mut |i| open_attachment(&dir, &message.attachments[i].file_name),
                        out,
                    )
                    .map_err(Error::io("write", &path))
            })?;
            print_stdout(&format!("{}\n", path.display()))?;
        }
        eprintln!("{}", tr!("dry run: nothing was sent."));
        return Ok(());
    }

    describe(contact, &planned, limit);
    if !args.yes && !confirm(contact)? {
        eprintln!("{}", tr!("`{contact}`: not sent.", contact = contact.id));
        return Ok(());
    }
    let password = super::password(smtp_server, "SMTP")?;
    for (plan, message) in planned {
        let outgoing = Outgoing {
            contact,
            packet: current.clone(),
            part: plan.part,
            of: plan.of,
            followup_of: None,
            message,
            dir: dir.clone(),
        };
        deliver(
            folder,
            config.expect("checked above"),
            smtp_server,
            &password,
            &outgoing,
        )?;
    }
    Ok(())
}

/// What to do about a message whose delivery is unknown, whatever changed since: ask first.
fn unknown_advice(contact: &str) -> String {
    tr!(
        "ask the hospital first whether it arrived: if it did, run `consultpack mark {contact} sent`; if it did not, `consultpack send {contact} --resend`",
        contact
    )
}

/// How a message is named in what the family reads ("the packet", "part 2 of 3").
fn part_name(part: usize, of: usize, lang: Lang) -> String {
    if of > 1 {
        tr_in!(lang, "part {part} of {of}", part, of)
    } else {
        tr_in!(lang, "the packet")
    }
}

/// A moment to the minute, as the family reads it: `2026-11-27 10:00 UTC`.
fn at_minute(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// A message ready to go, with what the ledger records about it.
pub(super) struct Outgoing<'a> {
    pub contact: &'a Contact,
    pub packet: PacketId,
    pub part: usize,
    pub of: usize,
    /// A follow-up: the Message-ID it follows up.
    pub followup_of: Option<String>,
    pub message: Message,
    /// Where its attachments are.
    pub dir: PathBuf,
}

impl Outgoing<'_> {
    /// How the message is named: "the packet", "part 2 of 3", "a follow-up".
    fn label(&self, lang: Lang) -> String {
        match self.followup_of {
            Some(_) => tr_in!(lang, "a follow-up"),
            None => part_name(self.part, self.of, lang),
        }
    }
}

/// Sends one message with retries, recording it in the ledger: `sending` before connecting,
/// then `sent` or `failed`.
pub(super) fn deliver(
    folder: &CaseFolder,
    config: &Config,
    server: &Server,
    password: &str,
    out: &Outgoing,
) -> Result<()> {
    let (contact, message, dir) = (out.contact, &out.message, out.dir.as_path());
    let mut bytes = Vec::with_capacity(message.encoded_len() as usize);
    message
        .write(
            &mut |i| open_attachment(dir, &message.attachments[i].file_name),
            &mut bytes,
        )
        .map_err(Error::io("read the packet in", dir))?;
    let mut recipients = vec![message.to[0].address.clone()];
    recipients.extend(message.cc.iter().map(|m| m.address.clone()));
    ledger::append(
        folder.root(),
        &Event {
            at: chrono::Utc::now(),
            what: What::Sending(Sending {
                contact: contact.id.clone(),
                message_id: message.message_id.clone(),
                packet_sha256: out.packet.sha256.clone(),
                packet_identity: Some(out.packet.identity.clone()),
                part: out.part,
                of: out.of,
                to: message.to.iter().map(|m| m.address.clone()).collect(),
                cc: message.cc.iter().map(|m| m.address.clone()).collect(),
                subject: message.subject.clone(),
                bytes: bytes.len() as u64,
                followup_of: out.followup_of.clone(),
            }),
        },
    )?;
    eprintln!(
        "{}",
        tr!(
            "`{contact}`: sending {label} ({size}) to {recipients} …",
            contact = contact.id,
            label = out.label(i18n::ui()),
            size = human_size(bytes.len() as u64),
            recipients = recipients.join(", ")
        )
    );
    let delays = retry_delays();
    let mut attempt = 0;
    let outcome = loop {
        attempt += 1;
        let result = smtp::login(server, password, folder.root()).and_then(|mut session| {
            // Over the server's own SIZE: refused before DATA, never uploaded to be refused.
            if let Some(limit) = session.size_limit().filter(|&l| bytes.len() as u64 > l) {
                session.quit();
                return Err(over_server_size(server, contact, bytes.len() as u64, limit));
            }
            let reply = session.send(server, &message.from.address, &recipients, &bytes);
            if reply.is_ok() {
                session.quit();
            }
            reply
        });
        match result {
            Err(failure) if failure.delivery == Delivery::Temporary && attempt < ATTEMPTS => {
                let wait = delays
                    .get(attempt - 1)
                    .copied()
                    .unwrap_or(Duration::from_secs(30));
                eprintln!(
                    "  {}",
                    tr!(
                        "{problem} — trying again in {seconds} s (attempt {attempt} of {attempts})",
                        problem = failure.message,
                        seconds = wait.as_secs(),
                        attempt = attempt + 1,
                        attempts = ATTEMPTS
                    )
                );
                std::thread::sleep(wait);
            }
            other => break other,
        }
    };
    match outcome {
        Ok(reply) => {
            ledger::append(
                folder.root(),
                &Event {
                    at: chrono::Utc::now(),
                    what: What::Sent(Sent {
                        contact: contact.id.clone(),
                        message_id: message.message_id.clone(),
                        reply: reply.clone(),
                    }),
                },
            )?;
            eprintln!("  {}", tr!("sent: the server answered “{reply}”", reply));
            // The result line is for scripts: always English.
            print_stdout(&format!(
                "sent {} {} <{}>\n",
                contact.id,
                out.label(Lang::En).replace(' ', "-"),
                message.message_id
            ))?;
            file_in_sent(folder, config, &bytes);
            Ok(())
        }
        Err(failure) => {
            let outcome = match failure.delivery {
                Delivery::Unknown => FailedOutcome::Unknown,
                _ => FailedOutcome::NotSent,
            };
            ledger::append(
                folder.root(),
                &Event {
                    at: chrono::Utc::now(),
                    what: What::Failed(Failed {
                        contact: contact.id.clone(),
                        message_id: message.message_id.clone(),
                        reason: failure.reason.clone(),
                        outcome,
                    }),
                },
            )?;
            Err(failure_error(&failure, attempt))
        }
    }
}

/// A message larger than the server's advertised `SIZE`: its limit named, with what to do —
/// and, when the contact's own limit is set above the server's, that too.
fn over_server_size(server: &Server, contact: &Contact, size: u64, limit: u64) -> Failure {
    let (host, port) = (&server.host, server.port);
    let failure = Failure::new(
        crate::mail::connect::Step::Transfer,
        Delivery::Permanent,
        |lang| {
            tr_in!(
                lang,
                "the message is {size}, over the {limit} the server {host}:{port} takes (its SIZE); it was not uploaded",
                size = human_size(size),
                limit = human_size(limit),
                host,
                port
            )
        },
    );
    let own = crate::packet::size_limit(contact);
    let hint = if own > limit {
        tr!(
            "the limit for `{contact}` in contacts.toml ({own}) is higher than your mail server's ({limit}): set size_limit_mb = {mb} for it, then `consultpack build --contact {contact} --split`",
            contact = contact.id,
            own = human_size(own),
            limit = human_size(limit),
            mb = limit / 1_000_000
        )
    } else {
        tr!(
            "`consultpack build --contact {contact} --split` sends it in parts",
            contact = contact.id
        )
    };
    failure.hint(hint)
}

fn failure_error(failure: &Failure, attempts: usize) -> Error {
    let problem = &failure.message;
    let message = match (failure.delivery, attempts > 1) {
        (Delivery::Unknown, false) => tr!("{problem}; it is not known whether it arrived", problem),
        (Delivery::Unknown, true) => tr!(
            "{problem} (after {attempts} attempts); it is not known whether it arrived",
            problem,
            attempts
        ),
        (_, false) => tr!("{problem}; it was not sent", problem),
        (_, true) => tr!(
            "{problem} (after {attempts} attempts); it was not sent",
            problem,
            attempts
        ),
    };
    Error::Mail {
        message,
        hint: failure.hint.clone(),
    }
}

/// A copy in the sender's Sent folder, over IMAP, unless the provider files one itself.
fn file_in_sent(folder: &CaseFolder, config: &Config, bytes: &[u8]) {
    let Some(server) = config.imap.as_ref().filter(|s| s.save_sent) else {
        return;
    };
    let result = server
        .password
        .fetch()
        .map_err(|e| e.to_string())
        .and_then(|password| imap::login(server, &password, folder.root()).map_err(|f| f.message))
        .and_then(|mut session| {
            let folder = imap::append_sent(&mut session, bytes).map_err(|f| f.message);
            let _ = session.logout();
            folder
        });
    match result {
        Ok(name) => eprintln!("  {}", tr!("a copy is in your `{name}` folder", name)),
        Err(reason) => eprintln!(
            "{}{}",
            diagnostic::Severity::Warning.label(),
            tr!(
                "the message was sent, but no copy could be filed in your Sent folder: {reason}",
                reason
            )
        ),
    }
}

/// The message for one part: our Message-ID, today's date, the cover letter as body, the
/// packet's files as attachments. Later parts answer the first (`first`, its Message-ID), so
/// they thread together.
fn message(
    dir: &Path,
    plan: &MessagePlan,
    sender: &Sender,
    contact: &Contact,
    to: &str,
    first: Option<String>,
) -> Result<Message> {
    let body_path = dir.join(&plan.body);
    let body = crate::case_files::read_capped(&body_path, crate::case_files::TEMPLATE_LIMIT)
        .and_then(|b| String::from_utf8(b).map_err(|_| std::io::ErrorKind::InvalidData.into()))
        .map_err(Error::io("read", &body_path))?;
    let draft = Draft {
        subject: plan.subject.clone(),
        body,
        attachments: plan.attachments.clone(),
        references: first.into_iter().collect(),
    };
    Ok(compose::compose(
        sender,
        contact,
        to,
        draft,
        compose::new_message_id(sender),
        compose::now(),
    ))
}

pub(super) fn open_attachment(dir: &Path, name: &str) -> std::io::Result<Box<dyn std::io::Read>> {
    Ok(Box::new(std::io::BufReader::new(
        crate::case_files::open_regular(&dir.join(name))?,
    )))
}

fn describe(contact: &Contact, planned: &[(MessagePlan, Message)], limit: u64) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(
        err,
        "{}",
        tr!(
            "To:      {name} <{address}>",
            name = contact.institution.best(contact.language),
            address = planned[0].1.to[0].address
        )
    );
    if !contact.cc.is_empty() {
        let _ = writeln!(err, "{}", tr!("Cc:      {cc}", cc = contact.cc.join(", ")));
    }
    for (plan, message) in planned {
        let _ = writeln!(err, "{}", tr!("Subject: {subject}", subject = plan.subject));
        for a in &plan.attachments {
            let _ = writeln!(
                err,
                "{}",
                tr!(
                    "         attached: {file} ({size})",
                    file = a.file,
                    size = human_size(a.bytes)
                )
            );
        }
        let _ = writeln!(
            err,
            "{}",
            tr!(
                "         {size} as sent ({bytes} bytes, base64 and headers included); the limit is {limit}",
                size = human_size(message.encoded_len()),
                bytes = message.encoded_len(),
                limit = human_size(limit)
            )
        );
    }
}

/// Asks on the terminal; without one, nothing is sent.
pub(super) fn confirm(contact: &Contact) -> Result<bool> {
    if !std::io::stdin().is_terminal() {
        return Err(Error::user(
            tr!(
                "not sending to `{contact}`: there is no terminal to confirm on",
                contact = contact.id
            ),
            Some(tr!(
                "look at the message with --dry-run, then send with --yes"
            )),
        ));
    }
    eprint!(
        "{}",
        tr!("Send this to {contact}? [y/N] ", contact = contact.id)
    );
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(Error::io("read", tr!("the terminal")))?;
    Ok(matches!(
        answer.trim().to_lowercase().as_str(),
        "y" | "yes" | "是" | "是的" | "好" | "确定" | "发送"
    ))
}

/// The packet to send: built now if it is missing or older than anything it is made from.
struct CurrentPacket {
    json: PacketJson,
    sha256: String,
}

fn ensure_packet(
    folder: &CaseFolder,
    loaded: &Loaded,
    contact: &Contact,
    dir: &Path,
    today: NaiveDate,
    built_before: bool,
) -> Result<CurrentPacket> {
    let json_path = dir.join(PACKET_FILE);
    let existing = crate::case_files::read_capped(&json_path, crate::case_files::TOML_LIMIT)
        .ok()
        .and_then(|b| serde_json::from_slice::<PacketJson>(&b).ok());
    let rebuild = |with: crate::packet::BuiltWith| -> Result<()> {
        let args = BuildArgs {
            contacts: vec![contact.id.clone()],
            out: None,
            records: with.records,
            split: with.split,
            encrypt: false,
            passphrase_env: "CONSULTPACK_ZIP_PASSPHRASE".to_string(),
            passphrase_command: None,
            font: with.fonts,
            force: false,
        };
        super::build::build(folder, loaded, &args, today, false)
    };
    match existing {
        Some(json) if json.inputs_sha256 == super::build::inputs_fingerprint(folder) => {}
        Some(json) if json.built_with.encrypt => {
            return Err(Error::user(
                tr!(
                    "the packet for `{contact}` is older than the case, and it is encrypted",
                    contact = contact.id
                ),
                Some(tr!(
                    "build it again with `consultpack build --contact {contact} --encrypt` and the passphrase the hospital has",
                    contact = contact.id
                )),
            ));
        }
        Some(json) => {
            eprintln!(
                "{}",
                tr!(
                    "`{contact}`: the case changed since the packet was built; building it again (with the options it was built with).",
                    contact = contact.id
                )
            );
            rebuild(json.built_with)?;
        }
        None => {
            // Never built here: built with `build`'s defaults, which `send` shows before
            // anything goes. A packet built elsewhere (`--out`) or removed is said to be.
            let line = if built_before {
                tr!(
                    "`{contact}`: no packet in {dir} (the last one was built elsewhere, or removed) — building it with the default options; for others (--split, --records, --encrypt), run `consultpack build --contact {contact}` with them before sending.",
                    contact = contact.id,
                    dir = dir.display()
                )
            } else {
                tr!(
                    "`{contact}`: no packet yet — building it.",
                    contact = contact.id
                )
            };
            eprintln!("{line}");
            rebuild(Default::default())?;
        }
    }
    let bytes = crate::case_files::read_capped(&json_path, crate::case_files::TOML_LIMIT)
        .map_err(Error::io("read", &json_path))?;
    let json: PacketJson = serde_json::from_slice(&bytes).map_err(|error| {
        Error::user(
            tr!(
                "`{path}` cannot be read ({error})",
                path = json_path.display(),
                error
            ),
            Some(tr!(
                "run `consultpack build --contact {contact}`",
                contact = contact.id
            )),
        )
    })?;
    for file in &json.files {
        let path = dir.join(&file.file);
        let (len, sha) = store::sha256_file(&path).unwrap_or((0, String::new()));
        if len != file.bytes || sha != file.sha256 {
            return Err(Error::user(
                tr!(
                    "`{path}` changed since the packet was built",
                    path = path.display()
                ),
                Some(tr!(
                    "run `consultpack build --contact {contact}` to build it again",
                    contact = contact.id
                )),
            ));
        }
    }
    Ok(CurrentPacket {
        sha256: store::sha256(&bytes),
        json,
    })
}

/// The pause between contacts, so that a provider does not take several sends as a burst.
fn pause() -> Duration {
    std::env::var("CONSULTPACK_SEND_PAUSE_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .map_or(Duration::from_secs(5), Duration::from_millis)
}

/// Waits before the second and third attempts: 10 s, then 60 s (`CONSULTPACK_RETRY_DELAYS_MS`,
/// comma-separated, changes them; the tests make them short).
fn retry_delays() -> Vec<Duration> {
    std::env::var("CONSULTPACK_RETRY_DELAYS_MS")
        .ok()
        .map(|v| {
            v.split(',')
                .filter_map(|n| n.trim().parse().ok())
                .map(Duration::from_millis)
                .collect()
        })
        .unwrap_or_else(|| vec![Duration::from_secs(10), Duration::from_secs(60)])
}
