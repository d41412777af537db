//! Transitions, their modes (conditional, selection, parallel), joins and conditions.

use interactor_mock::validate::limits;
use serde_json::{Map, Value, json};

use super::support::{assert_problems, assert_valid, minimal, remove, set, with_review};

fn with_condition(condition: Value) -> Value {
    set(
        minimal(),
        "/states/start/transitions/0/condition",
        condition,
    )
}

/// A selection-mode halting state `review` with `approve`/`reject` choices.
fn selection() -> Value {
    let raw = set(
        with_review(),
        "/states/review/transition_mode",
        json!("selection"),
    );
    let raw = set(
        raw,
        "/states/review/transitions",
        json!([
            { "key": "approve", "to": "done", "description": "Approve" },
            { "key": "reject", "to": "done" }
        ]),
    );
    remove(raw, "/states/review/presentation")
}

/// `fork` (parallel, `branches` transitions) → `b0..bN` → `join` (join: true) → `end`.
fn fork(branches: usize) -> Value {
    let mut states = Map::new();
    let targets: Vec<Value> = (0..branches)
        .map(|i| json!({ "target": format!("b{i}") }))
        .collect();
    states.insert(
        "fork".into(),
        json!({ "type": "action", "transition_mode": "parallel", "transitions": targets }),
    );
    for i in 0..branches {
        states.insert(
            format!("b{i}"),
            json!({ "type": "action", "transitions": [{ "target": "join" }] }),
        );
    }
    states.insert(
        "join".into(),
        json!({ "type": "action", "join": true, "transitions": [{ "target": "end" }] }),
    );
    states.insert("end".into(), json!({ "type": "terminal" }));
    json!({ "name": "forked", "initial_state": "fork", "states": states })
}

#[test]
fn transitions_must_be_an_array_of_objects() {
    assert_problems(
        &set(
            minimal(),
            "/states/start/transitions",
            json!({ "target": "end" }),
        ),
        &[
            (
                "states.start.transitions",
                "Expected an array, found an object",
            ),
            (
                "states.start.transitions",
                "An action state needs at least one transition",
            ),
            (
                "states.end",
                "State 'end' is not reachable from the initial state 'start'",
            ),
        ],
    );
    assert_problems(
        &set(minimal(), "/states/start/transitions/-", json!("end")),
        &[(
            "states.start.transitions[1]",
            "Expected an object, found a string",
        )],
    );
}

#[test]
fn a_transition_needs_an_existing_target() {
    assert_problems(
        &set(minimal(), "/states/start/transitions/0", json!({})),
        &[
            (
                "states.start.transitions[0].target",
                "Property 'target' is required",
            ),
            (
                "states.end",
                "State 'end' is not reachable from the initial state 'start'",
            ),
        ],
    );
    assert_problems(
        &set(minimal(), "/states/start/transitions/0/target", json!(null)),
        &[
            (
                "states.start.transitions[0].target",
                "Expected a string, found null",
            ),
            (
                "states.end",
                "State 'end' is not reachable from the initial state 'start'",
            ),
        ],
    );
}

#[test]
fn a_state_may_have_20_transitions_but_not_21() {
    let twenty: Vec<Value> = (0..20).map(|_| json!({ "target": "end" })).collect();
    assert_valid(&set(minimal(), "/states/start/transitions", json!(twenty)));

    let twenty_one: Vec<Value> = (0..21).map(|_| json!({ "target": "end" })).collect();
    assert_problems(
        &set(minimal(), "/states/start/transitions", json!(twenty_one)),
        &[(
            "states.start.transitions",
            "A state may have at most 20 transitions (found 21)",
        )],
    );
}

#[test]
fn action_and_halting_states_need_a_transition() {
    let raw = set(with_review(), "/states/start/transitions", json!([]));
    let raw = set(raw, "/initial_state", json!("review"));
    assert_problems(
        &raw,
        &[
            (
                "states.start.transitions",
                "An action state needs at least one transition",
            ),
            (
                "states.start",
                "State 'start' is not reachable from the initial state 'review'",
            ),
        ],
    );
    let raw = remove(with_review(), "/states/review/transitions");
    assert_problems(
        &raw,
        &[
            (
                "states.review.transitions",
                "A halting state needs at least one transition",
            ),
            (
                "states.done",
                "State 'done' is not reachable from the initial state 'start'",
            ),
        ],
    );
}

#[test]
fn terminal_states_have_no_transitions() {
    assert_valid(&set(minimal(), "/states/end/transitions", json!([])));
    assert_problems(
        &set(
            minimal(),
            "/states/end/transitions",
            json!([{ "target": "start" }]),
        ),
        &[(
            "states.end.transitions",
            "A terminal state may not have transitions",
        )],
    );
}

