//! The state behind the webhook lock and every transition of it.
//!
//! Nothing here awaits: the dispatcher takes the due attempts out under the lock, sends
//! them with the lock released, and comes back with the outcome.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use indexmap::IndexMap;
use interactor_client::model::WebhookEventType;

use super::config::{MAX_ATTEMPTS, retry_delay};
use super::deliveries::{Attempt, DeadReason, DeliveryRecord, DeliveryStatus};
use super::subscriptions::SubscriptionRecord;

/// Subscriptions, deliveries, the per-subscription send queues and the attempts under
/// way: what must change together.
#[derive(Debug, Default)]
pub(super) struct State {
    pub(super) subscriptions: IndexMap<String, SubscriptionRecord>,
    /// Every kept delivery, in the order the events happened.
    pub(super) deliveries: IndexMap<String, DeliveryRecord>,
    /// The pending deliveries of each subscription, in send order; only the front one
    /// may be attempted.
    queues: HashMap<String, VecDeque<String>>,
    /// Deliveries with an attempt under way.
    in_flight: HashSet<String>,
}

/// One attempt to make, with everything needed to make it outside the lock.
#[derive(Debug)]
pub(super) struct AttemptJob {
    pub(super) delivery_id: String,
    pub(super) subscription_id: String,
    pub(super) event: WebhookEventType,
    pub(super) instance_id: String,
    pub(super) url: String,
    pub(super) secret: Arc<str>,
    pub(super) body: Bytes,
    pub(super) retry_count: u32,
    pub(super) cycle: u32,
}

impl State {
    /// Adds a new pending delivery at the back of its subscription's queue.
    pub(super) fn enqueue(&mut self, record: DeliveryRecord) {
        self.queues
            .entry(record.subscription_id.clone())
            .or_default()
            .push_back(record.id.clone());
        self.deliveries.insert(record.id.clone(), record);
    }

    /// Marks the front delivery of every queue that is due at `now` and not under way as
    /// under way, and returns the attempts to make.
    pub(super) fn take_due(&mut self, now: DateTime<Utc>) -> Vec<AttemptJob> {
        let mut jobs = Vec::new();
        for (subscription_id, queue) in &self.queues {
            let Some(head) = queue.front() else { continue };
            if self.in_flight.contains(head) {
                continue;
            }
            let (Some(delivery), Some(subscription)) = (
                self.deliveries.get(head),
                self.subscriptions.get(subscription_id),
            ) else {
                continue;
            };
            if delivery.next_attempt_at.is_none_or(|due| due > now) {
                continue;
            }
            jobs.push(AttemptJob {
                delivery_id: delivery.id.clone(),
                subscription_id: subscription_id.clone(),
                event: delivery.event.clone(),
                instance_id: delivery.instance_id.clone(),
                url: subscription.url.clone(),
                secret: Arc::clone(&subscription.secret),
                body: delivery.body.clone(),
                retry_count: u32::try_from(delivery.attempts.len()).unwrap_or(u32::MAX),
                cycle: delivery.cycle,
            });
        }
        for job in &jobs {
            self.in_flight.insert(job.delivery_id.clone());
        }
        jobs
    }

    /// Records the outcome of `job`, finished at `finished_at`, and decides what comes
    /// next: success, a retry, or the dead-letter list.
    pub(super) fn complete(
        &mut self,
        job: &AttemptJob,
        attempt: Attempt,
        finished_at: DateTime<Utc>,
    ) {
        self.in_flight.remove(&job.delivery_id);
        let Some(delivery) = self.deliveries.get_mut(&job.delivery_id) else {
            // Forgotten by a reset while the attempt was under way.
            return;
        };
        let succeeded = attempt.succeeded();
        delivery.attempts.push(attempt);
        if delivery.cycle != job.cycle {
            // Replayed while this attempt was under way: the replay's attempt is due.
            return;
        }
        delivery.cycle_attempts += 1;

        if succeeded {
            delivery.status = DeliveryStatus::Succeeded;
            delivery.dead_reason = None;
            delivery.next_attempt_at = None;
        } else if delivery.status != DeliveryStatus::Pending {
            // Its subscription was deleted meanwhile; it is already dead.
            return;
        } else if let Some(delay) = retry_delay(delivery.cycle_attempts) {
            delivery.next_attempt_at = Some(finished_at + delay);
            return;
        } else {
            debug_assert_eq!(delivery.cycle_attempts, MAX_ATTEMPTS);
            delivery.status = DeliveryStatus::Dead;
            delivery.dead_reason = Some(DeadReason::AttemptsExhausted);
            delivery.next_attempt_at = None;
        }
        self.dequeue(&job.subscription_id, &job.delivery_id);
    }

    /// Releases `delivery_id` without recording an attempt (the attempt was abandoned).
    pub(super) fn release(&mut self, delivery_id: &str) {
        self.in_flight.remove(delivery_id);
    }

    /// Starts a fresh cycle of `delivery_id`, due at `now`. A finished delivery goes to
    /// the back of its subscription's queue; a pending one keeps its place.
    pub(super) fn replay(&mut self, delivery_id: &str, now: DateTime<Utc>) {
        let Some(delivery) = self.deliveries.get_mut(delivery_id) else {
            return;
        };
        delivery.cycle = delivery.cycle.wrapping_add(1);
        delivery.cycle_attempts = 0;
        delivery.dead_reason = None;
        delivery.next_attempt_at = Some(now);
        if delivery.status != DeliveryStatus::Pending {
            delivery.status = DeliveryStatus::Pending;
            self.queues
                .entry(delivery.subscription_id.clone())
                .or_default()
                .push_back(delivery_id.to_owned());
        }
    }

    /// Removes subscription `id`; its pending deliveries become dead. Returns whether it
    /// existed.
    pub(super) fn unsubscribe(&mut self, id: &str) -> bool {
        if self.subscriptions.shift_remove(id).is_none() {
            return false;
        }
        for delivery_id in self.queues.remove(id).unwrap_or_default() {
            if let Some(delivery) = self.deliveries.get_mut(&delivery_id) {
                delivery.status = DeliveryStatus::Dead;
                delivery.dead_reason = Some(DeadReason::SubscriptionDeleted);
                delivery.next_attempt_at = None;
            }
        }
        true
    }

    /// Forgets the oldest finished deliveries beyond `keep`.
    pub(super) fn trim(&mut self, keep: usize) {
        let Some(mut excess) = self.deliveries.len().checked_sub(keep) else {
            return;
        };
        let in_flight = &self.in_flight;
        self.deliveries.retain(|id, delivery| {
            let forget =
                excess > 0 && delivery.status != DeliveryStatus::Pending && !in_flight.contains(id);
            if forget {
                excess -= 1;
            }
            !forget
        });
    }

    /// Forgets everything.
    pub(super) fn clear(&mut self) {
        *self = Self::default();
    }

    fn dequeue(&mut self, subscription_id: &str, delivery_id: &str) {
        if let Some(queue) = self.queues.get_mut(subscription_id) {
            queue.retain(|id| id != delivery_id);
            if queue.is_empty() {
                self.queues.remove(subscription_id);
            }
        }
    }
}
