//! Bounds on an IMAP connection, so that no server — broken, slow or hostile — can make a
//! command hang or read without end.
//!
//! Two layers, both in front of the `imap` crate (which reads lines and literals into memory
//! for as long as the server sends them):
//!
//! - [`TimedSocket`], the TCP socket under TLS: every read and write waits at most the idle
//!   time, and never past the connection's overall deadline. It sits below TLS so that a
//!   server dripping a byte at a time cannot keep one TLS read going past the deadline.
//! - [`Framed`], the plain IMAP stream above TLS: it follows the framing as it passes (lines,
//!   and literals announced as `{n}` at a line's end) and stops a line longer than
//!   [`LINE_LIMIT`], a literal larger than the request allows ([`HEADER_LIMIT`] unless
//!   [`Guard::allow_whole_messages`]) as soon as its size is announced, before its bytes are
//!   read, and an answer to one request larger than [`RESPONSE_LIMIT`].
//!
//! When a bound stops the connection, the [`Guard`] keeps which one ([`Stop`]), so that the
//! failure names what the server did rather than the error the `imap` crate makes of it.

use std::cell::RefCell;
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::rc::Rc;
use std::time::{Duration, Instant};

use crate::text::Lang;
use crate::tr_in;

/// The longest line (outside literals) a server may send.
pub const LINE_LIMIT: usize = 1 << 20;
/// The largest literal in answer to a header request: a message's header block.
pub const HEADER_LIMIT: u64 = 1 << 20;
/// The largest literal when a whole message is fetched. Providers refuse messages over 50 MB.
pub const MESSAGE_LIMIT: u64 = 64 << 20;
/// The most a server may send in answer to one request: a whole message and its framing.
pub const RESPONSE_LIMIT: u64 = MESSAGE_LIMIT + (1 << 20);
/// How long the server may send nothing. `CONSULTPACK_IMAP_IDLE_MS` changes it.
const IDLE: Duration = super::connect::TIMEOUT;
/// How long a whole connection (a whole `sync`) may take. `CONSULTPACK_IMAP_DEADLINE_MS`
/// changes it. A sync stopped here keeps what it has read and goes on from there next time.
const DEADLINE: Duration = Duration::from_secs(15 * 60);

/// Which bound the server broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// Nothing came for this long.
    Idle(Duration),
    /// The connection was still going at its deadline.
    Deadline(Duration),
    /// A line longer than [`LINE_LIMIT`] without a line break.
    Line,
    /// A literal of `announced` bytes where at most `limit` are allowed.
    Literal { announced: u64, limit: u64 },
    /// More than [`RESPONSE_LIMIT`] bytes in answer to one request.
    Response,
}

impl Stop {
    /// What the server did, in words.
    pub fn describe(self, lang: Lang, host: &str, port: u16) -> String {
        match self {
            Stop::Idle(idle) => tr_in!(
                lang,
                "the IMAP server {host}:{port} sent nothing for {seconds} s",
                host,
                port,
                seconds = idle.as_secs_f64()
            ),
            Stop::Deadline(total) => tr_in!(
                lang,
                "the IMAP server {host}:{port} had not finished after {seconds} s (it sends too slowly, or without end)",
                host,
                port,
                seconds = total.as_secs_f64()
            ),
            Stop::Line => tr_in!(
                lang,
                "the IMAP server {host}:{port} sent a line longer than {limit} without a line break",
                host,
                port,
                limit = megabytes(LINE_LIMIT as u64)
            ),
            Stop::Literal { announced, limit } => tr_in!(
                lang,
                "the IMAP server {host}:{port} announced {announced} bytes for one message part, more than the {limit} read",
                host,
                port,
                announced,
                limit = megabytes(limit)
            ),
            Stop::Response => tr_in!(
                lang,
                "the IMAP server {host}:{port} sent more than {limit} in answer to one request",
                host,
                port,
                limit = megabytes(RESPONSE_LIMIT)
            ),
        }
    }

    /// The error the stopped read or write returns. Its words are not shown: the failure is
    /// described from [`Guard::stopped`], with the server's name.
    fn error(self) -> io::Error {
        let kind = match self {
            Stop::Idle(_) | Stop::Deadline(_) => io::ErrorKind::TimedOut,
            _ => io::ErrorKind::InvalidData,
        };
        io::Error::new(kind, "stopped by a bound on the IMAP connection")
    }
}

fn megabytes(bytes: u64) -> String {
    format!("{} MB", bytes >> 20)
}

/// The bounds of one connection and what has been seen, shared by its two layers and by the
/// code that sends the requests.
#[derive(Clone)]
pub struct Guard(Rc<RefCell<State>>);

