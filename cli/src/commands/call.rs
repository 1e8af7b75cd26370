//! `call METHOD PATH_OR_URL [--data …] [--header 'K: V']…`: a Fiks API call, like httpie.

use std::io::Read;
use std::time::Instant;

use fiks_integrasjon::{FiksRequest, FiksResponse, blocking};

use crate::args::{CallArgs, Global};
use crate::failure::Failure;
use crate::{output, settings};

/// The request body and its content type (a `--header 'Content-Type: …'` replaces it).
struct Body {
    bytes: Vec<u8>,
    content_type: String,
}

/// Sends the request with the Fiks headers and prints the answer's body.
pub fn run(global: &Global, args: &CallArgs) -> Result<(), Failure> {
    let method = FiksRequest::parse_method(&args.method)
        .map_err(|e| Failure::from(e).hinted("give an HTTP method first: GET, POST, PUT, PATCH or DELETE"))?;
    let headers = parse_headers(&args.headers)?;
    let typed = headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("content-type"));
    let body = match &args.data {
        Some(data) => Some(read_body(data, typed)?),
        None => None,
    };

    let loaded = settings::load(global)?;
    let client = blocking::Client::new(loaded.build()?)?;
    let mut request = FiksRequest::new(method.clone(), args.path.clone());
    if let Some(body) = body {
        request = request.body(body.bytes, body.content_type);
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
        "{method} {}",
        args.path
    );
    print_answer(&answer, args.pretty || output::stdout_is_terminal())
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
        Some("-") => {
            let mut buf = Vec::new();
            std::io::stdin().read_to_end(&mut buf).map_err(|e| {
                Failure::usage(format!("cannot read the body from stdin: {e}"), "pipe the body in, or use --data @FILE")
            })?;
            buf
        }
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

/// The body on stdout: JSON pretty-printed when asked (or on a terminal), anything else as is.
fn print_answer(answer: &FiksResponse, pretty: bool) -> Result<(), Failure> {
    if answer.body.is_empty() {
        return Ok(());
    }
    if pretty && let Ok(value) = serde_json::from_slice::<serde_json::Value>(&answer.body) {
        let text = serde_json::to_string_pretty(&value).unwrap_or_else(|_| answer.text().into_owned());
        return output::write_stdout(format!("{text}\n").as_bytes());
    }
    output::write_stdout(&answer.body)?;
    if output::stdout_is_terminal() && !answer.body.ends_with(b"\n") {
        output::write_stdout(b"\n")?;
    }
    Ok(())
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
}
