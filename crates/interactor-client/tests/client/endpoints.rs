//! Every endpoint: method, path, query, body and headers.

use interactor_client::model::{
    CreateInstanceRequest, CreateSubscriptionRequest, InstanceStatus, ResumeRequest, State,
    WebhookEventType, WorkflowDefinition,
};
use interactor_client::{ErrorQuery, HistoryQuery, InstanceQuery};
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{self, TOKEN, bearer, envelope, instance, received};

fn definition() -> WorkflowDefinition {
    WorkflowDefinition::builder("approval")
        .state(
            "start",
            State::action().script("return {}").transition("end"),
        )
        .state("end", State::terminal())
        .build()
}

fn version(status: &str) -> serde_json::Value {
    json!({ "name": "approval", "version_id": "v_1", "status": status,
            "created_at": "2026-01-20T12:00:00Z" })
}

#[tokio::test]
async fn create_workflow_posts_the_definition_with_the_token() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/workflows"))
        .and(header("authorization", bearer(TOKEN).as_str()))
        .and(header("content-type", "application/json"))
        .and(body_json(definition()))
        .respond_with(ResponseTemplate::new(201).set_body_json(envelope(version("draft"))))
        .expect(1)
        .mount(&server)
        .await;

    let created = support::client(&server)
        .workflows()
        .create(&definition())
        .await
        .unwrap();

    assert_eq!(created.version_id, "v_1");
    assert!(support::header(&received(&server).await[0], "idempotency-key").is_none());
}

#[tokio::test]
async fn validate_posts_to_the_validate_path() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/workflows/validate"))
        .and(body_json(definition()))
        .respond_with(ResponseTemplate::new(200).set_body_json(envelope(json!({
            "valid": false,
            "errors": [{ "path": "states.start", "message": "bad" }]
        }))))
        .expect(1)
        .mount(&server)
        .await;

    let result = support::client(&server)
        .workflows()
        .validate(&definition())
        .await
        .unwrap();

    assert!(!result.valid);
    assert_eq!(result.errors[0].path, "states.start");
}

#[tokio::test]
async fn workflows_and_versions_are_listed() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/workflows"))
        .respond_with(ResponseTemplate::new(200).set_body_json(envelope(json!({
            "workflows": [{ "name": "approval", "latest_version_id": "v_1" }]
        }))))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/workflows/approval/versions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(envelope(json!({
            "versions": [version("draft"), version("published")]
        }))))
        .expect(1)
        .mount(&server)
        .await;
    let client = support::client(&server);

    let workflows = client.workflows().list().await.unwrap();
    let versions = client.workflows().versions("approval").await.unwrap();

    assert_eq!(workflows[0].latest_version_id.as_deref(), Some("v_1"));
    assert_eq!(versions.len(), 2);
}

#[tokio::test]
async fn versions_are_added_and_published() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/workflows/approval/versions"))
        .and(body_json(definition()))
        .respond_with(ResponseTemplate::new(201).set_body_json(envelope(version("draft"))))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/workflows/approval/versions/v_1/publish"))
        .respond_with(ResponseTemplate::new(200).set_body_json(envelope(version("published"))))
        .expect(1)
        .mount(&server)
        .await;
    let client = support::client(&server);

    client
        .workflows()
        .add_version("approval", &definition())
        .await
        .unwrap();
    let published = client.workflows().publish("approval", "v_1").await.unwrap();

    assert_eq!(published.status.as_str(), "published");
}

#[tokio::test]
async fn create_instance_sends_a_generated_uuid_idempotency_key() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/workflows/approval/instances"))
        .and(body_json(
            json!({ "namespace": "user_1", "input": { "amount": 5000 } }),
        ))
        .respond_with(
            ResponseTemplate::new(201).set_body_json(envelope(instance("inst_a", "halted"))),
        )
        .expect(1)
        .mount(&server)
        .await;

    let request = CreateInstanceRequest::new(json!({ "amount": 5000 })).namespace("user_1");
    let created = support::client(&server)
        .instances()
        .create("approval", request)
        .await
        .unwrap();

    assert_eq!(created.status, InstanceStatus::Halted);
    let requests = received(&server).await;
    let key = support::header(&requests[0], "idempotency-key").expect("key sent");
    let key = uuid::Uuid::parse_str(key).expect("key is a UUID");
    assert_eq!(key.get_version_num(), 4);
}

#[tokio::test]
async fn a_caller_supplied_idempotency_key_is_sent_as_is() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/workflows/approval/instances"))
        .and(header("idempotency-key", "order_123_approval"))
        .respond_with(
            ResponseTemplate::new(201).set_body_json(envelope(instance("inst_a", "halted"))),
        )
        .expect(1)
        .mount(&server)
        .await;

    support::client(&server)
        .instances()
        .create("approval", json!({ "order": 123 }))
        .idempotency_key("order_123_approval")
        .await
        .unwrap();
}

