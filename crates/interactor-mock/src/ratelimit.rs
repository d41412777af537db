//! Rate limits per account and category, in fixed one-minute windows of the mock's clock.
//!
//! Windows start on the minute, so `X-RateLimit-Reset` is the next whole minute and a test
//! that advances the clock by a minute gets a fresh allowance.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::clock::Clock;

/// What a request counts against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Category {
    /// Reads (1000 a minute by default).
    Read,
    /// Writes (100 a minute by default).
    Write,
    /// Instance creation (50 a minute by default).
    CreateInstance,
}

/// The limits, per account and minute.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RateLimits {
    /// Whether limits apply at all.
    pub enabled: bool,
    /// Reads a minute.
    pub read: u32,
    /// Writes a minute.
    pub write: u32,
    /// Instance creations a minute.
    pub create_instance: u32,
}

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            enabled: true,
            read: 1000,
            write: 100,
            create_instance: 50,
        }
    }
}

impl Category {
    fn index(self) -> usize {
        match self {
            Self::Read => 0,
            Self::Write => 1,
            Self::CreateInstance => 2,
        }
    }
}

impl RateLimits {
    fn limit(&self, category: Category) -> u32 {
        match category {
            Category::Read => self.read,
            Category::Write => self.write,
            Category::CreateInstance => self.create_instance,
        }
    }
}

/// The outcome of counting one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decision {
    /// Whether the request may go ahead.
    pub allowed: bool,
    /// The limit of its category.
    pub limit: u32,
    /// Requests left in the window after this one.
    pub remaining: u32,
    /// When the window ends (unix seconds).
    pub reset: i64,
    /// Seconds until the window ends (at least 1).
    pub retry_after: u64,
}

/// Counts requests per account, category and window.
#[derive(Debug)]
pub struct RateLimiter {
    clock: Clock,
    limits: Mutex<RateLimits>,
    /// Per account: the window start and count of each category, indexed by
    /// [`Category::index`].
    windows: Mutex<HashMap<String, [(i64, u32); 3]>>,
}

impl RateLimiter {
    /// A limiter with `limits`, reading `clock`.
    pub fn new(clock: Clock, limits: RateLimits) -> Self {
        Self {
            clock,
            limits: Mutex::new(limits),
            windows: Mutex::default(),
        }
    }

    /// The limits in force.
    pub fn limits(&self) -> RateLimits {
        *self.limits.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Replaces the limits (counts so far are kept).
    pub fn set_limits(&self, limits: RateLimits) {
        *self.limits.lock().unwrap_or_else(PoisonError::into_inner) = limits;
    }

    /// Forgets every count.
    pub fn reset(&self) {
        self.windows
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    /// Counts one request of `account` in `category`. A refused request is not counted.
    pub fn check(&self, account: &str, category: Category) -> Decision {
        let limits = self.limits();
        let limit = limits.limit(category);
        let now = self.clock.now();
        let window = window_start(now);
        let reset = window + 60;
        let retry_after = u64::try_from((reset - now.timestamp()).max(1)).unwrap_or(1);

        let mut windows = self.windows.lock().unwrap_or_else(PoisonError::into_inner);
        // Look the account up before inserting, so that a known account costs no allocation.
        if !windows.contains_key(account) {
            windows.insert(account.to_owned(), [(window, 0); 3]);
        }
        let Some(counts) = windows.get_mut(account) else {
            return Decision {
                allowed: true,
                limit,
                remaining: limit,
                reset,
                retry_after,
            };
        };
        let entry = &mut counts[category.index()];
        if entry.0 != window {
            *entry = (window, 0);
        }
        let allowed = !limits.enabled || entry.1 < limit;
        if allowed {
            entry.1 = entry.1.saturating_add(1);
        }
        Decision {
            allowed,
            limit,
            remaining: limit.saturating_sub(entry.1),
            reset,
            retry_after,
        }
    }
}

fn window_start(now: DateTime<Utc>) -> i64 {
    now.timestamp().div_euclid(60) * 60
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(write: u32) -> RateLimiter {
        let start = DateTime::parse_from_rfc3339("2030-01-01T00:00:10Z")
            .unwrap()
            .to_utc();
        RateLimiter::new(
            Clock::frozen_at(start),
            RateLimits {
                write,
                ..RateLimits::default()
            },
        )
    }

    #[test]
    fn the_request_past_the_limit_is_refused_until_the_next_minute() {
        let limiter = limiter(2);

        let first = limiter.check("acct", Category::Write);
        let second = limiter.check("acct", Category::Write);
        let third = limiter.check("acct", Category::Write);

        assert!(first.allowed && second.allowed && !third.allowed);
        assert_eq!(
            (first.remaining, second.remaining, third.remaining),
            (1, 0, 0)
        );
        assert_eq!(third.retry_after, 50);
        limiter.clock.advance(chrono::Duration::seconds(50));
        assert!(limiter.check("acct", Category::Write).allowed);
    }

    #[test]
    fn accounts_and_categories_count_separately() {
        let limiter = limiter(1);

        assert!(limiter.check("a", Category::Write).allowed);
        assert!(limiter.check("b", Category::Write).allowed);
        assert!(limiter.check("a", Category::Read).allowed);
        assert!(!limiter.check("a", Category::Write).allowed);
    }

    #[test]
    fn disabled_limits_allow_everything_but_still_report() {
        let limiter = limiter(1);
        limiter.set_limits(RateLimits {
            enabled: false,
            write: 1,
            ..RateLimits::default()
        });

        for _ in 0..5 {
            assert!(limiter.check("a", Category::Write).allowed);
        }
    }
}
