//! One worker thread's QuickJS runtime and the execution of a job in a fresh context.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use rquickjs::context::EvalOptions;
use rquickjs::context::intrinsic::{
    Date, Eval, Json, MapSet, Promise, RegExp, RegExpCompiler, TypedArrays, WeakRef,
};
use rquickjs::{Context, Ctx, Function, Persistent, Runtime, Value};

use super::pool::{Outcome, Slot, Task};
use super::{ScriptError, ScriptJob, ScriptLimits, ScriptOutput};

/// Hardens a fresh context and returns the function that runs the compiled script.
const PRELUDE: &str = include_str!("prelude.js");

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

/// The message QuickJS gives the exception it throws when an allocation fails.
const OUT_OF_MEMORY: &str = "out of memory";

/// The message QuickJS gives the exception it throws past the stack limit.
const STACK_OVERFLOW: &str = "Maximum call stack size exceeded";

/// A worker thread's state: its limits, its runtime (created on first use and again after
/// any limit violation), and where the console of the current job writes.
pub(super) struct Worker {
    limits: ScriptLimits,
    engine: Option<Engine>,
    log_target: LogTarget,
    ready: Arc<AtomicBool>,
}

/// The slot of the job running now, shared with the console sink of prepared contexts.
type LogTarget = Arc<Mutex<Option<Arc<Slot>>>>;

impl Worker {
    /// A worker that lowers `ready` while it runs a job or prepares the next context.
    pub(super) fn new(limits: ScriptLimits, ready: Arc<AtomicBool>) -> Self {
        Self {
            limits,
            engine: None,
            log_target: LogTarget::default(),
            ready,
        }
    }

    /// Runs one task and hands its outcome back, then prepares the context of the next job
    /// while no caller waits. Returns `false` when the caller had already abandoned the job.
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
        let prepared = match engine.prepared.take() {
            Some(prepared) => Ok(prepared),
            None => engine.prepare(&self.limits, &self.log_target),
        };
        set_log_target(&self.log_target, Some(Arc::clone(&task.slot)));
        let (outcome, healthy) = engine.execute(prepared, &task.job, &task.slot, &self.limits);
        set_log_target(&self.log_target, None);
        let delivered = task.slot.complete(outcome);
        if !delivered {
            return false;
        }

        engine.runtime.run_gc();
        if healthy && !engine.runtime.is_job_pending() {
            match engine.prepare(&self.limits, &self.log_target) {
                Ok(prepared) => engine.prepared = Some(prepared),
                Err(error) => tracing::debug!(%error, "could not prepare a script context"),
            }
            self.engine = Some(engine);
        } else {
            tracing::debug!("discarding the QuickJS runtime after a limit violation");
        }
        self.ready.store(true, Ordering::Release);
        true
    }
}

fn set_log_target(target: &LogTarget, slot: Option<Arc<Slot>>) {
    *target.lock().unwrap_or_else(PoisonError::into_inner) = slot;
}

/// A QuickJS runtime with its limits applied, the deadline its interrupt handler reads and
/// the hardened context waiting for the next job.
struct Engine {
    // Declared first so that it is dropped before the runtime it lives in.
    prepared: Option<Prepared>,
    runtime: Runtime,
    deadline: Arc<Deadline>,
}

/// A fresh context on which the prelude ran, and the prelude's `run` function.
struct Prepared {
    run: Persistent<Function<'static>>,
    context: Context,
}

/// What the evaluation inside the context produced, before it is turned into an outcome.
enum Raw {
    /// The prelude's tagged result string.
    Tagged(String),
    /// The user code did not compile.
    Compile(String),
    /// An exception escaped the prelude's handlers (uncatchable or out of memory).
    Escaped(Escaped),
    /// rquickjs failed outside JavaScript (allocation, conversion).
    Host(rquickjs::Error),
}

/// An exception that reached Rust.
struct Escaped {
    message: String,
    /// `null` or `undefined`: what QuickJS leaves when even the error object could not be
    /// allocated.
    empty: bool,
}

