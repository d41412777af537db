//! [`MockServer`]: the mock served over HTTP on a local port.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::api::{self, AppState, AppStateInner, Faults, RequestJournal};
use crate::auth::{Auth, DEFAULT_TOKEN_TTL_SECONDS};
use crate::clock::Clock;
use crate::config::MockConfig;
use crate::engine::{Engine, EngineConfig};
use crate::idempotency::IdempotencyStore;
use crate::ratelimit::{RateLimiter, RateLimits};
use crate::script::ScriptLimits;
use crate::webhooks::{WebhookConfig, Webhooks};

/// The token the mock accepts unless told otherwise.
pub const DEFAULT_DEV_TOKEN: &str = "dev_token";

/// Settings for a [`MockServer`], built with [`MockServer::builder`].
#[derive(Debug)]
#[must_use = "a builder does nothing until `start` is called"]
pub struct MockServerBuilder {
    addr: SocketAddr,
    dev_token: String,
    clock: Clock,
    rate_limits: RateLimits,
    token_ttl_seconds: u64,
    engine: EngineConfig,
    config: MockConfig,
    state_file: Option<std::path::PathBuf>,
    webhooks: WebhookConfig,
}

impl Default for MockServerBuilder {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            dev_token: DEFAULT_DEV_TOKEN.to_owned(),
            clock: Clock::system(),
            rate_limits: RateLimits::default(),
            token_ttl_seconds: DEFAULT_TOKEN_TTL_SECONDS,
            engine: EngineConfig::default(),
            config: MockConfig::default(),
            state_file: None,
            webhooks: WebhookConfig::default(),
        }
    }
}

impl MockServerBuilder {
    /// The address to listen on (default `127.0.0.1:0`, a free port).
    pub fn addr(mut self, addr: SocketAddr) -> Self {
        self.addr = addr;
        self
    }

    /// The bearer token that never expires and may do everything (default `dev_token`).
    pub fn dev_token(mut self, token: impl Into<String>) -> Self {
        self.dev_token = token.into();
        self
    }

    /// The clock the mock reads (default: the system clock, adjustable at run time).
    pub fn clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// Limits for script logic (default: 5 s, 16 MiB, as the platform).
    pub fn script_limits(mut self, limits: ScriptLimits) -> Self {
        self.engine.script_limits = limits;
        self
    }

    /// Active instances one namespace may have (default 10,000).
    pub fn max_active_per_namespace(mut self, limit: usize) -> Self {
        self.engine.max_active_per_namespace = limit;
        self
    }

    /// A file to load the state from at start-up (when it exists) and to save it to on
    /// [`MockServer::shutdown`] and `POST /_mock/state/save`.
    pub fn state_file(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.state_file = Some(path.into());
        self
    }

    /// How webhook deliveries are sent (default: a 30 s timeout per attempt, as the
    /// platform).
    pub fn webhook_config(mut self, config: WebhookConfig) -> Self {
        self.webhooks = config;
        self
    }

    /// What to load at start-up and on every reset. Its limits override the builder's.
    pub fn config(mut self, config: MockConfig) -> Self {
        if let Some(limits) = config.limits.rate_limits {
            self.rate_limits = limits;
        }
        if let Some(ttl) = config.limits.token_ttl_seconds {
            self.token_ttl_seconds = ttl;
        }
        if let Some(max) = config.limits.max_active_instances_per_namespace {
            self.engine.max_active_per_namespace = max;
        }
        self.config = config;
        self
    }

    /// Rate limits per account and minute (default: the platform's 1000 reads, 100 writes,
    /// 50 instance creations).
    pub fn rate_limits(mut self, limits: RateLimits) -> Self {
        self.rate_limits = limits;
        self
    }

    /// Switches rate limiting off (the headers are still sent).
    pub fn no_rate_limits(mut self) -> Self {
        self.rate_limits.enabled = false;
        self
    }

    /// Lifetime of issued access tokens (default 3600 s).
    pub fn token_ttl_seconds(mut self, seconds: u64) -> Self {
        self.token_ttl_seconds = seconds;
        self
    }

