//! Deliveries: the payload of one event for one subscription, and the record of every
//! attempt to send it.

use std::fmt;
use std::str::FromStr;

use bytes::Bytes;
use chrono::{DateTime, SecondsFormat, Utc};
use interactor_client::model::{InstanceStatus, WebhookEventType};
use interactor_webhook::{Event, EventError, EventType, InstanceData, InstanceEvent};
use serde::{Deserialize, Serialize};

use crate::engine::EngineEvent;

/// Where a delivery stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum DeliveryStatus {
    /// Waiting for its next attempt (or for an earlier delivery of its subscription).
    Pending,
    /// A receiver answered 2xx.
    Succeeded,
    /// Every attempt failed, or its subscription was deleted: in the dead-letter list,
    /// from which it can be replayed.
    Dead,
}

impl DeliveryStatus {
    /// The wire name: `pending`, `succeeded` or `dead`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Succeeded => "succeeded",
            Self::Dead => "dead",
        }
    }
}

impl fmt::Display for DeliveryStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A status name that is not `pending`, `succeeded` or `dead`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a delivery status (pending, succeeded, dead)")]
pub struct UnknownDeliveryStatus(pub String);

impl FromStr for DeliveryStatus {
    type Err = UnknownDeliveryStatus;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        match name {
            "pending" => Ok(Self::Pending),
            "succeeded" => Ok(Self::Succeeded),
            "dead" => Ok(Self::Dead),
            other => Err(UnknownDeliveryStatus(other.to_owned())),
        }
    }
}

/// Why a delivery is dead.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DeadReason {
    /// All attempts of its cycle failed.
    AttemptsExhausted,
    /// Its subscription was deleted while it was pending.
    SubscriptionDeleted,
}

/// One attempt to send a delivery.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Attempt {
    /// When it was sent, on the mock's clock.
    pub at: DateTime<Utc>,
    /// Its `X-Interactor-Retry-Count`: its index among all attempts of the delivery.
    pub retry_count: u32,
    /// The signed `X-Interactor-Timestamp`, unix seconds.
    pub timestamp: i64,
    /// The receiver's status code, when it answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// What went wrong when no status came back (connection error, timeout).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// How long it took, in real milliseconds.
    pub duration_ms: u64,
}

impl Attempt {
    /// Whether the receiver acknowledged it with a 2xx status.
    #[must_use]
    pub fn succeeded(&self) -> bool {
        self.status
            .is_some_and(|status| (200..300).contains(&status))
    }
}

/// A delivery as `GET /_mock/deliveries` lists it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Delivery {
    /// The delivery id (`del_...`), the same in every attempt.
    pub id: String,
    /// The subscription it goes to.
    pub subscription_id: String,
    /// The event.
    pub event: WebhookEventType,
    /// The instance the event is about.
    pub instance_id: String,
    /// Where it is sent.
    pub url: String,
    /// Where it stands.
    pub status: DeliveryStatus,
    /// Why it is dead, when it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dead_reason: Option<DeadReason>,
    /// Every attempt so far, oldest first.
    pub attempts: Vec<Attempt>,
    /// When the next attempt falls due (mock clock), while pending.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// The status code of the last attempt that got an answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_status: Option<u16>,
    /// When the event happened (mock clock).
    pub created_at: DateTime<Utc>,
    /// The JSON body every attempt sends.
    pub payload: serde_json::Value,
}

/// Which deliveries [`Webhooks::deliveries`](super::Webhooks::deliveries) lists.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeliveryFilter {
    /// Only deliveries with this status.
    pub status: Option<DeliveryStatus>,
    /// Only deliveries of this subscription.
    pub subscription_id: Option<String>,
}

impl DeliveryFilter {
    /// Every delivery.
    #[must_use]
    pub fn all() -> Self {
        Self::default()
    }

    /// Only deliveries with `status`.
    #[must_use]
    pub fn status(mut self, status: DeliveryStatus) -> Self {
        self.status = Some(status);
        self
    }

    /// Only deliveries of subscription `id`.
    #[must_use]
    pub fn subscription(mut self, id: impl Into<String>) -> Self {
        self.subscription_id = Some(id.into());
        self
    }
}

/// A stored delivery.
#[derive(Debug)]
pub(super) struct DeliveryRecord {
    pub(super) id: String,
    pub(super) subscription_id: String,
    pub(super) event: WebhookEventType,
    pub(super) instance_id: String,
    pub(super) url: String,
    pub(super) body: Bytes,
    pub(super) status: DeliveryStatus,
    pub(super) dead_reason: Option<DeadReason>,
    pub(super) attempts: Vec<Attempt>,
    pub(super) next_attempt_at: Option<DateTime<Utc>>,
    pub(super) created_at: DateTime<Utc>,
    /// Bumped by every replay, so that an attempt still under way from before a replay
    /// does not decide the fate of the new cycle.
    pub(super) cycle: u32,
    /// Attempts made in the current cycle.
    pub(super) cycle_attempts: u32,
}

impl DeliveryRecord {
    pub(super) fn matches(&self, filter: &DeliveryFilter) -> bool {
        filter.status.is_none_or(|status| status == self.status)
            && filter
                .subscription_id
                .as_deref()
                .is_none_or(|id| id == self.subscription_id)
    }

    pub(super) fn view(&self) -> Delivery {
        Delivery {
            id: self.id.clone(),
            subscription_id: self.subscription_id.clone(),
            event: self.event.clone(),
            instance_id: self.instance_id.clone(),
            url: self.url.clone(),
            status: self.status,
            dead_reason: self.dead_reason,
            attempts: self.attempts.clone(),
            next_attempt_at: self.next_attempt_at,
            last_status: self
                .attempts
                .iter()
                .rev()
                .find_map(|attempt| attempt.status),
            created_at: self.created_at,
            payload: serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null),
        }
    }
}

/// The body of delivery `delivery_id` of `event`, which happened at `at`; `None` for an
/// event kind the webhook crate has no payload type for.
pub(super) fn payload(
    event: &EngineEvent,
    delivery_id: &str,
    at: DateTime<Utc>,
) -> Option<Result<Bytes, serde_json::Error>> {
    let instance = &event.instance;
    let mut data = InstanceData::new(
        instance.id.clone(),
        instance.workflow_name.clone().unwrap_or_default(),
    );
    data.version_id.clone_from(&instance.version_id);
    data.namespace.clone_from(&instance.namespace);
    data.current_state.clone_from(&instance.current_state);
    data.workflow_data = instance.workflow_data.clone().unwrap_or_default();
    if instance.status == InstanceStatus::Halted {
        data.halting_presentation = instance
            .halting_presentation
            .as_ref()
            .and_then(|presentation| serde_json::to_value(presentation).ok());
    }
    if event.kind == WebhookEventType::InstanceFailed {
        data.error = match (&event.error, &instance.error) {
            (Some(error), _) => Some(EventError::new(&error.code, &error.message)),
            (None, Some(message)) => Some(EventError::new("internal_error", message)),
            (None, None) => None,
        };
    }

    let timestamp = at.to_rfc3339_opts(SecondsFormat::AutoSi, true);
    let envelope = InstanceEvent::new(delivery_id, timestamp, data);
    let typed = Event::from_parts(&EventType::from_name(event.kind.as_str()), envelope)?;
    Some(serde_json::to_vec(&typed).map(Bytes::from))
}
