//! `call METHOD PATH_OR_URL [--data …|--form …] [--header 'K: V']… [--service S] [--integrasjon N]`:
//! a Fiks API call, like httpie.

use std::io::Read;
use std::time::Instant;

use fiks_integrasjon::{FiksRequest, FiksResponse};
use serde_json::{Value, json};

use crate::args::{CallArgs, Global};
use crate::failure::Failure;
use crate::{client, form, json_output, output, settings};

/// The request body and its content type (a `--header 'Content-Type: …'` replaces it).
struct Body {
    bytes: Vec<u8>,
    content_type: String,
}

/// What `--json` tells about the request: filled in as the call gets that far.
#[derive(Debug, Default)]
struct Sent {
    /// The URL the path resolved to.
    url: Option<String>,
    /// The IntegrasjonId the client sends.
    integrasjon_id: Option<String>,
    /// How many multipart parts.
    parts: usize,
}

impl Sent {
    /// `{"method", "service", "url", "integrasjon", "integrasjon_id", "parts"}`.
    fn json(&self, args: &CallArgs) -> Value {
        json!({
            "method": args.method.trim().to_ascii_uppercase(),
            "service": args.service.as_deref().unwrap_or(fiks_integrasjon::config::FIKS_SERVICE),
            "url": self.url,
            "integrasjon": args.integrasjon,
            "integrasjon_id": self.integrasjon_id,
            "parts": self.parts,
        })
    }
}

/// Sends the request with the Fiks headers and prints the answer: its body (after the status
/// line and headers with `-i`), or with `--json` one JSON document, also for a failure.
pub fn run(global: &Global, args: &CallArgs) -> Result<(), Failure> {
    let pretty = !args.raw && (args.pretty || output::stdout_is_terminal());
    let mut sent = Sent::default();
    match send(global, args, &mut sent) {
        Ok(answer) if args.json => print_json(&with_request(json_output::answer(&answer), &sent, args), pretty),
        Ok(answer) => {
            if args.include {
                print_head(answer.status, answer.headers.iter().map(|(n, v)| (n, v)))?;
            }
            print_body(&answer.body, answer.is_json(), pretty, args.raw)
        }
        Err(f) => {
            if args.json {
                print_json(&with_request(json_output::failure(&f), &sent, args), pretty)?;
            } else if args.include
                && let Some(api) = f.api()
            {
                print_head(api.status, api.headers.iter())?;
                print_body(&api.raw, api.body.is_some(), pretty, args.raw)?;
            }
            Err(f)
        }
    }
}

/// `document` with `"request"` added (an answer or `{"error": …}`).
fn with_request(mut document: Value, sent: &Sent, args: &CallArgs) -> Value {
    if let Value::Object(map) = &mut document {
        map.insert("request".into(), sent.json(args));
    }
    document
}

/// The hint of an unknown `--service` (the core's message lists the services).
const SERVICE_HINT: &str = "give `fiks`, `svarut` (with an `environment` preset) or a name of the configuration's `[services]` table, or add one there: NAME = \"https://base/url\"";

