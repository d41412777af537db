//! Validation of raw workflow definitions, reporting every problem at once.
//!
//! `POST /workflows/validate` answers with every problem of a definition, each with the
//! path where it is (`states.start.transitions[0].target`) and a sentence saying what is
//! wrong (`Target state 'nonexistent' does not exist`). Deserialising stops at the first
//! mistake and loses the path, so [`validate_definition`] walks the raw JSON instead;
//! [`parse_definition`] validates and then deserialises into the typed model.
//!
//! # What is checked
//!
//! - The JSON schema of the reference's appendix: types, required properties, enums,
//!   the name pattern `^[a-z][a-z0-9_-]{0,63}$`, the field-name pattern
//!   `^[a-z][a-z0-9_]*$`, `ai_guidance` length, logic, presentations, fields, options,
//!   transitions, conditions and halting instructions.
//! - The limits table (see [`limits`]): 100 states, 20 transitions per state, 64-character
//!   names, 64 KB scripts, 50 form fields, 1 MB definitions.
//! - The graph: `initial_state` exists, every transition target exists, action and
//!   halting states have a transition, terminal states have none, every state is
//!   reachable from `initial_state`.
//! - Transition modes and threads: selection mode only on halting states, whose
//!   transitions are all `{key, to, description?}` with distinct keys; parallel mode
//!   (a fork) only on action states with 2 to 10 transitions; a `join: true` state is
//!   reachable from some fork.
//!
//! # Decisions where the reference is silent
//!
//! - **Unknown properties are ignored**, at every level, as the schema (which never
//!   forbids additional properties) allows. They are dropped when the definition is
//!   deserialised.
//! - **`null` is not absence**: an optional property present with `null` is a type
//!   error, as in the schema.
//! - **Logic is optional on action states.** An action state without `logic` is a router:
//!   it runs its `on_enter`, if any, and picks a transition from the current data (a
//!   fork or a join often needs nothing else). Halting and terminal states may not have
//!   `logic`; they may have `on_enter`.
//! - **Transition forms follow the mode**: `{key, to}` only in selection mode, `{target,
//!   condition?}` everywhere else; a transition with both `target` and `key`/`to` is a
//!   problem. `transition_mode: "conditional"` may be written explicitly.
//! - **URLs**: an HTTP `url` must be an absolute `http`/`https` URL with a host (its
//!   placeholders replaced by a sample value before the check), or start with a
//!   placeholder such as `${secrets.BASE_URL}/orders`, which can only be checked once
//!   rendered, when the request is made.
//! - **Sizes**: scripts and the definition are measured in bytes of UTF-8 (64 KB = 65,536
//!   bytes, 1 MB = 1,048,576 bytes); the name and `ai_guidance` in characters.
//! - **Extra consistency checks**: field names are unique within a form, option values
//!   within a list, choice keys within a state; a `select` field has at least one
//!   option; `min` is not above `max`; `minDate`/`maxDate` are `YYYY-MM-DD`; the `in`
//!   operator takes an array; a condition's `field` is a well-formed
//!   [dotted path](crate::template::lookup_path); `and`/`or` lists are not empty and
//!   nest at most [`limits::MAX_CONDITION_DEPTH`] deep; header values are strings
//!   (the model stores them as strings); `maxLength`/`maxSize` are non-negative.
//!
//! # Order of problems
//!
//! Problems come in the order of the definition, so the same definition always gives the
//! same list: first the definition's size, then `name`, `initial_state`, `ai_guidance`
//! and the number of `states`; then each state in the order it is written. Within a
//! state: `type`, `transition_mode`, `join`, `logic`, `on_enter`, `presentation`,
//! `halting_instructions`, each transition in order, then the rules of the state's type
//! and mode, the join check, and reachability.
//!
//! Paths name object properties with dots and array items with brackets; a state's name
//! is written as it is (`states.review.presentation.fields[2].name`). The empty path
//! means the definition as a whole.

mod condition;
mod graph;
mod halting;
pub mod limits;
mod logic;
mod presentation;
mod report;
mod state;

pub use interactor_client::model::ValidationProblem;

use interactor_client::model::WorkflowDefinition;
use serde::Deserialize;
use serde_json::Value;
use tracing::debug;

use self::graph::Graph;
use self::limits::{MAX_AI_GUIDANCE_CHARS, MAX_DEFINITION_BYTES, MAX_NAME_CHARS, MAX_STATES};
use self::report::{Need, Report, describe};

