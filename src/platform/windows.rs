//! Windows.

use std::io;
use std::os::windows::io::{AsRawHandle, FromRawHandle, OwnedHandle};
use std::ptr::{null, null_mut};

use windows_sys::Win32::Foundation::{
    CloseHandle, DUPLICATE_CLOSE_SOURCE, DUPLICATE_SAME_ACCESS, DuplicateHandle,
    ERROR_ACCESS_DENIED, GetLastError, HANDLE, STILL_ACTIVE,
};
use windows_sys::Win32::System::Console::{
    GetConsoleCP, GetConsoleOutputCP, SetConsoleCP, SetConsoleOutputCP,
};
use windows_sys::Win32::System::JobObjects::{
    AssignProcessToJobObject, CreateJobObjectW, JOB_OBJECT_LIMIT_DIE_ON_UNHANDLED_EXCEPTION,
    JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE, JOB_OBJECT_LIMIT_PROCESS_MEMORY,
    JOB_OBJECT_LIMIT_PROCESS_TIME, JOBOBJECT_EXTENDED_LIMIT_INFORMATION,
    JobObjectExtendedLimitInformation, SetInformationJobObject, TerminateJobObject,
};
use windows_sys::Win32::System::Threading::{
    GetCurrentProcess, GetExitCodeProcess, OpenProcess, PROCESS_DUP_HANDLE,
    PROCESS_QUERY_LIMITED_INFORMATION,
};

/// Whether the process `pid` is running (one of another user, which cannot be opened, counts).
pub fn process_alive(pid: u32) -> bool {
    // SAFETY: OpenProcess returns a handle this function closes, or null.
    unsafe {
        let process = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, 0, pid);
        if process.is_null() {
            return GetLastError() == ERROR_ACCESS_DENIED;
        }
        let mut code = 0u32;
        let ok = GetExitCodeProcess(process, &mut code);
        CloseHandle(process);
        ok != 0 && code == STILL_ACTIVE as u32
    }
}

/// In a child (see `child::limit_self`): puts itself in a new Job Object that limits its
/// memory (`ProcessMemoryLimit`) and CPU time (`PerProcessUserTimeLimit`) and kills it when
/// the job's last handle closes, then hands that handle to `parent` and closes its own: the
/// child dies when its parent does, however the parent ends. The child confines itself, so
/// nothing runs unconfined between its start and the parent's next step; a child that cannot
/// be confined, or whose parent is already gone, exits at once.
pub fn confine(parent: Option<u32>, memory: Option<u64>, cpu_seconds: Option<u64>) {
    if confine_in_job(parent, memory, cpu_seconds).is_err() {
        std::process::exit(1);
    }
}

