//! The engine over HTTP: the reference's examples, data flow, halting, and failures.

mod support;

use serde_json::json;
use support::{Api, approval_workflow, purchase_approval, stub_yourapp};

#[tokio::test]
async fn approval_workflow_halts_for_approval_then_completes() {
    let api = Api::start().await;
    stub_yourapp(&api);
    let version = api.deploy(approval_workflow()).await;

    let created = api
        .start_instance(
            "approval_workflow",
            json!({"id": "req_456", "amount": 5000, "requester": "john@example.com"}),
        )
        .await;

    assert_eq!(created.status, 201, "{}", created.body);
    let instance = created.data();
    let id = instance["id"].as_str().unwrap();
    assert!(id.starts_with("inst_"));
    assert_eq!(instance["version_id"], version.as_str());
    assert_eq!(instance["namespace"], "user_123");
    assert_eq!(instance["status"], "halted");
    assert_eq!(instance["current_state"], "await_approval");
    assert_eq!(instance["workflow_data"]["request_id"], "req_456");
    assert_eq!(instance["workflow_data"]["amount"], 5000);
    assert_eq!(instance["workflow_data"]["status"], "pending");
    assert_eq!(instance["halting_presentation"]["type"], "form");
    assert_eq!(
        instance["halting_presentation"]["fields"][0]["name"],
        "approved"
    );
    assert_eq!(instance["threads"][0]["id"], "thread_main");
    assert_eq!(instance["threads"][0]["status"], "halted");
    assert_eq!(instance["history"][0]["state"], "request");
    assert_eq!(instance["history"][0]["transition"], "await_approval");

    let resumed = api
        .resume(id, json!({"approved": true, "comment": "Looks good"}))
        .await;

    assert_eq!(resumed.status, 200, "{}", resumed.body);
    assert_eq!(resumed.data()["status"], "completed");
    assert_eq!(resumed.data()["current_state"], "approved");
    assert_eq!(resumed.data()["workflow_data"]["approved"], true);
    assert_eq!(resumed.data()["workflow_data"]["comment"], "Looks good");
    assert!(resumed.data().get("halting_presentation").is_none());

    let calls = api.server.engine().http().calls();
    assert_eq!(calls.len(), 1);
    assert_eq!(
        calls[0].url,
        "https://yourapp.com/api/webhooks/approval-complete"
    );
    assert_eq!(
        calls[0].body,
        Some(json!({"request_id": "req_456", "status": "approved"}))
    );
    assert!(calls[0].stubbed);
}

