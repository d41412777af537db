//! The mock's clock.
//!
//! Everything time-dependent in the mock (timestamps, token expiry, rate-limit windows,
//! webhook retries, instance TTLs, and the `Date` seen by scripts) reads this clock, so a
//! test can move time forward instead of sleeping.

use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Duration, Utc};

/// A shared, adjustable clock.
///
/// By default it follows the system clock. It can be shifted forward or backward
/// ([`Clock::advance`], [`Clock::set`]) and frozen ([`Clock::freeze`]); clones share the same
/// setting.
#[derive(Clone, Debug, Default)]
pub struct Clock {
    inner: Arc<Mutex<ClockState>>,
}

#[derive(Debug, Default)]
struct ClockState {
    /// Added to the system time while the clock runs.
    offset: Duration,
    /// The fixed reading while the clock is frozen.
    frozen_at: Option<DateTime<Utc>>,
}

impl Clock {
    /// A clock that follows the system time.
    pub fn system() -> Self {
        Self::default()
    }

    /// A clock frozen at `at`: it only moves when told to.
    pub fn frozen_at(at: DateTime<Utc>) -> Self {
        let clock = Self::default();
        clock.lock().frozen_at = Some(at);
        clock
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ClockState> {
        // The state is two plain values; a panic elsewhere cannot leave it inconsistent.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The current reading.
    pub fn now(&self) -> DateTime<Utc> {
        let state = self.lock();
        match state.frozen_at {
            Some(at) => at,
            None => shifted(Utc::now(), state.offset),
        }
    }

    /// Whether the clock is frozen.
    pub fn is_frozen(&self) -> bool {
        self.lock().frozen_at.is_some()
    }

    /// Moves the clock by `by` (negative moves it back) and returns the new reading.
    pub fn advance(&self, by: Duration) -> DateTime<Utc> {
        let mut state = self.lock();
        match state.frozen_at.as_mut() {
            Some(at) => {
                *at = shifted(*at, by);
                *at
            }
            None => {
                state.offset = state.offset.checked_add(&by).unwrap_or(state.offset);
                shifted(Utc::now(), state.offset)
            }
        }
    }

    /// Sets the reading to `at`; a running clock keeps running from there.
    pub fn set(&self, at: DateTime<Utc>) {
        let mut state = self.lock();
        match state.frozen_at.as_mut() {
            Some(frozen) => *frozen = at,
            None => state.offset = at - Utc::now(),
        }
    }

    /// Freezes the clock at its current reading, or lets a frozen clock run again from
    /// where it stands.
    pub fn freeze(&self, frozen: bool) {
        let mut state = self.lock();
        match (frozen, state.frozen_at) {
            (true, None) => state.frozen_at = Some(shifted(Utc::now(), state.offset)),
            (false, Some(at)) => {
                state.offset = at - Utc::now();
                state.frozen_at = None;
            }
            _ => {}
        }
    }
}

/// `at` moved by `by`, held at the edge of the representable range rather than
/// overflowing, so no setting of the clock can make reading it panic.
fn shifted(at: DateTime<Utc>, by: Duration) -> DateTime<Utc> {
    at.checked_add_signed(by)
        .unwrap_or(if by < Duration::zero() {
            DateTime::<Utc>::MIN_UTC
        } else {
            DateTime::<Utc>::MAX_UTC
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advancing_a_frozen_clock_moves_it_by_exactly_that_much() {
        let start = DateTime::parse_from_rfc3339("2030-01-01T00:00:00Z")
            .unwrap()
            .to_utc();
        let clock = Clock::frozen_at(start);

        clock.advance(Duration::seconds(90));

        assert_eq!(clock.now(), start + Duration::seconds(90));
    }

    #[test]
    fn a_running_clock_set_in_the_future_keeps_running_from_there() {
        let clock = Clock::system();
        let target = Utc::now() + Duration::days(40);

        clock.set(target);
        let reading = clock.now();

        assert!(reading >= target && reading < target + Duration::seconds(5));
        assert!(!clock.is_frozen());
    }

    #[test]
    fn unfreezing_resumes_from_the_frozen_reading() {
        let clock = Clock::system();
        clock.freeze(true);
        let frozen = clock.now();
        clock.advance(Duration::hours(2));

        clock.freeze(false);

        let reading = clock.now();
        assert!(reading >= frozen + Duration::hours(2));
        assert!(reading < frozen + Duration::hours(2) + Duration::seconds(5));
    }

    #[test]
    fn moving_past_the_representable_range_saturates_instead_of_panicking() {
        let clock = Clock::frozen_at(DateTime::<Utc>::MAX_UTC - Duration::days(1));

        clock.advance(Duration::days(400));

        assert_eq!(clock.now(), DateTime::<Utc>::MAX_UTC);
    }
}