struct State {
    idle: Duration,
    total: Duration,
    deadline: Instant,
    literal_limit: u64,
    response_bytes: u64,
    scan: Scan,
    stopped: Option<Stop>,
}

impl Guard {
    /// Bounds from now: the idle time and the overall deadline (from the environment, if set).
    pub fn start() -> Self {
        let millis = |key: &str| {
            std::env::var(key)
                .ok()
                .and_then(|v| v.parse().ok())
                .map(Duration::from_millis)
        };
        let idle = millis("CONSULTPACK_IMAP_IDLE_MS").unwrap_or(IDLE);
        let total = millis("CONSULTPACK_IMAP_DEADLINE_MS").unwrap_or(DEADLINE);
        Guard(Rc::new(RefCell::new(State {
            idle,
            total,
            deadline: Instant::now() + total,
            literal_limit: HEADER_LIMIT,
            response_bytes: 0,
            scan: Scan::default(),
            stopped: None,
        })))
    }

    /// Changes how long the server may send nothing (a shorter wait for the greeting);
    /// returns what it was.
    pub fn set_idle(&self, idle: Duration) -> Duration {
        std::mem::replace(&mut self.0.borrow_mut().idle, idle)
    }

    /// Lets literals up to [`MESSAGE_LIMIT`] through, for requests that fetch whole messages.
    pub fn allow_whole_messages(&self, allow: bool) {
        self.0.borrow_mut().literal_limit = if allow { MESSAGE_LIMIT } else { HEADER_LIMIT };
    }

    /// The bound that stopped the connection, if one did.
    pub fn stopped(&self) -> Option<Stop> {
        self.0.borrow().stopped
    }

    fn stop(&self, stop: Stop) -> io::Error {
        let mut state = self.0.borrow_mut();
        let first = *state.stopped.get_or_insert(stop);
        first.error()
    }

    /// How long the next read or write may wait, or the stop if the deadline has passed.
    fn wait(&self) -> Result<Duration, io::Error> {
        let state = self.0.borrow();
        if let Some(stop) = state.stopped {
            return Err(stop.error());
        }
        let left = state.deadline.saturating_duration_since(Instant::now());
        let (idle, total) = (state.idle, state.total);
        drop(state);
        if left.is_zero() {
            return Err(self.stop(Stop::Deadline(total)));
        }
        Ok(left.min(idle).max(Duration::from_millis(1)))
    }

    /// The stop for a read or write that timed out: the deadline's, if it has come.
    fn timed_out(&self) -> io::Error {
        let (deadline, idle, total) = {
            let state = self.0.borrow();
            (state.deadline, state.idle, state.total)
        };
        if Instant::now() >= deadline {
            self.stop(Stop::Deadline(total))
        } else {
            self.stop(Stop::Idle(idle))
        }
    }
}

/// The TCP socket, each read and write bounded in time by its [`Guard`].
pub struct TimedSocket {
    tcp: TcpStream,
    guard: Guard,
}

impl TimedSocket {
    pub fn new(tcp: TcpStream, guard: Guard) -> Self {
        Self { tcp, guard }
    }

    fn timed<T>(
        &mut self,
        set: fn(&TcpStream, Option<Duration>) -> io::Result<()>,
        io: impl FnOnce(&mut TcpStream) -> io::Result<T>,
    ) -> io::Result<T> {
        let wait = self.guard.wait()?;
        set(&self.tcp, Some(wait))?;
        match io(&mut self.tcp) {
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                Err(self.guard.timed_out())
            }
            other => other,
        }
    }
}

impl TimedSocket {
    /// One line, read a byte at a time (before TLS, nothing past the line may be taken), at
    /// most [`LINE_LIMIT`] long; empty when the server closed the connection.
    pub fn read_line(&mut self) -> io::Result<Vec<u8>> {
        let mut line = Vec::new();
        let mut byte = [0u8];
        while line.last() != Some(&b'\n') {
            if self.read(&mut byte)? == 0 {
                break;
            }
            line.push(byte[0]);
            if line.len() > LINE_LIMIT {
                return Err(self.guard.stop(Stop::Line));
            }
        }
        Ok(line)
    }
}

impl Read for TimedSocket {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.timed(TcpStream::set_read_timeout, |tcp| tcp.read(buf))
    }
}

impl Write for TimedSocket {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.timed(TcpStream::set_write_timeout, |tcp| tcp.write(buf))
    }
    fn flush(&mut self) -> io::Result<()> {
        self.tcp.flush()
    }
}

/// The IMAP stream (plain, or TLS already undone), its framing followed and bounded.
pub struct Framed<S> {
    inner: S,
    guard: Guard,
}

impl<S> Framed<S> {
    pub fn new(inner: S, guard: Guard) -> Self {
        Self { inner, guard }
    }
}