    /// Binds the address, loads the config, and starts serving in a background task.
    ///
    /// # Errors
    ///
    /// When the address cannot be bound, or a workflow of the config is invalid.
    pub async fn start(self) -> std::io::Result<MockServer> {
        let listener = TcpListener::bind(self.addr).await?;
        let addr = listener.local_addr()?;
        let engine = Engine::new(self.clock.clone(), self.engine);
        let webhooks = Webhooks::new(self.clock.clone(), self.webhooks.clone());
        engine.set_event_sink(Arc::new(webhooks.clone()));
        let state = AppState::new(AppStateInner {
            engine: engine.clone(),
            auth: Arc::new(Auth::new(
                self.clock.clone(),
                &self.dev_token,
                self.token_ttl_seconds,
            )),
            limiter: Arc::new(RateLimiter::new(self.clock.clone(), self.rate_limits)),
            idempotency: IdempotencyStore::new(self.clock.clone()),
            faults: Arc::new(Faults::default()),
            journal: Arc::new(RequestJournal::default()),
            webhooks: webhooks.clone(),
            config: Arc::new(self.config),
            state_file: self.state_file.clone(),
        });
        state
            .config
            .apply(&state.engine, &state.auth)
            .map_err(|err| {
                std::io::Error::new(std::io::ErrorKind::InvalidData, format!("config: {err}"))
            })?;
        if let Some(path) = self.state_file.as_deref().filter(|p| p.exists()) {
            let saved = api::read_state(path)?;
            state.import(saved).await.map_err(|err| {
                std::io::Error::new(std::io::ErrorKind::InvalidData, err.body.message)
            })?;
            tracing::info!(path = %path.display(), "state loaded");
        }
        let app = api::router(state.clone());

        let (shutdown, signal) = oneshot::channel::<()>();
        let dispatcher = webhooks.spawn_dispatcher();
        let sweeper = tokio::spawn(sweep_periodically(state.clone()));
        let task = tokio::spawn(async move {
            let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
                let _ = signal.await;
            });
            if let Err(err) = serve.await {
                tracing::error!(error = %err, "mock server stopped with an error");
            }
            sweeper.abort();
            dispatcher.stop().await;
        });
        tracing::debug!(%addr, "mock server listening");

        Ok(MockServer {
            addr,
            state,
            shutdown: Some(shutdown),
            task: Some(task),
        })
    }
}

/// How often a running server looks for instances that outlived their TTL while nobody
/// moved the clock (moving it through the admin API sweeps at once).
const SWEEP_INTERVAL: std::time::Duration = std::time::Duration::from_secs(60);

async fn sweep_periodically(state: AppState) {
    let mut ticks = tokio::time::interval(SWEEP_INTERVAL);
    ticks.tick().await;
    loop {
        ticks.tick().await;
        state.clock_moved().await;
    }
}

/// An Interactor server running in this process, for tests.
///
/// Each server has its own state and port, so tests can run side by side. Dropping the
/// server stops it.
///
/// ```no_run
/// # async fn demo() {
/// let server = interactor_mock::MockServer::start().await;
/// println!("API at {}", server.api_url());
/// # }
/// ```
pub struct MockServer {
    addr: SocketAddr,
    state: AppState,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for MockServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockServer")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl MockServer {
    /// Starts a server with the default settings on a free local port.
    ///
    /// # Panics
    ///
    /// When no local port can be bound, which leaves a test nothing to do.
    pub async fn start() -> Self {
        match Self::builder().start().await {
            Ok(server) => server,
            Err(err) => panic!("the mock server could not bind a local port: {err}"),
        }
    }

    /// Settings for a server.
    pub fn builder() -> MockServerBuilder {
        MockServerBuilder::default()
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://HOST:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `http://HOST:PORT/api/v1`, the base URL of the client.
    pub fn api_url(&self) -> String {
        format!("{}/api/v1", self.base_url())
    }

    /// Typed access to this server's admin API.
    pub fn admin(&self) -> crate::admin::Admin {
        crate::admin::Admin::new(self.base_url())
    }

    /// A client for this server, authenticated with the dev token.
    ///
    /// # Panics
    ///
    /// Never in practice: the base URL is always valid. A failure to build the client
    /// (which would mean the TLS stack cannot start) panics, since a test can do nothing
    /// without it.
    pub fn client(&self) -> interactor_client::Client {
        match interactor_client::Client::builder()
            .base_url(self.api_url())
            .bearer_token(self.dev_token())
            .build()
        {
            Ok(client) => client,
            Err(err) => panic!("a client for the mock could not be built: {err}"),
        }
    }

    /// The token the server accepts.
    pub fn dev_token(&self) -> &str {
        self.state.auth.dev_token()
    }

    /// Clients and tokens.
    pub fn auth(&self) -> &Auth {
        &self.state.auth
    }

    /// The rate limiter.
    pub fn rate_limiter(&self) -> &RateLimiter {
        &self.state.limiter
    }

    /// The engine behind the server, for direct inspection and control.
    pub fn engine(&self) -> &Engine {
        &self.state.engine
    }

    /// Webhook subscriptions and deliveries.
    pub fn webhooks(&self) -> &Webhooks {
        &self.state.webhooks
    }

    /// The mock's clock.
    pub fn clock(&self) -> &Clock {
        self.state.engine.clock()
    }

    /// Stops accepting requests, waits for those under way to finish, and saves the state
    /// when the server has a state file.
    ///
    /// # Errors
    ///
    /// When the state file cannot be written.
    pub async fn shutdown(mut self) -> std::io::Result<()> {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
        match self.state.save().await {
            Ok(Some(path)) => {
                tracing::info!(path = %path.display(), "state saved");
                Ok(())
            }
            Ok(None) => Ok(()),
            Err(err) => Err(std::io::Error::other(err.body.message)),
        }
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}
