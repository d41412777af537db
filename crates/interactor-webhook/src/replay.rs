//! The replay window: rejecting a signature that was already accepted.
//!
//! Only `"{timestamp}.{body}"` is signed, so an attacker who captured a delivery can send it
//! again, unchanged, for as long as its timestamp is within the tolerance. A
//! [`ReplayGuard`] remembers every signature a [`Verifier`](crate::Verifier) accepted until
//! its timestamp falls out of the tolerance (from then on the timestamp check rejects it),
//! and turns a second arrival into [`Error::Replayed`](crate::Error::Replayed).
//!
//! Retries of one delivery are not replays: each attempt is signed afresh with a new
//! timestamp. Deduplicating business effects across retries is the job of the body's
//! `delivery_id`.

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::sync::{Mutex, PoisonError};

use crate::signature::{DIGEST_LEN, Signature};

/// The default number of signatures a [`MemoryReplayGuard`] remembers.
pub const DEFAULT_REPLAY_CAPACITY: usize = 100_000;

/// The outcome of offering a signature to a [`ReplayGuard`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// The signature was not seen within its window; it is now recorded.
    Fresh,
    /// The signature was already accepted and has not expired: a replay.
    Replayed,
}

/// Remembers accepted signatures for the length of the replay window.
///
/// The verifier calls [`check_and_record`](ReplayGuard::check_and_record) once per delivery,
/// after the signature, timestamp and body were all verified, so unauthenticated requests
/// can neither fill the guard nor evict entries from it. Implementations must check and
/// record atomically: two concurrent arrivals of one signature must not both be `Fresh`.
/// A shared store (a database, Redis) can stand behind this trait for receivers that run
/// as several processes.
pub trait ReplayGuard: Send + Sync + fmt::Debug {
    /// Records `signature` until `expires_at` (unix seconds, exclusive) and reports whether
    /// it had already been recorded and not expired at `now`.
    fn check_and_record(&self, signature: &Signature, expires_at: i64, now: i64) -> Admission;
}

/// A bounded, thread-safe, in-memory [`ReplayGuard`].
///
/// Entries expire at the end of their window and are purged lazily on the next call. When
/// the guard is full, the entry closest to expiry is evicted.
///
/// Limitation: an evicted signature can be replayed for the rest of its window; size the
/// capacity above the number of deliveries expected within one tolerance window.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use interactor_webhook::{MemoryReplayGuard, Verifier};
///
/// let verifier = Verifier::builder()
///     .secret("whsec_test")
///     .replay_guard(Arc::new(MemoryReplayGuard::new(10_000)))
///     .build()?;
/// # Ok::<(), interactor_webhook::ConfigError>(())
/// ```
pub struct MemoryReplayGuard {
    capacity: usize,
    // Both indexes change together on every call, so they sit behind one lock; a std
    // `Mutex` suits because it is never held across an `.await` and the critical section
    // is a few map operations.
    state: Mutex<Entries>,
}

#[derive(Default)]
struct Entries {
    /// Signature -> the time its entry expires.
    expiry_of: HashMap<[u8; DIGEST_LEN], i64>,
    /// The same entries ordered by expiry, for purging and eviction.
    by_expiry: BTreeSet<(i64, [u8; DIGEST_LEN])>,
}

impl Entries {
    fn remove_expired(&mut self, now: i64) {
        while let Some(&(expires_at, key)) = self.by_expiry.first() {
            if expires_at > now {
                break;
            }
            self.by_expiry.pop_first();
            self.expiry_of.remove(&key);
        }
    }

    fn evict_soonest(&mut self) {
        if let Some((_, key)) = self.by_expiry.pop_first() {
            self.expiry_of.remove(&key);
        }
    }
}

impl MemoryReplayGuard {
    /// A guard that remembers at most `capacity` signatures (at least one).
    #[must_use]
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            state: Mutex::new(Entries::default()),
        }
    }

    /// The most signatures this guard remembers.
    #[must_use]
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// How many signatures are remembered, including expired ones not yet purged.
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries().expiry_of.len()
    }

    /// Whether no signature is remembered.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, Entries> {
        // The entries stay consistent even if a holder panicked: every update is complete
        // before the next map operation, so a poisoned lock is safe to reuse.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Default for MemoryReplayGuard {
    fn default() -> Self {
        Self::new(DEFAULT_REPLAY_CAPACITY)
    }
}

impl fmt::Debug for MemoryReplayGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryReplayGuard")
            .field("capacity", &self.capacity)
            .field("len", &self.len())
            .finish()
    }
}

impl ReplayGuard for MemoryReplayGuard {
    fn check_and_record(&self, signature: &Signature, expires_at: i64, now: i64) -> Admission {
        let key = *signature.as_bytes();
        let mut entries = self.entries();
        entries.remove_expired(now);

        if entries.expiry_of.contains_key(&key) {
            return Admission::Replayed;
        }
        if expires_at <= now {
            // Already outside its window: the timestamp check rejects any later copy.
            return Admission::Fresh;
        }

        if entries.expiry_of.len() >= self.capacity {
            tracing::debug!(
                target: crate::LOG_TARGET,
                capacity = self.capacity,
                "replay guard full, evicting the entry closest to expiry"
            );
            entries.evict_soonest();
        }
        entries.expiry_of.insert(key, expires_at);
        entries.by_expiry.insert((expires_at, key));
        Admission::Fresh
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signature(n: u8) -> Signature {
        Signature::from_bytes([n; DIGEST_LEN])
    }

    #[test]
    fn a_signature_is_fresh_once_and_replayed_afterwards() {
        let guard = MemoryReplayGuard::new(4);

        assert_eq!(
            guard.check_and_record(&signature(1), 100, 0),
            Admission::Fresh
        );
        assert_eq!(
            guard.check_and_record(&signature(1), 100, 50),
            Admission::Replayed
        );
        assert_eq!(
            guard.check_and_record(&signature(2), 100, 50),
            Admission::Fresh
        );
    }

    #[test]
    fn entries_expire_at_their_expiry_time() {
        let guard = MemoryReplayGuard::new(4);
        guard.check_and_record(&signature(1), 100, 0);

        assert_eq!(
            guard.check_and_record(&signature(1), 100, 99),
            Admission::Replayed
        );
        assert_eq!(
            guard.check_and_record(&signature(1), 200, 100),
            Admission::Fresh
        );
    }

    #[test]
    fn a_full_guard_evicts_the_entry_closest_to_expiry() {
        let guard = MemoryReplayGuard::new(2);
        guard.check_and_record(&signature(1), 300, 0);
        guard.check_and_record(&signature(2), 100, 0);

        guard.check_and_record(&signature(3), 200, 0);

        assert_eq!(guard.len(), 2);
        assert_eq!(
            guard.check_and_record(&signature(1), 300, 1),
            Admission::Replayed
        );
        assert_eq!(
            guard.check_and_record(&signature(3), 200, 1),
            Admission::Replayed
        );
    }

    #[test]
    fn expired_entries_are_purged_before_counting() {
        let guard = MemoryReplayGuard::new(8);
        for n in 0..8 {
            guard.check_and_record(&signature(n), 10, 0);
        }

        guard.check_and_record(&signature(100), 50, 10);

        assert_eq!(guard.len(), 1);
    }
}
