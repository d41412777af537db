//! Client overhead: `GET /workflows/instances/{id}` through the client vs. the same GET with
//! a bare `reqwest::Client`, both decoding the same typed body, against one local server.
//!
//! The server is a minimal keep-alive HTTP/1.1 responder, so that the numbers measure the
//! clients rather than the server. Run with
//! `cargo bench -p interactor-client --bench client_overhead`.

use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group};
use interactor_client::Client;
use interactor_client::model::{Envelope, Instance};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const BODY: &str = include_str!("../tests/fixtures/spec/get_instance_response.json");

/// Serves every request with the same instance until the process ends.
async fn serve() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(answer(stream));
        }
    });
    format!("http://{address}/api/v1")
}

async fn answer(mut stream: TcpStream) {
    let response = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
         x-request-id: req_bench\r\n\r\n{BODY}",
        BODY.len()
    );
    let mut buffer = Vec::with_capacity(4096);
    let mut chunk = [0_u8; 4096];
    loop {
        let Ok(read) = stream.read(&mut chunk).await else {
            return;
        };
        if read == 0 {
            return;
        }
        buffer.extend_from_slice(&chunk[..read]);
        // Requests carry no body: every header block ends one request.
        while let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            buffer.drain(..end + 4);
            if stream.write_all(response.as_bytes()).await.is_err() {
                return;
            }
        }
    }
}

fn client_overhead(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let base_url = runtime.block_on(serve());

    let client = Client::builder()
        .base_url(&base_url)
        .bearer_token("bench_token")
        .build()
        .expect("client");
    let bare = reqwest::Client::new();
    let url = format!("{base_url}/workflows/instances/inst_xyz");

    let through_client = || async {
        let instance = client.instances().get("inst_xyz").await.expect("get");
        assert_eq!(instance.id, "inst_xyz");
    };
    let through_reqwest = || async {
        let body = bare
            .get(&url)
            .bearer_auth("bench_token")
            .send()
            .await
            .expect("send")
            .bytes()
            .await
            .expect("body");
        let instance = serde_json::from_slice::<Envelope<Instance>>(&body).expect("decode");
        assert_eq!(instance.data.id, "inst_xyz");
    };

    // Each measured call is paired with an unmeasured call of the other kind, so that both
    // sides see the same machine load (the benchmark host is shared and noisy).
    let mut group = c.benchmark_group("get_instance");
    group.bench_function("interactor_client", |b| {
        b.to_async(&runtime).iter_custom(|iters| async move {
            let mut measured = Duration::ZERO;
            for _ in 0..iters {
                through_reqwest().await;
                let started = Instant::now();
                through_client().await;
                measured += started.elapsed();
            }
            measured
        });
    });
    group.bench_function("bare_reqwest", |b| {
        b.to_async(&runtime).iter_custom(|iters| async move {
            let mut measured = Duration::ZERO;
            for _ in 0..iters {
                through_client().await;
                let started = Instant::now();
                through_reqwest().await;
                measured += started.elapsed();
            }
            measured
        });
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = client_overhead
}

/// Alternates single calls of both kinds and prints per-call percentiles: on a shared host
/// this comparison is far less sensitive to load than two separate measurement windows.
fn paired_percentiles() {
    const PAIRS: usize = 10_000;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let base_url = serve().await;
        let client = Client::builder()
            .base_url(&base_url)
            .bearer_token("bench_token")
            .build()
            .expect("client");
        let bare = reqwest::Client::new();
        let url = format!("{base_url}/workflows/instances/inst_xyz");

        let mut through_client = Vec::with_capacity(PAIRS);
        let mut through_reqwest = Vec::with_capacity(PAIRS);
        for _ in 0..PAIRS {
            let started = Instant::now();
            let instance = client.instances().get("inst_xyz").await.expect("get");
            through_client.push(started.elapsed());
            assert_eq!(instance.id, "inst_xyz");

            let started = Instant::now();
            let body = bare
                .get(&url)
                .bearer_auth("bench_token")
                .send()
                .await
                .expect("send")
                .bytes()
                .await
                .expect("body");
            let instance = serde_json::from_slice::<Envelope<Instance>>(&body).expect("decode");
            through_reqwest.push(started.elapsed());
            assert_eq!(instance.data.id, "inst_xyz");
        }

        through_client.sort();
        through_reqwest.sort();
        println!("paired single calls ({PAIRS} pairs): client / bare reqwest");
        for percentile in [10, 25, 50, 75, 90] {
            let client = through_client[PAIRS * percentile / 100];
            let bare = through_reqwest[PAIRS * percentile / 100];
            let ratio = client.as_secs_f64() / bare.as_secs_f64();
            println!("  p{percentile}: {client:?} / {bare:?} = {ratio:.2}x");
        }
    });
}

fn main() {
    benches();
    paired_percentiles();
    Criterion::default().configure_from_args().final_summary();
}
