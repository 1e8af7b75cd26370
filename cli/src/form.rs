//! `call --form` and `--form-json`: the parts of a `multipart/form-data` body, in curl's `-F`
//! syntax. The core's [`Part`] does the sending (files stream from disk) and checks names and
//! types; here the flags are parsed and every file is checked before anything is sent.
//!
//! ```text
//! -F tittel=Vedtak                                  a text field, the value as written
//! -F 'filer=@vedtak.pdf;type=application/pdf'       a file part, streamed
//! -F 'filer=@"a;b.pdf";filename=vedlegg.pdf'        a quoted path, another file name
//! -F 'forsendelse=<forsendelse.json;type=application/json'   a field holding a file's content
//! --form-json 'forsendelse={"tittel": "Vedtak"}'    a JSON part (also @FILE and @-)
//! ```

use std::path::Path;

use fiks_integrasjon::Part;

use crate::args::FormArg;
use crate::failure::Failure;

/// The hint of a `--form` that does not parse.
const FORM_HINT: &str =
    "write parts as -F name=text, -F 'name=@file[;type=mime][;filename=name]' or -F 'name=<file[;type=mime]'";
/// The hint of a `--form-json` that does not parse.
const JSON_HINT: &str =
    "write JSON parts as --form-json 'name={\"a\": 1}', --form-json name=@file.json or --form-json name=@-";

/// The parts of the flags, in order. Every file is opened here, so a missing or unreadable one
/// fails before the request is sent; at most one `--form-json` may read stdin.
pub fn parts(args: &[FormArg], read_stdin: impl FnMut() -> Result<Vec<u8>, Failure>) -> Result<Vec<Part>, Failure> {
    let mut read_stdin = Some(read_stdin);
    args.iter()
        .map(|arg| match arg {
            FormArg::Form(spec) => form(spec),
            FormArg::Json(spec) => form_json(spec, &mut || match read_stdin.take() {
                Some(mut read) => read(),
                None => Err(Failure::usage(
                    "only one --form-json can read stdin (@-)",
                    "put the other JSON parts in files: --form-json name=@file.json",
                )),
            }),
        })
        .collect()
}

/// `NAME=…` split at the first `=`; the name must not be empty.
fn name_value<'a>(flag: &str, spec: &'a str, hint: &str) -> Result<(&'a str, &'a str), Failure> {
    match spec.split_once('=') {
        Some((name, value)) if !name.is_empty() => Ok((name, value)),
        _ => Err(Failure::usage(format!("`{flag} {spec}` is not NAME=VALUE"), hint)),
    }
}

/// One `--form`: a text field, a file part (`@`) or a field holding a file's content (`<`).
fn form(spec: &str) -> Result<Part, Failure> {
    let (name, value) = name_value("--form", spec, FORM_HINT)?;
    if let Some(rest) = value.strip_prefix('@') {
        let file = FileSpec::parse(spec, rest, true)?;
        check_readable(name, &file.path)?;
        let mut part = Part::file(name, &file.path);
        if let Some(t) = file.content_type {
            part = part.content_type(t);
        }
        if let Some(f) = file.filename {
            part = part.filename(f);
        }
        return Ok(part);
    }
    if let Some(rest) = value.strip_prefix('<') {
        let file = FileSpec::parse(spec, rest, false)?;
        let content = read_file(name, &file.path)?;
        if file.content_type.as_deref().is_some_and(is_json) {
            check_json(name, &content, &format!("the file {}", file.path))?;
        }
        let part = Part::bytes(name, content);
        return Ok(match file.content_type {
            Some(t) => part.content_type(t),
            None => part,
        });
    }
    Ok(Part::text(name, value))
}

