//! A prepared API call: [`Request`] is what every endpoint method returns.

use std::future::{Future, IntoFuture};
use std::marker::PhantomData;
use std::pin::Pin;
use std::time::Duration;

use bytes::Bytes;
use http::Method;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::client::Client;
use crate::error::{Error, Result};
use crate::model::Envelope;
use crate::options::RequestOptions;
use crate::retry::RetryConfig;

/// Whether a request may be sent again after an attempt whose outcome is unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Replay {
    /// Sending it twice has the effect of sending it once (reads, deletes, validation).
    Safe,
    /// Safe because it carries an `Idempotency-Key` (generated unless the caller set one).
    Keyed,
    /// Not safe: only retried when the first attempt never reached the server.
    Unsafe,
}

/// Everything needed to send one call, attempt after attempt.
#[derive(Debug, Clone)]
pub(crate) struct Call {
    pub(crate) operation: &'static str,
    pub(crate) method: Method,
    /// Path below the base URL (`/workflows/...`), or a full URL when `absolute`.
    pub(crate) path: String,
    pub(crate) absolute: bool,
    pub(crate) query: Vec<(&'static str, String)>,
    pub(crate) body: Option<Bytes>,
    pub(crate) replay: Replay,
    pub(crate) instance_id: Option<String>,
}

impl Call {
    pub(crate) fn new(operation: &'static str, method: Method, path: String) -> Self {
        let replay = if method == Method::POST {
            Replay::Unsafe
        } else {
            Replay::Safe
        };
        Self {
            operation,
            method,
            path,
            absolute: false,
            query: Vec::new(),
            body: None,
            replay,
            instance_id: None,
        }
    }

    pub(crate) fn get(operation: &'static str, path: String) -> Self {
        Self::new(operation, Method::GET, path)
    }

    pub(crate) fn post(operation: &'static str, path: String) -> Self {
        Self::new(operation, Method::POST, path)
    }

    pub(crate) fn json(mut self, body: &impl Serialize) -> Result<Self> {
        let bytes = serde_json::to_vec(body).map_err(Error::Encode)?;
        self.body = Some(Bytes::from(bytes));
        Ok(self)
    }

    pub(crate) fn replay(mut self, replay: Replay) -> Self {
        self.replay = replay;
        self
    }

    pub(crate) fn instance(mut self, id: &str) -> Self {
        self.instance_id = Some(id.to_owned());
        self
    }

    pub(crate) fn query(mut self, name: &'static str, value: impl ToString) -> Self {
        self.query.push((name, value.to_string()));
        self
    }

    pub(crate) fn query_opt(self, name: &'static str, value: Option<impl ToString>) -> Self {
        match value {
            Some(value) => self.query(name, value),
            None => self,
        }
    }
}

/// Turns a success body into the caller's type.
pub(crate) type Decoder<T> = fn(&[u8]) -> serde_json::Result<T>;

/// Decodes `{"data": T}`.
pub(crate) fn data<T: DeserializeOwned>(body: &[u8]) -> serde_json::Result<T> {
    serde_json::from_slice::<Envelope<T>>(body).map(|envelope| envelope.data)
}

/// Ignores the body (204 answers).
pub(crate) fn empty(_body: &[u8]) -> serde_json::Result<()> {
    Ok(())
}

/// A prepared API call. Await it to send it; its methods set per-request options first.
///
/// ```no_run
/// # async fn example(client: interactor_client::Client) -> interactor_client::Result<()> {
/// use std::time::Duration;
/// use serde_json::json;
///
/// let instance = client
///     .instances()
///     .create("purchase_approval", json!({ "amount": 5000 }))
///     .idempotency_key("po_2026_001")
///     .request_id("checkout-7f3a")
///     .timeout(Duration::from_secs(10))
///     .await?;
/// # Ok(())
/// # }
/// ```
#[must_use = "a request does nothing until it is awaited"]
pub struct Request<T> {
    client: Client,
    call: Result<Call>,
    options: RequestOptions,
    decode: Decoder<T>,
    _output: PhantomData<fn() -> T>,
}

impl<T> std::fmt::Debug for Request<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut debug = f.debug_struct("Request");
        if let Ok(call) = &self.call {
            debug
                .field("method", &call.method)
                .field("path", &call.path);
        }
        debug
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl<T> Request<T> {
    pub(crate) fn new(client: &Client, call: Result<Call>, decode: Decoder<T>) -> Self {
        Self {
            client: client.clone(),
            call,
            options: RequestOptions::default(),
            decode,
            _output: PhantomData,
        }
    }

    /// Applies a set of options at once; options set here win over earlier ones.
    pub fn options(mut self, options: RequestOptions) -> Self {
        self.options.merge(options);
        self
    }

    /// Sends this `Idempotency-Key` (create instance, resume and thread resume generate
    /// one otherwise). Every retry of the request sends the same key and body.
    pub fn idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.options.idempotency_key = Some(key.into());
        self
    }

    /// Sends `X-Request-Id`.
    pub fn request_id(mut self, id: impl Into<String>) -> Self {
        self.options.request_id = Some(id.into());
        self
    }

    /// Sends a W3C `traceparent` header.
    pub fn traceparent(mut self, traceparent: impl Into<String>) -> Self {
        self.options.traceparent = Some(traceparent.into());
        self
    }

    /// Limits each attempt to `timeout`.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.options.timeout = Some(timeout);
        self
    }

    /// Limits the whole call, retries and waits included, to `deadline`.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.options.deadline = Some(deadline);
        self
    }

    /// Retries this request according to `retry` instead of the client's policy.
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.options.retry = Some(retry);
        self
    }

    /// Sends the request once, without retries.
    pub fn no_retry(self) -> Self {
        self.retry(RetryConfig::none())
    }

    /// Sends the request and decodes the answer; the same as awaiting it.
    ///
    /// # Errors
    ///
    /// [`Error::Api`] when the API answers with an error, [`Error::RateLimited`] when rate
    /// limited beyond the deadline, [`Error::Timeout`] and [`Error::Transport`] when no
    /// answer arrives, [`Error::Decode`] when the answer has an unexpected shape,
    /// [`Error::Auth`] when no token can be obtained.
    pub async fn send(self) -> Result<T> {
        let call = self.call?;
        self.client
            .transport()
            .execute(call, self.options, self.decode)
            .await
    }
}

impl<T: Send + 'static> IntoFuture for Request<T> {
    type Output = Result<T>;
    type IntoFuture = Pin<Box<dyn Future<Output = Result<T>> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}
