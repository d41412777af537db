//! `/workflows/instances/{id}/threads`: parallel execution paths.

use crate::client::Client;
use crate::model::{Instance, ResumeRequest, Thread, ThreadList};
use crate::request::{Call, Replay, Request, data};

use super::segment;

/// Threads of an instance; from [`Client::threads`].
#[derive(Debug, Clone, Copy)]
pub struct Threads<'a> {
    client: &'a Client,
}

impl<'a> Threads<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        Self { client }
    }

    /// `GET /workflows/instances/{id}/threads`.
    pub fn list(&self, instance_id: &str) -> Request<Vec<Thread>> {
        let path = format!("/workflows/instances/{}/threads", segment(instance_id));
        let call = Call::get("threads.list", path).instance(instance_id);
        Request::new(self.client, Ok(call), |body| {
            data::<ThreadList>(body).map(|list| list.threads)
        })
    }

    /// `POST /workflows/instances/{id}/threads/{thread_id}/resume`: resumes one halted
    /// thread. Sends a generated `Idempotency-Key` unless one is set.
    pub fn resume(
        &self,
        instance_id: &str,
        thread_id: &str,
        input: impl Into<ResumeRequest>,
    ) -> Request<Instance> {
        let path = format!(
            "/workflows/instances/{}/threads/{}/resume",
            segment(instance_id),
            segment(thread_id)
        );
        let call = Call::post("threads.resume", path)
            .instance(instance_id)
            .replay(Replay::Keyed)
            .json(&input.into());
        Request::new(self.client, call, data)
    }
}