/// One `--form-json NAME=JSON|@FILE|@-`: the bytes as given (checked to be JSON), sent as
/// `application/json`.
fn form_json(spec: &str, read_stdin: &mut dyn FnMut() -> Result<Vec<u8>, Failure>) -> Result<Part, Failure> {
    let (name, value) = name_value("--form-json", spec, JSON_HINT)?;
    let (content, what) = match value.strip_prefix('@') {
        Some("-") => (read_stdin()?, "stdin".to_string()),
        Some(path) => (read_file(name, path)?, format!("the file {path}")),
        None => (value.as_bytes().to_vec(), "the text".to_string()),
    };
    check_json(name, &content, &what)?;
    Ok(Part::bytes(name, content).content_type("application/json"))
}

/// The `FILE[;type=MIME][;filename=NAME]` after `@` or `<`.
#[derive(Debug, PartialEq, Eq)]
struct FileSpec {
    path: String,
    content_type: Option<String>,
    filename: Option<String>,
}

impl FileSpec {
    /// Parses the path (`"…"` when it holds `;`) and the `;key=value` parameters after it
    /// (values may be quoted too); `filename` only for a file part.
    fn parse(spec: &str, rest: &str, file_part: bool) -> Result<FileSpec, Failure> {
        let bad = |why: &str| Failure::usage(format!("`--form {spec}`: {why}"), FORM_HINT);
        let (path, mut params) = take_value(rest).ok_or_else(|| bad("a quote is not closed"))?;
        if path.is_empty() {
            return Err(bad("no file after @ or <"));
        }
        let mut out = FileSpec { path, content_type: None, filename: None };
        while !params.is_empty() {
            let Some(after) = params.strip_prefix(';') else {
                return Err(bad("parameters go after the file as ;type=MIME or ;filename=NAME"));
            };
            let (key, value) = after.split_once('=').ok_or_else(|| bad("a parameter is not ;key=value"))?;
            let (value, next) = take_value(value).ok_or_else(|| bad("a quote is not closed"))?;
            match key.trim() {
                "type" => out.content_type = Some(value),
                "filename" if file_part => out.filename = Some(value),
                "filename" => return Err(bad("`;filename=` is for file parts (@FILE); <FILE sends a field")),
                other => return Err(bad(&format!("unknown parameter `;{other}=`: use ;type=MIME or ;filename=NAME"))),
            }
            params = next;
        }
        Ok(out)
    }
}

/// A value up to the next `;`, or a `"…"` (with `\"` and `\\` escapes); `None` when a quote
/// is not closed. Returns the value and what follows it.
fn take_value(text: &str) -> Option<(String, &str)> {
    let Some(quoted) = text.strip_prefix('"') else {
        let end = text.find(';').unwrap_or(text.len());
        return Some((text[..end].to_string(), &text[end..]));
    };
    let mut out = String::new();
    let mut chars = quoted.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => out.push(chars.next()?.1),
            '"' => return Some((out, &quoted[i + 1..])),
            c => out.push(c),
        }
    }
    None
}

/// A file part's file must be a readable regular file now (it is opened again, and streamed,
/// when the request is sent).
fn check_readable(name: &str, path: &str) -> Result<(), Failure> {
    let opened = std::fs::File::open(path).and_then(|f| f.metadata());
    match opened {
        Ok(m) if m.is_file() => Ok(()),
        Ok(_) => Err(Failure::usage(
            format!("cannot send `{path}` as the file of part `{name}`: it is not a regular file"),
            "give a file after @ (a directory cannot be sent)",
        )),
        Err(e) => Err(unreadable(name, Path::new(path), &e)),
    }
}

/// The whole content of a file given with `<` or `--form-json name=@FILE`.
fn read_file(name: &str, path: &str) -> Result<Vec<u8>, Failure> {
    std::fs::read(path).map_err(|e| unreadable(name, Path::new(path), &e))
}

fn unreadable(name: &str, path: &Path, e: &std::io::Error) -> Failure {
    Failure::usage(
        format!("cannot read the file `{}` for part `{name}`: {e}", path.display()),
        "check the path after @ or < (relative paths are from the current directory); nothing was sent",
    )
}

