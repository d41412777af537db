//! The token cache: proactive refresh, single flight, and rejection after a 401.

use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use http::HeaderValue;
use tokio::sync::Mutex;

use super::TokenSource;
use crate::error::Result;

/// Refresh this long before a token expires...
const REFRESH_MARGIN: Duration = Duration::from_secs(30);
/// ...plus a random part of up to this much, so that clients spread their refreshes...
const REFRESH_JITTER: Duration = Duration::from_secs(30);
// ...but never earlier than halfway through the token's life, so short-lived tokens are used.

/// A token ready to be sent, with the times it should be replaced and stops working.
struct CachedToken {
    header: HeaderValue,
    refresh_at: Option<Instant>,
    expires_at: Option<Instant>,
}

impl CachedToken {
    fn is_fresh(&self, now: Instant) -> bool {
        self.refresh_at.is_none_or(|at| now < at)
    }

    fn is_usable(&self, now: Instant) -> bool {
        self.expires_at.is_none_or(|at| now < at)
    }
}

/// Holds the current token of a client and replaces it when due.
///
/// Implementation rationale: the current token sits behind a std `RwLock` because every
/// request reads it and the lock is never held across an `.await`. Refreshing holds a tokio
/// `Mutex` across the fetch: callers that find the token due queue on it, and all but the
/// first find a fresh token once they get it (single flight).
pub(crate) struct TokenCache {
    source: Arc<dyn TokenSource>,
    current: RwLock<Option<CachedToken>>,
    refreshing: Mutex<()>,
}

impl TokenCache {
    pub(crate) fn new(source: Arc<dyn TokenSource>) -> Self {
        Self {
            source,
            current: RwLock::new(None),
            refreshing: Mutex::new(()),
        }
    }

    pub(crate) async fn header(&self) -> Result<HeaderValue> {
        if let Some(header) = self.fresh_header() {
            return Ok(header);
        }

        let _refresh = self.refreshing.lock().await;
        if let Some(header) = self.fresh_header() {
            return Ok(header);
        }

        tracing::debug!("fetching a new access token");
        match self.fetch().await {
            Ok(header) => Ok(header),
            Err(err) => match self.usable_header() {
                Some(header) => {
                    tracing::debug!(error = %err, "token refresh failed; keeping the valid token");
                    Ok(header)
                }
                None => Err(err),
            },
        }
    }

    pub(crate) fn reject(&self, rejected: &HeaderValue) {
        let mut current = self.current.write().unwrap_or_else(PoisonError::into_inner);
        if current
            .as_ref()
            .is_some_and(|token| token.header == *rejected)
        {
            tracing::debug!("access token rejected; it will be replaced");
            *current = None;
        }
    }

    async fn fetch(&self) -> Result<HeaderValue> {
        let token = self.source.fetch().await?;
        let header = token.header()?;
        let now = Instant::now();
        // A lifetime too long to represent (a server may send any `expires_in`) never expires.
        let cached = CachedToken {
            header: header.clone(),
            refresh_at: token
                .lifetime()
                .and_then(|lifetime| now.checked_add(refresh_after(lifetime))),
            expires_at: token
                .lifetime()
                .and_then(|lifetime| now.checked_add(lifetime)),
        };
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = Some(cached);
        Ok(header)
    }

    fn fresh_header(&self) -> Option<HeaderValue> {
        let current = self.current.read().unwrap_or_else(PoisonError::into_inner);
        let token = current.as_ref()?;
        token.is_fresh(Instant::now()).then(|| token.header.clone())
    }

    fn usable_header(&self) -> Option<HeaderValue> {
        let current = self.current.read().unwrap_or_else(PoisonError::into_inner);
        let token = current.as_ref()?;
        token
            .is_usable(Instant::now())
            .then(|| token.header.clone())
    }
}

/// How long after it was issued a token with `lifetime` should be replaced.
fn refresh_after(lifetime: Duration) -> Duration {
    let margin = REFRESH_MARGIN + REFRESH_JITTER.mul_f64(fastrand::f64());
    lifetime - margin.min(lifetime / 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lived_tokens_are_refreshed_within_a_jittered_margin() {
        let hour = Duration::from_secs(3600);
        for _ in 0..100 {
            let after = refresh_after(hour);
            assert!(after <= hour - REFRESH_MARGIN, "{after:?}");
            assert!(after >= hour - REFRESH_MARGIN - REFRESH_JITTER, "{after:?}");
        }
    }

    #[test]
    fn short_lived_tokens_are_refreshed_halfway() {
        assert_eq!(
            refresh_after(Duration::from_secs(2)),
            Duration::from_secs(1)
        );
        assert_eq!(refresh_after(Duration::ZERO), Duration::ZERO);
    }
}
