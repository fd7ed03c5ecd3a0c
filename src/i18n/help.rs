//! `--help` in the interface language: clap's command tree with every description looked up in
//! the catalogue (the English doc comments of `cli.rs` are the keys), Chinese headings, and the
//! help and version flags and the `help` command described in the same language.

use clap::{Arg, ArgAction, Command, CommandFactory};

use super::translate;
use crate::text::Lang;

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
    if lang == Lang::Zh {
        cmd = cmd
            .subcommand_help_heading("命令")
            .subcommand_value_name("命令")
            .help_template("{about-with-newline}\n用法：{usage}\n\n{all-args}{after-help}");
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
    if lang == Lang::Zh {
        arg = arg.help_heading(if positional { "参数" } else { "选项" });
    }
    arg
}