impl Engine {
    fn new(limits: &ScriptLimits) -> rquickjs::Result<Self> {
        let runtime = Runtime::new()?;
        runtime.set_memory_limit(limits.memory_bytes);
        runtime.set_max_stack_size(limits.max_stack_bytes);
        let deadline = Arc::new(Deadline::new());
        let check = Arc::clone(&deadline);
        runtime.set_interrupt_handler(Some(Box::new(move || check.expired())));
        Ok(Self {
            prepared: None,
            runtime,
            deadline,
        })
    }

    /// Creates a context and hardens it with the prelude.
    fn prepare(&self, limits: &ScriptLimits, log_target: &LogTarget) -> rquickjs::Result<Prepared> {
        let context = Context::custom::<Intrinsics>(&self.runtime)?;
        let run = context.with(|ctx| {
            let mut options = EvalOptions::default();
            options.filename = Some("sandbox".to_owned());
            let setup: Function<'_> = ctx.eval_with_options(PRELUDE, options)?;
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
            let run: Function<'_> = setup.call((sink, max_length, MAX_PATTERN_CHARS))?;
            Ok::<_, rquickjs::Error>(Persistent::save(&ctx, run))
        })?;
        Ok(Prepared { run, context })
    }

    /// Runs `job` in the prepared context, which is dropped afterwards. Returns the outcome
    /// and whether the runtime may be reused.
    fn execute(
        &self,
        prepared: rquickjs::Result<Prepared>,
        job: &ScriptJob,
        slot: &Slot,
        limits: &ScriptLimits,
    ) -> (Outcome, bool) {
        let (raw, near_limit) = match prepared {
            Ok(Prepared { run, context }) => {
                let raw = context.with(|ctx| evaluate(&ctx, run, job));
                // Measured while the context and everything it allocated are still alive.
                (raw, self.near_memory_limit(limits))
            }
            Err(error) => (Raw::Host(error), self.near_memory_limit(limits)),
        };
        let fired = self.deadline.disarm();
        let duration = self.deadline.elapsed();

        let timed_out = fired || duration > limits.timeout;
        let outcome = if timed_out {
            Err(ScriptError::Timeout {
                logs: slot.take_logs(),
            })
        } else {
            classify(raw, slot, duration, near_limit)
        };
        let healthy = match &outcome {
            Ok(_) | Err(ScriptError::Syntax { .. } | ScriptError::InvalidReturn { .. }) => true,
            Err(ScriptError::Thrown { message, .. }) => !message.contains(STACK_OVERFLOW),
            Err(_) => false,
        };
        (outcome, healthy)
    }

    fn near_memory_limit(&self, limits: &ScriptLimits) -> bool {
        let used = self.runtime.memory_usage().malloc_size;
        u64::try_from(used).unwrap_or(u64::MAX) >= (limits.memory_bytes as u64) / 10 * 9
    }
}

/// Compiles the user code and runs it through the prelude's `run`. Never lets an error
/// out: every failure becomes a [`Raw`].
fn evaluate(ctx: &Ctx<'_>, run: Persistent<Function<'static>>, job: &ScriptJob) -> Raw {
    let run = match run.restore(ctx) {
        Ok(run) => run,
        Err(error) => return Raw::Host(error),
    };

    let source = format!(
        "(function (input, workflow_data, context, secrets) {{{}\n}})",
        job.code
    );
    let mut options = EvalOptions::default();
    options.strict = false;
    options.filename = Some("script".to_owned());
    let user: Function<'_> = match ctx.eval_with_options(source, options) {
        Ok(user) => user,
        Err(rquickjs::Error::Exception) => {
            let error = ctx.catch();
            return match describe(&error) {
                Some(message) if !is_out_of_memory(&error) => Raw::Compile(message),
                _ => escaped_value(error),
            };
        }
        Err(rquickjs::Error::InvalidString(_)) => {
            return Raw::Compile("the code contains a NUL character".to_owned());
        }
        Err(rquickjs::Error::FromJs { .. }) => {
            return Raw::Compile("the code is not a single function body".to_owned());
        }
        Err(error) => return Raw::Host(error),
    };

    // Milliseconds since 1970 are exact as f64 for the next 280,000 years.
    #[allow(clippy::cast_precision_loss)]
    let now_ms = job.now.timestamp_millis() as f64;
    let secrets = serde_json::Value::Object(job.secrets.clone());
    let args = (
        now_ms,
        user,
        job.input.to_string(),
        job.workflow_data.to_string(),
        job.context.to_string(),
        secrets.to_string(),
    );
    match run.call::<_, String>(args) {
        Ok(tagged) => Raw::Tagged(tagged),
        Err(error) => escaped(ctx, error),
    }
}

