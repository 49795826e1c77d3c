//! Containment: each file is read in a child process of its own (the same binary, run as
//! `selfbuilt __read`), under an address-space limit (set by the child on itself at start:
//! what it holds then plus `--max-read-mb`), a CPU-time limit and a wall-clock watchdog.
//!
//! Why a process: the readers (calamine above all) can be made to allocate gigabytes by a
//! file of a few kilobytes, and an allocation failure aborts the process: `catch_unwind`
//! cannot catch it, and checks before calamine allocates would have to foresee every
//! format's every record. A child process with `setrlimit` bounds any reader, known or not:
//! when it dies, only that file is lost, and it gets a finding that names the limit.
//!
//! The child writes the read's pieces (see [`Piece`]) to its stdout as frames — a 4-byte
//! little-endian length, then the piece in postcard — ending with a `Done` frame that holds
//! the read's outcome. The parent hands each piece on as it arrives, so streaming reads
//! keep streaming. A child that ends without `Done` was stopped by a limit or crashed.

use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{file_finding, read_pieces, InputFile, Limits, Piece};
use crate::finding::Finding;

/// The name of the hidden subcommand a child runs.
pub const CHILD_COMMAND: &str = "__read";

/// How files are contained.
#[derive(Debug, Clone)]
pub struct Isolation {
    /// The binary to run as the child (this one).
    pub exe: PathBuf,
    /// Address-space limit of a child, in MB.
    pub max_mem_mb: u64,
    /// CPU and wall-clock limit of a child, in seconds.
    pub max_seconds: u64,
}

/// What a child writes.
#[derive(Debug, Serialize, Deserialize)]
enum Frame {
    Piece(Piece),
    /// The read's outcome: the format read, or the finding that says why not.
    Done(Result<String, Finding>),
}

/// A frame longer than this is a broken stream, not a piece.
const MAX_FRAME: usize = 1 << 30;

fn write_frame(w: &mut impl Write, f: &Frame) -> std::io::Result<()> {
    let bytes = postcard::to_stdvec(f).map_err(std::io::Error::other)?;
    w.write_all(&(bytes.len() as u32).to_le_bytes())?;
    w.write_all(&bytes)
}

fn read_frame(r: &mut impl Read) -> Option<Frame> {
    let mut len = [0u8; 4];
    r.read_exact(&mut len).ok()?;
    let len = u32::from_le_bytes(len) as usize;
    if len > MAX_FRAME {
        return None;
    }
    let mut buf = vec![0u8; len];
    r.read_exact(&mut buf).ok()?;
    postcard::from_bytes(&buf).ok()
}

/// The formats a read can name (a child names one by text).
fn static_format(s: &str) -> &'static str {
    ["csv", "xlsx", "xls", "xlsb", "ods", "xml2003"]
        .into_iter()
        .find(|f| *f == s)
        .unwrap_or("xlsx")
}

/// The child's side: read `path` and write its frames to stdout, using at most
/// `max_mem_mb` of memory beyond what the process held when it started. Returns the exit code.
pub fn child_main(
    path: &Path,
    rel: &str,
    limits_json: &str,
    max_mem_mb: u64,
    max_seconds: u64,
) -> i32 {
    // A panic is reported as a finding in the Done frame, not as text on a terminal.
    std::panic::set_hook(Box::new(|_| {}));
    if !die_with_parent() {
        return 2;
    }
    crate::memory::one_arena();
    limit_memory(max_mem_mb);
    limit_time(max_seconds);
    let Ok(limits) = serde_json::from_str::<Limits>(limits_json) else {
        return 2;
    };
    let input = InputFile {
        path: path.to_path_buf(),
        rel: rel.to_string(),
    };
    let mut out = BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let mut broken = false;
    let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        read_pieces(&input, &limits, &mut |p| {
            if !broken && write_frame(&mut out, &Frame::Piece(p)).is_err() {
                broken = true;
            }
        })
    }));
    let done = match read {
        Ok(r) => r.map(str::to_string),
        Err(_) => Err(reader_failed(rel)),
    };
    if broken || write_frame(&mut out, &Frame::Done(done)).is_err() || out.flush().is_err() {
        return 3;
    }
    0
}

/// Set one of this process's resource limits (lowering only our own).
#[cfg(unix)]
fn set_limit(res: libc::__rlimit_resource_t, soft: u64, hard: u64) {
    let lim = libc::rlimit {
        rlim_cur: soft as libc::rlim_t,
        rlim_max: hard as libc::rlim_t,
    };
    // SAFETY: setrlimit with a valid struct.
    unsafe {
        libc::setrlimit(res, &lim);
    }
}

