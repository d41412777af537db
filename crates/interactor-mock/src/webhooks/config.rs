//! [`WebhookConfig`] and the retry schedule.

use std::time::Duration;

/// How long after a failed attempt the next one is made, on the mock's clock: +30 s, +2 m,
/// +8 m, +30 m, +2 h. With the first, immediate attempt that makes
/// [`MAX_ATTEMPTS`] attempts in all.
pub const RETRY_DELAYS: [Duration; 5] = [
    Duration::from_secs(30),
    Duration::from_secs(2 * 60),
    Duration::from_secs(8 * 60),
    Duration::from_secs(30 * 60),
    Duration::from_secs(2 * 60 * 60),
];

/// Attempts of one delivery cycle before the delivery is dead: the first plus one per
/// entry of [`RETRY_DELAYS`].
pub const MAX_ATTEMPTS: u32 = RETRY_DELAYS.len() as u32 + 1;

/// How long the receiver has to answer one attempt, by default (the reference's 30 s).
pub const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(30);

/// How often the dispatcher looks for due attempts when nothing wakes it, by default.
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_millis(20);

/// How many finished (succeeded or dead) deliveries are kept, by default.
pub const DEFAULT_RETAINED_DELIVERIES: usize = 10_000;

/// Settings of webhook delivery.
///
/// The retry schedule itself is fixed ([`RETRY_DELAYS`]); what can be tuned is how long a
/// receiver may take (tests use a fraction of a second instead of 30 s), how often the
/// dispatcher polls, and how much history is kept.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use interactor_mock::webhooks::WebhookConfig;
///
/// let mut config = WebhookConfig::default();
/// config.attempt_timeout = Duration::from_millis(500);
/// assert_eq!(config.poll_interval, Duration::from_millis(20));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct WebhookConfig {
    /// How long the receiver has to answer one attempt (default 30 s); an attempt that
    /// takes longer fails with a timeout and is retried.
    pub attempt_timeout: Duration,
    /// How often, in real time, the dispatcher looks for due attempts when nothing wakes
    /// it (default 20 ms). A move of the mock's clock is noticed within this interval, or
    /// at once after [`Webhooks::wake`](super::Webhooks::wake).
    pub poll_interval: Duration,
    /// How many finished (succeeded or dead) deliveries are kept for inspection (default
    /// 10 000); past that, the oldest finished ones are forgotten. Pending deliveries are
    /// always kept.
    pub retained_deliveries: usize,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        Self {
            attempt_timeout: DEFAULT_ATTEMPT_TIMEOUT,
            poll_interval: DEFAULT_POLL_INTERVAL,
            retained_deliveries: DEFAULT_RETAINED_DELIVERIES,
        }
    }
}

/// The delay before the attempt that follows `attempts_made` attempts of one cycle, or
/// `None` when the cycle is exhausted.
pub(super) fn retry_delay(attempts_made: u32) -> Option<Duration> {
    let index = usize::try_from(attempts_made.checked_sub(1)?).ok()?;
    RETRY_DELAYS.get(index).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schedule_adds_up_to_the_reference_table() {
        let cumulative: Vec<u64> = (1..MAX_ATTEMPTS)
            .scan(0, |total, made| {
                *total += retry_delay(made).unwrap().as_secs();
                Some(*total)
            })
            .collect();

        assert_eq!(cumulative, [30, 150, 630, 2430, 9630]);
        assert_eq!(retry_delay(MAX_ATTEMPTS), None);
        assert_eq!(retry_delay(0), None);
    }
}
