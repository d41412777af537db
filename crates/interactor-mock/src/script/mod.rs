//! JavaScript sandbox for script logic.
//!
//! A script step's `code` is the body of a function
//! `(input, workflow_data, context, secrets) => ...`, run by QuickJS under the limits of the
//! reference's "Script Execution Environment": 5 s of wall-clock time, 16 MiB of memory, no
//! network, no timers, no module loading and no way to evaluate code from a string. Values
//! cross the boundary as JSON, so the script sees exactly the types the engine holds and the
//! return value comes back as a [`serde_json::Value`].
//!
//! ```
//! use interactor_mock::script::{ScriptJob, ScriptLimits, ScriptSandbox};
//! use serde_json::json;
//!
//! let sandbox = ScriptSandbox::new(ScriptLimits::default());
//! let job = ScriptJob::new("console.log('hi'); return { total: input.a + input.b };")
//!     .with_input(json!({ "a": 1, "b": 2 }));
//! let output = sandbox.run(job)?;
//! assert_eq!(output.value, json!({ "total": 3 }));
//! assert_eq!(output.logs, ["hi"]);
//! # Ok::<(), interactor_mock::script::ScriptError>(())
//! ```
//!
//! # Implementation rationale
//!
//! Two independent mechanisms bound a script. The first is inside QuickJS: a runtime-wide
//! interrupt handler compares the clock with the job's deadline, a memory limit makes
//! allocations fail, and a stack limit turns deep recursion into a `RangeError`. QuickJS
//! consults the interrupt handler only between bytecodes and inside the regex matcher, so a
//! native built-in that loops over a huge `length` (`Array.prototype.join.call({length:
//! 2**53 - 1}, '')`, `reverse`, `shift`, `copyWithin` on a sparse array, ...) would never
//! see it. A prelude run before the user code therefore wraps the generic `Array.prototype`
//! methods so that a receiver (or a `concat`/`flat` operand) longer than
//! [`ScriptLimits::max_array_length`] throws a `RangeError` before the native loop starts;
//! a `length` that is an accessor or an object is refused too, since it could change
//! between the check and the native read. The `Proxy` intrinsic is not installed for the
//! same reason. Typed-array methods are left alone: their length is bounded by their
//! buffer, which the memory limit bounds. The regex compiler never polls the deadline and
//! takes time quadratic in a pattern's alternatives, so `RegExp` (and the
//! `String.prototype` methods that build one from a string) refuse patterns longer than
//! 64 Ki characters.
//!
//! The second mechanism is outside QuickJS and assumes the first can fail. Each job runs on
//! a plain worker thread owned by the sandbox (never a tokio worker), which keeps a warm
//! runtime and uses a fresh context per job. The caller waits for the answer until the
//! deadline plus [`ScriptLimits::grace`]; past that it returns [`ScriptError::Timeout`] and
//! abandons the worker, whose place is taken by a new one; the abandoned thread exits on
//! its own if it ever finishes. A thread stuck in native code cannot be killed safely, so
//! abandoned workers that are still alive are counted, and while
//! [`ScriptLimits::max_abandoned`] of them exist new jobs fail fast with
//! [`ScriptError::Unavailable`] instead of piling up behind them. After any limit
//! violation the worker discards its runtime and starts a new one.
//!
//! Hardening a context means compiling the prelude, which costs several times more than
//! the typical script. A worker therefore prepares the context of its next job right after
//! answering the current one, and the pool hands a job to a worker whose context is ready
//! when it has one; a step arriving while a core is free only pays for compiling and
//! running its own code.

mod engine;
mod error;
mod outcome;
mod pool;
mod worker;

#[cfg(test)]
mod tests;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

pub use error::ScriptError;

/// Limits and pool settings of a [`ScriptSandbox`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScriptLimits {
    /// Wall-clock time one script may run; [`ScriptError::Timeout`] past it (default 5 s).
    pub timeout: Duration,
    /// Memory one script's runtime may allocate; [`ScriptError::OutOfMemory`] past it
    /// (default 16 MiB).
    pub memory_bytes: usize,
    /// Stack QuickJS may use before deep recursion throws a `RangeError` (default 1 MiB).
    /// Worker threads get this much plus a fixed headroom of native stack.
    pub max_stack_bytes: usize,
    /// Longest receiver a generic `Array.prototype` method accepts (default 2^22). QuickJS
    /// runs these methods as native loops that ignore the deadline, so longer (sparse or
    /// array-like) receivers are refused with a `RangeError`.
    pub max_array_length: u64,
    /// Total size of the captured log lines of one job; later lines are dropped and a final
    /// marker line says so (default 256 KiB).
    pub max_log_bytes: usize,
    /// Most worker threads running scripts at once (default 4). Workers start on demand.
    pub max_workers: usize,
    /// Extra time the caller waits past the deadline before abandoning a worker stuck in
    /// native code (default 1 s).
    pub grace: Duration,
    /// How many abandoned workers may still be alive before new jobs fail fast with
    /// [`ScriptError::Unavailable`] (default 2).
    pub max_abandoned: usize,
}

impl Default for ScriptLimits {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(5),
            memory_bytes: 16 * 1024 * 1024,
            max_stack_bytes: 1024 * 1024,
            max_array_length: 1 << 22,
            max_log_bytes: 256 * 1024,
            max_workers: 4,
            grace: Duration::from_secs(1),
            max_abandoned: 2,
        }
    }
}

