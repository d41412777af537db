//! One script step through the sandbox against a bare rquickjs evaluation of the same code.
//!
//! The bare evaluation is what a host would do with no sandbox at all: a warm runtime
//! (created once, outside the measurement), a new full context per step, the code wrapped
//! as a function and called with JSON-parsed arguments, the result stringified and parsed
//! by serde_json. The sandbox adds the hand-off to a worker thread, the hardening prelude,
//! the mock clock, console capture and frozen secrets, and the garbage collection after
//! each job.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use interactor_mock::script::{ScriptJob, ScriptLimits, ScriptSandbox};
use rquickjs::{Context, Function, Runtime};
use serde_json::{Value, json};

/// The `request` state's script of the reference's `approval_workflow`.
const REQUEST_SCRIPT: &str = r#"return { request_id: input.id, amount: input.amount, status: "pending", submitted_at: new Date().toISOString() }"#;

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

    let runtime = Runtime::new().expect("runtime");
    runtime.set_memory_limit(16 * 1024 * 1024);
    group.bench_function("bare_rquickjs", |b| {
        b.iter(|| black_box(bare(&runtime, REQUEST_SCRIPT, &input())));
    });

    group.bench_function("ctx_only", |b| {
        b.iter(|| { let c = Context::full(&runtime).unwrap(); c.with(|ctx| { black_box(ctx.globals()); }); });
    });
    group.bench_function("ctx_prelude_parse", |b| {
        b.iter(|| { let c = Context::full(&runtime).unwrap(); c.with(|ctx| { let f: Function<'_> = ctx.eval(include_str!("../src/script/prelude.js")).unwrap(); black_box(f); }); });
    });
    group.bench_function("ctx_prelude_run", |b| {
        b.iter(|| { let c = Context::full(&runtime).unwrap(); c.with(|ctx| { let f: Function<'_> = ctx.eval(include_str!("../src/script/prelude.js")).unwrap(); let sink = Function::new(ctx.clone(), |_l: String| {}).unwrap(); let r: Function<'_> = f.call((sink, 1e6, 65536.0)).unwrap(); black_box(r); }); });
    });
    group.bench_function("ctx_gc", |b| {
        b.iter(|| { let c = Context::full(&runtime).unwrap(); c.with(|ctx| { black_box(ctx.globals()); }); drop(c); runtime.run_gc(); });
    });

    for (name, src) in [("nocomment", include_str!("/tmp/p_nocomment.js")), ("half", include_str!("/tmp/p_half.js")), ("tiny", include_str!("/tmp/p_tiny.js"))] {
        group.bench_function(format!("parse_{name}"), |b| {
            b.iter(|| { let c = Context::full(&runtime).unwrap(); c.with(|ctx| { let f: Function<'_> = ctx.eval(src).unwrap(); black_box(f); }); });
        });
    }
    group.finish();
}

criterion_group!(benches, script_step);
criterion_main!(benches);
