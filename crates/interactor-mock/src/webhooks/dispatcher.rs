//! Sending attempts, and the background task that sends them when they fall due.

use std::time::{Duration, Instant};

use interactor_webhook::DeliveryHeaders;
use tokio::task::{JoinHandle, JoinSet};
use tracing::Instrument;

use super::Webhooks;
use super::deliveries::Attempt;
use super::state::AttemptJob;

/// The dispatcher never polls faster than this, whatever the configuration says.
const MIN_POLL_INTERVAL: Duration = Duration::from_millis(1);

/// The background task that sends due attempts, started by
/// [`Webhooks::spawn_dispatcher`]. Dropping the handle stops the task and abandons the
/// attempts under way (they are neither recorded nor retried early: their deliveries
/// stay due).
#[derive(Debug)]
#[must_use = "the dispatcher stops when its handle is dropped"]
pub struct Dispatcher {
    task: JoinHandle<()>,
}

impl Dispatcher {
    /// Stops the dispatcher and waits until it has stopped.
    pub async fn stop(mut self) {
        self.task.abort();
        let _ = (&mut self.task).await;
    }
}

impl Drop for Dispatcher {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Marks a delivery as under way until the attempt is recorded, and releases it if the
/// attempt is abandoned (its task aborted) before that.
struct InFlight {
    webhooks: Webhooks,
    delivery_id: Option<String>,
}

impl InFlight {
    fn disarm(&mut self) {
        self.delivery_id = None;
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        if let Some(id) = self.delivery_id.take() {
            self.webhooks.lock().release(&id);
        }
    }
}

impl Webhooks {
    /// Starts the background dispatcher: it sends every due attempt, waking every
    /// [`poll_interval`](super::WebhookConfig::poll_interval) of real time and at once
    /// after [`wake`](Self::wake). Attempts run in tasks of their own, so a receiver that
    /// hangs holds up nobody but the later deliveries of its own subscription.
    ///
    /// # Panics
    ///
    /// When called outside a tokio runtime.
    pub fn spawn_dispatcher(&self) -> Dispatcher {
        let webhooks = self.clone();
        Dispatcher {
            task: tokio::spawn(async move { webhooks.dispatch_forever().await }),
        }
    }

    async fn dispatch_forever(self) {
        let mut attempts = JoinSet::new();
        loop {
            while attempts.try_join_next().is_some() {}

            for job in self.take_due() {
                let webhooks = self.clone();
                attempts.spawn(async move { webhooks.attempt(job).await });
            }

            let interval = self.config().poll_interval.max(MIN_POLL_INTERVAL);
            tokio::select! {
                () = self.shared.wake.notified() => {}
                () = tokio::time::sleep(interval) => {}
            }
        }
    }

    /// Sends one attempt and records its outcome.
    pub(super) async fn attempt(&self, job: AttemptJob) {
        let mut in_flight = InFlight {
            webhooks: self.clone(),
            delivery_id: Some(job.delivery_id.clone()),
        };
        let span = tracing::debug_span!(
            "webhook_attempt",
            delivery_id = %job.delivery_id,
            subscription_id = %job.subscription_id,
            event = %job.event,
            instance_id = %job.instance_id,
            retry_count = job.retry_count,
        );

        async {
            let at = self.shared.clock.now();
            let timestamp = at.timestamp();
            let headers = DeliveryHeaders::new(
                job.secret.as_bytes(),
                job.event.as_str(),
                &job.delivery_id,
                timestamp,
                job.retry_count,
                &job.body,
            );
            let timeout = self.config().attempt_timeout;

            let started = Instant::now();
            let outcome = self.send(&job, &headers, timeout).await;
            let duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
            let finished_at = self.shared.clock.now();

            let (status, error) = match outcome {
                Ok(status) => (Some(status), None),
                Err(error) => (None, Some(error)),
            };
            let attempt = Attempt {
                at,
                retry_count: job.retry_count,
                timestamp,
                status,
                error,
                duration_ms,
            };
            if attempt.succeeded() {
                tracing::debug!(status, duration_ms, "webhook delivered");
            } else {
                tracing::debug!(
                    status,
                    error = attempt.error,
                    duration_ms,
                    "webhook attempt failed"
                );
            }

            in_flight.disarm();
            self.lock().complete(&job, attempt, finished_at);
            self.wake();
        }
        .instrument(span)
        .await;
    }

    /// POSTs the body with `headers` to the subscription's URL: the status, or why none
    /// came back.
    async fn send(
        &self,
        job: &AttemptJob,
        headers: &DeliveryHeaders,
        timeout: Duration,
    ) -> Result<u16, String> {
        let client = self.client()?;
        let mut request = client
            .post(job.url.as_str())
            .timeout(timeout)
            .body(job.body.clone());
        for (name, value) in headers {
            request = request.header(name, value);
        }
        match request.send().await {
            Ok(response) => Ok(response.status().as_u16()),
            Err(err) if err.is_timeout() => {
                Err(format!("no answer within {} ms", timeout.as_millis()))
            }
            Err(err) => Err(error_chain(&err)),
        }
    }
}

/// `err` and its sources, joined with `: `.
fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
