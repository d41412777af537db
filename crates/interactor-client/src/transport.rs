//! Sending a call: attempts, retries, token refresh, idempotency keys and tracing.

use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use http::header::{AUTHORIZATION, CONTENT_TYPE};
use http::{HeaderMap, HeaderName, HeaderValue};
use tracing::{Instrument, field};

use crate::auth::Authenticator;
use crate::error::{Error, Result};
use crate::model::{ApiErrorBody, ErrorCode, ErrorEnvelope};
use crate::options::RequestOptions;
use crate::request::{Call, Decoder, Replay};
use crate::retry::{RetryConfig, advertised_wait};

const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
const TRACEPARENT: HeaderName = HeaderName::from_static("traceparent");
/// Stands in for a deadline too far away to represent.
const FAR_FUTURE: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

/// The shared state of a client: one HTTP connection pool, its settings and its tokens.
pub(crate) struct Transport {
    pub(crate) http: reqwest::Client,
    pub(crate) base_url: String,
    pub(crate) auth_base_url: String,
    pub(crate) auth: Authenticator,
    pub(crate) timeout: Duration,
    pub(crate) deadline: Duration,
    pub(crate) retry: RetryConfig,
}

/// A complete answer of one attempt.
struct Answer {
    status: u16,
    headers: HeaderMap,
    body: Bytes,
}

impl Answer {
    fn request_id(&self) -> Option<&str> {
        self.headers.get(REQUEST_ID)?.to_str().ok()
    }
}

/// Why an attempt did not succeed.
enum Failure {
    Timeout,
    Transport(reqwest::Error),
    Status(Box<Answer>, Option<ApiErrorBody>),
}

impl Transport {
    pub(crate) async fn execute<T>(
        &self,
        call: Call,
        options: RequestOptions,
        decode: Decoder<T>,
    ) -> Result<T> {
        let span = tracing::debug_span!(
            "interactor.request",
            operation = call.operation,
            method = %call.method,
            path = %call.path,
            instance_id = call.instance_id.as_deref(),
            idempotency_key = field::Empty,
            attempts = field::Empty,
            status = field::Empty,
            request_id = field::Empty,
        );
        let result = self
            .run(&call, options, decode)
            .instrument(span.clone())
            .await;
        if let Err(err) = &result {
            span.in_scope(|| tracing::debug!(error = %err, "request failed"));
        }
        result
    }

    async fn run<T>(&self, call: &Call, options: RequestOptions, decode: Decoder<T>) -> Result<T> {
        let started = Instant::now();
        let deadline = started
            .checked_add(options.deadline.unwrap_or(self.deadline))
            .unwrap_or_else(|| started + FAR_FUTURE);
        let attempt_limit = options.timeout.unwrap_or(self.timeout);
        let mut schedule = options.retry.as_ref().unwrap_or(&self.retry).schedule();
        let headers = fixed_headers(call, &options)?;
        let url = if call.absolute {
            call.path.clone()
        } else {
            format!("{}{}", self.base_url, call.path)
        };
        let replay_safe = call.replay != Replay::Unsafe;
        let op_span = tracing::Span::current();

        let mut attempts = 0_u32;
        let mut refreshed_after_401 = false;
        loop {
            attempts += 1;
            op_span.record("attempts", attempts);
            let remaining = deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                return Err(Error::Timeout {
                    elapsed: started.elapsed(),
                    attempts: attempts - 1,
                });
            }

            let auth = if self.auth.can_refresh() {
                // Fetching a token counts against the deadline like any attempt.
                match tokio::time::timeout(remaining, self.auth.header()).await {
                    Ok(auth) => auth?,
                    Err(_elapsed) => {
                        return Err(Error::Timeout {
                            elapsed: started.elapsed(),
                            attempts: attempts - 1,
                        });
                    }
                }
            } else {
                self.auth.header().await?
            };
            let attempt_span = tracing::debug_span!(
                "attempt",
                attempt = attempts,
                status = field::Empty,
                request_id = field::Empty
            );
            let sent = self.send(call, &url, &headers, auth.clone());
            let outcome = tokio::time::timeout(remaining.min(attempt_limit), sent)
                .instrument(attempt_span.clone())
                .await;

            let failure = match outcome {
                Err(_elapsed) => Failure::Timeout,
                Ok(Err(err)) => Failure::Transport(err),
                Ok(Ok(answer)) => {
                    let request_id = answer.request_id();
                    for span in [&attempt_span, &op_span] {
                        span.record("status", answer.status);
                        span.record("request_id", request_id);
                    }
                    if (200..300).contains(&answer.status) {
                        return decode(&answer.body).map_err(|source| Error::Decode {
                            status: answer.status,
                            request_id: answer.request_id().map(str::to_owned),
                            source,
                        });
                    }
                    if answer.status == 401 && self.auth.can_refresh() && !refreshed_after_401 {
                        refreshed_after_401 = true;
                        if let Some(rejected) = &auth {
                            self.auth.reject(rejected);
                        }
                        attempt_span
                            .in_scope(|| tracing::debug!("401: replaying with a new token"));
                        continue;
                    }
                    let body = serde_json::from_slice::<ErrorEnvelope>(&answer.body)
                        .ok()
                        .map(|envelope| envelope.error);
                    Failure::Status(Box::new(answer), body)
                }
            };

            let wait = retry_wait(&failure, replay_safe, &mut schedule);
            match wait {
                Some(wait)
                    if Instant::now()
                        .checked_add(wait)
                        .is_some_and(|at| at < deadline) =>
                {
                    attempt_span.in_scope(|| tracing::debug!(?wait, "retrying"));
                    tokio::time::sleep(wait).await;
                }
                _ => return Err(into_error(failure, attempts, started)),
            }
        }
    }

    async fn send(
        &self,
        call: &Call,
        url: &str,
        headers: &HeaderMap,
        auth: Option<HeaderValue>,
    ) -> reqwest::Result<Answer> {
        let mut request = self
            .http
            .request(call.method.clone(), url)
            .headers(headers.clone());
        if let Some(auth) = auth {
            request = request.header(AUTHORIZATION, auth);
        }
        if !call.query.is_empty() {
            request = request.query(&call.query);
        }
        if let Some(body) = &call.body {
            request = request.body(body.clone());
        }

        let response = request.send().await?;
        let status = response.status().as_u16();
        // A success needs only its request id; failures keep every header (rate limits).
        let headers = if response.status().is_success() {
            let mut kept = HeaderMap::new();
            if let Some(id) = response.headers().get(REQUEST_ID) {
                kept.insert(REQUEST_ID, id.clone());
            }
            kept
        } else {
            response.headers().clone()
        };
        let body = response.bytes().await?;
        Ok(Answer {
            status,
            headers,
            body,
        })
    }
}