/// Whether a content type is JSON (`application/json`, or a `+json` suffix).
fn is_json(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    essence == "application/json" || essence.ends_with("+json")
}

fn check_json(name: &str, content: &[u8], what: &str) -> Result<(), Failure> {
    serde_json::from_slice::<serde_json::Value>(content)
        .map(drop)
        .map_err(|e| Failure::usage(format!("the JSON part `{name}` is not JSON ({what}: {e})"), JSON_HINT))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_stdin() -> Result<Vec<u8>, Failure> {
        Ok(b"{\"fra\": \"stdin\"}".to_vec())
    }

    fn spec(rest: &str, file_part: bool) -> Result<FileSpec, Failure> {
        FileSpec::parse("x", rest, file_part)
    }

    #[test]
    fn file_specs_take_curls_parameters_and_quotes() {
        assert_eq!(
            spec("a.pdf;type=application/pdf;filename=vedtak.pdf", true).unwrap(),
            FileSpec {
                path: "a.pdf".into(),
                content_type: Some("application/pdf".into()),
                filename: Some("vedtak.pdf".into())
            }
        );
        let quoted = spec(r#""a;b \"c\".pdf";filename="x;y.pdf""#, true).unwrap();
        assert_eq!(quoted.path, r#"a;b "c".pdf"#);
        assert_eq!(quoted.filename.as_deref(), Some("x;y.pdf"));
        assert_eq!(spec("plain.txt", false).unwrap().content_type, None);
        for bad in ["", ";type=x", "\"open", "a.pdf;size=3", "a.pdf;type"] {
            assert!(spec(bad, true).is_err(), "{bad:?}");
        }
        assert!(spec("a.json;filename=b", false).is_err(), "a <FILE field has no file name");
    }

    #[test]
    fn text_fields_are_sent_as_written() {
        let p = form("meta={\"a\": 1};type=application/json").unwrap();
        assert_eq!(p.name(), "meta");
        assert!(p.path().is_none());
        assert!(form("=x").is_err() && form("no-equals").is_err());
    }

    #[test]
    fn missing_files_and_bad_json_fail_before_sending() {
        let e = form("filer=@/definitely/not/here.pdf").unwrap_err();
        assert_eq!(e.code, 2);
        assert!(e.message.contains("/definitely/not/here.pdf") && e.message.contains("filer"), "{}", e.message);
        assert!(form("filer=@/").unwrap_err().message.contains("not a regular file"));
        assert!(form("f=</definitely/not/here.json;type=application/json").is_err());
        assert!(form_json("f={not json", &mut no_stdin).is_err());
        assert!(form_json("f=@/definitely/not/here.json", &mut no_stdin).is_err());
        assert!(form_json("{\"a\":1}", &mut no_stdin).is_err(), "no name");
    }

    #[test]
    fn json_parts_come_from_text_files_or_stdin_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f.json");
        std::fs::write(&file, "{\"fra\": \"fil\"}").unwrap();
        let args = vec![
            FormArg::Json("a={\"fra\": \"tekst\"}".into()),
            FormArg::Form(format!("b=@{}", file.display())),
            FormArg::Json("c=@-".into()),
            FormArg::Form(format!("d=<{};type=application/json", file.display())),
        ];
        let got = parts(&args, no_stdin).unwrap();
        assert_eq!(got.iter().map(Part::name).collect::<Vec<_>>(), ["a", "b", "c", "d"]);
        assert_eq!(got[1].path(), Some(file.as_path()));
        let twice = [FormArg::Json("a=@-".into()), FormArg::Json("b=@-".into())];
        assert!(parts(&twice, no_stdin).unwrap_err().message.contains("only one"));
        assert!(is_json("application/vnd.ks+json; charset=utf-8") && !is_json("text/plain"));
    }
}
