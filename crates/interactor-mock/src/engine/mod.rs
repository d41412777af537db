//! The workflow engine: definitions, versions, instances and their execution.
//!
//! The engine is plain synchronous code with no HTTP in it. The HTTP layer calls it from
//! blocking tasks, so a step that runs a 5 second script or waits on a slow HTTP endpoint
//! never stalls the async executor.
//!
//! # Locking
//!
//! Workflows sit behind one `RwLock`; instances behind a second one that maps an id to
//! its own slot. A slot holds a `Mutex` around the instance record, taken for the whole
//! of an operation on that instance (requests on one instance are serialised, as the
//! design asks), and an atomic revision that a resume reads on arrival, before it waits
//! for the mutex, to find out whether somebody changed the instance in between. No lock
//! is held across an `.await`: the engine never awaits.

mod condition;
mod error;
mod events;
mod halt;
mod history;
pub mod http;
mod lifecycle;
mod metrics;
mod records;
#[cfg(test)]
mod resume_tests;
mod run;
mod snapshot;
mod stored;

use std::collections::HashMap;

use lifecycle::is_active;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};

use chrono::{DateTime, Utc};
use indexmap::IndexMap;
use interactor_client::model::{
    CreateInstanceRequest, ErrorCode, Instance, InstanceStatus, ResumeRequest, Thread,
    ValidationResult, VersionStatus, Workflow, WorkflowVersion,
};
use serde_json::{Map, Value};

use crate::clock::Clock;
use crate::ids::{self, EventIds};
use crate::script::{ScriptLimits, ScriptSandbox};

pub use error::EngineError;
pub use events::{EngineEvent, EventSink};
pub use history::{DEFAULT_PAGE_SIZE, ErrorQuery, HistoryQuery, MAX_PAGE_SIZE};
use records::{InstanceRecord, ResumeRecord, VersionRecord, WorkflowRecord};
pub use snapshot::{EngineSnapshot, SNAPSHOT_VERSION};
use stored::Names;

/// Largest accepted `workflow_data`, serialised (the reference's instance limit).
pub const MAX_WORKFLOW_DATA_BYTES: usize = 256 * 1024;

/// Automatic steps one run may take without halting before it counts as a loop.
pub const MAX_AUTOMATIC_STEPS: usize = 1000;

/// The namespace of instances created without one.
pub const DEFAULT_NAMESPACE: &str = "default";

/// Live threads one instance may have at once.
pub const MAX_LIVE_THREADS: usize = 10;

/// Who asked for an operation, for history, logs and outbound propagation.
#[derive(Clone, Debug, Default)]
pub struct CallContext {
    /// The request id of the API call (`X-Request-Id`).
    pub request_id: Option<String>,
    /// The caller's W3C `traceparent`, passed on to HTTP logic.
    pub traceparent: Option<String>,
    /// The caller's identity, recorded as `resumed_by`.
    pub actor: Option<String>,
}

/// Filters for [`Engine::list_instances`].
#[derive(Clone, Debug, Default)]
pub struct InstanceFilter {
    /// Only instances in this namespace.
    pub namespace: Option<String>,
    /// Only instances of this workflow.
    pub workflow_name: Option<String>,
    /// Only instances with this status.
    pub status: Option<InstanceStatus>,
}

/// Settings of an [`Engine`].
#[derive(Clone, Debug)]
pub struct EngineConfig {
    /// Limits of the script sandbox.
    pub script_limits: ScriptLimits,
    /// Active (running or halted) instances one namespace may have (default 10,000).
    pub max_active_per_namespace: usize,
    /// How long an instance may stay running before the clock cancels it (default 30 days).
    pub running_ttl: chrono::Duration,
    /// How long an instance may stay halted before the clock cancels it (default 90 days).
    pub halted_ttl: chrono::Duration,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            script_limits: ScriptLimits::default(),
            max_active_per_namespace: 10_000,
            running_ttl: chrono::Duration::days(30),
            halted_ttl: chrono::Duration::days(90),
        }
    }
}

