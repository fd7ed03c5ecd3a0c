//! Reads a TOML document field by field, collecting every problem instead of stopping at the first.
//!
//! serde with `deny_unknown_fields` stops at the first bad key and loses the position of type
//! errors. Users fill these files by hand, so we walk the spanned tree that `toml` gives us
//! instead: each accessor records the key it asked for, reports a wrong type at the value's
//! position, and [`Table::finish`] reports every key nobody asked for, with a did-you-mean.
//! Numbers are read from their source text into exact decimals, never through `f64`.

use std::borrow::Cow;
use std::ops::Range;
use std::str::FromStr;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::date::CaseDate;
use crate::diagnostic::{Diagnostic, Diagnostics, SourceFile, looks_secret};
use crate::text::Text;
use crate::tr;

/// A closed set of words a field accepts, such as `male | female`.
pub trait Choice: Sized + Copy + 'static {
    /// Every accepted spelling, first the canonical one for each value.
    const CHOICES: &'static [(&'static str, Self)];

    fn parse_choice(word: &str) -> Option<Self> {
        // Most values are written exactly as listed.
        if let Some((_, v)) = Self::CHOICES.iter().find(|(name, _)| *name == word) {
            return Some(*v);
        }
        let wanted = normalize_word(word);
        Self::CHOICES
            .iter()
            .find(|(name, _)| same_word(name, &wanted))
            .map(|(_, v)| *v)
    }

    /// The canonical spelling, as written in files and JSON.
    fn name(self) -> &'static str
    where
        Self: PartialEq,
    {
        Self::CHOICES
            .iter()
            .find(|(_, v)| *v == self)
            .map_or("?", |(name, _)| name)
    }

    fn canonical_names() -> Vec<&'static str>
    where
        Self: PartialEq,
    {
        let mut names: Vec<&'static str> = Vec::new();
        for (name, value) in Self::CHOICES {
            if !Self::CHOICES
                .iter()
                .any(|(n, v)| v == value && names.contains(n))
            {
                names.push(name);
            }
        }
        names
    }
}

/// Case and separators do not matter when matching a word: `Moderate-Severe` = `moderate_severe`.
fn normalize_word(word: &str) -> String {
    word.trim().to_lowercase().replace(['_', ' '], "-")
}

/// Whether `name` normalizes to `normalized`, without allocating (choices are matched for
/// every value of a large case).
fn same_word(name: &str, normalized: &str) -> bool {
    let folded = name
        .trim()
        .chars()
        .flat_map(char::to_lowercase)
        .map(|c| if c == '_' || c == ' ' { '-' } else { c });
    folded.eq(normalized.chars())
}

/// The closest of `candidates` to `word`, if it is close enough to be a likely typo.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| {
            (
                strsim::jaro_winkler(&word.to_lowercase(), &c.to_lowercase()),
                c,
            )
        })
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// The document being read, the problems found so far and the date that counts as today.
pub struct Reader<'s> {
    pub source: &'s SourceFile,
    pub diagnostics: Diagnostics,
    /// Dates after this are errors: records cannot come from the future.
    pub today: NaiveDate,
}

impl<'s> Reader<'s> {
    pub fn new(source: &'s SourceFile, today: NaiveDate) -> Self {
        Self {
            source,
            diagnostics: Diagnostics::default(),
            today,
        }
    }

    /// Parses the document; syntax errors are recorded and give `None`.
    pub fn parse(&mut self) -> Option<Spanned<DeTable<'s>>> {
        let (table, errors) = DeTable::parse_recoverable(&self.source.text);
        if errors.is_empty() {
            return Some(table);
        }
        // A full-width `：` makes the parser stumble several times on its line: said once.
        let mut slipped_lines = Vec::new();
        for (n, error) in errors.into_iter().enumerate() {
            let span = error.span().unwrap_or(0..0);
            let text = self.source.line_text_at(span.start, 500);
            let line = self.source.locate(span.clone()).line;
            if let Some((c, ascii)) = full_width_slip(text) {
                if !slipped_lines.contains(&line) {
                    slipped_lines.push(line);
                    self.error(
                        span,
                        tr!(
                            "a full-width `{c}` outside quotes (typed with a Chinese keyboard): TOML needs `{ascii}` there",
                            c,
                            ascii = ascii.replace(' ', "space")
                        ),
                        Some(tr!(
                            "switch the keyboard to English for punctuation; inside quotes any character may stay"
                        )),
                    );
                }
                continue;
            }
            let message = toml_message(error.message().trim());
            // Hints only for the problems that will be shown; a broken file can have thousands.
            let hint = (n < crate::diagnostic::MAX_SHOWN).then(|| {
                keyboard_hint(text)
                    .or_else(|| unquoted_partial_date(text))
                    .unwrap_or_else(|| syntax_hint(&message))
            });
            self.error(span, tr!("TOML syntax: {message}", message), hint);
        }
        None
    }

    pub fn error(&mut self, span: Range<usize>, message: impl Into<String>, hint: Option<String>) {
        let mut diagnostic = Diagnostic::error(message).at(self.source.locate(span));
        diagnostic.hint = hint;
        self.diagnostics.push(diagnostic);
    }

    pub fn warning(
        &mut self,
        span: Range<usize>,
        message: impl Into<String>,
        hint: Option<String>,
    ) {
        let mut diagnostic = Diagnostic::warning(message).at(self.source.locate(span));
        diagnostic.hint = hint;
        self.diagnostics.push(diagnostic);
    }
}

