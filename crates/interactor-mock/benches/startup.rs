//! Start-up time: the `interactor-mock` binary from spawn until its first stdout line and
//! its first `GET /health` answer, and `MockServer::start()` in-process.
//!
//! `cargo bench -p interactor-mock --bench startup`
//!
//! Cargo builds the package's binary before its benchmarks and hands its path to them as
//! `CARGO_BIN_EXE_interactor-mock` (in `cargo bench`, the release build in
//! `target/release/`); the run checks the file is there before timing anything.
//! Settings (environment): `BENCH_STARTS` spawns of the binary (default 20),
//! `BENCH_IN_PROCESS_STARTS` in-process starts (default 100).

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use interactor_mock::MockServer;

const BINARY: &str = env!("CARGO_BIN_EXE_interactor-mock");
const FIRST_LINE: &str = "interactor-mock listening on http://";

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    assert!(
        std::path::Path::new(BINARY).is_file(),
        "{BINARY} is missing: run through `cargo bench`, which builds it"
    );
    println!(
        "binary: {BINARY}\nload average (1 min) at start: {}\n",
        support::load_average()
    );
    println!(
        "| {:<40} | {:>5} | {:>8} | {:>8} | {:>8} | {:>8} |",
        "what", "runs", "first ms", "min ms", "p50 ms", "p90 ms"
    );
    println!(
        "|{:-<42}|{:->7}|{:->10}|{:->10}|{:->10}|{:->10}|",
        "", "", "", "", "", ""
    );

    let (lines, healths): (Vec<_>, Vec<_>) = (0..env_u64("BENCH_STARTS", 20))
        .map(|_| spawn_binary())
        .unzip();
    row("binary: spawn -> first stdout line", lines);
    row("binary: spawn -> GET /health answered", healths);

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let starts = runtime.block_on(async {
        let mut starts = Vec::new();
        for _ in 0..env_u64("BENCH_IN_PROCESS_STARTS", 100) {
            let at = Instant::now();
            let server = MockServer::start().await;
            starts.push(at.elapsed());
            server.shutdown().await.expect("the mock stops");
        }
        starts
    });
    row("in-process: MockServer::start().await", starts);
    println!("\nload average (1 min) at end: {}", support::load_average());
}

fn row(what: &str, runs: Vec<Duration>) {
    let first = runs.first().copied().unwrap_or_default();
    let mut sorted = runs;
    sorted.sort_unstable();
    println!(
        "| {what:<40} | {:>5} | {:>8} | {:>8} | {:>8} | {:>8} |",
        sorted.len(),
        support::ms(first),
        support::ms(sorted.first().copied().unwrap_or_default()),
        support::ms(support::quantile(&sorted, 0.5)),
        support::ms(support::quantile(&sorted, 0.9)),
    );
}

/// Spawns the binary on a free loopback port; returns the time to its first line and the
/// time to its first `/health` answer.
fn spawn_binary() -> (Duration, Duration) {
    let started = Instant::now();
    let mut child = Command::new(BINARY)
        .args(["--addr", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let stdout = child.stdout.take().expect("a stdout pipe");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("a first line");
    let first_line = started.elapsed();

    let host = line
        .trim()
        .strip_prefix(FIRST_LINE)
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    let answer = health(&host);
    let healthy = started.elapsed();
    assert!(answer.starts_with("HTTP/1.1 200"), "GET /health: {answer}");

    child.kill().expect("the binary stops");
    child.wait().expect("the binary is reaped");
    (first_line, healthy)
}

/// `GET /health` over a fresh connection; the whole answer.
fn health(host: &str) -> String {
    let mut stream = TcpStream::connect(host).expect("the port answers");
    write!(
        stream,
        "GET /health HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .expect("the request is sent");
    let mut answer = String::new();
    stream
        .read_to_string(&mut answer)
        .expect("the answer is read");
    answer
}
