//! Linux and macOS.

use std::time::Duration;

/// Whether the process `pid` is running (`kill(pid, 0)`: a process of another user counts).
pub fn process_alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    // SAFETY: signal 0 only checks that the process exists; nothing is sent.
    let rc = unsafe { libc::kill(pid, 0) };
    rc == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

/// In a child (see `child::limit_self`): exits at once if `parent` is no longer the process
/// that started it — it died between the fork and `PR_SET_PDEATHSIG`, or, on macOS, where that
/// does not exist, at any time (checked five times a second) — then lowers its own limits:
/// address space (`RLIMIT_AS`; macOS does not enforce it, so `RLIMIT_DATA` there too) and CPU
/// seconds (`RLIMIT_CPU`).
pub fn confine(parent: Option<u32>, memory: Option<u64>, cpu_seconds: Option<u64>) {
    if let Some(parent) = parent.and_then(|p| libc::pid_t::try_from(p).ok()) {
        // SAFETY: getppid has no preconditions.
        let orphaned = move || unsafe { libc::getppid() } != parent;
        if orphaned() {
            std::process::exit(1);
        }
        if cfg!(not(target_os = "linux")) {
            std::thread::spawn(move || {
                loop {
                    std::thread::sleep(Duration::from_millis(200));
                    if orphaned() {
                        std::process::exit(1);
                    }
                }
            });
        }
    }
    #[cfg(target_os = "linux")]
    let memory_limits = [libc::RLIMIT_AS];
    #[cfg(not(target_os = "linux"))]
    let memory_limits = [libc::RLIMIT_AS, libc::RLIMIT_DATA];
    let limits = memory_limits
        .into_iter()
        .map(|resource| (resource, memory))
        .chain([(libc::RLIMIT_CPU, cpu_seconds)]);
    for (resource, limit) in limits {
        let Some(limit) = limit else { continue };
        let limit = libc::rlimit {
            rlim_cur: limit as libc::rlim_t,
            rlim_max: limit as libc::rlim_t,
        };
        // SAFETY: setrlimit reads a valid rlimit struct; it only lowers this process's limits.
        unsafe {
            libc::setrlimit(resource, &limit);
        }
    }
}

/// A command started by consultpack and every process it starts in turn (`sh -c "…"` runs its
/// own children, which would otherwise keep printing, or keep the terminal's output open,
/// after we have gone).
pub struct ProcessTree {
    pid: u32,
}

impl ProcessTree {
    /// The tree of the command just started as `child`.
    pub fn of(child: &std::process::Child) -> Self {
        Self { pid: child.id() }
    }

    /// Kills what the command started (as Linux lists them in /proc; macOS: only the command
    /// itself, which the caller kills).
    pub fn kill_descendants(&self) {
        let mut pids = Vec::new();
        descendants(self.pid, &mut pids);
        for pid in pids {
            // SAFETY: kill has no memory effects; a pid that has gone meanwhile is harmless.
            unsafe {
                libc::kill(pid as libc::pid_t, libc::SIGKILL);
            }
        }
    }
}

/// The processes started by `pid`, and theirs, as Linux lists them (elsewhere: none).
fn descendants(pid: u32, out: &mut Vec<u32>) {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return;
    };
    for task in tasks.flatten() {
        let children = std::fs::read_to_string(task.path().join("children")).unwrap_or_default();
        for child in children.split_whitespace().filter_map(|c| c.parse().ok()) {
            if !out.contains(&child) && out.len() < 1000 {
                out.push(child);
                descendants(child, out);
            }
        }
    }
}

/// On Unix the terminal takes UTF-8 as it is; nothing to set.
pub struct Console;

impl Console {
    pub fn utf8() -> Self {
        Console
    }
}

/// On Unix the locale is in `LC_ALL`, `LC_MESSAGES` or `LANG`, read with the environment.
pub fn system_locale() -> Option<String> {
    None
}
