//! Workflows and their versions, as the API reports them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::wire_enum::wire_enum;

/// A workflow as listed by `GET /workflows`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Workflow {
    /// The workflow's name.
    pub name: String,
    /// The most recently added version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest_version_id: Option<String>,
    /// The version new instances run, if any is published.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published_version_id: Option<String>,
    /// When the workflow was created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<DateTime<Utc>>,
}

wire_enum! {
    /// Whether a version can run instances.
    pub enum VersionStatus {
        /// Saved, not yet runnable.
        Draft = "draft",
        /// Runnable; the latest published version runs new instances.
        Published = "published",
    }
}

/// One version of a workflow. Create, add version, list versions and publish answer with it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkflowVersion {
    /// The workflow's name (present where the response names it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The version id (`v_...`).
    pub version_id: String,
    /// Draft or published.
    pub status: VersionStatus,
    /// When the version was created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<DateTime<Utc>>,
    /// When the version was published.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published_at: Option<DateTime<Utc>>,
}

/// The body of `GET /workflows`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct WorkflowList {
    /// Every workflow the token can see.
    #[serde(default)]
    pub workflows: Vec<Workflow>,
}

/// The body of `GET /workflows/{name}/versions`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct VersionList {
    /// The workflow's versions.
    #[serde(default)]
    pub versions: Vec<WorkflowVersion>,
}

/// The answer of `POST /workflows/validate`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ValidationResult {
    /// Whether the definition is valid.
    pub valid: bool,
    /// Every problem found, at once.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ValidationProblem>,
}

/// One problem in a definition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidationProblem {
    /// Where the problem is, e.g. `states.start.transitions[0].target`.
    pub path: String,
    /// What is wrong.
    pub message: String,
}
