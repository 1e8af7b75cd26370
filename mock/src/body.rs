//! The body of every answer: whole, or one of the hostile shapes the faults ask for (a body
//! that never ends, one that trickles, one cut off halfway).

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use hyper::body::{Body, Frame, SizeHint};

/// Why a hostile body stopped: makes hyper close the connection mid-body.
#[derive(Debug)]
pub(crate) struct CutOnPurpose;

impl std::fmt::Display for CutOnPurpose {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("body cut off by an injected fault")
    }
}

impl std::error::Error for CutOnPurpose {}

/// How many bytes an endless body sends per frame.
const ENDLESS_CHUNK: usize = 64 * 1024;

enum Shape {
    /// The whole body at once.
    Whole(Option<Bytes>),
    /// `prefix`, then `filler` frames forever (chunked: no length).
    Endless { prefix: Option<Bytes>, filler: Bytes },
    /// `remaining` bytes of `filler` frames, with the exact length announced.
    Sized { remaining: u64, filler: Bytes },
    /// One byte of `bytes` a `every`.
    Trickle { bytes: Bytes, every: Duration, sleep: Option<Pin<Box<tokio::time::Sleep>>> },
    /// `first`, a pause (so it is flushed), then an error (the announced length is never reached).
    Cut { first: Option<Bytes>, length: u64, pause: Option<Pin<Box<tokio::time::Sleep>>> },
}

/// An answer's body (see the module docs).
pub(crate) struct MockBody {
    shape: Shape,
}

impl MockBody {
    /// The whole body at once.
    pub(crate) fn whole(bytes: impl Into<Bytes>) -> MockBody {
        MockBody { shape: Shape::Whole(Some(bytes.into())) }
    }

    /// `prefix` followed by `filler` bytes forever.
    pub(crate) fn endless(prefix: &'static [u8], filler: u8) -> MockBody {
        MockBody {
            shape: Shape::Endless {
                prefix: Some(Bytes::from_static(prefix)),
                filler: Bytes::from(vec![filler; ENDLESS_CHUNK]),
            },
        }
    }

    /// Exactly `len` bytes of `filler`, with `Content-Length: len`.
    pub(crate) fn sized(len: u64, filler: u8) -> MockBody {
        MockBody { shape: Shape::Sized { remaining: len, filler: Bytes::from(vec![filler; ENDLESS_CHUNK]) } }
    }

    /// `bytes`, one byte each `every`.
    pub(crate) fn trickle(bytes: impl Into<Bytes>, every: Duration) -> MockBody {
        MockBody { shape: Shape::Trickle { bytes: bytes.into(), every, sleep: None } }
    }

    /// The first half of `bytes` with the full length announced, then the connection closes.
    pub(crate) fn cut(bytes: impl Into<Bytes>) -> MockBody {
        let bytes: Bytes = bytes.into();
        let length = bytes.len() as u64;
        MockBody { shape: Shape::Cut { first: Some(bytes.slice(..bytes.len() / 2)), length, pause: None } }
    }
}

impl Body for MockBody {
    type Data = Bytes;
    type Error = CutOnPurpose;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, CutOnPurpose>>> {
        let frame = |b: Bytes| Poll::Ready(Some(Ok(Frame::data(b))));
        match &mut self.shape {
            Shape::Whole(b) => match b.take() {
                Some(b) => frame(b),
                None => Poll::Ready(None),
            },
            Shape::Endless { prefix, filler } => match prefix.take() {
                Some(p) => frame(p),
                None => frame(filler.clone()),
            },
            Shape::Sized { remaining, filler } => {
                if *remaining == 0 {
                    return Poll::Ready(None);
                }
                let n = (*remaining).min(filler.len() as u64) as usize;
                *remaining -= n as u64;
                frame(filler.slice(..n))
            }
            Shape::Trickle { bytes, every, sleep } => {
                if bytes.is_empty() {
                    return Poll::Ready(None);
                }
                let every = *every;
                let s = sleep.get_or_insert_with(|| Box::pin(tokio::time::sleep(every)));
                if s.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
                *sleep = None;
                frame(bytes.split_to(1))
            }
            Shape::Cut { first, pause, .. } => match first.take() {
                Some(b) => frame(b),
                None => {
                    let p = pause.get_or_insert_with(|| Box::pin(tokio::time::sleep(Duration::from_millis(200))));
                    match p.as_mut().poll(cx) {
                        Poll::Pending => Poll::Pending,
                        Poll::Ready(()) => Poll::Ready(Some(Err(CutOnPurpose))),
                    }
                }
            },
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.shape {
            Shape::Whole(b) => b.is_none(),
            Shape::Sized { remaining, .. } => *remaining == 0,
            Shape::Trickle { bytes, .. } => bytes.is_empty(),
            Shape::Endless { .. } | Shape::Cut { .. } => false,
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.shape {
            Shape::Whole(Some(b)) => SizeHint::with_exact(b.len() as u64),
            Shape::Whole(None) => SizeHint::with_exact(0),
            Shape::Sized { remaining, .. } => SizeHint::with_exact(*remaining),
            Shape::Trickle { bytes, .. } => SizeHint::with_exact(bytes.len() as u64),
            Shape::Cut { length, .. } => SizeHint::with_exact(*length),
            Shape::Endless { .. } => SizeHint::default(),
        }
    }
}

/// A connection's own fault switch: [`crate::faults::Fault::PartialHead`] sets it, and the
/// connection's writer then sends only the status line and the first header of the answer and
/// nothing more (the head never finishes).
#[derive(Clone, Default)]
pub(crate) struct HeadStall(std::sync::Arc<std::sync::atomic::AtomicBool>);

impl HeadStall {
    /// The next answer on this connection stops after its first header line.
    pub(crate) fn arm(&self) {
        self.0.store(true, std::sync::atomic::Ordering::SeqCst);
    }

    fn armed(&self) -> bool {
        self.0.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// A connection's I/O with [`HeadStall`] applied to what it writes.
pub(crate) struct StallingIo<I> {
    inner: I,
    stall: HeadStall,
    stalled: bool,
}

impl<I> StallingIo<I> {
    pub(crate) fn new(inner: I, stall: HeadStall) -> StallingIo<I> {
        StallingIo { inner, stall, stalled: false }
    }
}

/// Where the status line and the first header line end in `buf`, if both are in it.
fn after_first_header(buf: &[u8]) -> Option<usize> {
    let first = buf.windows(2).position(|w| w == b"\r\n")? + 2;
    let second = buf[first..].windows(2).position(|w| w == b"\r\n")? + 2;
    Some(first + second)
}

impl<I: tokio::io::AsyncRead + Unpin> tokio::io::AsyncRead for StallingIo<I> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<I: tokio::io::AsyncWrite + Unpin> tokio::io::AsyncWrite for StallingIo<I> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        if self.stalled {
            // Never written, never woken: the client waits for the rest of the head.
            return Poll::Pending;
        }
        if self.stall.armed()
            && let Some(end) = after_first_header(buf)
        {
            let me = &mut *self;
            return match Pin::new(&mut me.inner).poll_write(cx, &buf[..end]) {
                Poll::Ready(Ok(n)) if n == end => {
                    me.stalled = true;
                    let _ = Pin::new(&mut me.inner).poll_flush(cx);
                    Poll::Pending
                }
                other => other,
            };
        }
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
