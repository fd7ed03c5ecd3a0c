//! Text templates (minijinja): the shipped ones compiled in from `templates/`, or a case's own
//! copy in `<case>/templates/` that overrides it.
//!
//! Templates produce Markdown. Every value they print is escaped so that a `*` or `|` in a
//! patient's record shows as written instead of changing the layout, and an undefined variable
//! is an error (a typo in a template must not silently print nothing).

use std::path::PathBuf;

use minijinja::{Environment, UndefinedBehavior, Value};
use serde::Serialize;

const BUILTIN: &[(&str, &str)] = &[
    ("summary.zh.md", include_str!("../templates/summary.zh.md")),
    ("summary.en.md", include_str!("../templates/summary.en.md")),
    ("cover.zh.md", include_str!("../templates/cover.zh.md")),
    ("cover.en.md", include_str!("../templates/cover.en.md")),
    (
        "followup.zh.md",
        include_str!("../templates/followup.zh.md"),
    ),
    (
        "followup.en.md",
        include_str!("../templates/followup.en.md"),
    ),
];

/// A template's text and where it came from (for error messages).
#[derive(Debug, Clone)]
pub struct Template {
    pub name: String,
    pub path: PathBuf,
    pub text: String,
}

impl Template {
    /// The shipped template of this name.
    pub fn builtin(name: &str) -> Option<Template> {
        BUILTIN
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(n, text)| Template {
                name: (*n).to_string(),
                path: PathBuf::from(format!("<builtin>/templates/{n}")),
                text: (*text).to_string(),
            })
    }
}

/// A template that failed to compile or render, with the file and line at fault.
#[derive(Debug, Clone, thiserror::Error)]
#[error("template `{}`{}: {message}", path.display(), line.map(|l| format!(", line {l}")).unwrap_or_default())]
pub struct TemplateError {
    pub path: PathBuf,
    pub line: Option<usize>,
    pub message: String,
}

/// Renders a template with `context`.
pub fn render(template: &Template, context: impl Serialize) -> Result<String, TemplateError> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_lstrip_blocks(true);
    env.set_keep_trailing_newline(true);
    env.set_formatter(|out, state, value| {
        if value.is_none() || value.is_undefined() {
            return Ok(());
        }
        match value.as_str() {
            Some(s) => out
                .write_str(&crate::summary::markdown::escape(s))
                .map_err(minijinja::Error::from),
            None => minijinja::escape_formatter(out, state, value),
        }
    });
    let error = |e: minijinja::Error| TemplateError {
        path: template.path.clone(),
        line: e.line(),
        message: match e.detail() {
            Some(detail) => format!("{}: {detail}", e.kind()),
            None => e.kind().to_string(),
        },
    };
    env.add_template(&template.name, &template.text)
        .map_err(error)?;
    let compiled = env.get_template(&template.name).map_err(error)?;
    compiled
        .render(Value::from_serialize(&context))
        .map_err(error)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template(text: &str) -> Template {
        Template {
            name: "t.md".into(),
            path: "templates/t.md".into(),
            text: text.into(),
        }
    }

    #[test]
    fn values_are_escaped_for_markdown() {
        let out = render(
            &template("AFP {{ v }}"),
            serde_json::json!({ "v": "<20 *x* | y" }),
        )
        .unwrap();
        assert_eq!(out, "AFP \\<20 \\*x\\* \\| y");
    }

    #[test]
    fn undefined_variables_are_errors_with_their_line() {
        let err = render(
            &template("line one\n{{ patient.nmae }}\n"),
            serde_json::json!({ "patient": { "name": "x" } }),
        )
        .unwrap_err();
        assert_eq!(err.line, Some(2));
        assert!(
            err.to_string()
                .starts_with("template `templates/t.md`, line 2: undefined value"),
            "{err}"
        );
    }

    #[test]
    fn syntax_errors_name_the_file_and_line() {
        let err = render(
            &template("a\n{% if x %}\nb\n"),
            serde_json::json!({ "x": true }),
        )
        .unwrap_err();
        assert_eq!(err.path, PathBuf::from("templates/t.md"));
        assert!(err.line.is_some());
    }

    #[test]
    fn the_shipped_templates_exist() {
        assert!(Template::builtin("summary.zh.md").is_some());
        assert!(Template::builtin("summary.en.md").is_some());
        assert!(Template::builtin("nope.md").is_none());
    }
}
