//! `POST <prefix>/echo/multipart`: reads a `multipart/form-data` body as it streams in (never a
//! whole body, never a whole part in memory) and answers what arrived: each part's name,
//! filename, content type, size and SHA-256, and who sent it ([`Caller::fields`]). For tests of
//! uploads like SvarUt's (documents of up to 350 MB).
//!
//! Limits: the body at most [`MAX_BODY`] (413 past it); at most [`MAX_PARTS`] parts and
//! [`MAX_PART_HEADER_BYTES`] of headers (and 32 header lines) per part (400 past them). Another content type than
//! `multipart/form-data` is 415, a body that is not well-formed multipart is 400. A body refused
//! part-way is still read (and thrown away) for a while after the answer, so that a client still
//! sending it reads the answer rather than a reset connection.

use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use aws_lc_rs::digest;
use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::{Body, Frame, Incoming};
use hyper::header::{CONTENT_LENGTH, CONTENT_TYPE, EXPECT};
use hyper::{Method, Request};
use serde_json::{Value, json};

use crate::fiks_api::{fiks_error, method_not_allowed};
use crate::fiks_auth::{Caller, hex};
use crate::respond::{Resp, json, media_type};
use crate::state::lock;

/// The largest multipart body read: 2 GiB, room for a 1 GiB document and then some (SvarUt
/// takes documents of up to 350 MB).
pub(crate) const MAX_BODY: u64 = 2 * 1024 * 1024 * 1024;
/// The most parts one body may have.
pub(crate) const MAX_PARTS: usize = 1000;
/// The most header bytes (names and values) one part may have.
pub(crate) const MAX_PART_HEADER_BYTES: usize = 8 * 1024;
/// How much of the body is read, at most, while looking for the end of a part's headers (or,
/// before the first part, for the first boundary) before the body is refused: what keeps an
/// endless header block from filling memory.
const MAX_READ_FOR_HEADERS: u64 = 16 * 1024;
/// While headers are being looked for, the body is handed to the parser in pieces this small,
/// one per poll, so it never reads far past their end.
const HEADER_PIECE: usize = 1024;

/// How much of a refused body is still read and thrown away after the answer.
const DRAIN_AFTER_REFUSAL: u64 = 64 * 1024 * 1024;
/// How long the drain waits for the next bytes of a refused body before it gives up.
const DRAIN_PATIENCE: Duration = Duration::from_secs(10);

/// Why the metered body stopped ([`Meter::stop`] stays 0 while it has not).
const STOP_TOO_LARGE: u8 = 1;
const STOP_HEADERS_TOO_LARGE: u8 = 2;

/// What the handler and the metered body share: the request body (so that the handler can take
/// it back from the parser to drain it), the bytes read, whether the parser is looking for
/// headers now, and why the body stopped, if it did.
#[derive(Default)]
struct Meter {
    body: Mutex<Option<Incoming>>,
    total: AtomicU64,
    seeking_headers: AtomicBool,
    read_while_seeking: AtomicU64,
    stop: AtomicU8,
}

impl Meter {
    fn seek_headers(&self, on: bool) {
        self.read_while_seeking.store(0, Ordering::Relaxed);
        self.seeking_headers.store(on, Ordering::Relaxed);
    }
}

