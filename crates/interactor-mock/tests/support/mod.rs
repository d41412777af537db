//! Shared helpers for the mock's HTTP tests: a server per test and a thin JSON caller.

#![allow(dead_code)]

use interactor_mock::MockServer;
use serde_json::{Value, json};

/// A running mock and a raw HTTP client for it.
pub(crate) struct Api {
    pub(crate) server: MockServer,
    http: reqwest::Client,
}

/// Status, headers and JSON body of one answer.
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) headers: reqwest::header::HeaderMap,
    pub(crate) body: Value,
}

impl Answer {
    /// `body.data`.
    pub(crate) fn data(&self) -> &Value {
        &self.body["data"]
    }

    /// `body.data.id`, the id of the instance (or other resource) answered.
    pub(crate) fn id(&self) -> String {
        self.body["data"]["id"]
            .as_str()
            .expect("the answer has an id")
            .to_owned()
    }

    /// `body.error.code`.
    pub(crate) fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }
}

impl Api {
    pub(crate) async fn start() -> Self {
        Self::with(MockServer::builder()).await
    }

    pub(crate) async fn with(builder: interactor_mock::MockServerBuilder) -> Self {
        let server = builder.start().await.expect("mock starts");
        Self {
            server,
            http: reqwest::Client::new(),
        }
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.api_url())
    }

    pub(crate) async fn send(&self, request: reqwest::RequestBuilder) -> Answer {
        let response = request.send().await.expect("request is answered");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.expect("body is read");
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()))
        };
        Answer {
            status,
            headers,
            body,
        }
    }

    pub(crate) async fn get(&self, path: &str) -> Answer {
        self.send(
            self.http
                .get(self.url(path))
                .bearer_auth(self.server.dev_token()),
        )
        .await
    }

    pub(crate) async fn post(&self, path: &str, body: Value) -> Answer {
        self.send(
            self.http
                .post(self.url(path))
                .bearer_auth(self.server.dev_token())
                .json(&body),
        )
        .await
    }

    pub(crate) async fn post_raw(&self, path: &str, body: impl Into<reqwest::Body>) -> Answer {
        let request = self
            .http
            .post(self.url(path))
            .bearer_auth(self.server.dev_token())
            .header("content-type", "application/json")
            .body(body);
        self.send(request).await
    }

    pub(crate) fn raw(&self) -> &reqwest::Client {
        &self.http
    }

    /// Creates and publishes `definition`; returns the published version id.
    pub(crate) async fn deploy(&self, definition: Value) -> String {
        let name = definition["name"]
            .as_str()
            .expect("definition has a name")
            .to_owned();
        let created = self.post("/workflows", definition).await;
        assert_eq!(created.status, 201, "create workflow: {}", created.body);
        let version = created.data()["version_id"]
            .as_str()
            .expect("version id")
            .to_owned();
        let published = self
            .post(
                &format!("/workflows/{name}/versions/{version}/publish"),
                json!({}),
            )
            .await;
        assert_eq!(published.status, 200, "publish: {}", published.body);
        version
    }

    /// Starts an instance of `workflow` with `input` in namespace `user_123`.
    pub(crate) async fn start_instance(&self, workflow: &str, input: Value) -> Answer {
        self.post(
            &format!("/workflows/{workflow}/instances"),
            json!({"namespace": "user_123", "input": input}),
        )
        .await
    }

    /// How many instances `GET /workflows/instances` lists.
    pub(crate) async fn instance_count(&self) -> usize {
        let listed = self.get("/workflows/instances").await;
        listed.data()["instances"]
            .as_array()
            .expect("a list of instances")
            .len()
    }

    pub(crate) async fn resume(&self, id: &str, input: Value) -> Answer {
        self.post(
            &format!("/workflows/instances/{id}/resume"),
            json!({ "input": input }),
        )
        .await
    }
}

/// The reference's `approval_workflow` (Step 1).
pub(crate) fn approval_workflow() -> Value {
    serde_json::from_str(include_str!("../fixtures/approval_workflow.json"))
        .expect("the fixture is JSON")
}

/// The reference's `purchase_approval` (Complete Example).
pub(crate) fn purchase_approval() -> Value {
    serde_json::from_str(include_str!("../fixtures/purchase_approval.json"))
        .expect("the fixture is JSON")
}

/// Answers every HTTP logic call to `https://yourapp.com/…` with 200 `{"ok": true}`.
pub(crate) fn stub_yourapp(api: &Api) {
    api.server
        .engine()
        .http()
        .add_stub(interactor_mock::engine::http::HttpStub {
            method: None,
            url: "https://yourapp.com/*".to_owned(),
            status: 200,
            body: Some(json!({ "ok": true })),
            headers: Default::default(),
            delay_ms: None,
            times: None,
        });
}

impl Api {
    pub(crate) fn admin_url(&self, path: &str) -> String {
        format!("{}/_mock{path}", self.server.base_url())
    }

    pub(crate) async fn get_admin(&self, path: &str) -> Answer {
        self.send(self.raw().get(self.admin_url(path))).await
    }

    pub(crate) async fn post_admin(&self, path: &str, body: Value) -> Answer {
        self.send(self.raw().post(self.admin_url(path)).json(&body))
            .await
    }

    pub(crate) async fn put_admin(&self, path: &str, body: Value) -> Answer {
        self.send(self.raw().put(self.admin_url(path)).json(&body))
            .await
    }
}
