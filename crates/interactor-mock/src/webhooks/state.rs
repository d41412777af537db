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

#[cfg(test)]
mod tests {
    use chrono::Duration;
    use interactor_client::model::CreateSubscriptionRequest;

    use super::*;

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_900_000_000 + seconds, 0).unwrap()
    }

    fn state_with_subscription() -> State {
        let mut state = State::default();
        let request = CreateSubscriptionRequest::new(
            "https://example.com/hooks",
            [WebhookEventType::InstanceCreated],
            "whsec_0123456789abcdef0123456789abcdef",
        );
        let record = SubscriptionRecord::new("whsub_1".into(), request, at(0)).unwrap();
        state.subscriptions.insert(record.id.clone(), record);
        state
    }

    fn delivery(id: &str) -> DeliveryRecord {
        DeliveryRecord {
            id: id.to_owned(),
            subscription_id: "whsub_1".to_owned(),
            event: WebhookEventType::InstanceCreated,
            instance_id: "inst_1".to_owned(),
            url: "https://example.com/hooks".to_owned(),
            body: Bytes::from_static(b"{}"),
            status: DeliveryStatus::Pending,
            dead_reason: None,
            attempts: Vec::new(),
            next_attempt_at: Some(at(0)),
            created_at: at(0),
            cycle: 0,
            cycle_attempts: 0,
        }
    }

    fn attempt(job: &AttemptJob, when: DateTime<Utc>, status: u16) -> Attempt {
        Attempt {
            at: when,
            retry_count: job.retry_count,
            timestamp: when.timestamp(),
            status: Some(status),
            error: None,
            duration_ms: 1,
        }
    }

    fn fail_once(state: &mut State, when: DateTime<Utc>) {
        let job = state.take_due(when).pop().expect("a due attempt");
        state.complete(&job, attempt(&job, when, 500), when);
    }

    #[test]
    fn only_the_front_of_a_queue_is_due_and_only_once() {
        let mut state = state_with_subscription();
        state.enqueue(delivery("del_1"));
        state.enqueue(delivery("del_2"));

        let first = state.take_due(at(0));
        let again = state.take_due(at(0));

        assert_eq!(first.len(), 1);
        assert_eq!(first[0].delivery_id, "del_1");
        assert!(again.is_empty(), "an attempt under way is not taken twice");
    }

    #[test]
    fn a_delivery_dies_after_the_sixth_failure_of_its_cycle() {
        let mut state = state_with_subscription();
        state.enqueue(delivery("del_1"));
        let mut now = at(0);

        for delay in [30, 120, 480, 1800, 7200] {
            fail_once(&mut state, now);
            assert!(
                state
                    .take_due(now + Duration::seconds(delay - 1))
                    .is_empty()
            );
            now += Duration::seconds(delay);
        }
        fail_once(&mut state, now);

        let record = &state.deliveries["del_1"];
        assert_eq!(record.status, DeliveryStatus::Dead);
        assert_eq!(record.dead_reason, Some(DeadReason::AttemptsExhausted));
        assert_eq!(record.attempts.len(), 6);
        assert!(state.take_due(now + Duration::days(1)).is_empty());
    }

    #[test]
    fn an_attempt_under_way_during_a_replay_does_not_decide_the_new_cycle() {
        let mut state = state_with_subscription();
        state.enqueue(delivery("del_1"));
        let job = state.take_due(at(0)).pop().unwrap();

        state.replay("del_1", at(5));
        state.complete(&job, attempt(&job, at(0), 200), at(6));

        let record = &state.deliveries["del_1"];
        assert_eq!(record.status, DeliveryStatus::Pending);
        let next = state.take_due(at(6)).pop().expect("the replay is due");
        assert_eq!(next.retry_count, 1);
        assert_eq!(next.cycle, 1);
    }

    #[test]
    fn unsubscribing_kills_pending_deliveries_and_empties_the_queue() {
        let mut state = state_with_subscription();
        state.enqueue(delivery("del_1"));
        state.enqueue(delivery("del_2"));

        assert!(state.unsubscribe("whsub_1"));

        assert!(
            state
                .deliveries
                .values()
                .all(|d| d.status == DeliveryStatus::Dead
                    && d.dead_reason == Some(DeadReason::SubscriptionDeleted))
        );
        assert!(state.take_due(at(0)).is_empty());
        assert!(!state.unsubscribe("whsub_1"));
    }

    #[test]
    fn trimming_forgets_the_oldest_finished_deliveries_only() {
        let mut state = state_with_subscription();
        for id in ["del_1", "del_2", "del_3"] {
            state.enqueue(delivery(id));
            let job = state.take_due(at(0)).pop().unwrap();
            state.complete(&job, attempt(&job, at(0), 200), at(0));
        }
        state.enqueue(delivery("del_4"));

        state.trim(2);

        let kept: Vec<&str> = state.deliveries.keys().map(String::as_str).collect();
        assert_eq!(kept, ["del_3", "del_4"]);
    }
}