/// Why the metered body stopped with an error.
#[derive(Debug)]
struct Stopped(&'static str);

impl std::fmt::Display for Stopped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for Stopped {}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The request body with [`Meter`] applied: counts it, enforces [`MAX_BODY`], and while headers
/// are looked for, hands it out in small pieces (yielding between them) and enforces
/// [`MAX_READ_FOR_HEADERS`].
struct MeteredBody {
    meter: Arc<Meter>,
    /// What is left of a frame that was handed out in pieces.
    rest: Option<Bytes>,
    /// A piece was handed out on the last poll (the next one yields first).
    just_gave_piece: bool,
}

impl MeteredBody {
    fn stop(&self, why: u8, message: &'static str) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        self.meter.stop.store(why, Ordering::Relaxed);
        Poll::Ready(Some(Err(Box::new(Stopped(message)))))
    }
}

impl Body for MeteredBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let seeking = self.meter.seeking_headers.load(Ordering::Relaxed);
        if seeking && self.just_gave_piece {
            // Lets the parser look at what it has before it reads on.
            self.just_gave_piece = false;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        self.just_gave_piece = false;
        let mut data = match self.rest.take() {
            Some(rest) => rest,
            None => {
                let mut body = lock(&self.meter.body);
                let Some(inner) = body.as_mut() else {
                    return Poll::Ready(None);
                };
                loop {
                    match Pin::new(&mut *inner).poll_frame(cx) {
                        Poll::Ready(Some(Ok(frame))) => match frame.into_data() {
                            Ok(d) if d.is_empty() => continue,
                            Ok(d) => break d,
                            Err(_trailers) => continue,
                        },
                        Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(Box::new(e)))),
                        Poll::Ready(None) => return Poll::Ready(None),
                        Poll::Pending => return Poll::Pending,
                    }
                }
            }
        };
        if seeking {
            if self.meter.read_while_seeking.load(Ordering::Relaxed) >= MAX_READ_FOR_HEADERS {
                return self.stop(STOP_HEADERS_TOO_LARGE, "a part's headers do not end");
            }
            if data.len() > HEADER_PIECE {
                self.rest = Some(data.split_off(HEADER_PIECE));
            }
            self.meter.read_while_seeking.fetch_add(data.len() as u64, Ordering::Relaxed);
            self.just_gave_piece = true;
        }
        let total = self.meter.total.fetch_add(data.len() as u64, Ordering::Relaxed) + data.len() as u64;
        if total > MAX_BODY {
            return self.stop(STOP_TOO_LARGE, "the body is too large");
        }
        Poll::Ready(Some(Ok(Frame::data(data))))
    }
}

fn too_large(path: &str) -> Resp {
    fiks_error(
        413,
        path,
        &format!("Forespørselen er for stor (body too large: at most {MAX_BODY} bytes of multipart/form-data)"),
        None,
        None,
    )
}

fn malformed(path: &str, why: &str) -> Resp {
    fiks_error(400, path, &format!("Ugyldig multipart/form-data ({why})"), None, None)
}

/// The answer to a parser error: what the meter stopped for, else the parser's own words.
fn refusal(e: multer::Error, meter: &Meter, path: &str) -> Resp {
    match meter.stop.load(Ordering::Relaxed) {
        STOP_TOO_LARGE => too_large(path),
        STOP_HEADERS_TOO_LARGE => malformed(
            path,
            &format!(
                "a part's headers did not end within {MAX_READ_FOR_HEADERS} bytes; at most {MAX_PART_HEADER_BYTES} bytes are allowed"
            ),
        ),
        _ => malformed(path, &e.to_string()),
    }
}

/// Reads and throws away up to [`DRAIN_AFTER_REFUSAL`] more bytes of a refused body, while the
/// answer goes out: a client still sending then reads the answer instead of a reset.
fn drain_later(body: Option<Incoming>) {
    let Some(mut body) = body else { return };
    tokio::spawn(async move {
        let mut left = DRAIN_AFTER_REFUSAL;
        while left > 0 {
            match tokio::time::timeout(DRAIN_PATIENCE, body.frame()).await {
                Ok(Some(Ok(frame))) => {
                    left = left.saturating_sub(frame.data_ref().map_or(0, |d| d.len() as u64));
                }
                _ => break,
            }
        }
    });
}

/// The size of a part's headers as sent, near enough: names, values and `: ` plus CRLF each.
fn header_bytes(headers: &hyper::HeaderMap) -> usize {
    headers.iter().map(|(k, v)| k.as_str().len() + v.len() + 4).sum()
}

