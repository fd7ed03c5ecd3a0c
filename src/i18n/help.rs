//! `--help` in the interface language: clap's command tree with every description looked up in
//! the catalogue (the English doc comments of `cli.rs` are the keys), Chinese headings, and the
//! help and version flags and the `help` command described in the same language.

use clap::{Arg, ArgAction, Command, CommandFactory};

use super::translate;
use crate::text::Lang;
use crate::tr_in;

/// The name of the `help` command, which this module adds (clap's own is English only).
pub const HELP_COMMAND: &str = "help";

/// The whole command line, described in `lang`.
pub fn command(lang: Lang) -> Command {
    let root = crate::cli::Cli::command()
        .disable_help_subcommand(true)
        .disable_version_flag(true)
        .arg(
            Arg::new("version")
                .short('V')
                .long("version")
                .action(ArgAction::Version)
                .help("Print version"),
        )
        .subcommand(
            Command::new(HELP_COMMAND)
                .about("Print this message or the help of the given command")
                .arg(
                    Arg::new("command")
                        .value_name("COMMAND")
                        .num_args(0..)
                        .help("The command to describe, e.g. `send` or `contacts list`"),
                ),
        );
    localize(root, lang)
}

/// Every description of the command tree in English: what the catalogue must translate.
pub fn english_texts() -> Vec<String> {
    let mut texts = Vec::new();
    collect(&command(Lang::En), &mut texts);
    texts.sort();
    texts.dedup();
    texts
}

fn collect(cmd: &Command, texts: &mut Vec<String>) {
    texts.extend(cmd.get_about().map(ToString::to_string));
    texts.extend(cmd.get_long_about().map(ToString::to_string));
    for arg in cmd.get_arguments() {
        texts.extend(arg.get_help().map(ToString::to_string));
        texts.extend(arg.get_long_help().map(ToString::to_string));
        for value in arg.get_possible_values() {
            texts.extend(value.get_help().map(ToString::to_string));
        }
    }
    for sub in cmd.get_subcommands() {
        collect(sub, texts);
    }
}

fn localize(mut cmd: Command, lang: Lang) -> Command {
    let about = cmd.get_about().map(ToString::to_string);
    if let Some(about) = about {
        cmd = cmd.about(translate(lang, &about));
    }
    let long_about = cmd.get_long_about().map(ToString::to_string);
    if let Some(long_about) = long_about {
        cmd = cmd.long_about(translate(lang, &long_about));
    }
    cmd = cmd.disable_help_flag(true).arg(
        Arg::new("help")
            .short('h')
            .long("help")
            .action(ArgAction::Help)
            .help("Print help"),
    );
    let ids: Vec<_> = cmd.get_arguments().map(|a| a.get_id().clone()).collect();
    for id in ids {
        cmd = cmd.mut_arg(id, |arg| localize_arg(arg, lang));
    }
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    for name in names {
        cmd = cmd.mut_subcommand(name, |sub| localize(sub, lang));
    }
    // clap's own words (headings, "Usage:") are English; other languages get their own.
    if lang != Lang::En {
        let usage = tr_in!(lang, "Usage: ");
        cmd = cmd
            .subcommand_help_heading(tr_in!(lang, "Commands"))
            .subcommand_value_name(tr_in!(lang, "COMMAND"))
            .help_template(format!(
                "{{about-with-newline}}\n{usage}{{usage}}\n\n{{all-args}}{{after-help}}"
            ));
    }
    cmd
}

fn localize_arg(arg: Arg, lang: Lang) -> Arg {
    let help = arg.get_help().map(ToString::to_string);
    let long_help = arg.get_long_help().map(ToString::to_string);
    let positional = arg.is_positional();
    let mut arg = arg;
    if let Some(help) = help {
        arg = arg.help(translate(lang, &help));
    }
    if let Some(long_help) = long_help {
        arg = arg.long_help(translate(lang, &long_help));
    }
    if lang != Lang::En {
        arg = arg.help_heading(if positional {
            tr_in!(lang, "Arguments")
        } else {
            tr_in!(lang, "Options")
        });
        arg = with_values_in_words(arg, lang);
    }
    arg
}

