//! Shared fixtures: a secret, a fixed "now", signed deliveries and a movable clock.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use interactor_webhook::{DeliveryHeaders, Verifier, VerifierBuilder, names};
use serde_json::json;

pub(crate) const SECRET: &str = "whsec_your_webhook_secret_min_32_chars";
pub(crate) const NOW: i64 = 1_705_752_000;

/// A clock the test moves by hand.
#[derive(Clone, Debug)]
pub(crate) struct TestClock(Arc<AtomicI64>);

impl TestClock {
    pub(crate) fn at(now: i64) -> Self {
        Self(Arc::new(AtomicI64::new(now)))
    }

    pub(crate) fn advance(&self, seconds: i64) {
        self.0.fetch_add(seconds, Ordering::SeqCst);
    }

    pub(crate) fn reading(&self) -> impl Fn() -> i64 + Send + Sync + 'static {
        let now = Arc::clone(&self.0);
        move || now.load(Ordering::SeqCst)
    }
}

/// A builder with the test secret and a clock frozen at `NOW`.
pub(crate) fn builder() -> VerifierBuilder {
    Verifier::builder().secret(SECRET).clock(|| NOW)
}

pub(crate) fn verifier() -> Verifier {
    builder().build().unwrap()
}

/// The reference's `workflow.instance.halted` example as a body.
pub(crate) fn halted_body(delivery_id: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "event": names::INSTANCE_HALTED,
        "delivery_id": delivery_id,
        "timestamp": "2026-01-20T12:00:01Z",
        "data": {
            "instance_id": "inst_xyz",
            "workflow_name": "approval_workflow",
            "version_id": "v_abc123",
            "namespace": "user_123",
            "current_state": "await_approval",
            "workflow_data": {"request_id": "req_456", "amount": 5000, "status": "pending"},
            "halting_presentation": {
                "type": "form",
                "title": "Approval Required",
                "fields": [
                    {"name": "approved", "type": "boolean", "label": "Approve this request?"},
                    {"name": "comment", "type": "string", "label": "Comment"}
                ]
            }
        }
    }))
    .unwrap()
}

/// Headers of a halted delivery signed with `SECRET` at `timestamp`.
pub(crate) fn signed_halted(delivery_id: &str, timestamp: i64) -> (DeliveryHeaders, Vec<u8>) {
    let body = halted_body(delivery_id);
    let headers = DeliveryHeaders::new(
        SECRET.as_bytes(),
        names::INSTANCE_HALTED,
        delivery_id,
        timestamp,
        0,
        &body,
    );
    (headers, body)
}

/// `headers` as owned pairs, with `name` replaced by `value` (or removed when `None`).
pub(crate) fn with_header(
    headers: &DeliveryHeaders,
    name: &str,
    value: Option<&str>,
) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = headers
        .iter()
        .filter(|(key, _)| *key != name)
        .map(|(key, value)| (key.to_owned(), value.to_owned()))
        .collect();
    if let Some(value) = value {
        pairs.push((name.to_owned(), value.to_owned()));
    }
    pairs
}