impl ScriptLimits {
    /// Returns these limits with another wall-clock `timeout`.
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Returns these limits with another memory limit.
    #[must_use]
    pub fn with_memory_bytes(mut self, memory_bytes: usize) -> Self {
        self.memory_bytes = memory_bytes;
        self
    }

    /// Returns these limits with another grace period before a stuck worker is abandoned.
    #[must_use]
    pub fn with_grace(mut self, grace: Duration) -> Self {
        self.grace = grace;
        self
    }

    /// Returns these limits with another maximum number of concurrent workers (at least 1).
    #[must_use]
    pub fn with_max_workers(mut self, max_workers: usize) -> Self {
        self.max_workers = max_workers;
        self
    }
}

/// One script execution: the code and everything it can see.
#[derive(Clone, PartialEq)]
pub struct ScriptJob {
    /// The function body.
    pub code: String,
    /// The `input` global: the input of the create or resume call.
    pub input: Value,
    /// The `workflow_data` global: the instance's accumulated data.
    pub workflow_data: Value,
    /// The `context` global: `{namespace, instance_id, workflow_name, state_name}`.
    pub context: Value,
    /// The `secrets` global, deep-frozen inside the script. Never logged.
    pub secrets: Map<String, Value>,
    /// The mock's clock: what `new Date()` and `Date.now()` return when the script starts.
    pub now: DateTime<Utc>,
}

impl ScriptJob {
    /// A job running `code` with `{}` for `input`, `workflow_data` and `context`, no
    /// secrets, and the system clock as `now`.
    pub fn new(code: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            input: Value::Object(Map::new()),
            workflow_data: Value::Object(Map::new()),
            context: Value::Object(Map::new()),
            secrets: Map::new(),
            now: Utc::now(),
        }
    }

    /// Returns this job with another `input`.
    #[must_use]
    pub fn with_input(mut self, input: Value) -> Self {
        self.input = input;
        self
    }

    /// Returns this job with another `workflow_data`.
    #[must_use]
    pub fn with_workflow_data(mut self, workflow_data: Value) -> Self {
        self.workflow_data = workflow_data;
        self
    }

    /// Returns this job with another `context`.
    #[must_use]
    pub fn with_context(mut self, context: Value) -> Self {
        self.context = context;
        self
    }

    /// Returns this job with other `secrets`.
    #[must_use]
    pub fn with_secrets(mut self, secrets: Map<String, Value>) -> Self {
        self.secrets = secrets;
        self
    }

    /// Returns this job with another clock reading.
    #[must_use]
    pub fn with_now(mut self, now: DateTime<Utc>) -> Self {
        self.now = now;
        self
    }
}

impl fmt::Debug for ScriptJob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScriptJob")
            .field("code", &self.code)
            .field("input", &self.input)
            .field("workflow_data", &self.workflow_data)
            .field("context", &self.context)
            .field(
                "secrets",
                &format_args!("[{} redacted]", self.secrets.len()),
            )
            .field("now", &self.now)
            .finish()
    }
}

/// What a script that ran to completion produced.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct ScriptOutput {
    /// The function's return value as JSON; `undefined` becomes `null`.
    pub value: Value,
    /// One line per `console.log`/`info`/`warn`/`error`/`debug` call.
    pub logs: Vec<String>,
    /// Time spent in the worker, from the job's start to its result.
    pub duration: Duration,
}

/// Runs scripts on a pool of sandboxed QuickJS workers. Cheap to clone; clones share the
/// pool, and the workers exit once the last clone is dropped.
#[derive(Clone)]
pub struct ScriptSandbox {
    pool: Arc<pool::Pool>,
}

impl ScriptSandbox {
    /// A sandbox enforcing `limits`. Worker threads start on the first jobs, not here.
    pub fn new(limits: ScriptLimits) -> Self {
        Self {
            pool: Arc::new(pool::Pool::new(limits)),
        }
    }

    /// The limits this sandbox enforces.
    pub fn limits(&self) -> &ScriptLimits {
        self.pool.limits()
    }

    /// Runs `job` and waits for its result, blocking the calling thread (call it from
    /// `tokio::task::spawn_blocking` in async code). The script itself runs on one of the
    /// sandbox's worker threads.
    ///
    /// # Errors
    ///
    /// [`ScriptError::Timeout`] past [`ScriptLimits::timeout`], [`ScriptError::OutOfMemory`]
    /// past [`ScriptLimits::memory_bytes`], [`ScriptError::Syntax`] when the code does not
    /// parse, [`ScriptError::Thrown`] for an uncaught exception (deep recursion included),
    /// [`ScriptError::InvalidReturn`] when the return value is not JSON, and
    /// [`ScriptError::Unavailable`] when no worker can take the job.
    pub fn run(&self, job: ScriptJob) -> Result<ScriptOutput, ScriptError> {
        let span = tracing::debug_span!("script", code_len = job.code.len());
        let _entered = span.enter();
        let result = self.pool.run(job);
        match &result {
            Ok(output) => tracing::debug!(duration = ?output.duration, "script finished"),
            Err(error) => tracing::debug!(code = error.code(), %error, "script failed"),
        }
        result
    }

    /// How many abandoned workers (stuck past their deadline) are still alive.
    pub fn abandoned_workers(&self) -> usize {
        self.pool.abandoned()
    }
}

impl fmt::Debug for ScriptSandbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScriptSandbox")
            .field("limits", self.pool.limits())
            .field("abandoned_workers", &self.pool.abandoned())
            .finish()
    }
}
