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
    let mut script = String::from_utf8_lossy(&script).into_owned();
    if shell == Shell::Bash {
        script.push_str(BASH_CONTACT_IDS);
    }
    print_stdout(&script)
}

/// Bash: contact ids where a command takes one (`send`, `mark`, `contacts show`, `--contact`,
/// `followup --send`), from `consultpack contacts list --ids` in the case being typed about;
/// everything else as clap_complete's function completes it.
const BASH_CONTACT_IDS: &str = r#"
# Contact ids, from the case folder (or the one given with --case).
_consultpack_contact_ids() {
    local case_args=() i
    for ((i = 1; i < COMP_CWORD; i++)); do
        [[ ${COMP_WORDS[i]} == --case ]] && case_args=(--case "${COMP_WORDS[i+1]}")
    done
    command consultpack "${case_args[@]}" contacts list --ids 2>/dev/null
}

_consultpack_with_ids() {
    local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}"
    local words=() i
    for ((i = 1; i < COMP_CWORD; i++)); do
        case "${COMP_WORDS[i]}" in
            --case|--ui|--contact|--send|--note|--date|--file|--lang|--at|--out|--records|-o|--output|--font|--passphrase-env|--passphrase-command) ((i++)) ;;
            -*) ;;
            *) words+=("${COMP_WORDS[i]}") ;;
        esac
    done
    local wants_id=0
    case "$prev" in
        --contact|--send) wants_id=1 ;;
    esac
    if [[ $cur != -* && $prev != -* ]]; then
        case "${words[0]} ${#words[@]}" in
            "send "*|"mark 1") wants_id=1 ;;
        esac
        [[ ${words[0]} == contacts && ${words[1]} == show && ${#words[@]} -eq 2 ]] && wants_id=1
    fi
    if ((wants_id)); then
        COMPREPLY=($(compgen -W "$(_consultpack_contact_ids)" -- "$cur"))
        return 0
    fi
    _consultpack "$@"
}

complete -F _consultpack_with_ids -o nosort -o bashdefault -o default consultpack
"#;

pub fn man_page() -> Result<()> {
    let command = i18n::help::command(i18n::ui());
    let mut page = Vec::new();
    clap_mangen::Man::new(command)
        .render(&mut page)
        .map_err(Error::io("write", "the manual page"))?;
    print_stdout(&String::from_utf8_lossy(&page))
}