/// No date in a case comes before this one (birth dates included).
pub const MIN_DATE: NaiveDate = NaiveDate::from_ymd_opt(1900, 1, 1).expect("valid date");

/// What a Chinese keyboard typed in place of TOML's ASCII punctuation, outside quotes.
const FULL_WIDTH: &[(char, &str)] = &[
    ('“', "\""),
    ('”', "\""),
    ('‘', "'"),
    ('’', "'"),
    ('＝', "="),
    ('：', "="),
    ('，', ","),
    ('［', "["),
    ('］', "]"),
    ('【', "["),
    ('】', "]"),
    ('｛', "{"),
    ('｝', "}"),
    ('．', "."),
    ('＃', "#"),
    ('\u{3000}', " "),
];

/// The first full-width character a Chinese keyboard typed outside quotes on a line, and the
/// ASCII TOML needs in its place.
fn full_width_slip(line: &str) -> Option<(char, &'static str)> {
    let mut in_string = false;
    for c in line.chars() {
        match c {
            '"' => in_string = !in_string,
            '#' if !in_string => break,
            _ if !in_string => {
                if let Some((_, ascii)) = FULL_WIDTH.iter().find(|(f, _)| *f == c) {
                    return Some((c, ascii));
                }
            }
            _ => {}
        }
    }
    None
}

/// The TOML parser's English for the common cases, in the interface language.
fn toml_message(message: &str) -> String {
    let known = [
        ("invalid key", tr!("invalid key")),
        ("invalid string", tr!("invalid text in quotes")),
        ("invalid unquoted key", tr!("invalid key")),
        (
            "missing assignment between key-value pairs",
            tr!("missing `=` between the key and its value"),
        ),
        ("expected `=`", tr!("expected `=` after the key")),
        ("duplicate key", tr!("the key appears twice")),
        ("invalid inline table", tr!("invalid inline table")),
        ("invalid array", tr!("invalid list")),
        ("unclosed", tr!("a quote, bracket or brace is not closed")),
        ("invalid date", tr!("invalid date")),
        ("invalid time", tr!("invalid time")),
        ("invalid number", tr!("invalid number")),
        (
            "string values must be quoted",
            tr!("text values must be in quotes"),
        ),
        (
            "extra assignment between key-value pairs",
            tr!("one key and value per line"),
        ),
    ];
    known
        .into_iter()
        .find(|(english, _)| message.starts_with(english))
        .map(|(english, said)| {
            let rest = message[english.len()..].trim();
            if rest.is_empty() || crate::i18n::ui() == crate::text::Lang::Zh {
                said
            } else {
                format!("{said} {rest}")
            }
        })
        .unwrap_or_else(|| message.to_string())
}

/// A hint for the slips a Chinese keyboard makes on a line that does not parse: a date written
/// with slashes (full-width punctuation is said by the error itself).
fn keyboard_hint(line: &str) -> Option<String> {
    slash_date(line).map(|(written, fixed)| {
        tr!(
            "dates are written with hyphens, year-month-day: {fixed} instead of {written}",
            fixed,
            written
        )
    })
}

/// A hint for `date = 2021-07` or `date = 2021-07 early`: only whole dates go without quotes.
fn unquoted_partial_date(line: &str) -> Option<String> {
    let (key, value) = line.split_once('=')?;
    let value = value.split('#').next()?.trim();
    let date = CaseDate::parse(value).filter(|d| d.is_approximate() && !value.starts_with('"'))?;
    Some(tr!(
        "a date known only in part goes in quotes: {key} = \"{value}\" (read as {date})",
        key = key.trim(),
        value,
        date = date.in_lang(crate::i18n::ui())
    ))
}

