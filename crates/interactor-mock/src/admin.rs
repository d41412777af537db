//! [`Admin`]: typed access to the admin API (`/_mock/…`) of a mock, in this process
//! ([`MockServer::admin`](crate::MockServer::admin)) or in another one
//! ([`Admin::new`] with the base URL of a running `interactor-mock` binary).
//!
//! ```no_run
//! # async fn demo() -> Result<(), interactor_mock::admin::AdminError> {
//! let server = interactor_mock::MockServer::start().await;
//! let admin = server.admin();
//!
//! admin.advance_clock(std::time::Duration::from_secs(30)).await?;
//! let calls = admin.http_calls().await?;
//! println!("{} outgoing calls", calls.len());
//! # Ok(())
//! # }
//! ```

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::api::{Fault, JournalEntry, MockState};
use crate::auth::ClientRegistration;
use crate::config::AiReply;
use crate::engine::http::{HttpCall, HttpStub};
use crate::webhooks::{Delivery, DeliveryFilter};

/// Why an admin call failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AdminError {
    /// The mock could not be reached.
    #[error("the mock could not be reached: {0}")]
    Transport(#[from] reqwest::Error),
    /// The mock refused the call.
    #[error("the mock answered {status}: {body}")]
    Status {
        /// The HTTP status.
        status: u16,
        /// The answer's body.
        body: String,
    },
    /// The answer did not have the expected shape.
    #[error("the mock's answer did not fit: {0}")]
    Decode(#[from] serde_json::Error),
}

/// The mock's clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockReading {
    /// What the clock says.
    pub now: DateTime<Utc>,
    /// Whether it is frozen.
    pub frozen: bool,
}

/// A handle on a mock's admin API.
#[derive(Clone, Debug)]
pub struct Admin {
    http: reqwest::Client,
    base: String,
}

#[derive(Deserialize)]
struct Data<T> {
    data: T,
}

impl Admin {
    /// A handle on the mock at `base_url` (`http://HOST:PORT`, without `/api/v1`).
    pub fn new(base_url: impl Into<String>) -> Self {
        let base = base_url.into().trim_end_matches('/').to_owned();
        Self {
            http: reqwest::Client::new(),
            base,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}/_mock{path}", self.base)
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Result<bytes::Bytes, AdminError> {
        let response = request.send().await?;
        let status = response.status();
        let body = response.bytes().await?;
        if status.is_success() {
            Ok(body)
        } else {
            Err(AdminError::Status {
                status: status.as_u16(),
                body: String::from_utf8_lossy(&body).into_owned(),
            })
        }
    }

    async fn data<T: DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<T, AdminError> {
        let body = self.send(request).await?;
        Ok(serde_json::from_slice::<Data<T>>(&body)?.data)
    }

    async fn field<T: DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
        name: &str,
    ) -> Result<T, AdminError> {
        let mut value: Value = self.data(request).await?;
        Ok(serde_json::from_value(value[name].take())?)
    }

    /// Back to the state right after start-up.
    ///
    /// # Errors
    ///
    /// [`AdminError`] when the mock cannot be reached or refuses.
    pub async fn reset(&self) -> Result<(), AdminError> {
        self.send(self.http.post(self.url("/reset")))
            .await
            .map(drop)
    }

    /// The clock.
    ///
    /// # Errors
    ///
    /// [`AdminError`] when the mock cannot be reached or refuses.
    pub async fn clock(&self) -> Result<ClockReading, AdminError> {
        self.data(self.http.get(self.url("/clock"))).await
    }

    /// Moves the clock forward; everything that falls due runs (webhook retries, TTLs,
    /// token expiry, rate-limit windows).
    ///
    /// # Errors
    ///
    /// [`AdminError`] when the mock cannot be reached or refuses.
    pub async fn advance_clock(&self, by: Duration) -> Result<ClockReading, AdminError> {
        let body = json!({ "seconds": by.as_secs_f64() });
        self.data(self.http.post(self.url("/clock/advance")).json(&body))
            .await
    }

    /// Sets the clock.
    ///
    /// # Errors
    ///
    /// [`AdminError`] when the mock cannot be reached or refuses.
    pub async fn set_clock(&self, now: DateTime<Utc>) -> Result<ClockReading, AdminError> {
        self.data(
            self.http
                .post(self.url("/clock/set"))
                .json(&json!({ "now": now })),
        )
        .await
    }

    /// Freezes the clock, or lets it run again.
    ///
    /// # Errors
    ///
    /// [`AdminError`] when the mock cannot be reached or refuses.
    pub async fn freeze_clock(&self, frozen: bool) -> Result<ClockReading, AdminError> {
        let body = json!({ "frozen": frozen });
        self.data(self.http.post(self.url("/clock/freeze")).json(&body))
            .await
    }

