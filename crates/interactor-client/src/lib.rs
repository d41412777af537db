#![cfg_attr(not(test), deny(clippy::unwrap_used))]
//! Typed async client for the Interactor workflow API.
//!
//! Interactor runs state machines with human-in-the-loop halting states. This crate has
//! the wire models of the API ([`model`]) and a [`Client`] for every endpoint, with token
//! refresh, retries, idempotency keys, pagination streams and tracing built in.
//!
//! # Quick start
//!
//! ```no_run
//! use interactor_client::model::{
//!     Condition, Field, FieldType, FormPresentation, State, WorkflowDefinition,
//! };
//! use interactor_client::Client;
//! use serde_json::json;
//!
//! # async fn run() -> interactor_client::Result<()> {
//! let client = Client::builder()
//!     .base_url("http://127.0.0.1:4747/api/v1")
//!     .bearer_token("dev_token")
//!     .build()?;
//!
//! let definition = WorkflowDefinition::builder("approval")
//!     .initial_state("request")
//!     .state("request", State::action()
//!         .script("return { ...workflow_data, amount: input.amount }")
//!         .transition("review"))
//!     .state("review", State::halting()
//!         .presentation(FormPresentation::new("Approve?")
//!             .field(Field::new("approved", FieldType::Boolean, "Approve").required()))
//!         .transition_when("approved", Condition::equals("approved", true))
//!         .transition("rejected"))
//!     .state("approved", State::terminal())
//!     .state("rejected", State::terminal())
//!     .build();
//!
//! let version = client.workflows().create(&definition).await?;
//! client.workflows().publish("approval", &version.version_id).await?;
//!
//! let instance = client.instances().create("approval", json!({ "amount": 5000 })).await?;
//! let done = client.instances().resume(&instance.id, json!({ "approved": true })).await?;
//! println!("{} is {}", done.id, done.status);
//! # Ok(())
//! # }
//! ```
//!
//! # Endpoints
//!
//! Resource groups mirror the API's endpoint table; every method returns a [`Request`] to
//! await, whose methods set per-request options first (idempotency key, `X-Request-Id`,
//! `traceparent`, timeout, deadline, retry policy).
//!
//! | group | endpoints |
//! |---|---|
//! | [`Client::workflows`] | create, validate, list, versions, add version, publish |
//! | [`Client::instances`] | create, list, get, resume, cancel, wait for completion |
//! | [`Client::threads`] | list, resume one thread |
//! | [`Client::history`] | one page, every page as a [`Paginated`] stream, one event |
//! | [`Client::errors`] | error events across instances, paged or streamed |
//! | [`Client::webhooks`] | create, list, delete subscriptions |
//! | [`Client::tokens`] | revoke a token |
//!
//! # Authentication
//!
//! A static token ([`ClientBuilder::bearer_token`]), the client-credentials grant
//! ([`ClientCredentials`]), the refresh-token grant ([`RefreshTokenGrant`]) or a source of
//! your own ([`TokenSource`]). Tokens that expire are refreshed before they do: 30 s plus up
//! to 30 s of random jitter early, but not before half of their lifetime has passed. Callers
//! that need a token at the same time share one token request; a 401 answer drops the token
//! and the request is sent once more with a new one. Token endpoints may answer in the
//! `{"data": {...}}` envelope or in the plain OAuth form.
//!
//! # Retries and idempotency
//!
//! Create instance, resume and thread resume carry an `Idempotency-Key` (a UUID v4 unless
//! you set one); every attempt of a request sends the same key and the same body, so a
//! retry never runs a step twice. The client retries, with capped full-jitter exponential
//! backoff ([`RetryConfig`]):
//!
//! - 502, 503, 504, timeouts and broken connections, for requests that are safe to repeat:
//!   reads, deletes, validation, token revocation, and the POSTs that carry a key;
//! - connections that could not be made, for every request (nothing was sent);
//! - 429 `rate_limited`, after `max(Retry-After, X-RateLimit-Reset - now)` when that fits
//!   the deadline; otherwise [`Error::RateLimited`] says how long to wait.
//!
//! Engine failures (`script_error`, `http_error`, ...), other 4xx and 500 are never
//! retried. Each attempt is limited by the timeout (default 30 s) and the whole call,
//! waits included, by the deadline (default 120 s).
//!
//! # Errors
//!
//! One [`Error`] type. API errors carry the status, a typed [`model::ErrorCode`] (codes this
//! version does not know are kept as `Unknown`), the message, details, request id and the
//! number of attempts; [`Error::is_retryable`], [`Error::status`], [`Error::code`] and
//! [`Error::request_id`] answer the usual questions. Tokens and secrets never appear in
//! `Debug` or `Display` output.
//!
//! # Tracing
//!
//! Every call runs in a `DEBUG` span `interactor.request` with `operation`, `method`,
//! `path`, `instance_id`, `idempotency_key`, `attempts`, `status` and `request_id`; every
//! attempt in a child span `attempt` with its number, status and request id.

mod api;
mod auth;
mod client;
mod error;
pub mod model;
mod options;
mod paginate;
mod request;
mod retry;
mod transport;

pub use api::{
    ErrorEvents, ErrorQuery, History, HistoryQuery, InstanceQuery, Instances, Threads, Tokens,
    Webhooks, Workflows,
};
pub use auth::{AccessToken, ClientCredentials, RefreshTokenGrant, TokenFuture, TokenSource};
pub use client::{Client, ClientBuilder, DEFAULT_BASE_URL, DEFAULT_DEADLINE, DEFAULT_TIMEOUT};
pub use error::{Error, Result};
pub use options::RequestOptions;
pub use paginate::Paginated;
pub use request::Request;
pub use retry::RetryConfig;