#[test]
fn halting_states_run_on_enter_but_not_logic() {
    let logic = json!({ "type": "script", "code": "return {}" });
    assert_valid(&set(
        with_review(),
        "/states/review/on_enter",
        logic.clone(),
    ));
    assert_problems(
        &set(with_review(), "/states/review/logic", logic),
        &[(
            "states.review.logic",
            "A halting state may not have 'logic'; use 'on_enter' to run logic on entry",
        )],
    );
}

#[test]
fn the_transition_mode_is_a_known_value() {
    assert_valid(&set(
        minimal(),
        "/states/start/transition_mode",
        json!("conditional"),
    ));
    assert_problems(
        &set(minimal(), "/states/start/transition_mode", json!("random")),
        &[(
            "states.start.transition_mode",
            "Expected one of 'conditional', 'selection', 'parallel', found 'random'",
        )],
    );
}

#[test]
fn selection_mode_uses_keyed_choices() {
    assert_valid(&selection());
}

#[test]
fn selection_mode_is_only_for_halting_states() {
    let raw = set(
        minimal(),
        "/states/start/transition_mode",
        json!("selection"),
    );
    let raw = set(
        raw,
        "/states/start/transitions",
        json!([{ "key": "go", "to": "end" }]),
    );
    assert_problems(
        &raw,
        &[(
            "states.start.transition_mode",
            "Selection mode is only allowed on halting states",
        )],
    );
}

#[test]
fn a_selection_transition_needs_a_key() {
    let raw = set(
        selection(),
        "/states/review/transitions/1",
        json!({ "target": "done" }),
    );
    assert_problems(
        &raw,
        &[(
            "states.review.transitions[1].key",
            "Property 'key' is required in selection mode ('key' and 'to' instead of 'target')",
        )],
    );
    let raw = set(
        selection(),
        "/states/review/transitions/1",
        json!({ "to": "done" }),
    );
    assert_problems(
        &raw,
        &[(
            "states.review.transitions[1].key",
            "Property 'key' is required",
        )],
    );
    let raw = set(selection(), "/states/review/transitions/1", json!({}));
    assert_problems(
        &raw,
        &[
            (
                "states.review.transitions[1].key",
                "Property 'key' is required",
            ),
            (
                "states.review.transitions[1].to",
                "Property 'to' is required",
            ),
        ],
    );
}

#[test]
fn choice_keys_are_unique_and_lead_to_existing_states() {
    let raw = set(
        selection(),
        "/states/review/transitions/1",
        json!({ "key": "approve", "to": "nowhere" }),
    );
    assert_problems(
        &raw,
        &[
            (
                "states.review.transitions[1].to",
                "Target state 'nowhere' does not exist",
            ),
            (
                "states.review.transitions[1].key",
                "Choice key 'approve' is used more than once",
            ),
        ],
    );
}

#[test]
fn keyed_choices_are_only_for_selection_mode() {
    let raw = set(
        with_review(),
        "/states/review/transitions/0",
        json!({ "key": "ok", "to": "done" }),
    );
    assert_problems(
        &raw,
        &[(
            "states.review.transitions[0]",
            "A transition with 'key' and 'to' is only allowed when the state's transition_mode \
             is 'selection'",
        )],
    );
}

#[test]
fn a_transition_cannot_mix_both_forms() {
    let raw = set(
        selection(),
        "/states/review/transitions/0/target",
        json!("done"),
    );
    assert_problems(
        &raw,
        &[(
            "states.review.transitions[0]",
            "A transition has either 'target' (and an optional 'condition') or 'key' and 'to', \
             not both",
        )],
    );
}

#[test]
fn a_fork_may_have_2_to_10_branches() {
    for branches in [2, limits::MAX_PARALLEL_BRANCHES] {
        assert_valid(&fork(branches));
    }
    assert_problems(
        &fork(1),
        &[(
            "states.fork.transitions",
            "A parallel state needs at least 2 transitions (found 1)",
        )],
    );
    assert_problems(
        &fork(11),
        &[(
            "states.fork.transitions",
            "A parallel state may have at most 10 transitions (found 11)",
        )],
    );
}

#[test]
fn parallel_mode_is_only_for_action_states() {
    let raw = set(
        with_review(),
        "/states/review/transition_mode",
        json!("parallel"),
    );
    assert_problems(
        &raw,
        &[(
            "states.review.transition_mode",
            "Parallel mode is only allowed on action states",
        )],
    );
}

