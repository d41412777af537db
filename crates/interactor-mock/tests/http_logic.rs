//! HTTP logic against a real local receiver, and against stubs.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use interactor_mock::engine::http::HttpStub;
use serde_json::{Value, json};
use support::Api;

/// What the receiver saw, and how many times it should fail before answering 200.
#[derive(Clone, Default)]
struct Receiver {
    seen: Arc<Mutex<Vec<(HeaderMap, Value)>>>,
    failures_left: Arc<AtomicUsize>,
    delay: Arc<Mutex<Duration>>,
}

async fn receive(
    State(rx): State<Receiver>,
    headers: HeaderMap,
    body: axum::Json<Value>,
) -> (StatusCode, axum::Json<Value>) {
    rx.seen.lock().unwrap().push((headers, body.0.clone()));
    let delay = *rx.delay.lock().unwrap();
    tokio::time::sleep(delay).await;
    let failing = rx
        .failures_left
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok();
    if failing {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(json!({"error": "busy"})),
        );
    }
    (
        StatusCode::OK,
        axum::Json(json!({"accepted": true, "echo": body.0})),
    )
}

async fn start_receiver(rx: Receiver) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = Router::new().route("/hook", post(receive)).with_state(rx);
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}/hook")
}

fn calling(url: &str, extra: Value) -> Value {
    let mut logic = json!({
        "type": "http",
        "method": "POST",
        "url": url,
        "headers": { "Authorization": "Bearer ${secrets.API_KEY}", "X-Order": "${workflow_data.order_id}" },
        "body": { "order_id": "${workflow_data.order_id}", "amount": "${workflow_data.amount}", "label": "order ${workflow_data.order_id}" },
        "result_key": "response"
    });
    for (k, v) in extra.as_object().unwrap() {
        logic[k] = v.clone();
    }
    json!({
        "name": "caller",
        "initial_state": "seed",
        "states": {
            "seed": { "type": "action", "logic": { "type": "script", "code": "return { order_id: input.order_id, amount: input.amount }" },
                      "transitions": [{ "target": "call" }] },
            "call": { "type": "action", "logic": logic, "transitions": [{ "target": "done" }] },
            "done": { "type": "terminal" }
        }
    })
}

#[tokio::test]
async fn the_receiver_sees_the_interpolated_request_and_the_traceparent() {
    let rx = Receiver::default();
    let url = start_receiver(rx.clone()).await;
    let api = Api::start().await;
    api.server
        .engine()
        .set_secret("API_KEY", json!("sk_test_1"));
    api.deploy(calling(&url, json!({}))).await;
    let traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    let request = api
        .raw()
        .post(api.url("/workflows/caller/instances"))
        .bearer_auth("dev_token")
        .header("traceparent", traceparent)
        .header("x-request-id", "corr-7")
        .json(&json!({"input": {"order_id": "o-1", "amount": 150}}));
    let done = api.send(request).await;

    assert_eq!(done.status, 201, "{}", done.body);
    let seen = rx.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    let (headers, body) = &seen[0];
    assert_eq!(
        body,
        &json!({"order_id": "o-1", "amount": 150, "label": "order o-1"})
    );
    assert_eq!(headers["authorization"], "Bearer sk_test_1");
    assert_eq!(headers["x-order"], "o-1");
    assert_eq!(headers["traceparent"], traceparent);
    assert_eq!(headers["x-request-id"], "corr-7");
    assert_eq!(done.data()["workflow_data"]["response"]["accepted"], true);
    let calls = api.server.engine().http().calls();
    assert_eq!(calls[0].status, Some(200));
    assert!(!calls[0].stubbed);
}

#[tokio::test]
async fn failing_answers_are_retried_until_one_succeeds() {
    let rx = Receiver::default();
    rx.failures_left.store(2, Ordering::SeqCst);
    let url = start_receiver(rx.clone()).await;
    let api = Api::start().await;
    api.deploy(calling(
        &url,
        json!({"retry": {"attempts": 3, "backoff": "linear"}}),
    ))
    .await;

    let done = api
        .start_instance("caller", json!({"order_id": "o-2", "amount": 1}))
        .await;

    assert_eq!(done.data()["status"], "completed", "{}", done.body);
    assert_eq!(rx.seen.lock().unwrap().len(), 3);
    let statuses: Vec<_> = api
        .server
        .engine()
        .http()
        .calls()
        .iter()
        .map(|c| c.status)
        .collect();
    assert_eq!(statuses, [Some(503), Some(503), Some(200)]);
}

