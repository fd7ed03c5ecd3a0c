//! Failures of a command, each with the exit code it maps to.
//!
//! Problems in the user's files are [`crate::diagnostic::Diagnostics`] and are printed where
//! they are found; by the time an [`Error::Invalid`] reaches `main` it has been shown.

use std::io;
use std::path::PathBuf;

use crate::tr;

/// Exit codes: 0 success; 1 invalid input; 2 usage (clap's own); 3 an outside failure.
pub const EXIT_INVALID: u8 = 1;
pub const EXIT_EXTERNAL: u8 = 3;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The case folder has errors, already printed as diagnostics.
    #[error("{}", tr!("{count} error(s) in the case folder (listed above); nothing was written", count))]
    Invalid { count: usize },
    /// A request that cannot be carried out as asked (an unknown contact, an existing case).
    #[error("{message}")]
    User {
        message: String,
        hint: Option<String>,
    },
    /// A mail server could not be reached or refused (the words say at which step).
    #[error("{message}")]
    Mail {
        message: String,
        hint: Option<String>,
    },
    /// Reading or writing a file failed.
    #[error("{}", tr!("failed to {action} `{path}`: {source}", action = crate::i18n::translate(crate::i18n::ui(), action), path = path.display(), source))]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

impl Error {
    pub fn user(message: impl Into<String>, hint: impl Into<Option<String>>) -> Self {
        Error::User {
            message: message.into(),
            hint: hint.into(),
        }
    }

    /// An I/O failure; a file refused by [`crate::case_files`] (a pipe, too large) is the
    /// family's to fix, and says so.
    pub fn io(action: &'static str, path: impl Into<PathBuf>) -> impl FnOnce(io::Error) -> Self {
        let path = path.into();
        move |source| match crate::case_files::refusal(&source) {
            Some(why) => Error::User {
                message: tr!(
                    "`{path}` cannot be read: {why}",
                    path = path.strip_prefix(".").unwrap_or(&path).display(),
                    why
                ),
                hint: Some(tr!("replace it with an ordinary file, or remove it")),
            },
            None => Error::Io {
                action,
                path,
                source,
            },
        }
    }

    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Invalid { .. } | Error::User { .. } => EXIT_INVALID,
            Error::Io { .. } | Error::Mail { .. } => EXIT_EXTERNAL,
        }
    }

    pub fn hint(&self) -> Option<&str> {
        match self {
            Error::User { hint, .. } | Error::Mail { hint, .. } => hint.as_deref(),
            _ => None,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