#[tokio::test]
async fn purchase_approval_follows_the_four_reference_scenarios() {
    let api = Api::start().await;
    stub_yourapp(&api);
    api.deploy(purchase_approval()).await;
    let input = |amount: u64| json!({"amount": amount, "description": "Laptop", "requester": "john@example.com"});

    // Auto-approve: 500 goes straight through.
    let auto = api.start_instance("purchase_approval", input(500)).await;
    assert_eq!(auto.status, 201, "{}", auto.body);
    assert_eq!(auto.data()["status"], "completed");
    assert_eq!(auto.data()["current_state"], "complete");
    assert_eq!(auto.data()["workflow_data"]["approved_by"], "auto");
    let path: Vec<_> = auto.data()["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["state"].clone())
        .collect();
    assert_eq!(
        path,
        ["submit", "auto_approved", "notify_requester", "complete"]
    );

    // Manager only: 5000 halts once, with the description rendered.
    let manager = api.start_instance("purchase_approval", input(5000)).await;
    let id = manager.id();
    assert_eq!(manager.data()["current_state"], "manager_approval");
    assert_eq!(
        manager.data()["halting_presentation"]["description"],
        "Purchase request for Laptop - $5000"
    );
    let done = api.resume(&id, json!({"approved": true})).await;
    assert_eq!(done.data()["status"], "completed", "{}", done.body);
    assert_eq!(done.data()["workflow_data"]["status"], "approved");

    // VP required: 15000 halts twice.
    let vp = api.start_instance("purchase_approval", input(15000)).await;
    let id = vp.id();
    let after_manager = api.resume(&id, json!({"approved": true})).await;
    assert_eq!(after_manager.data()["status"], "halted");
    assert_eq!(after_manager.data()["current_state"], "vp_approval");
    let done = api
        .resume(&id, json!({"approved": true, "budget_code": "Q1-IT"}))
        .await;
    assert_eq!(done.data()["status"], "completed");
    assert_eq!(done.data()["workflow_data"]["budget_code"], "Q1-IT");
    assert_eq!(done.data()["workflow_data"]["status"], "approved");

    // Rejected: the manager says no.
    let rejected = api.start_instance("purchase_approval", input(5000)).await;
    let id = rejected.id();
    let done = api.resume(&id, json!({"approved": false})).await;
    assert_eq!(done.data()["status"], "completed");
    assert_eq!(done.data()["workflow_data"]["status"], "rejected");

    let notified: Vec<_> = api
        .server
        .engine()
        .http()
        .calls()
        .into_iter()
        .map(|c| c.body.unwrap()["status"].clone())
        .collect();
    assert_eq!(notified, ["approved", "approved", "approved", "rejected"]);
}

fn linear(name: &str, code: &str) -> serde_json::Value {
    json!({
        "name": name,
        "initial_state": "work",
        "states": {
            "work": {
                "type": "action",
                "logic": { "type": "script", "code": code },
                "transitions": [{ "target": "done" }]
            },
            "done": { "type": "terminal" }
        }
    })
}

#[tokio::test]
async fn a_script_result_replaces_workflow_data_and_sees_input_and_context() {
    let api = Api::start().await;
    api.deploy(linear(
        "ctx",
        "console.log('hello', input.n); return { doubled: input.n * 2, ns: context.namespace, \
         wf: context.workflow_name, state: context.state_name, id: context.instance_id }",
    ))
    .await;

    let done = api.start_instance("ctx", json!({"n": 21})).await;

    let data = &done.data()["workflow_data"];
    assert_eq!(data["doubled"], 42);
    assert_eq!(data["ns"], "user_123");
    assert_eq!(data["wf"], "ctx");
    assert_eq!(data["state"], "work");
    assert_eq!(data["id"], done.data()["id"]);
    assert_eq!(done.data()["history"][0]["logs"], json!(["hello 21"]));
}

#[tokio::test]
async fn resume_input_is_merged_shallowly_before_transitions_are_evaluated() {
    let api = Api::start().await;
    api.deploy(json!({
        "name": "merge",
        "initial_state": "seed",
        "states": {
            "seed": { "type": "action",
                      "logic": { "type": "script", "code": "return { keep: 1, nested: { a: 1 }, level: 1 }" },
                      "transitions": [{ "target": "wait" }] },
            "wait": { "type": "halting",
                      "transitions": [
                        { "target": "high", "condition": { "field": "level", "operator": "gte", "value": 5 } },
                        { "target": "low" } ] },
            "high": { "type": "terminal" },
            "low": { "type": "terminal" }
        }
    }))
    .await;
    let id = api.start_instance("merge", json!({})).await.id();

    let done = api
        .resume(&id, json!({"level": 7, "nested": {"b": 2}}))
        .await;

    assert_eq!(done.data()["current_state"], "high");
    assert_eq!(
        done.data()["workflow_data"],
        json!({"keep": 1, "nested": {"b": 2}, "level": 7})
    );
}

#[tokio::test]
async fn selection_mode_resumes_with_a_choice_key_and_rejects_unknown_keys() {
    let api = Api::start().await;
    api.deploy(json!({
        "name": "orders",
        "initial_state": "prepare",
        "states": {
            "prepare": { "type": "action",
                         "logic": { "type": "script", "code": "return { order: { id: 123, total: 150 }, customer: 'Acme Corp' }" },
                         "transitions": [{ "target": "await_approval" }] },
            "await_approval": {
                "type": "halting",
                "halting_instructions": {
                    "type": "ai",
                    "config": { "prompt": "Summarize order ${workflow_data.order.id} and ask for a decision.",
                                "model": "claude-3-haiku-20240307",
                                "include_data_paths": ["order", "customer"] }
                },
                "transition_mode": "selection",
                "transitions": [
                    { "key": "approve", "to": "approved", "description": "Approve the order" },
                    { "key": "reject", "to": "rejected", "description": "Reject the order" }
                ]
            },
            "approved": { "type": "terminal" },
            "rejected": { "type": "terminal" }
        }
    }))
    .await;
    let halted = api.start_instance("orders", json!({})).await;
    let id = halted.id();

    let options = &halted.data()["halted_options"];
    assert_eq!(halted.data()["halted_at_state"], "await_approval");
    assert_eq!(options["transition_mode"], "selection");
    assert_eq!(options["generated"], true);
    assert_eq!(options["include_data"], json!(["order", "customer"]));
    assert_eq!(
        options["choices"][1],
        json!({"key": "reject", "description": "Reject the order", "to": "rejected"})
    );
    let instruction = options["instruction"].as_str().unwrap();
    assert!(
        instruction.starts_with("Summarize order 123"),
        "{instruction}"
    );
    assert!(instruction.contains("Acme Corp"), "{instruction}");

    let unknown = api.resume(&id, json!({"choice": "escalate"})).await;
    assert_eq!(unknown.status, 400);
    assert_eq!(unknown.code(), "invalid_transition");
    assert_eq!(
        api.get(&format!("/workflows/instances/{id}")).await.data()["status"],
        "halted"
    );

    let done = api.resume(&id, json!({"choice": "reject"})).await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert_eq!(done.data()["current_state"], "rejected");
}

#[tokio::test]
async fn static_messages_and_canned_ai_replies_fill_halted_options() {
    let api = Api::start().await;
    api.deploy(json!({
        "name": "notes",
        "initial_state": "first",
        "states": {
            "first": { "type": "halting",
                       "halting_instructions": { "type": "message",
                           "config": { "title": "Approval Required", "message": "Order ${workflow_data.n} needs review." } },
                       "transitions": [{ "target": "second" }] },
            "second": { "type": "halting",
                        "halting_instructions": { "instruction": "Tell the user the strategy is ready.", "include_data": ["strategy"] },
                        "transitions": [{ "target": "end" }] },
            "end": { "type": "terminal" }
        }
    }))
    .await;
    api.server.engine().set_ai_reply(
        "notes",
        "second",
        "The strategy is ready: ${workflow_data.strategy}.",
    );
    let first = api.start_instance("notes", json!({})).await;
    let id = first.id();
    assert_eq!(
        first.data()["halted_options"]["instruction"],
        "Order  needs review."
    );
    assert_eq!(first.data()["halted_options"]["generated"], false);

    let second = api.resume(&id, json!({"strategy": "hedge"})).await;

    assert_eq!(
        second.data()["halted_options"]["instruction"],
        "The strategy is ready: hedge."
    );
    assert_eq!(second.data()["halted_options"]["generated"], true);
    assert_eq!(
        second.data()["halted_options"]["include_data"],
        json!(["strategy"])
    );
}

#[tokio::test]
async fn choice_and_message_presentations_are_shown_with_templates_applied() {
    let api = Api::start().await;
    api.deploy(json!({
        "name": "shows",
        "initial_state": "seed",
        "states": {
            "seed": { "type": "action", "logic": { "type": "script", "code": "return { who: 'Ada', amount: 12 }" },
                      "transitions": [{ "target": "pick" }] },
            "pick": { "type": "halting",
                      "presentation": { "type": "choice", "title": "Select Action", "message": "How should ${workflow_data.who} proceed?",
                          "options": [ { "value": "approve", "label": "Approve" }, { "value": "reject", "label": "Reject", "description": "No" } ] },
                      "transitions": [{ "target": "wait", "condition": { "field": "action", "equals": "approve" } }, { "target": "end" }] },
            "wait": { "type": "halting",
                      "presentation": { "type": "message", "title": "Processing", "message": "Waiting on ${workflow_data.amount} items", "show_progress": true },
                      "transitions": [{ "target": "end" }] },
            "end": { "type": "terminal" }
        }
    }))
    .await;
    let pick = api.start_instance("shows", json!({})).await;
    let id = pick.id();
    assert_eq!(pick.data()["halting_presentation"]["type"], "choice");
    assert_eq!(
        pick.data()["halting_presentation"]["message"],
        "How should Ada proceed?"
    );
    assert_eq!(
        pick.data()["halting_presentation"]["options"][1]["description"],
        "No"
    );

    let wait = api.resume(&id, json!({"action": "approve"})).await;

    assert_eq!(
        wait.data()["halting_presentation"],
        json!({
            "type": "message", "title": "Processing", "message": "Waiting on 12 items", "show_progress": true
        })
    );
}

#[tokio::test]
async fn form_defaults_keep_their_json_type_when_rendered() {
    let api = Api::start().await;
    api.deploy(json!({
        "name": "defaults",
        "initial_state": "seed",
        "states": {
            "seed": { "type": "action", "logic": { "type": "script", "code": "return { amount: 5000 }" },
                      "transitions": [{ "target": "form" }] },
            "form": { "type": "halting",
                      "presentation": { "type": "form", "fields": [
                          { "name": "amount", "type": "number", "label": "Approved Amount", "default": "${workflow_data.amount}", "min": 0, "max": 100000 },
                          { "name": "priority", "type": "select", "label": "Priority", "default": "medium",
                            "options": [ { "value": "low", "label": "Low" }, { "value": "medium", "label": "Medium" } ] } ] },
                      "transitions": [{ "target": "end" }] },
            "end": { "type": "terminal" }
        }
    }))
    .await;

    let halted = api.start_instance("defaults", json!({})).await;

    let fields = &halted.data()["halting_presentation"]["fields"];
    assert_eq!(fields[0]["default"], 5000);
    assert_eq!(fields[1]["default"], "medium");
}

#[tokio::test]
async fn instances_stay_on_the_version_they_started_on() {
    let api = Api::start().await;
    let mut definition = linear("pinned", "return { v: 1 }");
    definition["states"]["work"]["transitions"] = json!([{ "target": "wait" }]);
    definition["states"]["wait"] =
        json!({ "type": "halting", "transitions": [{ "target": "done" }] });
    let v1 = api.deploy(definition.clone()).await;
    let old = api.start_instance("pinned", json!({})).await.id();

    definition["states"]["work"]["logic"]["code"] = json!("return { v: 2 }");
    let added = api.post("/workflows/pinned/versions", definition).await;
    assert_eq!(added.status, 201, "{}", added.body);
    assert_eq!(added.data()["status"], "draft");
    let v2 = added.data()["version_id"].as_str().unwrap().to_owned();
    let before_publish = api.start_instance("pinned", json!({})).await;
    assert_eq!(before_publish.data()["version_id"], v1.as_str());
    api.post(
        &format!("/workflows/pinned/versions/{v2}/publish"),
        json!({}),
    )
    .await;

    let new = api.start_instance("pinned", json!({})).await;

    assert_eq!(new.data()["version_id"], v2.as_str());
    assert_eq!(new.data()["workflow_data"]["v"], 2);
    let old_done = api.resume(&old, json!({})).await;
    assert_eq!(old_done.data()["version_id"], v1.as_str());
    assert_eq!(old_done.data()["workflow_data"]["v"], 1);
    let versions = api.get("/workflows/pinned/versions").await;
    assert_eq!(versions.data()["versions"][0]["version_id"], v2.as_str());
    assert_eq!(versions.data()["versions"][0]["status"], "published");
    let workflows = api.get("/workflows").await;
    assert_eq!(
        workflows.data()["workflows"][0]["latest_version_id"],
        v2.as_str()
    );
    assert_eq!(
        workflows.data()["workflows"][0]["published_version_id"],
        v2.as_str()
    );
}

#[tokio::test]
async fn instances_are_listed_with_filters() {
    let api = Api::start().await;
    let mut halting = linear("listed", "return {}");
    halting["states"]["work"]["transitions"] = json!([{ "target": "wait" }]);
    halting["states"]["wait"] = json!({ "type": "halting", "transitions": [{ "target": "done" }] });
    api.deploy(halting).await;
    api.deploy(linear("other", "return {}")).await;
    let a = api.start_instance("listed", json!({})).await.data()["id"].clone();
    api.post(
        "/workflows/listed/instances",
        json!({"namespace": "org_9", "input": {}}),
    )
    .await;
    api.start_instance("other", json!({})).await;

    let halted = api
        .get("/workflows/instances?namespace=user_123&status=halted")
        .await;
    let by_workflow = api.get("/workflows/instances?workflow_name=other").await;
    let bad_status = api.get("/workflows/instances?status=sleeping").await;

    assert_eq!(halted.data()["instances"].as_array().unwrap().len(), 1);
    assert_eq!(halted.data()["instances"][0]["id"], a);
    assert_eq!(halted.data()["instances"][0]["current_state"], "wait");
    assert_eq!(by_workflow.data()["instances"][0]["status"], "completed");
    assert_eq!(bad_status.status, 400);
    assert_eq!(bad_status.code(), "invalid_request");
}

#[tokio::test]
async fn a_workflow_that_loops_without_halting_fails() {
    let api = Api::start().await;
    api.deploy(json!({
        "name": "spin",
        "initial_state": "a",
        "states": {
            "a": { "type": "action", "logic": { "type": "script", "code": "return { n: (workflow_data.n || 0) + 1 }" },
                   "transitions": [{ "target": "b" }] },
            "b": { "type": "action", "logic": { "type": "script", "code": "return workflow_data" },
                   "transitions": [{ "target": "a", "condition": { "field": "n", "operator": "lt", "value": 100000 } }, { "target": "end" }] },
            "end": { "type": "terminal" }
        }
    }))
    .await;

    let failed = api.start_instance("spin", json!({})).await;

    assert_eq!(failed.status, 500, "{}", failed.body);
    let id = failed.body["error"]["details"]["instance_id"]
        .as_str()
        .unwrap();
    let instance = api.get(&format!("/workflows/instances/{id}")).await;
    assert_eq!(instance.data()["status"], "failed");
    assert!(instance.data()["error"].as_str().unwrap().contains("1000"));
}

/// Records what it is given, and wants only `completed` events.
#[derive(Default)]
struct CompletedOnly {
    published: std::sync::Mutex<Vec<interactor_client::model::WebhookEventType>>,
}

impl interactor_mock::engine::EventSink for CompletedOnly {
    fn publish(&self, event: interactor_mock::engine::EngineEvent) {
        self.published.lock().unwrap().push(event.kind);
    }

    fn wants(&self, kind: &interactor_client::model::WebhookEventType, _namespace: &str) -> bool {
        *kind == interactor_client::model::WebhookEventType::InstanceCompleted
    }
}

#[tokio::test]
async fn the_engine_only_publishes_events_its_sink_wants() {
    let api = Api::start().await;
    stub_yourapp(&api);
    api.deploy(approval_workflow()).await;
    let sink = std::sync::Arc::new(CompletedOnly::default());
    api.server.engine().set_event_sink(sink.clone());

    let id = api
        .start_instance("approval_workflow", json!({"id": "r1"}))
        .await
        .id();
    api.resume(&id, json!({"approved": true})).await;

    let published = sink.published.lock().unwrap().clone();
    assert_eq!(
        published,
        [interactor_client::model::WebhookEventType::InstanceCompleted]
    );
}
