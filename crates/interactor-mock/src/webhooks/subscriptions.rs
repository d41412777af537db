//! Subscriptions: validating a request and keeping the result, secret included.

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use interactor_client::model::{
    CreateSubscriptionRequest, Subscription, SubscriptionStatus, WebhookEventType,
};

use super::WebhookError;

/// The shortest secret a subscription accepts, in characters.
pub const MIN_SECRET_CHARS: usize = 32;

/// A stored subscription. The secret never leaves this type except to sign, and `Debug`
/// does not show it.
#[derive(Clone)]
pub(super) struct SubscriptionRecord {
    pub(super) id: String,
    pub(super) url: String,
    pub(super) events: Vec<WebhookEventType>,
    pub(super) namespace_filter: Option<String>,
    pub(super) secret: Arc<str>,
    pub(super) created_at: DateTime<Utc>,
}

impl fmt::Debug for SubscriptionRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SubscriptionRecord")
            .field("id", &self.id)
            .field("url", &self.url)
            .field("events", &self.events)
            .field("namespace_filter", &self.namespace_filter)
            .field("secret", &"[redacted]")
            .finish_non_exhaustive()
    }
}

impl SubscriptionRecord {
    /// Validates `request` and builds the record with id `id`.
    pub(super) fn new(
        id: String,
        request: CreateSubscriptionRequest,
        now: DateTime<Utc>,
    ) -> Result<Self, WebhookError> {
        check_url(&request.url)?;
        check_secret(&request.secret)?;
        let events = check_events(request.events)?;
        if request
            .namespace_filter
            .as_deref()
            .is_some_and(|namespace| namespace.trim().is_empty())
        {
            return Err(WebhookError::invalid(
                "namespace_filter",
                "namespace_filter must not be empty; leave it out to receive every namespace",
            ));
        }

        Ok(Self {
            id,
            url: request.url,
            events,
            namespace_filter: request.namespace_filter,
            secret: Arc::from(request.secret),
            created_at: now,
        })
    }

    /// Whether an event of `kind` about an instance in `namespace` goes to this
    /// subscription.
    pub(super) fn wants(&self, kind: &WebhookEventType, namespace: Option<&str>) -> bool {
        let namespace_matches = match &self.namespace_filter {
            Some(filter) => namespace == Some(filter.as_str()),
            None => true,
        };
        namespace_matches && self.events.contains(kind)
    }

    /// The public view, without the secret.
    pub(super) fn view(&self) -> Subscription {
        Subscription {
            id: self.id.clone(),
            url: self.url.clone(),
            events: self.events.clone(),
            namespace_filter: self.namespace_filter.clone(),
            status: SubscriptionStatus::Active,
            created_at: Some(self.created_at),
        }
    }
}

fn check_url(url: &str) -> Result<(), WebhookError> {
    let parsed = reqwest::Url::parse(url).map_err(|err| {
        WebhookError::invalid("url", format!("url must be an absolute URL: {err}"))
    })?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(WebhookError::invalid(
            "url",
            format!("url must use http or https, not '{}'", parsed.scheme()),
        ));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(WebhookError::invalid("url", "url must name a host"));
    }
    Ok(())
}

fn check_secret(secret: &str) -> Result<(), WebhookError> {
    let length = secret.chars().count();
    if length < MIN_SECRET_CHARS {
        return Err(WebhookError::invalid(
            "secret",
            format!("secret must be at least {MIN_SECRET_CHARS} characters long, got {length}"),
        ));
    }
    Ok(())
}

