//! `/workflows`: definitions, validation, versions, publishing.

use crate::client::Client;
use crate::model::{
    ValidationResult, VersionList, Workflow, WorkflowDefinition, WorkflowList, WorkflowVersion,
};
use crate::request::{Call, Replay, Request, data};

use super::segment;

/// Workflow definitions and versions; from [`Client::workflows`].
#[derive(Debug, Clone, Copy)]
pub struct Workflows<'a> {
    client: &'a Client,
}

impl<'a> Workflows<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        Self { client }
    }

    /// `POST /workflows`: creates a workflow and its first (draft) version.
    ///
    /// Not retried after the request may have reached the server: a repeat would answer
    /// `workflow_exists`.
    pub fn create(&self, definition: &WorkflowDefinition) -> Request<WorkflowVersion> {
        let call = Call::post("workflows.create", "/workflows".to_owned()).json(definition);
        Request::new(self.client, call, data)
    }

    /// `POST /workflows/validate`: checks a definition without saving it.
    pub fn validate(&self, definition: &WorkflowDefinition) -> Request<ValidationResult> {
        let call = Call::post("workflows.validate", "/workflows/validate".to_owned())
            .replay(Replay::Safe)
            .json(definition);
        Request::new(self.client, call, data)
    }

    /// `GET /workflows`: every workflow.
    pub fn list(&self) -> Request<Vec<Workflow>> {
        let call = Call::get("workflows.list", "/workflows".to_owned());
        Request::new(self.client, Ok(call), |body| {
            data::<WorkflowList>(body).map(|list| list.workflows)
        })
    }

    /// `GET /workflows/{name}/versions`: the versions of a workflow.
    pub fn versions(&self, name: &str) -> Request<Vec<WorkflowVersion>> {
        let path = format!("/workflows/{}/versions", segment(name));
        let call = Call::get("workflows.versions", path);
        Request::new(self.client, Ok(call), |body| {
            data::<VersionList>(body).map(|list| list.versions)
        })
    }

    /// `POST /workflows/{name}/versions`: adds a draft version to an existing workflow.
    pub fn add_version(
        &self,
        name: &str,
        definition: &WorkflowDefinition,
    ) -> Request<WorkflowVersion> {
        let path = format!("/workflows/{}/versions", segment(name));
        let call = Call::post("workflows.add_version", path).json(definition);
        Request::new(self.client, call, data)
    }

    /// `POST /workflows/{name}/versions/{version_id}/publish`: makes a version the one new
    /// instances run.
    pub fn publish(&self, name: &str, version_id: &str) -> Request<WorkflowVersion> {
        let path = format!(
            "/workflows/{}/versions/{}/publish",
            segment(name),
            segment(version_id)
        );
        let call = Call::post("workflows.publish", path);
        Request::new(self.client, Ok(call), data)
    }
}
