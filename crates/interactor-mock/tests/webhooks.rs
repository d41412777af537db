//! Webhook subscriptions and deliveries, end to end: a real receiver verifies every
//! delivery with the webhook crate's `Verifier` while the tests drive the mock's clock.

#[path = "webhooks/receiver.rs"]
mod receiver;
mod support;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use chrono::{DateTime, SecondsFormat, Utc};
use interactor_mock::webhooks::{DeliveryFilter, DeliveryStatus, WebhookConfig};
use interactor_mock::{Clock, MockServer};
use receiver::{Behaviour, PATIENCE, Receiver};
use serde_json::{Value, json};
use support::{Api, approval_workflow, stub_yourapp};

/// The secret of every subscription, and of the receiver's verifier.
const SECRET: &str = "whsec_0123456789abcdef0123456789abcdef";

fn start_time() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2030-01-20T12:00:00Z")
        .expect("valid time")
        .to_utc()
}

/// A mock on a frozen clock with the approval workflow deployed, and a receiver.
async fn setup() -> (Api, Receiver) {
    let api = Api::with(MockServer::builder().clock(Clock::frozen_at(start_time()))).await;
    stub_yourapp(&api);
    api.deploy(approval_workflow()).await;
    let receiver = Receiver::start(api.server.clock()).await;
    (api, receiver)
}

async fn subscribe(api: &Api, url: &str, events: &[&str], namespace: Option<&str>) -> String {
    let mut body = json!({ "url": url, "events": events, "secret": SECRET });
    if let Some(namespace) = namespace {
        body["namespace_filter"] = json!(namespace);
    }
    let answer = api.post("/webhooks/subscriptions", body).await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    answer.data()["id"].as_str().expect("id").to_owned()
}

