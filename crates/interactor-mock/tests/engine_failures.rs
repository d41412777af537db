//! Failures over HTTP: bad requests change nothing; automatic steps that fail leave the
//! instance failed and answer 500 with the engine's code.

mod support;

use std::time::{Duration, Instant};

use interactor_mock::MockServer;
use interactor_mock::script::ScriptLimits;
use serde_json::{Value, json};
use support::{Api, approval_workflow, purchase_approval, stub_yourapp};

fn one_step(name: &str, code: &str) -> Value {
    json!({
        "name": name,
        "initial_state": "work",
        "states": {
            "work": { "type": "action", "logic": { "type": "script", "code": code },
                      "transitions": [{ "target": "done" }] },
            "done": { "type": "terminal" }
        }
    })
}

async fn halted_purchase(api: &Api) -> String {
    stub_yourapp(api);
    api.deploy(purchase_approval()).await;
    let created = api
        .start_instance(
            "purchase_approval",
            json!({"amount": 5000, "description": "Desk"}),
        )
        .await;
    created.id()
}

#[tokio::test]
async fn a_missing_required_field_is_invalid_input_and_changes_nothing() {
    let api = Api::start().await;
    let id = halted_purchase(&api).await;
    let before = api.get(&format!("/workflows/instances/{id}")).await;

    let rejected = api.resume(&id, json!({"comment": "no decision"})).await;

    assert_eq!(rejected.status, 400);
    assert_eq!(rejected.code(), "invalid_input");
    assert_eq!(
        rejected.body["error"]["details"]["fields"]["approved"],
        "is required"
    );
    assert!(
        rejected.body["error"]["request_id"]
            .as_str()
            .unwrap()
            .starts_with("req_")
    );
    let after = api.get(&format!("/workflows/instances/{id}")).await;
    assert_eq!(after.body, before.body, "the instance did not change");
}

#[tokio::test]
async fn a_value_of_the_wrong_type_is_invalid_input() {
    let api = Api::start().await;
    let id = halted_purchase(&api).await;

    let rejected = api.resume(&id, json!({"approved": "yes"})).await;

    assert_eq!(rejected.status, 400);
    assert_eq!(
        rejected.body["error"]["details"]["fields"]["approved"],
        "must be true or false"
    );
}

#[tokio::test]
async fn input_that_matches_no_transition_is_invalid_transition_and_changes_nothing() {
    let api = Api::start().await;
    api.deploy(json!({
        "name": "strict",
        "initial_state": "wait",
        "states": {
            "wait": { "type": "halting", "transitions": [
                { "target": "end", "condition": { "field": "code", "operator": "in", "value": ["A", "B"] } } ] },
            "end": { "type": "terminal" }
        }
    }))
    .await;
    let id = api.start_instance("strict", json!({})).await.id();

    let rejected = api.resume(&id, json!({"code": "C"})).await;
    let accepted = api.resume(&id, json!({"code": "B"})).await;

    assert_eq!(rejected.status, 400);
    assert_eq!(rejected.code(), "invalid_transition");
    assert_eq!(accepted.status, 200);
    assert_eq!(
        accepted.data()["workflow_data"],
        json!({"code": "B"}),
        "the rejected input was not merged"
    );
}

#[tokio::test]
async fn resuming_a_finished_instance_is_instance_not_halted() {
    let api = Api::start().await;
    api.deploy(one_step("quick", "return {}")).await;
    let id = api.start_instance("quick", json!({})).await.id();

    let rejected = api.resume(&id, json!({})).await;

    assert_eq!(rejected.status, 400);
    assert_eq!(rejected.code(), "instance_not_halted");
}

