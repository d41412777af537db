//! Resident memory of the engine as completed `approval_workflow` instances pile up: every
//! instance ran its script step, halted, was approved, ran its stubbed `on_enter` call, and
//! keeps its full history, its events and the journal entry of its HTTP call.
//!
//! `cargo bench -p interactor-mock --bench memory`
//!
//! Settings (environment): `BENCH_THREADS` (default 2) threads creating instances,
//! `BENCH_MEMORY_BUDGET` seconds (default 300) after which the run stops at the next
//! checkpoint it cannot reach in time. Reads `VmRSS` from `/proc/self/status`.

mod support;

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use interactor_client::model::InstanceStatus;
use interactor_mock::engine::InstanceFilter;

const CHECKPOINTS: [u64; 3] = [10_000, 50_000, 100_000];
const MIB: f64 = 1024.0 * 1024.0;

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[allow(clippy::cast_precision_loss)]
fn main() {
    let threads = env_u64("BENCH_THREADS", 2);
    let budget = Duration::from_secs(env_u64("BENCH_MEMORY_BUDGET", 300));
    println!(
        "threads: {threads}, budget: {} s, load average (1 min) at start: {}",
        budget.as_secs(),
        support::load_average()
    );

    let engine = support::engine();
    support::cycle(&engine, 0);
    let baseline = support::rss_bytes().expect("/proc/self/status has VmRSS");
    println!("baseline RSS (engine, workflow, one cycle): {:.1} MiB\n", baseline as f64 / MIB);
    println!(
        "| {:>9} | {:>9} | {:>12} | {:>15} | {:>9} | {:>10} |",
        "instances", "RSS MiB", "growth MiB", "bytes/instance", "secs", "cycles/s"
    );
    println!("|{:->11}|{:->11}|{:->14}|{:->17}|{:->11}|{:->12}|", "", "", "", "", "", "");

    let started = Instant::now();
    let created = AtomicU64::new(1);
    let mut done = 1;
    for checkpoint in CHECKPOINTS {
        let elapsed = started.elapsed();
        if done > 1 {
            let projected = elapsed.mul_f64(checkpoint as f64 / done as f64);
            if projected > budget {
                println!(
                    "\nstopped: {checkpoint} instances would take about {:.0} s, over the budget",
                    projected.as_secs_f64()
                );
                break;
            }
        }

        std::thread::scope(|scope| {
            for _ in 0..threads {
                scope.spawn(|| {
                    loop {
                        let n = created.fetch_add(1, Ordering::Relaxed);
                        if n > checkpoint {
                            break;
                        }
                        support::cycle(&engine, n);
                    }
                });
            }
        });
        done = checkpoint;

        let rss = support::rss_bytes().expect("VmRSS");
        let growth = rss.saturating_sub(baseline);
        let elapsed = started.elapsed();
        println!(
            "| {checkpoint:>9} | {:>9.1} | {:>12.1} | {:>15.0} | {:>9.1} | {:>10.0} |",
            rss as f64 / MIB,
            growth as f64 / MIB,
            growth as f64 / checkpoint as f64,
            elapsed.as_secs_f64(),
            checkpoint as f64 / elapsed.as_secs_f64(),
        );
    }

    let completed = engine
        .list_instances(&InstanceFilter {
            status: Some(InstanceStatus::Completed),
            ..InstanceFilter::default()
        })
        .len();
    println!(
        "\ncompleted instances held by the engine: {completed}; load average (1 min) at end: {}",
        support::load_average()
    );
}
