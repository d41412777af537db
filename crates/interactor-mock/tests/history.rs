//! The history API: paging, filters, single events, and the error dashboard.

mod support;

use std::collections::HashSet;

use chrono::{DateTime, Duration, Utc};
use interactor_mock::{Clock, MockServer};
use serde_json::{Value, json};
use support::Api;

fn counter(name: &str, steps: u64) -> Value {
    json!({
        "name": name,
        "initial_state": "tick",
        "states": {
            "tick": {
                "type": "action",
                "logic": { "type": "script", "code": "return { n: (workflow_data.n || 0) + 1 }" },
                "transitions": [
                    { "target": "tick", "condition": { "field": "n", "operator": "lt", "value": steps } },
                    { "target": "wait" } ]
            },
            "wait": { "type": "halting", "transitions": [{ "target": "done" }] },
            "done": { "type": "terminal" }
        }
    })
}

fn start() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2030-01-01T00:00:00Z")
        .unwrap()
        .to_utc()
}

async fn frozen_api() -> Api {
    Api::with(MockServer::builder().clock(Clock::frozen_at(start()))).await
}

async fn all_pages(api: &Api, id: &str, query: &str) -> Vec<Value> {
    let mut events = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = format!("/workflows/instances/{id}/history?{query}");
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let page = api.get(&path).await;
        assert_eq!(page.status, 200, "{}", page.body);
        events.extend(page.data()["events"].as_array().unwrap().iter().cloned());
        let pagination = &page.data()["pagination"];
        if pagination["has_more"] == false {
            assert!(pagination["next_cursor"].is_null());
            return events;
        }
        cursor = Some(pagination["next_cursor"].as_str().unwrap().to_owned());
    }
}

#[tokio::test]
async fn paging_with_small_limits_returns_every_event_once_in_order() {
    let api = Api::start().await;
    api.deploy(counter("counter", 300)).await;
    let created = api.start_instance("counter", json!({})).await;
    let id = created.id();

    let everything = all_pages(&api, &id, "limit=1000").await;
    let paged = all_pages(&api, &id, "limit=7").await;

    assert!(everything.len() > 600, "{} events", everything.len());
    assert_eq!(paged, everything);
    let ids: Vec<&str> = paged.iter().map(|e| e["id"].as_str().unwrap()).collect();
    let unique: HashSet<&str> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len());
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "ids ascend");
    let first_page = api.get(&format!("/workflows/instances/{id}/history")).await;
    assert_eq!(
        first_page.data()["events"].as_array().unwrap().len(),
        100,
        "default limit"
    );
    assert_eq!(first_page.data()["instance_id"], id.as_str());
    assert_eq!(first_page.data()["status"], "halted");
    assert!(
        first_page.data()["workflow_id"]
            .as_str()
            .unwrap()
            .starts_with("wf_")
    );
}

