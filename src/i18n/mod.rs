//! The interface language: every message, hint, prompt, table header and `--help` text the
//! program prints, in English or Chinese.
//!
//! English is the source language and each English template is its own key (as in gettext):
//! code writes `tr!("{count} file(s) written", count = n)` and the Chinese catalogue
//! (`i18n/zh/*.toml`, compiled in) maps that template to `"已写入 {count} 个文件"`. A test reads
//! every `tr!` in the source and every `--help` text and fails when one has no Chinese, when the
//! placeholders differ, or when a catalogue entry is no longer used.
//!
//! The language is chosen once per run ([`choose`], [`set`]): `--ui`, else `ui =` in
//! consultpack.toml, else the locale, else English. JSON output never goes through here.

mod catalogue;
pub mod help;

use std::fmt::Display;
use std::sync::OnceLock;

pub use catalogue::{CATALOGUE_FILES, Catalogue};

use crate::text::Lang;

static UI: OnceLock<Lang> = OnceLock::new();

/// Sets the interface language for this run; the first call wins.
pub fn set(lang: Lang) {
    let _ = UI.set(lang);
}

/// The interface language of this run (English until [`set`]).
pub fn ui() -> Lang {
    UI.get().copied().unwrap_or(Lang::En)
}

/// Picks the interface language: the `--ui` flag, else `ui` in consultpack.toml, else the
/// locale (`LC_ALL`, `LC_MESSAGES`, `LANG`: the first one set decides; `zh…` is Chinese), else
/// English. Values that are not a language are skipped here (the flag's parser and the
/// consultpack.toml check report them).
pub fn choose(
    flag: Option<&str>,
    config: Option<&str>,
    env: impl Fn(&str) -> Option<String>,
) -> Lang {
    if let Some(lang) = flag.and_then(language) {
        return lang;
    }
    if let Some(lang) = config.and_then(language) {
        return lang;
    }
    let locale = ["LC_ALL", "LC_MESSAGES", "LANG"]
        .into_iter()
        .filter_map(&env)
        .find(|value| !value.is_empty());
    match locale {
        Some(locale) if locale.to_ascii_lowercase().starts_with("zh") => Lang::Zh,
        _ => Lang::En,
    }
}

/// A language as consultpack.toml and `--ui` accept it (the words of [`Lang`]'s choices).
fn language(value: &str) -> Option<Lang> {
    use crate::toml_reader::Choice;
    let value = value.trim();
    Lang::CHOICES
        .iter()
        .find(|(word, _)| word.eq_ignore_ascii_case(value))
        .map(|(_, lang)| *lang)
}

/// A message in `lang`: `template` is the English text, looked up in the Chinese catalogue when
/// `lang` is Chinese; `{name}` is replaced by the argument of that name, `{{` and `}}` are
/// braces. Called through [`tr!`](crate::tr).
pub fn render(lang: Lang, template: &'static str, args: &[(&str, &dyn Display)]) -> String {
    let text = match lang {
        Lang::En => template,
        Lang::Zh => Catalogue::zh().get(template).unwrap_or(template),
    };
    fill(text, args)
}

/// `english` in `lang`, for text that is not a literal in the code (`--help` from doc comments).
pub fn translate(lang: Lang, english: &str) -> String {
    match lang {
        Lang::En => english.to_string(),
        Lang::Zh => Catalogue::zh().get(english).unwrap_or(english).to_string(),
    }
}

