//! [`VerifierBuilder`]: how a [`Verifier`] is configured.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::clock::{Clock, SharedClock, SystemClock};
use crate::error::ConfigError;
use crate::replay::ReplayGuard;
use crate::signature::Signer;
use crate::verifier::{
    DEFAULT_FUTURE_SKEW, DEFAULT_MAX_BODY_SIZE, DEFAULT_TOLERANCE, Inner, Verifier,
};

/// Configures a [`Verifier`]; start with [`Verifier::builder`].
#[must_use = "a builder does nothing until `build` is called"]
pub struct VerifierBuilder {
    signers: Vec<Signer>,
    empty_secret: bool,
    tolerance: Duration,
    future_skew: Duration,
    max_body_size: usize,
    clock: Box<dyn Clock>,
    replay_guard: Option<Arc<dyn ReplayGuard>>,
}

impl Default for VerifierBuilder {
    fn default() -> Self {
        Self {
            signers: Vec::new(),
            empty_secret: false,
            tolerance: DEFAULT_TOLERANCE,
            future_skew: DEFAULT_FUTURE_SKEW,
            max_body_size: DEFAULT_MAX_BODY_SIZE,
            clock: Box::new(SystemClock),
            replay_guard: None,
        }
    }
}

impl VerifierBuilder {
    /// Accepts signatures made with `secret` (a text secret is used as its UTF-8 bytes).
    /// Call it again, or use [`secrets`](Self::secrets), to accept several during a
    /// rotation.
    pub fn secret(mut self, secret: impl AsRef<[u8]>) -> Self {
        let secret = secret.as_ref();
        self.empty_secret |= secret.is_empty();
        self.signers.push(Signer::new(secret));
        self
    }

    /// Accepts signatures made with any of `secrets`.
    pub fn secrets<I>(self, secrets: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        secrets.into_iter().fold(self, Self::secret)
    }

    /// How old a timestamp may be ([`DEFAULT_TOLERANCE`] unless set); whole seconds.
    pub fn tolerance(mut self, tolerance: Duration) -> Self {
        self.tolerance = tolerance;
        self
    }

    /// How far into the future a timestamp may lie ([`DEFAULT_FUTURE_SKEW`] unless set);
    /// whole seconds.
    pub fn future_skew(mut self, skew: Duration) -> Self {
        self.future_skew = skew;
        self
    }

    /// The largest body accepted, in bytes ([`DEFAULT_MAX_BODY_SIZE`] unless set). The
    /// extractors stop reading a body beyond it and answer 413.
    pub fn max_body_size(mut self, bytes: usize) -> Self {
        self.max_body_size = bytes;
        self
    }

    /// Where the current time comes from ([`SystemClock`] unless set).
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Box::new(clock);
        self
    }

    /// Rejects a signature that was already accepted within its window; see
    /// [`ReplayGuard`].
    pub fn replay_guard(mut self, guard: Arc<dyn ReplayGuard>) -> Self {
        self.replay_guard = Some(guard);
        self
    }

    /// Builds the verifier.
    ///
    /// # Errors
    ///
    /// [`ConfigError::NoSecret`] without any secret, [`ConfigError::EmptySecret`] when a
    /// secret is empty.
    pub fn build(self) -> Result<Verifier, ConfigError> {
        if self.signers.is_empty() {
            return Err(ConfigError::NoSecret);
        }
        if self.empty_secret {
            return Err(ConfigError::EmptySecret);
        }
        Ok(Verifier {
            inner: Arc::new(Inner {
                signers: self.signers,
                tolerance_secs: self.tolerance.as_secs(),
                future_skew_secs: self.future_skew.as_secs(),
                max_body_size: self.max_body_size,
                clock: SharedClock(self.clock),
                replay_guard: self.replay_guard,
            }),
        })
    }
}

impl fmt::Debug for VerifierBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifierBuilder")
            .field(
                "secrets",
                &format_args!("<{} redacted>", self.signers.len()),
            )
            .field("tolerance", &self.tolerance)
            .field("future_skew", &self.future_skew)
            .field("max_body_size", &self.max_body_size)
            .field("replay_guard", &self.replay_guard)
            .finish_non_exhaustive()
    }
}
