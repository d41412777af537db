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
    json!({
        "name": "approval_workflow",
        "initial_state": "request",
        "ai_guidance": "This workflow handles approval requests. Route based on amount thresholds.",
        "states": {
            "request": {
                "type": "action",
                "logic": {
                    "type": "script",
                    "code": "return { request_id: input.id, amount: input.amount, status: \"pending\", submitted_at: new Date().toISOString() }"
                },
                "transitions": [{ "target": "await_approval" }]
            },
            "await_approval": {
                "type": "halting",
                "presentation": {
                    "type": "form",
                    "title": "Approval Required",
                    "description": "Please review and approve or reject this request.",
                    "fields": [
                        { "name": "approved", "type": "boolean", "label": "Approve this request?" },
                        { "name": "comment", "type": "string", "label": "Comment (optional)", "multiline": true }
                    ]
                },
                "transitions": [
                    { "target": "approved", "condition": { "field": "approved", "equals": true } },
                    { "target": "rejected" }
                ]
            },
            "approved": {
                "type": "terminal",
                "on_enter": {
                    "type": "http",
                    "method": "POST",
                    "url": "https://yourapp.com/api/webhooks/approval-complete",
                    "body": { "request_id": "${workflow_data.request_id}", "status": "approved" }
                }
            },
            "rejected": {
                "type": "terminal",
                "on_enter": {
                    "type": "http",
                    "method": "POST",
                    "url": "https://yourapp.com/api/webhooks/approval-complete",
                    "body": { "request_id": "${workflow_data.request_id}", "status": "rejected" }
                }
            }
        }
    })
}

/// The reference's `purchase_approval` (Complete Example).
pub(crate) fn purchase_approval() -> Value {
    json!({
      "name": "purchase_approval",
      "initial_state": "submit",
      "ai_guidance": "Multi-level purchase approval workflow.",
      "states": {
        "submit": {
          "type": "action",
          "logic": { "type": "script", "code": "return { ...input, submitted_at: new Date().toISOString(), status: 'pending' }" },
          "transitions": [
            { "target": "auto_approved", "condition": { "field": "amount", "operator": "lte", "value": 1000 } },
            { "target": "manager_approval", "condition": { "field": "amount", "operator": "lte", "value": 10000 } },
            { "target": "manager_approval" }
          ]
        },
        "manager_approval": {
          "type": "halting",
          "presentation": {
            "type": "form",
            "title": "Manager Approval Required",
            "description": "Purchase request for ${workflow_data.description} - $${workflow_data.amount}",
            "fields": [
              { "name": "approved", "type": "boolean", "label": "Approve?", "required": true },
              { "name": "comment", "type": "string", "label": "Comment", "multiline": true }
            ]
          },
          "transitions": [
            { "target": "vp_approval", "condition": { "and": [
                { "field": "approved", "equals": true },
                { "field": "amount", "operator": "gt", "value": 10000 } ] } },
            { "target": "approved", "condition": { "field": "approved", "equals": true } },
            { "target": "rejected" }
          ]
        },
        "vp_approval": {
          "type": "halting",
          "presentation": {
            "type": "form",
            "title": "VP Approval Required",
            "description": "High-value purchase: ${workflow_data.description} - $${workflow_data.amount}",
            "fields": [
              { "name": "approved", "type": "boolean", "label": "VP Approval", "required": true },
              { "name": "budget_code", "type": "string", "label": "Budget Code" },
              { "name": "comment", "type": "string", "label": "Comment", "multiline": true }
            ]
          },
          "transitions": [
            { "target": "approved", "condition": { "field": "approved", "equals": true } },
            { "target": "rejected" }
          ]
        },
        "auto_approved": {
          "type": "action",
          "logic": { "type": "script", "code": "return { ...workflow_data, status: 'approved', approved_by: 'auto', approved_at: new Date().toISOString() }" },
          "transitions": [{ "target": "notify_requester" }]
        },
        "approved": {
          "type": "action",
          "logic": { "type": "script", "code": "return { ...workflow_data, status: 'approved', approved_at: new Date().toISOString() }" },
          "transitions": [{ "target": "notify_requester" }]
        },
        "rejected": {
          "type": "action",
          "logic": { "type": "script", "code": "return { ...workflow_data, status: 'rejected', rejected_at: new Date().toISOString() }" },
          "transitions": [{ "target": "notify_requester" }]
        },
        "notify_requester": {
          "type": "action",
          "logic": {
            "type": "http",
            "method": "POST",
            "url": "https://yourapp.com/api/notifications",
            "body": {
              "type": "purchase_decision",
              "email": "${workflow_data.requester}",
              "status": "${workflow_data.status}",
              "amount": "${workflow_data.amount}"
            }
          },
          "transitions": [{ "target": "complete" }]
        },
        "complete": { "type": "terminal" }
      }
    })
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