/// Cap this process's address space at what it holds now plus `mb` (the binary's own
/// mappings differ between builds, so the budget is counted from here).
fn limit_memory(mb: u64) {
    #[cfg(unix)]
    {
        let now = std::fs::read_to_string("/proc/self/statm")
            .ok()
            .and_then(|s| s.split_whitespace().next()?.parse::<u64>().ok())
            // SAFETY: sysconf has no preconditions.
            .map(|pages| pages * unsafe { libc::sysconf(libc::_SC_PAGESIZE) }.max(4096) as u64)
            .unwrap_or(0);
        let cap = now.saturating_add(mb.saturating_mul(1 << 20));
        set_limit(libc::RLIMIT_AS, cap, cap);
    }
    #[cfg(not(unix))]
    let _ = mb;
}

/// Cap this process's CPU time: SIGXCPU at the soft limit says "time"; the hard limit
/// (SIGKILL) is a backstop. No core files.
fn limit_time(secs: u64) {
    #[cfg(unix)]
    {
        let secs = secs.max(1);
        set_limit(libc::RLIMIT_CPU, secs, secs + 5);
        set_limit(libc::RLIMIT_CORE, 0, 0);
    }
    #[cfg(not(unix))]
    let _ = secs;
}

/// The environment variable that tells the child its parent's pid.
const PARENT_ENV: &str = "SELFBUILT_READER_PARENT";

/// Ask the kernel to kill this child when the run that started it dies (a clerk closing
/// the window, a kill), so no reader outlives it. False when the parent is already gone.
fn die_with_parent() -> bool {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: prctl with PR_SET_PDEATHSIG only sets a flag of this process.
        unsafe {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
        }
        // The parent may have died before the flag was set.
        let parent = std::env::var(PARENT_ENV)
            .ok()
            .and_then(|p| p.parse::<i32>().ok());
        // SAFETY: getppid has no preconditions.
        let now = unsafe { libc::getppid() };
        if parent.is_some_and(|p| p != now) {
            return false;
        }
    }
    true
}

/// The reader could not make sense of the file (it panicked).
pub fn reader_failed(rel: &str) -> Finding {
    file_finding(crate::codes::reader_failed(), rel)
}

/// Why a child stopped without finishing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    Memory,
    Time,
    Crash,
}

fn limit_finding(f: &InputFile, stop: Stop, iso: &Isolation) -> Finding {
    let rel = f.rel.as_str();
    // A text table is no malformed workbook: its size is what the memory went on.
    let text = std::fs::File::open(&f.path)
        .ok()
        .and_then(|mut h| {
            let mut head = vec![0u8; 4096];
            let n = h.read(&mut head).ok()?;
            head.truncate(n);
            Some(head)
        })
        .is_some_and(|head| super::sniff::sniff(&head, "csv") == super::sniff::Kind::Csv);
    match stop {
        Stop::Memory if text => {
            let mb = std::fs::metadata(&f.path)
                .map(|m| m.len() >> 20)
                .unwrap_or(0);
            file_finding(crate::codes::read_memory_text(mb, iso.max_mem_mb), rel)
        }
        Stop::Memory => file_finding(crate::codes::read_memory(iso.max_mem_mb), rel),
        Stop::Time => file_finding(crate::codes::read_time(iso.max_seconds), rel),
        Stop::Crash => reader_failed(rel),
    }
}

/// Read a file in a child process (see the module doc). Pieces are handed to `emit` as
/// they arrive; the outcome is the format read or the finding that says why not (pieces
/// sent before an error are to be dropped). When no child can be started the file is read
/// in this process.
pub fn read_isolated(
    f: &InputFile,
    limits: &Limits,
    iso: &Isolation,
    emit: &mut dyn FnMut(Piece),
) -> Result<&'static str, Finding> {
    let limits_json = serde_json::to_string(limits).unwrap_or_default();
    let mut cmd = Command::new(&iso.exe);
    // `--` first: a file named `-1.xlsx` is a name, not an option.
    cmd.arg(CHILD_COMMAND)
        .arg("--")
        .arg(&f.path)
        .arg(&f.rel)
        .arg(&limits_json)
        .arg(iso.max_mem_mb.to_string())
        .arg(iso.max_seconds.max(1).to_string())
        .env(PARENT_ENV, std::process::id().to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // No pre_exec: the child sets its own limits, so the spawn is a posix_spawn (vfork)
    // and not a fork of this large, busy process.
    let Ok(mut child) = cmd.spawn() else {
        return read_pieces(f, limits, emit);
    };
    let pid = child.id();
    let timed_out = Arc::new(AtomicBool::new(false));
    let (stop_tx, stop_rx) = std::sync::mpsc::channel::<()>();
    let watchdog = {
        let timed_out = timed_out.clone();
        let wall = Duration::from_secs(iso.max_seconds.max(1).saturating_mul(2));
        std::thread::spawn(move || {
            if let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = stop_rx.recv_timeout(wall) {
                timed_out.store(true, Ordering::SeqCst);
                kill(pid);
            }
        })
    };
    // What the child says on stderr tells an allocation failure from other deaths.
    let stderr = child.stderr.take().map(|mut e| {
        std::thread::spawn(move || {
            let mut tail = Vec::new();
            let mut buf = [0u8; 4096];
            while let Ok(n) = e.read(&mut buf) {
                if n == 0 {
                    break;
                }
                tail.extend_from_slice(&buf[..n]);
                if tail.len() > 8192 {
                    tail.drain(..tail.len() - 8192);
                }
            }
            String::from_utf8_lossy(&tail).into_owned()
        })
    });
    let mut outcome: Option<Result<String, Finding>> = None;
    if let Some(out) = child.stdout.take() {
        widen_pipe(&out);
        let mut r = BufReader::with_capacity(1 << 16, out);
        while let Some(frame) = read_frame(&mut r) {
            match frame {
                Frame::Piece(p) => emit(p),
                Frame::Done(d) => {
                    outcome = Some(d);
                    break;
                }
            }
        }
    }
    let status = child.wait();
    drop(stop_tx);
    let _ = watchdog.join();
    let said = stderr.and_then(|h| h.join().ok()).unwrap_or_default();
    match outcome {
        Some(Ok(fmt)) => Ok(static_format(&fmt)),
        Some(Err(finding)) => Err(finding),
        None => {
            // A Rust reader that dies by a signal has run out of something: under the
            // address-space limit an allocation aborts or the stack cannot grow (SIGSEGV).
            // A stack overflow says so on stderr and is the file's structure, not its size.
            let stop = if timed_out.load(Ordering::SeqCst) || killed_by_cpu_limit(&status) {
                Stop::Time
            } else if said.contains("overflowed its stack") {
                Stop::Crash
            } else if said.contains("memory allocation")
                || said.contains("out of memory")
                || said.contains("capacity overflow")
                || killed_by_signal(&status)
            {
                Stop::Memory
            } else {
                Stop::Crash
            };
            Err(limit_finding(f, stop, iso))
        }
    }
}

