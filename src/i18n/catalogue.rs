//! The Chinese catalogue: `i18n/zh/*.toml`, compiled in, one file per part of the program so
//! that translators find a message near its neighbours. Each entry is
//! `"English template" = "中文模板"`.

use std::collections::HashMap;
use std::sync::OnceLock;

/// Every catalogue file, by its path in the repository (for the check's messages).
pub const CATALOGUE_FILES: &[(&str, &str)] = &[
    (
        "i18n/zh/interface.toml",
        include_str!("../../i18n/zh/interface.toml"),
    ),
    ("i18n/zh/help.toml", include_str!("../../i18n/zh/help.toml")),
    (
        "i18n/zh/case-files.toml",
        include_str!("../../i18n/zh/case-files.toml"),
    ),
    (
        "i18n/zh/commands.toml",
        include_str!("../../i18n/zh/commands.toml"),
    ),
    ("i18n/zh/mail.toml", include_str!("../../i18n/zh/mail.toml")),
    (
        "i18n/zh/documents.toml",
        include_str!("../../i18n/zh/documents.toml"),
    ),
];

/// English template → Chinese template.
pub struct Catalogue {
    entries: HashMap<String, String>,
}

impl Catalogue {
    /// The compiled-in Chinese catalogue, read on first use. The catalogue test guarantees it
    /// parses; were it ever not to, messages stay in English rather than the program failing.
    pub fn zh() -> &'static Catalogue {
        static ZH: OnceLock<Catalogue> = OnceLock::new();
        ZH.get_or_init(|| {
            let mut entries = HashMap::new();
            for (_, text) in CATALOGUE_FILES {
                if let Ok(table) = Self::parse(text) {
                    entries.extend(table);
                }
            }
            Catalogue { entries }
        })
    }

    /// One catalogue file's entries, in order; an error names what is wrong.
    pub fn parse(text: &str) -> Result<Vec<(String, String)>, String> {
        let table: toml::Table = toml::from_str(text).map_err(|e| e.to_string())?;
        table
            .into_iter()
            .map(|(key, value)| match value {
                toml::Value::String(text) => Ok((key, text)),
                other => Err(format!("`{key}` is {}, not a string", other.type_str())),
            })
            .collect()
    }

    pub fn get(&self, english: &str) -> Option<&str> {
        self.entries.get(english).map(String::as_str)
    }
}
