//! Throughput tables: `approval_workflow` cycles per second (in-process and over HTTP), and
//! instance reads per second from the mock against a bare axum handler and a wiremock stub
//! that answer the same bytes.
//!
//! ```text
//! cargo bench -p interactor-mock --bench throughput            # both tables
//! cargo bench -p interactor-mock --bench throughput -- cycles  # only the cycles
//! cargo bench -p interactor-mock --bench throughput -- reads   # only the reads
//! ```
//!
//! Settings (environment): `BENCH_TASKS` concurrent clients (default 8),
//! `BENCH_SECONDS` per cycle measurement (default 3),
//! `BENCH_READS` requests per reading task (default 2000), `BENCH_ROUNDS` rounds of the
//! read comparison (default 3). Clients, servers and the engine share one process and the
//! machine's cores; every address is loopback.

mod cycles;
mod reads;
#[path = "../support/mod.rs"]
mod support;

use std::time::Duration;

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    // `cargo bench` passes `--bench`; the other arguments pick the tables.
    let picked: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let wants = |name: &str| picked.is_empty() || picked.iter().any(|p| p == name);

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let seconds = Duration::from_secs(env_u64("BENCH_SECONDS", 3));
    let reads = env_u64("BENCH_READS", 2000);
    let rounds = env_u64("BENCH_ROUNDS", 3);
    let tasks = usize::try_from(env_u64("BENCH_TASKS", 8)).expect("a task count");

    println!(
        "cores: {}, load average (1 min) at start: {}",
        std::thread::available_parallelism().map_or(0, usize::from),
        support::load_average()
    );
    if wants("cycles") {
        cycles::run(&runtime, seconds, tasks);
    }
    if wants("reads") {
        runtime.block_on(reads::run(tasks, reads, rounds));
    }
    println!("load average (1 min) at end: {}", support::load_average());
}
