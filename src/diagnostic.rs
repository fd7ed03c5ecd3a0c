//! Problems found in the user's files: what is wrong, where (file, line, column) and how to fix it.
//!
//! Loading never stops at the first problem. Every phase pushes into one [`Diagnostics`] list so
//! `consultpack check` can show them all at once; a command refuses to go on when any is an error.

use std::fmt;
use std::io::{self, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};

use unicode_width::UnicodeWidthStr;

/// How bad a problem is: errors stop a command, warnings are shown and allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

/// The text of one input file, kept so that byte spans can be turned into lines and columns.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The path as it is shown to the user (relative to where they ran the command when possible).
    pub path: PathBuf,
    pub text: String,
}

impl SourceFile {
    pub fn new(path: impl Into<PathBuf>, text: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            text: text.into(),
        }
    }

    /// The location of a byte span: 1-based line and column (columns count characters).
    pub fn locate(&self, span: Range<usize>) -> Location {
        let start = floor_char_boundary(&self.text, span.start.min(self.text.len()));
        let line_start = self.text[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = self.text[start..]
            .find('\n')
            .map_or(self.text.len(), |i| start + i);
        let line = self.text[..start].matches('\n').count() + 1;
        let column = self.text[line_start..start].chars().count() + 1;
        let line_text = self.text[line_start..line_end]
            .trim_end_matches('\r')
            .to_string();
        let end = floor_char_boundary(&self.text, span.end.clamp(start, line_end));
        let marked = &self.text[start..end];
        Location {
            file: self.path.clone(),
            line,
            column,
            indent: self.text[line_start..start].width(),
            width: marked.width().max(1),
            line_text: Some(line_text),
        }
    }
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
            write!(f, "{}", self.file.display())
        } else {
            write!(f, "{}:{}:{}", self.file.display(), self.line, self.column)
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
}

impl Diagnostic {
    pub fn error(message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            message: message.into(),
            location: None,
            hint: None,
        }
    }

    pub fn warning(message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Warning,
            message: message.into(),
            location: None,
            hint: None,
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

    /// Writes the problem in the style of rustc and cargo: header, location, the line, a caret.
    pub fn render(&self, out: &mut dyn Write) -> io::Result<()> {
        let label = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        writeln!(out, "{label}: {}", self.message)?;
        if let Some(location) = &self.location {
            let gutter = location.line.to_string().len();
            writeln!(out, "{:gutter$}--> {location}", "")?;
            if let Some(text) = &location.line_text {
                writeln!(out, "{:gutter$} |", "")?;
                writeln!(out, "{} | {}", location.line, text.replace('\t', " "))?;
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
            writeln!(out, "  = hint: {hint}")?;
        }
        Ok(())
    }
}

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

    /// Orders problems by file, then line, so the output reads top to bottom; errors of equal
    /// position come before warnings.
    pub fn sort(&mut self) {
        self.items.sort_by(|a, b| {
            let key = |d: &Diagnostic| {
                d.location
                    .as_ref()
                    .map(|l| (l.file.clone(), l.line, l.column))
                    .unwrap_or_default()
            };
            key(a).cmp(&key(b)).then(a.severity.cmp(&b.severity))
        });
    }

    pub fn render(&self, out: &mut dyn Write) -> io::Result<()> {
        for diagnostic in &self.items {
            diagnostic.render(out)?;
            writeln!(out)?;
        }
        Ok(())
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
