//! consultpack turns a patient's case folder into second-opinion packets.
//!
//! Data flows one way:
//! raw inputs (CLI in [`cli`], TOML read by [`toml_reader`], files listed by [`folder`])
//! → validated domain types ([`case`], [`contacts`], [`config`])
//! → pure transformations ([`clinical`] criteria, the summary document model)
//! → effects at the edges ([`private_file`] writes; PDF, zip and mail writers).
//! [`commands`] holds one short script per subcommand that wires these together.

pub mod case;
pub mod case_files;
pub mod child;
pub mod cli;
pub mod clinical;
pub mod commands;
pub mod config;
pub mod contacts;
pub mod cross_check;
pub mod date;
pub mod diagnostic;
pub mod dicom;
pub mod document;
pub mod error;
pub mod folder;
pub mod fonts;
pub mod lab;
pub mod layout;
pub mod ledger;
pub mod mail;
pub mod packet;
pub mod page_images;
pub mod parallel;
pub mod pdf;
pub mod private_file;
pub mod replies;
pub mod summary;
pub mod templates;
pub mod text;
pub mod toml_reader;
pub mod tracking;

use std::io::Write;
use std::process::ExitCode;

/// Runs the command line and returns the process exit code.
pub fn run(args: impl IntoIterator<Item = std::ffi::OsString>) -> ExitCode {
    let args: Vec<std::ffi::OsString> = args.into_iter().collect();
    // The page renderer's child process (see `page_images`): not a command for people.
    if args
        .get(1)
        .is_some_and(|a| a == page_images::WORKER_COMMAND)
    {
        let rest: Vec<String> = args[2..]
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        return page_images::worker(&rest);
    }
    if args.get(1).is_some_and(|a| a == templates::WORKER_COMMAND) {
        return templates::worker();
    }
    if args.get(1).is_some_and(|a| a == pdf::VET_COMMAND) {
        let rest: Vec<String> = args[2..]
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        return pdf::vet_worker(&rest);
    }
    let cli = match <cli::Cli as clap::Parser>::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help/version to stdout (exit 0) and usage errors to stderr (exit 2).
            let _ = e.print();
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
    match commands::execute(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            let mut stderr = std::io::stderr().lock();
            // Paths and names in messages come from files: printed inert.
            let _ = writeln!(
                stderr,
                "error: {}",
                diagnostic::printable_lines(&error.to_string())
            );
            if let Some(hint) = error.hint() {
                let _ = writeln!(stderr, "  = hint: {}", diagnostic::printable_lines(hint));
            }
            ExitCode::from(error.exit_code())
        }
    }
}
