//! Resident memory of the engine as completed `approval_workflow` instances pile up: every
//! instance ran its script step, halted, was approved, ran its stubbed `on_enter` call, and
//! keeps its full history, its events and the journal entry of its HTTP call.
//!
//! `cargo bench -p interactor-mock --bench memory`
//!
//! A second table breaks one instance down: the sizes of the model types it keeps, its
//! event count, and the growth per instance of simpler workflows (10,000 each).
//!
//! Settings (environment): `BENCH_THREADS` (default 2) threads creating instances,
//! `BENCH_MEMORY_BUDGET` seconds (default 300) after which the run stops at the next
//! checkpoint it cannot reach in time. Reads `VmRSS` from `/proc/self/status`.

mod support;

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use interactor_client::model::{
    CreateInstanceRequest, HistoryEntry, HistoryEvent, Instance, InstanceStatus,
};
use interactor_mock::engine::{CallContext, HistoryQuery, InstanceFilter};
use interactor_mock::{Clock, Engine, EngineConfig};
use serde_json::{Value, json};

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
    println!(
        "baseline RSS (engine, workflow, one cycle): {:.1} MiB\n",
        baseline as f64 / MIB
    );
    println!(
        "| {:>9} | {:>9} | {:>12} | {:>15} | {:>9} | {:>10} |",
        "instances", "RSS MiB", "growth MiB", "bytes/instance", "secs", "cycles/s"
    );
    println!(
        "|{:->11}|{:->11}|{:->14}|{:->17}|{:->11}|{:->12}|",
        "", "", "", "", "", ""
    );

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
        // Each thread drew one number past the checkpoint before it stopped.
        created.store(checkpoint + 1, Ordering::Relaxed);

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

    composition(&engine);

    // Counted last: listing clones every instance and frees the copies, and freed memory
    // would be reused by the rows above.
    let completed = engine
        .list_instances(&InstanceFilter {
            status: Some(InstanceStatus::Completed),
            ..InstanceFilter::default()
        })
        .len();
    println!(
        "\ncompleted instances held by the engine: {completed}, HTTP calls journalled: {}",
        engine.http().calls().len()
    );

    println!("\nload average (1 min) at end: {}", support::load_average());
}

/// What one completed approval instance holds, and what simpler workflows cost.
#[allow(clippy::cast_precision_loss)]
fn composition(engine: &Engine) {
    let instance = support::cycle(engine, u64::MAX);
    let history = engine
        .history(&instance.id, &HistoryQuery::default())
        .expect("a history");
    println!("\n## One completed approval instance\n");
    println!("| what | value |\n|---|---|");
    println!(
        "| size_of Instance / HistoryEvent / HistoryEntry | {} / {} / {} bytes |",
        size_of::<Instance>(),
        size_of::<HistoryEvent>(),
        size_of::<HistoryEntry>()
    );
    println!("| history events kept | {} |", history.events.len());
    println!("| summary history entries | {} |", instance.history.len());
    println!(
        "| instance view as JSON | {} bytes |",
        serde_json::to_vec(&instance).map_or(0, |v| v.len())
    );
    println!(
        "| history page as JSON | {} bytes |",
        serde_json::to_vec(&history).map_or(0, |v| v.len())
    );

    // Engines stay alive until the end, so no freed memory is reused between rows.
    let mut kept = Vec::new();
    for (label, definition, resume) in variants() {
        let name = definition["name"].as_str().expect("a name").to_owned();
        let name = name.as_str();
        let engine = Engine::new(Clock::system(), EngineConfig::default());
        let size = definition.to_string().len();
        let version = engine.create_workflow(&definition, size).expect("valid");
        engine
            .publish(name, &version.version_id)
            .expect("published");
        support::stub_yourapp(&engine);

        let before = support::rss_bytes().expect("VmRSS");
        for n in 0..10_000_u64 {
            let created = engine
                .create_instance(
                    name,
                    CreateInstanceRequest {
                        // Halted instances count against a namespace's quota.
                        namespace: Some(format!("ns_{}", n % 10)),
                        input: support::start_input(n),
                    },
                    &CallContext::default(),
                )
                .expect("starts");
            if resume {
                engine
                    .resume(
                        &created.id,
                        None,
                        interactor_client::model::ResumeRequest {
                            input: support::approval(),
                            expected_state: None,
                        },
                        &CallContext::default(),
                    )
                    .expect("resumes");
            }
        }
        let growth = support::rss_bytes().expect("VmRSS").saturating_sub(before);
        println!(
            "| {label}: bytes per instance (10,000) | {:.0} |",
            growth as f64 / 10_000.0
        );
        kept.push(engine);
    }
}

/// Simpler workflows, each a step less than the one before: the approval without its HTTP
/// `on_enter`; the same left halted (never resumed); one script step then the end; and an
/// instance that ends at once.
fn variants() -> Vec<(&'static str, Value, bool)> {
    let mut no_http = support::approval_workflow();
    no_http["name"] = json!("approval_no_http");
    for state in ["approved", "rejected"] {
        if let Some(state) = no_http["states"][state].as_object_mut() {
            state.remove("on_enter");
        }
    }
    let script_only = json!({
        "name": "script_only",
        "initial_state": "request",
        "states": {
            "request": {
                "type": "action",
                "logic": support::approval_workflow()["states"]["request"]["logic"].clone(),
                "transitions": [{ "target": "done" }]
            },
            "done": { "type": "terminal" }
        }
    });
    let immediate = json!({
        "name": "immediate",
        "initial_state": "done",
        "states": { "done": { "type": "terminal" } }
    });
    vec![
        (
            "approval without on_enter, completed",
            no_http.clone(),
            true,
        ),
        ("approval without on_enter, halted", no_http, false),
        ("script step then terminal, completed", script_only, false),
        ("terminal at once, completed", immediate, false),
    ]
}
