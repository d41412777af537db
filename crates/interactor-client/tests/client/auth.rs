//! Tokens: grants, caching, single flight, proactive refresh, refresh-and-replay on 401.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use interactor_client::model::ErrorCode;
use interactor_client::{
    AccessToken, ClientCredentials, Error, RefreshTokenGrant, TokenFuture, TokenSource,
};
use serde_json::json;
use wiremock::matchers::{body_json, body_partial_json, header, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::support::{self, bearer, envelope, error_body, instance, received};

const TOKEN_PATH: &str = "/api/v1/oauth/token";
const INSTANCE_PATH: &str = "/api/v1/workflows/instances/inst_a";

/// Answers token requests with `tok_1`, `tok_2`, ... (enveloped), each valid `expires_in` s.
struct TokenSequence {
    issued: AtomicUsize,
    expires_in: u64,
}

impl TokenSequence {
    fn new(expires_in: u64) -> Self {
        Self {
            issued: AtomicUsize::new(0),
            expires_in,
        }
    }
}

impl Respond for TokenSequence {
    fn respond(&self, _request: &Request) -> ResponseTemplate {
        let n = self.issued.fetch_add(1, Ordering::SeqCst) + 1;
        ResponseTemplate::new(200).set_body_json(envelope(json!({
            "access_token": format!("tok_{n}"),
            "token_type": "Bearer",
            "expires_in": self.expires_in,
            "refresh_token": format!("rt_{n}"),
        })))
    }
}

fn credentials() -> ClientCredentials {
    ClientCredentials::new("client_a", "secret_a").scope("workflows:read workflows:execute")
}

async fn mount_instance_for_any_token(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path(INSTANCE_PATH))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(envelope(instance("inst_a", "running"))),
        )
        .mount(server)
        .await;
}

fn token_requests(requests: &[Request]) -> usize {
    requests
        .iter()
        .filter(|r| r.url.path() == TOKEN_PATH)
        .count()
}

fn api_tokens(requests: &[Request]) -> Vec<String> {
    requests
        .iter()
        .filter(|r| r.url.path() != TOKEN_PATH)
        .filter_map(|r| support::header(r, "authorization").map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn client_credentials_are_exchanged_for_a_token_that_is_then_sent() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .and(body_json(json!({
            "grant_type": "client_credentials", "client_id": "client_a",
            "client_secret": "secret_a", "scope": "workflows:read workflows:execute"
        })))
        .respond_with(TokenSequence::new(3600))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(INSTANCE_PATH))
        .and(header("authorization", bearer("tok_1").as_str()))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(envelope(instance("inst_a", "running"))),
        )
        .expect(2)
        .mount(&server)
        .await;
    let client = support::builder(&server)
        .client_credentials(credentials())
        .build()
        .unwrap();

    client.instances().get("inst_a").await.unwrap();
    client.clone().instances().get("inst_a").await.unwrap();
}

#[tokio::test]
async fn a_plain_oauth_answer_from_a_separate_token_url_is_accepted() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "plain_tok", "token_type": "Bearer", "expires_in": 3600
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(INSTANCE_PATH))
        .and(header("authorization", "Bearer plain_tok"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(envelope(instance("inst_a", "running"))),
        )
        .expect(1)
        .mount(&server)
        .await;
    let credentials = credentials().token_url(format!("{}/oauth/token", server.uri()));
    let client = support::builder(&server)
        .client_credentials(credentials)
        .build()
        .unwrap();

    client.instances().get("inst_a").await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_calls_share_one_token_request() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({ "access_token": "shared", "expires_in": 3600 }))
                .set_delay(Duration::from_millis(200)),
        )
        .mount(&server)
        .await;
    mount_instance_for_any_token(&server).await;
    let client = support::builder(&server)
        .client_credentials(credentials())
        .build()
        .unwrap();

    let calls: Vec<_> = (0..50)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.instances().get("inst_a").await })
        })
        .collect();
    for call in calls {
        call.await.unwrap().unwrap();
    }

    let requests = received(&server).await;
    assert_eq!(token_requests(&requests), 1);
    assert!(api_tokens(&requests).iter().all(|t| t == "Bearer shared"));
    assert_eq!(api_tokens(&requests).len(), 50);
}

