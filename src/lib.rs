//! Runnable examples and end-to-end tests for the Interactor Rust SDK.
//!
//! This package publishes nothing. Its `examples/` directory holds programs that run with
//! `cargo run --example NAME`, and its `tests/` directory drives
//! [`interactor-client`](https://docs.rs/interactor-client) against
//! [`interactor-mock`](https://docs.rs/interactor-mock), verifying webhook deliveries with
//! [`interactor-webhook`](https://docs.rs/interactor-webhook).
