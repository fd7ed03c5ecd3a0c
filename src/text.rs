//! Languages and bilingual free text.

use serde::Serialize;

use crate::toml_reader::Choice;

/// A language a document or contact uses. Chinese means Simplified Chinese.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Zh,
    En,
}

impl Choice for Lang {
    const CHOICES: &'static [(&'static str, Self)] = &[
        ("zh", Lang::Zh),
        ("en", Lang::En),
        ("chinese", Lang::Zh),
        ("english", Lang::En),
        ("中文", Lang::Zh),
        ("zh-cn", Lang::Zh),
        ("cn", Lang::Zh),
        ("en-us", Lang::En),
    ];
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Zh, Lang::En];

    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    /// The language's name in the interface language, for messages.
    pub fn name(self) -> String {
        match self {
            Lang::Zh => crate::tr!("Chinese"),
            Lang::En => crate::tr!("English"),
        }
    }

    /// Picks the Chinese or the English of a pair of fixed strings.
    pub fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }
}

impl std::fmt::Display for Lang {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// Free text the family wrote: either one string meant for every reader (names, numbers,
/// drug names) or a Chinese and an English version.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Text {
    /// Text that serves every language.
    #[serde(skip_serializing_if = "Option::is_none")]
    plain: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    zh: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    en: Option<String>,
}

impl Text {
    pub fn plain(text: impl Into<String>) -> Self {
        Self {
            plain: Some(text.into()),
            zh: None,
            en: None,
        }
    }

    pub fn new(zh: Option<String>, en: Option<String>) -> Self {
        Self {
            plain: None,
            zh,
            en,
        }
    }

    pub fn both(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self::new(Some(zh.into()), Some(en.into()))
    }

    /// The text for a reader of `lang`, if written for that language (or for all).
    pub fn get(&self, lang: Lang) -> Option<&str> {
        let specific = match lang {
            Lang::Zh => self.zh.as_deref(),
            Lang::En => self.en.as_deref(),
        };
        specific.or(self.plain.as_deref())
    }

    /// The text in `lang`, else whatever is written (better than nothing in a table cell).
    pub fn best(&self, lang: Lang) -> &str {
        self.get(lang)
            .or(self.plain.as_deref())
            .or(self.en.as_deref())
            .or(self.zh.as_deref())
            .unwrap_or("")
    }

    pub fn has(&self, lang: Lang) -> bool {
        self.get(lang).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_serves_every_language() {
        let t = Text::plain("TAF 25 mg");
        assert_eq!(t.get(Lang::Zh), Some("TAF 25 mg"));
        assert_eq!(t.get(Lang::En), Some("TAF 25 mg"));
    }

    #[test]
    fn a_missing_language_is_missing() {
        let t = Text::new(Some("肝硬化".into()), None);
        assert!(!t.has(Lang::En));
        assert_eq!(t.best(Lang::En), "肝硬化");
    }
}