/// The in-memory workflow engine. Cheap to clone; clones share state.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine").finish_non_exhaustive()
    }
}

pub(crate) struct Inner {
    pub(crate) clock: Clock,
    pub(crate) event_ids: EventIds,
    pub(crate) scripts: ScriptSandbox,
    pub(crate) http: http::HttpLogic,
    pub(crate) secrets: RwLock<Map<String, Value>>,
    pub(crate) ai_replies: RwLock<IndexMap<(String, String), String>>,
    pub(crate) sink: RwLock<Option<Arc<dyn EventSink>>>,
    pub(crate) config: EngineConfig,
    pub(crate) metrics: metrics::Metrics,
    /// Active instances per namespace, for the quota.
    pub(crate) active: Mutex<HashMap<String, usize>>,
    /// Shared copies of the names history events repeat.
    pub(crate) names: Names,
    workflows: RwLock<IndexMap<String, WorkflowRecord>>,
    instances: RwLock<IndexMap<String, Arc<InstanceSlot>>>,
}

/// One instance, and the counters that tell a waiting request whether it changed.
pub(crate) struct InstanceSlot {
    /// The instance's namespace, which never changes: authorisation reads it without
    /// waiting for the record.
    namespace: Arc<str>,
    /// Bumped by every change of the instance.
    revision: AtomicU64,
    /// Bumped by every change of one thread. A short lock, never held while executing.
    /// A list rather than a map: an instance has few threads.
    thread_revisions: Mutex<Vec<(Box<str>, u64)>>,
    record: Mutex<InstanceRecord>,
}

impl InstanceSlot {
    fn new(record: InstanceRecord) -> Self {
        Self {
            namespace: Arc::from(record.namespace.as_str()),
            revision: AtomicU64::new(1),
            thread_revisions: Mutex::default(),
            record: Mutex::new(record),
        }
    }

    /// The revision a resume of `thread` (or of the instance) compares against.
    fn revision_of(&self, thread: Option<&str>) -> u64 {
        match thread {
            Some(thread) => {
                let revisions = self
                    .thread_revisions
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner);
                revisions
                    .iter()
                    .find(|(id, _)| **id == *thread)
                    .map_or(0, |(_, revision)| *revision)
            }
            None => self.revision.load(Ordering::Acquire),
        }
    }

    /// Records a change of the instance, and of `thread` when one was resumed.
    fn bump(&self, thread: Option<&str>) {
        self.revision.fetch_add(1, Ordering::AcqRel);
        if let Some(thread) = thread {
            let mut revisions = self
                .thread_revisions
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            match revisions.iter_mut().find(|(id, _)| **id == *thread) {
                Some((_, revision)) => *revision += 1,
                None => {
                    revisions.reserve_exact(1);
                    revisions.push((Box::from(thread), 1));
                }
            }
        }
    }

    fn lock(&self) -> MutexGuard<'_, InstanceRecord> {
        // Every mutation commits only after it has fully succeeded, so a record behind a
        // poisoned lock is still consistent.
        self.record.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(PoisonError::into_inner)
}

fn write<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(PoisonError::into_inner)
}

impl Engine {
    /// An empty engine reading `clock`.
    pub fn new(clock: Clock, config: EngineConfig) -> Self {
        let inner = Inner {
            clock: clock.clone(),
            event_ids: EventIds::default(),
            scripts: ScriptSandbox::new(config.script_limits.clone()),
            http: http::HttpLogic::new(clock.clone()),
            secrets: RwLock::default(),
            ai_replies: RwLock::default(),
            sink: RwLock::default(),
            active: Mutex::default(),
            metrics: metrics::Metrics::default(),
            names: Names::default(),
            workflows: RwLock::default(),
            instances: RwLock::default(),
            config,
        };
        Self {
            inner: Arc::new(inner),
        }
    }

    /// The engine's clock.
    pub fn clock(&self) -> &Clock {
        &self.inner.clock
    }

