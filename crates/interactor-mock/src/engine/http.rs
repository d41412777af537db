//! HTTP logic: outbound requests with templates, timeouts and retries, test stubs, and a
//! journal of the latest calls.
//!
//! Requests are really sent with reqwest unless a stub matches. A stub matches on the
//! method (when it names one) and the URL: equal, or starting with the stub's URL when
//! that ends in `*`. Stubs are tried newest first; one with `times` stops matching after
//! answering that many calls.
//!
//! Retries: `retry.attempts` is the total number of attempts (default 1). Network errors,
//! timeouts and 5xx answers are retried, after 100 ms × attempt (`linear`) or
//! 100 ms × 2^(attempt−1) (`exponential`, the default). The mock shortens the platform's
//! delays so tests stay fast; the number and order of attempts are the same.
//!
//! The journal keeps the last [`JOURNAL_CAPACITY`] attempts and drops the oldest, like the
//! journal of incoming requests, so that a long-running mock does not grow without bound.
//! The reqwest client (and the TLS roots it loads) is built on the first real request, so
//! that starting a mock whose HTTP logic is stubbed or absent does not pay for it.

use std::collections::VecDeque;
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use crate::clock::Clock;
use indexmap::IndexMap;
use interactor_client::model::{Backoff, HttpLogic as HttpLogicSpec};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::CallContext;
use crate::template::{TemplateScope, render_string, render_value};

/// Timeout of an HTTP logic request without a `timeout`, in milliseconds.
pub const DEFAULT_TIMEOUT_MS: u64 = 30_000;

/// Outbound attempts kept in the journal; older ones are dropped.
pub const JOURNAL_CAPACITY: usize = 10_000;

const RETRY_BASE: Duration = Duration::from_millis(100);

/// A canned answer for HTTP logic requests (`POST /_mock/http-stubs`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HttpStub {
    /// Only requests with this method (any when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// The URL to answer; a trailing `*` matches every URL that starts with the rest.
    pub url: String,
    /// The status to answer with.
    #[serde(default = "ok_status")]
    pub status: u16,
    /// The JSON body to answer with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    /// Response headers.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub headers: IndexMap<String, String>,
    /// How long to wait before answering.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay_ms: Option<u64>,
    /// How many calls to answer before the stub stops matching (unlimited when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<u32>,
}

fn ok_status() -> u16 {
    200
}

impl HttpStub {
    fn matches(&self, method: &str, url: &str) -> bool {
        let method_ok = self
            .method
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case(method));
        let url_ok = match self.url.strip_suffix('*') {
            Some(prefix) => url.starts_with(prefix),
            None => self.url == url,
        };
        method_ok && url_ok && self.times != Some(0)
    }
}

/// One outbound attempt, as `GET /_mock/http-calls` lists it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HttpCall {
    /// When the attempt started (the mock's clock).
    pub at: DateTime<Utc>,
    /// The instance whose logic made the call.
    pub instance_id: String,
    /// The method.
    pub method: String,
    /// The URL, templates applied.
    pub url: String,
    /// Request headers, templates applied.
    pub headers: IndexMap<String, String>,
    /// The JSON body, templates applied.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    /// 1 for the first attempt.
    pub attempt: u32,
    /// The answer's status, when there was one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Why there was no answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Whether a stub answered.
    pub stubbed: bool,
}

/// A successful call.
#[derive(Clone, Debug)]
pub(crate) struct HttpResponse {
    pub(crate) status: u16,
    pub(crate) body: Value,
    pub(crate) duration: Duration,
}

/// Why a call failed once the retries ran out.
#[derive(Clone, Debug)]
pub(crate) enum HttpFailure {
    /// Every attempt timed out, or the last one did.
    Timeout(String),
    /// A non-2xx answer or a network error.
    Error(String),
}

/// Runs HTTP logic and keeps its stubs and journal.
#[derive(Debug)]
pub struct HttpLogic {
    clock: Clock,
    /// Built on the first request that no stub answers.
    client: OnceLock<reqwest::Client>,
    stubs: Mutex<Vec<HttpStub>>,
    journal: Mutex<VecDeque<HttpCall>>,
}

struct Prepared {
    method: String,
    url: String,
    headers: IndexMap<String, String>,
    body: Option<Value>,
    timeout: Duration,
}

enum Attempt {
    Answer { status: u16, body: Value },
    Timeout,
    Network(String),
}

impl HttpLogic {
    /// A runner with no stubs that stamps its journal with `clock`.
    pub fn new(clock: Clock) -> Self {
        Self {
            clock,
            client: OnceLock::new(),
            stubs: Mutex::default(),
            journal: Mutex::default(),
        }
    }

    /// Adds a stub; the newest matching stub answers.
    pub fn add_stub(&self, stub: HttpStub) {
        self.stubs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(stub);
    }

