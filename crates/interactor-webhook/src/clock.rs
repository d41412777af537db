//! Where a [`Verifier`](crate::Verifier) gets the current time from.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

/// A source of the current unix time in seconds.
///
/// [`SystemClock`] is the default. Any `Fn() -> i64 + Send + Sync` closure is a clock too,
/// which is how tests and simulated time plug in.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicI64, Ordering};
/// use interactor_webhook::Verifier;
///
/// let now = Arc::new(AtomicI64::new(1_705_752_000));
/// let clock = Arc::clone(&now);
/// let verifier = Verifier::builder()
///     .secret("whsec_test")
///     .clock(move || clock.load(Ordering::SeqCst))
///     .build()?;
/// now.fetch_add(60, Ordering::SeqCst);
/// # Ok::<(), interactor_webhook::ConfigError>(())
/// ```
pub trait Clock: Send + Sync {
    /// The current unix time in seconds.
    fn now_unix(&self) -> i64;
}

impl<F: Fn() -> i64 + Send + Sync> Clock for F {
    fn now_unix(&self) -> i64 {
        self()
    }
}

/// The operating system's wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_unix(&self) -> i64 {
        match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(since) => i64::try_from(since.as_secs()).unwrap_or(i64::MAX),
            // A wall clock set before 1970: report it as such rather than failing.
            Err(before) => i64::try_from(before.duration().as_secs()).map_or(i64::MIN, |s| -s),
        }
    }
}

/// A clock behind a trait object, printable without exposing the closure.
pub(crate) struct SharedClock(pub(crate) Box<dyn Clock>);

impl fmt::Debug for SharedClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Clock")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_clock_is_after_2020() {
        assert!(SystemClock.now_unix() > 1_577_836_800);
    }

    #[test]
    fn closures_are_clocks() {
        let clock = || 42;

        assert_eq!(clock.now_unix(), 42);
    }
}