#[tokio::test]
async fn cancel_ends_a_halted_instance_once() {
    let api = Api::start().await;
    let id = halted_purchase(&api).await;

    let cancelled = api
        .post(&format!("/workflows/instances/{id}/cancel"), json!({}))
        .await;
    let again = api
        .post(&format!("/workflows/instances/{id}/cancel"), json!({}))
        .await;
    let resume = api.resume(&id, json!({"approved": true})).await;

    assert_eq!(cancelled.status, 200);
    assert_eq!(cancelled.data()["status"], "cancelled");
    assert!(cancelled.data()["cancelled_at"].is_string());
    assert_eq!(cancelled.data()["threads"][0]["status"], "cancelled");
    assert_eq!(again.status, 400);
    assert_eq!(again.code(), "instance_not_active");
    assert_eq!(resume.code(), "instance_not_halted");
}

#[tokio::test]
async fn a_throwing_script_fails_the_instance_with_script_error() {
    let api = Api::start().await;
    api.deploy(one_step(
        "boom",
        "console.log('checking'); throw new Error('bad data')",
    ))
    .await;

    let failed = api.start_instance("boom", json!({})).await;

    assert_eq!(failed.status, 500);
    assert_eq!(failed.code(), "script_error");
    assert!(
        failed.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("bad data")
    );
    assert_eq!(failed.body["error"]["details"]["state"], "work");
    let id = failed.body["error"]["details"]["instance_id"]
        .as_str()
        .unwrap();
    let instance = api.get(&format!("/workflows/instances/{id}")).await;
    assert_eq!(instance.data()["status"], "failed");
    assert_eq!(instance.data()["threads"][0]["status"], "failed");
    assert!(
        instance.data()["error"]
            .as_str()
            .unwrap()
            .starts_with("script_error")
    );
    let errors = api
        .get(&format!("/workflows/instances/{id}/history?types=error"))
        .await;
    assert_eq!(errors.data()["events"][0]["logs"], json!(["checking"]));
    assert_eq!(errors.data()["events"][0]["error"]["code"], "script_error");
}

#[tokio::test]
async fn a_script_returning_a_non_object_is_a_script_error() {
    let api = Api::start().await;
    api.deploy(one_step("numbers", "return 42")).await;

    let failed = api.start_instance("numbers", json!({})).await;

    assert_eq!(failed.status, 500);
    assert_eq!(failed.code(), "script_error");
}

#[tokio::test]
async fn sandbox_escapes_fail_as_script_errors() {
    let api = Api::start().await;
    let escapes = [
        "return { x: eval('1') }",
        "return { x: Function('return 1')() }",
        "return { x: (function(){}).constructor('return 1')() }",
        "return { x: (async function(){}).constructor('return 1') }",
        "return { x: (function*(){}).constructor('yield 1')().next() }",
        "return { x: fetch('http://example.com') }",
        "return { x: require('fs') }",
        "setTimeout(() => {}, 1); return {}",
    ];
    for (i, code) in escapes.iter().enumerate() {
        let name = format!("escape{i}");
        api.deploy(one_step(&name, code)).await;

        let failed = api.start_instance(&name, json!({})).await;

        assert_eq!(failed.status, 500, "{code}: {}", failed.body);
        assert_eq!(failed.code(), "script_error", "{code}");
    }
}

#[tokio::test]
async fn a_script_over_its_time_limit_is_script_timeout() {
    let limits = ScriptLimits::default().with_timeout(Duration::from_millis(300));
    let api = Api::with(MockServer::builder().script_limits(limits)).await;
    api.deploy(one_step("forever", "while (true) {}")).await;

    let failed = api.start_instance("forever", json!({})).await;

    assert_eq!(failed.status, 500);
    assert_eq!(failed.code(), "script_timeout");
}

#[tokio::test]
async fn a_five_second_script_does_not_stall_other_requests() {
    let api = Api::start().await;
    api.deploy(one_step("slow", "while (true) {}")).await;
    api.deploy(one_step("fast", "return { ok: true }")).await;

    let slow = api.start_instance("slow", json!({}));
    let others = async {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let mut slowest = Duration::ZERO;
        for _ in 0..20 {
            let started = Instant::now();
            let done = api.start_instance("fast", json!({})).await;
            assert_eq!(done.status, 201);
            slowest = slowest.max(started.elapsed());
        }
        slowest
    };
    let (slow, slowest) = tokio::join!(slow, others);

    assert_eq!(slow.code(), "script_timeout");
    assert!(
        slowest < Duration::from_secs(2),
        "a fast request took {slowest:?}"
    );
}

