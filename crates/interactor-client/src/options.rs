//! Options of a single request.

use std::time::Duration;

use crate::retry::RetryConfig;

/// Options that apply to one request, overriding the client's settings.
///
/// Usually set through the methods of [`Request`](crate::Request), e.g.
/// `client.instances().get(id).request_id("corr-1").timeout(...)`; a prepared
/// `RequestOptions` can be applied at once with [`Request::options`](crate::Request::options).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[must_use]
pub struct RequestOptions {
    pub(crate) idempotency_key: Option<String>,
    pub(crate) request_id: Option<String>,
    pub(crate) traceparent: Option<String>,
    pub(crate) timeout: Option<Duration>,
    pub(crate) deadline: Option<Duration>,
    pub(crate) retry: Option<RetryConfig>,
}

impl RequestOptions {
    /// No overrides.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sends this `Idempotency-Key` instead of a generated one. Use a key derived from
    /// business identifiers (e.g. `order_123_approval`) to make a create or resume safe to
    /// repeat across process restarts.
    pub fn idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }

    /// Sends `X-Request-Id`, which the server echoes and logs.
    pub fn request_id(mut self, id: impl Into<String>) -> Self {
        self.request_id = Some(id.into());
        self
    }

    /// Sends a W3C `traceparent`, which the server propagates to HTTP logic.
    pub fn traceparent(mut self, traceparent: impl Into<String>) -> Self {
        self.traceparent = Some(traceparent.into());
        self
    }

    /// Limits each attempt to `timeout`.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Limits the whole call, retries and waits included, to `deadline`.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// Retries this request according to `retry`.
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.retry = Some(retry);
        self
    }

    pub(crate) fn merge(&mut self, other: RequestOptions) {
        let RequestOptions {
            idempotency_key,
            request_id,
            traceparent,
            timeout,
            deadline,
            retry,
        } = other;
        self.idempotency_key = idempotency_key.or(self.idempotency_key.take());
        self.request_id = request_id.or(self.request_id.take());
        self.traceparent = traceparent.or(self.traceparent.take());
        self.timeout = timeout.or(self.timeout);
        self.deadline = deadline.or(self.deadline);
        self.retry = retry.or(self.retry.take());
    }
}
