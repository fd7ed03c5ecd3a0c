//! Problems found in the user's files: what is wrong, where (file, line, column) and how to fix it.
//!
//! Loading never stops at the first problem. Every phase pushes into one [`Diagnostics`] list so
//! `consultpack check` can show them all at once; a command refuses to go on when any is an error.

use std::fmt;
use std::io::{self, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::tr;
use unicode_width::UnicodeWidthStr;

/// How bad a problem is: errors stop a command, warnings are shown and allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    /// How a problem's first line starts, in the interface language: `error: ` or `错误：`.
    pub fn label(self) -> String {
        match self {
            Severity::Error => crate::tr!("error: "),
            Severity::Warning => crate::tr!("warning: "),
        }
    }
}

/// How a hint starts, in the interface language: `hint: ` or `提示：`.
pub fn hint_label() -> String {
    crate::tr!("hint: ")
}

/// The text of one input file, kept so that byte spans can be turned into lines and columns.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The path as it is shown to the user (relative to where they ran the command when possible).
    pub path: PathBuf,
    pub text: String,
    /// Where each line starts; a line ends at `\n`, `\r\n` or a lone `\r`. Built once, so that
    /// locating a span is a binary search, not a count from the start of the file.
    line_starts: Vec<usize>,
    /// Whether messages may quote this file's lines (not for a file that may hold a password).
    quote_lines: bool,
    /// Which lines mention a secret, worked out once on first use: a broken file can give
    /// thousands of problems on one long line, and each must not scan it again.
    secret_lines: OnceLock<Vec<bool>>,
}

/// The most characters of a source line a message quotes (a window around the problem).
const QUOTE_WIDTH: usize = 120;

impl SourceFile {
    pub fn new(path: impl Into<PathBuf>, text: impl Into<String>) -> Self {
        let text = text.into();
        let bytes = text.as_bytes();
        let mut line_starts = vec![0];
        for (i, &b) in bytes.iter().enumerate() {
            let ends_line = b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n'));
            if ends_line {
                line_starts.push(i + 1);
            }
        }
        Self {
            path: path.into(),
            text,
            line_starts,
            quote_lines: true,
            secret_lines: OnceLock::new(),
        }
    }

    /// The same file, never quoted in messages: consultpack.toml, where a password may have been
    /// written despite the rules.
    #[must_use]
    pub fn unquoted(mut self) -> Self {
        self.quote_lines = false;
        self
    }

    pub fn quotes_lines(&self) -> bool {
        self.quote_lines
    }

    /// The line holding byte `at`: its 0-based index and its byte range without the line end.
    fn line_of(&self, at: usize) -> (usize, Range<usize>) {
        let index = self.line_starts.partition_point(|&s| s <= at) - 1;
        let start = self.line_starts[index];
        let end = self
            .line_starts
            .get(index + 1)
            .map_or(self.text.len(), |&next| {
                let mut end = next;
                while end > start && matches!(self.text.as_bytes()[end - 1], b'\n' | b'\r') {
                    end -= 1;
                }
                end
            });
        (index, start..end)
    }

    /// The text of the line holding byte `at`, at most `max_chars` of it.
    pub fn line_text_at(&self, at: usize, max_chars: usize) -> &str {
        let at = floor_char_boundary(&self.text, at.min(self.text.len()));
        let (_, range) = self.line_of(at);
        let line = &self.text[range];
        line.char_indices()
            .nth(max_chars)
            .map_or(line, |(i, _)| &line[..i])
    }

    /// Whether line `index` (0-based) mentions a secret.
    fn line_holds_secret(&self, index: usize) -> bool {
        self.secret_lines.get_or_init(|| {
            (0..self.line_starts.len())
                .map(|i| holds_secret(&self.text[self.line_of(self.line_starts[i]).1]))
                .collect()
        })[index]
    }

