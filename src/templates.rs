//! Text templates (minijinja): the shipped ones compiled in from `templates/`, or a case's own
//! copy in `<case>/templates/` that overrides it.
//!
//! Templates produce Markdown. Every value they print is escaped so that a `*` or `|` in a
//! patient's record shows as written instead of changing the layout, and an undefined variable
//! is an error (a typo in a template must not silently print nothing).

use std::path::PathBuf;

use minijinja::{Environment, UndefinedBehavior, Value};
use serde::Serialize;

use crate::tr;

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
    fn is_builtin(&self) -> bool {
        self.path.starts_with("<builtin>")
    }

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
#[error("{}", match line {
    Some(line) => tr!("template `{path}`, line {line}: {message}", path = path.display(), line, message),
    None => tr!("template `{path}`: {message}", path = path.display(), message),
})]
pub struct TemplateError {
    pub path: PathBuf,
    pub line: Option<usize>,
    pub message: String,
}

/// The hidden command that renders a case's own template in a child process.
pub const WORKER_COMMAND: &str = "__render-template";

/// Instructions a template may run: the shipped ones need a few thousand.
const FUEL: u64 = 20_000_000;

/// What a case's own template may use: a loop that never ends or a string doubled thirty
/// times costs a failed child process, not the machine.
const CHILD_LIMITS: crate::child::Limits = crate::child::Limits {
    memory: 512 << 20,
    cpu_seconds: 20,
    wall: std::time::Duration::from_secs(30),
    output: 8 << 20,
};

#[derive(Serialize, serde::Deserialize)]
struct Request {
    name: String,
    path: PathBuf,
    text: String,
    context: serde_json::Value,
}

#[derive(Serialize, serde::Deserialize)]
enum Response {
    Rendered(String),
    Failed {
        line: Option<usize>,
        message: String,
    },
}

/// Renders a template with `context`: a shipped one here, a case's own copy in a
/// resource-limited child process (see [`crate::child`]).
pub fn render(template: &Template, context: impl Serialize) -> Result<String, TemplateError> {
    if template.is_builtin() {
        return render_here(template, context);
    }
    let too_expensive = |why: String| TemplateError {
        path: template.path.clone(),
        line: None,
        message: tr!(
            "template too expensive: {why}; simplify its loops and repeated text",
            why
        ),
    };
    let request = Request {
        name: template.name.clone(),
        path: template.path.clone(),
        text: template.text.clone(),
        context: serde_json::to_value(&context).map_err(|e| too_expensive(e.to_string()))?,
    };
    let input = serde_json::to_vec(&request).map_err(|e| too_expensive(e.to_string()))?;
    let done = crate::child::run::<&str>(WORKER_COMMAND, &[], &input, CHILD_LIMITS)
        .map_err(too_expensive)?;
    match serde_json::from_slice::<Response>(&done.stdout) {
        Ok(Response::Rendered(text)) if done.success => Ok(text),
        Ok(Response::Failed { line, message }) => Err(TemplateError {
            path: template.path.clone(),
            line,
            message,
        }),
        _ => Err(too_expensive(tr!(
            "it needed more memory or time than a template may use"
        ))),
    }
}

/// The child: reads a [`Request`] on standard input, prints a [`Response`].
pub fn worker() -> std::process::ExitCode {
    crate::child::limit_self();
    let mut input = Vec::new();
    let _ = std::io::Read::read_to_end(&mut std::io::stdin().lock(), &mut input);
    let response = match serde_json::from_slice::<Request>(&input) {
        Ok(request) => {
            let template = Template {
                name: request.name,
                path: request.path,
                text: request.text,
            };
            match render_here(&template, &request.context) {
                Ok(text) => Response::Rendered(text),
                Err(e) => Response::Failed {
                    line: e.line,
                    message: e.message,
                },
            }
        }
        Err(e) => Response::Failed {
            line: None,
            message: e.to_string(),
        },
    };
    let ok = matches!(response, Response::Rendered(_));
    let _ = serde_json::to_writer(std::io::stdout().lock(), &response);
    if ok {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::FAILURE
    }
}

fn render_here(template: &Template, context: impl Serialize) -> Result<String, TemplateError> {
    let mut env = Environment::new();
    env.set_fuel(Some(FUEL));
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
        let out = render_here(
            &template("AFP {{ v }}"),
            serde_json::json!({ "v": "<20 *x* | y" }),
        )
        .unwrap();
        assert_eq!(out, "AFP \\<20 \\*x\\* \\| y");
    }

    #[test]
    fn undefined_variables_are_errors_with_their_line() {
        let err = render_here(
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
        let err = render_here(
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
