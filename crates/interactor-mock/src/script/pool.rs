//! The worker pool and the watchdog that abandons stuck workers.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use super::{ScriptError, ScriptJob, ScriptLimits, ScriptOutput, worker};

/// Native stack a worker thread gets beyond the QuickJS stack limit, for the Rust frames
/// around the interpreter and native built-ins that do not check the limit themselves.
const STACK_HEADROOM: usize = 8 * 1024 * 1024;

/// The outcome of one job as the worker hands it back.
pub(super) type Outcome = Result<ScriptOutput, ScriptError>;

/// Idle workers and the number of live ones, changed together under one lock. A std
/// `Mutex` is right here: it is held for a few instructions and never across a wait on
/// anything but its own condition variable.
struct PoolState {
    idle: Vec<WorkerHandle>,
    live: usize,
}

/// The sending side of one worker's job channel, and whether the worker has a hardened
/// context waiting. Dropping it lets the worker exit once its current job is done.
struct WorkerHandle {
    jobs: Sender<Task>,
    ready: Arc<AtomicBool>,
}

/// Runs jobs on worker threads, each owning a warm QuickJS runtime.
pub(super) struct Pool {
    limits: ScriptLimits,
    state: Mutex<PoolState>,
    worker_ready: Condvar,
    abandoned: Arc<AtomicUsize>,
    spawned: AtomicUsize,
    /// Contexts hardened so far by all workers.
    contexts: Arc<AtomicUsize>,
}

impl Pool {
    pub(super) fn new(limits: ScriptLimits) -> Self {
        Self {
            limits,
            state: Mutex::new(PoolState {
                idle: Vec::new(),
                live: 0,
            }),
            worker_ready: Condvar::new(),
            abandoned: Arc::new(AtomicUsize::new(0)),
            spawned: AtomicUsize::new(0),
            contexts: Arc::new(AtomicUsize::new(0)),
        }
    }

    pub(super) fn limits(&self) -> &ScriptLimits {
        &self.limits
    }

    pub(super) fn abandoned(&self) -> usize {
        self.abandoned.load(Ordering::Acquire)
    }

    /// Hands `job` to a worker and waits for its outcome or for the watchdog's limit.
    pub(super) fn run(&self, job: ScriptJob) -> Outcome {
        let slot = Arc::new(Slot::default());
        let mut task = Task {
            job,
            slot: Arc::clone(&slot),
        };
        // A worker whose thread died still has its handle in the idle list; its channel is
        // closed, so the job comes back and goes to another worker.
        let (worker, sent_at) = loop {
            let worker = self.checkout()?;
            let sent_at = Instant::now();
            match worker.jobs.send(task) {
                Ok(()) => break (worker, sent_at),
                Err(returned) => {
                    tracing::debug!("a script worker is gone; trying another");
                    task = returned.0;
                    self.forget_worker();
                }
            }
        };

        let limit = sent_at + self.limits.timeout + self.limits.grace;
        match slot.wait_until(limit) {
            Some(outcome) => {
                self.checkin(worker);
                outcome
            }
            None => {
                self.abandoned.fetch_add(1, Ordering::AcqRel);
                self.forget_worker();
                tracing::debug!(
                    abandoned = self.abandoned(),
                    "script worker missed its deadline and was abandoned"
                );
                Err(ScriptError::Timeout {
                    logs: slot.take_logs(),
                })
            }
        }
    }

    fn lock(&self) -> MutexGuard<'_, PoolState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// How many workers are alive and not abandoned.
    #[cfg(test)]
    pub(super) fn live_workers(&self) -> usize {
        self.lock().live
    }

    /// How many contexts the workers have hardened so far.
    #[cfg(test)]
    pub(super) fn contexts_hardened(&self) -> usize {
        self.contexts.load(Ordering::Acquire)
    }

