//! The definition as a whole: its properties, its states, its size.

use interactor_mock::validate::{limits, validate_definition};
use serde_json::{Map, Value, json};

use super::support::{assert_problems, assert_valid, minimal, problems, remove, set};

/// A definition with `count` states: a chain of actions ending in a terminal state.
fn chain(count: usize) -> Value {
    let mut states = Map::new();
    for i in 0..count {
        let state = if i + 1 == count {
            json!({ "type": "terminal" })
        } else {
            json!({ "type": "action", "transitions": [{ "target": format!("s{}", i + 1) }] })
        };
        states.insert(format!("s{i}"), state);
    }
    json!({ "name": "chain", "initial_state": "s0", "states": states })
}

#[test]
fn a_definition_must_be_an_object() {
    assert_problems(
        &json!([]),
        &[(
            "",
            "Expected the definition to be an object, found an array",
        )],
    );
    assert_problems(
        &json!(null),
        &[("", "Expected the definition to be an object, found null")],
    );
}

#[test]
fn name_initial_state_and_states_are_required() {
    assert_problems(
        &json!({}),
        &[
            ("name", "Property 'name' is required"),
            ("initial_state", "Property 'initial_state' is required"),
            ("states", "Property 'states' is required"),
        ],
    );
}

#[test]
fn top_level_properties_must_have_their_types() {
    let raw = json!({ "name": 7, "initial_state": ["start"], "ai_guidance": false, "states": [] });
    assert_problems(
        &raw,
        &[
            ("name", "Expected a string, found a number"),
            ("initial_state", "Expected a string, found an array"),
            ("ai_guidance", "Expected a string, found a boolean"),
            ("states", "Expected an object, found an array"),
        ],
    );
}

#[test]
fn the_name_must_match_the_pattern() {
    for bad in [
        "My_Workflow",
        "1workflow",
        "_x",
        "with space",
        "dotted.name",
        "",
    ] {
        let raw = set(minimal(), "/name", json!(bad));
        let message = format!(
            "The workflow name '{bad}' must start with a lowercase letter and contain only \
             lowercase letters, digits, underscores and hyphens"
        );
        assert_problems(&raw, &[("name", &message)]);
    }
    for good in ["a", "a-b_c-9", "x1"] {
        assert_valid(&set(minimal(), "/name", json!(good)));
    }
}

#[test]
fn the_name_may_have_64_characters_but_not_65() {
    assert_valid(&set(minimal(), "/name", json!("a".repeat(64))));
    let raw = set(minimal(), "/name", json!("a".repeat(65)));
    assert_problems(
        &raw,
        &[(
            "name",
            "The workflow name may be at most 64 characters (found 65)",
        )],
    );
}

#[test]
fn the_initial_state_must_exist() {
    let raw = set(minimal(), "/initial_state", json!("begin"));
    assert_problems(
        &raw,
        &[("initial_state", "Initial state 'begin' does not exist")],
    );
}

#[test]
fn ai_guidance_may_have_1000_characters_but_not_1001() {
    assert_valid(&set(minimal(), "/ai_guidance", json!("é".repeat(1000))));
    let raw = set(minimal(), "/ai_guidance", json!("é".repeat(1001)));
    assert_problems(
        &raw,
        &[(
            "ai_guidance",
            "ai_guidance may be at most 1000 characters (found 1001)",
        )],
    );
}

#[test]
fn a_workflow_needs_at_least_one_state() {
    let raw = set(minimal(), "/states", json!({}));
    assert_problems(
        &raw,
        &[
            ("initial_state", "Initial state 'start' does not exist"),
            ("states", "A workflow needs at least one state"),
        ],
    );
}

#[test]
fn a_workflow_may_have_100_states_but_not_101() {
    assert_valid(&chain(limits::MAX_STATES));
    assert_problems(
        &chain(limits::MAX_STATES + 1),
        &[(
            "states",
            "A workflow may have at most 100 states (found 101)",
        )],
    );
}