fn confine_in_job(
    parent: Option<u32>,
    memory: Option<u64>,
    cpu_seconds: Option<u64>,
) -> io::Result<()> {
    let job = new_job(
        JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE | JOB_OBJECT_LIMIT_DIE_ON_UNHANDLED_EXCEPTION,
        |info| {
            if let Some(memory) = memory {
                info.BasicLimitInformation.LimitFlags |= JOB_OBJECT_LIMIT_PROCESS_MEMORY;
                info.ProcessMemoryLimit = usize::try_from(memory).unwrap_or(usize::MAX);
            }
            if let Some(seconds) = cpu_seconds {
                info.BasicLimitInformation.LimitFlags |= JOB_OBJECT_LIMIT_PROCESS_TIME;
                // In units of 100 ns.
                info.BasicLimitInformation.PerProcessUserTimeLimit =
                    i64::try_from(seconds.saturating_mul(10_000_000)).unwrap_or(i64::MAX);
            }
        },
    )?;
    // SAFETY: the job and process handles are valid; DuplicateHandle closes our job handle
    // (DUPLICATE_CLOSE_SOURCE) whatever happens, so it is released from ownership first.
    unsafe {
        if AssignProcessToJobObject(job.as_raw_handle(), GetCurrentProcess()) == 0 {
            return Err(io::Error::last_os_error());
        }
        let Some(parent) = parent else {
            // Started by hand, not by consultpack: the handle stays here for the whole run.
            std::mem::forget(job);
            return Ok(());
        };
        let process = OpenProcess(PROCESS_DUP_HANDLE, 0, parent);
        if process.is_null() {
            return Err(io::Error::last_os_error());
        }
        let mut theirs: HANDLE = null_mut();
        let ours = job.as_raw_handle();
        std::mem::forget(job);
        let ok = DuplicateHandle(
            GetCurrentProcess(),
            ours,
            process,
            &mut theirs,
            0,
            0,
            DUPLICATE_SAME_ACCESS | DUPLICATE_CLOSE_SOURCE,
        );
        CloseHandle(process);
        if ok == 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

/// A new Job Object with `flags`, and the rest of its limits set by `limit`.
fn new_job(
    flags: u32,
    limit: impl FnOnce(&mut JOBOBJECT_EXTENDED_LIMIT_INFORMATION),
) -> io::Result<OwnedHandle> {
    // SAFETY: CreateJobObjectW with no attributes and no name returns a new handle or null;
    // the limits are a zeroed plain-data struct of the size given.
    unsafe {
        let raw = CreateJobObjectW(null(), null());
        if raw.is_null() {
            return Err(io::Error::last_os_error());
        }
        let job = OwnedHandle::from_raw_handle(raw);
        let mut info: JOBOBJECT_EXTENDED_LIMIT_INFORMATION = std::mem::zeroed();
        info.BasicLimitInformation.LimitFlags = flags;
        limit(&mut info);
        let set = SetInformationJobObject(
            job.as_raw_handle(),
            JobObjectExtendedLimitInformation,
            (&raw const info).cast(),
            size_of::<JOBOBJECT_EXTENDED_LIMIT_INFORMATION>() as u32,
        );
        if set == 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(job)
    }
}

/// A command started by consultpack and every process it starts in turn, in one Job Object:
/// stopping the command stops them all (a `cmd /c` or PowerShell script runs its own
/// children, which would otherwise keep running after we have gone).
pub struct ProcessTree {
    /// `None` when the command could not be put in a job: then only the command is stopped.
    job: Option<OwnedHandle>,
}

impl ProcessTree {
    /// The tree of the command just started as `child`.
    pub fn of(child: &std::process::Child) -> Self {
        let job = new_job(0, |_| {}).ok().filter(|job| {
            // SAFETY: both handles are valid for the call.
            unsafe { AssignProcessToJobObject(job.as_raw_handle(), child.as_raw_handle()) != 0 }
        });
        Self { job }
    }

    /// Terminates every process of the job (the command itself included).
    pub fn kill_descendants(&self) {
        if let Some(job) = &self.job {
            // SAFETY: a valid job handle this struct owns.
            unsafe {
                TerminateJobObject(job.as_raw_handle(), 1);
            }
        }
    }
}

/// The Windows code page of UTF-8.
const CP_UTF8: u32 = 65001;

/// The console switched to UTF-8 for the run, so that Chinese messages and tables print as
/// they are in cmd and PowerShell, also when their output is piped or redirected (what is
/// written to the console itself goes through WriteConsoleW anyway); restored when dropped.
pub struct Console {
    output: u32,
    input: u32,
}

impl Console {
    pub fn utf8() -> Self {
        // SAFETY: these calls read and set the console's code pages; without a console the
        // getters return 0 and the setters fail harmlessly.
        unsafe {
            let console = Console {
                output: GetConsoleOutputCP(),
                input: GetConsoleCP(),
            };
            SetConsoleOutputCP(CP_UTF8);
            SetConsoleCP(CP_UTF8);
            console
        }
    }
}

impl Drop for Console {
    fn drop(&mut self) {
        // SAFETY: as in `utf8`; a code page of 0 (no console) is not restored.
        unsafe {
            if self.output != 0 {
                SetConsoleOutputCP(self.output);
            }
            if self.input != 0 {
                SetConsoleCP(self.input);
            }
        }
    }
}

/// The user's Windows display locale (`zh-CN`, `en-US`), which stands for `LANG` on a system
/// that has none.
pub fn system_locale() -> Option<String> {
    let mut name = [0u16; 85];
    // SAFETY: the buffer holds LOCALE_NAME_MAX_LENGTH (85) UTF-16 units, as the call is told.
    let len = unsafe {
        windows_sys::Win32::Globalization::GetUserDefaultLocaleName(name.as_mut_ptr(), 85)
    };
    let len = usize::try_from(len).ok()?.checked_sub(1)?;
    Some(String::from_utf16_lossy(name.get(..len)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use windows_sys::Win32::System::JobObjects::{IsProcessInJob, QueryInformationJobObject};

    /// What a page-rendering child does first: it is then in a job with the limits asked for.
    /// (Run under Wine by scripts/windows-smoke.sh, in a test process of its own: the limits
    /// stay on this process.)
    #[test]
    fn windows_a_confined_process_is_in_a_job_with_its_limits() {
        confine_in_job(None, Some(8 << 30), Some(3600)).unwrap();
        // SAFETY: a null job asks whether the process is in any job; the limits are read into
        // a zeroed struct of the size given.
        unsafe {
            let mut in_job = 0;
            assert_ne!(
                IsProcessInJob(GetCurrentProcess(), null_mut(), &mut in_job),
                0
            );
            assert_ne!(in_job, 0, "the process is in a job");
            let mut info: JOBOBJECT_EXTENDED_LIMIT_INFORMATION = std::mem::zeroed();
            let read = QueryInformationJobObject(
                null_mut(),
                JobObjectExtendedLimitInformation,
                (&raw mut info).cast(),
                size_of::<JOBOBJECT_EXTENDED_LIMIT_INFORMATION>() as u32,
                null_mut(),
            );
            assert_ne!(read, 0, "{}", io::Error::last_os_error());
            // Windows reports the limits set; Wine 8 keeps none of them (it reports no flags
            // and does not enforce them), so there only the job itself is checked.
            let flags = info.BasicLimitInformation.LimitFlags;
            if flags != 0 {
                assert_ne!(flags & JOB_OBJECT_LIMIT_PROCESS_MEMORY, 0);
                assert_ne!(flags & JOB_OBJECT_LIMIT_PROCESS_TIME, 0);
                assert_ne!(flags & JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE, 0);
                assert_eq!(info.ProcessMemoryLimit, 8 << 30);
                assert_eq!(
                    info.BasicLimitInformation.PerProcessUserTimeLimit,
                    36_000_000_000
                );
            }
        }
    }

    #[test]
    fn windows_this_process_is_alive_and_a_made_up_one_is_not() {
        assert!(process_alive(std::process::id()));
        assert!(!process_alive(0x7fff_fff0));
    }
}
