//! Integration tests of the webhook crate, one module per concern, sharing `support`.

mod cross_check;
mod events;
mod producer;
mod replay;
mod support;
mod verify;

#[cfg(feature = "actix")]
mod actix_extractor;
#[cfg(feature = "axum")]
mod axum_extractor;