#[tokio::test]
async fn list_instances_sends_the_filters_as_query_parameters() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/workflows/instances"))
        .and(query_param("namespace", "user_123"))
        .and(query_param("workflow_name", "approval"))
        .and(query_param("status", "halted"))
        .respond_with(ResponseTemplate::new(200).set_body_json(envelope(json!({
            "instances": [instance("inst_a", "halted"), instance("inst_b", "halted")]
        }))))
        .expect(1)
        .mount(&server)
        .await;

    let query = InstanceQuery::new()
        .namespace("user_123")
        .workflow_name("approval")
        .status(InstanceStatus::Halted);
    let instances = support::client(&server)
        .instances()
        .list(query)
        .await
        .unwrap();

    assert_eq!(instances.len(), 2);
}

#[tokio::test]
async fn get_instance_encodes_the_id_into_the_path() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/workflows/instances/inst_xyz"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(envelope(instance("inst_xyz", "running"))),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/workflows/instances/a%2Fb"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(envelope(instance("a/b", "running"))),
        )
        .expect(1)
        .mount(&server)
        .await;
    let client = support::client(&server);

    assert_eq!(
        client.instances().get("inst_xyz").await.unwrap().id,
        "inst_xyz"
    );
    assert_eq!(client.instances().get("a/b").await.unwrap().id, "a/b");
}

#[tokio::test]
async fn resume_sends_input_expected_state_and_a_key() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/workflows/instances/inst_a/resume"))
        .and(body_json(
            json!({ "input": { "approved": true }, "expected_state": "await_approval" }),
        ))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(envelope(instance("inst_a", "completed"))),
        )
        .expect(1)
        .mount(&server)
        .await;

    let resume = ResumeRequest::new(json!({ "approved": true })).expected_state("await_approval");
    let resumed = support::client(&server)
        .instances()
        .resume("inst_a", resume)
        .await
        .unwrap();

    assert_eq!(resumed.status, InstanceStatus::Completed);
    assert!(support::header(&received(&server).await[0], "idempotency-key").is_some());
}

#[tokio::test]
async fn cancel_posts_without_an_idempotency_key() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/workflows/instances/inst_a/cancel"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(envelope(instance("inst_a", "cancelled"))),
        )
        .expect(1)
        .mount(&server)
        .await;

    let cancelled = support::client(&server)
        .instances()
        .cancel("inst_a")
        .await
        .unwrap();

    assert_eq!(cancelled.status, InstanceStatus::Cancelled);
    assert!(support::header(&received(&server).await[0], "idempotency-key").is_none());
}

#[tokio::test]
async fn threads_are_listed_and_resumed_with_a_key() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/workflows/instances/inst_a/threads"))
        .respond_with(ResponseTemplate::new(200).set_body_json(envelope(json!({
            "threads": [{ "id": "thread_main", "status": "waiting" },
                        { "id": "thread_1", "status": "halted", "parent": "thread_main" }]
        }))))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(
            "/api/v1/workflows/instances/inst_a/threads/thread_1/resume",
        ))
        .and(body_json(
            json!({ "input": { "department_approved": true } }),
        ))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(envelope(instance("inst_a", "running"))),
        )
        .expect(1)
        .mount(&server)
        .await;
    let client = support::client(&server);

    let threads = client.threads().list("inst_a").await.unwrap();
    client
        .threads()
        .resume("inst_a", "thread_1", json!({ "department_approved": true }))
        .await
        .unwrap();

    assert_eq!(threads[1].parent.as_deref(), Some("thread_main"));
    let requests = received(&server).await;
    assert!(support::header(&requests[1], "idempotency-key").is_some());
}

#[tokio::test]
async fn history_page_sends_every_filter() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/workflows/instances/inst_a/history"))
        .and(query_param("types", "transition,error"))
        .and(query_param("since", "2026-01-20T00:00:00Z"))
        .and(query_param("until", "2026-01-21T00:00:00Z"))
        .and(query_param("thread", "thread_main"))
        .and(query_param("include_data", "true"))
        .and(query_param("limit", "50"))
        .and(query_param("cursor", "c1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(envelope(json!({
            "instance_id": "inst_a", "status": "completed", "events": [],
            "pagination": { "has_more": false, "next_cursor": null }
        }))))
        .expect(1)
        .mount(&server)
        .await;

    use interactor_client::model::HistoryEventType;
    let query = HistoryQuery::new()
        .types([HistoryEventType::Transition, HistoryEventType::Error])
        .since("2026-01-20T00:00:00Z".parse().unwrap())
        .until("2026-01-21T00:00:00Z".parse().unwrap())
        .thread("thread_main")
        .include_data(true)
        .limit(50)
        .cursor("c1");
    let page = support::client(&server)
        .history()
        .page("inst_a", &query)
        .await
        .unwrap();

    assert_eq!(page.instance_id, "inst_a");
}

