//! Transitions between states and the modes that choose among them.

use serde::{Deserialize, Deserializer, Serialize};

use crate::model::condition::Condition;
use crate::model::wire_enum::wire_enum;

wire_enum! {
    /// How a state chooses among its transitions.
    #[derive(Default)]
    pub enum TransitionMode {
        /// The first transition whose condition matches wins (the default).
        #[default]
        Conditional = "conditional",
        /// The resume input `{"choice": KEY}` picks a transition by key.
        Selection = "selection",
        /// Every matching transition starts a thread of its own.
        Parallel = "parallel",
    }
}

/// A way out of a state, in one of its two wire forms.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Transition {
    /// `{"target", "condition"?}`: taken when the condition matches (or always, without one).
    Target {
        /// The state to go to.
        target: String,
        /// When to take this transition; always when absent.
        #[serde(skip_serializing_if = "Option::is_none")]
        condition: Option<Condition>,
    },
    /// `{"key", "to", "description"?}`: picked by key in selection mode.
    Choice {
        /// The key the resume input names as its `choice`.
        key: String,
        /// The state to go to.
        to: String,
        /// Text describing the choice.
        #[serde(skip_serializing_if = "Option::is_none")]
        description: Option<String>,
    },
}

impl Transition {
    /// An unconditional transition to `target`.
    pub fn to(target: impl Into<String>) -> Self {
        Self::Target {
            target: target.into(),
            condition: None,
        }
    }

    /// A transition to `target` taken when `condition` matches.
    pub fn when(target: impl Into<String>, condition: Condition) -> Self {
        Self::Target {
            target: target.into(),
            condition: Some(condition),
        }
    }

    /// A selection-mode choice `key` leading to `to`.
    pub fn choice(key: impl Into<String>, to: impl Into<String>) -> Self {
        Self::Choice {
            key: key.into(),
            to: to.into(),
            description: None,
        }
    }

    /// Adds a description to a choice; other transitions are returned unchanged.
    #[must_use]
    pub fn describe(self, text: impl Into<String>) -> Self {
        match self {
            Self::Choice { key, to, .. } => Self::Choice {
                key,
                to,
                description: Some(text.into()),
            },
            other => other,
        }
    }

    /// The state this transition leads to, whichever its form.
    #[must_use]
    pub fn target(&self) -> &str {
        match self {
            Self::Target { target, .. } => target,
            Self::Choice { to, .. } => to,
        }
    }

    /// The condition of a target transition, if it has one.
    #[must_use]
    pub fn condition(&self) -> Option<&Condition> {
        match self {
            Self::Target { condition, .. } => condition.as_ref(),
            Self::Choice { .. } => None,
        }
    }

    /// The key of a choice transition.
    #[must_use]
    pub fn key(&self) -> Option<&str> {
        match self {
            Self::Target { .. } => None,
            Self::Choice { key, .. } => Some(key),
        }
    }
}

/// Every field either form may carry; which ones are present decides the form.
#[derive(Deserialize)]
struct RawTransition {
    target: Option<String>,
    condition: Option<Condition>,
    key: Option<String>,
    to: Option<String>,
    description: Option<String>,
}

impl<'de> Deserialize<'de> for Transition {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;

        let raw = RawTransition::deserialize(deserializer)?;
        match (raw.target, raw.key, raw.to) {
            (Some(target), None, _) => Ok(Self::Target {
                target,
                condition: raw.condition,
            }),
            (None, Some(key), Some(to)) if raw.condition.is_none() => Ok(Self::Choice {
                key,
                to,
                description: raw.description,
            }),
            (None, Some(_), Some(_)) => Err(D::Error::custom(
                "a choice transition (`key`, `to`) cannot carry a `condition`",
            )),
            (None, Some(_), None) => Err(D::Error::missing_field("to")),
            (Some(_), Some(_), _) => Err(D::Error::custom(
                "a transition has either `target` or `key` and `to`, not both",
            )),
            (None, None, _) => Err(D::Error::missing_field("target")),
        }
    }
}
