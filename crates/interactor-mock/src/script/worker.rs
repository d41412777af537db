//! One worker thread: its engine, the job it runs, and what it does between jobs.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use super::engine::{Engine, Executed, Hardened};
use super::pool::{Slot, Task};
use super::{ScriptError, ScriptLimits};

/// Jobs one hardened context serves before a fresh one replaces it. Hardening takes about
/// 4 ms, the time of some fifty small steps; spread over 256 jobs it adds about 16 µs of
/// worker time to each, spent after answering. A bounded lifetime also bounds whatever state
/// the reset cannot see (QuickJS's internal caches and tables, heap fragmentation).
// Limitation: `Math.random` continues one sequence through these jobs; QuickJS offers no
// way to reseed it per job.
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

        // Dropped right away unless it may serve again, so that a discarded runtime is freed
        // before its replacement is built.
        let hardened = hardened
            .ok()
            .filter(|_| runtime_reusable && context_reusable);
        if runtime_reusable && self.settle(&mut engine, hardened) {
            self.engine = Some(engine);
        } else {
            // The next job should not wait for a runtime and a context either.
            tracing::debug!("replacing the QuickJS runtime");
            drop(engine);
            self.engine = self.fresh_engine();
        }
        self.ready.store(true, Ordering::Release);
        true
    }

    /// A new runtime with a hardened context, or `None` when either cannot be created (the
    /// next job then tries again and reports why).
    fn fresh_engine(&self) -> Option<Engine> {
        let mut engine = Engine::new(&self.limits)
            .inspect_err(|error| tracing::debug!(%error, "could not create a QuickJS runtime"))
            .ok()?;
        engine.hardened = self
            .harden(&engine)
            .inspect_err(|error| tracing::debug!(%error, "could not harden a script context"))
            .ok();
        Some(engine)
    }

    /// Readies `engine` for the next job: resets the context that served the last one, or
    /// replaces it when it cannot be trusted or has served its share of jobs. Returns `false`
    /// when the whole runtime must go because promise jobs are pending (they hold the old
    /// context and would run code no deadline covers).
    fn settle(&self, engine: &mut Engine, hardened: Option<Hardened>) -> bool {
        let slack = self.limits.memory_bytes / GARBAGE_SHARE;
        let kept = hardened.filter(|h| {
            let bound = h.heap.saturating_add(slack);
            // Lowered first, so that the allocations of the reset itself make QuickJS collect
            // when the job left more garbage than the slack.
            engine.runtime.set_gc_threshold(bound);
            h.jobs < JOBS_PER_CONTEXT && h.reset() && !retains_memory(engine, bound)
        });
        if kept.is_none() {
            // Collect the old context before building the next.
            engine.runtime.run_gc();
        }
        if engine.runtime.is_job_pending() {
            return false;
        }
        engine.hardened = match kept {
            Some(hardened) => {
                // A collection raises the threshold to half again the heap it leaves.
                engine
                    .runtime
                    .set_gc_threshold(hardened.heap.saturating_add(slack));
                Some(hardened)
            }
            None => self
                .harden(engine)
                .inspect_err(|error| tracing::debug!(%error, "could not harden a script context"))
                .ok(),
        };
        true
    }

    /// Hardens a new context in `engine` and sets the collection threshold for its jobs.
    fn harden(&self, engine: &Engine) -> rquickjs::Result<Hardened> {
        self.contexts.fetch_add(1, Ordering::AcqRel);
        let hardened = engine.harden(&self.limits, &self.log_target)?;
        let slack = self.limits.memory_bytes / GARBAGE_SHARE;
        engine
            .runtime
            .set_gc_threshold(hardened.heap.saturating_add(slack));
        Ok(hardened)
    }
}

/// Whether the heap stays above `bound` even once collected: a job kept memory alive where
/// the reset cannot see it (a private field stamped on a built-in, for one), and the next
/// job would have less than its limit.
fn retains_memory(engine: &Engine, bound: usize) -> bool {
    if engine.heap() <= bound {
        return false;
    }
    engine.runtime.run_gc();
    let retained = engine.heap() > bound;
    if retained {
        tracing::debug!("a script left memory the reset cannot free; replacing its context");
    }
    retained
}

fn set_log_target(target: &LogTarget, slot: Option<Arc<Slot>>) {
    *target.lock().unwrap_or_else(PoisonError::into_inner) = slot;
}
