//! `GET /api/v1/workflows/instances/{id}` per second from three servers answering the same
//! bytes: the mock, a bare axum handler, and a wiremock stub. Same client, same
//! concurrency, same process; the order of the servers rotates between rounds. Two
//! diagnostic rows show where the time goes. `BENCH_ONLY=NAME` keeps the servers whose name
//! contains NAME (for profiling one of them).

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
    /// The body length every answer must have, when it is fixed.
    length: Option<usize>,
    rates: Vec<f64>,
    /// Process CPU time per request, in microseconds, per round.
    cpu: Vec<f64>,
}

impl Server {
    fn median(&self) -> f64 {
        median(&self.rates)
    }
}

fn median(values: &[f64]) -> f64 {
    let mut values = values.to_vec();
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(0.0)
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

    let bare = bare_axum(captured.clone(), false).await;
    let bare_blocking = bare_axum(captured.clone(), true).await;
    let stub = wiremock::MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(route.as_str()))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(captured.to_vec(), "application/json"),
        )
        .mount(&stub)
        .await;

    let length = Some(captured.len());
    let server = |name, url, length| Server {
        name,
        url,
        length,
        rates: Vec::new(),
        cpu: Vec::new(),
    };
    let mut servers = vec![
        server(
            "interactor-mock",
            format!("{}{route}", mock.base_url()),
            length,
        ),
        server("bare axum (same bytes)", format!("{bare}{route}"), length),
        server(
            "wiremock stub (same bytes)",
            format!("{}{route}", stub.uri()),
            length,
        ),
        // Diagnostics: where the mock's time goes.
        server(
            "diag: bare axum + spawn_blocking",
            format!("{bare_blocking}{route}"),
            length,
        ),
        server(
            "diag: mock GET /health",
            format!("{}/health", mock.base_url()),
            None,
        ),
    ];
    let only = std::env::var("BENCH_ONLY").unwrap_or_default();
    servers.retain(|s| s.name.contains(only.as_str()));

    println!(
        "\n## GET instance: {tasks} tasks x {per_task} requests, {} byte body, {rounds} rounds\n",
        captured.len()
    );
    for server in &servers {
        measure(&client, server, &token, tasks, 100).await;
    }
    for round in 0..rounds {
        let count = servers.len();
        for k in 0..count {
            #[allow(clippy::cast_possible_truncation)]
            let server = &mut servers[(k + round as usize) % count];
            let cpu = support::cpu_time();
            let elapsed = measure(&client, server, &token, tasks, per_task).await;
            let cpu = support::cpu_time().saturating_sub(cpu);
            #[allow(clippy::cast_precision_loss)]
            let requests = (tasks as u64 * per_task) as f64;
            server.rates.push(requests / elapsed.as_secs_f64());
            server.cpu.push(cpu.as_secs_f64() * 1e6 / requests);
        }
    }

    println!(
        "| {:<34} | {:<24} | {:>8} | {:>8} | {:>11} |",
        "server", "req/s per round", "median", "mock / x", "CPU us/req"
    );
    println!(
        "|{:-<36}|{:-<26}|{:->10}|{:->10}|{:->13}|",
        "", "", "", "", ""
    );
    let rate = |name: &str| {
        servers
            .iter()
            .find(|s| s.name == name)
            .map_or(f64::NAN, Server::median)
    };
    let mock_rate = rate("interactor-mock");
    for server in &servers {
        let rounds: Vec<String> = server.rates.iter().map(|r| format!("{r:.0}")).collect();
        println!(
            "| {:<34} | {:<24} | {:>8.0} | {:>8.2} | {:>11.1} |",
            server.name,
            rounds.join(" "),
            server.median(),
            mock_rate / server.median(),
            median(&server.cpu),
        );
    }
    println!(
        "\nCPU us/req: user + system time of the whole process (clients and servers) per request."
    );
    println!(
        "mock / bare axum = {:.2} (target >= 0.6), mock / wiremock = {:.2} (target >= 2)",
        mock_rate / rate("bare axum (same bytes)"),
        mock_rate / rate("wiremock stub (same bytes)")
    );
    mock.shutdown().await.expect("the mock stops");
}

/// A bare axum server answering `body` on the instance route, handed over from a blocking
/// task when `blocking` is set (as the mock reads its engine); returns its base URL.
async fn bare_axum(body: Bytes, blocking: bool) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a local port");
    let addr = listener.local_addr().expect("an address");
    let app = axum::Router::new().route(
        "/api/v1/workflows/instances/{id}",
        axum::routing::get(move || {
            let body = body.clone();
            async move {
                let body = if blocking {
                    tokio::task::spawn_blocking(move || body)
                        .await
                        .expect("the blocking task finishes")
                } else {
                    body
                };
                ([(CONTENT_TYPE, "application/json")], body)
            }
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
    server: &Server,
    token: &str,
    tasks: usize,
    per_task: u64,
) -> Duration {
    let started = Instant::now();
    let handles: Vec<_> = (0..tasks)
        .map(|_| {
            let client = client.clone();
            let url = server.url.clone();
            let length = server.length;
            let token = token.to_owned();
            tokio::spawn(async move {
                for _ in 0..per_task {
                    let body = get(&client, &url, &token).await;
                    if let Some(length) = length {
                        assert_eq!(body.len(), length, "GET {url} answers the captured body");
                    }
                }
            })
        })
        .collect();
    for handle in handles {
        handle.await.expect("the task finishes");
    }
    started.elapsed()
}
