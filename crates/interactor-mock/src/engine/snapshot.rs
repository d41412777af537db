//! Export and import of the engine's whole state, for `GET`/`PUT /_mock/state` and the
//! binary's `--state-file`.
//!
//! The snapshot is plain JSON. Instances refer to their version by id, so a definition is
//! stored once however many instances run it; events carry their `workflow_data`
//! snapshot, and consecutive equal snapshots share one copy again after an import. What
//! is not kept: the answers remembered for racing resumes (they only matter for requests
//! in flight).

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use indexmap::IndexMap;
use interactor_client::model::{
    ErrorCode, EventError, HaltedOptions, HistoryEntry, HistoryEvent, InstanceStatus, Presentation,
    ThreadStatus, VersionStatus, WorkflowDefinition,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::records::{HaltView, InstanceRecord, ThreadRecord, VersionRecord, WorkflowRecord};
use super::stored::{Names, Packed, Snapshot, StoredEvent};
use super::{Engine, EngineError, InstanceSlot, read, write};

/// The format version of [`EngineSnapshot`].
pub const SNAPSHOT_VERSION: u32 = 1;

/// The engine's state as JSON-friendly data.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EngineSnapshot {
    /// [`SNAPSHOT_VERSION`] of the writer.
    pub version: u32,
    workflows: Vec<WorkflowSnapshot>,
    instances: Vec<InstanceSnapshot>,
    secrets: Map<String, Value>,
    ai_replies: Vec<(String, String, String)>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct WorkflowSnapshot {
    id: String,
    name: String,
    created_at: DateTime<Utc>,
    published_version_id: Option<String>,
    versions: Vec<VersionSnapshot>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct VersionSnapshot {
    id: String,
    definition: WorkflowDefinition,
    status: VersionStatus,
    created_at: DateTime<Utc>,
    published_at: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct ThreadSnapshot {
    id: String,
    status: ThreadStatus,
    state: String,
    parent: Option<String>,
    presentation: Option<Presentation>,
    options: Option<HaltedOptions>,
    entry: usize,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct InstanceSnapshot {
    id: String,
    workflow_id: String,
    workflow_name: String,
    version_id: String,
    namespace: String,
    status: InstanceStatus,
    workflow_data: Map<String, Value>,
    threads: Vec<ThreadSnapshot>,
    next_thread: u32,
    summary: Vec<HistoryEntry>,
    events: Vec<HistoryEvent>,
    error: Option<String>,
    failure: Option<EventError>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    completed_at: Option<DateTime<Utc>>,
    cancelled_at: Option<DateTime<Utc>>,
}

impl Engine {
    /// The whole state.
    pub fn export(&self) -> EngineSnapshot {
        let workflows = read(&self.inner.workflows)
            .values()
            .map(|w| WorkflowSnapshot {
                id: w.id.clone(),
                name: w.name.clone(),
                created_at: w.created_at,
                published_version_id: w.published_version_id.clone(),
                versions: w
                    .versions
                    .iter()
                    .map(|v| VersionSnapshot {
                        id: v.id.clone(),
                        definition: (*v.definition).clone(),
                        status: v.status.clone(),
                        created_at: v.created_at,
                        published_at: v.published_at,
                    })
                    .collect(),
            })
            .collect();
        let slots: Vec<_> = read(&self.inner.instances).values().cloned().collect();
        let instances = slots
            .iter()
            .map(|slot| export_instance(&slot.lock()))
            .collect();
        let ai_replies = read(&self.inner.ai_replies)
            .iter()
            .map(|((w, s), text)| (w.clone(), s.clone(), text.clone()))
            .collect();
        EngineSnapshot {
            version: SNAPSHOT_VERSION,
            workflows,
            instances,
            secrets: read(&self.inner.secrets).clone(),
            ai_replies,
        }
    }

    /// Replaces the whole state with `snapshot`.
    ///
    /// # Errors
    ///
    /// `invalid_request` when the snapshot is of another format version or an instance
    /// names a version the snapshot does not have; nothing changes then.
    pub fn import(&self, snapshot: EngineSnapshot) -> Result<(), EngineError> {
        if snapshot.version != SNAPSHOT_VERSION {
            return Err(EngineError::new(
                ErrorCode::InvalidRequest,
                format!(
                    "State format {} is not {SNAPSHOT_VERSION}",
                    snapshot.version
                ),
            ));
        }

        let mut definitions = HashMap::new();
        let mut workflows = IndexMap::new();
        for w in snapshot.workflows {
            let versions = w
                .versions
                .into_iter()
                .map(|v| {
                    let definition = Arc::new(v.definition);
                    definitions.insert(v.id.clone(), Arc::clone(&definition));
                    VersionRecord {
                        id: v.id,
                        definition,
                        status: v.status,
                        created_at: v.created_at,
                        published_at: v.published_at,
                    }
                })
                .collect();
            let record = WorkflowRecord {
                id: w.id,
                name: w.name.clone(),
                created_at: w.created_at,
                versions,
                published_version_id: w.published_version_id,
            };
            workflows.insert(w.name, record);
        }

        let mut instances = IndexMap::new();
        for i in snapshot.instances {
            let definition = definitions.get(&i.version_id).cloned().ok_or_else(|| {
                EngineError::new(
                    ErrorCode::InvalidRequest,
                    format!(
                        "Instance '{}' runs version '{}', which the state lacks",
                        i.id, i.version_id
                    ),
                )
            })?;
            let id = i.id.clone();
            instances.insert(
                id,
                Arc::new(InstanceSlot::new(import_instance(
                    i,
                    definition,
                    &self.inner.names,
                ))),
            );
        }

        *write(&self.inner.workflows) = workflows;
        *write(&self.inner.instances) = instances;
        *write(&self.inner.secrets) = snapshot.secrets;
        *write(&self.inner.ai_replies) = snapshot
            .ai_replies
            .into_iter()
            .map(|(w, s, text)| ((w, s), text))
            .collect();
        self.recount_active();
        Ok(())
    }
}

fn export_instance(record: &InstanceRecord) -> InstanceSnapshot {
    InstanceSnapshot {
        id: record.id.clone(),
        workflow_id: record.workflow_id.clone(),
        workflow_name: record.workflow_name.clone(),
        version_id: record.version_id.clone(),
        namespace: record.namespace.clone(),
        status: record.status.clone(),
        workflow_data: record.data().clone(),
        threads: record
            .threads
            .iter()
            .map(|t| ThreadSnapshot {
                id: t.id.clone(),
                status: t.status.clone(),
                state: t.state.clone(),
                parent: t.parent.clone(),
                presentation: t.halt.as_ref().and_then(|h| h.presentation.clone()),
                options: t.halt.as_ref().and_then(|h| h.options.clone()),
                entry: t.entry,
            })
            .collect(),
        next_thread: record.next_thread,
        summary: record.summary.clone(),
        events: record
            .events
            .iter()
            .map(|stored| stored.unpack(true))
            .collect(),
        error: record.error.clone(),
        failure: record.failure.clone(),
        created_at: record.created_at,
        updated_at: record.updated_at,
        completed_at: record.completed_at,
        cancelled_at: record.cancelled_at,
    }
}

fn import_instance(
    i: InstanceSnapshot,
    definition: Arc<WorkflowDefinition>,
    names: &Names,
) -> InstanceRecord {
    let mut record = InstanceRecord::new(
        i.id,
        i.workflow_id,
        i.version_id,
        i.namespace,
        definition,
        i.created_at,
    );
    record.status = i.status;
    record.set_data(i.workflow_data);
    record.threads = i
        .threads
        .into_iter()
        .map(|t| {
            let halt = (t.presentation.is_some() || t.options.is_some()).then(|| {
                Box::new(HaltView {
                    presentation: t.presentation,
                    options: t.options,
                })
            });
            ThreadRecord {
                id: t.id,
                status: t.status,
                state: t.state,
                parent: t.parent,
                halt,
                entry: t.entry,
            }
        })
        .collect();
    record.next_thread = i.next_thread;
    record.summary = i.summary;

    let mut last: Option<(Map<String, Value>, Snapshot)> = None;
    record.events = i
        .events
        .into_iter()
        .map(|mut event| {
            let data = match event.workflow_data.take() {
                Some(Value::Object(map)) => map,
                _ => Map::new(),
            };
            let shared = match &last {
                Some((previous, shared)) if *previous == data => Arc::clone(shared),
                _ => {
                    let shared = Arc::new(Packed::new(data.clone()));
                    last = Some((data, Arc::clone(&shared)));
                    shared
                }
            };
            StoredEvent::pack(event, shared, names)
        })
        .collect();
    record.error = i.error;
    record.failure = i.failure;
    record.updated_at = i.updated_at;
    record.completed_at = i.completed_at;
    record.cancelled_at = i.cancelled_at;
    record
}
