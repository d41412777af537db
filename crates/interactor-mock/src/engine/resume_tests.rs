//! The answers remembered for racing resumes, once the instance changed after them.

use interactor_client::model::{CreateInstanceRequest, Instance, InstanceStatus, ResumeRequest};
use serde_json::{Value, json};

use super::{CallContext, Engine, EngineConfig};
use crate::Clock;

fn two_approvals() -> Value {
    json!({
        "name": "two_approvals",
        "initial_state": "submit",
        "states": {
            "submit": {
                "type": "action",
                "transition_mode": "parallel",
                "transitions": [{ "target": "department" }, { "target": "finance" }]
            },
            "department": {
                "type": "halting",
                "transitions": [{ "target": "decide" }]
            },
            "finance": {
                "type": "halting",
                "transitions": [{ "target": "decide" }]
            },
            "decide": { "type": "action", "join": true, "transitions": [{ "target": "done" }] },
            "done": { "type": "terminal" }
        }
    })
}

fn forked() -> (Engine, String) {
    let engine = Engine::new(Clock::system(), EngineConfig::default());
    let definition = two_approvals();
    let size = definition.to_string().len();
    let version = engine.create_workflow(&definition, size).unwrap();
    engine
        .publish("two_approvals", &version.version_id)
        .unwrap();
    let request = CreateInstanceRequest {
        namespace: None,
        input: json!({}),
    };
    let created = engine
        .create_instance("two_approvals", request, &CallContext::default())
        .unwrap();
    assert_eq!(created.status, InstanceStatus::Halted);
    (engine, created.id)
}

fn resume(engine: &Engine, id: &str, thread: &str, input: Value) -> Instance {
    let request = ResumeRequest {
        input,
        expected_state: None,
    };
    engine
        .resume(id, Some(thread), request, &CallContext::default())
        .unwrap()
}

#[test]
fn a_replayed_resume_gets_its_first_answer_after_another_thread_moved_on() {
    let (engine, id) = forked();
    let first = resume(&engine, &id, "thread_1", json!({ "department": "yes" }));
    let second = resume(&engine, &id, "thread_2", json!({ "finance": "yes" }));
    assert_eq!(second.status, InstanceStatus::Completed);

    let replay = resume(&engine, &id, "thread_1", json!({ "department": "yes" }));

    assert_eq!(replay, first);
    assert_ne!(replay, engine.get_instance(&id).unwrap());
}

#[test]
fn a_replayed_resume_gets_its_first_answer_after_a_cancellation() {
    let (engine, id) = forked();
    let first = resume(&engine, &id, "thread_1", json!({ "department": "yes" }));
    engine.cancel(&id, &CallContext::default()).unwrap();

    let replay = resume(&engine, &id, "thread_1", json!({ "department": "yes" }));

    assert_eq!(replay, first);
    assert_eq!(
        engine.get_instance(&id).unwrap().status,
        InstanceStatus::Cancelled
    );
}

#[test]
fn a_replay_of_the_latest_resume_answers_with_the_instance_as_it_stands() {
    let (engine, id) = forked();
    resume(&engine, &id, "thread_1", json!({ "department": "yes" }));
    let second = resume(&engine, &id, "thread_2", json!({ "finance": "yes" }));

    let request = ResumeRequest {
        input: json!({ "finance": "yes" }),
        expected_state: None,
    };
    let replay = engine
        .resume(&id, None, request, &CallContext::default())
        .unwrap();

    assert_eq!(replay, second);
    assert_eq!(replay, engine.get_instance(&id).unwrap());
}
