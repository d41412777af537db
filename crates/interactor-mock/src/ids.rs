//! Identifier generation.
//!
//! Instance, version, subscription and delivery ids carry random lowercase alphanumerics
//! (the instance schema's `^inst_[a-z0-9]+$`). Event ids are sortable: a hexadecimal
//! millisecond timestamp that never goes backwards, then a sequence number, so that
//! ordering by id is ordering by creation even when the mock's clock is moved back.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Utc};

const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";

/// `prefix` followed by `len` random lowercase alphanumerics.
pub(crate) fn random_id(prefix: &str, len: usize) -> String {
    let mut id = String::with_capacity(prefix.len() + len);
    id.push_str(prefix);
    for _ in 0..len {
        id.push(char::from(ALPHABET[fastrand::usize(..ALPHABET.len())]));
    }
    id
}

/// A new instance id (`inst_…`).
pub(crate) fn instance_id() -> String {
    random_id("inst_", 20)
}

/// A new version id (`v_…`).
pub(crate) fn version_id() -> String {
    random_id("v_", 16)
}

/// A new request id (`req_…`).
pub(crate) fn request_id() -> String {
    random_id("req_", 24)
}

/// Generator of sortable event ids (`evt_…`).
#[derive(Debug, Default)]
pub(crate) struct EventIds {
    last_ms: Mutex<i64>,
    seq: AtomicU64,
}

impl EventIds {
    /// The next event id for an event that happened at `at`.
    pub(crate) fn next(&self, at: DateTime<Utc>) -> String {
        let ms = {
            let mut last = self.last_ms.lock().unwrap_or_else(|e| e.into_inner());
            *last = (*last).max(at.timestamp_millis()).max(0);
            *last
        };
        let seq = self.seq.fetch_add(1, Ordering::Relaxed);
        format!("evt_{ms:012x}{seq:010x}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instance_ids_match_the_documented_pattern() {
        let id = instance_id();
        let rest = id.strip_prefix("inst_").unwrap();
        assert!(!rest.is_empty());
        assert!(
            rest.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        );
    }

    #[test]
    fn event_ids_sort_in_creation_order_even_when_time_goes_back() {
        let ids = EventIds::default();
        let now = Utc::now();
        let a = ids.next(now);
        let b = ids.next(now - chrono::Duration::hours(1));
        let c = ids.next(now + chrono::Duration::milliseconds(1));
        assert!(a < b && b < c, "{a} {b} {c}");
    }
}
