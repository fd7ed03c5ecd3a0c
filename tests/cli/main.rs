//! Command-line tests: each runs the real binary in a fresh temporary folder.
//!
//! One test binary (see Cargo.toml `autotests = false`), one file per command.
//!
//! They drive the binary with Unix tools (timeout, sh, mkfifo, symlinks, wait4) and the mail
//! servers of scripts/mailtest; on Windows the program is checked by scripts/windows-smoke.sh
//! under Wine instead (docs/platforms.md).
#![cfg(unix)]

mod build;
mod check;
mod contacts;
mod criteria;
mod decision;
mod fidelity;
mod fuzz;
mod hardening;
mod hostile;
mod hostile_imap;
mod init;
mod interface;
mod knowledge;
mod layout;
mod mailserver;
mod outgoing;
mod pdf;
mod privacy;
mod reading;
mod send;
mod summary;
mod tracking;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

pub const BIN: &str = env!("CARGO_BIN_EXE_consultpack");
/// The date tests run "on", so that messages about the age of labs are stable.
pub const TODAY: &str = "2026-11-27";

/// A temporary case folder and a command to run in it.
#[must_use]
pub struct Test {
    dir: tempfile::TempDir,
    args: Vec<String>,
    env: Vec<(String, String)>,
    /// Kill the command after this many seconds (exit code 124): for tests of hangs.
    deadline: Option<u32>,
}

/// What a run produced.
pub struct Run {
    /// Keeps the folder alive for runs that consumed their `Test`.
    _keep: Option<tempfile::TempDir>,
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub dir: PathBuf,
    command: String,
}

impl Default for Test {
    fn default() -> Self {
        Self::new()
    }
}

impl Test {
    /// An empty folder.
    pub fn new() -> Self {
        Self {
            dir: tempfile::tempdir().expect("temp dir"),
            args: Vec::new(),
            env: Vec::new(),
            deadline: None,
        }
    }

    /// A copy of examples/demo-case.
    pub fn demo() -> Self {
        let test = Self::new();
        copy_dir(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo-case"),
            test.dir.path(),
        );
        test
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(self, relative: &str, content: &str) -> Self {
        let path = self.dir.path().join(relative);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, unindent(content)).unwrap();
        self
    }

    /// Replaces the first occurrence of `from` in a file; panics if it is not there, so that a
    /// test cannot silently stop testing what it says.
    #[track_caller]
    pub fn edit(self, relative: &str, from: &str, to: &str) -> Self {
        let path = self.dir.path().join(relative);
        let text = fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "`{from}` not found in {relative}");
        fs::write(&path, text.replacen(from, to, 1)).unwrap();
        self
    }

    pub fn remove(self, relative: &str) -> Self {
        fs::remove_file(self.dir.path().join(relative)).unwrap();
        self
    }

    /// Arguments; `{dir}` is replaced by the test folder.
    pub fn args<const N: usize>(mut self, args: [&str; N]) -> Self {
        let dir = self.dir.path().display().to_string();
        self.args = args.iter().map(|a| a.replace("{dir}", &dir)).collect();
        self
    }

    /// Arguments built at run time.
    pub fn args_vec(mut self, args: Vec<String>) -> Self {
        self.args = args;
        self
    }

    /// Runs the command under coreutils `timeout`: a hang fails the test with exit code 124.
    pub fn deadline(mut self, seconds: u32) -> Self {
        self.deadline = Some(seconds);
        self
    }

    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }

    /// Every file under the folder with its bytes, to prove a failed command wrote nothing.
    pub fn snapshot(&self) -> BTreeMap<PathBuf, Vec<u8>> {
        snapshot(self.dir.path())
    }

    /// Runs the command with a clean environment (no CONSULTPACK_* or mail settings leak in).
    pub fn run(&self) -> Run {
        let output = self.command().output().expect("run consultpack");
        Run {
            _keep: None,
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            dir: self.dir.path().to_path_buf(),
            command: format!("consultpack {}", self.args.join(" ")),
        }
    }

    fn command(&self) -> Command {
        let mut command = match self.deadline {
            Some(seconds) => {
                let mut c = Command::new("timeout");
                c.args(["-k", "2", &seconds.to_string(), BIN]);
                c
            }
            None => Command::new(BIN),
        };
        command
            .args(&self.args)
            .current_dir(self.dir.path())
            .env_clear();
        command.env("PATH", std::env::var("PATH").unwrap_or_default());
        command
            .env("HOME", self.dir.path())
            .env("CONSULTPACK_TODAY", TODAY);
        for (k, v) in &self.env {
            command.env(k, v);
        }
        command
    }

    /// Runs the command and also returns its peak memory (resident set, KB), read from the
    /// kernel's accounting of this one child.
    pub fn run_measured(self) -> (u64, Run) {
        let mut command = self.command();
        let child = command
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("run consultpack");
        let pid = child.id() as libc::pid_t;
        let mut child = child;
        let (mut stdout, mut stderr) = (String::new(), String::new());
        let out = child.stdout.take().unwrap();
        let err = child.stderr.take().unwrap();
        let reader = std::thread::spawn(move || {
            let mut s = String::new();
            std::io::Read::read_to_string(&mut { out }, &mut s).ok();
            s
        });
        std::io::Read::read_to_string(&mut { err }, &mut stderr).ok();
        stdout.push_str(&reader.join().unwrap());
        let mut status = 0;
        // SAFETY: an all-zero rusage is valid; wait4 fills it for our own child.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        assert_eq!(waited, pid, "wait4 failed");
        let code = if libc::WIFEXITED(status) {
            libc::WEXITSTATUS(status)
        } else {
            -1
        };
        let run = Run {
            _keep: Some(self.dir),
            code,
            stdout,
            stderr,
            dir: PathBuf::new(),
            command: format!("consultpack {}", self.args.join(" ")),
        };
        let dir = run._keep.as_ref().unwrap().path().to_path_buf();
        (usage.ru_maxrss as u64, Run { dir, ..run })
    }

    #[track_caller]
    pub fn success(self) -> Run {
        self.finish(0)
    }

    #[track_caller]
    pub fn failure(self, code: i32) -> Run {
        self.finish(code)
    }

    #[track_caller]
    fn finish(self, code: i32) -> Run {
        let mut run = self.run();
        run.assert_code(code);
        run._keep = Some(self.dir);
        run
    }
}

