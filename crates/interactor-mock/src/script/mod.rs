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
//! runtime and a hardened context. The caller waits for the answer until the deadline plus
//! [`ScriptLimits::grace`]; past that it returns [`ScriptError::Timeout`] and abandons the
//! worker, whose place is taken by a new one; the abandoned thread exits on its own if it
//! ever finishes. A thread stuck in native code cannot be killed safely, so abandoned
//! workers that are still alive are counted, and while [`ScriptLimits::max_abandoned`] of
//! them exist new jobs fail fast with [`ScriptError::Unavailable`] instead of piling up
//! behind them. After any limit violation (timeout, memory, stack) and whenever a job
//! leaves promise jobs pending (they hold the context and would run code that no deadline
//! covers), the worker discards its runtime and, right after answering, builds a new one
//! with a hardened context.
//!
//! ## One hardened context for many jobs
//!
//! Hardening a context (the prelude, then the lockdown below) takes a few milliseconds,
//! dozens of times what a typical step costs, so a worker hardens a context once and runs
//! up to 256 jobs in it. That is sound only if nothing a job does is visible to a later
//! one; three things see to it.
//!
//! - **Lockdown.** After the prelude, every object reachable from the global object
//!   (property values, getters and setters, prototypes) is frozen, together with the
//!   intrinsics that only instances lead to (the prototypes of every function kind, of
//!   generators, of the array, map, set, string and regexp iterators and the iterator
//!   helpers, `%TypedArray%`) and the originals the prelude replaced. Writing to a built-in
//!   therefore fails silently in sloppy code and throws in strict code.
//!   `Error.prepareStackTrace` and `Error.stackTraceLimit`, whose setters change state of
//!   the context rather than a property, become read-only data properties. Frozen
//!   prototypes would break ordinary code that assigns an inherited name on its own objects
//!   (`this.name = ...` in an `Error` subclass, `o.toString = ...`), so on prototypes
//!   `constructor`, `toString`, `toLocaleString`, `valueOf` and `toJSON` (every method of
//!   `Object.prototype`, and `name` and `message` of the error prototypes) are accessors
//!   whose setter defines the property on the receiver instead.
//! - **Reset.** The global object itself is not frozen: sloppy scripts may assign undeclared
//!   variables. The lockdown records its properties (attributes, values and order) and its
//!   prototype; after every job the worker deletes the properties the job added and puts
//!   back the ones it replaced, redefined or deleted, in their recorded order. The reset
//!   never runs script code (there is no `Proxy`, and it reads descriptors, not values).
//!   Everything a job gets (`input`, `workflow_data`, `context`, `secrets`) is a fresh
//!   argument, and the per-job state (mock clock, console target, log budget, deadline) is
//!   set for each job.
//! - **One function, nothing else.** The code is compiled as the body of a function
//!   expression. Code that closes that function early (`}); let x = 1; (function () {`)
//!   would run statements at the top level, whose `let`, `const` and `var` bindings live in
//!   the context where no reset reaches them. QuickJS keeps each function's source text, so
//!   the compiled function's text must be exactly the wrapper; when it is not, or when
//!   evaluating the wrapper threw (a syntax error included), the job fails with
//!   [`ScriptError::Syntax`] and the context is replaced.
//!
//! A context is also replaced when the reset cannot restore the global object (a job made
//! it non-extensible, defined a non-configurable property on it, deleted a global listed
//! before the non-configurable `undefined`, `NaN` and `Infinity`, or added more than 1024
//! globals), when the heap stays large after a collection (a job kept memory alive where
//! the reset cannot see it, such as a private field stamped on a built-in through a base
//! constructor that returns another object), and after its 256th job. Replacing a context
//! costs nothing to the caller: the worker answers first, then resets or rebuilds, and
//! the pool prefers a worker that is ready; a job arriving while a core is free only pays
//! for compiling and running its own code.
//!
//! Memory stays bounded and the limit stays per job in effect: after each job the worker
//! lowers QuickJS's collection threshold to the hardened context's size plus 1/64 of
//! [`ScriptLimits::memory_bytes`], so the reset's own allocations make QuickJS collect the
//! cycles a job left behind when they exceed that. A job thus always has the limit minus
//! the context (about 0.4 MB) minus at most 1/64 of the limit.
//!
//! Limits of the isolation, each accepted on purpose:
//!
//! - The `Symbol.for` registry belongs to the runtime (it did with one context per job
//!   too). An entry carries only its key, which a reader must already know, so nothing
//!   flows through it.
//! - `Math.random` continues one sequence across the jobs of a context instead of being
//!   reseeded for each.
//! - The accessors on built-in prototypes show as accessors to
//!   `Object.getOwnPropertyDescriptor`, and assigning one of those names on the prototype
//!   itself throws even in sloppy code (a setter cannot know the caller's mode).
//! - A private field stamped on a built-in survives until the context is replaced; only
//!   the class that stamped it can read it, and that class dies with its job.
//! - A job that leaves promise jobs pending, or whose code does not compile, costs its
//!   worker a new context (a few milliseconds, after the answer).
//! - Timing is not isolated: engine caches warmed by one job may make the next faster.

mod engine;
mod error;
mod outcome;
mod pool;
mod worker;

#[cfg(test)]
mod isolation_tests;
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
