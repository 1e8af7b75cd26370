//! Fiks API calls: the Fiks headers on an allowed URL, one deadline, the one retry rule, and
//! one token renewal after a 401.

use std::sync::Arc;
use std::time::Duration;

use url::Url;

use crate::cache::Eviction;
use crate::client::{Client, Inner};
use crate::error::{ApiError, Error, ResponseHeaders, Result};
use crate::fiks_error::parse_fiks_error;
use crate::headers::FiksHeaders;
use crate::request::{FiksRequest, FiksResponse};
use crate::retry::{Deadline, retryable};
use crate::token::Token;

impl Client {
    /// Sends a request to the Fiks API with the Fiks headers. A non-2xx answer is an
    /// [`Error::Api`] carrying the parsed Fiks error and the raw body.
    ///
    /// - The URL must be allowed to receive the Fiks headers ([`crate::FiksOrigins`]).
    /// - The whole call — a token fetch, retries, backoff and `Retry-After` waits — ends by
    ///   [`FiksRequest::timeout`] (default `retry_deadline_seconds`); each HTTP exchange also by
    ///   `timeout_seconds`.
    /// - Failures are retried by [`crate::retry::retryable`] (idempotent methods only, except
    ///   connect failures).
    /// - A 401 evicts the token and retries once with a fresh one; a 401 to a token fetched
    ///   after a 401 fails with [`ApiError::integrasjon_refused`] and fetches nothing more.
    pub async fn request(&self, request: FiksRequest) -> Result<FiksResponse> {
        request.check()?;
        let url = self.inner.origins.resolve_in(request.service_name(), &request.path)?;
        let config = &self.inner.config;
        let deadline = Deadline::after(request.timeout.unwrap_or(config.retry_deadline().max(config.timeout())));
        let policy = self.inner.retry_policy();
        let maskinporten = !self.speaker.is_person();
        let mut attempt = 0u32;
        let mut renewed_after_401 = false;
        let method = request.method.as_str();
        let path = crate::log::path_of(&url);
        let failed = |err: Error, attempts: u32| {
            let error_id = err.as_api().and_then(ApiError::error_id).unwrap_or("");
            let status = err.http_status().unwrap_or(0);
            tracing::info!(method, path, status, error_id, attempts, error = %err, "the Fiks request failed");
            err
        };
        loop {
            let (headers, token) = match self.headers_within(&deadline).await {
                Ok(h) => h,
                Err(err) => return Err(failed(err, attempt)),
            };
            let started = std::time::Instant::now();
            let (err, retry_after) =
                match self.inner.send_once(&url, &request, &headers, &deadline, self.speaker.is_person()).await {
                    Ok(resp) => {
                        tracing::debug!(
                            method,
                            path,
                            status = resp.status,
                            bytes = resp.body.len(),
                            elapsed_ms = started.elapsed().as_millis() as u64,
                            "Fiks answered"
                        );
                        return Ok(resp);
                    }
                    Err(failure) => failure,
                };
            tracing::debug!(method, path, status = err.http_status().unwrap_or(0), error = %err, "the Fiks exchange failed");
            if err.http_status() == Some(401)
                && maskinporten
                && let Some(tok) = &token
            {
                let eviction = if renewed_after_401 {
                    Eviction::Refused
                } else {
                    self.inner.evict_default(|t| Arc::ptr_eq(t, tok))
                };
                if eviction != Eviction::Refused {
                    tracing::debug!("Fiks answered 401: retrying once with a fresh token");
                    renewed_after_401 = true;
                    continue;
                }
                tracing::warn!(
                    method,
                    path,
                    "Fiks answered 401 to a fresh token: it refuses the integrasjon (id or password)"
                );
                return Err(failed(refused(err), attempt + 1));
            }
            attempt += 1;
            match policy.delay(attempt, &deadline, retry_after).filter(|_| retryable(&err, request.is_idempotent())) {
                Some(delay) => {
                    tracing::info!(method, path, attempt, delay_ms = delay.as_millis() as u64, error = %err, "retrying the Fiks request");
                    tokio::time::sleep(delay).await;
                }
                None => return Err(failed(err, attempt)),
            }
        }
    }

    /// The headers (and our token, to evict after a 401), waiting for a token no longer than
    /// the call's deadline.
    async fn headers_within(&self, deadline: &Deadline) -> Result<(Arc<FiksHeaders>, Option<Arc<Token>>)> {
        if let Some(h) = self.cached_headers() {
            let token =
                (!self.speaker.is_person()).then(|| self.inner.default_slot.valid().map(|e| e.token.clone())).flatten();
            return Ok((h, token));
        }
        match tokio::time::timeout(deadline.remaining(), self.headers_slow()).await {
            Ok(r) => r,
            Err(_) => Err(deadline.passed("waiting for a Maskinporten token")),
        }
    }
}

/// Marks a 401 as Fiks refusing the integrasjon.
fn refused(err: Error) -> Error {
    match err {
        Error::Api(mut a) => {
            a.integrasjon_refused = true;
            Error::Api(a)
        }
        other => other,
    }
}

impl Inner {
    async fn send_once(
        &self,
        url: &Url,
        request: &FiksRequest,
        headers: &FiksHeaders,
        deadline: &Deadline,
        person: bool,
    ) -> std::result::Result<FiksResponse, (Error, Option<Duration>)> {
        let mut b = self.http.request(request.method.clone(), url.clone());
        for (name, value) in &request.headers {
            b = b.header(name.as_str(), value.as_str());
        }
        b = b.headers(headers.to_header_map());
        if let Some(parts) = &request.parts {
            // The form sets Content-Type with its boundary; files are opened for this attempt.
            b = b.multipart(crate::multipart::form(parts).await.map_err(|e| (e, None))?);
        } else {
            if let Some(body) = &request.body {
                b = b.body(body.clone());
            }
            if let Some(ct) = request.content_type() {
                b = b.header(reqwest::header::CONTENT_TYPE, ct);
            }
        }
        let cap = crate::transport::BodyCap::Fiks {
            max_response_bytes: usize::try_from(self.config.max_response_bytes()).unwrap_or(usize::MAX),
        };
        let answer =
            crate::transport::exchange(b, deadline.attempt_timeout(self.config.timeout()), "the Fiks request", cap)
                .await?;
        let status = answer.status;
        let headers: Vec<(String, String)> = answer
            .headers
            .iter()
            .map(|(n, v)| (n.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect();
        if (200..300).contains(&status) {
            return Ok(FiksResponse { status, headers, body: answer.body });
        }
        let mut err = api_error_from(status, answer.body, ResponseHeaders::of(&answer.headers), person);
        if let Error::Api(a) = &mut err {
            a.body_truncated = answer.truncated;
        }
        Err((err, answer.retry_after))
    }
}

/// Builds the API error for a non-2xx answer, parsing the Fiks error body when there is one.
pub(crate) fn api_error_from(status: u16, body: Vec<u8>, headers: ResponseHeaders, person_token: bool) -> Error {
    let parsed = parse_fiks_error(&body);
    Error::Api(Box::new(ApiError {
        status,
        body: parsed,
        raw: body,
        body_truncated: false,
        integrasjon_refused: false,
        person_token,
        headers,
    }))
}