/// A request refused before its body was read: the body is drained (see [`drain_later`]),
/// unless the client waits for `100 Continue` before it sends it (then it never will).
fn refuse_unread(req: Request<Incoming>, answer: Resp) -> Resp {
    let waits = req.headers().get(EXPECT).is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"100-continue"));
    if !waits {
        drain_later(Some(req.into_body()));
    }
    answer
}

/// Answers `POST <prefix>/echo/multipart` for a caller that passed the header checks.
pub(crate) async fn handle(req: Request<Incoming>, full_path: &str, path: &str, caller: &Caller) -> Resp {
    if req.method() != Method::POST {
        return refuse_unread(req, method_not_allowed(path, "POST"));
    }
    if media_type(req.headers().get(CONTENT_TYPE)).as_deref() != Some("multipart/form-data") {
        let answer =
            fiks_error(415, path, "Content-Type må være multipart/form-data (unsupported media type)", None, None);
        return refuse_unread(req, answer);
    }
    let content_type = req.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let boundary = match multer::parse_boundary(content_type) {
        Ok(b) => b,
        Err(e) => {
            let answer = malformed(path, &format!("Content-Type: {e}"));
            return refuse_unread(req, answer);
        }
    };
    let declared = req.headers().get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY) {
        // Refused before the client sends it (it may wait for `100 Continue`): nothing to drain.
        return too_large(path);
    }
    let meter = Arc::new(Meter { body: Mutex::new(Some(req.into_body())), ..Meter::default() });
    let parsed = read_parts(&meter, boundary, path).await;
    match parsed {
        Ok((parts, total_bytes)) => {
            let mut answer = caller.fields();
            answer.insert("path".into(), json!(full_path));
            answer.insert("parts".into(), Value::Array(parts));
            answer.insert("total_bytes".into(), json!(total_bytes));
            answer.insert("body_bytes".into(), json!(meter.total.load(Ordering::Relaxed)));
            json(200, &Value::Object(answer))
        }
        Err(refusal) => {
            drain_later(lock(&meter.body).take());
            refusal
        }
    }
}

/// Parses the body part by part: each part's description, and the part sizes added up.
async fn read_parts(meter: &Arc<Meter>, boundary: String, path: &str) -> Result<(Vec<Value>, u64), Resp> {
    let body = MeteredBody { meter: meter.clone(), rest: None, just_gave_piece: false };
    let mut multipart = multer::Multipart::new(body.into_data_stream(), boundary);
    let mut parts = Vec::new();
    let mut total_bytes = 0u64;
    loop {
        meter.seek_headers(true);
        let mut field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => return Ok((parts, total_bytes)),
            Err(e) => return Err(refusal(e, meter, path)),
        };
        meter.seek_headers(false);
        let n = parts.len() + 1;
        if n > MAX_PARTS {
            return Err(malformed(path, &format!("more than {MAX_PARTS} parts")));
        }
        if header_bytes(field.headers()) > MAX_PART_HEADER_BYTES {
            return Err(malformed(path, &format!("part {n} has more than {MAX_PART_HEADER_BYTES} bytes of headers")));
        }
        let Some(name) = field.name().map(str::to_string) else {
            return Err(malformed(path, &format!("part {n} has no name in its Content-Disposition")));
        };
        let filename = field.file_name().map(str::to_string);
        let part_type = field.headers().get(CONTENT_TYPE).map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        let mut sha = digest::Context::new(&digest::SHA256);
        let mut size = 0u64;
        loop {
            match field.chunk().await {
                Ok(Some(chunk)) => {
                    size += chunk.len() as u64;
                    sha.update(&chunk);
                }
                Ok(None) => break,
                Err(e) => return Err(refusal(e, meter, path)),
            }
        }
        total_bytes += size;
        parts.push(json!({
            "name": name,
            "filename": filename,
            "content_type": part_type,
            "size": size,
            "sha256": hex(sha.finish().as_ref()),
        }));
    }
}