    /// The HTTP logic runner, with its stubs and journal.
    pub fn http(&self) -> &http::HttpLogic {
        &self.inner.http
    }

    /// Sends every event the engine emits (created, halted, …) to `sink`.
    pub fn set_event_sink(&self, sink: Arc<dyn EventSink>) {
        *write(&self.inner.sink) = Some(sink);
    }

    /// Sets the secret `name`, seen by templates as `${secrets.NAME}` and by scripts as
    /// `secrets.NAME`.
    pub fn set_secret(&self, name: impl Into<String>, value: Value) {
        write(&self.inner.secrets).insert(name.into(), value);
    }

    /// Registers the instruction an `ai` halting state of `workflow_name` shows at `state`
    /// instead of the deterministic rendering.
    pub fn set_ai_reply(&self, workflow_name: &str, state: &str, instruction: impl Into<String>) {
        write(&self.inner.ai_replies).insert(
            (workflow_name.to_owned(), state.to_owned()),
            instruction.into(),
        );
    }

    /// The engine's metrics in the Prometheus text format.
    pub fn metrics_text(&self) -> String {
        self.inner.metrics.render()
    }

    /// Drops every workflow, instance, secret and canned reply.
    pub fn reset(&self) {
        write(&self.inner.workflows).clear();
        write(&self.inner.instances).clear();
        self.inner
            .active
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
        write(&self.inner.secrets).clear();
        write(&self.inner.ai_replies).clear();
        self.inner.names.clear();
        self.inner.http.reset();
    }

    fn now(&self) -> DateTime<Utc> {
        self.inner.clock.now()
    }

    // ----- definitions -------------------------------------------------------------

    /// Validates a raw definition without saving it.
    pub fn validate(&self, raw: &Value, raw_size: usize) -> ValidationResult {
        let errors = crate::validate::validate_definition(raw, raw_size);
        ValidationResult {
            valid: errors.is_empty(),
            errors,
        }
    }

    /// Creates a workflow and its first draft version.
    ///
    /// # Errors
    ///
    /// `invalid_workflow` with every problem in `details.errors`, or `workflow_exists`.
    pub fn create_workflow(
        &self,
        raw: &Value,
        raw_size: usize,
    ) -> Result<WorkflowVersion, EngineError> {
        let definition = parse(raw, raw_size)?;
        let now = self.now();
        let mut workflows = write(&self.inner.workflows);
        if workflows.contains_key(&definition.name) {
            return Err(EngineError::new(
                ErrorCode::WorkflowExists,
                format!("Workflow '{}' already exists", definition.name),
            ));
        }

        let version = VersionRecord::draft(definition, now);
        let name = version.definition.name.clone();
        let view = version.view(Some(&name));
        workflows.insert(name.clone(), WorkflowRecord::new(name, version, now));
        tracing::debug!(workflow = %view.name.as_deref().unwrap_or(""), version_id = %view.version_id, "workflow created");
        Ok(view)
    }

    /// Adds a draft version to an existing workflow. The definition's `name` must be the
    /// workflow's.
    ///
    /// # Errors
    ///
    /// `workflow_not_found`, or `invalid_workflow`.
    pub fn add_version(
        &self,
        name: &str,
        raw: &Value,
        raw_size: usize,
    ) -> Result<WorkflowVersion, EngineError> {
        let definition = parse(raw, raw_size)?;
        if definition.name != name {
            return Err(EngineError::new(
                ErrorCode::InvalidWorkflow,
                format!(
                    "The definition is named '{}', not '{name}'",
                    definition.name
                ),
            )
            .with_details(serde_json::json!({
                "errors": [{"path": "name", "message": format!("must be '{name}'")}]
            })));
        }

        let now = self.now();
        let mut workflows = write(&self.inner.workflows);
        let workflow = workflows
            .get_mut(name)
            .ok_or_else(|| workflow_not_found(name))?;
        let version = VersionRecord::draft(definition, now);
        let view = version.view(Some(name));
        workflow.versions.push(version);
        Ok(view)
    }

