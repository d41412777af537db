//! Workflow definitions: the state machine a workflow runs.
//!
//! A [`WorkflowDefinition`] is the body of `POST /workflows`, `POST /workflows/validate` and
//! `POST /workflows/{name}/versions`. [`WorkflowDefinition::builder`] writes one in Rust.

mod builder;
mod logic;
mod transition;
mod workflow;

pub use builder::{StateBuilder, WorkflowDefinitionBuilder};
pub use logic::{Backoff, HttpLogic, HttpMethod, Logic, RetryPolicy, ScriptLogic};
pub use transition::{Transition, TransitionMode};
pub use workflow::{
    ValidationProblem, ValidationResult, VersionList, VersionStatus, Workflow, WorkflowList,
    WorkflowVersion,
};

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use super::presentation::{HaltingInstructions, Presentation};
use super::wire_enum::wire_enum;

/// A complete workflow: its name, where it starts, and its states in definition order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkflowDefinition {
    /// Unique workflow identifier (`^[a-z][a-z0-9_-]{0,63}$`).
    pub name: String,
    /// The state every instance starts in.
    pub initial_state: String,
    /// Free-text guidance for AI assistants working with this workflow.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ai_guidance: Option<String>,
    /// The states by name, in the order they were written.
    pub states: IndexMap<String, State>,
}

impl WorkflowDefinition {
    /// Starts a [`WorkflowDefinitionBuilder`] for a workflow called `name`.
    ///
    /// ```
    /// use interactor_client::model::{State, WorkflowDefinition};
    ///
    /// let definition = WorkflowDefinition::builder("greeting")
    ///     .initial_state("start")
    ///     .state("start", State::action().script("return { hello: 'world' }").transition("end"))
    ///     .state("end", State::terminal())
    ///     .build();
    /// assert_eq!(definition.states.len(), 2);
    /// ```
    pub fn builder(name: impl Into<String>) -> WorkflowDefinitionBuilder {
        WorkflowDefinitionBuilder::new(name)
    }

    /// The state named `name`, if the definition has one.
    #[must_use]
    pub fn state(&self, name: &str) -> Option<&State> {
        self.states.get(name)
    }
}

wire_enum! {
    /// What a state does when an instance enters it.
    pub enum StateKind {
        /// Runs its logic, then transitions immediately.
        Action = "action",
        /// Pauses until the instance is resumed with input.
        Halting = "halting",
        /// Ends the thread that reaches it.
        Terminal = "terminal",
    }
}

/// One state of a workflow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct State {
    /// The kind of state (`"type"` on the wire).
    #[serde(rename = "type")]
    pub kind: StateKind,
    /// Logic an action state runs before choosing a transition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logic: Option<Logic>,
    /// Logic run whenever the state is entered, before `logic`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_enter: Option<Logic>,
    /// How a halting state asks for input (the legacy form, still supported).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub presentation: Option<Presentation>,
    /// How a halting state's instruction is produced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub halting_instructions: Option<HaltingInstructions>,
    /// How transitions are chosen; conditional when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transition_mode: Option<TransitionMode>,
    /// Outgoing transitions, tried in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transitions: Vec<Transition>,
    /// Whether parallel threads meet here.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub join: bool,
}

impl State {
    /// A bare state of the given kind, with nothing else set.
    #[must_use]
    pub fn new(kind: StateKind) -> Self {
        Self {
            kind,
            logic: None,
            on_enter: None,
            presentation: None,
            halting_instructions: None,
            transition_mode: None,
            transitions: Vec::new(),
            join: false,
        }
    }

    /// Starts building an action state.
    pub fn action() -> StateBuilder {
        StateBuilder::new(StateKind::Action)
    }

    /// Starts building a halting state.
    pub fn halting() -> StateBuilder {
        StateBuilder::new(StateKind::Halting)
    }

    /// Starts building a terminal state.
    pub fn terminal() -> StateBuilder {
        StateBuilder::new(StateKind::Terminal)
    }

    /// The transition mode in effect: the declared one, or conditional when absent.
    #[must_use]
    pub fn effective_transition_mode(&self) -> TransitionMode {
        self.transition_mode.clone().unwrap_or_default()
    }
}
