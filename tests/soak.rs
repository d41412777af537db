//! A bounded soak: thousands of instances created, resumed and cancelled concurrently by
//! several clients against the mock binary, then every instance, its history and the
//! webhook deliveries checked.

mod support;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use interactor_client::model::{
    CreateSubscriptionRequest, HistoryEventType, InstanceStatus, WebhookEventType,
    WorkflowDefinition,
};
use interactor_client::{HistoryQuery, InstanceQuery};
use interactor_mock::engine::http::HttpStub;
use serde_json::json;
use support::{MockProcess, Receiver};

const INSTANCES: usize = 2_000;
const CLIENTS: usize = 8;
const SECRET: &str = "whsec_soak_test_secret_of_32_chars!!";

/// What happens to instance `i`, and the state it must end in.
fn plan(i: usize) -> (&'static str, InstanceStatus, &'static str) {
    match i % 4 {
        0 => ("approve", InstanceStatus::Completed, "approved"),
        1 => ("reject", InstanceStatus::Completed, "rejected"),
        2 => ("cancel", InstanceStatus::Cancelled, "await_approval"),
        _ => ("approve twice", InstanceStatus::Completed, "approved"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thousands_of_concurrent_instances_end_right_with_complete_history_and_deliveries() {
    let run = tokio::time::timeout(Duration::from_secs(240), soak());
    run.await.expect("the soak finishes within its time bound");
}

async fn soak() {
    let mock = MockProcess::start(&["--no-rate-limits"]);
    let setup = mock.client();
    mock.admin()
        .add_http_stub(&HttpStub {
            method: None,
            url: "https://yourapp.com/*".into(),
            status: 200,
            body: None,
            headers: Default::default(),
            delay_ms: None,
            times: None,
        })
        .await
        .unwrap();
    let definition: WorkflowDefinition = serde_json::from_str(include_str!(
        "../crates/interactor-mock/tests/fixtures/approval_workflow.json"
    ))
    .unwrap();
    let version = setup.workflows().create(&definition).await.unwrap();
    setup
        .workflows()
        .publish("approval_workflow", &version.version_id)
        .await
        .unwrap();
    let receiver = Receiver::start(SECRET).await;
    setup
        .webhooks()
        .create(&CreateSubscriptionRequest::new(
            receiver.url.clone(),
            vec![
                WebhookEventType::InstanceCompleted,
                WebhookEventType::InstanceCancelled,
            ],
            SECRET,
        ))
        .await
        .unwrap();

    // Several clients, each with its share of the instances, all at once.
    let ids: Arc<tokio::sync::Mutex<HashMap<usize, String>>> = Arc::default();
    let workers = (0..CLIENTS).map(|worker| {
        let client = mock.client();
        let ids = Arc::clone(&ids);
        tokio::spawn(async move {
            for i in (worker..INSTANCES).step_by(CLIENTS) {
                let input = json!({"id": format!("req_{i}"), "amount": i});
                let created = client
                    .instances()
                    .create("approval_workflow", input)
                    .await
                    .unwrap();
                assert_eq!(created.status, InstanceStatus::Halted);
                let id = created.id.clone();
                match plan(i).0 {
                    "approve" => {
                        client
                            .instances()
                            .resume(&id, json!({"approved": true}))
                            .await
                            .unwrap();
                    }
                    "reject" => {
                        client
                            .instances()
                            .resume(&id, json!({"approved": false}))
                            .await
                            .unwrap();
                    }
                    "cancel" => {
                        client.instances().cancel(&id).await.unwrap();
                    }
                    _ => {
                        let key = format!("approve-{i}");
                        let first = client
                            .instances()
                            .resume(&id, json!({"approved": true}))
                            .idempotency_key(&key);
                        let second = client
                            .instances()
                            .resume(&id, json!({"approved": true}))
                            .idempotency_key(&key);
                        let (a, b) = tokio::join!(first, second);
                        assert_eq!(a.unwrap(), b.unwrap(), "both get the one answer");
                    }
                }
                ids.lock().await.insert(i, id);
            }
        })
    });
    for worker in futures_util::future::join_all(workers).await {
        worker.expect("a worker panicked");
    }

    // Every instance ended where its plan says, with a complete history.
    let ids = ids.lock().await.clone();
    assert_eq!(ids.len(), INSTANCES);
    let listed = setup
        .instances()
        .list(InstanceQuery::new().workflow_name("approval_workflow"))
        .await
        .unwrap();
    assert_eq!(listed.len(), INSTANCES);
    let by_id: HashMap<_, _> = listed.iter().map(|i| (i.id.clone(), i.clone())).collect();
    let checks = futures_util::stream::iter(ids.clone())
        .map(|(i, id)| {
            let client = setup.clone();
            let instance = by_id[&id].clone();
            async move {
                let (_, status, state) = plan(i);
                assert_eq!(instance.status, status, "instance {i}");
                assert_eq!(
                    instance.current_state.as_deref(),
                    Some(state),
                    "instance {i}"
                );
                let lifecycle: Vec<String> = client
                    .history()
                    .stream(
                        &id,
                        HistoryQuery::new().types([HistoryEventType::Lifecycle]),
                    )
                    .map(|e| e.unwrap().subtype.unwrap_or_default())
                    .collect()
                    .await;
                let expected: &[&str] = match status {
                    InstanceStatus::Cancelled => &["created", "cancelled"],
                    _ => &["created", "resumed", "completed"],
                };
                assert_eq!(lifecycle, expected, "instance {i}");
            }
        })
        .buffer_unordered(16)
        .collect::<Vec<()>>();
    checks.await;

    // No delivery was lost: one verified delivery per ended instance.
    receiver.wait_for(INSTANCES, 120).await;
    let delivered: HashMap<String, usize> = receiver
        .events
        .lock()
        .unwrap()
        .iter()
        .filter_map(|d| d.event.data().map(|data| data.instance_id.clone()))
        .fold(HashMap::new(), |mut counts, id| {
            *counts.entry(id).or_insert(0) += 1;
            counts
        });
    assert_eq!(delivered.len(), INSTANCES);
    assert!(
        delivered.values().all(|n| *n == 1),
        "exactly one delivery per instance"
    );
    assert_eq!(*receiver.rejected.lock().unwrap(), 0);
}