#[tokio::test]
async fn exhausted_retries_fail_the_instance_with_http_error() {
    let rx = Receiver::default();
    rx.failures_left.store(10, Ordering::SeqCst);
    let url = start_receiver(rx.clone()).await;
    let api = Api::start().await;
    api.deploy(calling(
        &url,
        json!({"retry": {"attempts": 2, "backoff": "exponential"}}),
    ))
    .await;

    let failed = api
        .start_instance("caller", json!({"order_id": "o-3", "amount": 1}))
        .await;

    assert_eq!(failed.status, 500);
    assert_eq!(failed.code(), "http_error");
    assert_eq!(failed.body["error"]["details"]["state"], "call");
    assert_eq!(rx.seen.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn a_slow_endpoint_fails_with_http_timeout() {
    let rx = Receiver::default();
    *rx.delay.lock().unwrap() = Duration::from_secs(3);
    let url = start_receiver(rx.clone()).await;
    let api = Api::start().await;
    api.deploy(calling(&url, json!({"timeout": 1000}))).await;

    let started = Instant::now();
    let failed = api
        .start_instance("caller", json!({"order_id": "o-4", "amount": 1}))
        .await;

    assert_eq!(failed.code(), "http_timeout");
    assert!(started.elapsed() < Duration::from_millis(2500));
}

#[tokio::test]
async fn a_hanging_endpoint_leaves_other_requests_fast() {
    let rx = Receiver::default();
    *rx.delay.lock().unwrap() = Duration::from_secs(4);
    let url = start_receiver(rx.clone()).await;
    let api = Api::start().await;
    api.deploy(calling(&url, json!({}))).await;

    let hanging = api.start_instance("caller", json!({"order_id": "o-5", "amount": 1}));
    let others = async {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let started = Instant::now();
        for _ in 0..20 {
            assert_eq!(api.get("/workflows").await.status, 200);
        }
        started.elapsed()
    };
    let (hanging, elapsed) = tokio::join!(hanging, others);

    assert_eq!(hanging.data()["status"], "completed");
    assert!(
        elapsed < Duration::from_secs(1),
        "20 reads took {elapsed:?}"
    );
}

#[tokio::test]
async fn stubs_answer_by_method_and_url_and_run_out_after_their_times() {
    let api = Api::start().await;
    let engine = api.server.engine();
    engine.http().add_stub(HttpStub {
        method: Some("POST".into()),
        url: "http://127.0.0.1:9/orders*".into(),
        status: 200,
        body: Some(json!({"id": "ord_1"})),
        headers: Default::default(),
        delay_ms: None,
        times: Some(1),
    });
    api.deploy(calling("http://127.0.0.1:9/orders/new", json!({})))
        .await;

    let first = api
        .start_instance("caller", json!({"order_id": "a", "amount": 1}))
        .await;
    let second = api
        .start_instance("caller", json!({"order_id": "b", "amount": 1}))
        .await;

    assert_eq!(
        first.data()["workflow_data"]["response"],
        json!({"id": "ord_1"})
    );
    assert_eq!(
        second.code(),
        "http_error",
        "the stub ran out and nothing listens on the port"
    );
    let calls = engine.http().calls();
    assert!(calls[0].stubbed);
    assert_eq!(calls[0].headers["X-Order"], "a");
    assert!(!calls[1].stubbed);
}

#[tokio::test]
async fn a_stub_slower_than_the_timeout_is_an_http_timeout() {
    let api = Api::start().await;
    api.server.engine().http().add_stub(HttpStub {
        method: None,
        url: "https://slow.example.test/hook".into(),
        status: 200,
        body: None,
        headers: Default::default(),
        delay_ms: Some(5_000),
        times: None,
    });
    api.deploy(calling(
        "https://slow.example.test/hook",
        json!({"timeout": 1000}),
    ))
    .await;

    let failed = api
        .start_instance("caller", json!({"order_id": "c", "amount": 1}))
        .await;

    assert_eq!(failed.code(), "http_timeout");
}
