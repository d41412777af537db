#![cfg_attr(not(test), deny(clippy::unwrap_used))]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![doc = include_str!("../README.md")]

mod builder;
mod clock;
mod error;
mod event;
pub mod header;
mod producer;
mod replay;
mod signature;
mod verifier;

#[cfg(feature = "actix")]
#[cfg_attr(docsrs, doc(cfg(feature = "actix")))]
pub mod actix_extract;
#[cfg(feature = "axum")]
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub mod axum_extract;

pub use builder::VerifierBuilder;
pub use clock::{Clock, SystemClock};
pub use error::{ConfigError, Error, MalformedSignature};
pub use event::{Event, EventError, EventType, InstanceData, InstanceEvent, UnknownEvent, names};
pub use header::HeaderLookup;
pub use producer::{DeliveryHeaders, OutgoingDelivery};
pub use replay::{Admission, DEFAULT_REPLAY_CAPACITY, MemoryReplayGuard, ReplayGuard};
pub use signature::{DIGEST_LEN, SIGNATURE_PREFIX, Signature, Signer, sign};
pub use verifier::{
    DEFAULT_FUTURE_SKEW, DEFAULT_MAX_BODY_SIZE, DEFAULT_TOLERANCE, VerifiedDelivery,
    VerifiedSignature, Verifier,
};

/// The `tracing` target of this crate's log events.
pub const LOG_TARGET: &str = "interactor_webhook";