    /// Removes every stub.
    pub fn clear_stubs(&self) {
        self.stubs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    /// The last [`JOURNAL_CAPACITY`] attempts, oldest first.
    pub fn calls(&self) -> Vec<HttpCall> {
        self.journal
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .cloned()
            .collect()
    }

    /// Forgets stubs and the journal.
    pub fn reset(&self) {
        self.clear_stubs();
        self.journal
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    /// Sends `spec` with templates applied from `scope`, retrying as it says. Blocks the
    /// calling thread, which must not be an async executor's.
    pub(crate) fn execute(
        &self,
        spec: &HttpLogicSpec,
        scope: &TemplateScope<'_>,
        ctx: &CallContext,
        instance_id: &str,
    ) -> Result<HttpResponse, HttpFailure> {
        let prepared = prepare(spec, scope, ctx);
        let attempts = spec
            .retry
            .as_ref()
            .and_then(|r| r.attempts)
            .unwrap_or(1)
            .max(1);
        let linear = spec.retry.as_ref().and_then(|r| r.backoff.as_ref()) == Some(&Backoff::Linear);
        let started = Instant::now();

        let mut last = HttpFailure::Error("no attempt was made".to_owned());
        for attempt in 1..=attempts {
            if attempt > 1 {
                let factor = if linear {
                    attempt - 1
                } else {
                    1 << (attempt - 2).min(16)
                };
                std::thread::sleep(RETRY_BASE * factor);
            }
            let (outcome, stubbed) = self.attempt(&prepared);
            let mut call = HttpCall {
                at: self.clock.now(),
                instance_id: instance_id.to_owned(),
                method: prepared.method.clone(),
                url: prepared.url.clone(),
                headers: prepared.headers.clone(),
                body: prepared.body.clone(),
                attempt,
                status: None,
                error: None,
                stubbed,
            };
            last = match outcome {
                Attempt::Answer { status, body } => {
                    call.status = Some(status);
                    self.log(call);
                    if (200..300).contains(&status) {
                        return Ok(HttpResponse {
                            status,
                            body,
                            duration: started.elapsed(),
                        });
                    }
                    let failure = HttpFailure::Error(format!(
                        "{} {} answered {status}",
                        prepared.method, prepared.url
                    ));
                    if status < 500 {
                        return Err(failure);
                    }
                    failure
                }
                Attempt::Timeout => {
                    call.error = Some("timed out".to_owned());
                    self.log(call);
                    HttpFailure::Timeout(format!(
                        "{} {} did not answer within {} ms",
                        prepared.method,
                        prepared.url,
                        prepared.timeout.as_millis()
                    ))
                }
                Attempt::Network(message) => {
                    call.error = Some(message.clone());
                    self.log(call);
                    HttpFailure::Error(format!(
                        "{} {} failed: {message}",
                        prepared.method, prepared.url
                    ))
                }
            };
            tracing::debug!(url = %prepared.url, attempt, "HTTP logic attempt failed");
        }
        Err(last)
    }

    fn log(&self, call: HttpCall) {
        let mut journal = self.journal.lock().unwrap_or_else(PoisonError::into_inner);
        if journal.len() == JOURNAL_CAPACITY {
            journal.pop_front();
        }
        journal.push_back(call);
    }

    fn take_stub(&self, method: &str, url: &str) -> Option<HttpStub> {
        let mut stubs = self.stubs.lock().unwrap_or_else(PoisonError::into_inner);
        let stub = stubs.iter_mut().rev().find(|s| s.matches(method, url))?;
        if let Some(times) = stub.times.as_mut() {
            *times -= 1;
        }
        Some(stub.clone())
    }

    fn attempt(&self, request: &Prepared) -> (Attempt, bool) {
        if let Some(stub) = self.take_stub(&request.method, &request.url) {
            let delay = Duration::from_millis(stub.delay_ms.unwrap_or(0));
            if delay >= request.timeout {
                std::thread::sleep(request.timeout);
                return (Attempt::Timeout, true);
            }
            std::thread::sleep(delay);
            let body = stub.body.unwrap_or(Value::Null);
            return (
                Attempt::Answer {
                    status: stub.status,
                    body,
                },
                true,
            );
        }
        (self.send(request), false)
    }

    fn send(&self, request: &Prepared) -> Attempt {
        let Ok(method) = reqwest::Method::from_bytes(request.method.as_bytes()) else {
            return Attempt::Network(format!("'{}' is not an HTTP method", request.method));
        };
        let mut builder = self
            .client
            .get_or_init(reqwest::Client::new)
            .request(method, &request.url)
            .timeout(request.timeout);
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        if let Some(body) = &request.body {
            builder = builder.json(body);
        }

        let call = async move {
            let response = builder.send().await?;
            let status = response.status().as_u16();
            let bytes = response.bytes().await?;
            let body = serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
            Ok::<_, reqwest::Error>((status, body))
        };
        let outcome = match tokio::runtime::Handle::try_current() {
            Ok(handle) => handle.block_on(call),
            Err(_) => match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(runtime) => runtime.block_on(call),
                Err(err) => return Attempt::Network(format!("no runtime to send with: {err}")),
            },
        };
        match outcome {
            Ok((status, body)) => Attempt::Answer { status, body },
            Err(err) if err.is_timeout() => Attempt::Timeout,
            Err(err) => Attempt::Network(error_chain(&err)),
        }
    }
}

fn error_chain(err: &dyn std::error::Error) -> String {
    let mut message = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

fn prepare(spec: &HttpLogicSpec, scope: &TemplateScope<'_>, ctx: &CallContext) -> Prepared {
    let method = spec.method.as_str().to_owned();
    let mut headers: IndexMap<String, String> = spec
        .headers
        .iter()
        .map(|(name, value)| (name.clone(), render_string(value, scope)))
        .collect();
    let has = |headers: &IndexMap<String, String>, name: &str| {
        headers.keys().any(|k| k.eq_ignore_ascii_case(name))
    };
    if let Some(traceparent) = &ctx.traceparent
        && !has(&headers, "traceparent")
    {
        headers.insert("traceparent".to_owned(), traceparent.clone());
    }
    if let Some(request_id) = &ctx.request_id
        && !has(&headers, "x-request-id")
    {
        headers.insert("X-Request-Id".to_owned(), request_id.clone());
    }

    Prepared {
        method,
        url: render_string(&spec.url, scope),
        headers,
        body: spec.body.as_ref().map(|b| render_value(b, scope)),
        timeout: Duration::from_millis(spec.timeout.unwrap_or(DEFAULT_TIMEOUT_MS).max(1)),
    }
}
