//! Injected faults: the next `times` requests matching a method and path fail with a
//! status, or are delayed, before any handler runs.

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// A fault, as `POST /_mock/faults` takes it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Fault {
    /// Only requests with this method (any when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// The path to match (`/api/v1/…`); a trailing `*` matches every path with that prefix.
    pub path: String,
    /// The status to answer with; absent to only delay the request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// The error code of the answer (derived from the status when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// How long to wait first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay_ms: Option<u64>,
    /// `Retry-After` seconds on a 429 (1 when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
    /// How many requests it applies to (1 when absent).
    #[serde(default = "one")]
    pub times: u32,
}

fn one() -> u32 {
    1
}

impl Fault {
    fn matches(&self, method: &str, path: &str) -> bool {
        let method_ok = self
            .method
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case(method));
        let path_ok = match self.path.strip_suffix('*') {
            Some(prefix) => path.starts_with(prefix),
            None => self.path == path,
        };
        method_ok && path_ok && self.times > 0
    }

    /// The delay to apply.
    pub(crate) fn delay(&self) -> Duration {
        Duration::from_millis(self.delay_ms.unwrap_or(0))
    }
}

/// The registered faults, oldest first.
#[derive(Debug, Default)]
pub(crate) struct Faults {
    list: Mutex<Vec<Fault>>,
}

impl Faults {
    pub(crate) fn add(&self, fault: Fault) {
        self.list
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(fault);
    }

    pub(crate) fn clear(&self) {
        self.list
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    pub(crate) fn pending(&self) -> Vec<Fault> {
        self.list
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Takes one use of the first fault that matches.
    pub(crate) fn take(&self, method: &str, path: &str) -> Option<Fault> {
        let mut list = self.list.lock().unwrap_or_else(PoisonError::into_inner);
        let index = list.iter().position(|f| f.matches(method, path))?;
        list[index].times -= 1;
        let fault = list[index].clone();
        if list[index].times == 0 {
            list.remove(index);
        }
        Some(fault)
    }
}
