//! `files=` (and `data=` form fields) of `Client.request` as the core's multipart [`Part`]s,
//! in the shape `requests` and `httpx` take them.
//!
//! `files` is a mapping `{name: value}` or a sequence of `(name, value)` pairs (for a name
//! that repeats, like SvarUt's `filer`). A value is
//!
//! - an `os.PathLike` (`pathlib.Path`): a file the core streams from disk while sending
//!   ([`Part::file`]; its file name is the path's last component), never read here;
//! - `bytes`/`bytearray`: the content as it is ([`Part::bytes`]);
//! - a tuple `(filename, content)` or `(filename, content, content_type)`, `filename` a `str`
//!   or `None`, `content` a path (`os.PathLike`), `bytes`, or a `str` (sent as UTF-8 text, as
//!   `requests` does: `(None, json.dumps(x), "application/json")` is a JSON part).
//!
//! A bare `str` is refused (it could be meant as a path or as content), and so are open file
//! objects (reading one here would hold the whole file in memory): the `TypeError` says to
//! pass a `pathlib.Path`. `data=` with `files=` is a mapping of text fields, sent first. Every
//! check of the parts themselves (names, file names, content types, how many) is the core's
//! ([`fiks_integrasjon::FiksRequest::multipart`]).

use std::path::PathBuf;

use fiks_integrasjon::Part;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyString, PyTuple};

/// The parts of `data=` (text fields, when given) and then `files=`, in order.
pub(crate) fn parts(data: Option<&Bound<'_, PyAny>>, files: &Bound<'_, PyAny>) -> PyResult<Vec<Part>> {
    let mut parts = Vec::new();
    if let Some(data) = data {
        if !data.hasattr("items")? {
            return Err(PyTypeError::new_err(
                "with files=, data= must be a mapping of form fields ({name: str}); \
                 put a JSON part in files= as (None, json.dumps(value), \"application/json\")",
            ));
        }
        for (name, value) in pairs(data)? {
            let text = value
                .cast::<PyString>()
                .map_err(|_| PyTypeError::new_err(format!("the form field `{name}` in data= must be a str")))?;
            parts.push(Part::text(name, text.to_cow()?.to_string()));
        }
    }
    for (name, value) in pairs(files)? {
        parts.push(part(name, &value)?);
    }
    Ok(parts)
}

/// `(name, value)` pairs of a mapping or of a sequence of pairs.
fn pairs<'py>(v: &Bound<'py, PyAny>) -> PyResult<Vec<(String, Bound<'py, PyAny>)>> {
    let items = if v.hasattr("items")? { v.call_method0("items")? } else { v.clone() };
    let mut out = Vec::new();
    for item in items.try_iter()? {
        let item = item?;
        let pair = item.cast::<PyTuple>().ok().filter(|t| t.len() == 2).ok_or_else(|| {
            PyTypeError::new_err("files= must be a mapping {name: value} or a list of (name, value) pairs")
        })?;
        let name: String =
            pair.get_item(0)?.extract().map_err(|_| PyTypeError::new_err("a multipart field name must be a str"))?;
        out.push((name, pair.get_item(1)?));
    }
    Ok(out)
}

fn is_path(v: &Bound<'_, PyAny>) -> PyResult<bool> {
    Ok(!v.is_instance_of::<PyString>() && v.hasattr("__fspath__")?)
}

fn is_bytes(v: &Bound<'_, PyAny>) -> bool {
    v.is_instance_of::<PyBytes>() || v.is_instance_of::<PyByteArray>()
}

/// One `files=` value as a part.
fn part(name: String, v: &Bound<'_, PyAny>) -> PyResult<Part> {
    if let Ok(t) = v.cast::<PyTuple>() {
        if !(2..=3).contains(&t.len()) {
            return Err(PyTypeError::new_err(format!(
                "the file `{name}` must be (filename, content) or (filename, content, content_type); \
                 per-part headers are not supported"
            )));
        }
        let filename: Option<String> = t
            .get_item(0)?
            .extract()
            .map_err(|_| PyTypeError::new_err(format!("the file name of `{name}` must be a str or None")))?;
        let content = t.get_item(1)?;
        let mut p = if let Ok(s) = content.cast::<PyString>() {
            Part::bytes(name.clone(), s.to_cow()?.as_bytes().to_vec())
        } else {
            content_part(&name, &content)?
        };
        if let Some(f) = filename {
            p = p.filename(f);
        }
        if t.len() == 3 {
            let ct = t.get_item(2)?;
            if !ct.is_none() {
                let ct: String = ct
                    .extract()
                    .map_err(|_| PyTypeError::new_err(format!("the content type of `{name}` must be a str or None")))?;
                p = p.content_type(ct);
            }
        }
        return Ok(p);
    }
    if v.is_instance_of::<PyString>() {
        return Err(PyTypeError::new_err(format!(
            "the file `{name}` is a str: pass pathlib.Path(...) to send a file from disk, \
             or (None, text) / (None, text, content_type) to send text"
        )));
    }
    content_part(&name, v)
}

/// A path (streamed by the core) or bytes; anything else is a `TypeError` saying what to pass.
fn content_part(name: &str, v: &Bound<'_, PyAny>) -> PyResult<Part> {
    if is_path(v)? {
        let path: PathBuf = v.extract()?;
        return Ok(Part::file(name, path));
    }
    if is_bytes(v) {
        return Ok(Part::bytes(name, v.extract()?));
    }
    let type_name = v.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "?".into());
    if v.hasattr("read")? {
        return Err(PyTypeError::new_err(format!(
            "the file `{name}` is an open file ({type_name}): pass its pathlib.Path instead, so it is \
             streamed from disk while sending (never read whole into memory)"
        )));
    }
    Err(PyTypeError::new_err(format!(
        "the file `{name}` must be a pathlib.Path, bytes, or a (filename, content[, content_type]) tuple, got {type_name}"
    )))
}