#[tokio::test]
async fn single_events_are_fetched_with_and_without_data() {
    let server = MockServer::start().await;
    let event = json!({ "id": "evt_1", "type": "step", "timestamp": "2026-01-20T12:00:00Z",
                        "logic": "script", "duration_ms": 3 });
    Mock::given(method("GET"))
        .and(path("/api/v1/workflows/instances/inst_a/events/evt_1"))
        .and(query_param_is_missing("include_data"))
        .respond_with(ResponseTemplate::new(200).set_body_json(envelope(event.clone())))
        .expect(1)
        .mount(&server)
        .await;
    let mut with_data = event;
    with_data["workflow_data"] = json!({ "a": 1 });
    Mock::given(method("GET"))
        .and(path("/api/v1/workflows/instances/inst_a/events/evt_1"))
        .and(query_param("include_data", "true"))
        .respond_with(ResponseTemplate::new(200).set_body_json(envelope(with_data)))
        .expect(1)
        .mount(&server)
        .await;
    let client = support::client(&server);

    let plain = client.history().event("inst_a", "evt_1").await.unwrap();
    let full = client
        .history()
        .event_with_data("inst_a", "evt_1")
        .await
        .unwrap();

    assert_eq!(plain.workflow_data, None);
    assert_eq!(full.workflow_data, Some(json!({ "a": 1 })));
}

#[tokio::test]
async fn errors_are_listed_with_filters() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/workflows/errors"))
        .and(query_param("since", "2026-01-20T00:00:00Z"))
        .and(query_param("workflow_name", "approval"))
        .and(query_param("namespace", "user_1"))
        .and(query_param("limit", "10"))
        .respond_with(ResponseTemplate::new(200).set_body_json(envelope(json!({
            "errors": [{ "instance_id": "inst_a", "id": "evt_9", "type": "error",
                         "timestamp": "2026-01-20T12:00:00Z",
                         "error": { "code": "script_error", "message": "boom" } }],
            "pagination": { "has_more": false }
        }))))
        .expect(1)
        .mount(&server)
        .await;

    let query = ErrorQuery::new()
        .since("2026-01-20T00:00:00Z".parse().unwrap())
        .workflow_name("approval")
        .namespace("user_1")
        .limit(10);
    let list = support::client(&server)
        .errors()
        .list(&query)
        .await
        .unwrap();

    assert_eq!(list.errors[0].instance_id, "inst_a");
}

#[tokio::test]
async fn webhook_subscriptions_are_created_listed_and_deleted() {
    let server = MockServer::start().await;
    let subscription = json!({ "id": "whsub_1", "url": "https://example.com/hook",
        "events": ["workflow.instance.halted"], "status": "active" });
    Mock::given(method("POST"))
        .and(path("/api/v1/webhooks/subscriptions"))
        .and(body_json(json!({ "url": "https://example.com/hook",
            "events": ["workflow.instance.halted"],
            "secret": "whsec_0123456789abcdef0123456789abcdef", "namespace_filter": "user_1" })))
        .respond_with(ResponseTemplate::new(201).set_body_json(envelope(subscription.clone())))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/webhooks/subscriptions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(envelope(json!({
            "subscriptions": [subscription]
        }))))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/api/v1/webhooks/subscriptions/whsub_1"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let client = support::client(&server);

    let request = CreateSubscriptionRequest::new(
        "https://example.com/hook",
        [WebhookEventType::InstanceHalted],
        "whsec_0123456789abcdef0123456789abcdef",
    )
    .namespace_filter("user_1");
    let created = client.webhooks().create(&request).await.unwrap();
    let listed = client.webhooks().list().await.unwrap();
    client.webhooks().delete("whsub_1").await.unwrap();

    assert_eq!(created.id, "whsub_1");
    assert_eq!(listed.len(), 1);
}

#[tokio::test]
async fn tokens_are_revoked_at_the_auth_base_url() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/auth/oauth/revoke"))
        .and(body_json(json!({ "token": "old_token" })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .expect(1)
        .mount(&server)
        .await;
    let client = support::builder(&server)
        .bearer_token(TOKEN)
        .auth_base_url(format!("{}/auth/", server.uri()))
        .build()
        .unwrap();

    client.tokens().revoke("old_token").await.unwrap();
}

#[tokio::test]
async fn correlation_and_default_headers_are_sent() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/workflows/instances/inst_a"))
        .and(header("x-request-id", "corr-123"))
        .and(header(
            "traceparent",
            "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        ))
        .and(header("x-tenant", "acme"))
        .and(header("user-agent", "my-app/1.0"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(envelope(instance("inst_a", "running"))),
        )
        .expect(1)
        .mount(&server)
        .await;
    let client = support::builder(&server)
        .bearer_token(TOKEN)
        .default_header("x-tenant", "acme")
        .user_agent("my-app/1.0")
        .build()
        .unwrap();

    client
        .instances()
        .get("inst_a")
        .request_id("corr-123")
        .traceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
        .await
        .unwrap();
}
