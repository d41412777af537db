//! A worker's QuickJS runtime, the hardened context it reuses across jobs, and the deadline
//! its interrupt handler reads.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, PoisonError};
use std::time::{Duration, Instant};

use rquickjs::context::EvalOptions;
use rquickjs::context::intrinsic::{
    Date, Eval, Json, MapSet, Promise, RegExp, RegExpCompiler, TypedArrays, WeakRef,
};
use rquickjs::{Context, Ctx, Function, Object, Persistent, Runtime, Value};

use super::outcome::{self, Raw, STACK_OVERFLOW};
use super::pool::{Outcome, Slot};
use super::worker::LogTarget;
use super::{ScriptError, ScriptJob, ScriptLimits};

/// Hardens a fresh context and returns the function that runs a compiled script.
const PRELUDE: &str = include_str!("prelude.js");

/// Freezes the hardened context's built-ins and returns the function that resets its globals.
const LOCKDOWN: &str = include_str!("lockdown.js");

/// The built-ins a script context gets. `Proxy` is left out on purpose (the array-length
/// guard relies on lengths that cannot change behind its back), and so is `Performance`.
type Intrinsics = (
    Date,
    Eval,
    RegExpCompiler,
    RegExp,
    Json,
    MapSet,
    TypedArrays,
    Promise,
    WeakRef,
);

/// Longest pattern a `RegExp` built at run time may have. QuickJS compiles patterns in time
/// quadratic in their alternatives without polling the deadline; this bound keeps one
/// compilation in the tens of milliseconds. It matches the longest `code` the API accepts,
/// which bounds literals.
const MAX_PATTERN_CHARS: f64 = 65_536.0;

/// Globals one job may add before its context is dropped instead of cleaned: deleting them
/// one by one would cost more than hardening a new context.
const MAX_ADDED_GLOBALS: u32 = 1024;

/// A QuickJS runtime with its limits applied, the deadline its interrupt handler reads and
/// the hardened context serving its jobs.
pub(super) struct Engine {
    // Declared first so that it is dropped before the runtime it lives in.
    pub(super) hardened: Option<Hardened>,
    /// A bare context that runs nothing. rquickjs takes the prototype of every native
    /// function it creates (the console sink) from the context of the first one and keeps it
    /// for the runtime's lifetime, and with it that whole context: this one, so that no
    /// context a job ran in is kept alive.
    _anchor: Context,
    pub(super) runtime: Runtime,
    pub(super) deadline: Arc<Deadline>,
}

/// A context on which the prelude and the lockdown ran, with the prelude's `run` function
/// and the lockdown's `reset` function.
pub(super) struct Hardened {
    run: Persistent<Function<'static>>,
    reset: Persistent<Function<'static>>,
    context: Context,
    /// How many jobs this context has served.
    pub(super) jobs: u32,
    /// The runtime's heap size right after hardening, garbage collected.
    pub(super) heap: usize,
}

/// What running one job left behind.
pub(super) struct Executed {
    pub(super) outcome: Outcome,
    /// No limit was hit: the runtime may serve more jobs.
    pub(super) runtime_reusable: bool,
    /// Nothing but the job's function ran: once its globals are reset, the context may serve
    /// the next job.
    pub(super) context_reusable: bool,
}

impl Engine {
    pub(super) fn new(limits: &ScriptLimits) -> rquickjs::Result<Self> {
        let runtime = Runtime::new()?;
        runtime.set_memory_limit(limits.memory_bytes);
        runtime.set_max_stack_size(limits.max_stack_bytes);
        let deadline = Arc::new(Deadline::new());
        let check = Arc::clone(&deadline);
        runtime.set_interrupt_handler(Some(Box::new(move || check.expired())));
        let anchor = Context::base(&runtime)?;
        anchor.with(|ctx| Function::new(ctx, || {}).map(drop))?;
        Ok(Self {
            hardened: None,
            _anchor: anchor,
            runtime,
            deadline,
        })
    }

