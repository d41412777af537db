//! Builders that make a definition read like the state machine it describes.

use indexmap::IndexMap;

use super::{Logic, State, StateKind, Transition, TransitionMode, WorkflowDefinition};
use crate::model::condition::Condition;
use crate::model::presentation::{HaltingInstructions, Presentation};

/// Builds a [`WorkflowDefinition`]; start one with [`WorkflowDefinition::builder`].
///
/// The builder does not validate: `POST /workflows/validate` reports every problem of a
/// definition at once, with paths, which is more useful than a first-error panic here.
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until `build` is called"]
pub struct WorkflowDefinitionBuilder {
    name: String,
    initial_state: Option<String>,
    ai_guidance: Option<String>,
    states: IndexMap<String, State>,
}

impl WorkflowDefinitionBuilder {
    pub(crate) fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            initial_state: None,
            ai_guidance: None,
            states: IndexMap::new(),
        }
    }

    /// Names the state instances start in. Defaults to the first state added.
    pub fn initial_state(mut self, state: impl Into<String>) -> Self {
        self.initial_state = Some(state.into());
        self
    }

    /// Sets the guidance text for AI assistants.
    pub fn ai_guidance(mut self, guidance: impl Into<String>) -> Self {
        self.ai_guidance = Some(guidance.into());
        self
    }

    /// Adds a state (a [`State`] or a [`StateBuilder`]); a second state with the same
    /// name replaces the first in place.
    pub fn state(mut self, name: impl Into<String>, state: impl Into<State>) -> Self {
        self.states.insert(name.into(), state.into());
        self
    }

    /// Finishes the definition.
    pub fn build(self) -> WorkflowDefinition {
        let initial_state = self
            .initial_state
            .or_else(|| self.states.keys().next().cloned())
            .unwrap_or_default();
        WorkflowDefinition {
            name: self.name,
            initial_state,
            ai_guidance: self.ai_guidance,
            states: self.states,
        }
    }
}

/// Builds a [`State`]; start one with [`State::action`], [`State::halting`] or
/// [`State::terminal`].
///
/// ```
/// use interactor_client::model::{Condition, FormPresentation, Field, FieldType, State};
///
/// let review = State::halting()
///     .presentation(
///         FormPresentation::new("Approval Required")
///             .field(Field::new("approved", FieldType::Boolean, "Approve?").required()),
///     )
///     .transition_when("approved", Condition::equals("approved", true))
///     .transition("rejected")
///     .build();
/// assert_eq!(review.transitions.len(), 2);
/// ```
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until it is added to a definition or built"]
pub struct StateBuilder {
    state: State,
}

impl StateBuilder {
    pub(crate) fn new(kind: StateKind) -> Self {
        Self {
            state: State::new(kind),
        }
    }

    /// Runs `code` as the state's script logic.
    pub fn script(self, code: impl Into<String>) -> Self {
        self.logic(Logic::script(code))
    }

    /// Sets the state's logic (script or HTTP).
    pub fn logic(mut self, logic: impl Into<Logic>) -> Self {
        self.state.logic = Some(logic.into());
        self
    }

    /// Sets logic run whenever the state is entered.
    pub fn on_enter(mut self, logic: impl Into<Logic>) -> Self {
        self.state.on_enter = Some(logic.into());
        self
    }

    /// Sets the presentation shown while the state is halted.
    pub fn presentation(mut self, presentation: impl Into<Presentation>) -> Self {
        self.state.presentation = Some(presentation.into());
        self
    }

    /// Sets how the halting instruction is produced.
    pub fn halting_instructions(mut self, instructions: HaltingInstructions) -> Self {
        self.state.halting_instructions = Some(instructions);
        self
    }

    /// Sets the transition mode explicitly.
    pub fn transition_mode(mut self, mode: TransitionMode) -> Self {
        self.state.transition_mode = Some(mode);
        self
    }

    /// Adds an unconditional transition to `target`.
    pub fn transition(self, target: impl Into<String>) -> Self {
        self.push(Transition::to(target))
    }

    /// Adds a transition to `target` taken when `condition` matches.
    pub fn transition_when(self, target: impl Into<String>, condition: Condition) -> Self {
        self.push(Transition::when(target, condition))
    }

    /// Adds a selection choice and switches the state to selection mode.
    pub fn choice(
        mut self,
        key: impl Into<String>,
        to: impl Into<String>,
        description: impl Into<String>,
    ) -> Self {
        self.state.transition_mode = Some(TransitionMode::Selection);
        self.push(Transition::choice(key, to).describe(description))
    }

    /// Marks the state as parallel: every matching transition starts a thread.
    pub fn parallel(self) -> Self {
        self.transition_mode(TransitionMode::Parallel)
    }

    /// Marks the state as the place where parallel threads meet.
    pub fn join(mut self) -> Self {
        self.state.join = true;
        self
    }

    /// Adds any transition.
    pub fn push(mut self, transition: Transition) -> Self {
        self.state.transitions.push(transition);
        self
    }

    /// Finishes the state.
    pub fn build(self) -> State {
        self.state
    }
}

impl From<StateBuilder> for State {
    fn from(builder: StateBuilder) -> Self {
        builder.build()
    }
}