impl Run {
    /// A run made by a `Command` of the test's own (for environments `Test` does not set up).
    pub fn from_output(output: std::process::Output, dir: &Path, args: &[&str]) -> Run {
        Run {
            _keep: None,
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            dir: dir.to_path_buf(),
            command: format!("consultpack {}", args.join(" ")),
        }
    }

    #[track_caller]
    pub fn assert_code(&self, code: i32) {
        assert_eq!(self.code, code, "unexpected exit code\n{self}");
    }

    /// The lines of stderr that start with `error:`.
    pub fn errors(&self) -> Vec<&str> {
        self.stderr
            .lines()
            .filter(|l| l.starts_with("error: ") || l.starts_with("错误："))
            .collect()
    }

    /// The `file:line:column` under each error (warnings left out).
    pub fn error_locations(&self) -> Vec<&str> {
        let mut out = Vec::new();
        let mut in_error = false;
        for line in self.stderr.lines() {
            if line.starts_with("error: ") || line.starts_with("错误：") {
                in_error = true;
            } else if line.starts_with("warning: ") || line.starts_with("警告：") {
                in_error = false;
            } else if let Some(location) = line.trim_start().strip_prefix("--> ")
                && in_error
            {
                out.push(location);
            }
        }
        out
    }

    #[track_caller]
    pub fn stderr_has(&self, needle: &str) -> &Self {
        assert!(
            self.stderr.contains(needle),
            "stderr lacks `{needle}`\n{self}"
        );
        self
    }

    #[track_caller]
    pub fn stdout_has(&self, needle: &str) -> &Self {
        assert!(
            self.stdout.contains(needle),
            "stdout lacks `{needle}`\n{self}"
        );
        self
    }
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "command: {}\ncwd: {}\nexit: {}",
            self.command,
            self.dir.display(),
            self.code
        )?;
        writeln!(f, "--- stdout ---\n{}", self.stdout)?;
        writeln!(f, "--- stderr ---\n{}", self.stderr)
    }
}

/// Runs a PDF tool and returns its standard output; fails the test if the tool reports an error.
/// Every PDF a poppler tool is asked to read is first checked with `qpdf --check`, so that no
/// PDF the tests make is invalid unnoticed.
#[track_caller]
pub fn tool(program: &str, args: &[&str]) -> String {
    if program.starts_with("pdf") {
        for pdf in args.iter().filter(|a| a.ends_with(".pdf")) {
            run_tool("qpdf", &["--check", pdf]);
        }
    }
    run_tool(program, args)
}

#[track_caller]
fn run_tool(program: &str, args: &[&str]) -> String {
    let output = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run `{program}` ({e}); scripts/test.sh installs poppler-utils and qpdf")
        });
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stderr.trim().is_empty(),
        "`{program} {}` failed:\n{stderr}",
        args.join(" ")
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn snapshot(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                out.insert(path.strip_prefix(root).unwrap().to_path_buf(), Vec::new());
                stack.push(path);
            } else {
                out.insert(
                    path.strip_prefix(root).unwrap().to_path_buf(),
                    fs::read(&path).unwrap(),
                );
            }
        }
    }
    out
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Removes the common indentation of an indented fixture, so tests can indent inline TOML.
fn unindent(text: &str) -> String {
    let text = text.strip_prefix('\n').unwrap_or(text);
    let indent = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    text.lines()
        .map(|l| l.get(indent..).unwrap_or("").trim_end())
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}
