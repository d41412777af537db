#![cfg_attr(not(test), deny(clippy::unwrap_used))]
//! Typed async client for the Interactor workflow API.

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
