//! Running a `password_command` (or `--passphrase-command`): its first line is the secret.
//!
//! The command is the family's, but what it prints is not to be trusted to end: a mistyped
//! command (`cat /dev/zero`, `yes`) prints without end, and one waiting on something that
//! never comes never exits. So at most [`LINE_LIMIT`] bytes of the first line are kept, at
//! most [`OUTPUT_LIMIT`] bytes are read in all (`pass` prints the entry's other lines after
//! the password), and the command gets a deadline; past any of them it is stopped and the
//! failure says which. Standard input and error stay the terminal's, so a command may still
//! ask for a passphrase (gpg, pass).

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::tr;

/// The most of the first line kept: a password is a few dozen bytes.
const LINE_LIMIT: usize = 4096;
/// The most read from the command in all.
const OUTPUT_LIMIT: usize = 64 * 1024;
/// How long the command may take, including time the family spends typing a passphrase it
/// asks for. `CONSULTPACK_PASSWORD_COMMAND_TIMEOUT_MS` changes it (the tests make it short).
const DEADLINE: Duration = Duration::from_secs(120);

/// What the reader found on the command's standard output.
enum Output {
    /// Everything up to the end, within the limits: the first line, without its line break.
    Line(Vec<u8>),
    /// No line break within [`LINE_LIMIT`] bytes.
    LineTooLong,
    /// More than [`OUTPUT_LIMIT`] bytes in all.
    TooMuch,
    Failed(std::io::Error),
}

/// The first line `argv` prints, or why there is none. The error names the command's first
/// word at most, never what it printed.
pub fn first_line(argv: &[String]) -> Result<String, String> {
    let (program, args) = argv
        .split_first()
        .ok_or_else(|| tr!("the password command is empty"))?;
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::inherit())
        .stderr(Stdio::inherit())
        .stdout(Stdio::piped())
        .spawn()
        // The command is never echoed: a password pasted there must not be printed.
        .map_err(|e| {
            tr!(
                "the password command (`password_command`) could not run ({why})",
                why = e.kind()
            )
        })?;
    let tree = crate::platform::ProcessTree::of(&child);
    let mut stdout = child.stdout.take().expect("stdout is piped");
    let (send, receive) = mpsc::channel();
    // A thread reads, so that the wait for it can end: a command that keeps its output open
    // and prints nothing would block a read here for ever.
    std::thread::spawn(move || {
        let _ = send.send(read_first_line(&mut stdout));
    });
    let deadline = deadline();
    let started = Instant::now();
    let output = receive.recv_timeout(deadline);
    let seconds = deadline.as_secs_f64();
    let line = match output {
        Ok(Output::Line(line)) => line,
        Ok(Output::LineTooLong) => {
            stop(&mut child, &tree);
            return Err(tr!(
                "the password command (`password_command`) printed more than {limit} bytes without a line break and was stopped; it must print the password on its first line",
                limit = LINE_LIMIT
            ));
        }
        Ok(Output::TooMuch) => {
            stop(&mut child, &tree);
            return Err(tr!(
                "the password command (`password_command`) printed more than {limit} bytes and was stopped; it must print the password on its first line",
                limit = OUTPUT_LIMIT
            ));
        }
        Ok(Output::Failed(e)) => {
            stop(&mut child, &tree);
            return Err(tr!(
                "the password command (`password_command`) could not be read ({why})",
                why = e.kind()
            ));
        }
        Err(_) => {
            stop(&mut child, &tree);
            return Err(tr!(
                "the password command (`password_command`) gave no password within {seconds} s and was stopped",
                seconds
            ));
        }
    };
    // Its output is closed; it should be exiting. Wait, but not past the deadline.
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() < deadline => {
                std::thread::sleep(Duration::from_millis(10));
            }
            _ => {
                stop(&mut child, &tree);
                return Err(tr!(
                    "the password command (`password_command`) gave no password within {seconds} s and was stopped",
                    seconds
                ));
            }
        }
    };
    if !status.success() {
        return Err(tr!(
            "the password command (`password_command`) failed ({status})",
            status
        ));
    }
    Ok(String::from_utf8_lossy(&line)
        .trim_end_matches('\r')
        .to_string())
}

fn read_first_line(out: &mut impl Read) -> Output {
    let mut line = Vec::new();
    let mut line_ended = false;
    let mut total = 0;
    let mut buf = [0u8; 4096];
    loop {
        let n = match out.read(&mut buf) {
            Ok(0) => return Output::Line(line),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Output::Failed(e),
        };
        total += n;
        if !line_ended {
            let end = buf[..n].iter().position(|&b| b == b'\n');
            line.extend_from_slice(&buf[..end.unwrap_or(n)]);
            line_ended = end.is_some();
            if line.len() > LINE_LIMIT {
                return Output::LineTooLong;
            }
        }
        if total > OUTPUT_LIMIT {
            return Output::TooMuch;
        }
    }
}

/// Stops the command and what it started (see [`crate::platform::ProcessTree`]).
fn stop(child: &mut Child, tree: &crate::platform::ProcessTree) {
    tree.kill_descendants();
    let _ = child.kill();
    let _ = child.wait();
}

fn deadline() -> Duration {
    std::env::var("CONSULTPACK_PASSWORD_COMMAND_TIMEOUT_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .map_or(DEADLINE, Duration::from_millis)
}

/// The commands are run with `sh`.
#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn sh(script: &str) -> Vec<String> {
        vec!["sh".into(), "-c".into(), script.into()]
    }

    #[test]
    fn the_first_line_is_the_secret_and_the_rest_is_read_and_dropped() {
        assert_eq!(
            first_line(&sh("printf 'hunter2\\nurl: x\\nuser: y\\n'")).unwrap(),
            "hunter2"
        );
        assert_eq!(
            first_line(&sh("printf 'no-newline'")).unwrap(),
            "no-newline"
        );
        let error = first_line(&sh("echo secret; exit 3")).unwrap_err();
        assert!(error.contains("failed"), "{error}");
        assert!(!error.contains("secret"), "{error}");
    }

    #[test]
    fn endless_output_is_stopped() {
        let error = first_line(&sh("cat /dev/zero")).unwrap_err();
        assert!(error.contains("without a line break"), "{error}");
        let error = first_line(&sh("yes")).unwrap_err();
        assert!(error.contains("more than 65536 bytes"), "{error}");
    }
}
