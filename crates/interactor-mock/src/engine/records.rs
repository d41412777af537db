//! What the engine stores, and how it is shown on the wire.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use interactor_client::model::{
    ErrorCode, HaltedOptions, HistoryEntry, Instance, InstanceStatus, Presentation, Thread,
    ThreadStatus, VersionStatus, Workflow, WorkflowDefinition, WorkflowVersion,
};
use serde_json::{Map, Value};

use super::stored::{Packed, Snapshot, StoredEvent};
use super::{EngineError, EngineEvent};
use crate::ids;
use interactor_client::model::EventError;

/// The id of an instance's first thread.
pub(crate) const MAIN_THREAD: &str = "thread_main";

pub(crate) struct WorkflowRecord {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) versions: Vec<VersionRecord>,
    pub(crate) published_version_id: Option<String>,
}

impl WorkflowRecord {
    pub(crate) fn new(name: String, first: VersionRecord, now: DateTime<Utc>) -> Self {
        Self {
            id: ids::random_id("wf_", 16),
            name,
            created_at: now,
            versions: vec![first],
            published_version_id: None,
        }
    }

    pub(crate) fn published(&self) -> Option<&VersionRecord> {
        let id = self.published_version_id.as_deref()?;
        self.versions.iter().find(|v| v.id == id)
    }

    pub(crate) fn view(&self) -> Workflow {
        Workflow {
            name: self.name.clone(),
            latest_version_id: self.versions.last().map(|v| v.id.clone()),
            published_version_id: self.published_version_id.clone(),
            created_at: Some(self.created_at),
        }
    }
}

pub(crate) struct VersionRecord {
    pub(crate) id: String,
    pub(crate) definition: Arc<WorkflowDefinition>,
    pub(crate) status: VersionStatus,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) published_at: Option<DateTime<Utc>>,
}

impl VersionRecord {
    pub(crate) fn draft(definition: WorkflowDefinition, now: DateTime<Utc>) -> Self {
        Self {
            id: ids::version_id(),
            definition: Arc::new(definition),
            status: VersionStatus::Draft,
            created_at: now,
            published_at: None,
        }
    }

    pub(crate) fn view(&self, name: Option<&str>) -> WorkflowVersion {
        WorkflowVersion {
            name: name.map(str::to_owned),
            version_id: self.id.clone(),
            status: self.status.clone(),
            created_at: Some(self.created_at),
            published_at: self.published_at,
        }
    }
}

/// What a halted thread shows the person who resumes it.
#[derive(Clone, Debug, Default)]
pub(crate) struct HaltView {
    pub(crate) presentation: Option<Presentation>,
    pub(crate) options: Option<HaltedOptions>,
}

pub(crate) struct ThreadRecord {
    pub(crate) id: String,
    pub(crate) status: ThreadStatus,
    pub(crate) state: String,
    pub(crate) parent: Option<String>,
    pub(crate) halt: Option<Box<HaltView>>,
    /// Index of this thread's entry for its current state in the instance's summary.
    pub(crate) entry: usize,
}

impl ThreadRecord {
    pub(crate) fn is_live(&self) -> bool {
        matches!(
            self.status,
            ThreadStatus::Running | ThreadStatus::Halted | ThreadStatus::Waiting
        )
    }

    fn view(&self) -> Thread {
        Thread {
            id: self.id.clone(),
            status: self.status.clone(),
            current_state: Some(self.state.clone()),
            parent: self.parent.clone(),
        }
    }
}

/// The resume that last moved a thread, kept to answer the requests that raced it: one
/// that arrives with the same input gets the same answer.
///
/// The answer is not stored as a copy of the instance. Until the instance changes again
/// it is the instance as it stands, rebuilt on demand; the next change of the instance
/// (another thread's resume, a cancellation) first keeps a copy of every answer that it
/// is about to make stale ([`InstanceRecord::begin_change`]). A finished instance never
/// changes again, so the common case keeps no copy at all. The input is not stored
/// either: it is the `input_received` of the summary entry the resume closed.
pub(crate) struct ResumeRecord {
    pub(crate) thread: String,
    pub(crate) from_state: String,
    /// Index of the summary entry whose `input_received` is the resume's input.
    pub(crate) entry: usize,
    pub(crate) answer: Result<Answer, Box<EngineError>>,
}

/// The instance a resume answered with.
pub(crate) enum Answer {
    /// The instance as it stands, which has not changed since: its revision then.
    Current(u64),
    /// A copy, kept because the instance changed after the resume.
    Kept(Box<Instance>),
}

