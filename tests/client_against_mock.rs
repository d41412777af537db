//! The client against the `interactor-mock` binary running as its own process: every
//! endpoint, retries through injected faults, token expiry, and verified webhooks.

mod support;

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use interactor_client::model::{
    CreateInstanceRequest, CreateSubscriptionRequest, ErrorCode, HistoryEventType, InstanceStatus,
    ResumeRequest, WebhookEventType, WorkflowDefinition,
};
use interactor_client::{Client, ClientCredentials, HistoryQuery, InstanceQuery};
use interactor_mock::Fault;
use interactor_mock::engine::http::HttpStub;
use serde_json::{Value, json};
use support::{MockProcess, Receiver};

const SECRET: &str = "whsec_end_to_end_secret_of_32_chars!";

fn purchase_approval() -> WorkflowDefinition {
    let raw = include_str!("../crates/interactor-mock/tests/fixtures/purchase_approval.json");
    serde_json::from_str(raw).expect("the fixture is a definition")
}

async fn stub_notifications(mock: &MockProcess) {
    let stub = HttpStub {
        method: None,
        url: "https://yourapp.com/*".to_owned(),
        status: 200,
        body: Some(json!({"ok": true})),
        headers: Default::default(),
        delay_ms: None,
        times: None,
    };
    mock.admin().add_http_stub(&stub).await.expect("stub");
}

async fn deploy(client: &Client, definition: &WorkflowDefinition) {
    let version = client.workflows().create(definition).await.expect("create");
    client
        .workflows()
        .publish(&definition.name, &version.version_id)
        .await
        .expect("publish");
}

