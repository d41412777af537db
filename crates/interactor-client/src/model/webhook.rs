//! Webhook subscriptions.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::wire_enum::wire_enum;

wire_enum! {
    /// The events a subscription can receive.
    pub enum WebhookEventType {
        /// `workflow.instance.created`
        InstanceCreated = "workflow.instance.created",
        /// `workflow.instance.halted`
        InstanceHalted = "workflow.instance.halted",
        /// `workflow.instance.resumed`
        InstanceResumed = "workflow.instance.resumed",
        /// `workflow.instance.completed`
        InstanceCompleted = "workflow.instance.completed",
        /// `workflow.instance.failed`
        InstanceFailed = "workflow.instance.failed",
        /// `workflow.instance.cancelled`
        InstanceCancelled = "workflow.instance.cancelled",
    }
}

wire_enum! {
    /// Whether a subscription receives deliveries.
    pub enum SubscriptionStatus {
        /// Receiving deliveries.
        Active = "active",
        /// Not receiving deliveries.
        Disabled = "disabled",
    }
}

/// The body of `POST /webhooks/subscriptions`. Its `Debug` hides the secret.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct CreateSubscriptionRequest {
    /// Where deliveries are sent.
    pub url: String,
    /// The events to deliver.
    pub events: Vec<WebhookEventType>,
    /// The signing secret (at least 32 characters).
    pub secret: String,
    /// Only deliver events of instances in this namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace_filter: Option<String>,
}

impl CreateSubscriptionRequest {
    /// A subscription of `url` to `events`, signed with `secret`.
    pub fn new(
        url: impl Into<String>,
        events: impl IntoIterator<Item = WebhookEventType>,
        secret: impl Into<String>,
    ) -> Self {
        Self {
            url: url.into(),
            events: events.into_iter().collect(),
            secret: secret.into(),
            namespace_filter: None,
        }
    }

    /// Only deliver events of instances in `namespace`.
    #[must_use]
    pub fn namespace_filter(mut self, namespace: impl Into<String>) -> Self {
        self.namespace_filter = Some(namespace.into());
        self
    }
}

impl fmt::Debug for CreateSubscriptionRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CreateSubscriptionRequest")
            .field("url", &self.url)
            .field("events", &self.events)
            .field("secret", &"[redacted]")
            .field("namespace_filter", &self.namespace_filter)
            .finish()
    }
}

/// A webhook subscription.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Subscription {
    /// Subscription id (`whsub_...`).
    pub id: String,
    /// Where deliveries are sent.
    pub url: String,
    /// The events delivered.
    #[serde(default)]
    pub events: Vec<WebhookEventType>,
    /// Only events of instances in this namespace are delivered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace_filter: Option<String>,
    /// Whether it receives deliveries.
    pub status: SubscriptionStatus,
    /// When it was created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<DateTime<Utc>>,
}

/// The body of `GET /webhooks/subscriptions`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SubscriptionList {
    /// The subscriptions.
    #[serde(default)]
    pub subscriptions: Vec<Subscription>,
}
