//! The engine in-process, one operation at a time: a full `approval_workflow` cycle
//! (create, which runs the script step and halts, then the approving resume, which runs the
//! stubbed `on_enter` call and completes), and reading a completed instance back.
//!
//! `cargo bench -p interactor-mock --bench engine -- --warm-up-time 1 --measurement-time 3`
//!
//! Cycles per second are `1 / time per iteration`. Every iteration leaves a completed
//! instance behind, as a long test run would.

mod support;

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

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
        b.iter(|| black_box(engine.get_instance(&completed).expect("the instance exists")));
    });

    group.finish();
}

criterion_group!(benches, cycles);
criterion_main!(benches);
