//! `consultpack mail test`: logs in to the mail servers of consultpack.toml without sending, and
//! says in plain words which step fails — name lookup, connection, TLS, login.

use chrono::NaiveDate;

use super::{load_valid, password};
use crate::cli::MailAction;
use crate::config::Server;
use crate::error::{Error, Result};
use crate::folder::CaseFolder;
use crate::mail::connect::{Failure, Step};
use crate::mail::{imap, smtp};
use crate::tr;

pub fn run(folder: &CaseFolder, action: MailAction, today: NaiveDate) -> Result<()> {
    match action {
        MailAction::Test => test(folder, today),
    }
}

fn test(folder: &CaseFolder, today: NaiveDate) -> Result<()> {
    let loaded = load_valid(folder, today)?;
    let config = loaded.config.as_ref();
    let smtp_server = config.and_then(|c| c.smtp.as_ref()).ok_or_else(|| {
        Error::user(
            tr!("consultpack.toml has no [smtp] server"),
            Some(tr!(
                "add [smtp] with provider = \"qq\" (or host, port, security), username and password_env"
            )),
        )
    })?;
    let secret = password(smtp_server, "SMTP")?;
    let session = smtp::login(smtp_server, &secret, folder.root())
        .map_err(|f| mail_error("SMTP", smtp_server, &f))?;
    let size = session.size_limit();
    session.quit();
    eprintln!("{}", passed("SMTP", smtp_server));
    if let Some(size) = size {
        eprintln!(
            "  {}",
            tr!(
                "the server takes messages up to {size} (its SIZE)",
                size = crate::packet::cover::human_size(size)
            )
        );
    }
    if let Some(imap_server) = config.and_then(|c| c.imap.as_ref()) {
        let password = password(imap_server, "IMAP")?;
        let mut session = imap::login(imap_server, &password, folder.root())
            .map_err(|f| mail_error("IMAP", imap_server, &f))?;
        let selected = session
            .examine("INBOX")
            .map(drop)
            .map_err(|error| session.explain(&error));
        let _ = session.logout();
        selected.map_err(|error| Error::Mail {
            message: tr!(
                "IMAP: logged in, but the inbox could not be opened ({error})",
                error
            ),
            hint: None,
        })?;
        eprintln!("{}", passed("IMAP", imap_server));
    }
    Ok(())
}

fn passed(what: &str, server: &Server) -> String {
    let (host, port, username) = (&server.host, server.port, &server.username);
    let security = crate::toml_reader::Choice::name(server.security);
    // "certificate verified" only where there was a certificate to verify.
    if server.security == crate::config::Security::None {
        tr!(
            "{what} {host}:{port} ({security}): connected without encryption (allowed only to this computer), logged in as {username}",
            what,
            host,
            port,
            security,
            username
        )
    } else {
        tr!(
            "{what} {host}:{port} ({security}): connected, certificate verified, logged in as {username}",
            what,
            host,
            port,
            security,
            username
        )
    }
}

fn mail_error(what: &str, server: &Server, failure: &Failure) -> Error {
    let step = match failure.step {
        Step::Lookup => tr!("name lookup failed"),
        Step::Connect => tr!("connection failed"),
        Step::Tls => tr!("TLS failed"),
        Step::Login => tr!("login failed"),
        Step::Transfer => tr!("failed"),
    };
    Error::Mail {
        message: tr!(
            "{what} {host}:{port}: {step}: {problem}",
            what,
            host = server.host,
            port = server.port,
            step,
            problem = failure.message
        ),
        hint: failure.hint.clone(),
    }
}