    /// Creates a context, hardens it with the prelude and locks it down.
    pub(super) fn harden(
        &self,
        limits: &ScriptLimits,
        log_target: &LogTarget,
    ) -> rquickjs::Result<Hardened> {
        let context = Context::custom::<Intrinsics>(&self.runtime)?;
        let (run, reset) = context.with(|ctx| {
            let setup: Function<'_> = ctx.eval_with_options(PRELUDE, source_options("sandbox"))?;
            let target = Arc::clone(log_target);
            let max_log_bytes = limits.max_log_bytes;
            let sink = Function::new(ctx.clone(), move |line: String| {
                let target = target.lock().unwrap_or_else(PoisonError::into_inner);
                if let Some(slot) = target.as_ref() {
                    slot.push_log(line, max_log_bytes);
                }
            })?;
            // Lengths far below 2^53 are exact as f64.
            #[allow(clippy::cast_precision_loss)]
            let max_length = limits.max_array_length as f64;
            let hardened: Object<'_> = setup.call((sink, max_length, MAX_PATTERN_CHARS))?;
            let run: Function<'_> = hardened.get("run")?;
            let hidden: Value<'_> = hardened.get("hidden")?;
            let lockdown: Function<'_> =
                ctx.eval_with_options(LOCKDOWN, source_options("lockdown"))?;
            let reset: Function<'_> = lockdown.call((hidden,))?;
            Ok::<_, rquickjs::Error>((Persistent::save(&ctx, run), Persistent::save(&ctx, reset)))
        })?;
        self.runtime.run_gc();
        let heap = self.heap();
        Ok(Hardened {
            run,
            reset,
            context,
            jobs: 0,
            heap,
        })
    }

    /// Runs `job` in the hardened context (or reports why there is none).
    pub(super) fn execute(
        &self,
        hardened: &mut Result<Hardened, rquickjs::Error>,
        job: &ScriptJob,
        slot: &Slot,
        limits: &ScriptLimits,
    ) -> Executed {
        let (raw, context_reusable) = match hardened {
            Ok(hardened) => {
                hardened.jobs = hardened.jobs.saturating_add(1);
                hardened
                    .context
                    .with(|ctx| evaluate(&ctx, &hardened.run, job))
            }
            Err(error) => {
                tracing::debug!(%error, "could not harden a script context");
                (
                    Raw::Host(std::mem::replace(error, rquickjs::Error::Unknown)),
                    false,
                )
            }
        };
        // Only measured when it matters: computing the memory usage walks the whole heap.
        let near_limit = raw.is_ambiguous() && self.near_memory_limit(limits);
        let fired = self.deadline.disarm();
        let duration = self.deadline.elapsed();

        let timed_out = fired || duration > limits.timeout;
        let outcome = if timed_out {
            Err(ScriptError::Timeout {
                logs: slot.take_logs(),
            })
        } else {
            outcome::classify(raw, slot, duration, near_limit)
        };
        let runtime_reusable = match &outcome {
            Ok(_) | Err(ScriptError::Syntax { .. } | ScriptError::InvalidReturn { .. }) => true,
            Err(ScriptError::Thrown { message, .. }) => !message.contains(STACK_OVERFLOW),
            Err(_) => false,
        };
        Executed {
            outcome,
            runtime_reusable,
            context_reusable,
        }
    }

    /// Bytes the runtime has allocated. Walks the whole heap, so it costs about as much as
    /// a small script.
    pub(super) fn heap(&self) -> usize {
        usize::try_from(self.runtime.memory_usage().malloc_size).unwrap_or(usize::MAX)
    }

    fn near_memory_limit(&self, limits: &ScriptLimits) -> bool {
        self.heap() >= limits.memory_bytes / 10 * 9
    }
}

impl Hardened {
    /// Deletes the globals the last job added and restores the ones it replaced or deleted.
    /// Returns `false` when that is impossible and the context must be dropped.
    pub(super) fn reset(&self) -> bool {
        self.context.with(|ctx| {
            let reset = match self.reset.clone().restore(&ctx) {
                Ok(reset) => reset,
                Err(error) => {
                    tracing::debug!(%error, "could not restore the reset function");
                    return false;
                }
            };
            match reset.call::<_, bool>((MAX_ADDED_GLOBALS,)) {
                Ok(clean) => clean,
                Err(error) => {
                    if let rquickjs::Error::Exception = error {
                        let _ = ctx.catch();
                    }
                    tracing::debug!(%error, "resetting the script globals failed");
                    false
                }
            }
        })
    }
}

fn source_options(filename: &str) -> EvalOptions {
    let mut options = EvalOptions::default();
    options.filename = Some(filename.to_owned());
    options
}