/// Sends the request and returns the answer (a non-2xx answer is the failure).
fn send(global: &Global, args: &CallArgs, sent: &mut Sent) -> Result<FiksResponse, Failure> {
    let method = FiksRequest::parse_method(&args.method)
        .map_err(|e| Failure::from(e).hinted("give an HTTP method first: GET, POST, PUT, PATCH or DELETE"))?;
    let headers = parse_headers(&args.headers)?;
    let typed = headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("content-type"));
    let body = match &args.data {
        Some(data) => Some(read_body(data, typed)?),
        None => None,
    };
    let parts = form::parts(&args.parts, || read_stdin("the --form-json part"))?;
    if !parts.is_empty() && typed {
        return Err(Failure::usage(
            "a Content-Type --header cannot go with --form: the body is multipart/form-data with its own boundary",
            "drop the Content-Type header (give a part's type as -F 'name=@file;type=MIME')",
        ));
    }
    let full_url = args.path.starts_with("http://") || args.path.starts_with("https://");
    if args.service.is_some() && full_url {
        return Err(Failure::usage(
            "--service joins a path onto a service's base URL, but a full URL was given",
            "give a path (/tjenester/api/…) with --service, or leave --service out with a full URL",
        ));
    }

    let loaded = settings::load(global)?;
    let client = client::speaker(loaded.build()?, args.integrasjon.as_deref())?;
    sent.integrasjon_id = client.integrasjon_id().map(str::to_string);
    let mut request = FiksRequest::new(method.clone(), args.path.clone());
    if let Some(service) = &args.service {
        request = request.service(service.clone());
    }
    let bound = client.async_client();
    let origins = bound.origins();
    origins.service(request.service_name()).map_err(|e| Failure::from(e).hinted(SERVICE_HINT))?;
    sent.url = Some(origins.resolve_in(request.service_name(), &args.path)?.to_string());
    if let Some(body) = body {
        request = request.body(body.bytes, body.content_type);
    }
    if !parts.is_empty() {
        sent.parts = parts.len();
        request = request.multipart(parts)?;
    }
    // The core's header rule: a `Content-Type` header replaces the body's type.
    for (name, value) in headers {
        request = request.header(name, value);
    }
    let started = Instant::now();
    let answer = client.request(request)?;
    tracing::info!(
        status = answer.status,
        bytes = answer.body.len(),
        took = %output::duration(started.elapsed()),
        service = args.service.as_deref().unwrap_or(fiks_integrasjon::config::FIKS_SERVICE),
        integrasjon = args.integrasjon.as_deref().unwrap_or("(default)"),
        "{method} {}",
        args.path
    );
    Ok(answer)
}

/// `Name: value` flags into pairs, each checked by the core's header rule.
fn parse_headers(raw: &[String]) -> Result<Vec<(String, String)>, Failure> {
    raw.iter()
        .map(|h| {
            let Some((name, value)) = h.split_once(':') else {
                return Err(Failure::usage(
                    format!("`--header {h}` is not `Name: value`"),
                    "write headers as --header 'Accept: application/json'",
                ));
            };
            let (name, value) = (name.trim(), value.trim());
            fiks_integrasjon::request::check_header(name, value)
                .map_err(|e| Failure::from(e).hinted("write headers as --header 'Accept: application/json'"))?;
            Ok((name.to_string(), value.to_string()))
        })
        .collect()
}

/// Reads `--data`: literal text, `@FILE`, or `@-` for stdin. Without a `Content-Type` header
/// (`typed`) the body must be JSON.
fn read_body(data: &str, typed: bool) -> Result<Body, Failure> {
    let bytes = match data.strip_prefix('@') {
        Some("-") => read_stdin("the body")?,
        Some(path) => std::fs::read(path).map_err(|e| {
            Failure::usage(
                format!("cannot read the body file `{path}`: {e}"),
                "check the path after @ (use @- to read stdin)",
            )
        })?,
        None => data.as_bytes().to_vec(),
    };
    if typed {
        return Ok(Body { bytes, content_type: "application/octet-stream".to_string() });
    }
    match serde_json::from_slice::<serde_json::Value>(&bytes) {
        Ok(_) => Ok(Body { bytes, content_type: "application/json".to_string() }),
        Err(e) => Err(Failure::usage(
            format!("the --data body is not JSON ({e})"),
            "give valid JSON, e.g. --data '{\"sok\": \"byggesak\"}', or name the type with --header 'Content-Type: …'",
        )),
    }
}

/// All of stdin, for `what` (`--data @-`, `--form-json name=@-`).
fn read_stdin(what: &str) -> Result<Vec<u8>, Failure> {
    let mut buf = Vec::new();
    std::io::stdin().read_to_end(&mut buf).map_err(|e| {
        Failure::usage(format!("cannot read {what} from stdin: {e}"), "pipe it in, or name a file with @FILE")
    })?;
    Ok(buf)
}

