//! Shared test setup: the workspace fixture's cached PKI, async starts on the test's own
//! runtime, a tiny HTTP client, and grant signing done here (not with the client library).
#![allow(dead_code)]

use std::io;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{self, RsaKeyPair};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper::header::HeaderMap;
use hyper_util::rt::TokioIo;
use serde_json::{Map, Value, json};
use tokio::net::TcpStream;

use fiks_integrasjon_mock::{MockOptions, MockServer, Pki};

/// The cached test PKI, and the default options with it, from the shared fixture.
pub use fiks_integrasjon_mock::testing::{options, pki};

pub async fn mock() -> MockServer {
    MockServer::start(options()).await.expect("mock starts")
}

pub async fn mock_with(o: MockOptions) -> MockServer {
    MockServer::start(MockOptions { pki: Some(pki()), ..o }).await.expect("mock starts")
}

pub fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).expect("clock").as_secs() as i64
}

/// An HTTP answer.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    pub fn content_type(&self) -> &str {
        self.header("content-type").unwrap_or("")
    }
}

fn tls_connector() -> tokio_rustls::TlsConnector {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(rustls_pki_types::CertificateDer::from(pki().ca_der().to_vec())).expect("CA");
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    tokio_rustls::TlsConnector::from(Arc::new(config))
}

