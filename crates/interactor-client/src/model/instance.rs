//! Instances (running executions of a workflow), their threads and their per-state history.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::definition::TransitionMode;
use super::presentation::Presentation;
use super::wire_enum::wire_enum;

/// The body of `POST /workflows/{name}/instances`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreateInstanceRequest {
    /// The namespace the instance belongs to (the server's default when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Input visible to the first state's logic as `input`.
    #[serde(default = "empty_object")]
    pub input: Value,
}

impl CreateInstanceRequest {
    /// A request with `input` and no namespace.
    pub fn new(input: impl Into<Value>) -> Self {
        Self {
            namespace: None,
            input: input.into(),
        }
    }

    /// Sets the namespace.
    #[must_use]
    pub fn namespace(mut self, namespace: impl Into<String>) -> Self {
        self.namespace = Some(namespace.into());
        self
    }
}

impl From<Value> for CreateInstanceRequest {
    fn from(input: Value) -> Self {
        Self::new(input)
    }
}

/// The body of `POST /workflows/instances/{id}/resume` and of a thread resume.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResumeRequest {
    /// Input merged into `workflow_data` before the transitions are evaluated.
    #[serde(default = "empty_object")]
    pub input: Value,
    /// The state the caller believes the instance is in; a mismatch is a 409
    /// `concurrent_modification` instead of a resume of the wrong halt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_state: Option<String>,
}

impl ResumeRequest {
    /// A resume with `input`.
    pub fn new(input: impl Into<Value>) -> Self {
        Self {
            input: input.into(),
            expected_state: None,
        }
    }

    /// Only resume if the instance is still halted in `state`.
    #[must_use]
    pub fn expected_state(mut self, state: impl Into<String>) -> Self {
        self.expected_state = Some(state.into());
        self
    }
}

impl From<Value> for ResumeRequest {
    fn from(input: Value) -> Self {
        Self::new(input)
    }
}

fn empty_object() -> Value {
    Value::Object(Map::new())
}

wire_enum! {
    /// Where an instance is in its life.
    pub enum InstanceStatus {
        /// Executing action states.
        Running = "running",
        /// Waiting for input.
        Halted = "halted",
        /// Every thread reached its end.
        Completed = "completed",
        /// Stopped by an error.
        Failed = "failed",
        /// Stopped by a cancel (or by its time-to-live).
        Cancelled = "cancelled",
    }
}

impl InstanceStatus {
    /// Whether the instance has ended for good: completed, failed or cancelled.
    #[must_use]
    pub fn is_finished(&self) -> bool {
        matches!(self, Self::Completed | Self::Failed | Self::Cancelled)
    }
}

/// A running execution of a workflow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Instance {
    /// Instance id (`inst_...`).
    pub id: String,
    /// The workflow it runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workflow_name: Option<String>,
    /// The version it runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
    /// Its namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Its status.
    pub status: InstanceStatus,
    /// The state of `thread_main` (or of the first halted thread while it waits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_state: Option<String>,
    /// The accumulated data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workflow_data: Option<Map<String, Value>>,
    /// What to show while halted (legacy `presentation`, templates applied).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub halting_presentation: Option<Presentation>,
    /// The state it is halted in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub halted_at_state: Option<String>,
    /// The instruction and choices while halted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub halted_options: Option<HaltedOptions>,
    /// Its threads.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub threads: Vec<Thread>,
    /// One entry per state visited.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<HistoryEntry>,
    /// Why it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// When it was created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<DateTime<Utc>>,
    /// When it last changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<DateTime<Utc>>,
    /// When it completed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed_at: Option<DateTime<Utc>>,
    /// When it was cancelled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancelled_at: Option<DateTime<Utc>>,
}

impl Instance {
    /// The thread with id `thread_id`.
    #[must_use]
    pub fn thread(&self, thread_id: &str) -> Option<&Thread> {
        self.threads.iter().find(|thread| thread.id == thread_id)
    }

    /// A top-level `workflow_data` value.
    #[must_use]
    pub fn data(&self, key: &str) -> Option<&Value> {
        self.workflow_data.as_ref()?.get(key)
    }
}

/// The body of `GET /workflows/instances`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct InstanceList {
    /// The instances matching the filters.
    #[serde(default)]
    pub instances: Vec<Instance>,
}

wire_enum! {
    /// Where a thread is in its life.
    pub enum ThreadStatus {
        /// Executing.
        Running = "running",
        /// Waiting for input.
        Halted = "halted",
        /// Waiting for its child threads to meet at a join.
        Waiting = "waiting",
        /// Ended.
        Completed = "completed",
        /// Stopped by an error.
        Failed = "failed",
        /// Stopped by a cancel.
        Cancelled = "cancelled",
    }
}

/// A parallel execution path of an instance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Thread {
    /// `thread_main` or `thread_N`.
    pub id: String,
    /// Its status.
    pub status: ThreadStatus,
    /// The state it is in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_state: Option<String>,
    /// The thread that forked it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
}

/// The body of `GET /workflows/instances/{id}/threads`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ThreadList {
    /// The instance's threads.
    #[serde(default)]
    pub threads: Vec<Thread>,
}

/// One visit to a state, as summarised in an instance's `history`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// The state visited.
    pub state: String,
    /// When it was entered.
    pub entered_at: DateTime<Utc>,
    /// When it was left.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exited_at: Option<DateTime<Utc>>,
    /// The state it moved to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transition: Option<String>,
    /// How long its logic ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
    /// `console.log` output of its scripts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub logs: Vec<String>,
    /// The resume input it received.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_received: Option<Value>,
    /// When it was resumed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resumed_at: Option<DateTime<Utc>>,
    /// Who resumed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resumed_by: Option<String>,
    /// The thread that visited it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread: Option<String>,
}

/// The instruction and choices of a halted instance.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct HaltedOptions {
    /// Text to show (generated or static).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instruction: Option<String>,
    /// `workflow_data` paths the instruction covers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub include_data: Vec<String>,
    /// How the resume input picks a transition.
    #[serde(default)]
    pub transition_mode: TransitionMode,
    /// The choices of selection mode.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<HaltedChoice>,
    /// Whether the instruction was generated (`true`) or static (`false`).
    #[serde(default)]
    pub generated: bool,
}

/// One choice of a halted instance in selection mode.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HaltedChoice {
    /// The key to resume with as `{"choice": key}`.
    pub key: String,
    /// Text describing it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The state it leads to.
    pub to: String,
}