fn escaped(ctx: &Ctx<'_>, error: rquickjs::Error) -> Raw {
    match error {
        rquickjs::Error::Exception => escaped_value(ctx.catch()),
        other => Raw::Host(other),
    }
}

fn escaped_value(value: Value<'_>) -> Raw {
    let empty = value.is_null() || value.is_undefined();
    let message = if is_out_of_memory(&value) {
        OUT_OF_MEMORY.to_owned()
    } else {
        describe(&value).unwrap_or_else(|| "uncaught exception".to_owned())
    };
    Raw::Escaped(Escaped { message, empty })
}

fn is_out_of_memory(value: &Value<'_>) -> bool {
    value
        .as_object()
        .and_then(|error| error.get::<_, String>("message").ok())
        .is_some_and(|message| message == OUT_OF_MEMORY)
}

/// `Name: message` and the first stack line of an error object, or the string itself.
fn describe(value: &Value<'_>) -> Option<String> {
    if let Some(text) = value.as_string() {
        return text.to_string().ok();
    }
    let error = value.as_object()?;
    let name: String = error.get("name").unwrap_or_else(|_| "Error".to_owned());
    let message: String = error.get("message").ok()?;
    let stack: String = error.get("stack").unwrap_or_default();
    let head = format!("{name}: {message}");
    let frames = || {
        stack
            .lines()
            .map(str::trim)
            .filter(|line| line.starts_with("at "))
    };
    let innermost = frames()
        .find(|line| line.contains("(script:"))
        .or_else(|| frames().next());
    Some(match innermost {
        Some(at) => format!("{head}\n{at}"),
        None => head,
    })
}

/// Turns what the context produced into the job's outcome.
fn classify(raw: Raw, slot: &Slot, duration: Duration, near_limit: bool) -> Outcome {
    let thrown = |message: String| ScriptError::Thrown {
        message,
        logs: slot.take_logs(),
    };
    match raw {
        Raw::Tagged(tagged) => {
            let (tag, rest) = tagged.split_at(tagged.len().min(1));
            match tag {
                "V" => match serde_json::from_str(rest) {
                    Ok(value) => Ok(output(value, slot, duration)),
                    Err(error) => Err(ScriptError::InvalidReturn {
                        message: error.to_string(),
                    }),
                },
                "U" => Ok(output(serde_json::Value::Null, slot, duration)),
                "M" => Err(ScriptError::OutOfMemory),
                "I" => Err(ScriptError::InvalidReturn {
                    message: rest.to_owned(),
                }),
                "N" if near_limit => Err(ScriptError::OutOfMemory),
                _ => Err(thrown(rest.to_owned())),
            }
        }
        Raw::Compile(message) => Err(ScriptError::Syntax { message }),
        Raw::Escaped(escaped) => {
            if escaped.message == OUT_OF_MEMORY || (escaped.empty && near_limit) {
                Err(ScriptError::OutOfMemory)
            } else {
                Err(thrown(escaped.message))
            }
        }
        Raw::Host(rquickjs::Error::Allocation) => Err(ScriptError::OutOfMemory),
        Raw::Host(error) if near_limit => {
            tracing::debug!(%error, "script host call failed near the memory limit");
            Err(ScriptError::OutOfMemory)
        }
        Raw::Host(error) => Err(thrown(error.to_string())),
    }
}

fn output(value: serde_json::Value, slot: &Slot, duration: Duration) -> ScriptOutput {
    ScriptOutput {
        value,
        logs: slot.take_logs(),
        duration,
    }
}

/// The current job's deadline, read by the runtime's interrupt handler.
struct Deadline {
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
    fn arm(&self, started: Instant, timeout: Duration) {
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
