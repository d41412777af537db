//! The reference's own examples, kept verbatim in `fixtures/`, are valid and deserialise.

use interactor_client::model::{Logic, Presentation, StateKind, TransitionMode};
use interactor_mock::validate::parse_definition;
use serde_json::{Map, Value, json};

use super::support::{assert_problems, assert_valid, minimal, set};

/// "Step 1: Create a Workflow Definition".
const APPROVAL_WORKFLOW: &str = include_str!("fixtures/approval_workflow.json");
/// "Step 2: Validate Without Saving".
const MY_WORKFLOW: &str = include_str!("fixtures/my_workflow.json");
/// "Complete Example: Multi-Level Approval".
const PURCHASE_APPROVAL: &str = include_str!("fixtures/purchase_approval.json");
/// The snippets of "Halting Instructions", "Halting Presentations" and "Workflow Logic".
const SNIPPETS: &str = include_str!("fixtures/reference_snippets.json");

fn load(text: &str) -> Value {
    serde_json::from_str(text).expect("fixture is JSON")
}

fn snippet(name: &str) -> Value {
    load(SNIPPETS)[name].clone()
}

fn parse(raw: &Value) -> interactor_client::model::WorkflowDefinition {
    match parse_definition(raw, raw.to_string().len()) {
        Ok(definition) => definition,
        Err(problems) => panic!("unexpected problems: {problems:?}"),
    }
}

/// A definition around one state: `start` leads to `name`, and every state that
/// `state`'s transitions name exists as a terminal state.
fn host(name: &str, state: Value) -> Value {
    let mut states = Map::new();
    states.insert(
        "start".into(),
        json!({ "type": "action", "transitions": [{ "target": name }] }),
    );
    states.insert(name.into(), state.clone());

    let exits = state["transitions"].as_array().cloned().unwrap_or_default();
    for exit in exits {
        let target = exit.get("target").or_else(|| exit.get("to"));
        if let Some(target) = target.and_then(Value::as_str) {
            states.insert(target.into(), json!({ "type": "terminal" }));
        }
    }
    json!({ "name": "reference_snippet", "initial_state": "start", "states": states })
}

/// A halting state showing `presentation`, leaving to `approved` or `rejected`.
fn halting_with(key: &str, value: Value) -> Value {
    let mut state = json!({
        "type": "halting",
        "transitions": [{ "target": "approved" }, { "target": "rejected" }]
    });
    state[key] = value;
    host("review", state)
}

#[test]
fn the_step_one_approval_workflow_is_valid() {
    let raw = load(APPROVAL_WORKFLOW);
    assert_valid(&raw);

    let definition = parse(&raw);
    assert_eq!(definition.name, "approval_workflow");
    assert_eq!(definition.initial_state, "request");
    assert_eq!(definition.states.len(), 4);
    assert_eq!(definition.states["await_approval"].kind, StateKind::Halting);
    assert_eq!(definition.states["await_approval"].transitions.len(), 2);
    assert!(matches!(
        definition.states["approved"].on_enter,
        Some(Logic::Http(_))
    ));
}

#[test]
fn the_step_two_workflow_is_valid() {
    let raw = load(MY_WORKFLOW);
    assert_eq!(raw, minimal());
    assert_valid(&raw);
    let definition = parse(&raw);
    assert_eq!(
        definition.states.keys().collect::<Vec<_>>(),
        ["start", "end"]
    );
}

#[test]
fn the_step_two_error_example_is_reported_as_in_the_reference() {
    let raw = set(
        load(MY_WORKFLOW),
        "/states/start/transitions/0/target",
        json!("nonexistent"),
    );
    assert_problems(
        &raw,
        &[
            (
                "states.start.transitions[0].target",
                "Target state 'nonexistent' does not exist",
            ),
            (
                "states.end",
                "State 'end' is not reachable from the initial state 'start'",
            ),
        ],
    );
}

#[test]
fn the_purchase_approval_example_is_valid() {
    let raw = load(PURCHASE_APPROVAL);
    assert_valid(&raw);
    let definition = parse(&raw);
    assert_eq!(definition.name, "purchase_approval");
    assert_eq!(definition.states.len(), 8);
    assert_eq!(definition.states["manager_approval"].transitions.len(), 3);
}

#[test]
fn ai_halting_instructions_with_selection_mode_are_valid() {
    let state = snippet("ai_halting_state")["await_approval"].clone();
    let raw = host("await_approval", state);
    assert_valid(&raw);
    let definition = parse(&raw);
    assert_eq!(
        definition.states["await_approval"].transition_mode,
        Some(TransitionMode::Selection)
    );
}

#[test]
fn simple_and_message_halting_instructions_are_valid() {
    for name in ["simple_instructions", "message_instructions"] {
        let instructions = snippet(name)["halting_instructions"].clone();
        let raw = halting_with("halting_instructions", instructions);
        assert_valid(&raw);
        assert!(parse(&raw).states["review"].halting_instructions.is_some());
    }
}

#[test]
fn the_reference_presentations_are_valid() {
    for name in [
        "form_presentation",
        "choice_presentation",
        "message_presentation",
    ] {
        let raw = halting_with("presentation", snippet(name));
        assert_valid(&raw);
        let definition = parse(&raw);
        let presentation = definition.states["review"].presentation.as_ref();
        let parsed_kind = match presentation {
            Some(Presentation::Form(_)) => "form_presentation",
            Some(Presentation::Choice(_)) => "choice_presentation",
            Some(Presentation::Message(_)) => "message_presentation",
            other => panic!("unexpected presentation {other:?}"),
        };
        assert_eq!(parsed_kind, name);
    }
}

#[test]
fn the_reference_logic_is_valid() {
    for name in ["script_logic", "http_logic"] {
        let state = json!({
            "type": "action",
            "logic": snippet(name),
            "transitions": [{ "target": "done" }]
        });
        let raw = host("work", state);
        assert_valid(&raw);
        parse(&raw);
    }
}

#[test]
fn the_reference_transition_conditions_are_valid() {
    for name in ["threshold_transitions", "complex_transitions"] {
        let state = json!({
            "type": "action",
            "transitions": snippet(name)["transitions"].clone()
        });
        let raw = host("route", state);
        assert_valid(&raw);
        parse(&raw);
    }
}

#[test]
fn every_field_type_with_its_properties_is_valid() {
    let fields = json!([
        { "name": "due", "type": "date", "label": "Due",
          "minDate": "2026-01-01", "maxDate": "2026-12-31" },
        { "name": "receipt", "type": "file", "label": "Receipt",
          "accept": "application/pdf", "maxSize": 10_485_760 },
        { "name": "count", "type": "number", "label": "Count", "step": 1, "required": false },
        { "name": "code", "type": "string", "label": "Code", "maxLength": 12 }
    ]);
    let raw = halting_with("presentation", json!({ "type": "form", "fields": fields }));
    assert_valid(&raw);
    parse(&raw);
}

#[test]
fn parse_definition_returns_every_problem_of_an_invalid_definition() {
    let raw = set(minimal(), "/name", json!("Bad"));
    let raw = set(raw, "/states/start/transitions/0/target", json!("nowhere"));
    let problems = parse_definition(&raw, raw.to_string().len()).expect_err("invalid");
    let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(
        paths,
        ["name", "states.start.transitions[0].target", "states.end"]
    );
}

#[test]
fn a_definition_serialised_from_the_model_is_valid_again() {
    let definition = parse(&load(PURCHASE_APPROVAL));
    let raw = serde_json::to_value(&definition).expect("serialises");
    assert_valid(&raw);
    assert_eq!(parse(&raw), definition);
}
