//! Execution: entering states, running logic, choosing transitions, forking and joining
//! threads, halting, failing, and the history all of it writes.

use std::time::Duration;

use chrono::{DateTime, Utc};
use interactor_client::model::{
    Changes, ErrorCode, EventError, HistoryEntry, HistoryEvent, HistoryEventType, Logic, State,
    StateKind, ThreadStatus, Transition, TransitionMode, Trigger, ValueChange, WebhookEventType,
};
use serde_json::{Map, Value};

use super::records::{InstanceRecord, MAIN_THREAD, ThreadRecord};
use super::stored::StoredEvent;
use super::stored::blank_event;
use super::{
    CallContext, EngineError, EngineEvent, Inner, MAX_AUTOMATIC_STEPS, MAX_LIVE_THREADS,
    MAX_WORKFLOW_DATA_BYTES, condition, halt, http, read,
};
use crate::script::ScriptJob;
use crate::template::TemplateScope;

/// Why automatic execution stopped short: the instance fails with this.
struct Failure {
    code: ErrorCode,
    message: String,
    thread: String,
    state: String,
}

type Step<T = ()> = Result<T, Failure>;

/// One operation's execution over one instance.
struct Run<'a> {
    inner: &'a Inner,
    rec: &'a mut InstanceRecord,
    input: &'a Map<String, Value>,
    ctx: &'a CallContext,
    steps: usize,
    /// What a script that failed had logged, for the error event.
    failed_logs: Vec<String>,
}

/// Runs a new instance from its initial state.
pub(super) fn start(
    inner: &Inner,
    rec: &mut InstanceRecord,
    input: &Map<String, Value>,
    ctx: &CallContext,
) -> Result<(), EngineError> {
    let initial = rec.definition.initial_state.clone();
    let mut run = Run::new(inner, rec, input, ctx);

    let mut created = run.event(HistoryEventType::Lifecycle, "created", MAIN_THREAD);
    created.initial_state = Some(initial.clone());
    created.input = Some(Value::Object(input.clone()));
    run.record(created);
    // Most instances never fork.
    run.rec.threads.reserve_exact(1);
    run.rec.threads.push(ThreadRecord {
        id: MAIN_THREAD.to_owned(),
        status: ThreadStatus::Running,
        state: initial.clone(),
        parent: None,
        halt: None,
        entry: 0,
    });
    run.notify(WebhookEventType::InstanceCreated);

    let outcome = run.enter(0, &initial, true).and_then(|()| run.drive());
    run.finish(outcome)
}

/// Resumes the halted thread `thread_id` with `input`.
///
/// Errors caused by the input (`invalid_input`, `invalid_transition`) are returned before
/// anything changes.
pub(super) fn resume(
    inner: &Inner,
    rec: &mut InstanceRecord,
    thread_id: &str,
    input: &Map<String, Value>,
    ctx: &CallContext,
) -> Result<(), EngineError> {
    let index = rec.thread_index(thread_id).ok_or_else(|| {
        EngineError::new(
            ErrorCode::ThreadNotFound,
            format!("Thread '{thread_id}' not found"),
        )
    })?;
    let state_name = rec.threads[index].state.clone();
    let definition = std::sync::Arc::clone(&rec.definition);
    let state = definition
        .states
        .get(&state_name)
        .ok_or_else(|| missing_state(&state_name))?;

    // Work out the move on a copy; nothing is committed unless the input is acceptable.
    let mut data = rec.data().clone();
    let target = choose_resume_target(state, &state_name, input, &mut data)?;

    let now = inner.clock.now();
    let before = rec.data().clone();
    rec.begin_change(Some(thread_id));
    let mut run = Run::new(inner, rec, input, ctx);

    let mut resumed = run.event(HistoryEventType::Lifecycle, "resumed", thread_id);
    resumed.state = Some(state_name.clone());
    resumed.input = Some(Value::Object(input.clone()));
    run.record(resumed);
    run.rec.set_data(data);

    let thread = &mut run.rec.threads[index];
    thread.status = ThreadStatus::Running;
    thread.halt = None;
    let entry = &mut run.rec.summary[thread.entry];
    entry.input_received = Some(Value::Object(input.clone()));
    entry.resumed_at = Some(now);
    entry.resumed_by.clone_from(&ctx.actor);
    run.rec.status = interactor_client::model::InstanceStatus::Running;
    run.notify(WebhookEventType::InstanceResumed);

    run.exit(index, &target, Trigger::Resume, &before, None, Vec::new());
    let outcome = run.enter(index, &target, true).and_then(|()| run.drive());
    run.finish(outcome)
}