/// Sends one request on a fresh connection. `url` is absolute (http or https).
pub async fn request(method: &str, url: &str, headers: &[(&str, &str)], body: &[u8]) -> io::Result<Answer> {
    let (tls, rest) = if let Some(r) = url.strip_prefix("https://") {
        (true, r)
    } else if let Some(r) = url.strip_prefix("http://") {
        (false, r)
    } else {
        return Err(io::Error::other(format!("bad url {url}")));
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let (host, port) = authority.rsplit_once(':').expect("port in url");
    let port: u16 = port.parse().expect("port");
    let stream = TcpStream::connect(("127.0.0.1", port)).await?;
    let req = {
        let mut b = Request::builder().method(method).uri(path).header("host", authority);
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        b.body(Full::new(Bytes::copy_from_slice(body))).map_err(io::Error::other)?
    };
    let resp = if tls {
        let name = rustls_pki_types::ServerName::try_from(host.to_string()).map_err(io::Error::other)?;
        let stream = tls_connector().connect(name, stream).await?;
        let (mut sender, conn) =
            hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.map_err(io::Error::other)?;
        tokio::spawn(conn);
        sender.send_request(req).await.map_err(io::Error::other)?
    } else {
        let (mut sender, conn) =
            hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.map_err(io::Error::other)?;
        tokio::spawn(conn);
        sender.send_request(req).await.map_err(io::Error::other)?
    };
    let (parts, body) = resp.into_parts();
    let body = body.collect().await.map_err(io::Error::other)?.to_bytes();
    Ok(Answer { status: parts.status.as_u16(), headers: parts.headers, body: body.to_vec() })
}

pub const FORM: &str = "application/x-www-form-urlencoded";
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

pub fn form(pairs: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish()
}

/// POSTs a grant to the mock's token endpoint the way a client should.
pub async fn post_grant(mock: &MockServer, assertion: &str) -> Answer {
    let body = form(&[("grant_type", JWT_BEARER), ("assertion", assertion)]);
    request("POST", &mock.token_endpoint(), &[("content-type", FORM)], body.as_bytes()).await.expect("token request")
}

pub fn b64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A grant under construction: header, claims, the key that signs it and the algorithm.
#[derive(Clone)]
pub struct Grant {
    pub header: Map<String, Value>,
    pub claims: Map<String, Value>,
    pub key: Vec<u8>,
    pub alg: &'static str,
}

impl Grant {
    /// A correct grant for `mock` with x5c = [leaf, intermediate].
    pub fn new(mock: &MockServer) -> Grant {
        Grant::for_pki(mock, mock.pki())
    }

    /// A grant for `mock` carrying the certificate chain (and signed with the key) of `pki`.
    pub fn for_pki(mock: &MockServer, pki: &Pki) -> Grant {
        let x5c: Vec<Value> = pki.chain_der().into_iter().map(|d| Value::String(STANDARD.encode(d))).collect();
        let now = now();
        let header = json!({"alg": "RS256", "x5c": x5c});
        let claims = json!({
            "aud": mock.audience(),
            "iss": mock.options().issuer,
            "scope": "ks:fiks",
            "iat": now,
            "exp": now + 100,
            "jti": uuid::Uuid::new_v4().to_string(),
        });
        Grant {
            header: header.as_object().cloned().unwrap_or_default(),
            claims: claims.as_object().cloned().unwrap_or_default(),
            key: pki.key_pkcs8_der().to_vec(),
            alg: "RS256",
        }
    }

    /// A correct grant for `mock` with the PKI's eSeal (no orgnr) in x5c, signed with its key.
    pub fn eseal(mock: &MockServer) -> Grant {
        let mut g = Grant::new(mock);
        let x5c: Vec<Value> =
            mock.pki().eseal_chain_der().into_iter().map(|d| Value::String(STANDARD.encode(d))).collect();
        g.header.insert("x5c".into(), Value::Array(x5c));
        g.key = mock.pki().eseal_key_pkcs8_der().to_vec();
        g
    }

    pub fn header(mut self, k: &str, v: Value) -> Self {
        self.header.insert(k.into(), v);
        self
    }
    pub fn no_header(mut self, k: &str) -> Self {
        self.header.remove(k);
        self
    }
    pub fn claim(mut self, k: &str, v: Value) -> Self {
        self.claims.insert(k.into(), v);
        self
    }
    pub fn no_claim(mut self, k: &str) -> Self {
        self.claims.remove(k);
        self
    }
    /// Registered-key mode: `kid` instead of `x5c`.
    pub fn kid(self, kid: &str) -> Self {
        self.no_header("x5c").header("kid", json!(kid))
    }
    pub fn alg(mut self, alg: &'static str) -> Self {
        self.alg = alg;
        self.header.insert("alg".into(), json!(alg));
        self
    }

    pub fn signing_input(&self) -> String {
        format!(
            "{}.{}",
            b64url(Value::Object(self.header.clone()).to_string().as_bytes()),
            b64url(Value::Object(self.claims.clone()).to_string().as_bytes())
        )
    }

    pub fn signature(&self, input: &str) -> Vec<u8> {
        let key = RsaKeyPair::from_pkcs8(&self.key).expect("RSA key");
        let padding: &'static dyn signature::RsaEncoding = match self.alg {
            "RS384" => &signature::RSA_PKCS1_SHA384,
            "RS512" => &signature::RSA_PKCS1_SHA512,
            _ => &signature::RSA_PKCS1_SHA256,
        };
        let mut sig = vec![0u8; key.public_modulus_len()];
        key.sign(padding, &SystemRandom::new(), input.as_bytes(), &mut sig).expect("sign");
        sig
    }

    /// The compact JWS.
    pub fn sign(&self) -> String {
        let input = self.signing_input();
        let sig = self.signature(&input);
        format!("{input}.{}", b64url(&sig))
    }
}

/// Fetches a valid `ks:fiks` access token from the mock.
pub async fn token(mock: &MockServer) -> String {
    token_for(mock, Grant::new(mock)).await
}

pub async fn token_for(mock: &MockServer, grant: Grant) -> String {
    let a = post_grant(mock, &grant.sign()).await;
    assert_eq!(a.status, 200, "{}", a.text());
    a.json()["access_token"].as_str().expect("access_token").to_string()
}