    /// Webhook deliveries matching `filter`.
    ///
    /// # Errors
    ///
    /// [`AdminError`] when the mock cannot be reached or refuses.
    pub async fn deliveries(&self, filter: &DeliveryFilter) -> Result<Vec<Delivery>, AdminError> {
        let mut query = Vec::new();
        if let Some(status) = filter.status {
            query.push(("status", status.as_str().to_owned()));
        }
        if let Some(subscription) = &filter.subscription_id {
            query.push(("subscription_id", subscription.clone()));
        }
        self.field(
            self.http.get(self.url("/deliveries")).query(&query),
            "deliveries",
        )
        .await
    }

    /// Sends a delivery again, also from the dead-letter list.
    ///
    /// # Errors
    ///
    /// [`AdminError`] when the mock cannot be reached, or the delivery does not exist.
    pub async fn replay_delivery(&self, id: &str) -> Result<Delivery, AdminError> {
        self.data(
            self.http
                .post(self.url(&format!("/deliveries/{id}/replay"))),
        )
        .await
    }

    /// Adds a canned answer for HTTP logic.
    ///
    /// # Errors
    ///
    /// [`AdminError`] when the mock cannot be reached or refuses.
    pub async fn add_http_stub(&self, stub: &HttpStub) -> Result<(), AdminError> {
        self.send(self.http.post(self.url("/http-stubs")).json(stub))
            .await
            .map(drop)
    }

    /// Removes every HTTP stub.
    ///
    /// # Errors
    ///
    /// [`AdminError`] when the mock cannot be reached or refuses.
    pub async fn clear_http_stubs(&self) -> Result<(), AdminError> {
        self.send(self.http.delete(self.url("/http-stubs")))
            .await
            .map(drop)
    }

    /// Every outgoing HTTP logic attempt so far.
    ///
    /// # Errors
    ///
    /// [`AdminError`] when the mock cannot be reached or refuses.
    pub async fn http_calls(&self) -> Result<Vec<HttpCall>, AdminError> {
        self.field(self.http.get(self.url("/http-calls")), "calls")
            .await
    }

    /// The journal of incoming API requests.
    ///
    /// # Errors
    ///
    /// [`AdminError`] when the mock cannot be reached or refuses.
    pub async fn requests(&self) -> Result<Vec<JournalEntry>, AdminError> {
        self.field(self.http.get(self.url("/requests")), "requests")
            .await
    }

    /// Fails or delays the next matching requests.
    ///
    /// # Errors
    ///
    /// [`AdminError`] when the mock cannot be reached or refuses.
    pub async fn add_fault(&self, fault: &Fault) -> Result<(), AdminError> {
        self.send(self.http.post(self.url("/faults")).json(fault))
            .await
            .map(drop)
    }

    /// Removes every pending fault.
    ///
    /// # Errors
    ///
    /// [`AdminError`] when the mock cannot be reached or refuses.
    pub async fn clear_faults(&self) -> Result<(), AdminError> {
        self.send(self.http.delete(self.url("/faults")))
            .await
            .map(drop)
    }

    /// Sets a secret for `${secrets.NAME}` and `secrets.NAME`.
    ///
    /// # Errors
    ///
    /// [`AdminError`] when the mock cannot be reached or refuses.
    pub async fn set_secret(&self, name: &str, value: impl Into<Value>) -> Result<(), AdminError> {
        let body = json!({ "value": value.into() });
        self.send(
            self.http
                .put(self.url(&format!("/secrets/{name}")))
                .json(&body),
        )
        .await
        .map(drop)
    }

    /// Registers an OAuth client.
    ///
    /// # Errors
    ///
    /// [`AdminError`] when the mock cannot be reached or refuses.
    pub async fn add_client(&self, client: &ClientRegistration) -> Result<(), AdminError> {
        self.send(self.http.post(self.url("/clients")).json(client))
            .await
            .map(drop)
    }

    /// Registers the instruction an `ai` halting state shows.
    ///
    /// # Errors
    ///
    /// [`AdminError`] when the mock cannot be reached or refuses.
    pub async fn add_ai_reply(&self, reply: &AiReply) -> Result<(), AdminError> {
        self.send(self.http.post(self.url("/ai-replies")).json(reply))
            .await
            .map(drop)
    }

    /// The whole state.
    ///
    /// # Errors
    ///
    /// [`AdminError`] when the mock cannot be reached or refuses.
    pub async fn export_state(&self) -> Result<MockState, AdminError> {
        self.data(self.http.get(self.url("/state"))).await
    }

    /// Replaces the whole state.
    ///
    /// # Errors
    ///
    /// [`AdminError`] when the mock cannot be reached or refuses the state.
    pub async fn import_state(&self, state: &MockState) -> Result<(), AdminError> {
        self.send(self.http.put(self.url("/state")).json(state))
            .await
            .map(drop)
    }
}
