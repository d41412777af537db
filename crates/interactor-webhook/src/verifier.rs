//! [`Verifier`]: checks a delivery's signature, timestamp and body.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::builder::VerifierBuilder;
use crate::clock::SharedClock;
use crate::error::{ConfigError, Error};
use crate::event::Event;
use crate::header::{self, HeaderLookup};
use crate::replay::{Admission, ReplayGuard};
use crate::signature::{Signature, Signer};

/// How old a delivery's timestamp may be, by default: five minutes, as the API reference
/// recommends.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);

/// How far into the future a delivery's timestamp may lie, by default, to absorb clock
/// skew between the sender and the receiver.
pub const DEFAULT_FUTURE_SKEW: Duration = Duration::from_secs(60);

/// The largest body a verifier accepts by default: 1 MiB.
pub const DEFAULT_MAX_BODY_SIZE: usize = 1024 * 1024;

/// Verifies webhook deliveries: signature, timestamp window, optional replay window, and
/// the body as a typed [`Event`].
///
/// A verifier holds one or more secrets; a signature made with any of them is accepted,
/// which is how a secret is rotated (add the new one, switch the subscription, remove the
/// old one). Cloning is cheap (the configuration sits behind an [`Arc`]), and a verifier can
/// be shared across threads. `Debug` output never shows the secrets.
///
/// # Examples
///
/// ```
/// use interactor_webhook::{DeliveryHeaders, Event, Verifier};
///
/// let verifier = Verifier::new("whsec_your_webhook_secret_min_32_chars")?;
///
/// // What the server sends (signed here with the same secret).
/// let body = br#"{"event":"workflow.instance.halted","delivery_id":"del_1",
///     "timestamp":"2026-01-20T12:00:01Z","data":{"instance_id":"inst_xyz",
///     "workflow_name":"approval_workflow","current_state":"await_approval"}}"#;
/// let now = std::time::SystemTime::now()
///     .duration_since(std::time::UNIX_EPOCH)?
///     .as_secs() as i64;
/// let headers = DeliveryHeaders::new(
///     b"whsec_your_webhook_secret_min_32_chars",
///     "workflow.instance.halted",
///     "del_1",
///     now,
///     0,
///     body,
/// );
///
/// let delivery = verifier.verify(&headers, body)?;
/// assert!(matches!(delivery.event, Event::InstanceHalted(_)));
/// assert_eq!(delivery.delivery_id.as_deref(), Some("del_1"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Verifier {
    pub(crate) inner: Arc<Inner>,
}

/// The configuration [`VerifierBuilder::build`] assembles.
pub(crate) struct Inner {
    pub(crate) signers: Vec<Signer>,
    pub(crate) tolerance_secs: u64,
    pub(crate) future_skew_secs: u64,
    pub(crate) max_body_size: usize,
    pub(crate) clock: SharedClock,
    pub(crate) replay_guard: Option<Arc<dyn ReplayGuard>>,
}

/// A signature and timestamp that passed verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerifiedSignature {
    /// The signed timestamp, unix seconds.
    pub timestamp: i64,
    /// The signature that matched.
    pub signature: Signature,
}

/// A delivery that passed verification: the typed event and its metadata.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct VerifiedDelivery {
    /// The event from the signed body.
    pub event: Event,
    /// The event name as sent, e.g. `workflow.instance.halted` (also for unknown events).
    pub event_name: String,
    /// The delivery id: the signed body's `delivery_id`, or the `X-Interactor-Delivery`
    /// header when the body has none.
    pub delivery_id: Option<String>,
    /// The attempt number from `X-Interactor-Retry-Count` (0 when absent).
    pub retry_count: u32,
    /// The signed timestamp, unix seconds.
    pub timestamp: i64,
    /// The signature that was accepted.
    pub signature: Signature,
}

impl VerifiedDelivery {
    /// Gives up the metadata, keeping the event.
    #[must_use]
    pub fn into_event(self) -> Event {
        self.event
    }
}

impl Verifier {
    /// A verifier for one secret with the default tolerances and no replay guard.
    ///
    /// # Errors
    ///
    /// [`ConfigError::EmptySecret`] when `secret` is empty.
    pub fn new(secret: impl AsRef<[u8]>) -> Result<Self, ConfigError> {
        Self::builder().secret(secret).build()
    }

    /// Starts configuring a verifier.
    pub fn builder() -> VerifierBuilder {
        VerifierBuilder::default()
    }

    /// How old a timestamp may be.
    #[must_use]
    pub fn tolerance(&self) -> Duration {
        Duration::from_secs(self.inner.tolerance_secs)
    }

    /// How far into the future a timestamp may lie.
    #[must_use]
    pub fn future_skew(&self) -> Duration {
        Duration::from_secs(self.inner.future_skew_secs)
    }

    /// The largest body accepted, in bytes.
    #[must_use]
    pub fn max_body_size(&self) -> usize {
        self.inner.max_body_size
    }

    /// How many secrets are accepted.
    #[must_use]
    pub fn secret_count(&self) -> usize {
        self.inner.signers.len()
    }

