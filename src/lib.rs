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
pub mod dicom_patient;
pub mod document;
pub mod error;
pub mod folder;
pub mod fonts;
pub mod gaps;
pub mod i18n;
pub mod inputs;
pub mod lab;
pub mod layout;
pub mod ledger;
pub mod mail;
pub mod packet;
pub mod page_images;
pub mod parallel;
pub mod password_command;
pub mod pdf;
pub mod platform;
pub mod private_file;
pub mod replies;
pub mod scrub;
pub mod statement;
pub mod summary;
pub mod templates;
pub mod text;
pub mod toml_reader;
pub mod tracking;
pub mod units;

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
    // Chinese messages and tables print as they are in cmd and PowerShell (Windows).
    let _console = platform::Console::utf8();
    i18n::set(interface_language(&args));
    let cli = match parse_command_line(args) {
        Ok(Some(cli)) => cli,
        Ok(None) => return ExitCode::SUCCESS,
        Err(e) => {
            // clap prints help/version to stdout (exit 0) and usage errors to stderr (exit 2);
            // usage errors in the interface language where it is not English.
            match i18n::help::usage_error(&e, i18n::ui()) {
                Some(text) => {
                    let _ = write!(std::io::stderr(), "{}", diagnostic::printable_lines(&text));
                }
                None => {
                    let _ = e.print();
                }
            }
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
                "{}{}",
                diagnostic::Severity::Error.label(),
                diagnostic::printable_lines(&error.to_string())
            );
            if let Some(hint) = error.hint() {
                let _ = writeln!(
                    stderr,
                    "  = {}{}",
                    diagnostic::hint_label(),
                    diagnostic::printable_lines(hint)
                );
            }
            ExitCode::from(error.exit_code())
        }
    }
}

/// The command line parsed against its description in the interface language; `Ok(None)` when
/// the `help` command has printed what was asked.
fn parse_command_line(args: Vec<std::ffi::OsString>) -> Result<Option<cli::Cli>, clap::Error> {
    use clap::FromArgMatches;
    let mut command = i18n::help::command(i18n::ui());
    let matches = command.try_get_matches_from_mut(args)?;
    if let Some((i18n::help::HELP_COMMAND, help)) = matches.subcommand() {
        let path: Vec<&String> = help.get_many("command").into_iter().flatten().collect();
        command.build();
        let mut shown = &mut command;
        for name in path {
            shown = shown.find_subcommand_mut(name).ok_or_else(|| {
                clap::Error::raw(
                    clap::error::ErrorKind::InvalidSubcommand,
                    tr!(
                        "there is no command `{name}`; `consultpack --help` lists them\n",
                        name
                    ),
                )
            })?;
        }
        let _ = shown.print_long_help();
        return Ok(None);
    }
    cli::Cli::from_arg_matches(&matches).map(Some)
}

/// The interface language, decided before the command line is parsed so that `--help` and
/// clap's errors are in it too: `--ui`, else `ui` in the case's consultpack.toml, else the
/// locale (on Windows, without `LANG`, the user's display locale).
fn interface_language(args: &[std::ffi::OsString]) -> text::Lang {
    let flag = |name: &str| {
        let long = format!("--{name}");
        let joined = format!("--{name}=");
        args.iter().enumerate().find_map(|(i, arg)| {
            let arg = arg.to_str()?;
            if arg == long {
                args.get(i + 1)?.to_str().map(str::to_string)
            } else {
                arg.strip_prefix(&joined).map(str::to_string)
            }
        })
    };
    let case = flag("case").map(std::path::PathBuf::from);
    let config_ui = folder::CaseFolder::locate(case.as_deref())
        .ok()
        .and_then(|folder| {
            let bytes =
                case_files::read_capped(&folder.path(folder::CONFIG_FILE), case_files::TOML_LIMIT)
                    .ok()?;
            let table: toml::Table = toml::from_str(std::str::from_utf8(&bytes).ok()?).ok()?;
            table.get("ui")?.as_str().map(str::to_string)
        });
    i18n::choose(flag("ui").as_deref(), config_ui.as_deref(), |key| {
        std::env::var(key)
            .ok()
            .or_else(|| (key == "LANG").then(platform::system_locale).flatten())
    })
}
