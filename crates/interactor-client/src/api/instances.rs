//! `/workflows/{name}/instances` and `/workflows/instances/...`.

use std::time::{Duration, Instant};

use backon::{BackoffBuilder, ExponentialBuilder};

use crate::client::Client;
use crate::error::{Error, Result};
use crate::model::{CreateInstanceRequest, Instance, InstanceList, InstanceStatus, ResumeRequest};
use crate::request::{Call, Replay, Request, data};

use super::segment;

/// First pause between two polls of [`Instances::wait_for_completion`].
const FIRST_POLL_DELAY: Duration = Duration::from_millis(100);
/// Longest pause between two polls.
const MAX_POLL_DELAY: Duration = Duration::from_secs(5);

/// Filters of `GET /workflows/instances`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[must_use]
pub struct InstanceQuery {
    namespace: Option<String>,
    workflow_name: Option<String>,
    status: Option<InstanceStatus>,
}

impl InstanceQuery {
    /// Every instance the token can see.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only instances in `namespace`.
    pub fn namespace(mut self, namespace: impl Into<String>) -> Self {
        self.namespace = Some(namespace.into());
        self
    }

    /// Only instances of one workflow.
    pub fn workflow_name(mut self, name: impl Into<String>) -> Self {
        self.workflow_name = Some(name.into());
        self
    }

    /// Only instances with this status.
    pub fn status(mut self, status: InstanceStatus) -> Self {
        self.status = Some(status);
        self
    }
}

/// Instances; from [`Client::instances`].
#[derive(Debug, Clone, Copy)]
pub struct Instances<'a> {
    client: &'a Client,
}

impl<'a> Instances<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        Self { client }
    }

    /// `POST /workflows/{name}/instances`: starts an instance of the published version.
    ///
    /// `input` is a [`CreateInstanceRequest`] or just the input as a `serde_json::Value`.
    /// Sends a generated `Idempotency-Key` unless one is set, so retries never start a
    /// second instance.
    pub fn create(
        &self,
        workflow_name: &str,
        input: impl Into<CreateInstanceRequest>,
    ) -> Request<Instance> {
        let path = format!("/workflows/{}/instances", segment(workflow_name));
        let call = Call::post("instances.create", path)
            .replay(Replay::Keyed)
            .json(&input.into());
        Request::new(self.client, call, data)
    }

    /// `GET /workflows/instances`, filtered.
    pub fn list(&self, query: InstanceQuery) -> Request<Vec<Instance>> {
        let call = Call::get("instances.list", "/workflows/instances".to_owned())
            .query_opt("namespace", query.namespace)
            .query_opt("workflow_name", query.workflow_name)
            .query_opt("status", query.status);
        Request::new(self.client, Ok(call), |body| {
            data::<InstanceList>(body).map(|list| list.instances)
        })
    }

    /// `GET /workflows/instances/{id}`.
    pub fn get(&self, instance_id: &str) -> Request<Instance> {
        let path = format!("/workflows/instances/{}", segment(instance_id));
        let call = Call::get("instances.get", path).instance(instance_id);
        Request::new(self.client, Ok(call), data)
    }

    /// `POST /workflows/instances/{id}/resume`: resumes a halted instance.
    ///
    /// `input` is a [`ResumeRequest`] (which can carry an `expected_state`) or just the
    /// input as a `serde_json::Value`. Sends a generated `Idempotency-Key` unless one is set.
    ///
    /// ```no_run
    /// # async fn example(client: interactor_client::Client) -> interactor_client::Result<()> {
    /// use interactor_client::model::ResumeRequest;
    /// use serde_json::json;
    ///
    /// let resumed = client
    ///     .instances()
    ///     .resume(
    ///         "inst_xyz",
    ///         ResumeRequest::new(json!({ "approved": true })).expected_state("await_approval"),
    ///     )
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn resume(&self, instance_id: &str, input: impl Into<ResumeRequest>) -> Request<Instance> {
        let path = format!("/workflows/instances/{}/resume", segment(instance_id));
        let call = Call::post("instances.resume", path)
            .instance(instance_id)
            .replay(Replay::Keyed)
            .json(&input.into());
        Request::new(self.client, call, data)
    }

    /// `POST /workflows/instances/{id}/cancel`.
    pub fn cancel(&self, instance_id: &str) -> Request<Instance> {
        let path = format!("/workflows/instances/{}/cancel", segment(instance_id));
        let call = Call::post("instances.cancel", path).instance(instance_id);
        Request::new(self.client, Ok(call), data)
    }

    /// Polls the instance, with growing pauses, until it is no longer running (halted,
    /// completed, failed or cancelled) and returns it in that state.
    ///
    /// # Errors
    ///
    /// [`Error::WaitTimeout`] (with the last status seen) when it is still running after
    /// `timeout`, and any error of a poll, which [`get`](Self::get) describes; a poll is
    /// itself limited to the time left.
    pub async fn wait_for_completion(
        &self,
        instance_id: &str,
        timeout: Duration,
    ) -> Result<Instance> {
        let started = Instant::now();
        let mut pauses = ExponentialBuilder::default()
            .with_min_delay(FIRST_POLL_DELAY)
            .with_max_delay(MAX_POLL_DELAY)
            .with_factor(1.5)
            .without_max_times()
            .build();

        loop {
            let remaining = timeout.saturating_sub(started.elapsed());
            let instance = self
                .get(instance_id)
                .deadline(remaining.max(Duration::from_millis(1)))
                .await?;
            if instance.status != InstanceStatus::Running {
                return Ok(instance);
            }

            let remaining = timeout.saturating_sub(started.elapsed());
            let pause = pauses.next().unwrap_or(MAX_POLL_DELAY).min(remaining);
            tracing::debug!(instance_id, ?pause, "instance still running");
            tokio::time::sleep(pause).await;

            if started.elapsed() >= timeout {
                return Err(Error::WaitTimeout {
                    instance_id: instance_id.to_owned(),
                    status: instance.status,
                    waited: started.elapsed(),
                });
            }
        }
    }
}