    /// An idle worker, a new one, or - when all are busy - the first to become idle. A busy
    /// worker is done or abandoned within the timeout plus the grace period, so waiting
    /// longer than that means something is wrong.
    fn checkout(&self) -> Result<WorkerHandle, ScriptError> {
        let give_up = Instant::now() + self.limits.timeout + self.limits.grace;
        let mut state = self.lock();
        loop {
            if self.abandoned() >= self.limits.max_abandoned.max(1) {
                return Err(ScriptError::Unavailable);
            }
            // A worker still preparing its next context would make the job wait for that, so
            // prefer a ready one, then a new one, then any idle one.
            let ready = state
                .idle
                .iter()
                .rposition(|w| w.ready.load(Ordering::Acquire));
            if let Some(index) = ready {
                return Ok(state.idle.swap_remove(index));
            }
            if state.live < self.limits.max_workers.max(1) {
                state.live += 1;
                drop(state);
                return self.spawn().inspect_err(|_| self.forget_worker());
            }
            if let Some(worker) = state.idle.pop() {
                return Ok(worker);
            }
            let now = Instant::now();
            if now >= give_up {
                return Err(ScriptError::Unavailable);
            }
            state = self
                .worker_ready
                .wait_timeout(state, give_up - now)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    fn checkin(&self, worker: WorkerHandle) {
        self.lock().idle.push(worker);
        self.worker_ready.notify_one();
    }

    /// Frees the place of a worker that is gone or abandoned, so a new one can start.
    fn forget_worker(&self) {
        let mut state = self.lock();
        state.live = state.live.saturating_sub(1);
        drop(state);
        self.worker_ready.notify_one();
    }

    fn spawn(&self) -> Result<WorkerHandle, ScriptError> {
        let (jobs, inbox) = mpsc::channel::<Task>();
        let limits = self.limits.clone();
        let abandoned = Arc::clone(&self.abandoned);
        let n = self.spawned.fetch_add(1, Ordering::Relaxed);
        let ready = Arc::new(AtomicBool::new(false));
        let worker_ready = Arc::clone(&ready);
        let contexts = Arc::clone(&self.contexts);
        thread::Builder::new()
            .name(format!("script-worker-{n}"))
            .stack_size(self.limits.max_stack_bytes.saturating_add(STACK_HEADROOM))
            .spawn(move || {
                let mut worker = worker::Worker::new(limits, worker_ready, contexts);
                while let Ok(task) = inbox.recv() {
                    if !worker.serve(task) {
                        // The caller gave up on this job and a replacement took our place.
                        abandoned.fetch_sub(1, Ordering::AcqRel);
                        break;
                    }
                }
            })
            .map_err(|error| {
                tracing::debug!(%error, "could not start a script worker");
                ScriptError::Unavailable
            })?;
        Ok(WorkerHandle { jobs, ready })
    }
}

/// One job on its way to a worker.
pub(super) struct Task {
    pub(super) job: ScriptJob,
    pub(super) slot: Arc<Slot>,
}

impl Drop for Task {
    fn drop(&mut self) {
        // A worker that dies mid-job drops the task without an outcome.
        self.slot.complete(Err(ScriptError::Unavailable));
    }
}

/// Where a worker leaves the outcome and the log lines of one job.
#[derive(Default)]
pub(super) struct Slot {
    state: Mutex<SlotState>,
    done: Condvar,
}

#[derive(Default)]
struct SlotState {
    outcome: Option<Outcome>,
    finished: bool,
    abandoned: bool,
    logs: Vec<String>,
    log_bytes: usize,
    truncated: bool,
}

impl Slot {
    fn lock(&self) -> MutexGuard<'_, SlotState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Records one log line, dropping it (with one marker line) past `max_bytes`.
    pub(super) fn push_log(&self, line: String, max_bytes: usize) {
        let mut state = self.lock();
        if state.truncated {
            return;
        }
        if state.log_bytes + line.len() > max_bytes {
            state.truncated = true;
            state
                .logs
                .push("[further log lines dropped: log size limit reached]".to_owned());
            return;
        }
        state.log_bytes += line.len();
        state.logs.push(line);
    }

    pub(super) fn take_logs(&self) -> Vec<String> {
        std::mem::take(&mut self.lock().logs)
    }

    /// Stores the outcome unless one is already there. Returns `false` when the caller
    /// abandoned the job.
    pub(super) fn complete(&self, outcome: Outcome) -> bool {
        let mut state = self.lock();
        if state.abandoned {
            return false;
        }
        if !state.finished {
            state.finished = true;
            state.outcome = Some(outcome);
            self.done.notify_one();
        }
        true
    }

    /// Waits for the outcome until `limit`; past it, marks the job abandoned and returns
    /// `None`.
    pub(super) fn wait_until(&self, limit: Instant) -> Option<Outcome> {
        let mut state = self.lock();
        loop {
            if let Some(outcome) = state.outcome.take() {
                return Some(outcome);
            }
            let now = Instant::now();
            if now >= limit {
                state.abandoned = true;
                return None;
            }
            let wait = (limit - now).max(Duration::from_millis(1));
            state = self
                .done
                .wait_timeout(state, wait)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }
}
