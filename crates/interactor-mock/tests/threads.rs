//! Parallel threads: fork, join, thread resumes, failures and cancellation.

mod support;

use serde_json::{Value, json};
use support::Api;

fn parallel_approval() -> Value {
    json!({
        "name": "parallel_approval",
        "initial_state": "submit",
        "states": {
            "submit": {
                "type": "action",
                "logic": { "type": "script", "code": "return { ...input, submitted: true }" },
                "transition_mode": "parallel",
                "transitions": [{ "target": "department_approval" }, { "target": "finance_approval" }]
            },
            "department_approval": {
                "type": "halting",
                "presentation": { "type": "form", "fields": [
                    { "name": "department_approved", "type": "boolean", "label": "Department approves?", "required": true } ] },
                "transitions": [{ "target": "decide" }]
            },
            "finance_approval": {
                "type": "halting",
                "presentation": { "type": "form", "fields": [
                    { "name": "finance_approved", "type": "boolean", "label": "Finance approves?", "required": true } ] },
                "transitions": [
                    { "target": "finance_check", "condition": { "field": "finance_approved", "equals": true } },
                    { "target": "decide" } ]
            },
            "finance_check": {
                "type": "action",
                "logic": { "type": "script", "code": "if (workflow_data.amount > 1e9) throw new Error('too much'); return { ...workflow_data, checked: true }" },
                "transitions": [{ "target": "decide" }]
            },
            "decide": {
                "type": "action",
                "join": true,
                "logic": { "type": "script", "code": "return { ...workflow_data, outcome: workflow_data.department_approved && workflow_data.finance_approved ? 'approved' : 'rejected' }" },
                "transitions": [{ "target": "done" }]
            },
            "done": { "type": "terminal" }
        }
    })
}

async fn forked(api: &Api, amount: u64) -> String {
    api.deploy(parallel_approval()).await;
    let created = api
        .start_instance("parallel_approval", json!({"amount": amount}))
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    created.id()
}

async fn resume_thread(api: &Api, id: &str, thread: &str, input: Value) -> support::Answer {
    api.post(
        &format!("/workflows/instances/{id}/threads/{thread}/resume"),
        json!({ "input": input }),
    )
    .await
}