/// Asserts a Maskinporten error answer.
pub fn assert_mp_error(a: &Answer, status: u16, error: &str, description_has: &str) {
    assert_eq!(a.status, status, "{}", a.text());
    assert!(a.content_type().starts_with("application/json"), "{a:?}");
    let v = a.json();
    assert_eq!(v["error"], error, "{v}");
    let d = v["error_description"].as_str().unwrap_or("");
    assert!(d.contains(description_has), "'{d}' lacks '{description_has}'");
    assert!(v.get("error_uri").is_none());
    assert_eq!(v.as_object().map(|m| m.len()), Some(2), "{v}");
}

/// Asserts the Fiks error format and returns the body.
pub fn assert_fiks_error(a: &Answer, status: u16, path: &str) -> Value {
    assert_eq!(a.status, status, "{}", a.text());
    assert!(a.content_type().starts_with("application/json"), "{a:?}");
    let v = a.json();
    assert_eq!(v["status"], status, "{v}");
    assert!(v["timestamp"].as_u64().is_some_and(|t| t > 1_600_000_000_000), "{v}");
    let id = v["errorId"].as_str().expect("errorId");
    let id = uuid::Uuid::parse_str(id).expect("errorId is a uuid");
    assert_eq!(id.get_version_num(), 4);
    assert_eq!(v["path"], path, "{v}");
    assert!(v["message"].as_str().is_some_and(|m| !m.is_empty()), "{v}");
    let reason = hyper::StatusCode::from_u16(status).ok().and_then(|s| s.canonical_reason()).unwrap_or("Unknown");
    assert_eq!(v["error"], reason);
    v
}

/// The three Fiks headers for `token`.
pub fn fiks_headers(mock: &MockServer, token: &str) -> Vec<(String, String)> {
    vec![
        ("Authorization".into(), format!("Bearer {token}")),
        ("IntegrasjonId".into(), mock.options().integrasjon_id.clone()),
        ("IntegrasjonPassord".into(), mock.options().integrasjon_passord.clone()),
    ]
}

pub fn refs(h: &[(String, String)]) -> Vec<(&str, &str)> {
    h.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

/// Lowercase hex SHA-256, computed here (not with the mock's code).
pub fn sha256_hex(bytes: &[u8]) -> String {
    aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, bytes).as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// The three Fiks headers for `token` and the integrasjon `(id, passord)`.
pub fn headers_for(token: &str, integrasjon: &(String, String)) -> Vec<(String, String)> {
    vec![
        ("Authorization".into(), format!("Bearer {token}")),
        ("IntegrasjonId".into(), integrasjon.0.clone()),
        ("IntegrasjonPassord".into(), integrasjon.1.clone()),
    ]
}

/// Sends `request` (the whole HTTP/1.1 request text, with `Connection: close`) on a fresh
/// connection to `addr` and returns the whole answer as text, head and body: for reading the
/// headers exactly as they were sent.
pub fn raw_exchange(addr: std::net::SocketAddr, request: &str) -> String {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(std::time::Duration::from_secs(10))).expect("timeout");
    s.write_all(request.as_bytes()).expect("write");
    let mut out = Vec::new();
    s.read_to_end(&mut out).expect("read");
    String::from_utf8_lossy(&out).into_owned()
}

/// Every value of header `name` (any case) in the head of a raw answer, in order.
pub fn raw_header_values(answer: &str, name: &str) -> Vec<String> {
    let head = answer.split("\r\n\r\n").next().unwrap_or("");
    head.split("\r\n")
        .skip(1)
        .filter_map(|line| line.split_once(':'))
        .filter(|(k, _)| k.trim().eq_ignore_ascii_case(name))
        .map(|(_, v)| v.trim().to_string())
        .collect()
}

/// A control endpoint's answer to a POST of `body`.
pub async fn control(mock: &MockServer, action: &str, body: &Value) -> Answer {
    let url = format!("{}/{action}", mock.control_url());
    request("POST", &url, &[("content-type", "application/json")], body.to_string().as_bytes()).await.expect("control")
}