#[tokio::test]
async fn every_endpoint_works_against_the_binary() {
    let mock = MockProcess::start(&["--no-rate-limits"]);
    let client = mock.client();
    stub_notifications(&mock).await;
    let receiver = Receiver::start(SECRET).await;

    // Webhook subscriptions.
    let subscription = client
        .webhooks()
        .create(&CreateSubscriptionRequest::new(
            receiver.url.clone(),
            vec![
                WebhookEventType::InstanceCreated,
                WebhookEventType::InstanceHalted,
                WebhookEventType::InstanceResumed,
                WebhookEventType::InstanceCompleted,
            ],
            SECRET,
        ))
        .await
        .expect("subscribe");
    assert_eq!(
        client.webhooks().list().await.unwrap()[0].id,
        subscription.id
    );

    // Definitions and versions.
    let definition = purchase_approval();
    let checked = client.workflows().validate(&definition).await.unwrap();
    assert!(checked.valid, "{:?}", checked.errors);
    let first = client.workflows().create(&definition).await.unwrap();
    let second = client
        .workflows()
        .add_version("purchase_approval", &definition)
        .await
        .unwrap();
    let versions = client
        .workflows()
        .versions("purchase_approval")
        .await
        .unwrap();
    assert_eq!(versions.len(), 2);
    client
        .workflows()
        .publish("purchase_approval", &second.version_id)
        .await
        .unwrap();
    let workflows = client.workflows().list().await.unwrap();
    assert_eq!(
        workflows[0].published_version_id.as_deref(),
        Some(second.version_id.as_str())
    );
    assert_ne!(first.version_id, second.version_id);

    // An instance through two approvals, one by thread.
    let request = CreateInstanceRequest::new(json!({"amount": 15000, "description": "Servers"}))
        .namespace("org_1");
    let created = client
        .instances()
        .create("purchase_approval", request)
        .await
        .unwrap();
    assert_eq!(created.status, InstanceStatus::Halted);
    assert_eq!(created.current_state.as_deref(), Some("manager_approval"));
    let listed = client
        .instances()
        .list(
            InstanceQuery::new()
                .namespace("org_1")
                .status(InstanceStatus::Halted),
        )
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    let after_manager = client
        .instances()
        .resume(&created.id, json!({"approved": true}))
        .await
        .unwrap();
    assert_eq!(after_manager.current_state.as_deref(), Some("vp_approval"));
    let threads = client.threads().list(&created.id).await.unwrap();
    assert_eq!(threads[0].id, "thread_main");
    let done = client
        .threads()
        .resume(
            &created.id,
            "thread_main",
            json!({"approved": true, "budget_code": "IT-7"}),
        )
        .await
        .unwrap();
    assert_eq!(done.status, InstanceStatus::Completed);
    let waited = client
        .instances()
        .wait_for_completion(&created.id, Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(waited.status, InstanceStatus::Completed);
    let fetched = client.instances().get(&created.id).await.unwrap();
    assert_eq!(fetched.data("budget_code"), Some(&json!("IT-7")));

    // History: every page, one event, and the error dashboard.
    let everything: Vec<_> = client
        .history()
        .stream(&created.id, HistoryQuery::new().limit(3))
        .map(|event| event.expect("page"))
        .collect()
        .await;
    let page = client
        .history()
        .page(&created.id, &HistoryQuery::new().limit(1000))
        .await
        .unwrap();
    assert_eq!(everything, page.events);
    let transitions = client
        .history()
        .page(
            &created.id,
            &HistoryQuery::new().types([HistoryEventType::Transition]),
        )
        .await
        .unwrap();
    let one = client
        .history()
        .event_with_data(&created.id, &transitions.events[0].id)
        .await
        .unwrap();
    assert!(one.workflow_data.is_some());

    let mut broken = purchase_approval();
    broken.name = "broken".to_owned();
    let raw = serde_json::to_value(&broken).unwrap();
    let mut raw: Value = raw;
    raw["states"]["submit"]["logic"]["code"] = json!("throw new Error('no budget')");
    let broken: WorkflowDefinition = serde_json::from_value(raw).unwrap();
    deploy(&client, &broken).await;
    let failure = client
        .instances()
        .create("broken", json!({}))
        .await
        .unwrap_err();
    assert_eq!(failure.code(), Some(&ErrorCode::ScriptError));
    assert_eq!(failure.status(), Some(500));
    let errors: Vec<_> = client
        .errors()
        .stream(interactor_client::ErrorQuery::new().workflow_name("broken"))
        .collect()
        .await;
    assert_eq!(errors.len(), 1);

    // Cancel.
    let other = client
        .instances()
        .create("purchase_approval", json!({"amount": 5000}))
        .await
        .unwrap();
    let cancelled = client.instances().cancel(&other.id).await.unwrap();
    assert_eq!(cancelled.status, InstanceStatus::Cancelled);
    let again = client.instances().cancel(&other.id).await.unwrap_err();
    assert_eq!(again.code(), Some(&ErrorCode::InstanceNotActive));

    // The webhook receiver verified every delivery of the first instance, in order.
    receiver.wait_for(6, 10).await;
    assert_eq!(
        receiver.instance_events(&created.id),
        [
            "workflow.instance.created",
            "workflow.instance.halted",
            "workflow.instance.resumed",
            "workflow.instance.halted",
            "workflow.instance.resumed",
            "workflow.instance.completed",
        ]
    );
    let states: Vec<Option<String>> = receiver
        .events
        .lock()
        .unwrap()
        .iter()
        .filter_map(|d| d.event.data())
        .filter(|data| data.instance_id == created.id)
        .map(|data| data.current_state.clone())
        .collect();
    let expected = [
        "submit",
        "manager_approval",
        "manager_approval",
        "vp_approval",
        "vp_approval",
        "complete",
    ];
    assert_eq!(
        states,
        expected.map(|s| Some(s.to_owned())),
        "each event tells its own moment"
    );
    assert_eq!(*receiver.rejected.lock().unwrap(), 0);
    client.webhooks().delete(&subscription.id).await.unwrap();
    assert!(client.webhooks().list().await.unwrap().is_empty());
}

#[tokio::test]
async fn retries_through_injected_503s_create_exactly_one_instance() {
    let mock = MockProcess::start(&["--no-rate-limits"]);
    let client = mock.client();
    stub_notifications(&mock).await;
    deploy(&client, &purchase_approval()).await;
    let fault = Fault {
        method: Some("POST".into()),
        path: "/api/v1/workflows/purchase_approval/instances".into(),
        status: Some(503),
        code: None,
        delay_ms: None,
        retry_after: None,
        times: 2,
    };
    mock.admin().add_fault(&fault).await.unwrap();

    let created = client
        .instances()
        .create("purchase_approval", json!({"amount": 5000}))
        .await
        .unwrap();

    let keys: Vec<_> = mock
        .admin()
        .requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.path.ends_with("/instances") && r.method == "POST")
        .map(|r| (r.status, r.idempotency_key))
        .collect();
    assert_eq!(keys.len(), 3, "{keys:?}");
    assert_eq!(
        keys.iter().map(|k| k.0).collect::<Vec<_>>(),
        [503, 503, 201]
    );
    assert!(
        keys.iter().all(|k| k.1.is_some() && k.1 == keys[0].1),
        "one key on every attempt"
    );
    let all = client.instances().list(InstanceQuery::new()).await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].id, created.id);
}