/// Bytes a child's pipe holds (Linux's most for an unprivileged process, 1 MiB by
/// default): the child writes on while the parent is busy, where the default 64 KiB made it
/// wait.
#[cfg(target_os = "linux")]
const PIPE_BYTES: libc::c_int = 1 << 20;

/// Widens the pipe from the child to `PIPE_BYTES`; a system that refuses keeps its own.
#[cfg(target_os = "linux")]
fn widen_pipe(pipe: &std::process::ChildStdout) {
    use std::os::fd::AsRawFd;
    // SAFETY: F_SETPIPE_SZ on a pipe this process owns; a refusal returns -1 and
    // changes nothing.
    unsafe {
        libc::fcntl(pipe.as_raw_fd(), libc::F_SETPIPE_SZ, PIPE_BYTES);
    }
}

#[cfg(not(target_os = "linux"))]
fn widen_pipe(_pipe: &std::process::ChildStdout) {}

#[cfg(unix)]
fn kill(pid: u32) {
    // SAFETY: kill(2) with a pid of our own child; at worst the child is gone already.
    unsafe {
        libc::kill(pid as libc::pid_t, libc::SIGKILL);
    }
}

#[cfg(not(unix))]
fn kill(_pid: u32) {}

/// The signal that ended the child, if one did.
fn signal_of(status: &std::io::Result<std::process::ExitStatus>) -> Option<i32> {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        status.as_ref().ok().and_then(|s| s.signal())
    }
    #[cfg(not(unix))]
    {
        let _ = status;
        None
    }
}

fn killed_by_signal(status: &std::io::Result<std::process::ExitStatus>) -> bool {
    signal_of(status).is_some()
}

fn killed_by_cpu_limit(status: &std::io::Result<std::process::ExitStatus>) -> bool {
    #[cfg(unix)]
    {
        signal_of(status) == Some(libc::SIGXCPU)
    }
    #[cfg(not(unix))]
    {
        let _ = status;
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip() {
        let mut buf = Vec::new();
        let g = super::super::Grid {
            name: "房屋信息".into(),
            rows: vec![super::super::GridRow {
                idx: 3,
                cells: vec![
                    super::super::Raw::Text("YH1".into()),
                    super::super::Raw::Num(2.5),
                ],
            }],
            ..Default::default()
        };
        write_frame(&mut buf, &Frame::Piece(Piece::Sheet(g))).unwrap();
        write_frame(&mut buf, &Frame::Done(Ok("xlsx".into()))).unwrap();
        let mut r = &buf[..];
        match read_frame(&mut r) {
            Some(Frame::Piece(Piece::Sheet(g))) => {
                assert_eq!(g.name, "房屋信息");
                assert_eq!(g.rows[0].cells[1], super::super::Raw::Num(2.5));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(read_frame(&mut r), Some(Frame::Done(Ok(f))) if f == "xlsx"));
        assert!(read_frame(&mut r).is_none());
    }

    #[test]
    fn a_truncated_or_huge_frame_is_the_end() {
        let mut r: &[u8] = &[0xff, 0xff, 0xff, 0x7f, 1, 2];
        assert!(read_frame(&mut r).is_none());
        let mut r: &[u8] = &[9, 0, 0, 0, 1];
        assert!(read_frame(&mut r).is_none());
    }
}
