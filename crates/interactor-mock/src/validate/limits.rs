//! The definition limits of the reference's "Limits & Quotas" table, plus the few the
//! mock adds where the reference is silent.

/// Most states a workflow may have, terminal states included.
pub const MAX_STATES: usize = 100;

/// Most transitions one state may have.
pub const MAX_TRANSITIONS: usize = 20;

/// Longest workflow name, in characters.
pub const MAX_NAME_CHARS: usize = 64;

/// Longest `ai_guidance`, in characters.
pub const MAX_AI_GUIDANCE_CHARS: usize = 1000;

/// Largest script `code`, in bytes of UTF-8 (64 KB).
pub const MAX_SCRIPT_BYTES: usize = 64 * 1024;

/// Most fields one form presentation may have.
pub const MAX_FORM_FIELDS: usize = 50;

/// Fewest options of a choice presentation.
pub const MIN_CHOICE_OPTIONS: usize = 2;

/// Most options of a choice presentation.
pub const MAX_CHOICE_OPTIONS: usize = 20;

/// Largest definition, in bytes of its JSON text (1 MB = 1,048,576 bytes).
pub const MAX_DEFINITION_BYTES: usize = 1024 * 1024;

/// Shortest HTTP logic `timeout`, in milliseconds.
pub const MIN_HTTP_TIMEOUT_MS: u64 = 1000;

/// Longest HTTP logic `timeout`, in milliseconds.
pub const MAX_HTTP_TIMEOUT_MS: u64 = 30_000;

/// Fewest HTTP retry `attempts`.
pub const MIN_RETRY_ATTEMPTS: u64 = 1;

/// Most HTTP retry `attempts`.
pub const MAX_RETRY_ATTEMPTS: u64 = 5;

/// Most branches of a parallel (fork) state: the reference's limit of concurrent
/// threads per instance.
pub const MAX_PARALLEL_BRANCHES: usize = 10;

/// Deepest nesting of `and`/`or` conditions (the mock's own bound, so that evaluating a
/// condition can never exhaust the stack).
pub const MAX_CONDITION_DEPTH: usize = 32;