    /// The replay guard, when one is configured.
    #[must_use]
    pub fn replay_guard(&self) -> Option<&Arc<dyn ReplayGuard>> {
        self.inner.replay_guard.as_ref()
    }

    /// Verifies a whole delivery: headers and raw body.
    ///
    /// In order: the body size, the signature and timestamp
    /// ([`verify_signature`](Self::verify_signature)), the retry-count header, the body as
    /// an [`Event`], the unsigned `X-Interactor-Event` and `X-Interactor-Delivery` headers
    /// against the signed body (when present), and finally the replay guard, which records
    /// the signature only when everything else passed.
    ///
    /// Rejections are logged under the target `interactor_webhook` (debug, or warn for a
    /// signature mismatch or replay) with the delivery id from the header.
    ///
    /// # Errors
    ///
    /// Every variant of [`Error`] except [`Error::BodyRead`]; see there for what each
    /// means.
    pub fn verify<H: HeaderLookup + ?Sized>(
        &self,
        headers: &H,
        body: &[u8],
    ) -> Result<VerifiedDelivery, Error> {
        let result = self.verify_delivery(headers, body);
        match &result {
            Ok(delivery) => tracing::debug!(
                target: crate::LOG_TARGET,
                delivery_id = delivery.delivery_id.as_deref(),
                event = %delivery.event_name,
                retry_count = delivery.retry_count,
                "webhook delivery verified"
            ),
            Err(error) => {
                let delivery_id = headers
                    .header(header::DELIVERY)
                    .map(String::from_utf8_lossy);
                crate::error::log_rejection(error, delivery_id.as_deref());
            }
        }
        result
    }

    /// Verifies a signature header against the timestamp header and raw body, and checks
    /// that the timestamp lies within the window. Neither parses the body nor consults the
    /// replay guard.
    ///
    /// `timestamp` and `signature` are the header values as text or bytes.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidTimestamp`], [`Error::MalformedSignature`],
    /// [`Error::TimestampTooOld`], [`Error::TimestampInFuture`] or
    /// [`Error::SignatureMismatch`].
    pub fn verify_signature(
        &self,
        timestamp: impl AsRef<[u8]>,
        signature: impl AsRef<[u8]>,
        body: &[u8],
    ) -> Result<VerifiedSignature, Error> {
        self.check_signature(timestamp.as_ref(), signature.as_ref(), body)
            .map(|(verified, _)| verified)
    }

    /// [`verify_signature`](Self::verify_signature), also returning the clock reading used.
    fn check_signature(
        &self,
        timestamp_header: &[u8],
        signature_header: &[u8],
        body: &[u8],
    ) -> Result<(VerifiedSignature, i64), Error> {
        let timestamp = parse_timestamp(timestamp_header)?;
        let signature = Signature::parse(signature_header)?;
        let now = self.inner.clock.0.now_unix();
        self.check_window(timestamp, now)?;

        let matched = self
            .inner
            .signers
            .iter()
            .any(|signer| signer.matches(timestamp_header, body, &signature));
        if !matched {
            return Err(Error::SignatureMismatch);
        }
        Ok((
            VerifiedSignature {
                timestamp,
                signature,
            },
            now,
        ))
    }

    fn check_window(&self, timestamp: i64, now: i64) -> Result<(), Error> {
        // i128 holds the difference of any two i64 values, so nothing here can overflow.
        let age = i128::from(now) - i128::from(timestamp);
        if age > i128::from(self.inner.tolerance_secs) {
            return Err(Error::TimestampTooOld {
                age_secs: u64::try_from(age).unwrap_or(u64::MAX),
                tolerance_secs: self.inner.tolerance_secs,
            });
        }
        if -age > i128::from(self.inner.future_skew_secs) {
            return Err(Error::TimestampInFuture {
                ahead_secs: u64::try_from(-age).unwrap_or(u64::MAX),
                skew_secs: self.inner.future_skew_secs,
            });
        }
        Ok(())
    }