/// Ends every live thread and the instance, as the cancel endpoint or a TTL does.
pub(super) fn cancel(inner: &Inner, rec: &mut InstanceRecord, reason: &str, ctx: &CallContext) {
    rec.begin_change(None);
    let input = Map::new();
    let mut run = Run::new(inner, rec, &input, ctx);
    let now = run.now();
    for thread in run.rec.threads.iter_mut().filter(|t| t.is_live()) {
        thread.status = ThreadStatus::Cancelled;
        thread.halt = None;
    }
    run.rec.status = interactor_client::model::InstanceStatus::Cancelled;
    run.rec.cancelled_at = Some(now);
    run.rec.updated_at = now;

    let mut event = run.event(HistoryEventType::Lifecycle, "cancelled", MAIN_THREAD);
    event.state = run.rec.current_state();
    run.record(event);
    tracing::debug!(instance_id = %run.rec.id, reason, "instance cancelled");
    run.notify(WebhookEventType::InstanceCancelled);
    run.rec.compact();
}

/// The state a resume moves to, with `data` updated by the input.
fn choose_resume_target(
    state: &State,
    state_name: &str,
    input: &Map<String, Value>,
    data: &mut Map<String, Value>,
) -> Result<String, EngineError> {
    if state.transition_mode == Some(TransitionMode::Selection) {
        let choices = || -> Vec<&str> {
            state
                .transitions
                .iter()
                .filter_map(|t| match t {
                    Transition::Choice { key, .. } => Some(key.as_str()),
                    _ => None,
                })
                .collect()
        };
        let choice = match input.get("choice") {
            Some(Value::String(choice)) => choice,
            _ => {
                return Err(EngineError::new(
                    ErrorCode::InvalidInput,
                    "This state takes a selection: resume with {\"choice\": KEY}",
                )
                .with_details(serde_json::json!({
                    "fields": { "choice": "is required and must be one of the choice keys" },
                    "choices": choices(),
                })));
            }
        };
        let Some(target) = state.transitions.iter().find_map(|t| match t {
            Transition::Choice { key, to, .. } if key == choice => Some(to.clone()),
            _ => None,
        }) else {
            return Err(EngineError::new(
                ErrorCode::InvalidTransition,
                format!("'{choice}' is not a choice of state '{state_name}'"),
            )
            .with_details(serde_json::json!({ "choice": choice, "choices": choices() })));
        };
        merge(data, input);
        return Ok(target);
    }

    if let Some(interactor_client::model::Presentation::Form(form)) = &state.presentation {
        halt::validate_form(&form.fields, input)?;
    }
    merge(data, input);
    state
        .transitions
        .iter()
        .find(|t| condition::holds(t.condition(), data))
        .map(|t| t.target().to_owned())
        .ok_or_else(|| {
            EngineError::new(
                ErrorCode::InvalidTransition,
                format!("The input matches no transition of state '{state_name}'"),
            )
            .with_details(serde_json::json!({ "state": state_name }))
        })
}

/// Shallow merge: each top-level key of `input` replaces the same key of `data`.
fn merge(data: &mut Map<String, Value>, input: &Map<String, Value>) {
    for (key, value) in input {
        data.insert(key.clone(), value.clone());
    }
}