#[test]
fn a_join_must_follow_a_fork() {
    let raw = set(minimal(), "/states/end/join", json!(true));
    assert_problems(
        &raw,
        &[(
            "states.end.join",
            "Join state 'end' is not reachable from any parallel state",
        )],
    );
    assert_valid(&set(minimal(), "/states/end/join", json!(false)));
    assert_problems(
        &set(minimal(), "/states/end/join", json!("yes")),
        &[("states.end.join", "Expected a boolean, found a string")],
    );
}

#[test]
fn every_operator_is_accepted() {
    for operator in ["gt", "gte", "lt", "lte", "contains", "equals", "not_equals"] {
        assert_valid(&with_condition(
            json!({ "field": "a", "operator": operator, "value": 1 }),
        ));
    }
    assert_valid(&with_condition(
        json!({ "field": "a", "operator": "in", "value": [1, 2] }),
    ));
    assert_valid(&with_condition(
        json!({ "field": "a.b[0]", "equals": null }),
    ));
    assert_valid(&with_condition(json!({ "field": "a", "not_equals": "x" })));
}

#[test]
fn operators_and_values_are_checked() {
    assert_problems(
        &with_condition(json!({ "field": "a", "operator": "between", "value": 1 })),
        &[(
            "states.start.transitions[0].condition.operator",
            "Expected one of 'gt', 'gte', 'lt', 'lte', 'contains', 'in', 'equals', \
             'not_equals', found 'between'",
        )],
    );
    assert_problems(
        &with_condition(json!({ "field": "a", "operator": "gt" })),
        &[(
            "states.start.transitions[0].condition.value",
            "Property 'value' is required",
        )],
    );
    assert_problems(
        &with_condition(json!({ "field": "a", "operator": "in", "value": "A" })),
        &[(
            "states.start.transitions[0].condition.value",
            "The 'in' operator needs an array value, found a string",
        )],
    );
}

#[test]
fn a_condition_names_a_well_formed_field() {
    assert_problems(
        &with_condition(json!({ "equals": true })),
        &[(
            "states.start.transitions[0].condition.field",
            "Property 'field' is required",
        )],
    );
    assert_problems(
        &with_condition(json!({ "field": "a..b", "equals": true })),
        &[(
            "states.start.transitions[0].condition.field",
            "Field 'a..b' is not a valid dotted path",
        )],
    );
}

#[test]
fn a_condition_uses_exactly_one_form() {
    assert_problems(
        &with_condition(json!({ "field": "a" })),
        &[(
            "states.start.transitions[0].condition",
            "A condition needs one of 'equals', 'not_equals', 'operator', 'and', 'or'",
        )],
    );
    assert_problems(
        &with_condition(json!({ "field": "a", "equals": 1, "operator": "gt", "value": 1 })),
        &[(
            "states.start.transitions[0].condition",
            "A condition must use exactly one of 'equals', 'not_equals', 'operator', 'and', \
             'or' (found 'equals' and 'operator')",
        )],
    );
    assert_problems(
        &with_condition(json!("a == 1")),
        &[(
            "states.start.transitions[0].condition",
            "Expected an object, found a string",
        )],
    );
}

#[test]
fn and_and_or_need_non_empty_lists_of_conditions() {
    assert_problems(
        &with_condition(json!({ "and": [] })),
        &[(
            "states.start.transitions[0].condition.and",
            "'and' needs at least one condition",
        )],
    );
    assert_problems(
        &with_condition(json!({ "or": { "field": "a", "equals": 1 } })),
        &[(
            "states.start.transitions[0].condition.or",
            "Expected an array, found an object",
        )],
    );
    assert_problems(
        &with_condition(json!({ "or": [
            { "field": "a", "equals": 1 },
            { "and": [{ "field": "b", "operator": "gt" }] }
        ] })),
        &[(
            "states.start.transitions[0].condition.or[1].and[0].value",
            "Property 'value' is required",
        )],
    );
}

#[test]
fn conditions_nest_32_levels_but_not_33() {
    let nested = |levels: usize| {
        (1..levels).fold(
            json!({ "field": "a", "equals": 1 }),
            |inner, _| json!({ "and": [inner] }),
        )
    };
    assert_valid(&with_condition(nested(limits::MAX_CONDITION_DEPTH)));

    let raw = with_condition(nested(limits::MAX_CONDITION_DEPTH + 1));
    let path = format!(
        "states.start.transitions[0].condition{}",
        ".and[0]".repeat(32)
    );
    assert_problems(
        &raw,
        &[(&path, "Conditions may be nested at most 32 levels deep")],
    );
}