    /// The location of a byte span: 1-based line and column (columns count characters).
    ///
    /// Costs the length of the line before the span once (a character count), whatever its
    /// length: a window of [`QUOTE_WIDTH`] characters around the problem is all that is quoted.
    pub fn locate(&self, span: Range<usize>) -> Location {
        let start = floor_char_boundary(&self.text, span.start.min(self.text.len()));
        let (index, line) = self.line_of(start);
        let (line_start, line_end) = (line.start, line.end.max(start));
        let end = floor_char_boundary(&self.text, span.end.clamp(start, line_end));
        let before = &self.text[line_start..start];
        let column = before.chars().count() + 1;
        // A window of the line around the problem, so that a huge line is not printed whole.
        let shown_from = before
            .char_indices()
            .rev()
            .nth(QUOTE_WIDTH / 2 - 1)
            .map_or(0, |(i, _)| i);
        let shown_before = &before[shown_from..];
        let prefix = if shown_from > 0 { "…" } else { "" };
        let rest: String = self.text[start..line_end]
            .chars()
            .take(QUOTE_WIDTH / 2)
            .collect();
        let suffix = if rest.len() < line_end - start {
            "…"
        } else {
            ""
        };
        let marked = &self.text[start..end.min(start + rest.len())];
        let quoted = self.quote_lines && !self.line_holds_secret(index);
        Location {
            file: self.path.clone(),
            line: index + 1,
            column,
            indent: printable(prefix).width() + printable(shown_before).width(),
            width: printable(marked).width().max(1),
            line_text: quoted.then(|| printable(&format!("{prefix}{shown_before}{rest}{suffix}"))),
        }
    }
}

/// Whether a line mentions a secret anywhere (`password = …`, `mail_password: …`,
/// `{ password = … }`, `授权码：…`): such a line is never quoted, whatever file it is in, and
/// whatever separator a typo put after the name.
pub fn holds_secret(line: &str) -> bool {
    line.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .any(|word| !word.is_empty() && looks_secret(word))
}

/// A key that names a secret: password, passwd, pwd, secret, token, api key, 授权码, 密码 …
pub fn looks_secret(key: &str) -> bool {
    let key = key.to_lowercase();
    ["pass", "pw"].contains(&key.as_str())
        || key.starts_with("pass_")
        || key.ends_with("_pass")
        || key.ends_with("_pw")
        || [
            "passw",
            "pasw",
            "pwd",
            "secret",
            "token",
            "apikey",
            "api_key",
            "授权码",
            "密码",
            "口令",
        ]
        .iter()
        .any(|word| key.contains(word))
}

/// Text made safe for a terminal: control characters (escape sequences, carriage returns,
/// newlines) shown as `\u{1b}` instead of acting on the screen; tabs as spaces.
pub fn printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\t' => out.push(' '),
            c if c.is_control()
                || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}') =>
            {
                out.push_str(&format!("\\u{{{:x}}}", c as u32));
            }
            c => out.push(c),
        }
    }
    out
}

/// Like [`printable`], keeping line breaks: for messages of several lines.
pub fn printable_lines(text: &str) -> String {
    text.split('\n')
        .map(printable)
        .collect::<Vec<_>>()
        .join("\n")
}

fn floor_char_boundary(text: &str, mut index: usize) -> usize {
    while !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

/// Where a problem is. A location without a line names only the file (a missing file, say).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
    /// Display width of the line before the column, for placing the caret under wide characters.
    indent: usize,
    /// Display width of the marked text.
    width: usize,
    line_text: Option<String>,
}

impl Location {
    /// The same place without the source line, for lines that hold a secret.
    #[must_use]
    pub fn without_source_line(mut self) -> Self {
        self.line_text = None;
        self
    }

    /// A location that is a whole file, with no line to point at.
    pub fn file(path: &Path) -> Self {
        Self {
            file: path.to_path_buf(),
            line: 0,
            column: 0,
            indent: 0,
            width: 0,
            line_text: None,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}", printable(&self.file.display().to_string()))
        } else {
            let file = printable(&self.file.display().to_string());
            write!(f, "{file}:{}:{}", self.line, self.column)
        }
    }
}

/// One problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub message: String,
    pub location: Option<Location>,
    /// What to do about it.
    pub hint: Option<String>,
    /// What sort of warning it is, so that warnings print grouped and counted.
    pub kind: Kind,
}

