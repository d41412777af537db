//! `GET /api/v1/workflows/instances/{id}` per second from three servers answering the same
//! bytes: the mock, a bare axum handler, and a wiremock stub. Same client, same
//! concurrency, same process; the order of the servers rotates between rounds.

use std::time::{Duration, Instant};

use axum::http::header::CONTENT_TYPE;
use bytes::Bytes;
use interactor_mock::MockServer;
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::support;

/// One server under test.
struct Server {
    name: &'static str,
    url: String,
    rates: Vec<f64>,
}

impl Server {
    fn median(&self) -> f64 {
        let mut rates = self.rates.clone();
        rates.sort_by(f64::total_cmp);
        rates.get(rates.len() / 2).copied().unwrap_or(0.0)
    }
}

pub(crate) async fn run(tasks: usize, per_task: u64, rounds: u64) {
    let mock = MockServer::builder()
        .no_rate_limits()
        .start()
        .await
        .expect("the mock starts");
    let engine = mock.engine().clone();
    let id = tokio::task::spawn_blocking(move || {
        support::deploy(&engine);
        support::cycle(&engine, 1).id
    })
    .await
    .expect("a completed instance");
    let route = format!("/api/v1/workflows/instances/{id}");

    let client = reqwest::Client::new();
    let token = mock.dev_token().to_owned();
    let captured = get(&client, &format!("{}{route}", mock.base_url()), &token).await;

    let bare = bare_axum(captured.clone()).await;
    let stub = wiremock::MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(route.as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_raw(captured.to_vec(), "application/json"))
        .mount(&stub)
        .await;

    let mut servers = [
        Server {
            name: "interactor-mock",
            url: format!("{}{route}", mock.base_url()),
            rates: Vec::new(),
        },
        Server {
            name: "bare axum (same bytes)",
            url: format!("{bare}{route}"),
            rates: Vec::new(),
        },
        Server {
            name: "wiremock stub (same bytes)",
            url: format!("{}{route}", stub.uri()),
            rates: Vec::new(),
        },
    ];

    println!(
        "\n## GET instance: {tasks} tasks x {per_task} requests, {} byte body, {rounds} rounds\n",
        captured.len()
    );
    for server in &servers {
        measure(&client, &server.url, &token, tasks, 100, captured.len()).await;
    }
    for round in 0..rounds {
        let count = servers.len();
        for k in 0..count {
            #[allow(clippy::cast_possible_truncation)]
            let server = &mut servers[(k + round as usize) % count];
            let elapsed = measure(&client, &server.url, &token, tasks, per_task, captured.len()).await;
            #[allow(clippy::cast_precision_loss)]
            server.rates.push((tasks as u64 * per_task) as f64 / elapsed.as_secs_f64());
        }
    }

    println!("| {:<28} | {:<30} | {:>10} | {:>8} |", "server", "req/s per round", "median", "mock / x");
    println!("|{:-<30}|{:-<32}|{:->12}|{:->10}|", "", "", "", "");
    let mock_rate = servers[0].median();
    for server in &servers {
        let rounds: Vec<String> = server.rates.iter().map(|r| format!("{r:.0}")).collect();
        println!(
            "| {:<28} | {:<30} | {:>10.0} | {:>8.2} |",
            server.name,
            rounds.join(" "),
            server.median(),
            mock_rate / server.median()
        );
    }
    println!(
        "\nmock / bare axum = {:.2} (target >= 0.6), mock / wiremock = {:.2} (target >= 2)",
        mock_rate / servers[1].median(),
        mock_rate / servers[2].median()
    );
    mock.shutdown().await.expect("the mock stops");
}

/// A bare axum server answering `body` on the instance route; returns its base URL.
async fn bare_axum(body: Bytes) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a local port");
    let addr = listener.local_addr().expect("an address");
    let app = axum::Router::new().route(
        "/api/v1/workflows/instances/{id}",
        axum::routing::get(move || {
            let body = body.clone();
            async move { ([(CONTENT_TYPE, "application/json")], body) }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

async fn get(client: &reqwest::Client, url: &str, token: &str) -> Bytes {
    let response = client
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .expect("the server answers");
    assert_eq!(response.status().as_u16(), 200, "GET {url}");
    response.bytes().await.expect("a body")
}

/// `tasks` tasks each sending `per_task` requests one after the other; the wall time.
async fn measure(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    tasks: usize,
    per_task: u64,
    length: usize,
) -> Duration {
    let started = Instant::now();
    let handles: Vec<_> = (0..tasks)
        .map(|_| {
            let client = client.clone();
            let url = url.to_owned();
            let token = token.to_owned();
            tokio::spawn(async move {
                for _ in 0..per_task {
                    let body = get(&client, &url, &token).await;
                    assert_eq!(body.len(), length, "GET {url} answers the captured body");
                }
            })
        })
        .collect();
    for handle in handles {
        handle.await.expect("the task finishes");
    }
    started.elapsed()
}