    /// Every workflow, oldest first.
    pub fn list_workflows(&self) -> Vec<Workflow> {
        read(&self.inner.workflows)
            .values()
            .map(WorkflowRecord::view)
            .collect()
    }

    /// The versions of `name`, newest first.
    ///
    /// # Errors
    ///
    /// `workflow_not_found`.
    pub fn list_versions(&self, name: &str) -> Result<Vec<WorkflowVersion>, EngineError> {
        let workflows = read(&self.inner.workflows);
        let workflow = workflows
            .get(name)
            .ok_or_else(|| workflow_not_found(name))?;
        Ok(workflow
            .versions
            .iter()
            .rev()
            .map(|v| v.view(None))
            .collect())
    }

    /// Publishes a version: new instances of the workflow start on it.
    ///
    /// # Errors
    ///
    /// `workflow_not_found`, `version_not_found`, `already_published`.
    pub fn publish(&self, name: &str, version_id: &str) -> Result<WorkflowVersion, EngineError> {
        let now = self.now();
        let mut workflows = write(&self.inner.workflows);
        let workflow = workflows
            .get_mut(name)
            .ok_or_else(|| workflow_not_found(name))?;
        let version = workflow
            .versions
            .iter_mut()
            .find(|v| v.id == version_id)
            .ok_or_else(|| {
                EngineError::new(
                    ErrorCode::VersionNotFound,
                    format!("Version '{version_id}' of workflow '{name}' not found"),
                )
            })?;
        if version.status == VersionStatus::Published {
            return Err(EngineError::new(
                ErrorCode::AlreadyPublished,
                format!("Version '{version_id}' is already published"),
            ));
        }

        version.status = VersionStatus::Published;
        version.published_at = Some(now);
        let view = version.view(None);
        workflow.published_version_id = Some(version_id.to_owned());
        Ok(view)
    }

    // ----- instances ---------------------------------------------------------------

    /// Starts an instance of the published version of `workflow_name` and runs it until
    /// every thread halts or ends.
    ///
    /// # Errors
    ///
    /// `workflow_not_found`, `workflow_not_published`, `invalid_request`, or an engine
    /// failure (`script_error`, `http_error`, …) that left the new instance `failed`.
    pub fn create_instance(
        &self,
        workflow_name: &str,
        request: CreateInstanceRequest,
        ctx: &CallContext,
    ) -> Result<Instance, EngineError> {
        let (workflow_id, version_id, definition) = {
            let workflows = read(&self.inner.workflows);
            let workflow = workflows
                .get(workflow_name)
                .ok_or_else(|| workflow_not_found(workflow_name))?;
            let published = workflow.published().ok_or_else(|| {
                EngineError::new(
                    ErrorCode::WorkflowNotPublished,
                    format!("Workflow '{workflow_name}' has no published version"),
                )
            })?;
            (
                workflow.id.clone(),
                published.id.clone(),
                Arc::clone(&published.definition),
            )
        };
        let input = object_input(request.input)?;

        let namespace = request
            .namespace
            .unwrap_or_else(|| DEFAULT_NAMESPACE.to_owned());
        self.reserve_active(&namespace)?;
        let id = ids::instance_id();
        let span = tracing::debug_span!("instance", instance_id = %id, workflow = %workflow_name);
        let _entered = span.enter();

        let mut record = InstanceRecord::new(
            id.clone(),
            workflow_id,
            version_id,
            namespace,
            definition,
            self.now(),
        );
        let outcome = run::start(&self.inner, &mut record, &input, ctx);
        self.track_active(&record.namespace, true, is_active(&record.status));
        let view = record.view();
        let events = record.take_events();

        let slot = Arc::new(InstanceSlot::new(record));
        write(&self.inner.instances).insert(id, slot);
        self.emit(events);
        outcome.map(|()| view)
    }

    fn slot(&self, id: &str) -> Result<Arc<InstanceSlot>, EngineError> {
        read(&self.inner.instances)
            .get(id)
            .cloned()
            .ok_or_else(|| instance_not_found(id))
    }