    fn verify_delivery<H: HeaderLookup + ?Sized>(
        &self,
        headers: &H,
        body: &[u8],
    ) -> Result<VerifiedDelivery, Error> {
        if body.len() > self.inner.max_body_size {
            return Err(Error::PayloadTooLarge {
                limit: self.inner.max_body_size,
            });
        }

        let signature_header = required(headers, header::SIGNATURE)?;
        let timestamp_header = required(headers, header::TIMESTAMP)?;
        let (verified, now) = self.check_signature(timestamp_header, signature_header, body)?;
        let retry_count = parse_retry_count(headers.header(header::RETRY_COUNT))?;

        let event: Event =
            serde_json::from_slice(body).map_err(|source| Error::InvalidPayload { source })?;
        let event_name = event.name().to_owned();
        if let Some(claimed) = headers.header(header::EVENT) {
            ensure_agrees(header::EVENT, claimed, &event_name)?;
        }
        let delivery_id = match (event.delivery_id(), headers.header(header::DELIVERY)) {
            (Some(signed), Some(claimed)) => {
                ensure_agrees(header::DELIVERY, claimed, signed)?;
                Some(signed.to_owned())
            }
            (Some(signed), None) => Some(signed.to_owned()),
            (None, Some(claimed)) => Some(header_text(header::DELIVERY, claimed)?.to_owned()),
            (None, None) => None,
        };

        if let Some(guard) = &self.inner.replay_guard {
            let expires_at = verified
                .timestamp
                .saturating_add(i64::try_from(self.inner.tolerance_secs).unwrap_or(i64::MAX))
                .saturating_add(1);
            if guard.check_and_record(&verified.signature, expires_at, now) == Admission::Replayed {
                return Err(Error::Replayed);
            }
        }

        Ok(VerifiedDelivery {
            event,
            event_name,
            delivery_id,
            retry_count,
            timestamp: verified.timestamp,
            signature: verified.signature,
        })
    }
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field(
                "secrets",
                &format_args!("<{} redacted>", self.inner.signers.len()),
            )
            .field("tolerance_secs", &self.inner.tolerance_secs)
            .field("future_skew_secs", &self.inner.future_skew_secs)
            .field("max_body_size", &self.inner.max_body_size)
            .field("replay_guard", &self.inner.replay_guard)
            .finish_non_exhaustive()
    }
}

fn required<'h, H: HeaderLookup + ?Sized>(
    headers: &'h H,
    name: &'static str,
) -> Result<&'h [u8], Error> {
    headers.header(name).ok_or(Error::MissingHeader { name })
}

fn header_text<'a>(name: &'static str, value: &'a [u8]) -> Result<&'a str, Error> {
    std::str::from_utf8(value).map_err(|_| Error::InvalidHeader { name })
}

fn ensure_agrees(name: &'static str, claimed: &[u8], signed: &str) -> Result<(), Error> {
    if claimed == signed.as_bytes() {
        return Ok(());
    }
    Err(Error::HeaderMismatch {
        name,
        header: String::from_utf8_lossy(claimed).into_owned(),
        body: signed.to_owned(),
    })
}

/// Parses a unix timestamp: ASCII digits only (no sign, no spaces), fitting an `i64`.
fn parse_timestamp(value: &[u8]) -> Result<i64, Error> {
    let invalid = || {
        let shown: String = String::from_utf8_lossy(value).chars().take(32).collect();
        Error::InvalidTimestamp { value: shown }
    };
    if value.is_empty() || !value.iter().all(u8::is_ascii_digit) {
        return Err(invalid());
    }
    std::str::from_utf8(value)
        .ok()
        .and_then(|digits| digits.parse::<i64>().ok())
        .ok_or_else(invalid)
}

fn parse_retry_count(value: Option<&[u8]>) -> Result<u32, Error> {
    let Some(value) = value else {
        return Ok(0);
    };
    let invalid = Error::InvalidHeader {
        name: header::RETRY_COUNT,
    };
    if value.is_empty() || !value.iter().all(u8::is_ascii_digit) {
        return Err(invalid);
    }
    std::str::from_utf8(value)
        .ok()
        .and_then(|digits| digits.parse().ok())
        .ok_or(invalid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_must_be_plain_decimal_digits() {
        for bad in [
            "",
            "-1",
            "+1",
            " 1",
            "1.5",
            "1e9",
            "abc",
            "99999999999999999999",
        ] {
            assert!(
                matches!(
                    parse_timestamp(bad.as_bytes()),
                    Err(Error::InvalidTimestamp { .. })
                ),
                "{bad:?} was accepted"
            );
        }
        assert_eq!(parse_timestamp(b"1705752000").unwrap(), 1_705_752_000);
    }

    #[test]
    fn retry_count_defaults_to_zero_and_rejects_garbage() {
        assert_eq!(parse_retry_count(None).unwrap(), 0);
        assert_eq!(parse_retry_count(Some(b"5")).unwrap(), 5);
        assert!(parse_retry_count(Some(b"-1")).is_err());
        assert!(parse_retry_count(Some(b"99999999999")).is_err());
    }

    #[test]
    fn verifier_is_send_sync_and_cheap_to_clone() {
        fn assert_send_sync<T: Send + Sync + Clone>() {}
        assert_send_sync::<Verifier>();

        let verifier = Verifier::new("secret").unwrap();
        let clone = verifier.clone();
        assert!(Arc::ptr_eq(&verifier.inner, &clone.inner));
    }

    #[test]
    fn debug_output_hides_the_secrets() {
        let verifier = Verifier::builder()
            .secrets(["first-secret-value", "second-secret-value"])
            .build()
            .unwrap();

        let debug = format!("{verifier:?} {:?}", Verifier::builder().secret("third-one"));

        assert!(!debug.contains("secret-value"));
        assert!(!debug.contains("third-one"));
        assert!(debug.contains("<2 redacted>"));
    }

    #[test]
    fn a_verifier_needs_a_non_empty_secret() {
        assert_eq!(
            Verifier::builder().build().unwrap_err(),
            ConfigError::NoSecret
        );
        assert_eq!(Verifier::new("").unwrap_err(), ConfigError::EmptySecret);
    }
}
