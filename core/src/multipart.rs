//! `multipart/form-data` bodies: a JSON part and documents, the way SvarUt's send endpoint
//! takes them. File parts stream from disk in 64 KiB chunks while the request is sent, so a
//! 350 MB document never sits in memory; the body is rebuilt (files reopened) for each attempt.
//!
//! ```
//! use fiks_integrasjon::{FiksRequest, Part};
//! let request = FiksRequest::post("/tjenester/api/forsendelse/v1/sendForsendelse")
//!     .service("svarut")
//!     .multipart(vec![
//!         Part::json("forsendelse", &serde_json::json!({"tittel": "Vedtak"}))?,
//!         Part::file("filer", "vedtak.pdf").content_type("application/pdf"),
//!         Part::bytes("filer", b"%PDF-1.7 ...".to_vec()).filename("vedlegg.pdf").content_type("application/pdf"),
//!     ])?;
//! assert_eq!(request.parts().len(), 3);
//! # Ok::<(), fiks_integrasjon::Error>(())
//! ```

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

use crate::error::{Error, Result};

/// The most parts one body may have.
pub const MAX_PARTS: usize = 1000;
/// The chunk size file parts are read in.
const CHUNK: usize = 64 * 1024;

/// Where a part's content comes from.
#[derive(Clone)]
enum Source {
    Bytes(Arc<Vec<u8>>),
    File(PathBuf),
}

/// One part of a `multipart/form-data` body. `Debug` shows sizes and paths, never content.
#[derive(Clone)]
pub struct Part {
    name: String,
    filename: Option<String>,
    content_type: Option<String>,
    source: Source,
}

impl std::fmt::Debug for Part {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("Part");
        d.field("name", &self.name).field("filename", &self.filename).field("content_type", &self.content_type);
        match &self.source {
            Source::Bytes(b) => d.field("bytes", &b.len()),
            Source::File(p) => d.field("file", p),
        };
        d.finish()
    }
}

impl Part {
    /// A part holding these bytes (no file name, no content type: a form field).
    pub fn bytes(name: impl Into<String>, content: Vec<u8>) -> Part {
        Part { name: name.into(), filename: None, content_type: None, source: Source::Bytes(Arc::new(content)) }
    }

    /// A text field.
    pub fn text(name: impl Into<String>, text: impl Into<String>) -> Part {
        Part::bytes(name, text.into().into_bytes()).content_type("text/plain; charset=utf-8")
    }

    /// `value` as JSON, `Content-Type: application/json`.
    pub fn json<T: Serialize + ?Sized>(name: impl Into<String>, value: &T) -> Result<Part> {
        let body = serde_json::to_vec(value)
            .map_err(|e| Error::usage(format!("the part cannot be serialised as JSON: {e}")))?;
        Ok(Part::bytes(name, body).content_type("application/json"))
    }

    /// A file read from disk while the request is sent (streamed, never read whole). Its file
    /// name is the path's last component unless [`Part::filename`] sets another; the content
    /// type is `application/octet-stream` unless [`Part::content_type`] sets one.
    pub fn file(name: impl Into<String>, path: impl AsRef<Path>) -> Part {
        let path = path.as_ref().to_path_buf();
        let filename = path.file_name().map(|n| n.to_string_lossy().into_owned());
        Part { name: name.into(), filename, content_type: None, source: Source::File(path) }
    }

    /// Sets the file name sent in `Content-Disposition`.
    pub fn filename(mut self, filename: impl Into<String>) -> Part {
        self.filename = Some(filename.into());
        self
    }

    /// Sets the part's `Content-Type`.
    pub fn content_type(mut self, content_type: impl Into<String>) -> Part {
        self.content_type = Some(content_type.into());
        self
    }

    /// The field name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The file path, for a file part.
    pub fn path(&self) -> Option<&Path> {
        match &self.source {
            Source::File(p) => Some(p),
            Source::Bytes(_) => None,
        }
    }

    /// Checks the names and types: no control characters or quotes (they would break the
    /// part's headers), a content type that parses as `type/subtype`.
    pub(crate) fn check(&self) -> Result<()> {
        let bad = |s: &str| s.is_empty() || s.chars().any(|c| c.is_control() || c == '"' || c == '\\');
        if bad(&self.name) {
            return Err(Error::usage(format!(
                "the multipart field name `{}` is empty or holds quotes, backslashes or control characters",
                self.name.escape_debug()
            )));
        }
        if let Some(f) = &self.filename
            && bad(f)
        {
            return Err(Error::usage(format!(
                "the file name `{}` of part `{}` is empty or holds quotes, backslashes or control characters",
                f.escape_debug(),
                self.name
            )));
        }
        if let Some(ct) = &self.content_type
            && ct.parse::<mime::Mime>().is_err()
        {
            return Err(Error::usage(format!("`{}` (part `{}`) is not a content type", ct.escape_debug(), self.name)));
        }
        Ok(())
    }

    /// The reqwest part: bytes as they are, a file opened now and streamed with its length.
    async fn to_reqwest(&self) -> Result<reqwest::multipart::Part> {
        let part = match &self.source {
            Source::Bytes(b) => reqwest::multipart::Part::bytes(b.as_ref().clone()),
            Source::File(path) => {
                let file = tokio::fs::File::open(path).await.map_err(|e| open_failed(path, &e))?;
                let len = file.metadata().await.map_err(|e| open_failed(path, &e))?.len();
                let stream = tokio_util::io::ReaderStream::with_capacity(file, CHUNK);
                reqwest::multipart::Part::stream_with_length(reqwest::Body::wrap_stream(stream), len)
            }
        };
        let part = match &self.filename {
            Some(f) => part.file_name(f.clone()),
            None => part,
        };
        let ct = match (&self.content_type, &self.source) {
            (Some(ct), _) => Some(ct.as_str()),
            (None, Source::File(_)) => Some("application/octet-stream"),
            (None, Source::Bytes(_)) => None,
        };
        match ct {
            Some(ct) => part.mime_str(ct).map_err(|e| Error::usage(format!("`{ct}` is not a content type: {e}"))),
            None => Ok(part),
        }
    }
}

fn open_failed(path: &Path, e: &std::io::Error) -> Error {
    Error::usage(format!("cannot read the file {} for a multipart part: {e}", path.display()))
}

/// Checks a list of parts (at least one, at most [`MAX_PARTS`], each valid).
pub(crate) fn check_parts(parts: &[Part]) -> Result<()> {
    if parts.is_empty() || parts.len() > MAX_PARTS {
        return Err(Error::usage(format!("a multipart body needs 1 to {MAX_PARTS} parts, got {}", parts.len())));
    }
    parts.iter().try_for_each(Part::check)
}

/// The form for one attempt (files opened anew).
pub(crate) async fn form(parts: &[Part]) -> Result<reqwest::multipart::Form> {
    let mut form = reqwest::multipart::Form::new();
    for p in parts {
        form = form.part(p.name.clone(), p.to_reqwest().await?);
    }
    Ok(form)
}
