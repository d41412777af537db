//! Whole-server operations behind the admin API: reset, state export and import, and
//! the work that falls due when the clock moves.

use serde::{Deserialize, Serialize};

use super::AppState;
use super::response::ApiError;
use crate::auth::AuthState;
use crate::engine::EngineSnapshot;

/// Everything `GET /_mock/state` exports and `PUT /_mock/state` imports.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct MockState {
    /// Workflows, versions, instances with their history, secrets, canned replies.
    pub engine: EngineSnapshot,
    /// OAuth clients and issued tokens.
    auth: AuthState,
}

impl AppState {
    /// Back to the state right after start-up: everything dropped, the config loaded again.
    /// The clock is left as it is.
    pub(crate) async fn reset(&self) -> Result<(), ApiError> {
        self.engine.reset();
        self.auth.reset();
        self.limiter.reset();
        self.idempotency.reset();
        self.faults.clear();
        self.journal.clear();

        let state = self.clone();
        super::blocking(move || state.config.apply(&state.engine, &state.auth)).await
    }

    /// Runs what fell due after the clock moved: TTL cancellations.
    pub(crate) async fn clock_moved(&self) {
        let engine = self.engine.clone();
        let swept = super::blocking(move || Ok(engine.sweep_expired())).await;
        if let Ok(count) = swept
            && count > 0
        {
            tracing::debug!(count, "instances cancelled by their TTL");
        }
    }

    /// The whole state.
    pub(crate) async fn export(&self) -> Result<MockState, ApiError> {
        let state = self.clone();
        super::blocking(move || {
            Ok(MockState { engine: state.engine.export(), auth: state.auth.export() })
        })
        .await
    }

    /// Replaces the whole state.
    pub(crate) async fn import(&self, imported: MockState) -> Result<(), ApiError> {
        let state = self.clone();
        super::blocking(move || {
            state.engine.import(imported.engine)?;
            state.auth.import(imported.auth);
            Ok(())
        })
        .await
    }
}