/// One JSON document and a newline on stdout.
fn print_json(value: &Value, pretty: bool) -> Result<(), Failure> {
    let text = if pretty { serde_json::to_string_pretty(value) } else { serde_json::to_string(value) };
    let text =
        text.map_err(|e| Failure::usage(format!("cannot write the answer as JSON: {e}"), "report this as a bug"))?;
    output::write_stdout(format!("{text}\n").as_bytes())
}

/// `HTTP 200 OK`, then `name: value` per header in the order received, then an empty line.
fn print_head<N: AsRef<str>, V: AsRef<str>>(status: u16, headers: impl Iterator<Item = (N, V)>) -> Result<(), Failure> {
    let mut text = match reason(status) {
        Some(reason) => format!("HTTP {status} {reason}\n"),
        None => format!("HTTP {status}\n"),
    };
    for (name, value) in headers {
        text.push_str(&format!("{}: {}\n", name.as_ref(), value.as_ref()));
    }
    text.push('\n');
    output::write_stdout(text.as_bytes())
}

/// The body on stdout: JSON pretty-printed when asked (or on a terminal), anything else as is.
/// A text body (valid UTF-8) that lacks a trailing newline gets one, so a shell prompt or the
/// next line of a pipe does not run into it; a binary body never does, nor anything with `raw`.
fn print_body(body: &[u8], says_json: bool, pretty: bool, raw: bool) -> Result<(), Failure> {
    if body.is_empty() {
        return Ok(());
    }
    if pretty
        && says_json
        && let Ok(value) = serde_json::from_slice::<serde_json::Value>(body)
    {
        let text = serde_json::to_string_pretty(&value).unwrap_or_else(|_| String::from_utf8_lossy(body).into_owned());
        return output::write_stdout(format!("{text}\n").as_bytes());
    }
    output::write_stdout(body)?;
    if needs_newline(body, raw) {
        output::write_stdout(b"\n")?;
    }
    Ok(())
}

/// Whether a newline is added after the body: a text body without one, unless `raw`.
fn needs_newline(body: &[u8], raw: bool) -> bool {
    !raw && !body.is_empty() && !body.ends_with(b"\n") && std::str::from_utf8(body).is_ok()
}

/// The reason phrase of the common statuses (RFC 9110 and 6585).
fn reason(status: u16) -> Option<&'static str> {
    Some(match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        206 => "Partial Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        409 => "Conflict",
        410 => "Gone",
        413 => "Content Too Large",
        415 => "Unsupported Media Type",
        418 => "I'm a teapot",
        422 => "Unprocessable Content",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_parse_by_the_core_rule() {
        let h = parse_headers(&["Accept: application/json".into(), "content-type:text/plain".into()]).unwrap();
        assert_eq!(h[1], ("content-type".to_string(), "text/plain".to_string()));
        assert!(parse_headers(&["no colon".into()]).is_err());
        assert!(parse_headers(&[": value".into()]).is_err());
        assert!(parse_headers(&["Bad Name: x".into()]).is_err());
    }

    #[test]
    fn bodies_must_be_json_unless_typed() {
        assert_eq!(read_body("{\"sok\":\"x\"}", false).unwrap().content_type, "application/json");
        assert!(read_body("not json", false).is_err());
        assert_eq!(read_body("<a/>", true).unwrap().bytes, b"<a/>");
        let e = read_body("@/definitely/not/here.json", false).err().unwrap();
        assert_eq!(e.code, 2);
    }

    #[test]
    fn only_text_bodies_get_a_newline() {
        assert!(needs_newline(b"{}", false));
        assert!(!needs_newline(b"{}\n", false));
        assert!(!needs_newline(b"{}", true));
        assert!(!needs_newline(b"", false));
        assert!(!needs_newline(&[0x25, 0x50, 0x44, 0x46, 0xe2, 0xe3], false), "binary bodies stay exact");
    }
}
