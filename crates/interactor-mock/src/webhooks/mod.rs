//! Webhooks: subscriptions, and the signed delivery of the engine's events to them.
//!
//! [`Webhooks`] is the engine's [`EventSink`]. For every event it creates one delivery
//! (`del_...`) per active subscription that asked for the event's kind and whose
//! `namespace_filter`, when it has one, equals the instance's namespace. The delivery's
//! body is built once, with the webhook crate's [`Event`](interactor_webhook::Event)
//! types, and never changes; every attempt signs it afresh
//! ([`DeliveryHeaders`](interactor_webhook::DeliveryHeaders)) with the mock clock's
//! current unix time and carries the same delivery id and its own
//! `X-Interactor-Retry-Count`.
//!
//! # Schedule
//!
//! The first attempt is due when the event happens. An attempt fails on a non-2xx
//! status, a connection error, or no answer within
//! [`WebhookConfig::attempt_timeout`] (30 s by default). After a failure the next
//! attempt falls due [`RETRY_DELAYS`] after the failed attempt finished — +30 s, +2 m,
//! +8 m, +30 m, +2 h — measured on the mock's [`Clock`], so a test moves the clock
//! instead of waiting. After the sixth failure ([`MAX_ATTEMPTS`]) the delivery is
//! [`Dead`](DeliveryStatus::Dead): it sits in the dead-letter list
//! (`GET /_mock/deliveries?status=dead`) until it is replayed.
//!
//! # Ordering
//!
//! Each subscription's deliveries form a queue in event order, and only the front one is
//! attempted; the next one goes out once the front one has succeeded or died. A
//! `halted` event therefore never reaches a receiver before the `created` event of the
//! same instance, even while the receiver fails and the first one waits for its retries.
//! The price is that a failing receiver holds back its later events (up to the 2 h 40 m
//! of one full schedule); other subscriptions are not affected. One delivery never has
//! two attempts under way at once.
//!
//! # Replay and deletion
//!
//! [`Webhooks::replay`] (`POST /_mock/deliveries/{id}/replay`) starts a fresh cycle of
//! six attempts, the first due at once. A dead or succeeded delivery becomes pending
//! again and joins the back of its subscription's queue; a pending one keeps its place
//! and is attempted at once. The retry count keeps counting across cycles (the seventh
//! attempt of a delivery says `6`), so a receiver can tell a replay from a first try.
//! Deleting a subscription stops its deliveries: the pending ones become dead with
//! `dead_reason: "subscription_deleted"` and cannot be replayed.
//!
//! # Dispatching
//!
//! Publishing only enqueues, so neither the engine nor the request that caused the event
//! waits for a receiver. The [`Dispatcher`] task ([`Webhooks::spawn_dispatcher`]) sends
//! what is due, each attempt in a task of its own; it wakes every
//! [`WebhookConfig::poll_interval`] and at once after [`Webhooks::wake`] (which the clock
//! admin routes call after moving the clock). Tests can also make one pass themselves
//! with [`Webhooks::run_due`]. Requests only ever go to the subscription's URL: redirects
//! are not followed and proxies from the environment are not used.

mod config;
mod deliveries;
mod dispatcher;
mod state;
mod subscriptions;

use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};

use interactor_client::model::{CreateSubscriptionRequest, Subscription, WebhookEventType};
use tokio::sync::Notify;

use crate::clock::Clock;
use crate::engine::{EngineEvent, EventSink};
use crate::ids;

pub use config::{
    DEFAULT_ATTEMPT_TIMEOUT, DEFAULT_POLL_INTERVAL, DEFAULT_RETAINED_DELIVERIES, MAX_ATTEMPTS,
    RETRY_DELAYS, WebhookConfig,
};
pub use deliveries::{
    Attempt, DeadReason, Delivery, DeliveryFilter, DeliveryStatus, UnknownDeliveryStatus,
};
pub use dispatcher::Dispatcher;
pub use subscriptions::{MIN_SECRET_CHARS, SubscriptionSnapshot};

use deliveries::DeliveryRecord;
use state::{AttemptJob, State};
use subscriptions::SubscriptionRecord;

/// Why a webhook operation was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// The subscription request is invalid.
    #[error("{message}")]
    Invalid {
        /// The offending field, e.g. `url` or `events[1]`.
        path: String,
        /// What is wrong with it.
        message: String,
    },
    /// No subscription has this id.
    #[error("No webhook subscription '{0}'")]
    SubscriptionNotFound(String),
    /// No delivery has this id.
    #[error("No webhook delivery '{0}'")]
    DeliveryNotFound(String),
}

impl WebhookError {
    fn invalid(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid {
            path: path.into(),
            message: message.into(),
        }
    }
}