/// A date written `2021/10/20` (or `2021.10.20`) in `line`, and how to write it.
fn slash_date(line: &str) -> Option<(String, String)> {
    let bytes = line.as_bytes();
    for (start, _) in line.char_indices() {
        let rest = &line[start..];
        let mut parts = rest.splitn(3, ['/', '.']);
        let (Some(y), Some(m), Some(d)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        let d: String = d.chars().take_while(char::is_ascii_digit).collect();
        if y.len() == 4
            && y.chars().all(|c| c.is_ascii_digit())
            && (1..=2).contains(&m.len())
            && m.chars().all(|c| c.is_ascii_digit())
            && (1..=2).contains(&d.len())
            && (start == 0 || !bytes[start - 1].is_ascii_digit())
        {
            let sep = rest.as_bytes()[4] as char;
            let written = format!("{y}{sep}{m}{sep}{d}");
            let fixed = format!("{y}-{:0>2}-{:0>2}", m, d);
            return Some((written, fixed));
        }
    }
    None
}

fn syntax_hint(message: &str) -> String {
    if message.contains("date") || message.contains("day") || message.contains("month") {
        tr!("dates are <year>-<month>-<day>; check that the day exists in that month")
    } else if message.contains("string") || message.contains("quote") {
        tr!("text values need quotes: name = \"Wang\"")
    } else if message.contains("duplicate") {
        tr!("each key may appear once per table; use [[name]] for a list of entries")
    } else {
        tr!("see the comments in the file `consultpack init` writes for the expected form")
    }
}

/// One TOML table being read: tracks which keys were asked for, to report the rest as unknown.
pub struct Table<'t, 's> {
    /// How the table is named in messages, such as `[patient]` or `[[lab]] #2`.
    pub name: String,
    table: &'t DeTable<'s>,
    /// The span to point at when a required key is missing.
    pub span: Range<usize>,
    asked: Vec<String>,
}

impl<'t, 's> Table<'t, 's> {
    pub fn new(name: impl Into<String>, table: &'t DeTable<'s>, span: Range<usize>) -> Self {
        Self {
            name: name.into(),
            table,
            span,
            asked: Vec::new(),
        }
    }

    /// The raw value of a key, if present.
    pub fn get(&mut self, key: &str) -> Option<&'t Spanned<DeValue<'s>>> {
        self.asked.push(key.to_string());
        self.table.get(key)
    }

    /// The span of a key's value, or of the table when the key is absent.
    pub fn span_of(&self, key: &str) -> Range<usize> {
        self.table.get(key).map_or(self.span.clone(), Spanned::span)
    }

    /// Whether the key was written, without reading it.
    pub fn has(&self, key: &str) -> bool {
        self.table.contains_key(key)
    }

    fn missing(&self, reader: &mut Reader<'_>, key: &str, example: &str) {
        // A misspelt key (`birth_dat`) is reported once, as unknown with a did-you-mean, by
        // `finish`; a second "missing `birth_date`" would only repeat it.
        let written = self.table.keys().map(|k| k.get_ref().as_ref());
        if did_you_mean(key, written.filter(|w| *w != key)).is_some() {
            return;
        }
        reader.error(
            self.span.clone(),
            tr!("missing field `{key}` in {table}", key, table = self.name),
            Some(tr!("add a line such as: {key} = {example}", key, example)),
        );
    }

    fn wrong_type(
        &self,
        reader: &mut Reader<'_>,
        key: &str,
        value: &Spanned<DeValue<'_>>,
        expected: &str,
        example: &str,
    ) {
        // A file that may hold a secret is never quoted, values included.
        let found = if reader.source.quotes_lines() && !looks_secret(key) {
            describe(value.get_ref())
        } else {
            kind_of(value.get_ref())
        };
        reader.error(
            value.span(),
            tr!(
                "`{key}` in {table} must be {expected}, found {found}",
                key,
                table = self.name,
                expected,
                found
            ),
            Some(tr!("write it like: {key} = {example}", key, example)),
        );
    }

    pub fn string(&mut self, reader: &mut Reader<'_>, key: &str) -> Option<Spanned<String>> {
        let value = self.get(key)?;
        match value.get_ref() {
            DeValue::String(s) => fits(reader, &self.name, key, value.span(), s)
                .then(|| Spanned::new(value.span(), s.to_string())),
            _ => {
                self.wrong_type(reader, key, value, &tr!("text in quotes"), "\"...\"");
                None
            }
        }
    }

    pub fn required_string(
        &mut self,
        reader: &mut Reader<'_>,
        key: &str,
        example: &str,
    ) -> Option<Spanned<String>> {
        if !self.has(key) {
            self.asked.push(key.to_string());
            self.missing(reader, key, example);
            return None;
        }
        self.string(reader, key)
    }

    pub fn bool(&mut self, reader: &mut Reader<'_>, key: &str) -> Option<bool> {
        let value = self.get(key)?;
        match value.get_ref() {
            DeValue::Boolean(b) => Some(*b),
            _ => {
                self.wrong_type(reader, key, value, &tr!("true or false"), "true");
                None
            }
        }
    }

    /// An exact decimal, from a TOML number (read from its source text) or a quoted number.
    pub fn decimal(&mut self, reader: &mut Reader<'_>, key: &str) -> Option<Spanned<Decimal>> {
        let value = self.get(key)?;
        let parsed = decimal_of(value.get_ref());
        if parsed.is_none() {
            self.wrong_type(reader, key, value, &tr!("a number"), &tr!("<number>"));
        }
        parsed.map(|d| Spanned::new(value.span(), d))
    }

    pub fn integer(&mut self, reader: &mut Reader<'_>, key: &str) -> Option<Spanned<i64>> {
        let value = self.get(key)?;
        let parsed = match value.get_ref() {
            DeValue::Integer(i) => {
                i64::from_str_radix(&i.as_str().replace('_', ""), i.radix()).ok()
            }
            _ => None,
        };
        match parsed {
            Some(n) => Some(Spanned::new(value.span(), n)),
            None => {
                self.wrong_type(
                    reader,
                    key,
                    value,
                    &tr!("a whole number"),
                    &tr!("<whole number>"),
                );
                None
            }
        }
    }

    /// A date as the family knows it ([`CaseDate`]): a TOML date (`2021-07-06`), a year
    /// (`2021`), or in quotes any form `CaseDate::parse` reads (`"2021-07 early"`). A date whose
    /// first possible day is after today is an error, and so is `"unknown"`: the entries that
    /// may be undated read theirs with [`Table::date_or_unknown`].
    pub fn date(&mut self, reader: &mut Reader<'_>, key: &str) -> Option<Spanned<CaseDate>> {
        self.date_known_or_not(reader, key, false)
    }

    /// A date as [`Table::date`] reads it, or `"unknown"` (不详) for an entry the family cannot
    /// date: a treatment, a medication, a diagnosis.
    pub fn date_or_unknown(
        &mut self,
        reader: &mut Reader<'_>,
        key: &str,
    ) -> Option<Spanned<CaseDate>> {
        self.date_known_or_not(reader, key, true)
    }

    fn date_known_or_not(
        &mut self,
        reader: &mut Reader<'_>,
        key: &str,
        unknown_allowed: bool,
    ) -> Option<Spanned<CaseDate>> {
        let value = self.get(key)?;
        if let DeValue::String(written) = value.get_ref()
            && CaseDate::says_unknown(written)
        {
            if unknown_allowed {
                return Some(Spanned::new(value.span(), CaseDate::unknown()));
            }
            reader.error(
                value.span(),
                tr!(
                    "`{key}` in {table} cannot be \"{written}\": the criteria need this date",
                    key,
                    table = self.name,
                    written = written.trim()
                ),
                Some(tr!(
                    "write the date the document shows, even only in part ({key} = \"2021-08\" or \"2021\"); only a treatment, a medication or a diagnosis can be dated \"unknown\""
                    , key
                )),
            );
            return None;
        }
        let date = match value.get_ref() {
            DeValue::Datetime(dt) => match (dt.date, dt.time) {
                (Some(d), None) => {
                    NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day))
                        .map(CaseDate::exact)
                }
                _ => None,
            },
            DeValue::Integer(year) => CaseDate::parse(year.as_str()),
            DeValue::String(s) => CaseDate::parse(s),
            _ => None,
        };
        let Some(date) = date else {
            if let DeValue::String(written) = value.get_ref()
                && let Some((as_written, fixed)) = slash_date(written)
            {
                reader.error(
                    value.span(),
                    tr!(
                        "`{key}` in {table} is written `{as_written}`",
                        key,
                        table = self.name,
                        as_written
                    ),
                    Some(tr!(
                        "dates are written with hyphens, year-month-day: {key} = {fixed}",
                        key,
                        fixed
                    )),
                );
                return None;
            }
            self.wrong_type(
                reader,
                key,
                value,
                &tr!(
                    "a date: year-month-day, or only what is known (\"2021-07\", \"2021-07 early\", \"2021-07上旬\", 2021)"
                ),
                &tr!("<year-month-day>"),
            );
            return None;
        };
        if date.day() < MIN_DATE {
            reader.error(
                value.span(),
                tr!(
                    "`{key}` in {table} is before 1900 ({date})",
                    key,
                    table = self.name,
                    date = date.in_lang(crate::i18n::ui())
                ),
                Some(tr!("check the year")),
            );
            return None;
        }
        if date.day() > reader.today {
            reader.error(
                value.span(),
                tr!(
                    "`{key}` in {table} is in the future ({date})",
                    key,
                    table = self.name,
                    date = date.in_lang(crate::i18n::ui())
                ),
                Some(tr!(
                    "check the year and month; today is {today}",
                    today = reader.today
                )),
            );
            return None;
        }
        Some(Spanned::new(value.span(), date))
    }

    pub fn required_date(
        &mut self,
        reader: &mut Reader<'_>,
        key: &str,
    ) -> Option<Spanned<CaseDate>> {
        self.required_date_known_or_not(reader, key, false)
    }

    /// A date that must be written, though it may be `"unknown"` ([`Table::date_or_unknown`]).
    pub fn required_date_or_unknown(
        &mut self,
        reader: &mut Reader<'_>,
        key: &str,
    ) -> Option<Spanned<CaseDate>> {
        self.required_date_known_or_not(reader, key, true)
    }

    fn required_date_known_or_not(
        &mut self,
        reader: &mut Reader<'_>,
        key: &str,
        unknown_allowed: bool,
    ) -> Option<Spanned<CaseDate>> {
        if !self.has(key) {
            self.asked.push(key.to_string());
            self.missing(reader, key, &tr!("<year-month-day>"));
            return None;
        }
        self.date_known_or_not(reader, key, unknown_allowed)
    }

    /// One of a closed set of words; an unknown word lists the choices with a did-you-mean.
    pub fn choice<T: Choice + PartialEq>(
        &mut self,
        reader: &mut Reader<'_>,
        key: &str,
    ) -> Option<Spanned<T>> {
        let value = self.get(key)?;
        let choices = T::canonical_names();
        let example = format!("\"{}\"", choices[0]);
        let word = match value.get_ref() {
            DeValue::String(s) => s.to_string(),
            DeValue::Integer(i) => i.as_str().to_string(),
            _ => {
                self.wrong_type(
                    reader,
                    key,
                    value,
                    &tr!("one of {choices}", choices = list(&choices)),
                    &example,
                );
                return None;
            }
        };
        if let Some(parsed) = T::parse_choice(&word) {
            return Some(Spanned::new(value.span(), parsed));
        }
        let accepted = list(&choices);
        let hint = match did_you_mean(&word, T::CHOICES.iter().map(|(n, _)| *n)) {
            Some(near) => tr!(
                "did you mean `{near}`? accepted: {accepted}",
                near,
                accepted
            ),
            None => tr!("accepted: {accepted}", accepted),
        };
        reader.error(
            value.span(),
            tr!(
                "`{key}` in {table} has an unknown value `{word}`",
                key,
                table = self.name,
                word
            ),
            Some(hint),
        );
        None
    }

    /// A list of words from a closed set; an unknown one is an error with a did-you-mean.
    pub fn choices<T: Choice + PartialEq>(&mut self, reader: &mut Reader<'_>, key: &str) -> Vec<T> {
        let names = T::canonical_names();
        let mut out = Vec::new();
        for word in self.strings(reader, key) {
            if let Some(item) = T::parse_choice(word.get_ref()) {
                out.push(item);
                continue;
            }
            let accepted = list(&names);
            let hint = match did_you_mean(word.get_ref(), names.iter().copied()) {
                Some(near) => tr!(
                    "did you mean `{near}`? accepted: {accepted}",
                    near,
                    accepted
                ),
                None => tr!("accepted: {accepted}", accepted),
            };
            reader.error(
                word.span(),
                tr!(
                    "`{key}` in {table} has an unknown value `{word}`",
                    key,
                    table = self.name,
                    word = word.get_ref()
                ),
                Some(hint),
            );
        }
        out
    }

    pub fn required_choice<T: Choice + PartialEq>(
        &mut self,
        reader: &mut Reader<'_>,
        key: &str,
    ) -> Option<Spanned<T>> {
        if !self.has(key) {
            self.asked.push(key.to_string());
            let example = format!("\"{}\"", T::canonical_names()[0]);
            self.missing(reader, key, &example);
            return None;
        }
        self.choice(reader, key)
    }

    /// Free text in one or both languages: `"..."` or `{ zh = "...", en = "..." }`.
    pub fn text(&mut self, reader: &mut Reader<'_>, key: &str) -> Option<Spanned<Text>> {
        let value = self.get(key)?;
        let text = text_of(reader, &self.name, key, value);
        text.map(|t| Spanned::new(value.span(), t))
    }

    pub fn required_text(&mut self, reader: &mut Reader<'_>, key: &str) -> Option<Spanned<Text>> {
        if !self.has(key) {
            self.asked.push(key.to_string());
            self.missing(reader, key, "{ zh = \"...\", en = \"...\" }");
            return None;
        }
        self.text(reader, key)
    }

    /// A list of strings; a single string is accepted as a list of one.
    pub fn strings(&mut self, reader: &mut Reader<'_>, key: &str) -> Vec<Spanned<String>> {
        let Some(value) = self.get(key) else {
            return Vec::new();
        };
        match value.get_ref() {
            DeValue::String(s) => vec![Spanned::new(value.span(), s.to_string())],
            DeValue::Array(items) => {
                let mut out = Vec::new();
                for item in items {
                    match item.get_ref() {
                        DeValue::String(s) => out.push(Spanned::new(item.span(), s.to_string())),
                        _ => {
                            let expected = tr!("a list of texts");
                            self.wrong_type(reader, key, item, &expected, "[\"a\", \"b\"]")
                        }
                    }
                }
                out
            }
            _ => {
                self.wrong_type(
                    reader,
                    key,
                    value,
                    &tr!("a list of texts"),
                    "[\"a\", \"b\"]",
                );
                Vec::new()
            }
        }
    }

    /// A list of bilingual texts (each entry a string or a `{ zh, en }` table).
    pub fn texts(&mut self, reader: &mut Reader<'_>, key: &str) -> Vec<Spanned<Text>> {
        let Some(value) = self.get(key) else {
            return Vec::new();
        };
        match value.get_ref() {
            DeValue::Array(items) => items
                .iter()
                .filter_map(|item| {
                    text_of(reader, &self.name, key, item).map(|t| Spanned::new(item.span(), t))
                })
                .collect(),
            _ => text_of(reader, &self.name, key, value)
                .map(|t| vec![Spanned::new(value.span(), t)])
                .unwrap_or_default(),
        }
    }

    /// A sub-table, such as `[patient.share_with]`.
    pub fn table(&mut self, reader: &mut Reader<'_>, key: &str) -> Option<Table<'t, 's>> {
        let value = self.get(key)?;
        match value.get_ref() {
            DeValue::Table(t) => Some(Table::new(format!("[{key}]"), t, value.span())),
            _ => {
                self.wrong_type(reader, key, value, &tr!("a table"), "{ ... }");
                None
            }
        }
    }

    /// The entries of an array of tables, `[[key]]`, each named `[[key]] #n` in messages.
    pub fn tables(&mut self, reader: &mut Reader<'_>, key: &str) -> Vec<Table<'t, 's>> {
        let Some(value) = self.get(key) else {
            return Vec::new();
        };
        let items: &'t [Spanned<DeValue<'s>>] = match value.get_ref() {
            DeValue::Array(items) => items,
            DeValue::Table(_) => std::slice::from_ref(value),
            _ => {
                self.wrong_type(
                    reader,
                    key,
                    value,
                    &tr!("a list of tables"),
                    &format!("[[{key}]]"),
                );
                return Vec::new();
            }
        };
        let mut out = Vec::new();
        for (index, item) in items.iter().enumerate() {
            match item.get_ref() {
                DeValue::Table(t) => {
                    out.push(Table::new(
                        format!("[[{key}]] #{}", index + 1),
                        t,
                        item.span(),
                    ));
                }
                _ => self.wrong_type(reader, key, item, &tr!("a table"), "{ ... }"),
            }
        }
        out
    }

    /// Every entry of the table, for tables whose keys are data (analyte names, contact ids).
    /// The entries of a table whose keys are data (contact ids, analytes). A key named like a
    /// secret is left out, so that its value is never read or quoted; `finish` refuses it.
    pub fn entries(
        &self,
    ) -> impl Iterator<Item = (&'t Spanned<Cow<'s, str>>, &'t Spanned<DeValue<'s>>)> {
        self.table
            .iter()
            .filter(|(k, _)| !looks_secret(k.get_ref()))
    }

    /// Reports every key that no accessor asked for, with the nearest known key as a hint.
    pub fn finish(self, reader: &mut Reader<'_>) {
        for (key, _) in self.table.iter() {
            let key_name: &str = key.get_ref();
            if self.asked.iter().any(|a| a == key_name) {
                continue;
            }
            if looks_secret(key_name) {
                // Its line is never quoted (see `SourceFile::locate`), nor is its value.
                reader.error(
                    key.span(),
                    tr!(
                        "`{key}` in {table} looks like a password or other secret, which never goes in the case folder",
                        key = key_name,
                        table = self.name
                    ),
                    Some(tr!(
                        "delete the line; the mail password comes from `password_env` or `password_command` in consultpack.toml (`consultpack docs sending`)"
                    )),
                );
                continue;
            }
            let hint = match did_you_mean(key_name, self.asked.iter().map(String::as_str)) {
                Some(near) => tr!("did you mean `{near}`?", near),
                None => tr!(
                    "known fields here: {fields}",
                    fields = list(&self.asked.iter().map(String::as_str).collect::<Vec<_>>())
                ),
            };
            reader.error(
                key.span(),
                tr!(
                    "unknown field `{key}` in {table}",
                    key = key_name,
                    table = self.name
                ),
                Some(hint),
            );
        }
    }
}