/// The sorts of warning a case has many of; the rest are [`Kind::Other`]. In the order their
/// groups print.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// A file in records/ that case.toml does not name: left out of every packet.
    Unreferenced,
    /// A lesion size that may be centimetres typed as millimetres.
    LesionSize,
    /// A criterion that cannot be computed for want of a value.
    NotComputable,
    /// Labs older than the teams want.
    StaleLabs,
    #[default]
    Other,
}

impl Kind {
    /// `count` warnings of this kind, as the summary line counts them.
    fn counted(self, count: usize) -> String {
        match self {
            Kind::Unreferenced => tr!("{count} unreferenced file(s) in records/", count),
            Kind::LesionSize => tr!("{count} lesion size(s) to confirm", count),
            Kind::NotComputable => tr!("{count} criterion/criteria not computable", count),
            Kind::StaleLabs => tr!("{count} stale lab set(s)", count),
            Kind::Other => tr!("{count} other", count),
        }
    }
}

impl Diagnostic {
    pub fn error(message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            message: message.into(),
            location: None,
            hint: None,
            kind: Kind::Other,
        }
    }

    pub fn warning(message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Warning,
            message: message.into(),
            location: None,
            hint: None,
            kind: Kind::Other,
        }
    }

    #[must_use]
    pub fn at(mut self, location: Location) -> Self {
        self.location = Some(location);
        self
    }

    #[must_use]
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    #[must_use]
    pub fn kind(mut self, kind: Kind) -> Self {
        self.kind = kind;
        self
    }

    /// Writes the problem in the style of rustc and cargo: header, location, the line, a caret.
    pub fn render(&self, out: &mut dyn Write) -> io::Result<()> {
        writeln!(out, "{}{}", self.severity.label(), printable(&self.message))?;
        if let Some(location) = &self.location {
            let gutter = location.line.to_string().len();
            writeln!(out, "{:gutter$}--> {location}", "")?;
            if let Some(text) = &location.line_text {
                writeln!(out, "{:gutter$} |", "")?;
                writeln!(out, "{} | {text}", location.line)?;
                writeln!(
                    out,
                    "{:gutter$} | {:indent$}{}",
                    "",
                    "",
                    "^".repeat(location.width),
                    indent = location.indent
                )?;
            }
        }
        if let Some(hint) = &self.hint {
            writeln!(out, "  = {}{}", hint_label(), printable(hint))?;
        }
        Ok(())
    }
}

/// The most problems printed at once: a broken file can produce thousands.
pub const MAX_SHOWN: usize = 50;

