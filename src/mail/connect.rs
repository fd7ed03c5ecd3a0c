//! What the SMTP and IMAP connections share: the server's settings with the password fetched,
//! certificate trust (the public roots, plus the case's `ca_file`; never switched off), and
//! failures that say which step went wrong — name lookup, connection, TLS, login — in words a
//! family can act on. No password is ever part of a failure.

use std::net::{SocketAddr, ToSocketAddrs};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

use crate::config::{Security, Server};
use crate::text::Lang;
use crate::{tr, tr_in};

/// How long a connection may wait for the server at any step.
pub const TIMEOUT: Duration = Duration::from_secs(30);

/// The step of a conversation with a mail server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Lookup,
    Connect,
    Tls,
    Login,
    /// Handing a message over (SMTP MAIL/RCPT/DATA, IMAP APPEND/FETCH).
    Transfer,
}

/// Whether a message handed over may have arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Certainly not delivered; trying again later may work (4xx, a dropped connection before
    /// the message was complete, a timeout).
    Temporary,
    /// Certainly not delivered; trying again will not help (5xx, wrong password, bad certificate).
    Permanent,
    /// The connection broke after the whole message was handed over: the server may have it.
    Unknown,
}

/// A failed step, in words for the family.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub step: Step,
    pub delivery: Delivery,
    /// The SMTP reply code, when the server gave one.
    pub code: Option<u16>,
    /// What went wrong, in the interface language, with the server's own words where there
    /// are any.
    pub message: String,
    /// The same in English, for the ledger.
    pub reason: String,
    /// What to do about it, in the interface language.
    pub hint: Option<String>,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl Failure {
    /// A failure whose words are rendered in the interface language for the terminal and in
    /// English for the ledger.
    pub fn new(step: Step, delivery: Delivery, words: impl Fn(Lang) -> String) -> Self {
        Self {
            step,
            delivery,
            code: None,
            message: words(crate::i18n::ui()),
            reason: words(Lang::En),
            hint: None,
        }
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

/// Which of the two servers a connection goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    Smtp,
    Imap,
}

impl Protocol {
    /// The server's role, as a failure names it: "outgoing (SMTP)".
    fn role(self, lang: Lang) -> String {
        match self {
            Protocol::Smtp => tr_in!(lang, "outgoing (SMTP)"),
            Protocol::Imap => tr_in!(lang, "incoming (IMAP)"),
        }
    }
}

/// What to do about a message whose fate is unknown: look in Sent where the provider files mail
/// sent by programs itself; otherwise no copy exists (consultpack files one only after success),
/// so ask the recipient.
pub fn unknown_delivery_hint(server: &Server) -> String {
    if server
        .provider
        .is_some_and(|p| p.preset().files_sent_itself)
    {
        tr!(
            "look in your mail's Sent folder (or ask the hospital); if it is not there, send again with --resend"
        )
    } else {
        tr!(
            "ask the hospital whether it arrived (your mail keeps no copy of what programs send); if it did not, send again with --resend"
        )
    }
}

/// The server's addresses, or a failure that says the name could not be looked up.
pub fn lookup(server: &Server, protocol: Protocol) -> Result<Vec<SocketAddr>, Failure> {
    let host = &server.host;
    let addresses: Vec<SocketAddr> = (host.as_str(), server.port)
        .to_socket_addrs()
        .map_err(|error| {
            Failure::new(Step::Lookup, Delivery::Temporary, |lang| {
                tr_in!(
                    lang,
                    "the {role} server name `{host}` could not be looked up ({error})",
                    role = protocol.role(lang),
                    host,
                    error
                )
            })
            .hint(tr!(
                "check the spelling of `host` in consultpack.toml and that this computer is online"
            ))
        })?
        .collect();
    if addresses.is_empty() {
        return Err(Failure::new(Step::Lookup, Delivery::Temporary, |lang| {
            tr_in!(
                lang,
                "the {role} server name `{host}` has no address",
                role = protocol.role(lang),
                host
            )
        }));
    }
    Ok(addresses)
}

/// The connection failure for an I/O error while connecting.
pub fn connect_failure(server: &Server, protocol: Protocol, error: &std::io::Error) -> Failure {
    Failure::new(Step::Connect, Delivery::Temporary, |lang| {
        tr_in!(
            lang,
            "could not connect to the {role} server {host}:{port} ({error})",
            role = protocol.role(lang),
            host = server.host,
            port = server.port,
            error
        )
    })
    .hint(tr!("check `port` in consultpack.toml (SMTP: 465 with tls, 587 with starttls; IMAP: 993 with tls), and that no firewall blocks it"))
}

/// The extra certificates of `ca_file` (relative to the case folder), as trust anchors.
pub fn extra_roots(
    server: &Server,
    case_root: &Path,
) -> Result<Vec<CertificateDer<'static>>, Failure> {
    let Some(file) = &server.ca_file else {
        return Ok(Vec::new());
    };
    let path = case_root.join(file);
    let certs: Result<Vec<_>, _> = CertificateDer::pem_file_iter(&path)
        .map_err(|e| e.to_string())
        .and_then(|iter| {
            iter.collect::<Result<Vec<_>, _>>()
                .map_err(|e| e.to_string())
        });
    match certs {
        Ok(certs) if !certs.is_empty() => Ok(certs),
        Ok(_) => Err(Failure::new(Step::Tls, Delivery::Permanent, |lang| {
            tr_in!(
                lang,
                "`ca_file` {path} holds no certificate",
                path = path.display()
            )
        })),
        Err(error) => Err(Failure::new(Step::Tls, Delivery::Permanent, |lang| {
            tr_in!(
                lang,
                "`ca_file` {path} could not be read ({error})",
                path = path.display(),
                error
            )
        })
        .hint(tr!(
            "give a PEM file of the certificate authority, or remove `ca_file`"
        ))),
    }
}