/// Compiles the user code and runs it through the prelude's `run`. Never lets an error
/// out: every failure becomes a [`Raw`]. Also says whether the context is still fit for
/// another job, which it is not once code outside the job's function may have run.
fn evaluate(ctx: &Ctx<'_>, run: &Persistent<Function<'static>>, job: &ScriptJob) -> (Raw, bool) {
    let run = match run.clone().restore(ctx) {
        Ok(run) => run,
        Err(error) => return (Raw::Host(error), false),
    };

    let source = format!(
        "(function (input, workflow_data, context, secrets) {{{}\n}})",
        job.code
    );
    // What the function's own source text must be: all of it but the parentheses.
    let text = &source[1..source.len() - 1];
    let mut options = source_options("script");
    options.strict = false;
    // Evaluating the wrapper runs nothing unless the code closes the function early; then
    // its statements run at the top level, so the context is not reused after an exception
    // here or after a function with another text.
    // Limitation: a plain syntax error costs the context too: from here, a parse failure
    // cannot be told apart from top-level statements that ran and then threw.
    let user: Function<'_> = match ctx.eval_with_options(source.as_str(), options) {
        Ok(user) => user,
        Err(rquickjs::Error::Exception) => {
            let error = ctx.catch();
            let raw = match outcome::describe(&error) {
                Some(message) if !outcome::is_out_of_memory(&error) => Raw::Compile(message),
                _ => outcome::escaped_value(error),
            };
            return (raw, false);
        }
        Err(rquickjs::Error::InvalidString(_)) => {
            return (
                Raw::Compile("the code contains a NUL character".to_owned()),
                true,
            );
        }
        Err(rquickjs::Error::FromJs { .. }) => return (not_one_function(), false),
        Err(error) => return (Raw::Host(error), false),
    };

    // Milliseconds since 1970 are exact as f64 for the next 280,000 years.
    #[allow(clippy::cast_precision_loss)]
    let now_ms = job.now.timestamp_millis() as f64;
    let secrets = serde_json::Value::Object(job.secrets.clone());
    let args = (
        now_ms,
        user,
        text,
        job.input.to_string(),
        job.workflow_data.to_string(),
        job.context.to_string(),
        secrets.to_string(),
    );
    match run.call::<_, String>(args) {
        Ok(tagged) if tagged == "S" => (not_one_function(), false),
        Ok(tagged) => (Raw::Tagged(tagged), true),
        Err(error) => (outcome::escaped(ctx, error), true),
    }
}

fn not_one_function() -> Raw {
    Raw::Compile("the code is not a single function body".to_owned())
}

/// The current job's deadline, read by the runtime's interrupt handler.
pub(super) struct Deadline {
    origin: Instant,
    /// When the current job started, in nanoseconds after `origin`.
    started: AtomicU64,
    /// Nanoseconds after `origin`; `u64::MAX` while no job runs.
    at: AtomicU64,
    fired: AtomicBool,
}

impl Deadline {
    fn new() -> Self {
        Self {
            origin: Instant::now(),
            started: AtomicU64::new(0),
            at: AtomicU64::new(u64::MAX),
            fired: AtomicBool::new(false),
        }
    }

    fn nanos(&self, instant: Instant) -> u64 {
        u64::try_from(instant.saturating_duration_since(self.origin).as_nanos()).unwrap_or(u64::MAX)
    }

    /// Starts the clock of a job that started at `started` and may run for `timeout`.
    pub(super) fn arm(&self, started: Instant, timeout: Duration) {
        self.fired.store(false, Ordering::Relaxed);
        self.started.store(self.nanos(started), Ordering::Relaxed);
        self.at
            .store(self.nanos(started + timeout), Ordering::Relaxed);
    }

    /// Stops the clock; returns whether the deadline interrupted the job.
    fn disarm(&self) -> bool {
        self.at.store(u64::MAX, Ordering::Relaxed);
        self.fired.swap(false, Ordering::Relaxed)
    }

    /// Time since the current job started.
    fn elapsed(&self) -> Duration {
        let now = self.nanos(Instant::now());
        Duration::from_nanos(now.saturating_sub(self.started.load(Ordering::Relaxed)))
    }

    fn expired(&self) -> bool {
        let at = self.at.load(Ordering::Relaxed);
        if at != u64::MAX && self.nanos(Instant::now()) >= at {
            self.fired.store(true, Ordering::Relaxed);
            return true;
        }
        false
    }
}
