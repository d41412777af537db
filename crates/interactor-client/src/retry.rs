//! When and how long to wait before trying a request again.
//!
//! The schedule (capped exponential growth) comes from `backon`; full jitter is applied on
//! top, so that clients failing together do not retry together. Whether to retry at all is
//! decided in the transport, which sees the method, the idempotency key and the answer.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use backon::{BackoffBuilder, ExponentialBuilder};
use http::HeaderMap;

/// How failed requests are retried.
///
/// Only requests that are safe to send again are retried: reads, deletes, validation,
/// token revocation, and the POSTs that carry an idempotency key (create instance, resume,
/// thread resume). Connection failures (nothing was sent) are retried for every request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryConfig {
    max_retries: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
}

impl Default for RetryConfig {
    /// Three retries, backoff from 200 ms doubling up to 5 s.
    fn default() -> Self {
        Self {
            max_retries: 3,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
        }
    }
}

impl RetryConfig {
    /// No retries at all.
    #[must_use]
    pub fn none() -> Self {
        Self {
            max_retries: 0,
            ..Self::default()
        }
    }

    /// Sets how many times a request may be retried after its first attempt.
    #[must_use]
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = retries;
        self
    }

    /// Sets the backoff bounds: the first delay, and the cap on every delay.
    #[must_use]
    pub fn backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.initial_backoff = initial;
        self.max_backoff = max.max(initial);
        self
    }

    /// The configured number of retries.
    #[must_use]
    pub fn retries(&self) -> u32 {
        self.max_retries
    }

    pub(crate) fn schedule(&self) -> Schedule {
        let backoff = ExponentialBuilder::default()
            .with_min_delay(self.initial_backoff)
            .with_max_delay(self.max_backoff)
            .with_factor(2.0)
            .with_max_times(usize::try_from(self.max_retries).unwrap_or(usize::MAX))
            .build();
        Schedule { backoff }
    }
}

/// The delays of one request's retries.
pub(crate) struct Schedule {
    backoff: <ExponentialBuilder as BackoffBuilder>::Backoff,
}

impl Schedule {
    /// Takes one retry; `None` when none are left. The delay is fully jittered:
    /// uniformly random between zero and the capped exponential delay.
    pub(crate) fn next_delay(&mut self) -> Option<Duration> {
        self.backoff
            .next()
            .map(|ceiling| ceiling.mul_f64(fastrand::f64()))
    }
}

/// How long a 429 (or a 503 with `Retry-After`) asks to wait:
/// `max(Retry-After, X-RateLimit-Reset - now)`, or `None` without either header.
pub(crate) fn advertised_wait(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let retry_after = header_u64(headers, "retry-after").map(Duration::from_secs);
    let reset = header_u64(headers, "x-ratelimit-reset").map(|reset| {
        let now = now.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
        Duration::from_secs(reset.saturating_sub(now))
    });
    match (retry_after, reset) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

fn header_u64(headers: &HeaderMap, name: &str) -> Option<u64> {
    headers.get(name)?.to_str().ok()?.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).expect("valid value"));
        }
        map
    }

    #[test]
    fn wait_is_the_larger_of_retry_after_and_reset() {
        let now = UNIX_EPOCH + Duration::from_secs(1_000);
        let both = headers(&[("retry-after", "2"), ("x-ratelimit-reset", "1005")]);
        assert_eq!(advertised_wait(&both, now), Some(Duration::from_secs(5)));

        let retry_only = headers(&[("retry-after", "7")]);
        assert_eq!(
            advertised_wait(&retry_only, now),
            Some(Duration::from_secs(7))
        );

        let past_reset = headers(&[("x-ratelimit-reset", "900")]);
        assert_eq!(advertised_wait(&past_reset, now), Some(Duration::ZERO));

        assert_eq!(
            advertised_wait(&headers(&[("retry-after", "soon")]), now),
            None
        );
    }

    #[test]
    fn schedule_is_jittered_capped_and_bounded() {
        let config = RetryConfig::default()
            .max_retries(6)
            .backoff(Duration::from_millis(100), Duration::from_millis(400));
        let mut schedule = config.schedule();
        let delays: Vec<_> = std::iter::from_fn(|| schedule.next_delay()).collect();
        assert_eq!(delays.len(), 6);
        assert!(
            delays.iter().all(|d| *d <= Duration::from_millis(400)),
            "{delays:?}"
        );
        assert!(RetryConfig::none().schedule().next_delay().is_none());
    }
}
