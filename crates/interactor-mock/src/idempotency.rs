//! `Idempotency-Key` handling for create instance, resume and thread resume.
//!
//! The first request with a key runs; its status and body are kept for 24 hours of the
//! mock's clock, per account. A later request with the same key and the same method,
//! path and body gets the kept answer with `Idempotent-Replayed: true`; one with another
//! body gets `409 idempotency_key_reused`. A request that arrives while the first is still
//! running waits for it and then gets its answer.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};
use tokio::sync::watch;

use crate::clock::Clock;

/// How long an answer is kept.
pub const RETENTION: Duration = Duration::hours(24);

/// A kept answer.
#[derive(Clone, Debug, PartialEq)]
pub struct Stored {
    /// Its status.
    pub status: u16,
    /// Its body.
    pub body: bytes::Bytes,
}

#[derive(Debug)]
enum Slot {
    /// The first request is running; waiters watch for its answer (`None` when it ended
    /// without one, for example when its connection dropped).
    Running {
        fingerprint: [u8; 32],
        done: watch::Receiver<Option<Option<Stored>>>,
    },
    Done {
        fingerprint: [u8; 32],
        stored: Stored,
        at: DateTime<Utc>,
    },
}

/// What to do with a keyed request.
#[derive(Debug)]
pub enum Claim {
    /// Run it, then call [`Ticket::finish`].
    Run(Ticket),
    /// Answer with this kept answer.
    Replay(Stored),
    /// The key was used with another request.
    Conflict,
}

/// The right to run a keyed request; dropping it without finishing frees the key.
#[derive(Debug)]
pub struct Ticket {
    store: Arc<Inner>,
    key: (String, String),
    fingerprint: [u8; 32],
    done: Option<watch::Sender<Option<Option<Stored>>>>,
}

impl Ticket {
    /// Keeps `stored` as the key's answer and wakes the waiters.
    pub fn finish(mut self, stored: Stored) {
        let at = self.store.clock.now();
        let slot = Slot::Done {
            fingerprint: self.fingerprint,
            stored: stored.clone(),
            at,
        };
        self.store.lock().insert(self.key.clone(), slot);
        if let Some(done) = self.done.take() {
            let _ = done.send(Some(Some(stored)));
        }
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        if let Some(done) = self.done.take() {
            // Ended without an answer: free the key so the next request runs.
            self.store.lock().remove(&self.key);
            let _ = done.send(Some(None));
        }
    }
}

#[derive(Debug)]
struct Inner {
    clock: Clock,
    slots: Mutex<HashMap<(String, String), Slot>>,
}

impl Inner {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(String, String), Slot>> {
        self.slots.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Kept answers, per account and key.
#[derive(Clone, Debug)]
pub struct IdempotencyStore {
    inner: Arc<Inner>,
}

impl IdempotencyStore {
    /// An empty store reading `clock`.
    pub fn new(clock: Clock) -> Self {
        Self {
            inner: Arc::new(Inner {
                clock,
                slots: Mutex::default(),
            }),
        }
    }

    /// Forgets every key.
    pub fn reset(&self) {
        self.inner.lock().clear();
    }

    /// The fingerprint of a request: method, path and body.
    pub fn fingerprint(method: &str, path: &str, body: &[u8]) -> [u8; 32] {
        let mut hasher = Sha256::new();
        hasher.update(method.as_bytes());
        hasher.update([0]);
        hasher.update(path.as_bytes());
        hasher.update([0]);
        hasher.update(body);
        hasher.finalize().into()
    }