/// The longest text a field may hold, in characters: the family's own account and notes may
/// run to pages; a name or a hospital fits on a line or two.
fn length_limit(key: &str) -> usize {
    match key {
        "narrative" | "notes" | "note" | "findings" | "text" | "zh" | "en" | "body" => 30_000,
        _ => 2_000,
    }
}

/// Whether a text fits its field; if not, an error at its line (the text is not quoted).
fn fits(reader: &mut Reader<'_>, table: &str, key: &str, span: Range<usize>, text: &str) -> bool {
    let limit = length_limit(key);
    let length = text.chars().count();
    if length <= limit {
        return true;
    }
    reader.error(
        span,
        tr!(
            "`{key}` in {table} is {length} characters long; at most {limit} fit there",
            key,
            table,
            length,
            limit
        ),
        Some(tr!(
            "shorten it; a long story belongs in [narrative], a document in records/"
        )),
    );
    false
}

/// Reads bilingual text from a value.
pub fn text_of(
    reader: &mut Reader<'_>,
    table_name: &str,
    key: &str,
    value: &Spanned<DeValue<'_>>,
) -> Option<Text> {
    let bad = |reader: &mut Reader<'_>, span: Range<usize>| {
        reader.error(
            span,
            tr!(
                "`{key}` in {table} must be text or {{ zh = \"...\", en = \"...\" }}",
                key,
                table = table_name
            ),
            Some(tr!(
                "write it like: {key} = {{ zh = \"中文\", en = \"English\" }}",
                key
            )),
        );
    };
    match value.get_ref() {
        DeValue::String(s) => {
            fits(reader, table_name, key, value.span(), s).then(|| Text::plain(s.as_ref()))
        }
        DeValue::Table(t) => {
            let mut zh = None;
            let mut en = None;
            for (k, v) in t.iter() {
                let slot = match k.get_ref().as_ref() {
                    "zh" => &mut zh,
                    "en" => &mut en,
                    other => {
                        let hint = did_you_mean(other, ["zh", "en"]).map_or_else(
                            || tr!("a text has only `zh` (Chinese) and `en` (English)"),
                            |near| tr!("did you mean `{near}`?", near),
                        );
                        reader.error(
                            k.span(),
                            tr!(
                                "unknown language `{other}` in `{key}` of {table}",
                                other,
                                key,
                                table = table_name
                            ),
                            Some(hint),
                        );
                        continue;
                    }
                };
                match v.get_ref() {
                    DeValue::String(s) if fits(reader, table_name, key, v.span(), s) => {
                        *slot = Some(s.to_string())
                    }
                    DeValue::String(_) => {}
                    _ => bad(reader, v.span()),
                }
            }
            if zh.is_none() && en.is_none() {
                bad(reader, value.span());
                return None;
            }
            Some(Text::new(zh, en))
        }
        _ => {
            bad(reader, value.span());
            None
        }
    }
}