#[tokio::test]
async fn events_record_lifecycle_transitions_steps_and_halts() {
    let api = Api::start().await;
    api.deploy(counter("short", 2)).await;
    let id = api.start_instance("short", json!({"x": 1})).await.id();
    api.resume(&id, json!({"ok": true})).await;

    let events = all_pages(&api, &id, "limit=50").await;

    let kinds: Vec<String> = events
        .iter()
        .map(|e| {
            format!(
                "{}:{}",
                e["type"].as_str().unwrap(),
                e["subtype"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "lifecycle:created",
            "step:logic",
            "transition:state_change",
            "step:logic",
            "transition:state_change",
            "halt:halted",
            "lifecycle:resumed",
            "transition:state_change",
            "lifecycle:completed",
        ]
    );
    assert_eq!(events[0]["initial_state"], "tick");
    assert_eq!(events[2]["changes"], json!({"added": {"n": 1}}));
    assert_eq!(events[2]["trigger"], "automatic");
    assert_eq!(
        events[4]["changes"],
        json!({"updated": {"n": {"from": 1, "to": 2}}})
    );
    assert_eq!(events[1]["logic"], "script");
    assert!(events[1]["duration_ms"].is_number());
    assert_eq!(events[7]["trigger"], "resume");
    assert_eq!(events[7]["changes"], json!({"added": {"ok": true}}));
}

#[tokio::test]
async fn types_thread_and_data_filters_narrow_the_events() {
    let api = Api::start().await;
    api.deploy(counter("filters", 3)).await;
    let id = api.start_instance("filters", json!({})).await.id();

    let steps = all_pages(&api, &id, "types=step").await;
    let mixed = all_pages(&api, &id, "types=halt,lifecycle").await;
    let other_thread = all_pages(&api, &id, "thread=thread_9").await;
    let with_data = all_pages(&api, &id, "types=transition&include_data=true").await;
    let without_data = all_pages(&api, &id, "types=transition").await;

    assert_eq!(steps.len(), 3);
    assert!(steps.iter().all(|e| e["type"] == "step"));
    assert_eq!(mixed.len(), 2);
    assert!(other_thread.is_empty());
    assert_eq!(with_data.last().unwrap()["workflow_data"], json!({"n": 3}));
    assert!(
        without_data
            .iter()
            .all(|e| e.get("workflow_data").is_none())
    );
}

#[tokio::test]
async fn since_and_until_select_a_time_window() {
    let api = frozen_api().await;
    api.deploy(counter("timed", 1)).await;
    let id = api.start_instance("timed", json!({})).await.id();
    api.server.clock().advance(Duration::hours(1));
    api.resume(&id, json!({})).await;
    let boundary = (start() + Duration::minutes(30))
        .to_rfc3339()
        .replace('+', "%2B");

    let before = all_pages(&api, &id, &format!("until={boundary}")).await;
    let after = all_pages(&api, &id, &format!("since={boundary}")).await;
    let all = all_pages(&api, &id, "").await;

    assert_eq!(before.len() + after.len(), all.len());
    assert_eq!(after[0]["subtype"], "resumed");
    assert!(
        before
            .iter()
            .all(|e| e["timestamp"] == "2030-01-01T00:00:00Z")
    );
}

#[tokio::test]
async fn a_single_event_is_found_by_id_with_its_data_snapshot() {
    let api = Api::start().await;
    api.deploy(counter("single", 2)).await;
    let id = api.start_instance("single", json!({})).await.id();
    let events = all_pages(&api, &id, "types=transition").await;
    let first = events[0]["id"].as_str().unwrap();

    let plain = api
        .get(&format!("/workflows/instances/{id}/events/{first}"))
        .await;
    let with_data = api
        .get(&format!(
            "/workflows/instances/{id}/events/{first}?include_data=true"
        ))
        .await;
    let missing = api
        .get(&format!("/workflows/instances/{id}/events/evt_nope"))
        .await;

    assert_eq!(plain.data(), &events[0]);
    assert_eq!(with_data.data()["workflow_data"], json!({"n": 1}));
    assert_eq!((missing.status, missing.code()), (404, "event_not_found"));
}

#[tokio::test]
async fn bad_limits_cursors_and_timestamps_are_invalid_requests() {
    let api = Api::start().await;
    api.deploy(counter("bad", 1)).await;
    let id = api.start_instance("bad", json!({})).await.id();

    for query in [
        "limit=0",
        "limit=1001",
        "limit=ten",
        "cursor=zzz",
        "cursor=6162",
        "since=yesterday",
        "until=2030-13-01T00:00:00Z",
        "types=step,dance",
        "include_data=maybe",
    ] {
        let answer = api
            .get(&format!("/workflows/instances/{id}/history?{query}"))
            .await;
        assert_eq!(
            (answer.status, answer.code()),
            (400, "invalid_request"),
            "{query}: {}",
            answer.body
        );
    }
    let unknown = api.get("/workflows/instances/inst_nope/history").await;
    assert_eq!(unknown.code(), "instance_not_found");
}

#[tokio::test]
async fn the_error_dashboard_lists_failures_across_instances_with_filters() {
    let api = frozen_api().await;
    let failing = |name: &str| {
        json!({
            "name": name,
            "initial_state": "work",
            "states": {
                "work": { "type": "action", "logic": { "type": "script", "code": "throw new Error('nope ' + input.n)" },
                          "transitions": [{ "target": "end" }] },
                "end": { "type": "terminal" }
            }
        })
    };
    api.deploy(failing("fails_a")).await;
    api.deploy(failing("fails_b")).await;
    for n in 0..3 {
        api.start_instance("fails_a", json!({"n": n})).await;
        api.server.clock().advance(Duration::minutes(10));
    }
    api.post(
        "/workflows/fails_b/instances",
        json!({"namespace": "org_1", "input": {"n": 9}}),
    )
    .await;

    let all = api.get("/workflows/errors").await;
    let by_workflow = api.get("/workflows/errors?workflow_name=fails_b").await;
    let by_namespace = api.get("/workflows/errors?namespace=user_123").await;
    let since = (start() + Duration::minutes(15))
        .to_rfc3339()
        .replace('+', "%2B");
    let recent = api.get(&format!("/workflows/errors?since={since}")).await;
    let first_page = api.get("/workflows/errors?limit=2").await;
    let cursor = first_page.data()["pagination"]["next_cursor"]
        .as_str()
        .unwrap()
        .to_owned();
    let second_page = api
        .get(&format!("/workflows/errors?limit=2&cursor={cursor}"))
        .await;

    let errors = all.data()["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 4);
    assert_eq!(errors[0]["type"], "error");
    assert_eq!(errors[0]["workflow_name"], "fails_a");
    assert_eq!(errors[0]["error"]["code"], "script_error");
    assert!(
        errors[0]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("nope 0")
    );
    assert_eq!(by_workflow.data()["errors"][0]["namespace"], "org_1");
    assert_eq!(by_namespace.data()["errors"].as_array().unwrap().len(), 3);
    assert_eq!(recent.data()["errors"].as_array().unwrap().len(), 2);
    assert_eq!(second_page.data()["errors"].as_array().unwrap().len(), 2);
    assert_eq!(second_page.data()["pagination"]["has_more"], false);
    assert_eq!(second_page.data()["errors"][0], errors[2]);
}
