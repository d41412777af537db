//! Logic that states run: scripts and HTTP calls.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

/// Logic a state runs, tagged by `"type"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Logic {
    /// A JavaScript function body run in the engine's sandbox.
    Script(ScriptLogic),
    /// An outgoing HTTP request.
    Http(HttpLogic),
}

impl Logic {
    /// Script logic running `code`.
    pub fn script(code: impl Into<String>) -> Self {
        Self::Script(ScriptLogic { code: code.into() })
    }

    /// HTTP logic sending `method` to `url`, with nothing else set.
    pub fn http(method: HttpMethod, url: impl Into<String>) -> Self {
        Self::Http(HttpLogic::new(method, url))
    }

    /// The wire name of this logic's kind: `"script"` or `"http"`.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Script(_) => "script",
            Self::Http(_) => "http",
        }
    }
}

/// A JavaScript function body; its returned object replaces `workflow_data`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScriptLogic {
    /// The function body, with `input`, `workflow_data`, `context` and `secrets` in scope.
    pub code: String,
}

/// An HTTP request made by a state. Strings may contain `${...}` templates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HttpLogic {
    /// Request method.
    pub method: HttpMethod,
    /// Target URL.
    pub url: String,
    /// Request headers, in the order written.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub headers: IndexMap<String, String>,
    /// JSON request body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<serde_json::Value>,
    /// Timeout in milliseconds (1000..=30000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<u64>,
    /// Retries on network errors and 5xx answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry: Option<RetryPolicy>,
    /// Where in `workflow_data` the parsed response is stored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_key: Option<String>,
}

impl HttpLogic {
    /// A request with only a method and a URL.
    pub fn new(method: HttpMethod, url: impl Into<String>) -> Self {
        Self {
            method,
            url: url.into(),
            headers: IndexMap::new(),
            body: None,
            timeout: None,
            retry: None,
            result_key: None,
        }
    }

    /// Adds a header.
    #[must_use]
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.insert(name.into(), value.into());
        self
    }

    /// Sets the JSON body.
    #[must_use]
    pub fn body(mut self, body: serde_json::Value) -> Self {
        self.body = Some(body);
        self
    }

    /// Sets the timeout in milliseconds.
    #[must_use]
    pub fn timeout_ms(mut self, timeout: u64) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Sets the retry policy.
    #[must_use]
    pub fn retry(mut self, attempts: u32, backoff: Backoff) -> Self {
        self.retry = Some(RetryPolicy {
            attempts: Some(attempts),
            backoff: Some(backoff),
        });
        self
    }

    /// Stores the parsed response under `workflow_data[key]`.
    #[must_use]
    pub fn result_key(mut self, key: impl Into<String>) -> Self {
        self.result_key = Some(key.into());
        self
    }
}

impl From<HttpLogic> for Logic {
    fn from(logic: HttpLogic) -> Self {
        Self::Http(logic)
    }
}

impl From<ScriptLogic> for Logic {
    fn from(logic: ScriptLogic) -> Self {
        Self::Script(logic)
    }
}

/// HTTP methods HTTP logic may use (upper case on the wire).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum HttpMethod {
    /// `GET`
    Get,
    /// `POST`
    Post,
    /// `PUT`
    Put,
    /// `PATCH`
    Patch,
    /// `DELETE`
    Delete,
}

impl HttpMethod {
    /// The method as written on the wire.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Patch => "PATCH",
            Self::Delete => "DELETE",
        }
    }
}

/// How HTTP logic retries a failed request.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RetryPolicy {
    /// Total attempts (1..=5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempts: Option<u32>,
    /// How the delay between attempts grows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backoff: Option<Backoff>,
}

/// Delay growth between HTTP logic retries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Backoff {
    /// The delay grows by the same step each time.
    Linear,
    /// The delay doubles each time.
    Exponential,
}