#[test]
fn the_definition_may_be_1_mb_but_not_one_byte_more() {
    let raw = minimal();
    assert!(validate_definition(&raw, limits::MAX_DEFINITION_BYTES).is_empty());
    let found = validate_definition(&raw, limits::MAX_DEFINITION_BYTES + 1);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].path, "");
    assert_eq!(
        found[0].message,
        "The definition is 1048577 bytes; the limit is 1048576 bytes (1 MB)"
    );
}

#[test]
fn a_state_must_be_an_object_with_a_known_type() {
    let raw = set(minimal(), "/states/end", json!("terminal"));
    assert_problems(
        &raw,
        &[("states.end", "Expected an object, found a string")],
    );

    let raw = remove(minimal(), "/states/end/type");
    assert_problems(&raw, &[("states.end.type", "Property 'type' is required")]);

    let raw = set(minimal(), "/states/end/type", json!("final"));
    assert_problems(
        &raw,
        &[(
            "states.end.type",
            "Expected one of 'action', 'halting', 'terminal', found 'final'",
        )],
    );

    let raw = set(minimal(), "/states/end/type", json!(3));
    assert_problems(
        &raw,
        &[(
            "states.end.type",
            "Expected one of 'action', 'halting', 'terminal', found a number",
        )],
    );
}

#[test]
fn every_state_must_be_reachable_from_the_initial_state() {
    let raw = set(minimal(), "/states/orphan", json!({ "type": "terminal" }));
    assert_problems(
        &raw,
        &[(
            "states.orphan",
            "State 'orphan' is not reachable from the initial state 'start'",
        )],
    );
}

#[test]
fn unknown_properties_are_ignored_everywhere() {
    let raw = set(minimal(), "/version", json!("2.0"));
    let raw = set(raw, "/states/start/notes", json!({ "anything": [1, 2] }));
    let raw = set(raw, "/states/start/logic/timeout_hint", json!(5));
    let raw = set(raw, "/states/start/transitions/0/priority", json!(1));
    assert_valid(&raw);
}

#[test]
fn every_problem_is_reported_at_once_in_document_order() {
    let raw = json!({
        "name": "Bad Name",
        "initial_state": "start",
        "states": {
            "start": {
                "type": "action",
                "logic": { "type": "script" },
                "transitions": [{ "target": "missing" }, { "target": "review" }]
            },
            "review": {
                "type": "halting",
                "logic": { "type": "script", "code": "return {}" },
                "presentation": {
                    "type": "form",
                    "fields": [{ "name": "OK", "type": "boolean", "label": "Ok" }]
                },
                "transitions": []
            },
            "end": { "type": "terminal", "transitions": [{ "target": "start" }] }
        }
    });
    assert_problems(
        &raw,
        &[
            (
                "name",
                "The workflow name 'Bad Name' must start with a lowercase letter and contain \
                 only lowercase letters, digits, underscores and hyphens",
            ),
            ("states.start.logic.code", "Property 'code' is required"),
            (
                "states.start.transitions[0].target",
                "Target state 'missing' does not exist",
            ),
            (
                "states.review.presentation.fields[0].name",
                "Field name 'OK' must start with a lowercase letter and contain only lowercase \
                 letters, digits and underscores",
            ),
            (
                "states.review.transitions",
                "A halting state needs at least one transition",
            ),
            (
                "states.review.logic",
                "A halting state may not have 'logic'; use 'on_enter' to run logic on entry",
            ),
            (
                "states.end.transitions",
                "A terminal state may not have transitions",
            ),
            (
                "states.end",
                "State 'end' is not reachable from the initial state 'start'",
            ),
        ],
    );
}

#[test]
fn the_same_definition_always_gives_the_same_problems() {
    let raw = json!({ "name": 1, "states": { "a": {}, "b": [], "c": { "type": "x" } } });
    let first = problems(&raw);
    assert_eq!(first.len(), 5);
    assert_eq!(problems(&raw), first);
}
