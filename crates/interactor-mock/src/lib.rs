#![doc = include_str!("../README.md")]
#![cfg_attr(not(test), deny(clippy::unwrap_used))]

pub mod admin;
mod api;
pub mod auth;
pub mod clock;
pub mod config;
pub mod engine;
pub mod idempotency;
mod ids;
pub mod ratelimit;
pub mod script;
mod server;
pub mod template;
pub mod validate;
pub mod webhooks;

pub use api::{Fault, JournalEntry, MockState};
pub use clock::Clock;
pub use config::MockConfig;
pub use engine::{Engine, EngineConfig, EngineError};
pub use server::{DEFAULT_DEV_TOKEN, MockServer, MockServerBuilder};