    /// Decides what to do with a request carrying `key`, waiting while another request
    /// with the key is running.
    pub async fn claim(&self, account: &str, key: &str, fingerprint: [u8; 32]) -> Claim {
        let map_key = (account.to_owned(), key.to_owned());
        loop {
            let mut waiting = {
                let now = self.inner.clock.now();
                let mut slots = self.inner.lock();
                match slots.get(&map_key) {
                    Some(Slot::Done { at, .. }) if now - *at >= RETENTION => {
                        slots.remove(&map_key);
                        continue;
                    }
                    Some(Slot::Done {
                        fingerprint: kept,
                        stored,
                        ..
                    }) => {
                        return if *kept == fingerprint {
                            Claim::Replay(stored.clone())
                        } else {
                            Claim::Conflict
                        };
                    }
                    Some(Slot::Running {
                        fingerprint: kept, ..
                    }) if *kept != fingerprint => {
                        return Claim::Conflict;
                    }
                    Some(Slot::Running { done, .. }) => done.clone(),
                    None => {
                        let (sender, receiver) = watch::channel(None);
                        slots.insert(
                            map_key.clone(),
                            Slot::Running {
                                fingerprint,
                                done: receiver,
                            },
                        );
                        return Claim::Run(Ticket {
                            store: Arc::clone(&self.inner),
                            key: map_key,
                            fingerprint,
                            done: Some(sender),
                        });
                    }
                }
            };
            // Wait for the running request to end, then look again.
            let _ = waiting.wait_for(Option::is_some).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored(body: &'static str) -> Stored {
        Stored {
            status: 201,
            body: bytes::Bytes::from_static(body.as_bytes()),
        }
    }

    #[tokio::test]
    async fn the_same_request_is_replayed_and_another_conflicts() {
        let store = IdempotencyStore::new(Clock::system());
        let print = IdempotencyStore::fingerprint("POST", "/x", b"{}");
        let Claim::Run(ticket) = store.claim("acct", "k", print).await else {
            panic!("runs")
        };
        ticket.finish(stored("first"));

        let replay = store.claim("acct", "k", print).await;
        let other = store
            .claim(
                "acct",
                "k",
                IdempotencyStore::fingerprint("POST", "/x", b"{1}"),
            )
            .await;
        let other_account = store.claim("acct2", "k", print).await;

        assert!(matches!(replay, Claim::Replay(s) if s == stored("first")));
        assert!(matches!(other, Claim::Conflict));
        assert!(matches!(other_account, Claim::Run(_)));
    }

    #[tokio::test]
    async fn a_duplicate_in_flight_waits_for_the_first_answer() {
        let store = IdempotencyStore::new(Clock::system());
        let print = IdempotencyStore::fingerprint("POST", "/x", b"{}");
        let Claim::Run(ticket) = store.claim("acct", "k", print).await else {
            panic!("runs")
        };

        let waiter = tokio::spawn({
            let store = store.clone();
            async move { store.claim("acct", "k", print).await }
        });
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        assert!(!waiter.is_finished());
        ticket.finish(stored("answer"));

        assert!(matches!(waiter.await.unwrap(), Claim::Replay(s) if s == stored("answer")));
    }

    #[tokio::test]
    async fn answers_expire_after_a_day_of_the_clock() {
        let clock = Clock::frozen_at(Utc::now());
        let store = IdempotencyStore::new(clock.clone());
        let print = IdempotencyStore::fingerprint("POST", "/x", b"{}");
        let Claim::Run(ticket) = store.claim("acct", "k", print).await else {
            panic!("runs")
        };
        ticket.finish(stored("old"));

        clock.advance(Duration::hours(24));

        assert!(matches!(
            store.claim("acct", "k", print).await,
            Claim::Run(_)
        ));
    }

    #[tokio::test]
    async fn a_ticket_dropped_without_an_answer_frees_the_key() {
        let store = IdempotencyStore::new(Clock::system());
        let print = IdempotencyStore::fingerprint("POST", "/x", b"{}");
        let Claim::Run(ticket) = store.claim("acct", "k", print).await else {
            panic!("runs")
        };

        drop(ticket);

        assert!(matches!(
            store.claim("acct", "k", print).await,
            Claim::Run(_)
        ));
    }
}