/// Replaces `{name}` placeholders; an unknown name is left as written.
fn fill(text: &str, args: &[(&str, &dyn Display)]) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(text.len() + 16);
    let mut rest = text;
    while let Some(i) = rest.find(['{', '}']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if tail.starts_with("{{") || tail.starts_with("}}") {
            out.push_str(&tail[..1]);
            rest = &tail[2..];
            continue;
        }
        let name_end = tail[1..].find('}').map(|j| j + 1);
        let arg = name_end.and_then(|end| args.iter().find(|(name, _)| *name == &tail[1..end]));
        match (name_end, arg) {
            (Some(end), Some((_, value))) => {
                let _ = write!(out, "{value}");
                rest = &tail[end + 1..];
            }
            _ => {
                debug_assert!(false, "no argument for a placeholder in {text:?}");
                out.push_str(&tail[..1]);
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The placeholder names of a template, in order (for the catalogue check).
pub fn placeholders(text: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find(['{', '}']) {
        let tail = &rest[i..];
        if tail.starts_with("{{") || tail.starts_with("}}") {
            rest = &tail[2..];
        } else if let (true, Some(end)) = (tail.starts_with('{'), tail.find('}')) {
            names.push(&tail[1..end]);
            rest = &tail[end + 1..];
        } else {
            rest = &tail[1..];
        }
    }
    names
}

/// A message in the interface language: `tr!("{n} file(s) written", n = count)`, or
/// `tr!("… {path} …", path)` for an argument named like its variable. The template must be a
/// string literal: it is the catalogue key, and the catalogue test finds it in the source.
#[macro_export]
macro_rules! tr {
    (@value $name:ident = $value:expr) => { $value };
    (@value $name:ident) => { $name };
    ($template:literal $(, $name:ident $(= $value:expr)?)* $(,)?) => {
        $crate::i18n::render(
            $crate::i18n::ui(),
            $template,
            &[$((stringify!($name), &$crate::tr!(@value $name $(= $value)?) as &dyn ::std::fmt::Display)),*],
        )
    };
}

/// [`tr!`] in a given language rather than the interface's (text that goes into a document).
#[macro_export]
macro_rules! tr_in {
    ($lang:expr, $template:literal $(, $name:ident $(= $value:expr)?)* $(,)?) => {
        $crate::i18n::render(
            $lang,
            $template,
            &[$((stringify!($name), &$crate::tr!(@value $name $(= $value)?) as &dyn ::std::fmt::Display)),*],
        )
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flag_beats_the_file_which_beats_the_locale() {
        let zh_locale = |k: &str| (k == "LANG").then(|| "zh_CN.UTF-8".to_string());
        let c_locale = |k: &str| (k == "LANG").then(|| "C".to_string());
        assert_eq!(choose(Some("en"), Some("zh"), zh_locale), Lang::En);
        assert_eq!(choose(None, Some("en"), zh_locale), Lang::En);
        assert_eq!(choose(None, None, zh_locale), Lang::Zh);
        assert_eq!(choose(None, None, c_locale), Lang::En);
        assert_eq!(choose(Some("klingon"), Some("zh"), c_locale), Lang::Zh);
        assert_eq!(choose(None, None, |_| None), Lang::En);
    }

    #[test]
    fn lc_all_overrides_lang_and_an_empty_one_is_skipped() {
        let env = |all: &'static str| {
            move |k: &str| match k {
                "LC_ALL" => Some(all.to_string()),
                "LANG" => Some("zh_CN.UTF-8".to_string()),
                _ => None,
            }
        };
        assert_eq!(choose(None, None, env("en_US.UTF-8")), Lang::En);
        assert_eq!(choose(None, None, env("")), Lang::Zh);
    }

    #[test]
    fn placeholders_are_filled_and_braces_kept() {
        let n = 3;
        let text = fill("{n} of {{x}} and {name}", &[("n", &n), ("name", &"a")]);
        assert_eq!(text, "3 of {x} and a");
        assert_eq!(placeholders("{n} of {{x}} and {name}"), ["n", "name"]);
    }

    #[test]
    fn a_template_is_looked_up_in_chinese_and_filled() {
        let count = 2;
        let text = render(
            Lang::Zh,
            "{count} error(s) in the case folder (listed above); nothing was written",
            &[("count", &count)],
        );
        assert!(text.contains('2') && text.contains("错误"), "{text}");
        let text = crate::tr_in!(
            Lang::En,
            "{count} error(s) in the case folder (listed above); nothing was written",
            count
        );
        assert!(text.starts_with("2 error(s)"), "{text}");
    }
}