/// clap lists possible and default values in English ("[possible values: …]"); in another
/// language they are hidden there and said in the help text instead.
fn with_values_in_words(arg: Arg, lang: Lang) -> Arg {
    let values: Vec<_> = arg
        .get_possible_values()
        .into_iter()
        .filter(|v| !v.is_hide_set())
        .collect();
    let defaults: Vec<String> = arg
        .get_default_values()
        .iter()
        .map(|v| v.to_string_lossy().into_owned())
        .collect();
    let Some(help) = arg.get_help().map(ToString::to_string) else {
        return arg;
    };
    let mut notes = Vec::new();
    if !values.is_empty() && arg.get_action().takes_values() {
        let names: Vec<&str> = values.iter().map(|v| v.get_name()).collect();
        notes.push(tr_in!(
            lang,
            "possible values: {values}",
            values = names.join(", ")
        ));
    }
    if !defaults.is_empty() {
        notes.push(tr_in!(
            lang,
            "default: {value}",
            value = defaults.join(", ")
        ));
    }
    if notes.is_empty() {
        return arg;
    }
    let short = format!("{help} [{}]", notes.join(&tr_in!(lang, "; ")));
    let described: Vec<String> = values
        .iter()
        .filter_map(|v| {
            let about = v.get_help()?;
            let about = translate(lang, &about.to_string());
            Some(tr_in!(
                lang,
                "  {name}: {about}",
                name = v.get_name(),
                about
            ))
        })
        .collect();
    let long = if described.is_empty() {
        short.clone()
    } else {
        format!("{short}\n\n{}", described.join("\n"))
    };
    arg.help(short)
        .long_help(long)
        .hide_possible_values(true)
        .hide_default_value(true)
}

/// A command-line mistake said in `lang` (clap says it in English): the commonest kinds, with
/// what clap found and suggests; `None` for the rest, which clap prints itself.
pub fn usage_error(error: &clap::Error, lang: Lang) -> Option<String> {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if lang == Lang::En {
        return None;
    }
    let context = |kind: ContextKind| match error.get(kind) {
        Some(ContextValue::String(s)) => Some(s.clone()),
        Some(ContextValue::Strings(v)) => Some(v.join(", ")),
        _ => None,
    };
    let arg = context(ContextKind::InvalidArg).unwrap_or_default();
    let message = match error.kind() {
        ErrorKind::InvalidSubcommand => {
            let name = context(ContextKind::InvalidSubcommand)?;
            tr_in!(lang, "there is no command `{name}`", name)
        }
        ErrorKind::UnknownArgument => tr_in!(lang, "unknown option `{arg}`", arg),
        ErrorKind::InvalidValue => {
            let value = context(ContextKind::InvalidValue).unwrap_or_default();
            let valid = context(ContextKind::ValidValue).unwrap_or_default();
            tr_in!(
                lang,
                "`{value}` is not a value of {arg} (it takes: {valid})",
                value,
                arg,
                valid
            )
        }
        ErrorKind::ValueValidation => {
            let value = context(ContextKind::InvalidValue).unwrap_or_default();
            tr_in!(lang, "`{value}` is not valid for {arg}", value, arg)
        }
        ErrorKind::MissingRequiredArgument => tr_in!(lang, "{arg} must be given", arg),
        ErrorKind::ArgumentConflict => {
            let other = context(ContextKind::PriorArg).unwrap_or_default();
            tr_in!(lang, "{arg} cannot be used with {other}", arg, other)
        }
        _ => return None,
    };
    let suggestion = context(ContextKind::SuggestedSubcommand)
        .or_else(|| context(ContextKind::SuggestedArg))
        .or_else(|| context(ContextKind::SuggestedValue));
    let usage = error
        .to_string()
        .lines()
        .find_map(|line| line.strip_prefix("Usage: ").map(str::to_string));
    let mut text = format!("{}{message}\n", crate::diagnostic::Severity::Error.label());
    if let Some(suggestion) = suggestion {
        text += &format!(
            "  = {}{}\n",
            crate::diagnostic::hint_label(),
            tr_in!(lang, "did you mean `{suggestion}`?", suggestion)
        );
    }
    if let Some(usage) = usage {
        text += &format!("\n{}{usage}\n", tr_in!(lang, "Usage: "));
    }
    text += &format!(
        "\n{}\n",
        tr_in!(lang, "For more, run `consultpack --help`.")
    );
    Some(text)
}