    /// One instance, in full.
    ///
    /// # Errors
    ///
    /// `instance_not_found`.
    pub fn get_instance(&self, id: &str) -> Result<Instance, EngineError> {
        Ok(self.slot(id)?.lock().view())
    }

    /// One instance, in full, unless an operation on it is under way: then `None`, and
    /// the caller should wait with [`Engine::get_instance`] off the async executor. Lets
    /// reads answer at once in the common case without a hand-off to a blocking thread.
    pub fn try_get_instance(&self, id: &str) -> Option<Result<Instance, EngineError>> {
        let slot = match self.slot(id) {
            Ok(slot) => slot,
            Err(err) => return Some(Err(err)),
        };
        let record = match slot.record.try_lock() {
            Ok(record) => record,
            Err(std::sync::TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
            Err(std::sync::TryLockError::WouldBlock) => return None,
        };
        Some(Ok(record.view()))
    }

    /// The namespace of an instance, for authorisation checks.
    ///
    /// # Errors
    ///
    /// `instance_not_found`.
    pub fn instance_namespace(&self, id: &str) -> Result<String, EngineError> {
        Ok(self.slot(id)?.namespace.to_string())
    }

    /// Instances matching `filter`, oldest first, in summary form.
    pub fn list_instances(&self, filter: &InstanceFilter) -> Vec<Instance> {
        let slots: Vec<_> = read(&self.inner.instances).values().cloned().collect();
        slots
            .iter()
            .filter_map(|slot| {
                let record = slot.lock();
                let keep = filter
                    .namespace
                    .as_ref()
                    .is_none_or(|ns| *ns == record.namespace)
                    && filter
                        .workflow_name
                        .as_ref()
                        .is_none_or(|w| *w == record.workflow_name)
                    && filter.status.as_ref().is_none_or(|s| *s == record.status);
                keep.then(|| record.summary())
            })
            .collect()
    }

    /// The threads of an instance.
    ///
    /// # Errors
    ///
    /// `instance_not_found`.
    pub fn threads(&self, id: &str) -> Result<Vec<Thread>, EngineError> {
        Ok(self.slot(id)?.lock().thread_views())
    }

    /// Resumes a halted thread with input: `thread_main` when it is halted, otherwise the
    /// first halted thread, or the thread named by `thread`.
    ///
    /// # Errors
    ///
    /// `instance_not_found`, `thread_not_found`, `instance_not_halted`,
    /// `invalid_transition`, `invalid_input` (all of these change nothing),
    /// `concurrent_modification`, or an engine failure of the steps that followed.
    pub fn resume(
        &self,
        id: &str,
        thread: Option<&str>,
        request: ResumeRequest,
        ctx: &CallContext,
    ) -> Result<Instance, EngineError> {
        let slot = self.slot(id)?;
        let seen_revision = slot.revision_of(thread);
        let input = object_input(request.input)?;

        let mut record = slot.lock();
        let span =
            tracing::debug_span!("instance", instance_id = %id, workflow = %record.workflow_name);
        let _entered = span.enter();

        let target = record.resume_target(thread)?;
        let expected = request.expected_state.as_deref();
        // The resume that a racing request lost to: the named thread's last one, or the
        // instance's last one.
        let last = record.last_resume(thread);

        let race = match &target {
            Some((_, state)) => {
                let changed = slot.revision_of(thread) != seen_revision;
                changed || expected.is_some_and(|e| e != state)
            }
            None => last.is_some(),
        };
        if race {
            return race_outcome(&record, last, &input, expected, target.as_ref());
        }
        let Some((thread_id, from_state)) = target else {
            return Err(EngineError::new(
                ErrorCode::InstanceNotHalted,
                format!("Instance '{id}' is {} and cannot be resumed", record.status),
            )
            .with_details(serde_json::json!({ "status": record.status })));
        };

        let was_active = is_active(&record.status);
        // The summary entry the resume closes, whose `input_received` will be the input.
        let entry = record.thread(&thread_id).map_or(0, |t| t.entry);
        let outcome = match run::resume(&self.inner, &mut record, &thread_id, &input, ctx) {
            Err(err) if err.leaves_instance_unchanged() => return Err(err),
            outcome => outcome,
        };

        self.track_active(&record.namespace, was_active, is_active(&record.status));
        let view = record.view();
        record.remember_resume(&thread_id, from_state, entry, outcome.clone());
        slot.bump(Some(&thread_id));
        let events = record.take_events();
        drop(record);

        self.emit(events);
        outcome.map(|()| view)
    }

    /// Cancels an instance and every live thread.
    ///
    /// # Errors
    ///
    /// `instance_not_found`, or `instance_not_active` when it has already ended.
    pub fn cancel(&self, id: &str, ctx: &CallContext) -> Result<Instance, EngineError> {
        let slot = self.slot(id)?;
        let mut record = slot.lock();
        if record.status.is_finished() {
            return Err(EngineError::new(
                ErrorCode::InstanceNotActive,
                format!("Instance '{id}' is already {}", record.status),
            )
            .with_details(serde_json::json!({ "status": record.status })));
        }

        run::cancel(&self.inner, &mut record, "cancelled", ctx);
        self.track_active(&record.namespace, true, false);
        slot.bump(None);
        let view = record.view();
        let events = record.take_events();
        drop(record);

        self.emit(events);
        Ok(view)
    }

    fn emit(&self, events: Vec<EngineEvent>) {
        if events.is_empty() {
            return;
        }
        let sink = read(&self.inner.sink).clone();
        if let Some(sink) = sink {
            for event in events {
                sink.publish(event);
            }
        }
    }
}

/// The answer to a resume that lost a race: the winner's response when the input is the
/// same, `concurrent_modification` otherwise.
fn race_outcome(
    record: &InstanceRecord,
    last: Option<&ResumeRecord>,
    input: &Map<String, Value>,
    expected: Option<&str>,
    halted: Option<&(String, String)>,
) -> Result<Instance, EngineError> {
    if let Some(last) = last
        && record.resume_input(last) == Some(input)
        && expected.is_none_or(|e| e == last.from_state)
        && let Some(answer) = record.resume_answer(last)
    {
        return answer;
    }

    let expected_state = expected
        .map(str::to_owned)
        .or_else(|| last.map(|l| l.from_state.clone()))
        .or_else(|| halted.map(|(_, state)| state.clone()));
    Err(EngineError::new(
        ErrorCode::ConcurrentModification,
        "Instance was modified by another request",
    )
    .with_details(serde_json::json!({
        "current_state": record.current_state(),
        "expected_state": expected_state,
    })))
}

fn parse(
    raw: &Value,
    raw_size: usize,
) -> Result<interactor_client::model::WorkflowDefinition, EngineError> {
    crate::validate::parse_definition(raw, raw_size).map_err(|errors| {
        let count = errors.len();
        EngineError::new(
            ErrorCode::InvalidWorkflow,
            format!(
                "The workflow definition has {count} problem{}",
                if count == 1 { "" } else { "s" }
            ),
        )
        .with_details(serde_json::json!({ "errors": errors }))
    })
}

fn object_input(input: Value) -> Result<Map<String, Value>, EngineError> {
    match input {
        Value::Object(map) => Ok(map),
        Value::Null => Ok(Map::new()),
        other => Err(
            EngineError::new(ErrorCode::InvalidRequest, "`input` must be a JSON object")
                .with_details(serde_json::json!({ "path": "input", "found": json_type(&other) })),
        ),
    }
}

pub(crate) fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn workflow_not_found(name: &str) -> EngineError {
    EngineError::new(
        ErrorCode::WorkflowNotFound,
        format!("Workflow '{name}' not found"),
    )
}

fn instance_not_found(id: &str) -> EngineError {
    EngineError::new(
        ErrorCode::InstanceNotFound,
        format!("Instance '{id}' not found"),
    )
}
