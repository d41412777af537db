//! The sending side: the headers of a signed delivery, and a delivery ready to send.

use crate::event::Event;
use crate::header::{self, HeaderLookup};
use crate::signature::{Signature, Signer};

/// The full header set of one delivery attempt, signed.
///
/// Iterating yields `(name, value)` pairs in wire order, ready for any HTTP client; it is
/// also a [`HeaderLookup`], so tests can hand it straight to
/// [`Verifier::verify`](crate::Verifier::verify).
///
/// # Examples
///
/// ```
/// use interactor_webhook::{header, DeliveryHeaders, HeaderLookup};
///
/// let body = br#"{"event":"workflow.instance.created"}"#;
/// let headers = DeliveryHeaders::new(
///     b"whsec_test", "workflow.instance.created", "del_1", 1_705_752_000, 0, body,
/// );
///
/// let names: Vec<&str> = headers.iter().map(|(name, _)| name).collect();
/// assert_eq!(names, [
///     header::EVENT, header::SIGNATURE, header::DELIVERY,
///     header::TIMESTAMP, header::RETRY_COUNT, header::CONTENT_TYPE,
/// ]);
/// assert_eq!(headers.header(header::TIMESTAMP), Some(&b"1705752000"[..]));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryHeaders {
    event: String,
    signature: Signature,
    signature_value: String,
    delivery_id: String,
    timestamp: i64,
    timestamp_value: String,
    retry_count: u32,
    retry_count_value: String,
}

impl DeliveryHeaders {
    /// Signs `body` with `secret` at `timestamp` (unix seconds) and assembles the headers of
    /// attempt `retry_count` (0 for the first) of delivery `delivery_id` of `event`.
    #[must_use]
    pub fn new(
        secret: &[u8],
        event: &str,
        delivery_id: &str,
        timestamp: i64,
        retry_count: u32,
        body: &[u8],
    ) -> Self {
        let signature = Signer::new(secret).sign(timestamp, body);
        Self::with_signature(event, delivery_id, timestamp, retry_count, signature)
    }

    /// Assembles the headers around a signature made elsewhere, for example with a
    /// long-lived [`Signer`].
    #[must_use]
    pub fn with_signature(
        event: &str,
        delivery_id: &str,
        timestamp: i64,
        retry_count: u32,
        signature: Signature,
    ) -> Self {
        Self {
            event: event.to_owned(),
            signature,
            signature_value: signature.to_header_value(),
            delivery_id: delivery_id.to_owned(),
            timestamp,
            timestamp_value: timestamp.to_string(),
            retry_count,
            retry_count_value: retry_count.to_string(),
        }
    }

    /// The event name.
    #[must_use]
    pub fn event(&self) -> &str {
        &self.event
    }

    /// The signature.
    #[must_use]
    pub fn signature(&self) -> Signature {
        self.signature
    }

    /// The delivery id.
    #[must_use]
    pub fn delivery_id(&self) -> &str {
        &self.delivery_id
    }

    /// The signed timestamp, unix seconds.
    #[must_use]
    pub fn timestamp(&self) -> i64 {
        self.timestamp
    }

    /// The attempt number, 0 for the first.
    #[must_use]
    pub fn retry_count(&self) -> u32 {
        self.retry_count
    }

    /// The `(name, value)` pairs, names in lowercase.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &str)> + '_ {
        [
            (header::EVENT, self.event.as_str()),
            (header::SIGNATURE, self.signature_value.as_str()),
            (header::DELIVERY, self.delivery_id.as_str()),
            (header::TIMESTAMP, self.timestamp_value.as_str()),
            (header::RETRY_COUNT, self.retry_count_value.as_str()),
            (header::CONTENT_TYPE, header::JSON_CONTENT_TYPE),
        ]
        .into_iter()
    }
}

impl HeaderLookup for DeliveryHeaders {
    fn header(&self, name: &str) -> Option<&[u8]> {
        self.iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_bytes())
    }
}

impl<'a> IntoIterator for &'a DeliveryHeaders {
    type Item = (&'static str, &'a str);
    type IntoIter = Box<dyn Iterator<Item = Self::Item> + 'a>;

    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

/// An event serialised once, ready to be signed for each delivery attempt.
///
/// Every attempt of one delivery carries the same body and delivery id with a fresh
/// timestamp and signature.
///
/// # Examples
///
/// ```
/// use interactor_webhook::{Event, InstanceData, InstanceEvent, OutgoingDelivery, Verifier};
///
/// let event = Event::InstanceCreated(InstanceEvent::new(
///     "del_1",
///     "2026-01-20T12:00:00Z",
///     InstanceData::new("inst_xyz", "approval_workflow"),
/// ));
/// let delivery = OutgoingDelivery::new(&event)?;
///
/// let first = delivery.sign(b"whsec_test", 1_705_752_000, 0);
/// let retry = delivery.sign(b"whsec_test", 1_705_752_030, 1);
/// assert_eq!(first.delivery_id(), retry.delivery_id());
/// assert_ne!(first.signature(), retry.signature());
///
/// let verifier = Verifier::builder().secret("whsec_test").clock(|| 1_705_752_030).build()?;
/// let verified = verifier.verify(&retry, delivery.body())?;
/// assert_eq!(verified.event, event);
/// assert_eq!(verified.retry_count, 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingDelivery {
    event: String,
    delivery_id: String,
    body: Vec<u8>,
}

impl OutgoingDelivery {
    /// Serialises `event` as the JSON body.
    ///
    /// # Errors
    ///
    /// A serialisation error from `serde_json` (only possible for an
    /// [`Event::Unknown`] holding values JSON cannot represent).
    pub fn new(event: &Event) -> Result<Self, serde_json::Error> {
        Ok(Self {
            event: event.name().to_owned(),
            delivery_id: event.delivery_id().unwrap_or_default().to_owned(),
            body: serde_json::to_vec(event)?,
        })
    }

    /// A delivery of an already serialised body.
    #[must_use]
    pub fn from_body(event: &str, delivery_id: &str, body: Vec<u8>) -> Self {
        Self {
            event: event.to_owned(),
            delivery_id: delivery_id.to_owned(),
            body,
        }
    }

    /// The event name.
    #[must_use]
    pub fn event(&self) -> &str {
        &self.event
    }

    /// The delivery id.
    #[must_use]
    pub fn delivery_id(&self) -> &str {
        &self.delivery_id
    }

    /// The JSON body.
    #[must_use]
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// Signs attempt `retry_count` (0 for the first) at `timestamp` (unix seconds).
    #[must_use]
    pub fn sign(&self, secret: &[u8], timestamp: i64, retry_count: u32) -> DeliveryHeaders {
        DeliveryHeaders::new(
            secret,
            &self.event,
            &self.delivery_id,
            timestamp,
            retry_count,
            &self.body,
        )
    }
}