#[tokio::test]
async fn an_unauthorized_answer_refreshes_the_token_and_replays_with_the_same_key() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(TokenSequence::new(3600))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/workflows/approval/instances"))
        .and(header("authorization", "Bearer tok_1"))
        .respond_with(
            ResponseTemplate::new(401).set_body_json(error_body("unauthorized", "revoked")),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/workflows/approval/instances"))
        .and(header("authorization", "Bearer tok_2"))
        .respond_with(
            ResponseTemplate::new(201).set_body_json(envelope(instance("inst_a", "halted"))),
        )
        .expect(1)
        .mount(&server)
        .await;
    let client = support::builder(&server)
        .client_credentials(credentials())
        .build()
        .unwrap();

    client
        .instances()
        .create("approval", json!({ "a": 1 }))
        .await
        .unwrap();

    let requests = received(&server).await;
    let creates: Vec<_> = requests
        .iter()
        .filter(|r| r.url.path() != TOKEN_PATH)
        .collect();
    assert_eq!(creates.len(), 2);
    assert_eq!(
        support::header(creates[0], "idempotency-key"),
        support::header(creates[1], "idempotency-key")
    );
    assert_eq!(creates[0].body, creates[1].body);
}

#[tokio::test]
async fn a_second_unauthorized_answer_is_returned_to_the_caller() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(TokenSequence::new(3600))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(INSTANCE_PATH))
        .respond_with(ResponseTemplate::new(401).set_body_json(error_body("unauthorized", "no")))
        .mount(&server)
        .await;
    let client = support::builder(&server)
        .client_credentials(credentials())
        .build()
        .unwrap();

    let err = client.instances().get("inst_a").await.unwrap_err();

    assert_eq!(err.code(), Some(&ErrorCode::Unauthorized));
    let requests = received(&server).await;
    assert_eq!(token_requests(&requests), 2);
    assert_eq!(api_tokens(&requests), ["Bearer tok_1", "Bearer tok_2"]);
}

#[tokio::test]
async fn a_static_token_is_not_replayed_after_unauthorized() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(INSTANCE_PATH))
        .respond_with(ResponseTemplate::new(401).set_body_json(error_body("unauthorized", "no")))
        .expect(1)
        .mount(&server)
        .await;

    let err = support::client(&server)
        .instances()
        .get("inst_a")
        .await
        .unwrap_err();

    assert_eq!(err.status(), Some(401));
}

#[tokio::test]
async fn a_short_lived_token_is_refreshed_before_it_expires() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .and(body_partial_json(
            json!({ "grant_type": "client_credentials" }),
        ))
        .respond_with(TokenSequence::new(1))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .and(body_partial_json(json!({
            "grant_type": "refresh_token", "refresh_token": "rt_1", "client_id": "client_a"
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "tok_refreshed", "expires_in": 3600
        })))
        .expect(1)
        .mount(&server)
        .await;
    mount_instance_for_any_token(&server).await;
    let client = support::builder(&server)
        .client_credentials(credentials())
        .build()
        .unwrap();

    client.instances().get("inst_a").await.unwrap();
    tokio::time::sleep(Duration::from_millis(600)).await;
    client.instances().get("inst_a").await.unwrap();

    let requests = received(&server).await;
    assert_eq!(
        api_tokens(&requests),
        ["Bearer tok_1", "Bearer tok_refreshed"]
    );
}