/// Subscriptions and deliveries of one mock server. Cheap to clone; clones share state.
///
/// # Examples
///
/// ```
/// use interactor_client::model::{CreateSubscriptionRequest, WebhookEventType};
/// use interactor_mock::Clock;
/// use interactor_mock::webhooks::{DeliveryFilter, WebhookConfig, Webhooks};
///
/// let webhooks = Webhooks::new(Clock::system(), WebhookConfig::default());
/// let subscription = webhooks.subscribe(CreateSubscriptionRequest::new(
///     "https://example.com/hooks",
///     [WebhookEventType::InstanceHalted],
///     "whsec_0123456789abcdef0123456789abcdef",
/// ))?;
///
/// assert!(subscription.id.starts_with("whsub_"));
/// assert!(webhooks.deliveries(&DeliveryFilter::all()).is_empty());
/// # Ok::<(), interactor_mock::webhooks::WebhookError>(())
/// ```
#[derive(Clone)]
pub struct Webhooks {
    shared: Arc<Shared>,
}

struct Shared {
    clock: Clock,
    config: RwLock<WebhookConfig>,
    /// A std mutex: it is never held across an `.await` (attempts are taken out, sent
    /// with the lock released, and recorded afterwards), and every critical section is a
    /// few map operations, so an async mutex would only add cost.
    state: Mutex<State>,
    wake: Notify,
    /// The HTTP client, or why it could not be built; made on the first delivery, so
    /// that a server nobody subscribes to never loads TLS roots.
    client: std::sync::OnceLock<Result<reqwest::Client, String>>,
}

impl std::fmt::Debug for Webhooks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Webhooks").finish_non_exhaustive()
    }
}

impl Webhooks {
    /// No subscriptions yet; retries follow `clock`.
    #[must_use]
    pub fn new(clock: Clock, config: WebhookConfig) -> Self {
        Self {
            shared: Arc::new(Shared {
                clock,
                config: RwLock::new(config),
                state: Mutex::default(),
                wake: Notify::new(),
                client: std::sync::OnceLock::new(),
            }),
        }
    }

