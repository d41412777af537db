//! Typed wire models of the Interactor API.
//!
//! These types are the JSON the API reads and writes, one Rust type per shape:
//!
//! - definitions: [`WorkflowDefinition`], [`State`], [`Logic`], [`Transition`],
//!   [`Condition`], [`Presentation`], [`HaltingInstructions`], and the builders
//!   [`WorkflowDefinition::builder`] and [`State::action`];
//! - workflows and versions: [`Workflow`], [`WorkflowVersion`], [`ValidationResult`];
//! - instances: [`Instance`], [`Thread`], [`HistoryEntry`], [`HaltedOptions`], and the
//!   request bodies [`CreateInstanceRequest`] and [`ResumeRequest`];
//! - history: [`HistoryEvent`], [`HistoryPage`], [`ErrorList`];
//! - webhooks: [`Subscription`], [`CreateSubscriptionRequest`];
//! - errors: [`ApiErrorBody`], [`ErrorCode`];
//! - OAuth: [`TokenRequest`], [`TokenResponse`], [`RevokeRequest`].
//!
//! Decoding is tolerant: unknown fields are ignored, optional fields may be absent, and
//! enums the server sends (statuses, kinds, codes) keep values they do not know in an
//! `Unknown(String)` variant that is written back unchanged. Encoding is clean: absent
//! options and empty lists are left out.

mod wire_enum;

pub mod auth;
pub mod condition;
pub mod definition;
pub mod error;
pub mod history;
pub mod instance;
pub mod presentation;
pub mod webhook;

pub use auth::{GrantType, OAuthErrorBody, RevokeRequest, TokenRequest, TokenResponse};
pub use condition::{Condition, Operator};
pub use definition::{
    Backoff, HttpLogic, HttpMethod, Logic, RetryPolicy, ScriptLogic, State, StateBuilder,
    StateKind, Transition, TransitionMode, ValidationProblem, ValidationResult, VersionList,
    VersionStatus, Workflow, WorkflowDefinition, WorkflowDefinitionBuilder, WorkflowList,
    WorkflowVersion,
};
pub use error::{ApiErrorBody, ErrorCode, ErrorEnvelope};
pub use history::{
    Changes, ErrorList, ErrorRecord, EventError, HistoryEvent, HistoryEventType, HistoryPage,
    Pagination, Trigger, ValueChange,
};
pub use instance::{
    CreateInstanceRequest, HaltedChoice, HaltedOptions, HistoryEntry, Instance, InstanceList,
    InstanceStatus, ResumeRequest, Thread, ThreadList, ThreadStatus,
};
pub use presentation::{
    AiInstructionConfig, ChoiceOption, ChoicePresentation, Field, FieldType, FormPresentation,
    HaltingInstructions, MessageInstructionConfig, MessagePresentation, Presentation,
};
pub use webhook::{
    CreateSubscriptionRequest, Subscription, SubscriptionList, SubscriptionStatus, WebhookEventType,
};

use serde::{Deserialize, Serialize};

/// A success response: `{"data": ...}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope<T> {
    /// The payload.
    pub data: T,
}

impl<T> Envelope<T> {
    /// Wraps a payload.
    pub fn new(data: T) -> Self {
        Self { data }
    }
}

#[cfg(test)]
mod tests;
