//! In-memory Interactor workflow server for offline tests.
#![cfg_attr(not(test), deny(clippy::unwrap_used))]

mod api;
pub mod clock;
pub mod engine;
mod ids;
pub mod script;
mod server;
pub mod template;
pub mod validate;

pub use clock::Clock;
pub use engine::{Engine, EngineConfig, EngineError};
pub use server::{DEFAULT_DEV_TOKEN, MockServer, MockServerBuilder};