/// An exact decimal from a TOML integer, float or quoted number.
pub fn decimal_of(value: &DeValue<'_>) -> Option<Decimal> {
    let raw = match value {
        DeValue::Integer(i) if i.radix() == 10 => i.as_str().replace('_', ""),
        DeValue::Float(f) => f.as_str().replace('_', ""),
        DeValue::String(s) => s.trim().to_string(),
        _ => return None,
    };
    Decimal::from_str(&raw)
        .or_else(|_| Decimal::from_scientific(&raw))
        .ok()
}

/// What a value is, in words, for type errors.
pub fn describe(value: &DeValue<'_>) -> String {
    match value {
        DeValue::String(s) => tr!("text \"{text}\"", text = s),
        DeValue::Integer(i) => tr!("number {number}", number = i.as_str()),
        DeValue::Float(f) => tr!("number {number}", number = f.as_str()),
        DeValue::Boolean(b) => b.to_string(),
        DeValue::Datetime(d) => tr!("date {date}", date = d),
        DeValue::Array(_) => tr!("a list"),
        DeValue::Table(_) => tr!("a table"),
    }
}

/// What kind of value it is, without the value.
fn kind_of(value: &DeValue<'_>) -> String {
    match value {
        DeValue::String(_) => tr!("text"),
        DeValue::Integer(_) | DeValue::Float(_) => tr!("a number"),
        DeValue::Boolean(_) => tr!("true or false"),
        DeValue::Datetime(_) => tr!("a date"),
        DeValue::Array(_) => tr!("a list"),
        DeValue::Table(_) => tr!("a table"),
    }
}

