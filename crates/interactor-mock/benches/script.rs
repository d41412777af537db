//! One script step through the sandbox against a bare rquickjs evaluation of the same code.
//!
//! The bare evaluation is what a host would do with no sandbox at all: a warm runtime
//! (created once, outside the measurement), a new full context per step, the code wrapped
//! as a function and called with JSON-parsed arguments, the result stringified and parsed
//! by serde_json. The sandbox adds the hand-off to a worker thread, the mock clock, console
//! capture, frozen secrets and the check that the code is one function body; it reuses a
//! hardened, locked-down context, which the worker resets after answering (and replaces
//! every 256 jobs). `sandbox_run` measures steps back to back, so a worker may still be
//! resetting when the next step arrives; `sandbox_run_after_idle` measures a step arriving
//! after a short pause, when every worker is ready.

use std::hint::black_box;
use std::thread;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use interactor_mock::script::{ScriptJob, ScriptLimits, ScriptSandbox};
use rquickjs::{Context, Function, Runtime};
use serde_json::{Value, json};

/// The `request` state's script of the reference's `approval_workflow`.
const REQUEST_SCRIPT: &str = "return { request_id: input.id, amount: input.amount, \
    status: \"pending\", submitted_at: new Date().toISOString() }";

fn input() -> Value {
    json!({ "id": "req_456", "amount": 5000 })
}

fn bare(runtime: &Runtime, code: &str, input: &Value) -> Value {
    let context = Context::full(runtime).expect("context");
    let source = format!("(function (input, workflow_data, context, secrets) {{{code}\n}})");
    let json = context.with(|ctx| {
        let function: Function<'_> = ctx.eval(source).expect("compiles");
        let args = (
            ctx.json_parse(input.to_string()).expect("input"),
            ctx.json_parse("{}").expect("workflow_data"),
            ctx.json_parse("{}").expect("context"),
            ctx.json_parse("{}").expect("secrets"),
        );
        let result: rquickjs::Value<'_> = function.call(args).expect("runs");
        ctx.json_stringify(result)
            .expect("stringifies")
            .expect("a value")
            .to_string()
            .expect("utf-8")
    });
    serde_json::from_str(&json).expect("json")
}

fn script_step(c: &mut Criterion) {
    let mut group = c.benchmark_group("script_step");

    let sandbox = ScriptSandbox::new(ScriptLimits::default());
    group.bench_function("sandbox_run", |b| {
        b.iter(|| {
            let job = ScriptJob::new(REQUEST_SCRIPT).with_input(input());
            black_box(sandbox.run(job).expect("script runs"))
        });
    });

    // A step that arrives after a pause, as in a test driving the mock request by request:
    // the worker has hardened its next context meanwhile.
    group.bench_function("sandbox_run_after_idle", |b| {
        b.iter_custom(|iters| {
            let mut measured = Duration::ZERO;
            for _ in 0..iters {
                thread::sleep(Duration::from_millis(2));
                let job = ScriptJob::new(REQUEST_SCRIPT).with_input(input());
                let started = Instant::now();
                black_box(sandbox.run(job).expect("script runs"));
                measured += started.elapsed();
            }
            measured
        });
    });

    let runtime = Runtime::new().expect("runtime");
    runtime.set_memory_limit(16 * 1024 * 1024);
    group.bench_function("bare_rquickjs", |b| {
        b.iter(|| black_box(bare(&runtime, REQUEST_SCRIPT, &input())));
    });

    group.finish();
}

criterion_group!(benches, script_step);
criterion_main!(benches);
