//! The `interactor-mock` binary as a separate process: its first line, its flags, its
//! shutdown, and a state file that survives a restart.

mod support;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

struct Running {
    child: Child,
    base: String,
    _stdout: BufReader<std::process::ChildStdout>,
}

impl Running {
    fn start(args: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_interactor-mock"))
            .args(["--addr", "127.0.0.1:0"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the binary starts");
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut first = String::new();
        let mut stdout = BufReader::new(stdout);
        stdout
            .read_line(&mut first)
            .expect("the first line is read");
        let base = first
            .trim()
            .strip_prefix("interactor-mock listening on ")
            .unwrap_or_else(|| panic!("unexpected first line: {first:?}"))
            .to_owned();
        Self {
            child,
            base,
            _stdout: stdout,
        }
    }

    fn terminate(mut self) {
        let pid = self.child.id().to_string();
        let status = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill runs");
        assert!(status.success());
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait().expect("the child is polled") {
                assert!(status.success(), "clean exit on SIGTERM: {status}");
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the binary did not stop on SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn call(method: reqwest::Method, url: String, body: Option<Value>) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .request(method, url)
        .bearer_auth("dev_token");
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("the binary answers");
    let status = response.status().as_u16();
    let text = response.text().await.expect("a body");
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// Creates `definition` through the API at `api` and publishes its first version.
async fn deploy(api: &str, definition: Value) {
    let name = definition["name"].as_str().unwrap().to_owned();
    let (status, created) = call(
        reqwest::Method::POST,
        format!("{api}/workflows"),
        Some(definition),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let version = created["data"]["version_id"].as_str().unwrap();
    let publish = format!("{api}/workflows/{name}/versions/{version}/publish");
    let (status, published) = call(reqwest::Method::POST, publish, None).await;
    assert_eq!(status, 200, "{published}");
}

fn write(path: &Path, value: &Value) {
    std::fs::write(path, serde_json::to_vec(value).unwrap()).unwrap();
}

#[tokio::test]
async fn a_restarted_mock_has_every_workflow_instance_and_event_of_its_state_file() {
    let dir = std::env::temp_dir().join(format!("interactor-mock-state-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let state_file = dir.join("state.json");
    let _ = std::fs::remove_file(&state_file);
    let state_arg = state_file.to_str().unwrap();

    let first = Running::start(&["--state-file", state_arg]);
    let api = format!("{}/api/v1", first.base);
    let mut definition = support::purchase_approval();
    definition["states"]["notify_requester"]["logic"]["url"] = json!("http://127.0.0.1:9/notify");
    deploy(&api, definition).await;
    let (status, created) = call(
        reqwest::Method::POST,
        format!("{api}/workflows/purchase_approval/instances"),
        Some(json!({"input": {"amount": 5000}})),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let id = created["data"]["id"].as_str().unwrap().to_owned();
    let (_, history_before) = call(
        reqwest::Method::GET,
        format!("{api}/workflows/instances/{id}/history"),
        None,
    )
    .await;
    first.terminate();
    assert!(state_file.exists(), "the state was saved on SIGTERM");

    let second = Running::start(&["--state-file", state_arg]);
    let api = format!("{}/api/v1", second.base);
    let (status, instance) = call(
        reqwest::Method::GET,
        format!("{api}/workflows/instances/{id}"),
        None,
    )
    .await;
    let (_, history_after) = call(
        reqwest::Method::GET,
        format!("{api}/workflows/instances/{id}/history"),
        None,
    )
    .await;

    assert_eq!(status, 200);
    assert_eq!(instance["data"]["status"], "halted");
    assert_eq!(instance["data"]["current_state"], "manager_approval");
    assert_eq!(history_after["data"], history_before["data"]);
    second.terminate();
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn the_config_preloads_published_workflows_clients_and_stubs() {
    let dir = std::env::temp_dir().join(format!("interactor-mock-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("mock.json");
    write(
        &config,
        &json!({
            "workflows": [support::approval_workflow()],
            "clients": [{"client_id": "ci", "client_secret": "ci-secret", "scopes": ["*"]}],
            "http_stubs": [{"url": "https://yourapp.com/*", "status": 200}],
            "limits": {"rate_limits": {"read": 2}}
        }),
    );

    let mock = Running::start(&["--config", config.to_str().unwrap()]);
    let api = format!("{}/api/v1", mock.base);
    let (status, created) = call(
        reqwest::Method::POST,
        format!("{api}/workflows/approval_workflow/instances"),
        Some(json!({"input": {"id": "r1"}})),
    )
    .await;
    let token = reqwest::Client::new()
        .post(format!("{}/oauth/token", mock.base))
        .json(&json!({"grant_type": "client_credentials", "client_id": "ci", "client_secret": "ci-secret"}))
        .send()
        .await
        .unwrap();
    let reads: Vec<u16> = futures_util::future::join_all(
        (0..3).map(|_| call(reqwest::Method::GET, format!("{api}/workflows"), None)),
    )
    .await
    .into_iter()
    .map(|(status, _)| status)
    .collect();

    assert_eq!(status, 201, "{created}");
    assert_eq!(created["data"]["status"], "halted");
    assert_eq!(token.status(), 200);
    assert_eq!(reads.iter().filter(|s| **s == 429).count(), 1, "{reads:?}");
    mock.terminate();
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn health_and_metrics_answer_without_a_token() {
    let mock = Running::start(&["--no-rate-limits"]);
    let api = format!("{}/api/v1", mock.base);
    let mut definition = support::approval_workflow();
    definition["states"]["approved"]["on_enter"]["url"] = json!("http://127.0.0.1:9/done");
    deploy(&api, definition).await;
    for _ in 0..3 {
        call(
            reqwest::Method::POST,
            format!("{api}/workflows/approval_workflow/instances"),
            Some(json!({"input": {}})),
        )
        .await;
    }

    let health: Value = reqwest::get(format!("{}/health", mock.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let metrics = reqwest::get(format!("{}/metrics", mock.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();

    assert_eq!(health["status"], "ok");
    assert!(health["timestamp"].is_string());
    assert!(
        metrics.contains("workflow_instance_created_total 3"),
        "{metrics}"
    );
    assert!(
        metrics.contains("workflow_script_duration_seconds_count 3"),
        "{metrics}"
    );
    assert!(metrics.contains("# TYPE workflow_http_duration_seconds histogram"));
    mock.terminate();
}