pub(crate) struct InstanceRecord {
    pub(crate) id: String,
    pub(crate) workflow_id: String,
    pub(crate) workflow_name: String,
    pub(crate) version_id: String,
    pub(crate) namespace: String,
    pub(crate) definition: Arc<WorkflowDefinition>,
    pub(crate) status: InstanceStatus,
    workflow_data: Map<String, Value>,
    snapshot: Option<Snapshot>,
    pub(crate) threads: Vec<ThreadRecord>,
    pub(crate) next_thread: u32,
    pub(crate) summary: Vec<HistoryEntry>,
    pub(crate) events: Vec<StoredEvent>,
    pub(crate) error: Option<String>,
    /// The code and message of the failure, when the instance failed.
    pub(crate) failure: Option<EventError>,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) updated_at: DateTime<Utc>,
    pub(crate) completed_at: Option<DateTime<Utc>>,
    pub(crate) cancelled_at: Option<DateTime<Utc>>,
    /// Counts the changes of the instance after it was created.
    revision: u64,
    /// The resume that last moved each thread.
    last_resumes: Vec<ResumeRecord>,
    /// Index in `last_resumes` of the most recent resume.
    last_resumed: Option<usize>,
    /// Webhook events of the operation under way, published once it commits.
    pub(crate) pending_events: Vec<EngineEvent>,
}

