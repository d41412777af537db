//! Why a script did not produce a value.

/// Why a script did not produce a value. [`ScriptError::code`] gives the API error code.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ScriptError {
    /// The script ran past its wall-clock limit.
    #[error("script exceeded its time limit")]
    Timeout {
        /// The lines the script logged before it was stopped.
        logs: Vec<String>,
    },
    /// The script allocated more than its memory limit.
    #[error("script exceeded its memory limit")]
    OutOfMemory,
    /// The script threw an exception it did not catch.
    #[error("script threw {message}")]
    Thrown {
        /// `Name: message` of the exception, with its innermost stack line when known.
        message: String,
        /// The lines the script logged before it threw.
        logs: Vec<String>,
    },
    /// The code is not a valid function body.
    #[error("script does not parse: {message}")]
    Syntax {
        /// The parser's message.
        message: String,
    },
    /// The script returned something JSON cannot carry (a function, a symbol, a BigInt, a
    /// cyclic structure).
    #[error("script returned an invalid value: {message}")]
    InvalidReturn {
        /// What was wrong with the value.
        message: String,
    },
    /// No worker could run the script: too many workers are stuck, or a worker died.
    #[error("script sandbox is unavailable")]
    Unavailable,
}

impl ScriptError {
    /// The API error code: `script_timeout` for [`ScriptError::Timeout`], `script_error`
    /// otherwise.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Timeout { .. } => "script_timeout",
            _ => "script_error",
        }
    }

    /// The lines the script logged before it failed, when they are known.
    pub fn logs(&self) -> &[String] {
        match self {
            Self::Timeout { logs } | Self::Thrown { logs, .. } => logs,
            _ => &[],
        }
    }
}
