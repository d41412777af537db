//! Whole-server operations behind the admin API: reset, state export and import, and
//! the work that falls due when the clock moves.

use serde::{Deserialize, Serialize};

use super::AppState;
use super::response::ApiError;
use crate::auth::AuthState;
use crate::engine::EngineSnapshot;
use crate::webhooks::SubscriptionSnapshot;

/// Everything `GET /_mock/state` exports and `PUT /_mock/state` imports.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct MockState {
    /// Workflows, versions, instances with their history, secrets, canned replies.
    pub engine: EngineSnapshot,
    /// OAuth clients and issued tokens.
    auth: AuthState,
    /// Webhook subscriptions, secrets included. Deliveries are not kept.
    #[serde(default)]
    subscriptions: Vec<SubscriptionSnapshot>,
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
        self.webhooks.reset();

        let state = self.clone();
        super::blocking(move || state.config.apply(&state.engine, &state.auth)).await
    }

    /// Runs what fell due after the clock moved: TTL cancellations, webhook retries.
    pub(crate) async fn clock_moved(&self) {
        self.webhooks.wake();
        let engine = self.engine.clone();
        match super::blocking(move || Ok(engine.sweep_expired())).await {
            Ok(0) => {}
            Ok(count) => tracing::debug!(count, "instances cancelled by their TTL"),
            Err(err) => tracing::error!(error = %err.body.message, "the TTL sweep failed"),
        }
    }

    /// The whole state.
    pub(crate) async fn export(&self) -> Result<MockState, ApiError> {
        let state = self.clone();
        super::blocking(move || {
            Ok(MockState {
                engine: state.engine.export(),
                auth: state.auth.export(),
                subscriptions: state.webhooks.export_subscriptions(),
            })
        })
        .await
    }

    /// Writes the whole state to the state file, atomically: a temporary file beside it,
    /// flushed to disk, then renamed over it. Does nothing without a state file.
    pub(crate) async fn save(&self) -> Result<Option<std::path::PathBuf>, ApiError> {
        let Some(path) = self.state_file.clone() else {
            return Ok(None);
        };
        let state = self.export().await?;
        let written = path.clone();
        super::blocking(move || {
            write_atomically(&path, &state).map_err(|err| {
                crate::engine::EngineError::new(
                    interactor_client::model::ErrorCode::InternalError,
                    format!("The state could not be saved to {}: {err}", path.display()),
                )
            })
        })
        .await?;
        Ok(Some(written))
    }

    /// Replaces the whole state.
    pub(crate) async fn import(&self, imported: MockState) -> Result<(), ApiError> {
        let state = self.clone();
        super::blocking(move || {
            state.engine.import(imported.engine)?;
            state.auth.import(imported.auth);
            state.webhooks.import_subscriptions(imported.subscriptions);
            Ok(())
        })
        .await
    }
}

/// Serialises `state` into `path` without ever leaving a half-written file there.
pub(crate) fn write_atomically(path: &std::path::Path, state: &MockState) -> std::io::Result<()> {
    use std::io::Write as _;

    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let mut file = std::fs::File::create(&temporary)?;
    serde_json::to_writer(&mut file, state).map_err(std::io::Error::other)?;
    file.flush()?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&temporary, path)
}

/// Reads a state file written by [`write_atomically`].
pub(crate) fn read_state(path: &std::path::Path) -> std::io::Result<MockState> {
    let text = std::fs::read(path)?;
    serde_json::from_slice(&text)
        .map_err(|err| std::io::Error::new(std::io::ErrorKind::InvalidData, err))
}