#[tokio::test]
async fn a_429_is_waited_out_and_a_slow_first_attempt_is_not_run_twice() {
    let mock = MockProcess::start(&["--no-rate-limits"]);
    let client = Client::builder()
        .base_url(mock.api_url())
        .bearer_token("dev_token")
        .timeout(Duration::from_millis(400))
        .build()
        .unwrap();
    stub_notifications(&mock).await;
    deploy(&client, &purchase_approval()).await;
    let admin = mock.admin();

    admin
        .add_fault(&Fault {
            method: Some("GET".into()),
            path: "/api/v1/workflows".into(),
            status: Some(429),
            code: None,
            delay_ms: None,
            retry_after: Some(1),
            times: 1,
        })
        .await
        .unwrap();
    let started = Instant::now();
    client.workflows().list().await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited {:?}",
        started.elapsed()
    );

    // The first attempt runs longer than the client's timeout; the retry with the same
    // key waits for it and gets its answer instead of starting a second instance.
    let slow: WorkflowDefinition = serde_json::from_value(json!({
        "name": "slow",
        "initial_state": "work",
        "states": {
            "work": { "type": "action",
                      "logic": { "type": "script", "code": "const end = Date.now() + 700; while (Date.now() < end) {} return { done: true }" },
                      "transitions": [{ "target": "end" }] },
            "end": { "type": "terminal" }
        }
    }))
    .unwrap();
    deploy(&client, &slow).await;

    let created = client
        .instances()
        .create("slow", json!({}))
        .await
        .expect("the retry gets the first answer");

    let all = client
        .instances()
        .list(InstanceQuery::new().workflow_name("slow"))
        .await
        .unwrap();
    assert_eq!(all.len(), 1, "no second instance");
    assert_eq!(all[0].id, created.id);
    let attempts: Vec<_> = mock
        .admin()
        .requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.path == "/api/v1/workflows/slow/instances")
        .collect();
    assert!(attempts.len() >= 2, "the client retried: {attempts:?}");
    assert_eq!(
        attempts[0].status, 499,
        "the first caller hung up: {attempts:?}"
    );
    assert_eq!(attempts.last().map(|a| a.status), Some(201));
    assert!(
        attempts
            .iter()
            .all(|a| a.idempotency_key == attempts[0].idempotency_key)
    );
}

#[tokio::test]
async fn an_expired_token_is_refreshed_transparently() {
    let dir = std::env::temp_dir().join(format!("interactor-e2e-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("config.json");
    std::fs::write(
        &config,
        json!({
            "clients": [{"client_id": "svc", "client_secret": "svc-secret", "scopes": ["*"]}],
            "limits": {"token_ttl_seconds": 3600}
        })
        .to_string(),
    )
    .unwrap();
    let mock = MockProcess::start(&["--config", config.to_str().unwrap()]);
    let client = Client::builder()
        .base_url(mock.api_url())
        .client_credentials(
            ClientCredentials::new("svc", "svc-secret")
                .token_url(format!("{}/oauth/token", mock.base_url)),
        )
        .build()
        .unwrap();
    client
        .workflows()
        .list()
        .await
        .expect("the first token works");

    // An hour and a minute pass on the mock's clock: its token has expired, though the
    // client's own clock says otherwise.
    mock.admin()
        .advance_clock(Duration::from_secs(3660))
        .await
        .unwrap();
    client
        .workflows()
        .list()
        .await
        .expect("refreshed and replayed");

    let journal = mock.admin().requests().await.unwrap();
    let token_requests = journal.iter().filter(|r| r.path == "/oauth/token").count();
    let statuses: Vec<u16> = journal
        .iter()
        .filter(|r| r.path == "/api/v1/workflows")
        .map(|r| r.status)
        .collect();
    assert_eq!(token_requests, 2);
    assert_eq!(statuses, [200, 401, 200]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_revoked_token_stops_working() {
    let mock = MockProcess::start(&[]);
    let admin = mock.admin();
    admin
        .add_client(&interactor_mock::auth::ClientRegistration {
            client_id: "app".into(),
            client_secret: "app-secret".into(),
            scopes: vec![interactor_mock::auth::Scope::All],
            namespaces: None,
            account: None,
        })
        .await
        .unwrap();
    let token: Value = reqwest::Client::new()
        .post(format!("{}/oauth/token", mock.base_url))
        .json(&json!({"grant_type": "client_credentials", "client_id": "app", "client_secret": "app-secret"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let access = token["access_token"].as_str().unwrap();
    let client = Client::builder()
        .base_url(mock.api_url())
        .auth_base_url(mock.base_url.clone())
        .bearer_token(access)
        .build()
        .unwrap();
    client.workflows().list().await.expect("the token works");

    client.tokens().revoke(access).await.expect("revoked");

    let refused = client.workflows().list().await.unwrap_err();
    assert_eq!(refused.status(), Some(401));
    let _ = ResumeRequest::new(json!({}));
}