#[tokio::test]
async fn the_refresh_token_grant_sends_its_token_and_uses_the_rotated_one() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .and(body_json(json!({
            "grant_type": "refresh_token", "client_id": "client_a", "refresh_token": "rt_0"
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "tok_a", "expires_in": 3600, "refresh_token": "rt_rotated"
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .and(body_partial_json(json!({ "refresh_token": "rt_rotated" })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "tok_b", "expires_in": 3600
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(INSTANCE_PATH))
        .and(header("authorization", "Bearer tok_a"))
        .respond_with(ResponseTemplate::new(401).set_body_json(error_body("unauthorized", "no")))
        .mount(&server)
        .await;
    mount_instance_for_any_token(&server).await;
    let grant = RefreshTokenGrant::new("rt_0").client_id("client_a");
    let client = support::builder(&server)
        .refresh_token(grant)
        .build()
        .unwrap();

    client.instances().get("inst_a").await.unwrap();

    assert_eq!(
        api_tokens(&received(&server).await),
        ["Bearer tok_a", "Bearer tok_b"]
    );
}

#[tokio::test]
async fn token_endpoint_errors_surface_as_auth_errors_and_no_api_call_is_made() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "error": "invalid_client", "error_description": "unknown client"
        })))
        .mount(&server)
        .await;
    let client = support::builder(&server)
        .client_credentials(credentials())
        .build()
        .unwrap();

    let err = client.instances().get("inst_a").await.unwrap_err();

    assert!(matches!(err, Error::Auth { .. }), "{err:?}");
    assert_eq!(err.code(), Some(&ErrorCode::InvalidClient));
    assert!(!err.to_string().contains("secret_a"));
    assert_eq!(received(&server).await.len(), 1);
}

struct CountingSource {
    fetches: Arc<AtomicUsize>,
}

impl TokenSource for CountingSource {
    fn fetch(&self) -> TokenFuture<'_> {
        Box::pin(async move {
            let n = self.fetches.fetch_add(1, Ordering::SeqCst) + 1;
            Ok(AccessToken::new(format!("custom_{n}")).expires_in(Duration::from_secs(600)))
        })
    }
}

#[tokio::test]
async fn a_custom_token_source_is_cached() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(INSTANCE_PATH))
        .and(header("authorization", "Bearer custom_1"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(envelope(instance("inst_a", "running"))),
        )
        .expect(3)
        .mount(&server)
        .await;
    let fetches = Arc::new(AtomicUsize::new(0));
    let source = CountingSource {
        fetches: Arc::clone(&fetches),
    };
    let client = support::builder(&server)
        .token_source(source)
        .build()
        .unwrap();

    for _ in 0..3 {
        client.instances().get("inst_a").await.unwrap();
    }

    assert_eq!(fetches.load(Ordering::SeqCst), 1);
}

#[test]
fn tokens_never_appear_in_debug_output() {
    let client = interactor_client::Client::builder()
        .bearer_token("tok_topsecret")
        .build()
        .unwrap();
    let token = AccessToken::new("tok_topsecret");
    for debug in [
        format!("{client:?}"),
        format!("{token:?}"),
        format!("{credentials:?}", credentials = credentials()),
    ] {
        assert!(
            !debug.contains("topsecret") && !debug.contains("secret_a"),
            "{debug}"
        );
    }
}

#[tokio::test]
async fn an_unavailable_token_endpoint_is_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(TokenSequence::new(3600))
        .mount(&server)
        .await;
    mount_instance_for_any_token(&server).await;
    let client = support::builder(&server)
        .client_credentials(credentials())
        .build()
        .unwrap();

    client.instances().get("inst_a").await.unwrap();

    let requests = received(&server).await;
    assert_eq!(token_requests(&requests), 3);
    assert_eq!(api_tokens(&requests), ["Bearer tok_1"]);
}

#[test]
fn clients_requests_and_streams_can_cross_threads() {
    fn assert_send_sync<T: Send + Sync + Clone + 'static>() {}
    fn assert_send<T: Send + 'static>() {}
    assert_send_sync::<interactor_client::Client>();
    assert_send::<interactor_client::Request<interactor_client::model::Instance>>();
    assert_send::<interactor_client::Paginated<interactor_client::model::HistoryEvent>>();
}

#[tokio::test]
async fn an_absurd_token_lifetime_is_accepted_without_overflow() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "forever", "expires_in": u64::MAX
        })))
        .expect(1)
        .mount(&server)
        .await;
    mount_instance_for_any_token(&server).await;
    let client = support::builder(&server)
        .client_credentials(credentials())
        .build()
        .unwrap();

    client.instances().get("inst_a").await.unwrap();
    client.instances().get("inst_a").await.unwrap();

    assert_eq!(
        api_tokens(&received(&server).await),
        ["Bearer forever", "Bearer forever"]
    );
}
