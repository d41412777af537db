//! Shared helpers for the end-to-end tests: the `interactor-mock` binary as a separate
//! process, clients for it, and a webhook receiver that verifies every delivery.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::{Arc, Mutex};

use interactor_client::Client;
use interactor_webhook::{MemoryReplayGuard, VerifiedDelivery, Verifier};

/// The mock binary, brought up to date once per test run: `cargo test --workspace` has
/// built it already (the build is then a no-op), while testing this package on its own
/// would otherwise find a stale binary or none.
fn mock_binary() -> PathBuf {
    static BUILT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BUILT
        .get_or_init(|| {
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
            let status = Command::new(cargo)
                .args([
                    "build",
                    "--quiet",
                    "-p",
                    "interactor-mock",
                    "--bin",
                    "interactor-mock",
                ])
                .status()
                .expect("cargo runs");
            assert!(status.success(), "the mock binary builds");
            let exe = std::env::current_exe().expect("the test knows its path");
            let profile_dir = exe
                .parent()
                .and_then(|deps| deps.parent())
                .expect("target/<profile>/deps");
            profile_dir.join(format!("interactor-mock{}", std::env::consts::EXE_SUFFIX))
        })
        .clone()
}

/// A running `interactor-mock` process, stopped when dropped.
pub(crate) struct MockProcess {
    child: Child,
    _stdout: BufReader<ChildStdout>,
    pub(crate) base_url: String,
}

impl MockProcess {
    pub(crate) fn start(args: &[&str]) -> Self {
        let mut child = Command::new(mock_binary())
            .args(["--addr", "127.0.0.1:0"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the mock starts");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout is piped"));
        let mut first = String::new();
        stdout
            .read_line(&mut first)
            .expect("the mock prints its address");
        let base_url = first
            .trim()
            .strip_prefix("interactor-mock listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
            .to_owned();
        Self {
            child,
            _stdout: stdout,
            base_url,
        }
    }

    pub(crate) fn api_url(&self) -> String {
        format!("{}/api/v1", self.base_url)
    }

    pub(crate) fn admin(&self) -> interactor_mock::admin::Admin {
        interactor_mock::admin::Admin::new(&self.base_url)
    }

    /// A client with the dev token.
    pub(crate) fn client(&self) -> Client {
        Client::builder()
            .base_url(self.api_url())
            .bearer_token("dev_token")
            .build()
            .expect("client")
    }
}

impl Drop for MockProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A local axum server that verifies every webhook delivery and keeps the events.
pub(crate) struct Receiver {
    pub(crate) url: String,
    pub(crate) events: Arc<Mutex<Vec<VerifiedDelivery>>>,
    pub(crate) rejected: Arc<Mutex<usize>>,
}

#[derive(Clone)]
struct ReceiverState {
    verifier: Verifier,
    events: Arc<Mutex<Vec<VerifiedDelivery>>>,
    rejected: Arc<Mutex<usize>>,
}

impl axum::extract::FromRef<ReceiverState> for Verifier {
    fn from_ref(state: &ReceiverState) -> Self {
        state.verifier.clone()
    }
}

async fn receive(
    axum::extract::State(state): axum::extract::State<ReceiverState>,
    delivery: Result<VerifiedDelivery, interactor_webhook::Error>,
) -> axum::http::StatusCode {
    match delivery {
        Ok(delivery) => {
            state.events.lock().unwrap().push(delivery);
            axum::http::StatusCode::OK
        }
        Err(_) => {
            *state.rejected.lock().unwrap() += 1;
            axum::http::StatusCode::UNAUTHORIZED
        }
    }
}

impl Receiver {
    /// Verifies with `secret` and the system clock, replays refused.
    pub(crate) async fn start(secret: &str) -> Self {
        let verifier = Verifier::builder()
            .secret(secret)
            .replay_guard(Arc::new(MemoryReplayGuard::default()))
            .build()
            .expect("verifier");
        let state = ReceiverState {
            verifier,
            events: Arc::default(),
            rejected: Arc::default(),
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hooks", listener.local_addr().unwrap());
        let app = axum::Router::new()
            .route("/hooks", axum::routing::post(receive))
            .with_state(state.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self {
            url,
            events: state.events,
            rejected: state.rejected,
        }
    }

    pub(crate) fn names(&self) -> Vec<String> {
        self.events
            .lock()
            .unwrap()
            .iter()
            .map(|d| d.event.name().to_owned())
            .collect()
    }

    /// Waits until `count` deliveries arrived, for at most `seconds`.
    pub(crate) async fn wait_for(&self, count: usize, seconds: u64) {
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(seconds);
        while self.events.lock().unwrap().len() < count {
            assert!(
                tokio::time::Instant::now() < deadline,
                "only {} of {count} deliveries arrived: {:?}",
                self.events.lock().unwrap().len(),
                self.names()
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    pub(crate) fn instance_events(&self, instance_id: &str) -> Vec<String> {
        self.events
            .lock()
            .unwrap()
            .iter()
            .filter(|d| {
                d.event
                    .data()
                    .is_some_and(|data| data.instance_id == instance_id)
            })
            .map(|d| d.event.name().to_owned())
            .collect()
    }
}
