//! One worker thread: its engine, the job it runs, and what it does between jobs.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use super::engine::{Engine, Executed, Hardened};
use super::pool::{Slot, Task};
use super::{ScriptError, ScriptLimits};

/// Jobs one hardened context serves before a fresh one replaces it. Hardening costs about
/// as much as a few jobs, so spread over 256 it adds under 2 % to each; a bounded lifetime
/// also bounds whatever state the reset cannot see (the `Math.random` sequence, QuickJS's
/// internal caches and tables, heap fragmentation).
const JOBS_PER_CONTEXT: u32 = 256;

/// Share of the memory limit that garbage left by earlier jobs may take: QuickJS collects
/// once the heap grows past the hardened context's size by more than this, so a job always
/// has the memory limit minus the context minus at most 1/64 of the limit.
const GARBAGE_SHARE: usize = 64;

/// The slot of the job running now, shared with the console sink of the hardened context.
pub(super) type LogTarget = Arc<Mutex<Option<Arc<Slot>>>>;

/// A worker thread's state: its limits, its engine (created on first use and again after
/// any limit violation), and where the console of the current job writes.
pub(super) struct Worker {
    limits: ScriptLimits,
    engine: Option<Engine>,
    log_target: LogTarget,
    ready: Arc<AtomicBool>,
    /// Counts the contexts this worker (and its pool's other workers) hardened.
    contexts: Arc<AtomicUsize>,
}

impl Worker {
    /// A worker that lowers `ready` while it runs a job or cleans up after one, and counts
    /// the contexts it hardens in `contexts`.
    pub(super) fn new(
        limits: ScriptLimits,
        ready: Arc<AtomicBool>,
        contexts: Arc<AtomicUsize>,
    ) -> Self {
        Self {
            limits,
            engine: None,
            log_target: LogTarget::default(),
            ready,
            contexts,
        }
    }

    /// Runs one task and hands its outcome back, then - while no caller waits - resets the
    /// context for the next job or replaces it. Returns `false` when the caller had already
    /// abandoned the job.
    pub(super) fn serve(&mut self, task: Task) -> bool {
        let started = Instant::now();
        self.ready.store(false, Ordering::Release);
        let mut engine = match self.engine.take() {
            Some(engine) => engine,
            None => match Engine::new(&self.limits) {
                Ok(engine) => engine,
                Err(error) => {
                    tracing::debug!(%error, "could not create a QuickJS runtime");
                    self.ready.store(true, Ordering::Release);
                    return task.slot.complete(Err(ScriptError::Unavailable));
                }
            },
        };

        engine.deadline.arm(started, self.limits.timeout);
        let mut hardened = match engine.hardened.take() {
            Some(hardened) => Ok(hardened),
            None => self.harden(&engine),
        };
        set_log_target(&self.log_target, Some(Arc::clone(&task.slot)));
        let Executed {
            outcome,
            runtime_reusable,
            context_reusable,
        } = engine.execute(&mut hardened, &task.job, &task.slot, &self.limits);
        set_log_target(&self.log_target, None);
        if !task.slot.complete(outcome) {
            return false;
        }

        if runtime_reusable {
            let hardened = hardened.ok().filter(|_| context_reusable);
            if self.settle(&mut engine, hardened) {
                self.engine = Some(engine);
            }
        }
        if self.engine.is_none() {
            tracing::debug!("discarding the QuickJS runtime");
        }
        self.ready.store(true, Ordering::Release);
        true
    }

    /// Readies `engine` for the next job: resets the context that served the last one, or
    /// replaces it when it cannot be trusted. Returns `false` when the whole runtime must go
    /// because promise jobs are pending (they hold the old context and would run code no
    /// deadline covers).
    fn settle(&self, engine: &mut Engine, hardened: Option<Hardened>) -> bool {
        let slack = self.limits.memory_bytes / GARBAGE_SHARE;
        let kept = hardened.filter(|h| {
            // Lowered first, so that the allocations of the reset itself make QuickJS collect
            // when the job left the heap above it.
            engine.runtime.set_gc_threshold(h.heap.saturating_add(slack));
            h.jobs < JOBS_PER_CONTEXT && h.reset()
        });
        if kept.is_none() {
            // The old context is gone; collect it before building the next.
            engine.runtime.run_gc();
        }
        if engine.runtime.is_job_pending() {
            return false;
        }
        let next = match kept {
            Some(hardened) => Some(hardened),
            None => match self.harden(engine) {
                Ok(hardened) => Some(hardened),
                Err(error) => {
                    tracing::debug!(%error, "could not harden a script context");
                    None
                }
            },
        };
        if let Some(hardened) = &next {
            // A collection during the reset raised the threshold again.
            engine
                .runtime
                .set_gc_threshold(hardened.heap.saturating_add(slack));
        }
        engine.hardened = next;
        true
    }
}

impl Worker {
    fn harden(&self, engine: &Engine) -> rquickjs::Result<Hardened> {
        self.contexts.fetch_add(1, Ordering::AcqRel);
        engine.harden(&self.limits, &self.log_target)
    }
}

fn set_log_target(target: &LogTarget, slot: Option<Arc<Slot>>) {
    *target.lock().unwrap_or_else(PoisonError::into_inner) = slot;
}
