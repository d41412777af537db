//! Helpers: small valid definitions, edits by JSON pointer, and exact assertions.

use interactor_mock::validate::validate_definition;
use serde_json::{Value, json};

/// The reference's "Step 2" definition: an action state and a terminal state.
pub(crate) fn minimal() -> Value {
    json!({
        "name": "my_workflow",
        "initial_state": "start",
        "states": {
            "start": {
                "type": "action",
                "logic": { "type": "script", "code": "return { message: \"Hello\" }" },
                "transitions": [{ "target": "end" }]
            },
            "end": { "type": "terminal" }
        }
    })
}

/// `start` (action) → `review` (halting) → `done` (terminal).
pub(crate) fn with_review() -> Value {
    json!({
        "name": "review_flow",
        "initial_state": "start",
        "states": {
            "start": { "type": "action", "transitions": [{ "target": "review" }] },
            "review": {
                "type": "halting",
                "presentation": {
                    "type": "form",
                    "fields": [{ "name": "approved", "type": "boolean", "label": "Approve?" }]
                },
                "transitions": [{ "target": "done" }]
            },
            "done": { "type": "terminal" }
        }
    })
}

/// Every problem as `(path, message)`, measuring the size as compact JSON.
pub(crate) fn problems(raw: &Value) -> Vec<(String, String)> {
    validate_definition(raw, raw.to_string().len())
        .into_iter()
        .map(|problem| (problem.path, problem.message))
        .collect()
}

/// Asserts the exact list of problems, in order.
#[track_caller]
pub(crate) fn assert_problems(raw: &Value, expected: &[(&str, &str)]) {
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(path, message)| ((*path).to_owned(), (*message).to_owned()))
        .collect();
    assert_eq!(problems(raw), expected);
}

/// Asserts that `raw` has no problem.
#[track_caller]
pub(crate) fn assert_valid(raw: &Value) {
    assert_eq!(problems(raw), Vec::<(String, String)>::new());
}

/// `raw` with the value at `pointer` set (an object key is added, `-` appends).
#[track_caller]
pub(crate) fn set(mut raw: Value, pointer: &str, value: Value) -> Value {
    let (parent, last) = pointer.rsplit_once('/').expect("pointer has a slash");
    match raw.pointer_mut(parent).expect("parent exists") {
        Value::Object(map) => {
            map.insert(last.to_owned(), value);
        }
        Value::Array(items) if last == "-" => items.push(value),
        Value::Array(items) => items[last.parse::<usize>().expect("index")] = value,
        other => panic!("cannot set inside {other}"),
    }
    raw
}

/// `raw` without the object key at `pointer`.
#[track_caller]
pub(crate) fn remove(mut raw: Value, pointer: &str) -> Value {
    let (parent, last) = pointer.rsplit_once('/').expect("pointer has a slash");
    let map = raw
        .pointer_mut(parent)
        .and_then(Value::as_object_mut)
        .expect("parent is an object");
    map.shift_remove(last).expect("key exists");
    raw
}
