//! Streams over cursor pages.

use futures_util::StreamExt;
use interactor_client::{ErrorQuery, HistoryQuery};
use serde_json::{Value, json};
use wiremock::matchers::{method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{self, envelope, error_body, received};

const HISTORY_PATH: &str = "/api/v1/workflows/instances/inst_a/history";

fn event(n: u32) -> Value {
    json!({ "id": format!("evt_{n:03}"), "type": "step",
            "timestamp": "2026-01-20T12:00:00Z", "logic": "script" })
}

fn history_page(events: &[u32], next: Option<&str>) -> Value {
    envelope(json!({
        "instance_id": "inst_a",
        "status": "completed",
        "events": events.iter().map(|n| event(*n)).collect::<Vec<_>>(),
        "pagination": { "has_more": next.is_some(), "next_cursor": next },
    }))
}

async fn mount_page(server: &MockServer, cursor: Option<&str>, body: Value) {
    let mock = Mock::given(method("GET"))
        .and(path(HISTORY_PATH))
        .and(query_param("limit", "2"))
        .and(query_param("types", "step"));
    let mock = match cursor {
        Some(cursor) => mock.and(query_param("cursor", cursor)),
        None => mock.and(query_param_is_missing("cursor")),
    };
    mock.respond_with(ResponseTemplate::new(200).set_body_json(body))
        .expect(1)
        .mount(server)
        .await;
}

#[tokio::test]
async fn the_history_stream_follows_cursors_across_every_page() {
    let server = MockServer::start().await;
    mount_page(&server, None, history_page(&[1, 2], Some("c2"))).await;
    mount_page(&server, Some("c2"), history_page(&[3, 4], Some("c3"))).await;
    mount_page(&server, Some("c3"), history_page(&[5], None)).await;
    let client = support::client(&server);

    use interactor_client::model::HistoryEventType;
    let query = HistoryQuery::new().types([HistoryEventType::Step]).limit(2);
    let ids: Vec<String> = client
        .history()
        .stream("inst_a", query)
        .map(|event| event.unwrap().id)
        .collect()
        .await;

    assert_eq!(ids, ["evt_001", "evt_002", "evt_003", "evt_004", "evt_005"]);
    assert_eq!(received(&server).await.len(), 3);
}

#[tokio::test]
async fn a_failing_page_ends_the_stream_after_one_error() {
    let server = MockServer::start().await;
    mount_page(&server, None, history_page(&[1, 2], Some("c2"))).await;
    Mock::given(method("GET"))
        .and(path(HISTORY_PATH))
        .and(query_param("cursor", "c2"))
        .respond_with(
            ResponseTemplate::new(404).set_body_json(error_body("instance_not_found", "gone")),
        )
        .mount(&server)
        .await;
    let client = support::client(&server);

    use interactor_client::model::HistoryEventType;
    let query = HistoryQuery::new().types([HistoryEventType::Step]).limit(2);
    let items: Vec<_> = client.history().stream("inst_a", query).collect().await;

    assert_eq!(items.len(), 3);
    assert!(items[0].is_ok() && items[1].is_ok());
    assert_eq!(items[2].as_ref().unwrap_err().status(), Some(404));
}

#[tokio::test]
async fn the_error_stream_pages_through_every_error() {
    let server = MockServer::start().await;
    let record = |n: u32| {
        json!({ "instance_id": format!("inst_{n}"), "workflow_name": "w",
                "id": format!("evt_{n}"), "type": "error", "timestamp": "2026-01-20T12:00:00Z",
                "error": { "code": "http_error", "message": "502 from upstream" } })
    };
    for (cursor, records, next) in [
        (None, vec![record(1)], Some("p2")),
        (Some("p2"), vec![record(2)], Some("p3")),
        (Some("p3"), vec![record(3)], None),
    ] {
        let mock = Mock::given(method("GET"))
            .and(path("/api/v1/workflows/errors"))
            .and(query_param("namespace", "user_1"));
        let mock = match cursor {
            Some(cursor) => mock.and(query_param("cursor", cursor)),
            None => mock.and(query_param_is_missing("cursor")),
        };
        mock.respond_with(ResponseTemplate::new(200).set_body_json(envelope(json!({
            "errors": records,
            "pagination": { "has_more": next.is_some(), "next_cursor": next },
        }))))
        .expect(1)
        .mount(&server)
        .await;
    }
    let client = support::client(&server);

    let instances: Vec<String> = client
        .errors()
        .stream(ErrorQuery::new().namespace("user_1"))
        .map(|record| record.unwrap().instance_id)
        .collect()
        .await;

    assert_eq!(instances, ["inst_1", "inst_2", "inst_3"]);
}
