//! Execution history: the events of `GET /workflows/instances/{id}/history`, single events
//! and the cross-instance error list of `GET /workflows/errors`.

use chrono::{DateTime, Utc};
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::instance::InstanceStatus;
use super::wire_enum::wire_enum;

wire_enum! {
    /// The family an event belongs to.
    pub enum HistoryEventType {
        /// Created, resumed, completed, failed, cancelled.
        Lifecycle = "lifecycle",
        /// A move from one state to another.
        Transition = "transition",
        /// Logic ran.
        Step = "step",
        /// A thread halted.
        Halt = "halt",
        /// Something failed.
        Error = "error",
    }
}

wire_enum! {
    /// What caused a transition.
    pub enum Trigger {
        /// The engine moved on by itself.
        Automatic = "automatic",
        /// A resume moved it on.
        Resume = "resume",
    }
}

/// One recorded event of an instance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryEvent {
    /// Event id (`evt_...`, sortable by time).
    pub id: String,
    /// Its family (`"type"` on the wire).
    #[serde(rename = "type")]
    pub kind: HistoryEventType,
    /// What happened within the family, e.g. `created` or `state_change`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subtype: Option<String>,
    /// When it happened. An event without one decodes with the Unix epoch.
    #[serde(default)]
    pub timestamp: DateTime<Utc>,
    /// The thread it happened on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread: Option<String>,
    /// The state it happened in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// The first state (on `created`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initial_state: Option<String>,
    /// The state left (on transitions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_state: Option<String>,
    /// The state entered (on transitions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_state: Option<String>,
    /// What caused a transition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trigger: Option<Trigger>,
    /// How `workflow_data` changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changes: Option<Changes>,
    /// The kind of logic that ran: `"script"` or `"http"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logic: Option<String>,
    /// How long the logic ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
    /// `console.log` output.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub logs: Vec<String>,
    /// Status code an HTTP step received.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_status: Option<u16>,
    /// Input of a create or resume.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<Value>,
    /// What failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<EventError>,
    /// A `workflow_data` snapshot, present only when asked for with `include_data`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workflow_data: Option<Value>,
}

/// How `workflow_data` changed in a transition.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Changes {
    /// Keys that appeared, with their values.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub added: Map<String, Value>,
    /// Keys whose value changed.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub updated: IndexMap<String, ValueChange>,
    /// Keys that disappeared, with their last values.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub removed: Map<String, Value>,
}

/// A value before and after a change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValueChange {
    /// The old value.
    #[serde(default)]
    pub from: Value,
    /// The new value.
    #[serde(default)]
    pub to: Value,
}

/// The failure an `error` event records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventError {
    /// Error code, e.g. `script_error`.
    pub code: String,
    /// What went wrong.
    pub message: String,
}

/// Where a paged list continues.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Pagination {
    /// Whether another page follows.
    #[serde(default)]
    pub has_more: bool,
    /// The cursor of the next page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// One page of `GET /workflows/instances/{id}/history`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryPage {
    /// The instance.
    pub instance_id: String,
    /// The workflow it runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workflow_id: Option<String>,
    /// The instance's status now.
    pub status: InstanceStatus,
    /// The events of this page, oldest first.
    #[serde(default)]
    pub events: Vec<HistoryEvent>,
    /// Where the next page starts.
    #[serde(default)]
    pub pagination: Pagination,
}

/// One page of `GET /workflows/errors`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ErrorList {
    /// The error events of this page.
    #[serde(default)]
    pub errors: Vec<ErrorRecord>,
    /// Where the next page starts.
    #[serde(default)]
    pub pagination: Pagination,
}

/// An error event together with the instance it happened in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorRecord {
    /// The instance.
    pub instance_id: String,
    /// The workflow it runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workflow_name: Option<String>,
    /// Its namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// The event itself, its fields inline.
    #[serde(flatten)]
    pub event: HistoryEvent,
}