/// Every problem found so far, in the order they were found.
#[derive(Debug, Default, Clone)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.items.push(diagnostic);
    }

    pub fn extend(&mut self, other: Diagnostics) {
        self.items.extend(other.items);
    }

    pub fn has_errors(&self) -> bool {
        self.items.iter().any(|d| d.severity == Severity::Error)
    }

    pub fn error_count(&self) -> usize {
        self.items
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count()
    }

    pub fn warning_count(&self) -> usize {
        self.items
            .iter()
            .filter(|d| d.severity == Severity::Warning)
            .count()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter()
    }

    /// Orders problems errors first, then warnings grouped by kind; each by file, then line, so
    /// that they read top to bottom.
    pub fn sort(&mut self) {
        self.items.sort_by(|a, b| {
            let key = |d: &Diagnostic| {
                let place = d
                    .location
                    .as_ref()
                    .map(|l| (l.file.clone(), l.line, l.column))
                    .unwrap_or_default();
                (d.severity, d.kind, place)
            };
            key(a).cmp(&key(b))
        });
    }

    /// "3 warning(s): 2 unreferenced file(s) in records/, 1 other"; the kinds are left out when
    /// every warning is of none.
    pub fn warning_summary(&self) -> String {
        let mut kinds: Vec<(Kind, usize)> = Vec::new();
        for d in self
            .items
            .iter()
            .filter(|d| d.severity == Severity::Warning)
        {
            match kinds.iter_mut().find(|(k, _)| *k == d.kind) {
                Some((_, n)) => *n += 1,
                None => kinds.push((d.kind, 1)),
            }
        }
        kinds.sort();
        let count = self.warning_count();
        if kinds.iter().all(|(k, _)| *k == Kind::Other) {
            return tr!("{count} warning(s)", count);
        }
        let kinds: Vec<String> = kinds.iter().map(|&(k, n)| k.counted(n)).collect();
        tr!(
            "{count} warning(s): {kinds}",
            count,
            kinds = kinds.join(&tr!(", "))
        )
    }

    /// Writes every problem, at most [`MAX_SHOWN`] of them, then how many more there are.
    pub fn render(&self, out: &mut dyn Write) -> io::Result<()> {
        let mut out = io::BufWriter::new(out);
        for diagnostic in self.items.iter().take(MAX_SHOWN) {
            diagnostic.render(&mut out)?;
            writeln!(out)?;
        }
        if let Some(more) = self.items.get(MAX_SHOWN..).filter(|m| !m.is_empty()) {
            let errors = more
                .iter()
                .filter(|d| d.severity == Severity::Error)
                .count();
            writeln!(
                out,
                "… and {} more ({errors} error(s)); fix the ones above and run `consultpack check` again\n",
                more.len()
            )?;
        }
        out.flush()
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locate_counts_lines_and_characters() {
        let source = SourceFile::new("case.toml", "a = 1\n名字 = \"x\"\n");
        let location = source.locate(15..18);
        assert_eq!((location.line, location.column), (2, 6));
        assert_eq!(location.line_text.as_deref(), Some("名字 = \"x\""));
        assert_eq!(
            location.indent, 7,
            "two wide characters count as four columns"
        );
    }

    #[test]
    fn lone_carriage_returns_end_lines_and_long_lines_are_cut() {
        let source = SourceFile::new("case.toml", "a = 1\rb = 2\r\nc = 3\rd = x");
        let location = source.locate(source.text.rfind('x').unwrap()..source.text.len());
        assert_eq!((location.line, location.column), (4, 5));
        assert_eq!(location.line_text.as_deref(), Some("d = x"));
        let long = format!("k = \"{}\" # x", "y".repeat(100_000));
        let source = SourceFile::new("case.toml", long.as_str());
        let location = source.locate(long.len() - 1..long.len());
        let text = location.line_text.unwrap();
        assert!(text.chars().count() <= QUOTE_WIDTH + 2, "{}", text.len());
        assert!(text.starts_with('…') && text.ends_with('x'));
    }

    #[test]
    fn secrets_and_control_characters_are_never_printed() {
        let source = SourceFile::new("case.toml", "[smtp]\npasswd = \"hunter2\"\n");
        assert_eq!(source.locate(16..25).line_text, None);
        for line in [
            "mail_password: Hunter2",
            "密码：Hunter2",
            "password \"Hunter2\"",
            "mail = { address = \"x\", password = \"Hunter2\" }",
        ] {
            assert!(holds_secret(line), "{line}");
        }
        assert!(!holds_secret("passport_no = \"E123\"") && !holds_secret("name = \"Wang\""));
        let quiet = SourceFile::new("consultpack.toml", "host = \"x\"\n").unquoted();
        assert_eq!(quiet.locate(0..4).line_text, None);
        assert_eq!(
            printable("a\u{1b}[2Jb\nerror: c"),
            "a\\u{1b}[2Jb\\u{a}error: c"
        );
        assert!(
            looks_secret("smtp_password")
                && looks_secret("授权码")
                && looks_secret("pass")
                && looks_secret("pasword")
        );
        assert!(!looks_secret("host") && !looks_secret("passport"));
    }

    #[test]
    fn render_points_at_the_span() {
        let source = SourceFile::new("case.toml", "[patient]\nbirth_dat = 1958-03-14\n");
        let diagnostic = Diagnostic::error("unknown field `birth_dat`")
            .at(source.locate(10..19))
            .hint("did you mean `birth_date`?");
        let mut out = Vec::new();
        diagnostic.render(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "error: unknown field `birth_dat`\n --> case.toml:2:1\n  |\n2 | birth_dat = 1958-03-14\n  | ^^^^^^^^^\n  = hint: did you mean `birth_date`?\n"
        );
    }
}