async fn start_approval(api: &Api) -> String {
    let created = api
        .start_instance(
            "approval_workflow",
            json!({"id": "req_456", "amount": 5000}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    created.data()["id"].as_str().expect("id").to_owned()
}

/// `GET /_mock/deliveries` with `query`.
async fn admin_deliveries(api: &Api, query: &str) -> (u16, Value) {
    let url = format!("{}/_mock/deliveries{query}", api.server.base_url());
    let response = api.raw().get(url).send().await.expect("answered");
    let status = response.status().as_u16();
    (status, response.json().await.expect("JSON"))
}

/// Moves the mock's clock and tells the dispatcher.
fn advance(api: &Api, seconds: i64) {
    api.server
        .clock()
        .advance(chrono::Duration::seconds(seconds));
    api.server.webhooks().wake();
}

/// Waits until the only delivery of `subscription` has `status`.
async fn wait_for_status(api: &Api, subscription: &str, status: DeliveryStatus) {
    let deadline = Instant::now() + PATIENCE;
    let filter = DeliveryFilter::all().subscription(subscription);
    loop {
        let deliveries = api.server.webhooks().deliveries(&filter);
        if deliveries.first().is_some_and(|d| d.status == status) {
            return;
        }
        assert!(Instant::now() < deadline, "never {status}: {deliveries:?}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn subscriptions_are_created_listed_and_deleted_without_revealing_the_secret() {
    let (api, receiver) = setup().await;

    let created = api
        .post(
            "/webhooks/subscriptions",
            json!({
                "url": receiver.url("/hooks"),
                "events": ["workflow.instance.halted", "workflow.instance.completed"],
                "secret": SECRET,
                "namespace_filter": "user_123",
            }),
        )
        .await;

    assert_eq!(created.status, 201, "{}", created.body);
    let subscription = created.data();
    let id = subscription["id"].as_str().unwrap();
    assert!(id.starts_with("whsub_"), "{id}");
    assert_eq!(subscription["status"], "active");
    assert_eq!(subscription["namespace_filter"], "user_123");
    assert_eq!(subscription["created_at"], "2030-01-20T12:00:00Z");
    assert_eq!(
        subscription["events"],
        json!(["workflow.instance.halted", "workflow.instance.completed"])
    );
    assert!(!created.body.to_string().contains(SECRET));

    let listed = api.get("/webhooks/subscriptions").await;
    assert_eq!(listed.status, 200);
    assert_eq!(listed.data()["subscriptions"], json!([subscription]));

    let url = api.url(&format!("/webhooks/subscriptions/{id}"));
    let deleted = api
        .send(api.raw().delete(&url).bearer_auth(api.server.dev_token()))
        .await;
    assert_eq!(deleted.status, 204);
    assert_eq!(deleted.body, Value::Null);

    let again = api
        .send(api.raw().delete(&url).bearer_auth(api.server.dev_token()))
        .await;
    assert_eq!(again.status, 404);
    assert_eq!(again.code(), "subscription_not_found");
    let listed = api.get("/webhooks/subscriptions").await;
    assert_eq!(listed.data()["subscriptions"], json!([]));
}

#[tokio::test]
async fn invalid_subscriptions_are_rejected_naming_the_field() {
    let api = Api::start().await;
    let good = json!({
        "url": "https://example.com/hooks",
        "events": ["workflow.instance.created"],
        "secret": SECRET,
    });
    let with = |field: &str, value: Value| {
        let mut body = good.clone();
        body[field] = value;
        body
    };
    let without = |field: &str| {
        let mut body = good.clone();
        body.as_object_mut().unwrap().remove(field);
        body
    };
    let cases = [
        (with("url", json!("/relative/hooks")), "url"),
        (with("url", json!("ftp://example.com/hooks")), "url"),
        (with("url", json!(42)), "url"),
        (with("secret", json!("too_short_secret")), "secret"),
        (with("events", json!([])), "events"),
        (
            with(
                "events",
                json!(["workflow.instance.created", "workflow.instance.exploded"]),
            ),
            "events[1]",
        ),
        (with("namespace_filter", json!("")), "namespace_filter"),
        (without("secret"), "secret"),
        (without("url"), "url"),
    ];

    for (body, path) in cases {
        let answer = api.post("/webhooks/subscriptions", body.clone()).await;

        assert_eq!(answer.status, 400, "{body}: {}", answer.body);
        assert_eq!(answer.code(), "invalid_request", "{body}");
        assert_eq!(
            answer.body["error"]["details"]["path"], path,
            "{}",
            answer.body
        );
    }

    let unknown = api
        .post(
            "/webhooks/subscriptions",
            with("events", json!(["workflow.instance.exploded"])),
        )
        .await;
    let message = unknown.body["error"]["message"].as_str().unwrap();
    assert!(message.contains("workflow.instance.exploded"), "{message}");
    assert_eq!(
        api.get("/webhooks/subscriptions").await.data()["subscriptions"],
        json!([])
    );
}

#[tokio::test]
async fn the_approval_flow_delivers_created_halted_resumed_and_completed_in_order() {
    let (api, receiver) = setup().await;
    let subscription = subscribe(
        &api,
        &receiver.url("/hooks"),
        &[
            "workflow.instance.created",
            "workflow.instance.halted",
            "workflow.instance.resumed",
            "workflow.instance.completed",
        ],
        None,
    )
    .await;

    let id = start_approval(&api).await;
    let halted = receiver.wait_for(2).await;
    advance(&api, 300);
    let resumed = api.resume(&id, json!({"approved": true})).await;
    assert_eq!(resumed.status, 200, "{}", resumed.body);
    let received = receiver.wait_for(4).await;

    assert_eq!(
        receiver.events(),
        [
            "workflow.instance.created",
            "workflow.instance.halted",
            "workflow.instance.resumed",
            "workflow.instance.completed",
        ]
    );
    let halt = &halted[1].body;
    assert_eq!(halt["event"], "workflow.instance.halted");
    assert_eq!(halt["delivery_id"], halted[1].delivery_id.as_str());
    assert_eq!(halt["timestamp"], "2030-01-20T12:00:00Z");
    let data = &halt["data"];
    assert_eq!(data["instance_id"], id.as_str());
    assert_eq!(data["workflow_name"], "approval_workflow");
    assert!(data["version_id"].as_str().unwrap().starts_with("v_"));
    assert_eq!(data["namespace"], "user_123");
    assert_eq!(data["current_state"], "await_approval");
    assert_eq!(data["workflow_data"]["request_id"], "req_456");
    assert_eq!(data["workflow_data"]["amount"], 5000);
    assert_eq!(data["halting_presentation"]["type"], "form");
    assert_eq!(data["halting_presentation"]["title"], "Approval Required");
    assert_eq!(
        data["halting_presentation"]["fields"][0]["name"],
        "approved"
    );
    assert!(data.get("error").is_none());

    let done = &received[3].body;
    assert_eq!(done["timestamp"], "2030-01-20T12:05:00Z");
    assert_eq!(done["data"]["current_state"], "approved");
    assert_eq!(done["data"]["workflow_data"]["approved"], true);
    assert!(done["data"].get("halting_presentation").is_none());

    let ids: HashSet<&str> = received.iter().map(|r| r.delivery_id.as_str()).collect();
    assert!(ids.iter().all(|id| id.starts_with("del_")));
    assert_eq!(ids.len(), 4, "each event is its own delivery");
    assert!(
        received
            .iter()
            .all(|r| r.retry_count == 0 && r.path == "/hooks")
    );

    let (status, listed) = admin_deliveries(
        &api,
        &format!("?subscription_id={subscription}&status=succeeded"),
    )
    .await;
    assert_eq!(status, 200);
    let deliveries = listed["data"]["deliveries"].as_array().unwrap();
    assert_eq!(deliveries.len(), 4, "{listed}");
    assert_eq!(deliveries[0]["event"], "workflow.instance.created");
    assert_eq!(deliveries[0]["url"], receiver.url("/hooks"));
    assert_eq!(deliveries[0]["last_status"], 200);
    assert_eq!(deliveries[0]["attempts"][0]["status"], 200);
    assert_eq!(deliveries[0]["attempts"][0]["retry_count"], 0);
    assert_eq!(deliveries[1]["payload"], halted[1].body);
}

#[tokio::test]
async fn only_subscribed_events_of_the_filtered_namespace_are_delivered() {
    let (api, receiver) = setup().await;
    let completed_only = subscribe(
        &api,
        &receiver.url("/completed"),
        &["workflow.instance.completed"],
        None,
    )
    .await;
    subscribe(
        &api,
        &receiver.url("/mine"),
        &["workflow.instance.created", "workflow.instance.halted"],
        Some("user_123"),
    )
    .await;
    let elsewhere = subscribe(
        &api,
        &receiver.url("/elsewhere"),
        &["workflow.instance.created"],
        Some("user_999"),
    )
    .await;

    start_approval(&api).await;
    let received = receiver.wait_for(2).await;
    receiver.stays_at(2).await;

    assert!(received.iter().all(|r| r.path == "/mine"), "{received:?}");
    assert_eq!(
        receiver.events(),
        ["workflow.instance.created", "workflow.instance.halted"]
    );
    for subscription in [completed_only, elsewhere] {
        let (_, listed) = admin_deliveries(&api, &format!("?subscription_id={subscription}")).await;
        assert_eq!(listed["data"]["deliveries"], json!([]), "{subscription}");
    }
}

#[tokio::test]
async fn a_failing_receiver_is_retried_on_the_documented_schedule() {
    let (api, receiver) = setup().await;
    receiver.behave(Behaviour::FailTimes(3));
    let subscription = subscribe(
        &api,
        &receiver.url("/hooks"),
        &["workflow.instance.created"],
        None,
    )
    .await;

    start_approval(&api).await;
    receiver.wait_for(1).await;
    wait_for_next_attempt(
        &api,
        &subscription,
        start_time() + chrono::Duration::seconds(30),
    )
    .await;

    // Each retry is due exactly its delay after the previous attempt, and not a second
    // earlier.
    let mut sent = 1;
    for delay in [30, 120, 480] {
        advance(&api, delay - 1);
        receiver.stays_at(sent).await;
        advance(&api, 1);
        sent += 1;
        receiver.wait_for(sent).await;
    }
    wait_for_status(&api, &subscription, DeliveryStatus::Succeeded).await;

    let received = receiver.received();
    assert_eq!(received.len(), 4);
    let retry_counts: Vec<u32> = received.iter().map(|r| r.retry_count).collect();
    assert_eq!(retry_counts, [0, 1, 2, 3]);
    assert!(
        received
            .iter()
            .all(|r| r.delivery_id == received[0].delivery_id)
    );
    assert!(
        received.iter().all(|r| r.body == received[0].body),
        "the body never changes"
    );
    let signatures: HashSet<&str> = received.iter().map(|r| r.signature.as_str()).collect();
    assert_eq!(signatures.len(), 4, "every attempt is signed afresh");
    let start = start_time().timestamp();
    let timestamps: Vec<i64> = received.iter().map(|r| r.timestamp - start).collect();
    assert_eq!(timestamps, [0, 30, 150, 630]);

    let delivery = &api.server.webhooks().deliveries(&DeliveryFilter::all())[0];
    let statuses: Vec<Option<u16>> = delivery.attempts.iter().map(|a| a.status).collect();
    assert_eq!(statuses, [Some(500), Some(500), Some(500), Some(200)]);
    assert_eq!(delivery.last_status, Some(200));
    assert_eq!(delivery.next_attempt_at, None);
}

/// Waits until the pending delivery of `subscription` says its next attempt is at `at`.
async fn wait_for_next_attempt(api: &Api, subscription: &str, at: DateTime<Utc>) {
    let deadline = Instant::now() + PATIENCE;
    let filter = DeliveryFilter::all().subscription(subscription);
    loop {
        let deliveries = api.server.webhooks().deliveries(&filter);
        if deliveries.first().and_then(|d| d.next_attempt_at) == Some(at) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "next attempt never at {at}: {deliveries:?}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn a_receiver_that_always_fails_gets_six_attempts_then_a_replay_delivers() {
    let (api, receiver) = setup().await;
    receiver.behave(Behaviour::AlwaysFail);
    let subscription = subscribe(
        &api,
        &receiver.url("/hooks"),
        &["workflow.instance.created"],
        None,
    )
    .await;

    start_approval(&api).await;
    receiver.wait_for(1).await;
    for (sent, delay) in (2..).zip([30, 120, 480, 1800, 7200]) {
        advance(&api, delay);
        receiver.wait_for(sent).await;
    }
    wait_for_status(&api, &subscription, DeliveryStatus::Dead).await;
    advance(&api, 24 * 3600);
    receiver.stays_at(6).await;

    let (status, dead) = admin_deliveries(&api, "?status=dead").await;
    assert_eq!(status, 200);
    let delivery = &dead["data"]["deliveries"][0];
    assert_eq!(delivery["dead_reason"], "attempts_exhausted");
    assert_eq!(delivery["attempts"].as_array().unwrap().len(), 6);
    assert_eq!(delivery["last_status"], 503);
    assert!(delivery.get("next_attempt_at").is_none());
    let (_, pending) = admin_deliveries(&api, "?status=pending").await;
    assert_eq!(pending["data"]["deliveries"], json!([]));

    receiver.behave(Behaviour::Succeed);
    let id = delivery["id"].as_str().unwrap();
    let replay_url = format!("{}/_mock/deliveries/{id}/replay", api.server.base_url());
    let replayed = api.raw().post(&replay_url).send().await.unwrap();
    assert_eq!(replayed.status(), 202);

    let received = receiver.wait_for(7).await;
    wait_for_status(&api, &subscription, DeliveryStatus::Succeeded).await;
    assert_eq!(received[6].delivery_id, id);
    assert_eq!(received[6].retry_count, 6);
    assert_eq!(received[6].body, received[0].body);
    receiver.stays_at(7).await;
}

#[tokio::test]
async fn replaying_an_unknown_delivery_is_not_found() {
    let api = Api::start().await;

    let url = format!(
        "{}/_mock/deliveries/del_missing/replay",
        api.server.base_url()
    );
    let answer = api.send(api.raw().post(url)).await;

    assert_eq!(answer.status, 404);
    assert_eq!(answer.code(), "delivery_not_found");
    let (status, body) = admin_deliveries(&api, "?status=lost").await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["details"]["path"], "status");
}

#[tokio::test]
async fn a_later_event_waits_until_the_earlier_delivery_of_its_subscription_succeeds() {
    let (api, receiver) = setup().await;
    receiver.behave(Behaviour::FailTimes(1));
    subscribe(
        &api,
        &receiver.url("/hooks"),
        &["workflow.instance.created", "workflow.instance.halted"],
        None,
    )
    .await;

    start_approval(&api).await;
    receiver.wait_for(1).await;
    receiver.stays_at(1).await;
    advance(&api, 30);
    receiver.wait_for(3).await;

    assert_eq!(
        receiver.events(),
        [
            "workflow.instance.created",
            "workflow.instance.created",
            "workflow.instance.halted",
        ]
    );
}

#[tokio::test]
async fn a_request_that_causes_an_event_answers_while_the_receiver_hangs() {
    let (api, receiver) = setup().await;
    receiver.behave(Behaviour::Hang);
    subscribe(
        &api,
        &receiver.url("/hooks"),
        &["workflow.instance.created", "workflow.instance.resumed"],
        None,
    )
    .await;

    // The receiver holds every request for a minute and the attempt timeout is 30 s, so
    // a request that waited for its delivery could not answer within 10 s.
    let id = tokio::time::timeout(Duration::from_secs(10), start_approval(&api))
        .await
        .expect("the create request answered without waiting for the receiver");
    receiver.wait_for(1).await;
    let resumed = tokio::time::timeout(
        Duration::from_secs(10),
        api.resume(&id, json!({"approved": false})),
    )
    .await
    .expect("the resume request answered without waiting for the receiver");

    assert_eq!(resumed.status, 200, "{}", resumed.body);
    let deliveries = api.server.webhooks().deliveries(&DeliveryFilter::all());
    assert_eq!(deliveries.len(), 2);
    assert!(
        deliveries[0].attempts.is_empty(),
        "the first attempt is still under way"
    );
    assert_eq!(deliveries[1].status, DeliveryStatus::Pending);
}

#[tokio::test]
async fn an_attempt_without_an_answer_times_out_and_is_retried() {
    let (api, receiver) = setup().await;
    let mut config = WebhookConfig::default();
    config.attempt_timeout = Duration::from_millis(500);
    api.server.webhooks().set_config(config);
    receiver.behave(Behaviour::Hang);
    let subscription = subscribe(
        &api,
        &receiver.url("/hooks"),
        &["workflow.instance.created"],
        None,
    )
    .await;

    start_approval(&api).await;
    receiver.wait_for(1).await;
    wait_for_next_attempt(
        &api,
        &subscription,
        start_time() + chrono::Duration::seconds(30),
    )
    .await;

    let delivery = &api.server.webhooks().deliveries(&DeliveryFilter::all())[0];
    let attempt = &delivery.attempts[0];
    assert_eq!(attempt.status, None);
    assert_eq!(
        attempt.error.as_deref(),
        Some("no answer within 500 ms"),
        "{attempt:?}"
    );
    assert!(attempt.duration_ms >= 500, "{attempt:?}");
    assert_eq!(delivery.status, DeliveryStatus::Pending);
    receiver.behave(Behaviour::Succeed);
    advance(&api, 30);
    let received = receiver.wait_for(2).await;
    assert_eq!(received[1].retry_count, 1);
    wait_for_status(&api, &subscription, DeliveryStatus::Succeeded).await;
}

#[tokio::test]
async fn deleting_a_subscription_stops_its_deliveries() {
    let (api, receiver) = setup().await;
    receiver.behave(Behaviour::AlwaysFail);
    let subscription = subscribe(
        &api,
        &receiver.url("/hooks"),
        &["workflow.instance.created"],
        None,
    )
    .await;
    start_approval(&api).await;
    receiver.wait_for(1).await;
    wait_for_next_attempt(
        &api,
        &subscription,
        start_time() + chrono::Duration::seconds(30),
    )
    .await;

    let url = api.url(&format!("/webhooks/subscriptions/{subscription}"));
    let deleted = api
        .send(api.raw().delete(url).bearer_auth(api.server.dev_token()))
        .await;
    assert_eq!(deleted.status, 204);
    advance(&api, 3600);
    start_approval(&api).await;

    receiver.stays_at(1).await;
    let deliveries = api.server.webhooks().deliveries(&DeliveryFilter::all());
    assert_eq!(
        deliveries.len(),
        1,
        "no delivery for an event after the deletion"
    );
    assert_eq!(deliveries[0].status, DeliveryStatus::Dead);
    let (_, dead) = admin_deliveries(&api, "?status=dead").await;
    assert_eq!(
        dead["data"]["deliveries"][0]["dead_reason"],
        "subscription_deleted"
    );
    let replay_url = format!(
        "{}/_mock/deliveries/{}/replay",
        api.server.base_url(),
        deliveries[0].id
    );
    let replayed = api.send(api.raw().post(replay_url)).await;
    assert_eq!(replayed.status, 404);
    assert_eq!(replayed.code(), "subscription_not_found");
}

#[tokio::test]
async fn the_payload_timestamp_is_the_mock_clock_at_the_event() {
    let (api, receiver) = setup().await;
    subscribe(
        &api,
        &receiver.url("/hooks"),
        &["workflow.instance.created"],
        None,
    )
    .await;
    advance(&api, 90);

    start_approval(&api).await;
    let received = receiver.wait_for(1).await;

    let expected =
        (start_time() + chrono::Duration::seconds(90)).to_rfc3339_opts(SecondsFormat::Secs, true);
    assert_eq!(received[0].body["timestamp"], expected);
    assert_eq!(received[0].timestamp, start_time().timestamp() + 90);
}

#[tokio::test]
async fn a_failed_instance_is_delivered_with_its_error() {
    let (api, receiver) = setup().await;
    subscribe(
        &api,
        &receiver.url("/hooks"),
        &["workflow.instance.failed"],
        None,
    )
    .await;
    api.deploy(json!({
        "name": "breaks",
        "initial_state": "work",
        "states": {
            "work": { "type": "action",
                      "logic": { "type": "script", "code": "throw new Error('kaput')" },
                      "transitions": [{ "target": "done" }] },
            "done": { "type": "terminal" }
        }
    }))
    .await;

    let started = api.start_instance("breaks", json!({})).await;
    let received = receiver.wait_for(1).await;

    assert_eq!(started.status, 500, "{}", started.body);
    let data = &received[0].body["data"];
    assert_eq!(received[0].body["event"], "workflow.instance.failed");
    assert_eq!(data["workflow_name"], "breaks");
    assert_eq!(data["error"]["code"], "script_error");
    assert!(
        data["error"]["message"].as_str().unwrap().contains("kaput"),
        "{data}"
    );
    assert!(data.get("halting_presentation").is_none());
}

#[tokio::test]
async fn a_cancelled_instance_is_delivered_without_a_presentation() {
    let (api, receiver) = setup().await;
    subscribe(
        &api,
        &receiver.url("/hooks"),
        &["workflow.instance.cancelled"],
        None,
    )
    .await;
    let id = start_approval(&api).await;

    let cancelled = api
        .post(&format!("/workflows/instances/{id}/cancel"), json!({}))
        .await;
    let received = receiver.wait_for(1).await;

    assert_eq!(cancelled.status, 200, "{}", cancelled.body);
    assert_eq!(received[0].body["event"], "workflow.instance.cancelled");
    assert_eq!(received[0].body["data"]["instance_id"], id.as_str());
    assert!(
        received[0].body["data"]
            .get("halting_presentation")
            .is_none()
    );
    receiver.stays_at(1).await;
}