impl InstanceRecord {
    pub(crate) fn new(
        id: String,
        workflow_id: String,
        version_id: String,
        namespace: String,
        definition: Arc<WorkflowDefinition>,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            id,
            workflow_id,
            workflow_name: definition.name.clone(),
            version_id,
            namespace,
            status: InstanceStatus::Running,
            workflow_data: Map::new(),
            snapshot: None,
            threads: Vec::new(),
            next_thread: 1,
            summary: Vec::new(),
            events: Vec::new(),
            error: None,
            failure: None,
            created_at: now,
            updated_at: now,
            completed_at: None,
            cancelled_at: None,
            revision: 0,
            last_resumes: Vec::new(),
            last_resumed: None,
            pending_events: Vec::new(),
            definition,
        }
    }

    pub(crate) fn data(&self) -> &Map<String, Value> {
        &self.workflow_data
    }

    pub(crate) fn set_data(&mut self, data: Map<String, Value>) {
        self.workflow_data = data;
        self.snapshot = None;
    }

    /// A shared snapshot of `workflow_data`, made again only after it changed.
    pub(crate) fn snapshot(&mut self) -> Snapshot {
        Arc::clone(
            self.snapshot
                .get_or_insert_with(|| Arc::new(Packed::new(self.workflow_data.clone()))),
        )
    }

    pub(crate) fn thread(&self, id: &str) -> Option<&ThreadRecord> {
        self.threads.iter().find(|t| t.id == id)
    }

    pub(crate) fn thread_index(&self, id: &str) -> Option<usize> {
        self.threads.iter().position(|t| t.id == id)
    }

    /// The thread a person is asked about: `thread_main` unless it waits on children, then
    /// the first halted thread.
    fn focus(&self) -> Option<&ThreadRecord> {
        let main = self.thread(MAIN_THREAD)?;
        if main.status == ThreadStatus::Waiting {
            self.threads
                .iter()
                .find(|t| t.status == ThreadStatus::Halted)
                .or(Some(main))
        } else {
            Some(main)
        }
    }

    pub(crate) fn current_state(&self) -> Option<String> {
        self.focus().map(|t| t.state.clone())
    }

    /// The status the threads add up to.
    pub(crate) fn derive_status(&self) -> InstanceStatus {
        if self.threads.iter().all(|t| !t.is_live()) {
            return InstanceStatus::Completed;
        }
        let running = self
            .threads
            .iter()
            .any(|t| t.status == ThreadStatus::Running);
        let halted = self
            .threads
            .iter()
            .any(|t| t.status == ThreadStatus::Halted);
        if !running && halted {
            InstanceStatus::Halted
        } else {
            InstanceStatus::Running
        }
    }

    /// Which thread a resume reaches, and at which state: the named thread, or
    /// `thread_main` when halted, or the first halted thread. `None` when that thread is
    /// not halted.
    ///
    /// # Errors
    ///
    /// `thread_not_found` for a thread the instance does not have.
    pub(crate) fn resume_target(
        &self,
        thread: Option<&str>,
    ) -> Result<Option<(String, String)>, EngineError> {
        if self.status.is_finished() {
            return Ok(None);
        }
        let found = match thread {
            Some(id) => {
                let t = self.thread(id).ok_or_else(|| {
                    EngineError::new(
                        ErrorCode::ThreadNotFound,
                        format!("Thread '{id}' not found in instance '{}'", self.id),
                    )
                })?;
                (t.status == ThreadStatus::Halted).then_some(t)
            }
            None => self
                .thread(MAIN_THREAD)
                .filter(|t| t.status == ThreadStatus::Halted)
                .or_else(|| {
                    self.threads
                        .iter()
                        .find(|t| t.status == ThreadStatus::Halted)
                }),
        };
        Ok(found.map(|t| (t.id.clone(), t.state.clone())))
    }

    pub(crate) fn thread_views(&self) -> Vec<Thread> {
        self.threads.iter().map(ThreadRecord::view).collect()
    }

    /// The instance in full, as `GET /workflows/instances/{id}` shows it.
    pub(crate) fn view(&self) -> Instance {
        let halted = self.focus().filter(|t| t.status == ThreadStatus::Halted);
        let halt = halted
            .and_then(|t| t.halt.as_deref())
            .cloned()
            .unwrap_or_default();
        Instance {
            workflow_data: Some(self.workflow_data.clone()),
            halting_presentation: halt.presentation,
            halted_at_state: halted.map(|t| t.state.clone()),
            halted_options: halt.options,
            threads: self.thread_views(),
            history: self.summary.clone(),
            error: self.error.clone(),
            completed_at: self.completed_at,
            cancelled_at: self.cancelled_at,
            ..self.summary()
        }
    }

    /// The instance in list form.
    pub(crate) fn summary(&self) -> Instance {
        Instance {
            id: self.id.clone(),
            workflow_name: Some(self.workflow_name.clone()),
            version_id: Some(self.version_id.clone()),
            namespace: Some(self.namespace.clone()),
            status: self.status.clone(),
            current_state: self.current_state(),
            workflow_data: None,
            halting_presentation: None,
            halted_at_state: None,
            halted_options: None,
            threads: Vec::new(),
            history: Vec::new(),
            error: None,
            created_at: Some(self.created_at),
            updated_at: Some(self.updated_at),
            completed_at: None,
            cancelled_at: None,
        }
    }

    /// Takes the webhook events of the operation that just committed.
    pub(crate) fn take_events(&mut self) -> Vec<EngineEvent> {
        std::mem::take(&mut self.pending_events)
    }

    /// Called before an operation changes an instance that exists already: keeps a copy of
    /// each remembered resume answer that is still the instance as it stands (except the
    /// answer for `except`, which the operation replaces), then counts the change.
    pub(crate) fn begin_change(&mut self, except: Option<&str>) {
        let revision = self.revision;
        let stale = |r: &ResumeRecord| {
            matches!(r.answer, Ok(Answer::Current(at)) if at == revision)
                && except != Some(r.thread.as_str())
        };
        if self.last_resumes.iter().any(stale) {
            let view = self.view();
            for record in &mut self.last_resumes {
                if stale(record) {
                    record.answer = Ok(Answer::Kept(Box::new(view.clone())));
                }
            }
        }
        self.revision += 1;
    }

    /// Remembers the resume of `thread` from `from_state` that closed summary entry `entry`
    /// and ended with `outcome`; the instance as it stands now is its answer.
    pub(crate) fn remember_resume(
        &mut self,
        thread: &str,
        from_state: String,
        entry: usize,
        outcome: Result<(), EngineError>,
    ) {
        let record = ResumeRecord {
            thread: thread.to_owned(),
            from_state,
            entry,
            answer: outcome
                .map(|()| Answer::Current(self.revision))
                .map_err(Box::new),
        };
        let index = match self.last_resumes.iter().position(|r| r.thread == thread) {
            Some(index) => {
                self.last_resumes[index] = record;
                index
            }
            None => {
                self.last_resumes.push(record);
                self.last_resumes.len() - 1
            }
        };
        self.last_resumed = Some(index);
        if self.status.is_finished() {
            self.last_resumes.shrink_to_fit();
        }
    }

    /// The last resume of `thread`, or the instance's last resume.
    pub(crate) fn last_resume(&self, thread: Option<&str>) -> Option<&ResumeRecord> {
        match thread {
            Some(thread) => self.last_resumes.iter().find(|r| r.thread == thread),
            None => self.last_resumed.and_then(|i| self.last_resumes.get(i)),
        }
    }

    /// The input `last` resumed with.
    pub(crate) fn resume_input(&self, last: &ResumeRecord) -> Option<&Map<String, Value>> {
        match self.summary.get(last.entry)?.input_received.as_ref()? {
            Value::Object(input) => Some(input),
            _ => None,
        }
    }

    /// What `last` answered: `None` when that answer was lost (never, as long as every
    /// change goes through [`InstanceRecord::begin_change`]).
    pub(crate) fn resume_answer(
        &self,
        last: &ResumeRecord,
    ) -> Option<Result<Instance, EngineError>> {
        match &last.answer {
            Ok(Answer::Current(at)) => (*at == self.revision).then(|| Ok(self.view())),
            Ok(Answer::Kept(instance)) => Some(Ok((**instance).clone())),
            Err(err) => Some(Err((**err).clone())),
        }
    }

    /// Gives back the spare capacity of a finished instance, which grows no more.
    pub(crate) fn compact(&mut self) {
        self.events.shrink_to_fit();
        self.summary.shrink_to_fit();
        self.threads.shrink_to_fit();
        self.last_resumes.shrink_to_fit();
        for entry in &mut self.summary {
            entry.logs.shrink_to_fit();
        }
    }
}