/// Every problem of the raw definition `raw`, whose JSON text was `raw_size` bytes long.
///
/// An empty list means the definition is valid. See the [module docs](self) for what is
/// checked and in which order problems come. Never panics, whatever `raw` holds.
///
/// ```
/// use interactor_mock::validate::validate_definition;
/// use serde_json::json;
///
/// let raw = json!({
///     "name": "my_workflow",
///     "initial_state": "start",
///     "states": {
///         "start": { "type": "action", "transitions": [{ "target": "nonexistent" }] }
///     }
/// });
/// let problems = validate_definition(&raw, raw.to_string().len());
/// assert_eq!(problems.len(), 1);
/// assert_eq!(problems[0].path, "states.start.transitions[0].target");
/// assert_eq!(problems[0].message, "Target state 'nonexistent' does not exist");
/// ```
pub fn validate_definition(raw: &Value, raw_size: usize) -> Vec<ValidationProblem> {
    let mut report = Report::default();
    check_document(raw, raw_size, &mut report);
    let problems = report.into_problems();
    debug!(problems = problems.len(), "validated workflow definition");
    problems
}

/// Validates `raw` (see [`validate_definition`]) and deserialises it.
///
/// # Errors
///
/// Every problem found, when there is at least one. Should the valid definition still
/// fail to deserialise, that failure is reported as one problem at the empty path.
pub fn parse_definition(
    raw: &Value,
    raw_size: usize,
) -> Result<WorkflowDefinition, Vec<ValidationProblem>> {
    let problems = validate_definition(raw, raw_size);
    if !problems.is_empty() {
        return Err(problems);
    }

    WorkflowDefinition::deserialize(raw).map_err(|error| {
        vec![ValidationProblem {
            path: String::new(),
            message: format!("The definition could not be read: {error}"),
        }]
    })
}

fn check_document(raw: &Value, raw_size: usize, report: &mut Report) {
    if raw_size > MAX_DEFINITION_BYTES {
        report.push(
            "",
            format!(
                "The definition is {raw_size} bytes; the limit is {MAX_DEFINITION_BYTES} bytes \
                 (1 MB)"
            ),
        );
    }
    let Some(document) = raw.as_object() else {
        report.push(
            "",
            format!(
                "Expected the definition to be an object, found {}",
                describe(raw)
            ),
        );
        return;
    };

    if let Some(name) = report.string(document, "name", "", Need::Required) {
        check_name(name, report);
    }

    let states = document.get("states").and_then(Value::as_object);
    let initial_state = report.string(document, "initial_state", "", Need::Required);
    if let (Some(initial), Some(states)) = (initial_state, states)
        && !states.contains_key(initial)
    {
        report.push(
            "initial_state",
            format!("Initial state '{initial}' does not exist"),
        );
    }

    if let Some(guidance) = report.string(document, "ai_guidance", "", Need::Optional) {
        let chars = guidance.chars().count();
        if chars > MAX_AI_GUIDANCE_CHARS {
            report.push(
                "ai_guidance",
                format!(
                    "ai_guidance may be at most {MAX_AI_GUIDANCE_CHARS} characters (found {chars})"
                ),
            );
        }
    }

    let Some(states) = report.object(document, "states", "", Need::Required) else {
        return;
    };
    if states.is_empty() {
        report.push("states", "A workflow needs at least one state");
    } else if states.len() > MAX_STATES {
        report.push(
            "states",
            format!(
                "A workflow may have at most {MAX_STATES} states (found {})",
                states.len()
            ),
        );
    }

    let definition = state::Definition {
        states,
        initial_state: initial_state.unwrap_or_default(),
        graph: Graph::new(states, initial_state),
    };
    for (name, value) in states {
        state::check(name, value, &definition, report);
    }
}

/// Names that would collide with the API's own routes under `/workflows/`.
pub const RESERVED_NAMES: [&str; 3] = ["instances", "validate", "errors"];

/// `^[a-z][a-z0-9_-]{0,63}$`, reported as two problems a reader can act on.
fn check_name(name: &str, report: &mut Report) {
    let chars = name.chars().count();
    if chars > MAX_NAME_CHARS {
        report.push(
            "name",
            format!("The workflow name may be at most {MAX_NAME_CHARS} characters (found {chars})"),
        );
    }

    if RESERVED_NAMES.contains(&name) {
        report.push(
            "name",
            format!(
                "The workflow name '{name}' is reserved: /workflows/{name} is a route of the API"
            ),
        );
    }

    let mut rest = name.chars();
    let valid = rest.next().is_some_and(|c| c.is_ascii_lowercase())
        && rest.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
    if !valid {
        report.push(
            "name",
            format!(
                "The workflow name '{name}' must start with a lowercase letter and contain only \
                 lowercase letters, digits, underscores and hyphens"
            ),
        );
    }
}

#[cfg(test)]
mod tests;