#[tokio::test]
async fn an_action_state_without_a_matching_transition_fails_with_invalid_transition() {
    let api = Api::start().await;
    api.deploy(json!({
        "name": "dead_end",
        "initial_state": "route",
        "states": {
            "route": { "type": "action", "logic": { "type": "script", "code": "return { amount: 5 }" },
                       "transitions": [{ "target": "end", "condition": { "field": "amount", "operator": "gt", "value": 10 } }] },
            "end": { "type": "terminal" }
        }
    }))
    .await;

    let failed = api.start_instance("dead_end", json!({})).await;

    assert_eq!(failed.status, 500);
    assert_eq!(failed.code(), "invalid_transition");
}

#[tokio::test]
async fn malformed_and_ill_typed_bodies_are_invalid_requests() {
    let api = Api::start().await;
    api.deploy(approval_workflow()).await;

    let broken = api
        .post_raw("/workflows/approval_workflow/instances", "{\"input\": {")
        .await;
    let wrong_type = api
        .post(
            "/workflows/approval_workflow/instances",
            json!({"input": 5}),
        )
        .await;
    let wrong_namespace = api
        .post(
            "/workflows/approval_workflow/instances",
            json!({"namespace": 7, "input": {}}),
        )
        .await;
    let not_a_definition = api.post_raw("/workflows", "[1, 2").await;

    assert_eq!(broken.status, 400);
    assert_eq!(broken.code(), "invalid_request");
    assert!(broken.body["error"]["details"]["line"].is_number());
    assert_eq!(wrong_type.status, 400);
    assert_eq!(wrong_type.body["error"]["details"]["path"], "input");
    assert_eq!(wrong_namespace.status, 400);
    assert_eq!(
        wrong_namespace.body["error"]["details"]["path"],
        "namespace"
    );
    assert_eq!(not_a_definition.status, 400);
    assert_eq!(
        api.get("/workflows/instances").await.data()["instances"],
        json!([])
    );
}

