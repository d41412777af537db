//! The platform around the engine: tokens and scopes, namespaces, idempotency, races,
//! rate limits, quotas, TTLs, faults, and the admin API.

mod support;

use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use interactor_mock::auth::{ClientRegistration, Scope};
use interactor_mock::ratelimit::RateLimits;
use interactor_mock::{Clock, MockServer};
use serde_json::{Value, json};
use support::{Answer, Api, approval_workflow, purchase_approval, stub_yourapp};

fn start() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2030-01-01T00:00:00Z")
        .unwrap()
        .to_utc()
}

fn client(id: &str, scopes: Vec<Scope>, namespaces: Option<Vec<&str>>) -> ClientRegistration {
    ClientRegistration {
        client_id: id.to_owned(),
        client_secret: format!("{id}-secret"),
        scopes,
        namespaces: namespaces.map(|n| n.into_iter().map(str::to_owned).collect()),
        account: None,
    }
}

async fn token(api: &Api, id: &str) -> String {
    let answer = api
        .send(api.raw().post(api.url("/oauth/token")).json(&json!({
            "grant_type": "client_credentials", "client_id": id, "client_secret": format!("{id}-secret")
        })))
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.data()["access_token"].as_str().unwrap().to_owned()
}

async fn call(
    api: &Api,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> Answer {
    let mut request = api.raw().request(method, api.url(path)).bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    api.send(request).await
}

#[tokio::test]
async fn the_token_endpoints_issue_refresh_and_revoke_tokens() {
    let api = Api::start().await;
    api.server
        .auth()
        .add_client(client("app", vec![Scope::All], None));

    let enveloped = api
        .send(api.raw().post(api.url("/oauth/token")).json(&json!({
            "grant_type": "client_credentials", "client_id": "app", "client_secret": "app-secret"
        })))
        .await;
    let form = api
        .send(
            api.raw()
                .post(format!("{}/oauth/token", api.server.base_url()))
                .header("content-type", "application/x-www-form-urlencoded")
                .body("grant_type=client_credentials&client_id=app&client_secret=app-secret"),
        )
        .await;

    assert_eq!(enveloped.body["data"]["token_type"], "Bearer");
    assert_eq!(enveloped.body["data"]["expires_in"], 3600);
    assert_eq!(form.status, 200, "{}", form.body);
    let access = form.body["access_token"].as_str().unwrap().to_owned();
    let refresh = form.body["refresh_token"].as_str().unwrap().to_owned();
    assert_eq!(
        call(&api, &access, reqwest::Method::GET, "/workflows", None)
            .await
            .status,
        200
    );

    let refreshed = api
        .send(
            api.raw()
                .post(format!("{}/oauth/token", api.server.base_url()))
                .json(&json!({
                    "grant_type": "refresh_token", "refresh_token": refresh, "client_id": "app"
                })),
        )
        .await;
    let reused = api
        .send(
            api.raw()
                .post(format!("{}/oauth/token", api.server.base_url()))
                .json(&json!({
                    "grant_type": "refresh_token", "refresh_token": refresh
                })),
        )
        .await;
    assert_eq!(refreshed.status, 200);
    assert_eq!(
        (reused.status, reused.body["error"].as_str()),
        (400, Some("invalid_grant"))
    );

    let revoked = api
        .send(
            api.raw()
                .post(api.url("/oauth/revoke"))
                .json(&json!({ "token": access })),
        )
        .await;
    assert_eq!(revoked.status, 200);
    let after = call(&api, &access, reqwest::Method::GET, "/workflows", None).await;
    assert_eq!((after.status, after.code()), (401, "unauthorized"));
}

#[tokio::test]
async fn token_endpoint_errors_use_the_oauth_codes() {
    let api = Api::start().await;
    api.server
        .auth()
        .add_client(client("app", vec![Scope::Read], None));
    let plain = format!("{}/oauth/token", api.server.base_url());

    let wrong_secret = api
        .send(api.raw().post(&plain).json(
            &json!({"grant_type": "client_credentials", "client_id": "app", "client_secret": "x"}),
        ))
        .await;
    let missing = api
        .send(
            api.raw()
                .post(&plain)
                .json(&json!({"grant_type": "client_credentials"})),
        )
        .await;
    let grant = api
        .send(
            api.raw()
                .post(&plain)
                .json(&json!({"grant_type": "password"})),
        )
        .await;
    let enveloped = api
        .send(api.raw().post(api.url("/oauth/token")).json(&json!({"grant_type": "client_credentials", "client_id": "nobody", "client_secret": "x"})))
        .await;

    assert_eq!(
        (wrong_secret.status, wrong_secret.body["error"].as_str()),
        (401, Some("invalid_client"))
    );
    assert_eq!(
        (missing.status, missing.body["error"].as_str()),
        (400, Some("invalid_request"))
    );
    assert_eq!(
        (grant.status, grant.body["error"].as_str()),
        (400, Some("unsupported_grant_type"))
    );
    assert_eq!(
        (enveloped.status, enveloped.code()),
        (401, "invalid_client")
    );
}

#[tokio::test]
async fn tokens_expire_on_the_mocks_clock() {
    let api = Api::with(
        MockServer::builder()
            .clock(Clock::frozen_at(start()))
            .token_ttl_seconds(60),
    )
    .await;
    api.server
        .auth()
        .add_client(client("app", vec![Scope::All], None));
    let access = token(&api, "app").await;
    assert_eq!(
        call(&api, &access, reqwest::Method::GET, "/workflows", None)
            .await
            .status,
        200
    );

    api.post_admin("/clock/advance", json!({"seconds": 61}))
        .await;

    let expired = call(&api, &access, reqwest::Method::GET, "/workflows", None).await;
    assert_eq!((expired.status, expired.code()), (401, "unauthorized"));
    assert!(
        expired.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("expired")
    );
}

/// Every API route, with a body where it takes one.
fn routes(id: &str, version: &str) -> Vec<(reqwest::Method, String, Option<Value>, Scope)> {
    use reqwest::Method;
    let def = approval_workflow();
    vec![
        (
            Method::POST,
            "/workflows".into(),
            Some(
                json!({"name": "other", "initial_state": "a", "states": {"a": {"type": "terminal"}}}),
            ),
            Scope::Write,
        ),
        (
            Method::POST,
            "/workflows/validate".into(),
            Some(def.clone()),
            Scope::Read,
        ),
        (Method::GET, "/workflows".into(), None, Scope::Read),
        (
            Method::GET,
            "/workflows/approval_workflow/versions".into(),
            None,
            Scope::Read,
        ),
        (
            Method::POST,
            "/workflows/approval_workflow/versions".into(),
            Some(def),
            Scope::Write,
        ),
        (
            Method::POST,
            format!("/workflows/approval_workflow/versions/{version}/publish"),
            None,
            Scope::Write,
        ),
        (
            Method::POST,
            "/workflows/approval_workflow/instances".into(),
            Some(json!({"input": {}})),
            Scope::Execute,
        ),
        (
            Method::GET,
            "/workflows/instances".into(),
            None,
            Scope::Read,
        ),
        (
            Method::GET,
            format!("/workflows/instances/{id}"),
            None,
            Scope::Read,
        ),
        (
            Method::POST,
            format!("/workflows/instances/{id}/resume"),
            Some(json!({"input": {}})),
            Scope::Execute,
        ),
        (
            Method::POST,
            format!("/workflows/instances/{id}/cancel"),
            None,
            Scope::Execute,
        ),
        (
            Method::GET,
            format!("/workflows/instances/{id}/threads"),
            None,
            Scope::Read,
        ),
        (
            Method::POST,
            format!("/workflows/instances/{id}/threads/thread_main/resume"),
            Some(json!({"input": {}})),
            Scope::Execute,
        ),
        (
            Method::GET,
            format!("/workflows/instances/{id}/history"),
            None,
            Scope::Read,
        ),
        (
            Method::GET,
            format!("/workflows/instances/{id}/events/evt_x"),
            None,
            Scope::Read,
        ),
        (Method::GET, "/workflows/errors".into(), None, Scope::Read),
        (
            Method::POST,
            "/webhooks/subscriptions".into(),
            Some(
                json!({"url": "http://127.0.0.1:9/x", "events": ["workflow.instance.created"], "secret": "s".repeat(32)}),
            ),
            Scope::WebhooksManage,
        ),
        (
            Method::GET,
            "/webhooks/subscriptions".into(),
            None,
            Scope::WebhooksManage,
        ),
        (
            Method::DELETE,
            "/webhooks/subscriptions/whsub_x".into(),
            None,
            Scope::WebhooksManage,
        ),
    ]
}

#[tokio::test]
async fn every_route_refuses_a_token_without_its_scope() {
    let api = Api::start().await;
    stub_yourapp(&api);
    let version = api.deploy(approval_workflow()).await;
    let id = api
        .start_instance("approval_workflow", json!({"id": "r", "amount": 1}))
        .await
        .id();
    let all = [
        Scope::Read,
        Scope::Write,
        Scope::Execute,
        Scope::WebhooksManage,
    ];
    for lacking in all {
        let scopes: Vec<Scope> = all.into_iter().filter(|s| *s != lacking).collect();
        let name = format!("lacks_{}", lacking.as_str().replace(':', "_"));
        api.server.auth().add_client(client(&name, scopes, None));
    }

    for (method, path, body, scope) in routes(&id, &version) {
        let name = format!("lacks_{}", scope.as_str().replace(':', "_"));
        let access = token(&api, &name).await;
        let refused = call(&api, &access, method.clone(), &path, body).await;
        assert_eq!(
            (refused.status, refused.code()),
            (403, "forbidden"),
            "{method} {path}: {}",
            refused.body
        );
        assert_eq!(
            refused.body["error"]["details"]["required_scope"],
            scope.as_str()
        );
    }
    let instance = api.get(&format!("/workflows/instances/{id}")).await;
    assert_eq!(
        instance.data()["status"],
        "halted",
        "no refused call changed anything"
    );
}

#[tokio::test]
async fn namespaces_hide_other_instances_and_filter_lists() {
    let api = Api::start().await;
    stub_yourapp(&api);
    api.deploy(approval_workflow()).await;
    api.server
        .auth()
        .add_client(client("tenant", vec![Scope::All], Some(vec!["user_1"])));
    let access = token(&api, "tenant").await;
    let mine = call(
        &api,
        &access,
        reqwest::Method::POST,
        "/workflows/approval_workflow/instances",
        Some(json!({"namespace": "user_1", "input": {"id": "a", "amount": 1}})),
    )
    .await;
    let theirs = api
        .post(
            "/workflows/approval_workflow/instances",
            json!({"namespace": "user_2", "input": {"id": "b", "amount": 1}}),
        )
        .await;
    let theirs_id = theirs.data()["id"].as_str().unwrap();

    let hidden = call(
        &api,
        &access,
        reqwest::Method::GET,
        &format!("/workflows/instances/{theirs_id}"),
        None,
    )
    .await;
    let resume = call(
        &api,
        &access,
        reqwest::Method::POST,
        &format!("/workflows/instances/{theirs_id}/resume"),
        Some(json!({"input": {"approved": true}})),
    )
    .await;
    let listed = call(
        &api,
        &access,
        reqwest::Method::GET,
        "/workflows/instances",
        None,
    )
    .await;
    let foreign_create = call(
        &api,
        &access,
        reqwest::Method::POST,
        "/workflows/approval_workflow/instances",
        Some(json!({"namespace": "user_2", "input": {}})),
    )
    .await;

    assert_eq!(mine.status, 201);
    assert_eq!((hidden.status, hidden.code()), (404, "instance_not_found"));
    assert_eq!((resume.status, resume.code()), (404, "instance_not_found"));
    let ids: Vec<_> = listed.data()["instances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].clone())
        .collect();
    assert_eq!(ids, [mine.data()["id"].clone()]);
    assert_eq!(
        (foreign_create.status, foreign_create.code()),
        (403, "forbidden")
    );
    assert_eq!(
        api.get(&format!("/workflows/instances/{theirs_id}"))
            .await
            .data()["status"],
        "halted"
    );
}

#[tokio::test]
async fn an_idempotency_key_replays_the_first_answer_and_rejects_another_body() {
    let api = Api::start().await;
    stub_yourapp(&api);
    api.deploy(approval_workflow()).await;
    let create = |body: Value| {
        api.raw()
            .post(api.url("/workflows/approval_workflow/instances"))
            .bearer_auth("dev_token")
            .header("idempotency-key", "order_123_approval_v1")
            .json(&body)
    };
    let body = json!({"namespace": "user_123", "input": {"id": "o-123", "amount": 5000}});

    let first = api.send(create(body.clone())).await;
    let again = api.send(create(body)).await;
    let different = api
        .send(create(
            json!({"namespace": "user_123", "input": {"id": "o-124"}}),
        ))
        .await;

    assert_eq!(first.status, 201);
    assert!(first.headers.get("idempotent-replayed").is_none());
    assert_eq!(again.status, 201);
    assert_eq!(again.headers["idempotent-replayed"], "true");
    assert_eq!(again.data(), first.data());
    assert_eq!(
        (different.status, different.code()),
        (409, "idempotency_key_reused")
    );
    assert_eq!(api.instance_count().await, 1);
}

#[tokio::test]
async fn duplicates_in_flight_wait_for_the_first_and_create_one_instance() {
    let api = Api::start().await;
    api.deploy(json!({
        "name": "slowish",
        "initial_state": "work",
        "states": {
            "work": { "type": "action", "logic": { "type": "script", "code": "const end = Date.now() + 300; while (Date.now() < end) {} return {}" },
                      "transitions": [{ "target": "done" }] },
            "done": { "type": "terminal" }
        }
    }))
    .await;
    let send = || {
        api.send(
            api.raw()
                .post(api.url("/workflows/slowish/instances"))
                .bearer_auth("dev_token")
                .header("idempotency-key", "k-1")
                .json(&json!({"input": {}})),
        )
    };

    let answers = futures_util::future::join_all((0..10).map(|_| send())).await;

    let ids: std::collections::HashSet<_> =
        answers.iter().map(|a| a.data()["id"].clone()).collect();
    assert_eq!(ids.len(), 1, "every duplicate got the same instance");
    assert!(answers.iter().all(|a| a.status == 201));
    assert_eq!(
        answers
            .iter()
            .filter(|a| a.headers.get("idempotent-replayed").is_some())
            .count(),
        9
    );
    assert_eq!(api.instance_count().await, 1);
}

#[tokio::test]
async fn fifty_concurrent_resumes_of_one_halt_take_effect_once() {
    let api = Api::start().await;
    stub_yourapp(&api);
    api.deploy(purchase_approval()).await;
    let id = api
        .start_instance(
            "purchase_approval",
            json!({"amount": 5000, "description": "Desk"}),
        )
        .await
        .id();

    let answers = futures_util::future::join_all((0..50).map(|i| {
        let input = if i % 2 == 0 {
            json!({"approved": true})
        } else {
            json!({"approved": true, "comment": format!("c{i}")})
        };
        api.resume(&id, input)
    }))
    .await;

    let winners: Vec<&Answer> = answers.iter().filter(|a| a.status == 200).collect();
    let conflicts: Vec<&Answer> = answers.iter().filter(|a| a.status == 409).collect();
    assert_eq!(
        winners.len() + conflicts.len(),
        50,
        "every answer is the winner's or a conflict"
    );
    assert!(!winners.is_empty());
    assert!(
        winners.iter().all(|w| w.data() == winners[0].data()),
        "every success is the winner's answer"
    );
    for conflict in &conflicts {
        assert_eq!(conflict.code(), "concurrent_modification");
        assert_eq!(
            conflict.body["error"]["details"]["expected_state"],
            "manager_approval"
        );
        assert_eq!(
            conflict.body["error"]["details"]["current_state"],
            "complete"
        );
    }
    let history = api
        .get(&format!(
            "/workflows/instances/{id}/history?types=lifecycle&limit=1000"
        ))
        .await;
    let resumes = history.data()["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["subtype"] == "resumed")
        .count();
    assert_eq!(resumes, 1);
    assert_eq!(
        api.server.engine().http().calls().len(),
        1,
        "the notification went out once"
    );
}

#[tokio::test]
async fn expected_state_guards_a_resume() {
    let api = Api::start().await;
    stub_yourapp(&api);
    api.deploy(purchase_approval()).await;
    let id = api
        .start_instance("purchase_approval", json!({"amount": 15000}))
        .await
        .id();

    let wrong = api
        .post(
            &format!("/workflows/instances/{id}/resume"),
            json!({"input": {"approved": true}, "expected_state": "vp_approval"}),
        )
        .await;
    let right = api
        .post(
            &format!("/workflows/instances/{id}/resume"),
            json!({"input": {"approved": true}, "expected_state": "manager_approval"}),
        )
        .await;

    assert_eq!(
        (wrong.status, wrong.code()),
        (409, "concurrent_modification")
    );
    assert_eq!(
        wrong.body["error"]["details"],
        json!({"current_state": "manager_approval", "expected_state": "vp_approval"})
    );
    assert_eq!(right.data()["current_state"], "vp_approval");
}

#[tokio::test]
async fn rate_limits_count_per_category_and_reset_with_the_clock() {
    let limits = RateLimits {
        enabled: true,
        read: 3,
        write: 100,
        create_instance: 50,
    };
    let api = Api::with(
        MockServer::builder()
            .clock(Clock::frozen_at(start()))
            .rate_limits(limits),
    )
    .await;

    let answers = [
        api.get("/workflows").await,
        api.get("/workflows").await,
        api.get("/workflows").await,
    ];
    let limited = api.get("/workflows").await;
    let write = api.post("/workflows/validate", json!({})).await;

    assert_eq!(answers[0].headers["x-ratelimit-limit"], "3");
    assert_eq!(answers[0].headers["x-ratelimit-remaining"], "2");
    assert_eq!(answers[2].headers["x-ratelimit-remaining"], "0");
    let reset = (start() + Duration::minutes(1)).timestamp().to_string();
    assert_eq!(answers[0].headers["x-ratelimit-reset"], reset.as_str());
    assert_eq!((limited.status, limited.code()), (429, "rate_limited"));
    assert_eq!(limited.headers["retry-after"], "60");
    assert_eq!(write.status, 429, "validate counts as a read");

    api.post_admin("/clock/advance", json!({"seconds": 60}))
        .await;
    assert_eq!(api.get("/workflows").await.status, 200);
}

#[tokio::test]
async fn rate_limits_can_be_switched_off() {
    let limits = RateLimits {
        enabled: true,
        read: 1,
        write: 1,
        create_instance: 1,
    };
    let api = Api::with(MockServer::builder().rate_limits(limits).no_rate_limits()).await;

    for _ in 0..5 {
        assert_eq!(api.get("/workflows").await.status, 200);
    }
}

#[tokio::test]
async fn the_namespace_quota_counts_active_instances() {
    let api = Api::with(MockServer::builder().max_active_per_namespace(2)).await;
    stub_yourapp(&api);
    api.deploy(approval_workflow()).await;
    let first = api
        .start_instance("approval_workflow", json!({"id": "1"}))
        .await;
    api.start_instance("approval_workflow", json!({"id": "2"}))
        .await;

    let third = api
        .start_instance("approval_workflow", json!({"id": "3"}))
        .await;
    let elsewhere = api
        .post(
            "/workflows/approval_workflow/instances",
            json!({"namespace": "org_2", "input": {}}),
        )
        .await;
    api.resume(
        first.data()["id"].as_str().unwrap(),
        json!({"approved": true}),
    )
    .await;
    let after_completion = api
        .start_instance("approval_workflow", json!({"id": "4"}))
        .await;

    assert_eq!(
        (third.status, third.code()),
        (429, "namespace_quota_exceeded")
    );
    assert_eq!(elsewhere.status, 201);
    assert_eq!(after_completion.status, 201);
}

#[tokio::test]
async fn halted_instances_are_cancelled_after_ninety_days_of_the_clock() {
    let api = Api::with(MockServer::builder().clock(Clock::frozen_at(start()))).await;
    stub_yourapp(&api);
    api.deploy(approval_workflow()).await;
    let id = api
        .start_instance("approval_workflow", json!({"id": "1"}))
        .await
        .id();

    api.post_admin("/clock/advance", json!({"seconds": 89 * 86_400}))
        .await;
    assert_eq!(
        api.get(&format!("/workflows/instances/{id}")).await.data()["status"],
        "halted"
    );
    api.post_admin("/clock/advance", json!({"seconds": 86_400}))
        .await;

    let instance = api.get(&format!("/workflows/instances/{id}")).await;
    assert_eq!(instance.data()["status"], "cancelled");
}

#[tokio::test]
async fn injected_faults_fail_or_delay_the_next_matching_requests() {
    let api = Api::start().await;
    let fault = api
        .post_admin(
            "/faults",
            json!({"method": "GET", "path": "/api/v1/workflows", "status": 503, "times": 2}),
        )
        .await;
    assert_eq!(fault.status, 201);
    api.post_admin(
        "/faults",
        json!({"path": "/api/v1/workflows/instances", "status": 429, "retry_after": 7}),
    )
    .await;
    api.post_admin(
        "/faults",
        json!({"path": "/api/v1/workflows/validate", "delay_ms": 300}),
    )
    .await;

    let failed = [api.get("/workflows").await, api.get("/workflows").await];
    let passed = api.get("/workflows").await;
    let limited = api.get("/workflows/instances").await;
    let started = std::time::Instant::now();
    let delayed = api.post("/workflows/validate", approval_workflow()).await;

    assert!(failed.iter().all(|a| a.status == 503));
    assert_eq!(passed.status, 200);
    assert_eq!((limited.status, limited.code()), (429, "rate_limited"));
    assert_eq!(limited.headers["retry-after"], "7");
    assert_eq!(delayed.status, 200);
    assert!(started.elapsed() >= StdDuration::from_millis(300));
}

#[tokio::test]
async fn the_admin_api_controls_secrets_clients_replies_and_journals() {
    let api = Api::start().await;
    api.put_admin("/secrets/API_KEY", json!({"value": "sk_live"}))
        .await;
    api.post_admin(
        "/clients",
        json!({"client_id": "ci", "client_secret": "ci-secret", "scopes": ["workflows:read"]}),
    )
    .await;
    api.post_admin(
        "/http-stubs",
        json!({"url": "https://yourapp.com/*", "status": 200, "body": {"ok": 1}}),
    )
    .await;
    api.deploy(json!({
        "name": "uses_secret",
        "initial_state": "call",
        "states": {
            "call": { "type": "action",
                      "logic": { "type": "http", "method": "POST", "url": "https://yourapp.com/x",
                                 "headers": { "Authorization": "Bearer ${secrets.API_KEY}" } },
                      "transitions": [{ "target": "done" }] },
            "done": { "type": "terminal" }
        }
    }))
    .await;

    api.start_instance("uses_secret", json!({})).await;
    let calls = api.get_admin("/http-calls").await;
    let requests = api.get_admin("/requests").await;
    let read_only = token(&api, "ci").await;

    assert_eq!(
        calls.data()["calls"][0]["headers"]["Authorization"],
        "Bearer sk_live"
    );
    assert_eq!(calls.data()["calls"][0]["stubbed"], true);
    let paths: Vec<_> = requests.data()["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["path"].clone())
        .collect();
    assert!(paths.contains(&json!("/api/v1/workflows/uses_secret/instances")));
    assert!(
        requests.data()["requests"][0]["request_id"]
            .as_str()
            .unwrap()
            .starts_with("req_")
    );
    assert_eq!(
        call(&api, &read_only, reqwest::Method::GET, "/workflows", None)
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn reset_returns_to_the_configured_start() {
    let config = interactor_mock::MockConfig::from_json(
        &json!({ "workflows": [approval_workflow()], "secrets": { "K": "v" } }).to_string(),
    )
    .unwrap();
    let api = Api::with(MockServer::builder().config(config)).await;
    stub_yourapp(&api);
    api.start_instance("approval_workflow", json!({"id": "1"}))
        .await;
    api.post("/workflows", purchase_approval()).await;

    let reset = api.post_admin("/reset", json!({})).await;

    assert_eq!(reset.status, 200);
    let workflows = api.get("/workflows").await;
    let names: Vec<_> = workflows.data()["workflows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["name"].clone())
        .collect();
    assert_eq!(names, ["approval_workflow"]);
    assert!(workflows.data()["workflows"][0]["published_version_id"].is_string());
    assert_eq!(
        api.get("/workflows/instances").await.data()["instances"],
        json!([])
    );
}

#[tokio::test]
async fn exported_state_imports_into_a_fresh_server_with_every_instance_and_event() {
    let source = Api::start().await;
    stub_yourapp(&source);
    source.deploy(purchase_approval()).await;
    let id = source
        .start_instance("purchase_approval", json!({"amount": 15000}))
        .await
        .id();
    source.resume(&id, json!({"approved": true})).await;
    let subscription = json!({
        "url": "http://127.0.0.1:9/hooks",
        "events": ["workflow.instance.completed"],
        "secret": "s".repeat(32)
    });
    source.post("/webhooks/subscriptions", subscription).await;
    let exported = source.get_admin("/state").await;

    let target = Api::start().await;
    stub_yourapp(&target);
    let imported = target.put_admin("/state", exported.body.clone()).await;

    assert_eq!(imported.status, 200, "{}", imported.body);
    let before = source
        .get(&format!(
            "/workflows/instances/{id}/history?limit=1000&include_data=true"
        ))
        .await;
    let after = target
        .get(&format!(
            "/workflows/instances/{id}/history?limit=1000&include_data=true"
        ))
        .await;
    assert_eq!(after.data(), before.data());
    assert_eq!(
        target
            .get(&format!("/workflows/instances/{id}"))
            .await
            .data(),
        source
            .get(&format!("/workflows/instances/{id}"))
            .await
            .data()
    );
    assert_eq!(
        target.get("/webhooks/subscriptions").await.data(),
        source.get("/webhooks/subscriptions").await.data()
    );
    let done = target.resume(&id, json!({"approved": true})).await;
    assert_eq!(done.data()["status"], "completed");
    let broken = target
        .put_admin("/state", json!({"engine": {"version": 99}}))
        .await;
    assert_eq!(broken.status, 400);
}

#[tokio::test]
async fn the_clock_refuses_readings_outside_its_range() {
    let api = Api::with(MockServer::builder().clock(Clock::frozen_at(start()))).await;

    let far = api
        .post_admin("/clock/set", json!({"now": "+100000-01-01T00:00:00Z"}))
        .await;
    let back = api
        .post_admin("/clock/advance", json!({"seconds": -9.0e9}))
        .await;
    let nan = api
        .post_admin("/clock/advance", json!({"seconds": "soon"}))
        .await;
    let clock = api.get_admin("/clock").await;

    assert_eq!((far.status, far.code()), (400, "invalid_request"));
    assert_eq!((back.status, back.code()), (400, "invalid_request"));
    assert_eq!(nan.status, 400);
    assert_eq!(clock.data()["now"], "2030-01-01T00:00:00Z");
}

#[tokio::test]
async fn state_save_writes_the_state_file_on_request() {
    let path = std::env::temp_dir().join(format!("interactor-save-{}.json", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let api = Api::with(MockServer::builder().state_file(&path)).await;
    api.deploy(approval_workflow()).await;
    let without = Api::start().await;

    let saved = api.post_admin("/state/save", json!({})).await;
    let refused = without.post_admin("/state/save", json!({})).await;

    assert_eq!(saved.status, 200, "{}", saved.body);
    let written: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(
        written["engine"]["workflows"][0]["name"],
        "approval_workflow"
    );
    assert_eq!((refused.status, refused.code()), (400, "invalid_request"));
    let _ = std::fs::remove_file(&path);
}
