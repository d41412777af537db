//! Spans carry the ids a person searches logs for.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::json;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::{Layer, registry};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{self, envelope, instance};

/// A span's name and the fields recorded on it so far.
type SpanRecord = (String, HashMap<String, String>);

/// Every span, by span id.
#[derive(Clone, Default)]
struct Spans(Arc<Mutex<HashMap<u64, SpanRecord>>>);

struct Fields<'a>(&'a mut HashMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(
            field.name().to_owned(),
            format!("{value:?}").trim_matches('"').to_owned(),
        );
    }
}

impl<S: tracing::Subscriber> Layer<S> for Spans {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, _ctx: Context<'_, S>) {
        let mut fields = HashMap::new();
        attrs.record(&mut Fields(&mut fields));
        let name = attrs.metadata().name().to_owned();
        self.0.lock().unwrap().insert(id.into_u64(), (name, fields));
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, _ctx: Context<'_, S>) {
        if let Some((_, fields)) = self.0.lock().unwrap().get_mut(&id.into_u64()) {
            values.record(&mut Fields(fields));
        }
    }
}

impl Spans {
    fn named(&self, name: &str) -> Vec<HashMap<String, String>> {
        let spans = self.0.lock().unwrap();
        spans
            .values()
            .filter(|(n, _)| n == name)
            .map(|(_, f)| f.clone())
            .collect()
    }
}

#[tokio::test]
async fn request_and_attempt_spans_carry_ids_and_statuses() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/workflows/instances/inst_a/resume"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/workflows/instances/inst_a/resume"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-request-id", "req_traced")
                .set_body_json(envelope(instance("inst_a", "completed"))),
        )
        .mount(&server)
        .await;
    let spans = Spans::default();
    let _guard = tracing::subscriber::set_default(registry().with(spans.clone()));

    support::client(&server)
        .instances()
        .resume("inst_a", json!({ "ok": true }))
        .idempotency_key("key_traced")
        .await
        .unwrap();

    let requests = spans.named("interactor.request");
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request["operation"], "instances.resume");
    assert_eq!(request["method"], "POST");
    assert_eq!(request["path"], "/workflows/instances/inst_a/resume");
    assert_eq!(request["instance_id"], "inst_a");
    assert_eq!(request["idempotency_key"], "key_traced");
    assert_eq!(request["attempts"], "2");
    assert_eq!(request["status"], "200");
    assert_eq!(request["request_id"], "req_traced");

    let mut attempts = spans.named("attempt");
    attempts.sort_by(|a, b| a["attempt"].cmp(&b["attempt"]));
    let statuses: Vec<_> = attempts.iter().map(|a| a["status"].as_str()).collect();
    assert_eq!(statuses, ["503", "200"]);
}
