//! `consultpack completions SHELL` and `consultpack man`: the command line described for the
//! shell and for `man`, from the same description as `--help` (in the interface language).

use clap_complete::Shell;

use super::print_stdout;
use crate::cli::ShellArg;
use crate::error::{Error, Result};
use crate::i18n;

pub fn completions(shell: ShellArg) -> Result<()> {
    let shell = match shell {
        ShellArg::Bash => Shell::Bash,
        ShellArg::Zsh => Shell::Zsh,
        ShellArg::Fish => Shell::Fish,
        ShellArg::PowerShell => Shell::PowerShell,
        ShellArg::Elvish => Shell::Elvish,
    };
    let mut command = i18n::help::command(i18n::ui());
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "consultpack", &mut script);
    print_stdout(&String::from_utf8_lossy(&script))
}

pub fn man_page() -> Result<()> {
    let command = i18n::help::command(i18n::ui());
    let mut page = Vec::new();
    clap_mangen::Man::new(command)
        .render(&mut page)
        .map_err(Error::io("write", "the manual page"))?;
    print_stdout(&String::from_utf8_lossy(&page))
}
