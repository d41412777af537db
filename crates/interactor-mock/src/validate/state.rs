//! One state: its properties, its transitions, and the rules tying them to its type.

use std::collections::HashSet;

use serde_json::{Map, Value};

use super::graph::Graph;
use super::limits::{MAX_PARALLEL_BRANCHES, MAX_TRANSITIONS};
use super::report::{Need, Report, child, expected, item};
use super::{condition, halting, logic, presentation};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Action,
    Halting,
    Terminal,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Conditional,
    Selection,
    Parallel,
}

/// What every state's checks need to know about the whole definition.
pub(super) struct Definition<'d> {
    pub(super) states: &'d Map<String, Value>,
    pub(super) initial_state: &'d str,
    pub(super) graph: Graph<'d>,
}

/// Checks the state `name`: its properties in schema order, then its type's rules,
/// its transition mode's rules, and its place in the graph.
pub(super) fn check(name: &str, state: &Value, definition: &Definition<'_>, report: &mut Report) {
    let path = child("states", name);
    let Some(object) = state.as_object() else {
        report.push(&path, expected("an object", state));
        return;
    };

    let kinds = ["action", "halting", "terminal"];
    let kind = match report.one_of(object, "type", &path, Need::Required, &kinds) {
        Some("action") => Some(Kind::Action),
        Some("halting") => Some(Kind::Halting),
        Some(_) => Some(Kind::Terminal),
        None => None,
    };
    let modes = ["conditional", "selection", "parallel"];
    let mode = match report.one_of(object, "transition_mode", &path, Need::Optional, &modes) {
        Some("selection") => Some(Mode::Selection),
        Some("parallel") => Some(Mode::Parallel),
        Some(_) => Some(Mode::Conditional),
        None if object.contains_key("transition_mode") => None,
        None => Some(Mode::Conditional),
    };
    let join = report.boolean(object, "join", &path, Need::Optional) == Some(true);

    for key in ["logic", "on_enter"] {
        if let Some(block) = object.get(key) {
            logic::check(block, &child(&path, key), report);
        }
    }
    if let Some(block) = object.get("presentation") {
        presentation::check(block, &child(&path, "presentation"), report);
    }
    if let Some(block) = object.get("halting_instructions") {
        halting::check(block, &child(&path, "halting_instructions"), report);
    }

    let transitions = report
        .array(object, "transitions", &path, Need::Optional)
        .unwrap_or_default();
    check_transitions(transitions, &path, mode, definition, report);

    if let Some(kind) = kind {
        check_kind_rules(object, kind, transitions.len(), &path, report);
        check_mode_rules(kind, mode, transitions.len(), &path, report);
    }
    if join && !definition.graph.follows_a_fork(name) {
        report.push(
            &child(&path, "join"),
            format!("Join state '{name}' is not reachable from any parallel state"),
        );
    }
    if !definition.graph.is_reachable(name) {
        report.push(
            &path,
            format!(
                "State '{name}' is not reachable from the initial state '{}'",
                definition.initial_state
            ),
        );
    }
}

fn check_transitions(
    transitions: &[Value],
    path: &str,
    mode: Option<Mode>,
    definition: &Definition<'_>,
    report: &mut Report,
) {
    let at = child(path, "transitions");
    if transitions.len() > MAX_TRANSITIONS {
        report.push(
            &at,
            format!(
                "A state may have at most {MAX_TRANSITIONS} transitions (found {})",
                transitions.len()
            ),
        );
    }

    let mut keys = HashSet::new();
    for (i, transition) in transitions.iter().enumerate() {
        let at = item(&at, i);
        if let Some(key) = check_transition(transition, &at, mode, definition, report)
            && !keys.insert(key)
        {
            report.push(
                &child(&at, "key"),
                format!("Choice key '{key}' is used more than once"),
            );
        }
    }
}

/// Checks one transition; returns its choice key, if it is a valid choice.
fn check_transition<'v>(
    transition: &'v Value,
    path: &str,
    mode: Option<Mode>,
    definition: &Definition<'_>,
    report: &mut Report,
) -> Option<&'v str> {
    let Some(object) = transition.as_object() else {
        report.push(path, expected("an object", transition));
        return None;
    };

    let choice_form = object.contains_key("key") || object.contains_key("to");
    let target_form = object.contains_key("target");
    let check_target = |report: &mut Report, key: &str| {
        let target = report.string(object, key, path, Need::Required)?;
        if !definition.states.contains_key(target) {
            report.push(
                &child(path, key),
                format!("Target state '{target}' does not exist"),
            );
        }
        Some(())
    };

    if choice_form && target_form {
        report.push(
            path,
            "A transition has either 'target' (and an optional 'condition') or 'key' and \
             'to', not both",
        );
        None
    } else if choice_form || (!target_form && mode == Some(Mode::Selection)) {
        let key = report.string(object, "key", path, Need::Required);
        check_target(report, "to");
        report.string(object, "description", path, Need::Optional);
        if matches!(mode, Some(Mode::Conditional | Mode::Parallel)) {
            report.push(
                path,
                "A transition with 'key' and 'to' is only allowed when the state's \
                 transition_mode is 'selection'",
            );
        }
        key
    } else {
        check_target(report, "target");
        if let Some(condition) = object.get("condition") {
            condition::check(condition, &child(path, "condition"), 1, report);
        }
        if mode == Some(Mode::Selection) {
            report.push(
                &child(path, "key"),
                "Property 'key' is required in selection mode ('key' and 'to' instead of \
                 'target')",
            );
        }
        None
    }
}

/// What a state's type demands of its logic and transitions.
fn check_kind_rules(
    object: &Map<String, Value>,
    kind: Kind,
    transitions: usize,
    path: &str,
    report: &mut Report,
) {
    let at = child(path, "transitions");
    match kind {
        Kind::Action | Kind::Halting if transitions == 0 => {
            let article = if kind == Kind::Action {
                "An action"
            } else {
                "A halting"
            };
            report.push(
                &at,
                format!("{article} state needs at least one transition"),
            );
        }
        Kind::Terminal if transitions > 0 => {
            report.push(&at, "A terminal state may not have transitions");
        }
        _ => {}
    }

    if kind != Kind::Action && object.contains_key("logic") {
        let which = if kind == Kind::Halting {
            "A halting"
        } else {
            "A terminal"
        };
        report.push(
            &child(path, "logic"),
            format!("{which} state may not have 'logic'; use 'on_enter' to run logic on entry"),
        );
    }
}

/// Selection mode belongs to halting states; parallel mode to action states with
/// 2..=10 branches.
fn check_mode_rules(
    kind: Kind,
    mode: Option<Mode>,
    transitions: usize,
    path: &str,
    report: &mut Report,
) {
    let at = child(path, "transition_mode");
    match mode {
        Some(Mode::Selection) if kind != Kind::Halting => {
            report.push(&at, "Selection mode is only allowed on halting states");
        }
        Some(Mode::Parallel) if kind != Kind::Action => {
            report.push(&at, "Parallel mode is only allowed on action states");
        }
        Some(Mode::Parallel) if transitions == 1 => {
            report.push(
                &child(path, "transitions"),
                "A parallel state needs at least 2 transitions (found 1)",
            );
        }
        Some(Mode::Parallel) if transitions > MAX_PARALLEL_BRANCHES => {
            report.push(
                &child(path, "transitions"),
                format!(
                    "A parallel state may have at most {MAX_PARALLEL_BRANCHES} transitions \
                     (found {transitions})"
                ),
            );
        }
        _ => {}
    }
}