#[tokio::test]
async fn oversized_bodies_are_rejected_with_413() {
    let api = Api::start().await;
    api.deploy(approval_workflow()).await;
    let big_input = json!({"input": {"blob": "x".repeat(70 * 1024)}});
    let big_definition = json!({"name": "huge", "padding": "x".repeat(1024 * 1024 + 10)});

    let input = api
        .post("/workflows/approval_workflow/instances", big_input)
        .await;
    let definition = api.post("/workflows", big_definition).await;

    assert_eq!(input.status, 413);
    assert_eq!(input.code(), "payload_too_large");
    assert_eq!(definition.status, 413);
    assert_eq!(
        api.get("/workflows").await.data()["workflows"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn invalid_definitions_are_rejected_with_every_problem() {
    let api = Api::start().await;
    let mut definition = approval_workflow();
    definition["states"]["request"]["transitions"][0]["target"] = json!("nonexistent");
    definition["states"]["approved"]["type"] = json!("finished");

    let validated = api.post("/workflows/validate", definition.clone()).await;
    let created = api.post("/workflows", definition).await;

    assert_eq!(validated.status, 200);
    assert_eq!(validated.data()["valid"], false);
    let errors = validated.data()["errors"].as_array().unwrap();
    assert!(errors.len() >= 2, "{errors:?}");
    assert!(
        errors
            .iter()
            .any(|e| e["path"] == "states.request.transitions[0].target")
    );
    assert_eq!(created.status, 400);
    assert_eq!(created.code(), "invalid_workflow");
    assert_eq!(
        created.body["error"]["details"]["errors"],
        validated.data()["errors"]
    );
    assert_eq!(api.get("/workflows").await.data()["workflows"], json!([]));
}

#[tokio::test]
async fn definition_and_version_errors_use_their_codes() {
    let api = Api::start().await;
    let version = api.deploy(approval_workflow()).await;
    api.post("/workflows", json!({
        "name": "draft_only", "initial_state": "end", "states": { "end": { "type": "terminal" } }
    }))
    .await;

    let exists = api.post("/workflows", approval_workflow()).await;
    let republish = api
        .post(
            &format!("/workflows/approval_workflow/versions/{version}/publish"),
            json!({}),
        )
        .await;
    let no_version = api
        .post(
            "/workflows/approval_workflow/versions/v_missing/publish",
            json!({}),
        )
        .await;
    let no_workflow = api.get("/workflows/nope/versions").await;
    let unpublished = api.start_instance("draft_only", json!({})).await;
    let no_instance = api.get("/workflows/instances/inst_missing").await;
    let valid = api.post("/workflows/validate", approval_workflow()).await;

    assert_eq!((exists.status, exists.code()), (409, "workflow_exists"));
    assert_eq!(
        (republish.status, republish.code()),
        (400, "already_published")
    );
    assert_eq!(
        (no_version.status, no_version.code()),
        (404, "version_not_found")
    );
    assert_eq!(
        (no_workflow.status, no_workflow.code()),
        (404, "workflow_not_found")
    );
    assert_eq!(
        (unpublished.status, unpublished.code()),
        (400, "workflow_not_published")
    );
    assert_eq!(
        (no_instance.status, no_instance.code()),
        (404, "instance_not_found")
    );
    assert_eq!(valid.data(), &json!({"valid": true}));
}

#[tokio::test]
async fn requests_without_the_token_are_unauthorized_and_unknown_routes_are_not_found() {
    let api = Api::start().await;

    let anonymous = api.send(api.raw().get(api.url("/workflows"))).await;
    let wrong = api
        .send(api.raw().get(api.url("/workflows")).bearer_auth("nope"))
        .await;
    let missing = api.get("/nothing/here").await;
    let health = api
        .send(api.raw().get(format!("{}/health", api.server.base_url())))
        .await;

    assert_eq!((anonymous.status, anonymous.code()), (401, "unauthorized"));
    assert_eq!((wrong.status, wrong.code()), (401, "unauthorized"));
    assert_eq!((missing.status, missing.code()), (404, "not_found"));
    assert_eq!(health.body["status"], "ok");
}

#[tokio::test]
async fn every_response_carries_a_request_id_and_echoes_the_callers() {
    let api = Api::start().await;

    let generated = api.get("/workflows").await;
    let echoed = api
        .send(
            api.raw()
                .get(api.url("/workflows/instances/inst_x"))
                .bearer_auth("dev_token")
                .header("x-request-id", "corr-123"),
        )
        .await;

    assert!(
        generated.headers["x-request-id"]
            .to_str()
            .unwrap()
            .starts_with("req_")
    );
    assert_eq!(echoed.headers["x-request-id"], "corr-123");
    assert_eq!(echoed.body["error"]["request_id"], "corr-123");
}

#[tokio::test]
async fn workflow_data_over_256_kb_fails_the_step() {
    let api = Api::start().await;
    api.deploy(one_step(
        "hoarder",
        "return { blob: 'x'.repeat(300 * 1024) }",
    ))
    .await;
    api.deploy(one_step(
        "modest",
        "return { blob: 'x'.repeat(200 * 1024) }",
    ))
    .await;

    let failed = api.start_instance("hoarder", json!({})).await;
    let fine = api.start_instance("modest", json!({})).await;

    assert_eq!(failed.status, 500);
    assert_eq!(failed.code(), "script_error");
    assert!(
        failed.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("over the limit"),
        "{}",
        failed.body
    );
    assert_eq!(fine.status, 201);
}
