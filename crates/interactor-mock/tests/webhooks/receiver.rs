//! A local HTTP receiver that verifies every delivery with the webhook crate's
//! `Verifier` and records what it received.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use interactor_mock::Clock;
use interactor_webhook::{Event, Verifier};
use serde_json::Value;

use super::SECRET;

/// How long a test waits for something that should happen within milliseconds.
pub(crate) const PATIENCE: Duration = Duration::from_secs(5);

/// How long a test waits to be sure that something does not happen.
pub(crate) const QUIET: Duration = Duration::from_millis(150);

/// How the receiver answers.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Behaviour {
    Succeed,
    FailTimes(u32),
    AlwaysFail,
    Hang,
}

/// One delivery as the receiver saw it, after verification.
#[derive(Clone, Debug)]
pub(crate) struct Received {
    pub(crate) path: String,
    pub(crate) event: Event,
    pub(crate) body: Value,
    pub(crate) delivery_id: String,
    pub(crate) retry_count: u32,
    pub(crate) timestamp: i64,
    pub(crate) signature: String,
}

struct ReceiverState {
    verifier: Verifier,
    behaviour: Mutex<Behaviour>,
    received: Mutex<Vec<Received>>,
    rejected: Mutex<Vec<String>>,
}

/// A local HTTP server that verifies and records every delivery.
pub(crate) struct Receiver {
    state: Arc<ReceiverState>,
    base: String,
}

impl Receiver {
    /// Verifies with `SECRET` and the mock's `clock`, so that moving the clock does not
    /// make deliveries look old.
    pub(crate) async fn start(clock: &Clock) -> Self {
        let clock = clock.clone();
        let verifier = Verifier::builder()
            .secret(SECRET)
            .clock(move || clock.now().timestamp())
            .build()
            .expect("verifier");
        let state = Arc::new(ReceiverState {
            verifier,
            behaviour: Mutex::new(Behaviour::Succeed),
            received: Mutex::default(),
            rejected: Mutex::default(),
        });
        let app = Router::new()
            .route("/{*path}", post(receive))
            .with_state(Arc::clone(&state));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("receiver binds");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { state, base }
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub(crate) fn behave(&self, behaviour: Behaviour) {
        *self.state.behaviour.lock().unwrap() = behaviour;
    }

    pub(crate) fn received(&self) -> Vec<Received> {
        let rejected = self.state.rejected.lock().unwrap().clone();
        assert!(
            rejected.is_empty(),
            "deliveries failed verification: {rejected:?}"
        );
        self.state.received.lock().unwrap().clone()
    }

    pub(crate) fn events(&self) -> Vec<String> {
        self.received()
            .iter()
            .map(|received| received.event.name().to_owned())
            .collect()
    }

    /// Waits until `count` deliveries arrived.
    pub(crate) async fn wait_for(&self, count: usize) -> Vec<Received> {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let received = self.received();
            if received.len() >= count {
                return received;
            }
            assert!(
                Instant::now() < deadline,
                "expected {count} deliveries, got {}: {:?}",
                received.len(),
                self.events()
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Checks that the count stays at `count` for a while.
    pub(crate) async fn stays_at(&self, count: usize) {
        tokio::time::sleep(QUIET).await;
        assert_eq!(self.received().len(), count, "{:?}", self.events());
    }
}

async fn receive(
    State(state): State<Arc<ReceiverState>>,
    axum::extract::Path(path): axum::extract::Path<String>,
    headers: HeaderMap,
    body: bytes::Bytes,
) -> StatusCode {
    let pairs: Vec<(String, Vec<u8>)> = headers
        .iter()
        .map(|(name, value)| (name.as_str().to_owned(), value.as_bytes().to_vec()))
        .collect();
    match state.verifier.verify(&pairs, &body) {
        Ok(verified) => state.received.lock().unwrap().push(Received {
            path: format!("/{path}"),
            event: verified.event,
            body: serde_json::from_slice(&body).expect("JSON body"),
            delivery_id: verified.delivery_id.expect("delivery id"),
            retry_count: verified.retry_count,
            timestamp: verified.timestamp,
            signature: verified.signature.to_header_value(),
        }),
        Err(err) => {
            state.rejected.lock().unwrap().push(err.to_string());
            return StatusCode::UNAUTHORIZED;
        }
    }

    let behaviour = *state.behaviour.lock().unwrap();
    match behaviour {
        Behaviour::Succeed => StatusCode::OK,
        Behaviour::FailTimes(0) => {
            *state.behaviour.lock().unwrap() = Behaviour::Succeed;
            StatusCode::OK
        }
        Behaviour::FailTimes(left) => {
            *state.behaviour.lock().unwrap() = Behaviour::FailTimes(left - 1);
            StatusCode::INTERNAL_SERVER_ERROR
        }
        Behaviour::AlwaysFail => StatusCode::SERVICE_UNAVAILABLE,
        Behaviour::Hang => {
            tokio::time::sleep(Duration::from_secs(60)).await;
            StatusCode::OK
        }
    }
}