/// The headers every attempt of a call carries; the idempotency key is fixed here, once.
fn fixed_headers(call: &Call, options: &RequestOptions) -> Result<HeaderMap> {
    let mut headers = HeaderMap::new();
    if call.body.is_some() {
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    }

    let key = match (&options.idempotency_key, call.replay) {
        (Some(key), _) => Some(key.clone()),
        (None, Replay::Keyed) => Some(uuid::Uuid::new_v4().to_string()),
        (None, _) => None,
    };
    if let Some(key) = key {
        tracing::Span::current().record("idempotency_key", key.as_str());
        headers.insert(IDEMPOTENCY_KEY, header_value("Idempotency-Key", &key)?);
    }
    if let Some(id) = &options.request_id {
        headers.insert(REQUEST_ID, header_value("X-Request-Id", id)?);
    }
    if let Some(traceparent) = &options.traceparent {
        headers.insert(TRACEPARENT, header_value("traceparent", traceparent)?);
    }
    Ok(headers)
}

fn header_value(name: &str, value: &str) -> Result<HeaderValue> {
    HeaderValue::from_str(value).map_err(|_| {
        Error::config(format!(
            "{name} contains characters not allowed in a header"
        ))
    })
}

/// Whether a 429 is a rate limit (worth waiting for) rather than a quota.
fn is_rate_limit(status: u16, body: Option<&ApiErrorBody>) -> bool {
    status == 429 && body.is_none_or(|body| body.code == ErrorCode::RateLimited)
}

/// How long to wait before the next attempt, or `None` to give up now.
fn retry_wait(
    failure: &Failure,
    replay_safe: bool,
    schedule: &mut crate::retry::Schedule,
) -> Option<Duration> {
    match failure {
        Failure::Timeout => {
            if replay_safe {
                schedule.next_delay()
            } else {
                None
            }
        }
        // A connection that was never made carried nothing: safe to retry for every call.
        Failure::Transport(err) if replay_safe || err.is_connect() => schedule.next_delay(),
        Failure::Transport(_) => None,
        Failure::Status(answer, body) if is_rate_limit(answer.status, body.as_ref()) => {
            if !replay_safe {
                return None;
            }
            let backoff = schedule.next_delay()?;
            Some(advertised_wait(&answer.headers, SystemTime::now()).unwrap_or(backoff))
        }
        Failure::Status(answer, _) if matches!(answer.status, 502..=504) && replay_safe => {
            let backoff = schedule.next_delay()?;
            let advertised = advertised_wait(&answer.headers, SystemTime::now());
            Some(advertised.map_or(backoff, |wait| wait.max(backoff)))
        }
        Failure::Status(..) => None,
    }
}

fn into_error(failure: Failure, attempts: u32, started: Instant) -> Error {
    match failure {
        Failure::Timeout => Error::Timeout {
            elapsed: started.elapsed(),
            attempts,
        },
        Failure::Transport(source) => Error::Transport { source, attempts },
        Failure::Status(answer, body) if is_rate_limit(answer.status, body.as_ref()) => {
            let request_id = body
                .and_then(|body| body.request_id)
                .or_else(|| answer.request_id().map(str::to_owned));
            Error::RateLimited {
                retry_after: advertised_wait(&answer.headers, SystemTime::now())
                    .unwrap_or_default(),
                request_id,
                attempts,
            }
        }
        Failure::Status(answer, body) => api_error(&answer, body, attempts),
    }
}

fn api_error(answer: &Answer, body: Option<ApiErrorBody>, attempts: u32) -> Error {
    let header_request_id = answer.request_id().map(str::to_owned);
    match body {
        Some(body) => Error::Api {
            status: answer.status,
            code: body.code,
            message: body.message,
            details: body.details.filter(|d| !d.is_null()).map(Box::new),
            request_id: body.request_id.or(header_request_id),
            attempts,
        },
        None => Error::Api {
            status: answer.status,
            code: ErrorCode::Unknown(format!("http_{}", answer.status)),
            message: body_excerpt(&answer.body),
            details: None,
            request_id: header_request_id,
            attempts,
        },
    }
}

/// The start of a body that is not an API error, for the error message.
fn body_excerpt(body: &[u8]) -> String {
    const LIMIT: usize = 200;
    let text = String::from_utf8_lossy(body);
    let mut excerpt: String = text.chars().take(LIMIT).collect();
    if text.chars().count() > LIMIT {
        excerpt.push('…');
    }
    excerpt
}