impl<S: Read> Read for Framed<S> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(stop) = self.guard.stopped() {
            return Err(stop.error());
        }
        let n = self.inner.read(buf)?;
        let verdict = {
            let mut state = self.guard.0.borrow_mut();
            state.response_bytes += n as u64;
            let limit = state.literal_limit;
            if state.response_bytes > RESPONSE_LIMIT {
                Err(Stop::Response)
            } else {
                state.scan.feed(&buf[..n], limit)
            }
        };
        verdict.map_err(|stop| self.guard.stop(stop))?;
        Ok(n)
    }
}

impl<S: Write> Write for Framed<S> {
    /// A write is a new request: what the server sends next is its answer, counted afresh.
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.guard.0.borrow_mut().response_bytes = 0;
        self.inner.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Where in the server's framing the bytes so far have left off.
#[derive(Debug, Default)]
struct Scan {
    /// Bytes of the current line so far (literals not counted).
    line: usize,
    /// Bytes of a literal still to come.
    literal: u64,
    /// A literal's announcement `{n}` (or `{n+}`) at the end of the line so far.
    announced: Announced,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Announced {
    #[default]
    No,
    Open,
    Digits(u64),
    Closed(u64),
    ClosedCr(u64),
}

impl Scan {
    fn feed(&mut self, mut bytes: &[u8], literal_limit: u64) -> Result<(), Stop> {
        while !bytes.is_empty() {
            if self.literal > 0 {
                let take = bytes
                    .len()
                    .min(usize::try_from(self.literal).unwrap_or(usize::MAX));
                self.literal -= take as u64;
                bytes = &bytes[take..];
                continue;
            }
            let byte = bytes[0];
            bytes = &bytes[1..];
            self.line += 1;
            if self.line > LINE_LIMIT {
                return Err(Stop::Line);
            }
            self.announced = match (self.announced, byte) {
                (_, b'{') => Announced::Open,
                (Announced::Open, b'0'..=b'9') => Announced::Digits(u64::from(byte - b'0')),
                (Announced::Digits(n), b'0'..=b'9') => {
                    Announced::Digits(n.saturating_mul(10).saturating_add(u64::from(byte - b'0')))
                }
                (Announced::Digits(n), b'+') => Announced::Digits(n),
                (Announced::Digits(n), b'}') => Announced::Closed(n),
                (Announced::Closed(n), b'\r') => Announced::ClosedCr(n),
                (Announced::Closed(n) | Announced::ClosedCr(n), b'\n') => {
                    if n > literal_limit {
                        return Err(Stop::Literal {
                            announced: n,
                            limit: literal_limit,
                        });
                    }
                    self.literal = n;
                    self.line = 0;
                    Announced::No
                }
                (_, b'\n') => {
                    self.line = 0;
                    Announced::No
                }
                _ => Announced::No,
            };
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_are_skipped_and_their_size_checked_when_announced() {
        let mut scan = Scan::default();
        // A literal's content may hold anything, braces and line breaks included.
        scan.feed(
            b"* 1 FETCH (BODY[HEADER] {12}\r\n{99999}\r\n\r\nab)\r\n",
            100,
        )
        .unwrap();
        assert_eq!((scan.line, scan.literal), (0, 0));
        // Announced in pieces, across reads.
        let mut scan = Scan::default();
        scan.feed(b"* 1 FETCH (BODY[] {10", 100).unwrap();
        let stop = scan.feed(b"1}\r", 100).and_then(|()| scan.feed(b"\n", 100));
        assert_eq!(
            stop,
            Err(Stop::Literal {
                announced: 101,
                limit: 100
            })
        );
        // Digits without end do not overflow.
        let mut scan = Scan::default();
        let mut line = b"* 1 FETCH (BODY[] {".to_vec();
        line.extend(std::iter::repeat_n(b'9', 40));
        line.extend_from_slice(b"}\r\n");
        assert!(matches!(
            scan.feed(&line, 100),
            Err(Stop::Literal {
                announced: u64::MAX,
                ..
            })
        ));
    }

    #[test]
    fn lines_without_end_are_stopped() {
        let mut scan = Scan::default();
        let chunk = vec![b'a'; 64 * 1024];
        let mut result = Ok(());
        for _ in 0..=LINE_LIMIT / chunk.len() {
            result = scan.feed(&chunk, HEADER_LIMIT);
            if result.is_err() {
                break;
            }
        }
        assert_eq!(result, Err(Stop::Line));
        let mut scan = Scan::default();
        for _ in 0..100 {
            scan.feed(&chunk[..60_000], HEADER_LIMIT).unwrap();
            scan.feed(b"\r\n", HEADER_LIMIT).unwrap();
        }
    }
}
