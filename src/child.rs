//! Work on untrusted input in a child process — this same program, run with a hidden command —
//! under an address-space and CPU limit, with a wall-clock deadline and a bound on what it may
//! print. A hostile file or template then costs a failed child, never the machine.
//!
//! A child never outlives its parent: on Linux the kernel kills it when the parent dies
//! (`PR_SET_PDEATHSIG`), on Windows the parent holds the only handle of the child's Job Object
//! (kill-on-close), elsewhere it watches for its parent to go and exits. A build killed
//! with `kill -9` thus leaves no renderer writing into a folder nobody will read.

use std::ffi::OsStr;
use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::tr;

/// What a child may use.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Memory in bytes (Unix RLIMIT_AS, Windows the Job Object's process memory).
    pub memory: u64,
    pub cpu_seconds: u64,
    pub wall: Duration,
    /// The most bytes read from its standard output.
    pub output: usize,
}

/// How a child ended: its exit status was success or not, and what it printed.
#[derive(Debug)]
pub struct Finished {
    pub success: bool,
    pub stdout: Vec<u8>,
}

/// Runs `<this program> <command> <args…>` with `input` on its standard input. `Err` when it
/// cannot start, outlives the deadline (it is killed) or prints more than allowed.
pub fn run<S: AsRef<OsStr>>(
    command: &str,
    args: &[S],
    input: &[u8],
    limits: Limits,
) -> Result<Finished, String> {
    let exe = std::env::current_exe().map_err(|e| tr!("cannot find this program ({e})", e))?;
    let mut child = Command::new(exe);
    die_with_parent(&mut child);
    let mut child = child
        .arg(command)
        .args(args)
        .env("CONSULTPACK_CHILD_MEMORY", limits.memory.to_string())
        .env("CONSULTPACK_CHILD_CPU", limits.cpu_seconds.to_string())
        .env(UI_VARIABLE, crate::i18n::ui().code())
        .env(PARENT_VARIABLE, std::process::id().to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| tr!("the helper process could not start ({e})", e))?;
    let mut stdin = child.stdin.take().expect("piped");
    let input = input.to_vec();
    // Written from a thread: a child that does not read must not block the parent.
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let stdout = child.stdout.take().expect("piped");
    let cap = limits.output;
    let overflow = Arc::new(AtomicBool::new(false));
    let reader = std::thread::spawn({
        let overflow = Arc::clone(&overflow);
        move || {
            let mut out = Vec::new();
            let _ = stdout.take(cap as u64 + 1).read_to_end(&mut out);
            overflow.store(out.len() > cap, Ordering::SeqCst);
            out
        }
    });
    let deadline = Instant::now() + limits.wall;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() < deadline && !overflow.load(Ordering::SeqCst) => {
                std::thread::sleep(Duration::from_millis(10))
            }
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
        }
    };
    let _ = writer.join();
    let stdout = reader.join().unwrap_or_default();
    if stdout.len() > cap {
        return Err(tr!(
            "it produced more than {mb} MB",
            mb = cap.div_ceil(1 << 20)
        ));
    }
    let Some(status) = status else {
        return Err(tr!(
            "it took longer than {seconds} s",
            seconds = limits.wall.as_secs()
        ));
    };
    Ok(Finished {
        success: status.success(),
        stdout,
    })
}

/// The parent's interface language, for the child's messages (they are shown by the parent).
const UI_VARIABLE: &str = "CONSULTPACK_CHILD_UI";

/// The parent's process id, so that the child can tell when it has been orphaned.
const PARENT_VARIABLE: &str = "CONSULTPACK_CHILD_PARENT";

/// Makes the kernel kill the child as soon as the process that started it dies (Linux). The
/// signal follows the thread that forked, and [`run`] waits for the child on that thread, so it
/// comes only when the whole process is gone.
#[cfg(target_os = "linux")]
fn die_with_parent(command: &mut Command) {
    use std::os::unix::process::CommandExt;
    // SAFETY: the closure runs between fork and exec and calls only prctl, which is
    // async-signal-safe; it allocates nothing.
    unsafe {
        command.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

/// Elsewhere the child sees to it itself (see [`crate::platform::confine`]).
#[cfg(not(target_os = "linux"))]
fn die_with_parent(_: &mut Command) {}

/// In the child: dies with its parent, lowers its own limits to what the parent asked for, and
/// speaks the parent's interface language. How each system confines it: see
/// [`crate::platform::confine`] (Unix `setrlimit`, Windows a Job Object).
pub fn limit_self() {
    let read = |key: &str| std::env::var(key).ok().and_then(|v| v.parse::<u64>().ok());
    let parent = read(PARENT_VARIABLE).and_then(|p| u32::try_from(p).ok());
    crate::platform::confine(
        parent,
        read("CONSULTPACK_CHILD_MEMORY"),
        read("CONSULTPACK_CHILD_CPU"),
    );
    crate::i18n::set(crate::i18n::choose(
        std::env::var(UI_VARIABLE).ok().as_deref(),
        None,
        |_| None,
    ));
}
