//! What the mock loads at start-up (`--config FILE`, [`MockServerBuilder::config`]) and
//! again on every `POST /_mock/reset`.
//!
//! A JSON file:
//!
//! ```json
//! {
//!   "workflows": [ { "name": "approval", "initial_state": "…", "states": { } } ],
//!   "clients": [ { "client_id": "app", "client_secret": "…", "scopes": ["*"] } ],
//!   "secrets": { "API_KEY": "sk_test" },
//!   "http_stubs": [ { "url": "https://yourapp.com/*", "status": 200 } ],
//!   "ai_replies": [ { "workflow_name": "approval", "state": "review", "instruction": "…" } ],
//!   "limits": { "rate_limits": { "write": 500 }, "token_ttl_seconds": 600 }
//! }
//! ```
//!
//! Every workflow is created and its first version published.
//!
//! [`MockServerBuilder::config`]: crate::MockServerBuilder::config

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::auth::{Auth, ClientRegistration};
use crate::engine::http::HttpStub;
use crate::engine::{Engine, EngineError};
use crate::ratelimit::RateLimits;

/// A canned instruction for an `ai` halting state.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AiReply {
    /// The workflow.
    pub workflow_name: String,
    /// The halting state.
    pub state: String,
    /// The instruction to show (templates allowed).
    pub instruction: String,
}

/// Limits the config may change.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ConfigLimits {
    /// Rate limits per account and minute.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate_limits: Option<RateLimits>,
    /// Lifetime of issued access tokens.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_ttl_seconds: Option<u64>,
    /// Active instances per namespace.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_active_instances_per_namespace: Option<usize>,
}

/// The start-up state of a mock.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MockConfig {
    /// Workflow definitions to create and publish.
    pub workflows: Vec<Value>,
    /// OAuth clients.
    pub clients: Vec<ClientRegistration>,
    /// Secrets for `${secrets.NAME}` and `secrets.NAME`.
    pub secrets: Map<String, Value>,
    /// Canned answers for HTTP logic.
    pub http_stubs: Vec<HttpStub>,
    /// Canned instructions for `ai` halting states.
    pub ai_replies: Vec<AiReply>,
    /// Limits.
    pub limits: ConfigLimits,
}

impl MockConfig {
    /// Reads a config from JSON.
    ///
    /// # Errors
    ///
    /// When the text is not a config, with the line and column.
    pub fn from_json(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// Loads everything but the limits into `engine` and `auth`.
    ///
    /// # Errors
    ///
    /// The first workflow that cannot be created or published, with why.
    pub fn apply(&self, engine: &Engine, auth: &Auth) -> Result<(), EngineError> {
        for definition in &self.workflows {
            let size = serde_json::to_vec(definition).map_or(0, |v| v.len());
            let version = engine.create_workflow(definition, size)?;
            let name = version.name.clone().unwrap_or_default();
            engine.publish(&name, &version.version_id)?;
        }
        for client in &self.clients {
            auth.add_client(client.clone());
        }
        for (name, value) in &self.secrets {
            engine.set_secret(name.clone(), value.clone());
        }
        for stub in &self.http_stubs {
            engine.http().add_stub(stub.clone());
        }
        for reply in &self.ai_replies {
            engine.set_ai_reply(
                &reply.workflow_name,
                &reply.state,
                reply.instruction.clone(),
            );
        }
        Ok(())
    }
}
