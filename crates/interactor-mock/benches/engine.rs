//! The engine in-process, one operation at a time: a full `approval_workflow` cycle
//! (create, which runs the script step and halts, then the approving resume, which runs the
//! stubbed `on_enter` call and completes), and reading a completed instance back.
//!
//! `cargo bench -p interactor-mock --bench engine -- --warm-up-time 1 --measurement-time 3`
//!
//! Cycles per second are `1 / time per iteration`. Every iteration leaves a completed
//! instance behind, as a long test run would.
//!
//! The `response` group writes a completed instance's `{"data": …}` body two ways: through
//! an intermediate `serde_json::Value` (`json!({"data": instance})`, then the bytes), and
//! straight to bytes through a borrowing envelope. It shows what a read answer costs
//! besides the engine.

mod support;

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde::Serialize;

/// `{"data": …}` without an intermediate value.
#[derive(Serialize)]
struct Envelope<'a, T> {
    data: &'a T,
}

fn cycles(c: &mut Criterion) {
    let mut group = c.benchmark_group("engine");
    group.throughput(Throughput::Elements(1));

    let engine = support::engine();
    let mut n = 0_u64;
    group.bench_function("approval_cycle", |b| {
        b.iter(|| {
            n += 1;
            black_box(support::cycle(&engine, n))
        });
    });

    let completed = support::cycle(&engine, 0).id;
    group.bench_function("get_completed_instance", |b| {
        b.iter(|| {
            black_box(
                engine
                    .get_instance(&completed)
                    .expect("the instance exists"),
            )
        });
    });

    group.finish();

    let instance = engine
        .get_instance(&completed)
        .expect("the instance exists");
    let mut group = c.benchmark_group("response");
    group.bench_function("envelope_through_value", |b| {
        b.iter(|| {
            let value = serde_json::json!({ "data": &instance });
            black_box(serde_json::to_vec(&value).expect("serialises"))
        });
    });
    group.bench_function("envelope_direct", |b| {
        b.iter(|| {
            let envelope = Envelope { data: &instance };
            black_box(serde_json::to_vec(&envelope).expect("serialises"))
        });
    });
    group.finish();
}

criterion_group!(benches, cycles);
criterion_main!(benches);