/// `a`, `b` or `c`, for messages.
pub fn list(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod keyboard_tests {
    use super::*;

    #[test]
    fn a_partial_date_without_quotes_is_told_to_take_them() {
        assert_eq!(
            unquoted_partial_date("date = 2021-07   # about"),
            Some(
                "a date known only in part goes in quotes: date = \"2021-07\" (read as 2021-07)"
                    .into()
            )
        );
        assert!(unquoted_partial_date("date = 2021-07-06").is_none());
        assert!(unquoted_partial_date("date = \"2021-07\"").is_none());
    }

    #[test]
    fn full_width_punctuation_and_slash_dates_are_named() {
        assert_eq!(full_width_slip("name ＝ \"王\""), Some(('＝', "=")));
        assert_eq!(
            full_width_slip("note = \"血压：120\""),
            None,
            "inside quotes it is text"
        );
        assert_eq!(full_width_slip("title = “出院小结”"), Some(('“', "\"")));
        let hint = keyboard_hint("date = 2021/10/20").unwrap();
        assert!(hint.contains("2021-10-20 instead of 2021/10/20"), "{hint}");
        assert_eq!(
            slash_date("2021.7.5"),
            Some(("2021.7.5".into(), "2021-07-05".into()))
        );
        assert_eq!(slash_date("12021/10/20"), None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_table(text: &str, f: impl FnOnce(&mut Reader<'_>, Table<'_, '_>)) -> Diagnostics {
        let source = SourceFile::new("t.toml", text);
        let mut reader = Reader::new(&source, NaiveDate::from_ymd_opt(2026, 11, 27).unwrap());
        let doc = reader.parse().expect("valid toml");
        let table = Table::new("[t]", doc.get_ref(), 0..0);
        f(&mut reader, table);
        reader.diagnostics
    }

    #[test]
    fn decimals_are_read_from_source_text() {
        let diagnostics = with_table("a = 20.52\nb = \"3.0\"\nc = 7\n", |reader, mut t| {
            assert_eq!(
                t.decimal(reader, "a").unwrap().into_inner(),
                Decimal::new(2052, 2)
            );
            assert_eq!(
                t.decimal(reader, "b").unwrap().into_inner().to_string(),
                "3.0"
            );
            assert_eq!(
                t.decimal(reader, "c").unwrap().into_inner(),
                Decimal::from(7)
            );
            t.finish(reader);
        });
        assert!(diagnostics.is_empty());
    }

    #[test]
    fn unknown_keys_get_a_suggestion() {
        let diagnostics = with_table("birth_dat = 1958-03-14\n", |reader, mut t| {
            let _ = t.date(reader, "birth_date");
            t.finish(reader);
        });
        let d = diagnostics.iter().next().unwrap();
        assert_eq!(d.message, "unknown field `birth_dat` in [t]");
        assert_eq!(d.hint.as_deref(), Some("did you mean `birth_date`?"));
        assert_eq!(d.location.as_ref().unwrap().line, 1);
    }

    #[test]
    fn a_misspelt_required_key_is_reported_once() {
        let diagnostics = with_table("birth_dat = 1958-03-14\n", |reader, mut t| {
            assert!(t.required_date(reader, "birth_date").is_none());
            t.finish(reader);
        });
        let messages: Vec<_> = diagnostics.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(messages, ["unknown field `birth_dat` in [t]"]);
    }

    #[test]
    fn future_dates_are_errors() {
        let diagnostics = with_table("d = 2027-01-01\n", |reader, mut t| {
            assert!(t.date(reader, "d").is_none());
        });
        assert!(
            diagnostics
                .iter()
                .next()
                .unwrap()
                .message
                .contains("in the future")
        );
    }

    #[test]
    fn wrong_types_name_the_found_value() {
        let diagnostics = with_table("n = \"x\"\n", |reader, mut t| {
            assert!(t.integer(reader, "n").is_none());
        });
        assert_eq!(
            diagnostics.iter().next().unwrap().message,
            "`n` in [t] must be a whole number, found text \"x\""
        );
    }
}