/// TLS settings for rustls: the public web roots and the extra ones; verification always on.
pub fn rustls_config(extra: &[CertificateDer<'static>]) -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    for cert in extra {
        let _ = roots.add(cert.clone());
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("ring supports the default protocol versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    Arc::new(config)
}

/// Whether sending a password without TLS is allowed: only to this computer (tests).
pub fn plaintext_allowed(server: &Server) -> bool {
    server.security == Security::None
        && matches!(server.host.as_str(), "127.0.0.1" | "localhost" | "::1")
}

/// A secure connection that could not be made: the certificate's problem when there is one,
/// else the error's own words.
pub fn tls_failed(server: &Server, error: &(dyn std::error::Error + 'static)) -> Failure {
    Failure::new(Step::Tls, Delivery::Permanent, |lang| {
        let problem = tls_problem(error, lang)
            .unwrap_or_else(|| tr_in!(lang, "the secure connection failed ({error})", error));
        tr_in!(
            lang,
            "{problem} ({host}:{port})",
            problem,
            host = server.host,
            port = server.port
        )
    })
    .hint(tr!("if this is your provider's server, check `host` and `security`; a private server's authority goes in `ca_file`"))
}

/// [`tls_failed`], when a TLS failure is behind the error chain.
pub fn tls_failure(server: &Server, error: &(dyn std::error::Error + 'static)) -> Option<Failure> {
    tls_problem(error, Lang::En).map(|_| tls_failed(server, error))
}

/// The TLS failure behind an error chain, in words: the certificate's problem when there is one.
fn tls_problem(error: &(dyn std::error::Error + 'static), lang: Lang) -> Option<String> {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = current {
        let rustls_error = e.downcast_ref::<rustls::Error>().or_else(|| {
            e.downcast_ref::<std::io::Error>()
                .and_then(|io| io.get_ref())
                .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        });
        if let Some(rustls_error) = rustls_error {
            return Some(match rustls_error {
                rustls::Error::InvalidCertificate(cert) => {
                    let why = match cert {
                        rustls::CertificateError::UnknownIssuer => {
                            tr_in!(
                                lang,
                                "it is not signed by an authority this computer trusts"
                            )
                        }
                        rustls::CertificateError::NotValidForName
                        | rustls::CertificateError::NotValidForNameContext { .. } => {
                            tr_in!(lang, "it is for another server name")
                        }
                        rustls::CertificateError::Expired
                        | rustls::CertificateError::ExpiredContext { .. } => {
                            tr_in!(lang, "it has expired")
                        }
                        other => format!("{other:?}"),
                    };
                    tr_in!(lang, "the server's certificate was refused: {why}", why)
                }
                // Plain text where TLS records were expected: "220 smtp.example ESMTP".
                rustls::Error::InvalidMessage(_) => tr_in!(
                    lang,
                    "the server did not answer in TLS: this port most likely expects plain text first and STARTTLS (wrong security for this port)"
                ),
                other => tr_in!(
                    lang,
                    "the secure connection failed ({error})",
                    error = other
                ),
            });
        }
        current = e.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificate_problems_are_named() {
        let error = std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer),
        );
        let problem = tls_problem(&error, Lang::En).unwrap();
        assert!(problem.contains("not signed by an authority"), "{problem}");
        assert!(tls_problem(&std::io::Error::other("refused"), Lang::En).is_none());
    }
}
