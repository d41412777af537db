//! `approval_workflow` cycles per second: in-process through the engine, and over HTTP
//! through a real mock server with a keep-alive client.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use interactor_mock::MockServer;
use serde_json::{Value, json};
use tokio::runtime::Runtime;

use crate::support::{self, WORKFLOW};

/// Cycles done and the time each took.
struct Tally {
    elapsed: Duration,
    latencies: Vec<Duration>,
}

impl Tally {
    fn row(mut self, mode: &str) {
        self.latencies.sort_unstable();
        let count = self.latencies.len();
        #[allow(clippy::cast_precision_loss)]
        let rate = count as f64 / self.elapsed.as_secs_f64();
        println!(
            "| {mode:<32} | {count:>7} | {:>6.2} | {rate:>9.0} | {:>8} | {:>8} |",
            self.elapsed.as_secs_f64(),
            support::ms(support::quantile(&self.latencies, 0.5)),
            support::ms(support::quantile(&self.latencies, 0.99)),
        );
    }
}

pub(crate) fn run(runtime: &Runtime, window: Duration, tasks: usize) {
    println!("\n## approval_workflow cycles (create -> halt -> resume -> completed)\n");
    println!(
        "| {:<32} | {:>7} | {:>6} | {:>9} | {:>8} | {:>8} |",
        "mode", "cycles", "secs", "cycles/s", "p50 ms", "p99 ms"
    );
    println!(
        "|{:-<34}|{:->9}|{:->8}|{:->11}|{:->10}|{:->10}|",
        "", "", "", "", "", ""
    );

    let engine = support::engine();
    let counter = AtomicU64::new(0);
    for threads in [1, 2] {
        in_process(&engine, &counter, threads, window)
            .row(&format!("in-process, {threads} thread(s)"));
    }

    runtime.block_on(async {
        let server = MockServer::builder()
            .no_rate_limits()
            .start()
            .await
            .expect("the mock starts");
        let engine = server.engine().clone();
        tokio::task::spawn_blocking(move || support::deploy(&engine))
            .await
            .expect("deploys");
        let client = reqwest::Client::new();
        let target = Target {
            client,
            api: server.api_url(),
            token: server.dev_token().to_owned(),
        };
        let target = Arc::new(target);

        // Warm the connection pool and the script workers.
        for n in 0..20 {
            target.cycle(n).await;
        }
        over_http(&target, 1, window)
            .await
            .row("HTTP, sequential (keep-alive)");
        over_http(&target, tasks, window)
            .await
            .row(&format!("HTTP, {tasks} concurrent tasks"));
        server.shutdown().await.expect("the mock stops");
    });
}

/// Cycles on `threads` plain threads sharing one engine, for `window`.
fn in_process(
    engine: &interactor_mock::Engine,
    counter: &AtomicU64,
    threads: usize,
    window: Duration,
) -> Tally {
    let started = Instant::now();
    let latencies = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut latencies = Vec::new();
                    while started.elapsed() < window {
                        let n = counter.fetch_add(1, Ordering::Relaxed);
                        let at = Instant::now();
                        support::cycle(engine, n);
                        latencies.push(at.elapsed());
                    }
                    latencies
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("the worker finishes"))
            .collect()
    });
    Tally {
        elapsed: started.elapsed(),
        latencies,
    }
}

/// A mock server's API and a keep-alive client for it.
struct Target {
    client: reqwest::Client,
    api: String,
    token: String,
}

impl Target {
    async fn post(&self, path: &str, body: Value, expected: u16) -> Value {
        let response = self
            .client
            .post(format!("{}{path}", self.api))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .expect("the mock answers");
        let status = response.status().as_u16();
        let body: Value = response.json().await.expect("a JSON body");
        assert_eq!(status, expected, "{path}: {body}");
        body
    }

    /// One cycle over HTTP; checks the instance halts, then completes.
    async fn cycle(&self, n: u64) {
        let created = self
            .post(
                &format!("/workflows/{WORKFLOW}/instances"),
                json!({ "input": support::start_input(n) }),
                201,
            )
            .await;
        assert_eq!(created["data"]["status"], "halted", "{created}");
        let id = created["data"]["id"].as_str().expect("an instance id");

        let resumed = self
            .post(
                &format!("/workflows/instances/{id}/resume"),
                json!({ "input": support::approval() }),
                200,
            )
            .await;
        assert_eq!(resumed["data"]["status"], "completed", "{resumed}");
    }
}

/// Cycles from `tasks` concurrent tasks, each one cycle at a time, for `window`.
async fn over_http(target: &Arc<Target>, tasks: usize, window: Duration) -> Tally {
    let started = Instant::now();
    let handles: Vec<_> = (0..tasks)
        .map(|task| {
            let target = Arc::clone(target);
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut n = 1_000_000 * (task as u64 + 1);
                while started.elapsed() < window {
                    let at = Instant::now();
                    target.cycle(n).await;
                    latencies.push(at.elapsed());
                    n += 1;
                }
                latencies
            })
        })
        .collect();
    let mut latencies = Vec::new();
    for handle in handles {
        latencies.extend(handle.await.expect("the task finishes"));
    }
    Tally {
        elapsed: started.elapsed(),
        latencies,
    }
}
