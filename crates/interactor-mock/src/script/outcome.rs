//! Turning what QuickJS produced for a job into the job's outcome.

use std::time::Duration;

use rquickjs::{Ctx, Value};

use super::pool::{Outcome, Slot};
use super::{ScriptError, ScriptOutput};

/// The message QuickJS gives the exception it throws when an allocation fails.
const OUT_OF_MEMORY: &str = "out of memory";

/// The message QuickJS gives the exception it throws past the stack limit.
pub(super) const STACK_OVERFLOW: &str = "Maximum call stack size exceeded";

/// What the evaluation inside the context produced, before it is turned into an outcome.
pub(super) enum Raw {
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
pub(super) struct Escaped {
    message: String,
    /// `null` or `undefined`: what QuickJS leaves when even the error object could not be
    /// allocated.
    empty: bool,
}

impl Raw {
    /// Whether telling this result apart needs to know how close the runtime is to its
    /// memory limit (a thrown `null`, an empty exception, a failed host call).
    pub(super) fn is_ambiguous(&self) -> bool {
        match self {
            Self::Tagged(tagged) => tagged.starts_with('N'),
            Self::Escaped(escaped) => escaped.empty,
            Self::Host(rquickjs::Error::Allocation) | Self::Compile(_) => false,
            Self::Host(_) => true,
        }
    }
}

/// The pending exception of `ctx` as a [`Raw`] when `error` says there is one.
pub(super) fn escaped(ctx: &Ctx<'_>, error: rquickjs::Error) -> Raw {
    match error {
        rquickjs::Error::Exception => escaped_value(ctx.catch()),
        other => Raw::Host(other),
    }
}

pub(super) fn escaped_value(value: Value<'_>) -> Raw {
    let empty = value.is_null() || value.is_undefined();
    let message = if is_out_of_memory(&value) {
        OUT_OF_MEMORY.to_owned()
    } else {
        describe(&value).unwrap_or_else(|| "uncaught exception".to_owned())
    };
    Raw::Escaped(Escaped { message, empty })
}

pub(super) fn is_out_of_memory(value: &Value<'_>) -> bool {
    value
        .as_object()
        .and_then(|error| error.get::<_, String>("message").ok())
        .is_some_and(|message| message == OUT_OF_MEMORY)
}

/// `Name: message` and the first stack line of an error object, or the string itself.
pub(super) fn describe(value: &Value<'_>) -> Option<String> {
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
pub(super) fn classify(raw: Raw, slot: &Slot, duration: Duration, near_limit: bool) -> Outcome {
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
