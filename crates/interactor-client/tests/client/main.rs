//! Integration tests of the client against a local HTTP server (wiremock).

mod auth;
mod endpoints;
mod errors;
mod pagination;
mod retries;
mod support;
mod tracing_spans;