fn thread_status(instance: &Value, thread: &str) -> String {
    let threads = instance["threads"].as_array().unwrap();
    let found = threads.iter().find(|t| t["id"] == thread).unwrap();
    found["status"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_parallel_state_forks_one_halted_thread_per_branch() {
    let api = Api::start().await;
    let id = forked(&api, 100).await;

    let threads = api.get(&format!("/workflows/instances/{id}/threads")).await;
    let instance = api.get(&format!("/workflows/instances/{id}")).await;

    let threads = threads.data()["threads"].as_array().unwrap().clone();
    assert_eq!(threads.len(), 3);
    assert_eq!(
        threads[0],
        json!({"id": "thread_main", "status": "waiting", "current_state": "submit"})
    );
    assert_eq!(threads[1]["id"], "thread_1");
    assert_eq!(threads[1]["current_state"], "department_approval");
    assert_eq!(threads[1]["parent"], "thread_main");
    assert_eq!(threads[2]["current_state"], "finance_approval");
    assert_eq!(instance.data()["status"], "halted");
    assert_eq!(instance.data()["current_state"], "department_approval");
    assert_eq!(
        instance.data()["halting_presentation"]["fields"][0]["name"],
        "department_approved"
    );
}

#[tokio::test]
async fn parallel_approvals_join_and_complete_in_either_order() {
    for order in [["thread_1", "thread_2"], ["thread_2", "thread_1"]] {
        let api = Api::start().await;
        let id = forked(&api, 100).await;
        let input = |t: &str| {
            if t == "thread_1" {
                json!({"department_approved": true})
            } else {
                json!({"finance_approved": true})
            }
        };

        let first = resume_thread(&api, &id, order[0], input(order[0])).await;
        assert_eq!(first.status, 200, "{}", first.body);
        assert_eq!(first.data()["status"], "halted");
        assert_eq!(thread_status(first.data(), order[0]), "completed");
        assert_eq!(thread_status(first.data(), "thread_main"), "waiting");

        let second = resume_thread(&api, &id, order[1], input(order[1])).await;

        assert_eq!(second.data()["status"], "completed", "{}", second.body);
        assert_eq!(second.data()["current_state"], "done");
        assert_eq!(second.data()["workflow_data"]["outcome"], "approved");
        assert_eq!(second.data()["workflow_data"]["checked"], true);
        assert!(
            second.data()["threads"]
                .as_array()
                .unwrap()
                .iter()
                .all(|t| t["status"] == "completed")
        );
    }
}

#[tokio::test]
async fn concurrent_resumes_of_different_threads_are_both_processed() {
    let api = Api::start().await;
    let id = forked(&api, 100).await;

    let (a, b) = tokio::join!(
        resume_thread(&api, &id, "thread_1", json!({"department_approved": true})),
        resume_thread(&api, &id, "thread_2", json!({"finance_approved": false})),
    );

    assert_eq!((a.status, b.status), (200, 200), "{} {}", a.body, b.body);
    let instance = api.get(&format!("/workflows/instances/{id}")).await;
    assert_eq!(instance.data()["status"], "completed");
    assert_eq!(instance.data()["workflow_data"]["outcome"], "rejected");
}

#[tokio::test]
async fn the_instance_level_resume_reaches_the_first_halted_thread() {
    let api = Api::start().await;
    let id = forked(&api, 100).await;

    let resumed = api.resume(&id, json!({"department_approved": true})).await;

    assert_eq!(resumed.status, 200, "{}", resumed.body);
    assert_eq!(thread_status(resumed.data(), "thread_1"), "completed");
    assert_eq!(resumed.data()["current_state"], "finance_approval");
}

#[tokio::test]
async fn a_failing_thread_fails_the_instance_and_ends_its_siblings() {
    let api = Api::start().await;
    let id = forked(&api, 5_000_000_000).await;

    let failed = resume_thread(&api, &id, "thread_2", json!({"finance_approved": true})).await;

    assert_eq!(failed.status, 500);
    assert_eq!(failed.code(), "script_error");
    assert_eq!(failed.body["error"]["details"]["state"], "finance_check");
    let instance = api.get(&format!("/workflows/instances/{id}")).await;
    assert_eq!(instance.data()["status"], "failed");
    assert_eq!(thread_status(instance.data(), "thread_2"), "failed");
    assert_eq!(thread_status(instance.data(), "thread_1"), "cancelled");
}

#[tokio::test]
async fn cancel_ends_every_live_thread() {
    let api = Api::start().await;
    let id = forked(&api, 100).await;
    resume_thread(&api, &id, "thread_1", json!({"department_approved": true})).await;

    let cancelled = api
        .post(&format!("/workflows/instances/{id}/cancel"), json!({}))
        .await;

    assert_eq!(cancelled.data()["status"], "cancelled");
    assert_eq!(thread_status(cancelled.data(), "thread_1"), "completed");
    assert_eq!(thread_status(cancelled.data(), "thread_2"), "cancelled");
    assert_eq!(thread_status(cancelled.data(), "thread_main"), "cancelled");
}

#[tokio::test]
async fn unknown_and_finished_threads_are_rejected() {
    let api = Api::start().await;
    let id = forked(&api, 100).await;
    resume_thread(&api, &id, "thread_1", json!({"department_approved": true})).await;

    let unknown = resume_thread(&api, &id, "thread_9", json!({})).await;
    let replay = resume_thread(&api, &id, "thread_1", json!({"department_approved": true})).await;
    let different =
        resume_thread(&api, &id, "thread_1", json!({"department_approved": false})).await;

    assert_eq!((unknown.status, unknown.code()), (404, "thread_not_found"));
    assert_eq!(
        replay.status, 200,
        "the same input gets the first answer: {}",
        replay.body
    );
    assert_eq!(thread_status(replay.data(), "thread_1"), "completed");
    assert_eq!(
        (different.status, different.code()),
        (409, "concurrent_modification")
    );
}