    /// The client deliveries are sent with.
    fn client(&self) -> Result<&reqwest::Client, String> {
        let client = self.shared.client.get_or_init(|| {
            reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .user_agent(concat!("interactor-mock/", env!("CARGO_PKG_VERSION")))
                .no_proxy()
                .build()
                .map_err(|err| format!("the webhook HTTP client could not be built: {err}"))
        });
        client.as_ref().map_err(Clone::clone)
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Every transition completes before the guard is dropped and none can panic
        // half-way, so a poisoned state is still consistent.
        self.shared
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The current settings.
    #[must_use]
    pub fn config(&self) -> WebhookConfig {
        self.shared
            .config
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Replaces the settings; attempts already under way keep their timeout.
    pub fn set_config(&self, config: WebhookConfig) {
        *self
            .shared
            .config
            .write()
            .unwrap_or_else(PoisonError::into_inner) = config;
        self.wake();
    }

    /// Validates and stores a subscription (id `whsub_...`, status active).
    ///
    /// # Errors
    ///
    /// [`WebhookError::Invalid`] when the URL is not an absolute http(s) URL, the secret
    /// is shorter than [`MIN_SECRET_CHARS`], `events` is empty or names an unknown event,
    /// or `namespace_filter` is empty.
    pub fn subscribe(
        &self,
        request: CreateSubscriptionRequest,
    ) -> Result<Subscription, WebhookError> {
        let record = SubscriptionRecord::new(
            ids::random_id("whsub_", 20),
            request,
            self.shared.clock.now(),
        )?;
        let view = record.view();
        tracing::debug!(
            subscription_id = %view.id,
            url = %view.url,
            "webhook subscription created"
        );
        self.lock().subscriptions.insert(record.id.clone(), record);
        Ok(view)
    }

    /// Every subscription, oldest first (secrets left out).
    #[must_use]
    pub fn subscriptions(&self) -> Vec<Subscription> {
        self.lock()
            .subscriptions
            .values()
            .map(SubscriptionRecord::view)
            .collect()
    }

    /// Deletes subscription `id`; its pending deliveries become dead.
    ///
    /// # Errors
    ///
    /// [`WebhookError::SubscriptionNotFound`].
    pub fn unsubscribe(&self, id: &str) -> Result<(), WebhookError> {
        if self.lock().unsubscribe(id) {
            tracing::debug!(subscription_id = %id, "webhook subscription deleted");
            Ok(())
        } else {
            Err(WebhookError::SubscriptionNotFound(id.to_owned()))
        }
    }

    /// The deliveries `filter` selects, in event order.
    #[must_use]
    pub fn deliveries(&self, filter: &DeliveryFilter) -> Vec<Delivery> {
        self.lock()
            .deliveries
            .values()
            .filter(|delivery| delivery.matches(filter))
            .map(DeliveryRecord::view)
            .collect()
    }

    /// Delivery `id`, if it is kept.
    #[must_use]
    pub fn delivery(&self, id: &str) -> Option<Delivery> {
        self.lock().deliveries.get(id).map(DeliveryRecord::view)
    }

    /// Sends delivery `id` again: a fresh cycle of attempts, the first due now (see the
    /// [module documentation](self) for where it goes in the queue). Returns the delivery
    /// as it stands after the request.
    ///
    /// # Errors
    ///
    /// [`WebhookError::DeliveryNotFound`], or [`WebhookError::SubscriptionNotFound`] when
    /// its subscription was deleted.
    pub fn replay(&self, id: &str) -> Result<Delivery, WebhookError> {
        let now = self.shared.clock.now();
        let view = {
            let mut state = self.lock();
            let subscription_id = state
                .deliveries
                .get(id)
                .map(|delivery| delivery.subscription_id.clone())
                .ok_or_else(|| WebhookError::DeliveryNotFound(id.to_owned()))?;
            if !state.subscriptions.contains_key(&subscription_id) {
                return Err(WebhookError::SubscriptionNotFound(subscription_id));
            }
            state.replay(id, now);
            state.deliveries.get(id).map(DeliveryRecord::view)
        };
        tracing::debug!(delivery_id = %id, "webhook delivery replayed");
        self.wake();
        view.ok_or_else(|| WebhookError::DeliveryNotFound(id.to_owned()))
    }

    /// Every subscription with its secret, for the state file.
    pub(crate) fn export_subscriptions(&self) -> Vec<SubscriptionSnapshot> {
        self.lock()
            .subscriptions
            .values()
            .map(SubscriptionSnapshot::from)
            .collect()
    }

    /// Replaces every subscription (and drops every delivery) with `subscriptions`.
    pub(crate) fn import_subscriptions(&self, subscriptions: Vec<SubscriptionSnapshot>) {
        let mut state = self.lock();
        state.clear();
        for snapshot in subscriptions {
            let record = SubscriptionRecord::from(snapshot);
            state.subscriptions.insert(record.id.clone(), record);
        }
    }

    /// Forgets every subscription and delivery. Attempts under way finish, but their
    /// outcome is not recorded.
    pub fn reset(&self) {
        self.lock().clear();
    }

    /// Makes every attempt that is due now and waits for them; returns how many were
    /// made. One pass: a delivery that becomes due through it (the next one in a queue
    /// after its front succeeded) waits for the next pass. Attempts the dispatcher
    /// already has under way are not repeated.
    pub async fn run_due(&self) -> usize {
        let jobs = self.take_due();
        let count = jobs.len();
        futures_util::future::join_all(jobs.into_iter().map(|job| self.attempt(job))).await;
        count
    }

    /// Wakes the dispatcher at once, e.g. after the mock's clock moved.
    pub fn wake(&self) {
        self.shared.wake.notify_one();
    }

    fn take_due(&self) -> Vec<AttemptJob> {
        let now = self.shared.clock.now();
        self.lock().take_due(now)
    }
}

impl EventSink for Webhooks {
    fn wants(&self, kind: &WebhookEventType, namespace: &str) -> bool {
        self.lock()
            .subscriptions
            .values()
            .any(|subscription| subscription.wants(kind, Some(namespace)))
    }

    fn publish(&self, event: EngineEvent) {
        let now = self.shared.clock.now();
        let namespace = event.instance.namespace.as_deref();
        let retained = self.config().retained_deliveries;

        let mut queued = 0_usize;
        {
            let mut state = self.lock();
            let targets: Vec<(String, String)> = state
                .subscriptions
                .values()
                .filter(|subscription| subscription.wants(&event.kind, namespace))
                .map(|subscription| (subscription.id.clone(), subscription.url.clone()))
                .collect();
            for (subscription_id, url) in targets {
                let id = ids::random_id("del_", 24);
                let body = match deliveries::payload(&event, &id, now) {
                    Some(Ok(body)) => body,
                    Some(Err(err)) => {
                        tracing::warn!(
                            error = %err,
                            event = %event.kind,
                            "webhook payload not serialisable"
                        );
                        continue;
                    }
                    None => continue,
                };
                state.enqueue(DeliveryRecord {
                    id,
                    subscription_id,
                    event: event.kind.clone(),
                    instance_id: event.instance.id.clone(),
                    url,
                    body,
                    status: DeliveryStatus::Pending,
                    dead_reason: None,
                    attempts: Vec::new(),
                    next_attempt_at: Some(now),
                    created_at: now,
                    cycle: 0,
                    cycle_attempts: 0,
                });
                queued += 1;
            }
            state.trim(retained);
        }

        tracing::debug!(
            event = %event.kind,
            instance_id = %event.instance.id,
            deliveries = queued,
            "webhook event published"
        );
        if queued > 0 {
            self.wake();
        }
    }
}