fn missing_state(name: &str) -> EngineError {
    EngineError::new(
        ErrorCode::InternalError,
        format!("State '{name}' is not in the definition"),
    )
}

impl<'a> Run<'a> {
    fn new(
        inner: &'a Inner,
        rec: &'a mut InstanceRecord,
        input: &'a Map<String, Value>,
        ctx: &'a CallContext,
    ) -> Self {
        Self {
            inner,
            rec,
            input,
            ctx,
            steps: 0,
            failed_logs: Vec::new(),
        }
    }

    fn now(&self) -> DateTime<Utc> {
        self.inner.clock.now()
    }

    /// A blank event of `kind` stamped now.
    fn event(&self, kind: HistoryEventType, subtype: &str, thread: &str) -> HistoryEvent {
        let now = self.now();
        let mut event = blank_event(self.inner.event_ids.next(now), kind, now);
        event.subtype = Some(subtype.to_owned());
        event.thread = Some(thread.to_owned());
        event
    }

    fn record(&mut self, event: HistoryEvent) {
        let data = self.rec.snapshot();
        self.rec.updated_at = event.timestamp;
        let stored = StoredEvent::pack(event, data, &self.inner.names);
        self.rec.events.push(stored);
    }

    fn notify(&mut self, kind: WebhookEventType) {
        let counter = match kind {
            WebhookEventType::InstanceCreated => Some(&self.inner.metrics.created),
            WebhookEventType::InstanceCompleted => Some(&self.inner.metrics.completed),
            WebhookEventType::InstanceFailed => Some(&self.inner.metrics.failed),
            _ => None,
        };
        if let Some(counter) = counter {
            counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        let wanted = super::read(&self.inner.sink)
            .as_ref()
            .is_some_and(|sink| sink.wants(&kind, &self.rec.namespace));
        if !wanted {
            return;
        }
        // The instance as it stands at this event, so that each delivery tells its own
        // moment (a resume that halts again sends `resumed` before `halted`).
        let instance = self.rec.view();
        let failed = kind == WebhookEventType::InstanceFailed;
        let error = if failed {
            self.rec.failure.clone()
        } else {
            None
        };
        self.rec.pending_events.push(EngineEvent {
            kind,
            instance,
            error,
        });
    }

    fn state(&self, name: &str) -> Step<State> {
        self.rec
            .definition
            .states
            .get(name)
            .cloned()
            .ok_or_else(|| Failure {
                code: ErrorCode::InternalError,
                message: format!("State '{name}' is not in the definition"),
                thread: MAIN_THREAD.to_owned(),
                state: name.to_owned(),
            })
    }

    /// Moves thread `index` into `name`: records the summary entry, runs `on_enter`, and
    /// leaves the thread running (action), halted (halting) or ended (terminal or a join
    /// reached by a child).
    fn enter(&mut self, index: usize, name: &str, obey_join: bool) -> Step {
        let state = self.state(name)?;
        let now = self.now();
        let thread_id = self.rec.threads[index].id.clone();

        self.rec.summary.push(HistoryEntry {
            state: name.to_owned(),
            entered_at: now,
            exited_at: None,
            transition: None,
            duration_ms: None,
            logs: Vec::new(),
            input_received: None,
            resumed_at: None,
            resumed_by: None,
            thread: Some(thread_id),
        });
        let thread = &mut self.rec.threads[index];
        thread.state = name.to_owned();
        thread.entry = self.rec.summary.len() - 1;

        if state.join && obey_join && thread.parent.is_some() {
            thread.status = ThreadStatus::Completed;
            self.close_entry(index, None, None);
            return self.settle_children(index);
        }

        if let Some(on_enter) = &state.on_enter {
            self.run_logic(index, name, on_enter, "on_enter")?;
        }

        match state.kind {
            StateKind::Action => {
                self.rec.threads[index].status = ThreadStatus::Running;
                Ok(())
            }
            StateKind::Halting => {
                self.halt(index, name, &state);
                Ok(())
            }
            _ => {
                self.rec.threads[index].status = ThreadStatus::Completed;
                self.close_entry(index, None, None);
                self.settle_children(index)
            }
        }
    }

    fn halt(&mut self, index: usize, name: &str, state: &State) {
        let view = {
            let secrets = read(&self.inner.secrets);
            let context = self.context(name);
            let data = Value::Object(self.rec.data().clone());
            let input = Value::Object(self.input.clone());
            let scope = TemplateScope::new(&data, &input, &secrets, &context);
            let replies = read(&self.inner.ai_replies);
            let canned = replies.get(&(self.rec.workflow_name.clone(), name.to_owned()));
            halt::view(state, &scope, &data, canned.map(String::as_str))
        };
        let thread = &mut self.rec.threads[index];
        thread.status = ThreadStatus::Halted;
        thread.halt = Some(Box::new(view));
        let thread_id = thread.id.clone();

        let mut event = self.event(HistoryEventType::Halt, "halted", &thread_id);
        event.state = Some(name.to_owned());
        self.record(event);
    }

    /// Runs every running thread until none is left running.
    fn drive(&mut self) -> Step {
        while let Some(index) = self
            .rec
            .threads
            .iter()
            .position(|t| t.status == ThreadStatus::Running)
        {
            self.steps += 1;
            if self.steps > MAX_AUTOMATIC_STEPS {
                let thread = &self.rec.threads[index];
                return Err(Failure {
                    code: ErrorCode::InvalidTransition,
                    message: format!(
                        "More than {MAX_AUTOMATIC_STEPS} automatic steps without halting: \
                         the workflow loops"
                    ),
                    thread: thread.id.clone(),
                    state: thread.state.clone(),
                });
            }
            self.step(index)?;
        }
        Ok(())
    }

    /// One action step of thread `index`: logic, then its transition(s).
    fn step(&mut self, index: usize) -> Step {
        let name = self.rec.threads[index].state.clone();
        let state = self.state(&name)?;
        let before = self.rec.data().clone();

        let mut logs = Vec::new();
        let mut duration = None;
        if let Some(logic) = &state.logic {
            let ran = self.run_logic(index, &name, logic, "logic")?;
            logs = ran.logs;
            duration = Some(ran.duration);
        }

        let matching: Vec<String> = state
            .transitions
            .iter()
            .filter(|t| condition::holds(t.condition(), self.rec.data()))
            .map(|t| t.target().to_owned())
            .collect();
        let thread_id = self.rec.threads[index].id.clone();
        let no_match = || Failure {
            code: ErrorCode::InvalidTransition,
            message: format!("No transition of action state '{name}' matches"),
            thread: thread_id.clone(),
            state: name.clone(),
        };

        if state.transition_mode == Some(TransitionMode::Parallel) {
            if matching.is_empty() {
                return Err(no_match());
            }
            return self.fork(index, &name, &before, matching, duration, logs);
        }
        let target = matching.into_iter().next().ok_or_else(no_match)?;
        self.exit(index, &target, Trigger::Automatic, &before, duration, logs);
        self.enter(index, &target, true)
    }

    /// Closes thread `index`'s entry for its current state and records the transition.
    fn exit(
        &mut self,
        index: usize,
        target: &str,
        trigger: Trigger,
        before: &Map<String, Value>,
        duration: Option<Duration>,
        logs: Vec<String>,
    ) {
        let from = self.rec.threads[index].state.clone();
        let thread_id = self.rec.threads[index].id.clone();
        self.close_entry(index, Some(target), duration);
        self.rec.summary[self.rec.threads[index].entry].logs = logs;

        let mut event = self.event(HistoryEventType::Transition, "state_change", &thread_id);
        event.from_state = Some(from);
        event.to_state = Some(target.to_owned());
        event.trigger = Some(trigger);
        event.changes = Some(diff(before, self.rec.data()));
        self.record(event);
    }

    fn close_entry(&mut self, index: usize, transition: Option<&str>, duration: Option<Duration>) {
        let now = self.now();
        let entry = &mut self.rec.summary[self.rec.threads[index].entry];
        let in_state = (now - entry.entered_at).to_std().unwrap_or_default();
        self.inner.metrics.state_duration.observe(in_state);
        entry.exited_at = Some(now);
        entry.transition = transition.map(str::to_owned);
        entry.duration_ms = duration.map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
    }

    /// Starts a child thread at each target; the forking thread waits for them.
    fn fork(
        &mut self,
        index: usize,
        name: &str,
        before: &Map<String, Value>,
        targets: Vec<String>,
        duration: Option<Duration>,
        logs: Vec<String>,
    ) -> Step {
        let live = self.rec.threads.iter().filter(|t| t.is_live()).count();
        let parent_id = self.rec.threads[index].id.clone();
        if live + targets.len() > MAX_LIVE_THREADS {
            return Err(Failure {
                code: ErrorCode::InvalidTransition,
                message: format!(
                    "Forking {} threads would exceed {MAX_LIVE_THREADS} live threads",
                    targets.len()
                ),
                thread: parent_id,
                state: name.to_owned(),
            });
        }

        self.close_entry(index, Some(&targets.join(",")), duration);
        self.rec.summary[self.rec.threads[index].entry].logs = logs;
        self.rec.threads[index].status = ThreadStatus::Waiting;

        let mut children = Vec::with_capacity(targets.len());
        for target in &targets {
            let child_id = format!("thread_{}", self.rec.next_thread);
            self.rec.next_thread += 1;
            self.rec.threads.push(ThreadRecord {
                id: child_id.clone(),
                status: ThreadStatus::Running,
                state: name.to_owned(),
                parent: Some(parent_id.clone()),
                halt: None,
                entry: self.rec.threads[index].entry,
            });

            let mut event = self.event(HistoryEventType::Transition, "fork", &child_id);
            event.from_state = Some(name.to_owned());
            event.to_state = Some(target.clone());
            event.trigger = Some(Trigger::Automatic);
            event.changes = Some(diff(before, self.rec.data()));
            self.record(event);
            children.push(self.rec.threads.len() - 1);
        }
        for (child, target) in children.into_iter().zip(&targets) {
            self.enter(child, target, true)?;
        }
        Ok(())
    }

    /// After thread `index` ended: when all its siblings have ended too, the parent goes
    /// on from the join state they met at (or ends, when none reached a join).
    fn settle_children(&mut self, index: usize) -> Step {
        let Some(parent_id) = self.rec.threads[index].parent.clone() else {
            return Ok(());
        };
        let siblings: Vec<&ThreadRecord> = self
            .rec
            .threads
            .iter()
            .filter(|t| t.parent.as_deref() == Some(&parent_id))
            .collect();
        if siblings.iter().any(|t| t.is_live()) {
            return Ok(());
        }
        let join = siblings
            .iter()
            .map(|t| t.state.clone())
            .find(|s| self.rec.definition.states.get(s).is_some_and(|st| st.join));
        let Some(parent) = self.rec.thread_index(&parent_id) else {
            return Ok(());
        };

        match join {
            Some(join) => {
                let before = self.rec.data().clone();
                let mut event = self.event(HistoryEventType::Transition, "join", &parent_id);
                event.from_state = Some(self.rec.threads[parent].state.clone());
                event.to_state = Some(join.clone());
                event.trigger = Some(Trigger::Automatic);
                event.changes = Some(diff(&before, self.rec.data()));
                self.record(event);
                self.rec.threads[parent].status = ThreadStatus::Running;
                self.enter(parent, &join, false)
            }
            None => {
                self.rec.threads[parent].status = ThreadStatus::Completed;
                self.settle_children(parent)
            }
        }
    }

    fn context(&self, state_name: &str) -> Value {
        serde_json::json!({
            "namespace": self.rec.namespace,
            "instance_id": self.rec.id,
            "workflow_name": self.rec.workflow_name,
            "state_name": state_name,
        })
    }

    /// Runs script or HTTP logic for thread `index` in state `name` and applies its result
    /// to `workflow_data`.
    fn run_logic(&mut self, index: usize, name: &str, logic: &Logic, phase: &str) -> Step<Ran> {
        let thread_id = self.rec.threads[index].id.clone();
        let fail = |code: ErrorCode, message: String| Failure {
            code,
            message,
            thread: thread_id.clone(),
            state: name.to_owned(),
        };

        let ran = match logic {
            Logic::Script(script) => self
                .run_script(name, &script.code)
                .map_err(|(c, m)| fail(c, m))?,
            Logic::Http(request) => self.run_http(name, request).map_err(|(c, m)| fail(c, m))?,
        };
        let histogram = match logic {
            Logic::Script(_) => &self.inner.metrics.script_duration,
            Logic::Http(_) => &self.inner.metrics.http_duration,
        };
        histogram.observe(ran.duration);

        if let Some(data) = ran.data.clone() {
            let size = serde_json::to_vec(&data).map_or(usize::MAX, |v| v.len());
            if size > MAX_WORKFLOW_DATA_BYTES {
                return Err(fail(
                    ErrorCode::ScriptError,
                    format!(
                        "workflow_data would be {size} bytes, over the limit of \
                         {MAX_WORKFLOW_DATA_BYTES}"
                    ),
                ));
            }
            self.rec.set_data(data);
        }

        let mut event = self.event(HistoryEventType::Step, phase, &thread_id);
        event.state = Some(name.to_owned());
        event.logic = Some(ran.kind.to_owned());
        event.duration_ms = Some(u64::try_from(ran.duration.as_millis()).unwrap_or(u64::MAX));
        event.logs.clone_from(&ran.logs);
        event.http_status = ran.http_status;
        self.record(event);
        Ok(ran)
    }

    fn run_script(&mut self, name: &str, code: &str) -> Result<Ran, (ErrorCode, String)> {
        let job = ScriptJob {
            code: code.to_owned(),
            input: Value::Object(self.input.clone()),
            workflow_data: Value::Object(self.rec.data().clone()),
            context: self.context(name),
            secrets: read(&self.inner.secrets).clone(),
            now: self.now(),
        };
        let output = self.inner.scripts.run(job).map_err(|err| {
            self.failed_logs = err.logs().to_vec();
            let code = if err.code() == "script_timeout" {
                ErrorCode::ScriptTimeout
            } else {
                ErrorCode::ScriptError
            };
            (code, err.to_string())
        })?;
        let data = match output.value {
            Value::Object(map) => Some(map),
            Value::Null => None,
            other => {
                return Err((
                    ErrorCode::ScriptError,
                    format!(
                        "A script must return an object (or nothing); it returned {}",
                        super::json_type(&other)
                    ),
                ));
            }
        };
        Ok(Ran {
            kind: "script",
            data,
            logs: output.logs,
            duration: output.duration,
            http_status: None,
        })
    }

    fn run_http(
        &self,
        name: &str,
        request: &interactor_client::model::HttpLogic,
    ) -> Result<Ran, (ErrorCode, String)> {
        let secrets = read(&self.inner.secrets).clone();
        let context = self.context(name);
        let data = Value::Object(self.rec.data().clone());
        let input = Value::Object(self.input.clone());
        let scope = TemplateScope::new(&data, &input, &secrets, &context);
        let outcome = self
            .inner
            .http
            .execute(request, &scope, self.ctx, &self.rec.id);
        let response = outcome.map_err(|failure| match failure {
            http::HttpFailure::Timeout(message) => (ErrorCode::HttpTimeout, message),
            http::HttpFailure::Error(message) => (ErrorCode::HttpError, message),
        })?;

        let data = request.result_key.as_ref().map(|key| {
            let mut data = self.rec.data().clone();
            data.insert(key.clone(), response.body.clone());
            data
        });
        Ok(Ran {
            kind: "http",
            data,
            logs: Vec::new(),
            duration: response.duration,
            http_status: Some(response.status),
        })
    }

    /// Commits the run: derives the status, records a failure or completion, and fills in
    /// the instance of each pending webhook event.
    fn finish(mut self, outcome: Step) -> Result<(), EngineError> {
        let result = match outcome {
            Ok(()) => {
                self.rec.status = self.rec.derive_status();
                Ok(())
            }
            Err(failure) => Err(self.fail(failure)),
        };

        let now = self.now();
        self.rec.updated_at = now;
        match self.rec.status {
            interactor_client::model::InstanceStatus::Completed => {
                self.rec.completed_at = Some(now);
                let mut event = self.event(HistoryEventType::Lifecycle, "completed", MAIN_THREAD);
                event.state = self.rec.current_state();
                self.record(event);
                self.notify(WebhookEventType::InstanceCompleted);
            }
            interactor_client::model::InstanceStatus::Halted => {
                self.notify(WebhookEventType::InstanceHalted);
            }
            _ => {}
        }
        if self.rec.status.is_finished() {
            self.rec.compact();
        }
        result
    }

    fn fail(&mut self, failure: Failure) -> EngineError {
        let Failure {
            code,
            message,
            thread,
            state,
        } = failure;
        tracing::debug!(code = code.as_str(), %state, %thread, "instance failed: {message}");

        for t in self.rec.threads.iter_mut().filter(|t| t.is_live()) {
            t.status = if t.id == thread {
                ThreadStatus::Failed
            } else {
                ThreadStatus::Cancelled
            };
            t.halt = None;
        }
        self.rec.status = interactor_client::model::InstanceStatus::Failed;
        self.rec.error = Some(format!("{}: {message}", code.as_str()));
        self.rec.failure = Some(EventError {
            code: code.as_str().to_owned(),
            message: message.clone(),
        });

        let mut error = self.event(HistoryEventType::Error, code.as_str(), &thread);
        error.state = Some(state.clone());
        error.logs = std::mem::take(&mut self.failed_logs);
        error.error = Some(EventError {
            code: code.as_str().to_owned(),
            message: message.clone(),
        });
        self.record(error);
        let mut failed = self.event(HistoryEventType::Lifecycle, "failed", &thread);
        failed.state = Some(state.clone());
        self.record(failed);
        self.notify(WebhookEventType::InstanceFailed);

        EngineError::failure(code, message, &self.rec.id, &state)
    }
}

/// What a logic block did.
struct Ran {
    kind: &'static str,
    /// The new `workflow_data`, when the logic replaces it.
    data: Option<Map<String, Value>>,
    logs: Vec<String>,
    duration: Duration,
    http_status: Option<u16>,
}

/// The top-level differences between two versions of `workflow_data`.
fn diff(before: &Map<String, Value>, after: &Map<String, Value>) -> Changes {
    let mut changes = Changes::default();
    for (key, new) in after {
        match before.get(key) {
            None => {
                changes.added.insert(key.clone(), new.clone());
            }
            Some(old) if old != new => {
                changes.updated.insert(
                    key.clone(),
                    ValueChange {
                        from: old.clone(),
                        to: new.clone(),
                    },
                );
            }
            Some(_) => {}
        }
    }
    for (key, old) in before {
        if !after.contains_key(key) {
            changes.removed.insert(key.clone(), old.clone());
        }
    }
    changes
}