/// Rejects an empty list and unknown names; drops repeated names, keeping the first.
fn check_events(events: Vec<WebhookEventType>) -> Result<Vec<WebhookEventType>, WebhookError> {
    if events.is_empty() {
        return Err(WebhookError::invalid(
            "events",
            "events must name at least one event",
        ));
    }
    let mut kept: Vec<WebhookEventType> = Vec::with_capacity(events.len());
    for (index, event) in events.into_iter().enumerate() {
        if let WebhookEventType::Unknown(name) = &event {
            return Err(WebhookError::invalid(
                format!("events[{index}]"),
                format!("Unknown event '{name}'; known events: {}", known_events()),
            ));
        }
        if !kept.contains(&event) {
            kept.push(event);
        }
    }
    Ok(kept)
}

fn known_events() -> String {
    [
        WebhookEventType::InstanceCreated,
        WebhookEventType::InstanceHalted,
        WebhookEventType::InstanceResumed,
        WebhookEventType::InstanceCompleted,
        WebhookEventType::InstanceFailed,
        WebhookEventType::InstanceCancelled,
    ]
    .iter()
    .map(WebhookEventType::as_str)
    .collect::<Vec<_>>()
    .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_0123456789abcdef0123456789abcdef";

    fn request(url: &str, events: &[&str], secret: &str) -> CreateSubscriptionRequest {
        CreateSubscriptionRequest::new(url, events.iter().map(|e| (*e).into()), secret)
    }

    fn path_of(result: Result<SubscriptionRecord, WebhookError>) -> String {
        match result {
            Err(WebhookError::Invalid { path, .. }) => path,
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn relative_and_non_http_urls_are_rejected() {
        for url in ["/hooks", "ftp://example.com/hooks", "example.com/hooks"] {
            let result = SubscriptionRecord::new(
                "whsub_1".into(),
                request(url, &["workflow.instance.created"], SECRET),
                Utc::now(),
            );
            assert_eq!(path_of(result), "url", "{url}");
        }
    }

    #[test]
    fn repeated_events_are_kept_once() {
        let record = SubscriptionRecord::new(
            "whsub_1".into(),
            request(
                "https://example.com/hooks",
                &["workflow.instance.halted", "workflow.instance.halted"],
                SECRET,
            ),
            Utc::now(),
        )
        .unwrap();

        assert_eq!(record.events, [WebhookEventType::InstanceHalted]);
    }

    #[test]
    fn the_secret_does_not_appear_in_debug_output() {
        let record = SubscriptionRecord::new(
            "whsub_1".into(),
            request(
                "https://example.com/hooks",
                &["workflow.instance.halted"],
                SECRET,
            ),
            Utc::now(),
        )
        .unwrap();

        assert!(!format!("{record:?}").contains(SECRET));
    }
}

/// A subscription as the state file keeps it, secret included (the state file is a test
/// fixture on the developer's machine, and a subscription without its secret could not
/// sign anything after a restart).
#[derive(Clone, serde::Serialize, serde::Deserialize)]
pub struct SubscriptionSnapshot {
    id: String,
    url: String,
    events: Vec<WebhookEventType>,
    namespace_filter: Option<String>,
    secret: String,
    created_at: DateTime<Utc>,
}

impl fmt::Debug for SubscriptionSnapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SubscriptionSnapshot")
            .field("id", &self.id)
            .field("url", &self.url)
            .field("secret", &"[redacted]")
            .finish_non_exhaustive()
    }
}

impl From<&SubscriptionRecord> for SubscriptionSnapshot {
    fn from(record: &SubscriptionRecord) -> Self {
        Self {
            id: record.id.clone(),
            url: record.url.clone(),
            events: record.events.clone(),
            namespace_filter: record.namespace_filter.clone(),
            secret: record.secret.to_string(),
            created_at: record.created_at,
        }
    }
}

impl From<SubscriptionSnapshot> for SubscriptionRecord {
    fn from(snapshot: SubscriptionSnapshot) -> Self {
        Self {
            id: snapshot.id,
            url: snapshot.url,
            events: snapshot.events,
            namespace_filter: snapshot.namespace_filter,
            secret: Arc::from(snapshot.secret),
            created_at: snapshot.created_at,
        }
    }
}
