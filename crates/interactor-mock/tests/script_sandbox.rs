//! The script sandbox through its public API: the reference's examples, the globals a
//! script sees and the ones it must not, and the limits that must hold whatever it does.

use std::thread;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use interactor_mock::script::{ScriptError, ScriptJob, ScriptLimits, ScriptOutput, ScriptSandbox};
use serde_json::{Value, json};

/// The timeout most tests use, to keep the suite fast.
const SHORT: Duration = Duration::from_millis(300);

fn sandbox() -> ScriptSandbox {
    ScriptSandbox::new(ScriptLimits {
        timeout: SHORT,
        ..ScriptLimits::default()
    })
}

fn run(sandbox: &ScriptSandbox, code: &str) -> Result<ScriptOutput, ScriptError> {
    sandbox.run(ScriptJob::new(code))
}

fn value(sandbox: &ScriptSandbox, code: &str) -> Value {
    match run(sandbox, code) {
        Ok(output) => output.value,
        Err(error) => panic!("`{code}` failed: {error:?}"),
    }
}

fn thrown(sandbox: &ScriptSandbox, code: &str) -> String {
    match run(sandbox, code) {
        Err(ScriptError::Thrown { message, .. }) => message,
        other => panic!("`{code}` should throw, got {other:?}"),
    }
}

fn in_2030() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, 6, 15, 12, 30, 0)
        .single()
        .expect("valid date")
}

fn assert_usable(sandbox: &ScriptSandbox) {
    assert_eq!(
        value(sandbox, "return [1, 2, 3].map((n) => n * 2)"),
        json!([2, 4, 6])
    );
}

#[test]
fn approval_request_script_builds_the_pending_request_with_the_mock_clock() {
    let sandbox = sandbox();
    let job = ScriptJob::new(
        "return { request_id: input.id, amount: input.amount, status: \"pending\", \
         submitted_at: new Date().toISOString() }",
    )
    .with_input(json!({ "id": "req_456", "amount": 5000 }))
    .with_now(in_2030());

    let output = sandbox.run(job).expect("script runs");

    assert_eq!(output.value["request_id"], "req_456");
    assert_eq!(output.value["amount"], 5000);
    assert_eq!(output.value["status"], "pending");
    let submitted: DateTime<Utc> = output.value["submitted_at"]
        .as_str()
        .expect("a string")
        .parse()
        .expect("RFC 3339");
    let drift = submitted - in_2030();
    assert!(
        drift >= chrono::Duration::zero() && drift < chrono::Duration::seconds(1),
        "{drift}"
    );
}

#[test]
fn reduce_and_spread_example_replaces_workflow_data_with_the_total() {
    let sandbox = sandbox();
    let job = ScriptJob::new(
        "const total = input.items.reduce((sum, item) => sum + item.price, 0); const needsApproval \
            = total > 1000; return { ...workflow_data, total, needs_approval: needsApproval, \
            calculated_at: new Date().toISOString() };",
    )
    .with_input(json!({ "items": [{ "price": 700 }, { "price": 450.5 }] }))
    .with_workflow_data(json!({ "request_id": "req_1" }))
    .with_now(in_2030());

    let value = sandbox.run(job).expect("script runs").value;

    assert_eq!(value["request_id"], "req_1");
    assert_eq!(value["total"], 1150.5);
    assert_eq!(value["needs_approval"], true);
    assert!(
        value["calculated_at"]
            .as_str()
            .expect("a string")
            .starts_with("2030-06-15T12:30:0")
    );
    let keys: Vec<&String> = value.as_object().expect("an object").keys().collect();
    assert_eq!(
        keys,
        ["request_id", "total", "needs_approval", "calculated_at"]
    );
}

#[test]
fn es2020_syntax_works() {
    let sandbox = sandbox();
    let job = ScriptJob::new(
        "const { a, ...rest } = input; return { a: a?.b?.c ?? 'none', rest, n: 2 ** 10, big: \
            typeof 1n, s: `t${1}` };",
    )
    .with_input(json!({ "a": null, "x": 1 }));

    let value = sandbox.run(job).expect("script runs").value;

    assert_eq!(
        value,
        json!({ "a": "none", "rest": { "x": 1 }, "n": 1024, "big": "bigint", "s": "t1" })
    );
}

#[test]
fn every_global_the_reference_lists_is_available() {
    let sandbox = sandbox();
    let job = ScriptJob::new(
        "return [typeof input, typeof workflow_data, typeof context, typeof secrets, typeof JSON, \
            typeof Date, typeof Math, typeof console.log, typeof Array, typeof Object, typeof \
            String, typeof Number, typeof Boolean, typeof RegExp, typeof Map, typeof Set]",
    );

    let value = sandbox.run(job).expect("script runs").value;

    let expected = [
        "object", "object", "object", "object", "object", "function", "object", "function",
        "function", "function", "function", "function", "function", "function", "function",
        "function",
    ];
    assert_eq!(value, json!(expected));
}

#[test]
fn context_carries_the_instance_coordinates() {
    let sandbox = sandbox();
    let context = json!({
        "namespace": "default",
        "instance_id": "inst_1",
        "workflow_name": "w",
        "state_name": "request",
    });
    let job = ScriptJob::new(
        "return `${context.workflow_name}/${context.state_name}@${context.instance_id}`",
    )
    .with_context(context);

    assert_eq!(
        sandbox.run(job).expect("script runs").value,
        "w/request@inst_1"
    );
}

#[test]
fn return_values_cross_the_boundary_as_exact_json() {
    let sandbox = sandbox();

    assert_eq!(
        value(&sandbox, "return 9007199254740991"),
        json!(9_007_199_254_740_991_u64)
    );
    assert_eq!(value(&sandbox, "return -42"), json!(-42));
    assert_eq!(value(&sandbox, "return 0.1 + 0.2"), json!(0.1 + 0.2));
    assert_eq!(value(&sandbox, "return 'text'"), json!("text"));
    assert_eq!(
        value(&sandbox, "return [true, null, NaN]"),
        json!([true, null, null])
    );
    assert_eq!(
        value(&sandbox, "return new Date(0)"),
        json!("1970-01-01T00:00:00.000Z")
    );
    assert_eq!(
        value(&sandbox, "return { a: undefined, b: 1 }"),
        json!({ "b": 1 })
    );
    assert_eq!(value(&sandbox, "return (input.n ?? 0) + 1"), json!(1));
}

#[test]
fn large_integers_in_the_input_stay_numbers() {
    let sandbox = sandbox();
    let job = ScriptJob::new("return { n: input.n, t: typeof input.n }")
        .with_input(json!({ "n": 4_503_599_627_370_496_u64 }));

    let value = sandbox.run(job).expect("script runs").value;

    assert_eq!(
        value,
        json!({ "n": 4_503_599_627_370_496_u64, "t": "number" })
    );
}

#[test]
fn undefined_return_becomes_null() {
    let sandbox = sandbox();

    assert_eq!(value(&sandbox, "const x = 1;"), Value::Null);
    assert_eq!(value(&sandbox, "return undefined"), Value::Null);
    assert_eq!(value(&sandbox, "return null"), Value::Null);
}

#[test]
fn values_json_cannot_carry_are_invalid_returns() {
    let sandbox = sandbox();
    for code in [
        "return () => 1",
        "return Symbol('s')",
        "return 10n",
        "return { n: 10n }",
        "const a = {}; a.self = a; return a",
        "return { nested: { f() {} } }",
        "return [Symbol.iterator]",
    ] {
        let result = run(&sandbox, code);
        assert!(
            matches!(result, Err(ScriptError::InvalidReturn { .. })),
            "`{code}` gave {result:?}"
        );
    }
}

#[test]
fn console_output_is_captured_with_node_like_formatting() {
    let sandbox = sandbox();
    let job = ScriptJob::new(
        "console.log('Processing request', input.id); console.log({ a: [1, 'x'] }, null, \
            undefined, 3.5, true); console.info('info'); console.warn('warn'); console.error(new \
            Error('boom')); return 1;",
    )
    .with_input(json!({ "id": "req_456" }));

    let logs = sandbox.run(job).expect("script runs").logs;

    assert_eq!(logs[0], "Processing request req_456");
    assert_eq!(logs[1], r#"{"a":[1,"x"]} null undefined 3.5 true"#);
    assert_eq!(logs[2], "info");
    assert_eq!(logs[3], "warn");
    assert!(logs[4].starts_with("Error: boom"), "{}", logs[4]);
    assert_eq!(logs.len(), 5);
}

#[test]
fn logs_written_before_a_failure_are_kept() {
    let sandbox = sandbox();

    let thrown = run(&sandbox, "console.log('before'); throw new Error('after')");
    let timed_out = run(&sandbox, "console.log('spinning'); while (true) {}");

    assert_eq!(thrown.expect_err("throws").logs(), ["before"]);
    assert_eq!(timed_out.expect_err("times out").logs(), ["spinning"]);
}

#[test]
fn runaway_logging_is_capped() {
    let sandbox = ScriptSandbox::new(ScriptLimits {
        max_log_bytes: 1000,
        ..ScriptLimits::default()
    });

    let logs = run(
        &sandbox,
        "for (let i = 0; i < 1000; i++) console.log('x'.repeat(100)); return 1",
    )
    .expect("script runs")
    .logs;

    assert_eq!(logs.len(), 11);
    assert!(logs[10].contains("dropped"));
}

#[test]
fn thrown_errors_carry_name_message_and_location() {
    let sandbox = sandbox();

    let message = thrown(
        &sandbox,
        "const x = 1;\nthrow new TypeError('bad input: ' + x);",
    );
    assert!(
        message.starts_with("TypeError: bad input: 1\nat "),
        "{message}"
    );
    assert!(message.contains("script:2"), "{message}");

    assert_eq!(thrown(&sandbox, "throw 'plain'"), "plain");
    assert_eq!(thrown(&sandbox, "throw { code: 7 }"), r#"{"code":7}"#);
    assert!(thrown(&sandbox, "return input.missing.field").starts_with("TypeError: "));
}

#[test]
fn code_that_does_not_parse_is_a_syntax_error() {
    let sandbox = sandbox();
    for code in [
        "return {",
        "const = 1",
        "retrun 1 2",
        "let a = 1; let a = 2;",
        "a\0b",
    ] {
        let result = run(&sandbox, code);
        assert!(
            matches!(result, Err(ScriptError::Syntax { .. })),
            "`{code:?}` gave {result:?}"
        );
    }
}

#[test]
fn error_codes_follow_the_api() {
    let sandbox = sandbox();

    assert_eq!(
        run(&sandbox, "while (true) {}")
            .expect_err("times out")
            .code(),
        "script_timeout"
    );
    assert_eq!(
        run(&sandbox, "throw 1").expect_err("throws").code(),
        "script_error"
    );
    assert_eq!(
        run(&sandbox, "return {").expect_err("bad syntax").code(),
        "script_error"
    );
}

#[test]
fn secrets_are_readable_and_deeply_frozen() {
    let sandbox = sandbox();
    let secrets = json!({ "API_KEY": "k-123", "nested": { "a": 1 } });
    let job = ScriptJob::new(
        "secrets.API_KEY = 'changed'; secrets.nested.a = 2; secrets.added = 1; delete \
            secrets.nested; return { key: secrets.API_KEY, a: secrets.nested.a, added: \
            secrets.added ?? null, frozen: Object.isFrozen(secrets) && \
            Object.isFrozen(secrets.nested), present: !!secrets.API_KEY };",
    )
    .with_secrets(secrets.as_object().expect("an object").clone());

    let value = sandbox.run(job).expect("script runs").value;

    assert_eq!(
        value,
        json!({ "key": "k-123", "a": 1, "added": null, "frozen": true, "present": true })
    );
    let strict = ScriptJob::new("'use strict'; secrets.API_KEY = 'changed';")
        .with_secrets(secrets.as_object().expect("an object").clone());
    assert!(matches!(
        sandbox.run(strict),
        Err(ScriptError::Thrown { .. })
    ));
}

#[test]
fn job_debug_output_never_shows_secret_values() {
    let secrets = json!({ "API_KEY": "super-secret-value" });
    let job =
        ScriptJob::new("return 1").with_secrets(secrets.as_object().expect("an object").clone());

    let debug = format!("{job:?}");

    assert!(!debug.contains("super-secret-value"), "{debug}");
    assert!(debug.contains("redacted"));
}

#[test]
fn date_follows_the_mock_clock() {
    let sandbox = sandbox();
    let job = ScriptJob::new(
        "return { iso: new Date().toISOString(), now: Date.now(), str: Date(), year: new \
            Date().getUTCFullYear(), isDate: new Date() instanceof Date, ctor: new \
            Date().constructor === Date };",
    )
    .with_now(in_2030());

    let value = sandbox.run(job).expect("script runs").value;

    let expected_ms = in_2030().timestamp_millis();
    let now = value["now"].as_i64().expect("a number");
    assert!((expected_ms..expected_ms + 1000).contains(&now), "{now}");
    assert!(
        value["iso"]
            .as_str()
            .expect("a string")
            .starts_with("2030-06-15T12:30:0")
    );
    assert!(value["str"].as_str().expect("a string").contains("2030"));
    assert_eq!(value["year"], 2030);
    assert_eq!(value["isDate"], true);
    assert_eq!(value["ctor"], true);
}

#[test]
fn explicit_dates_and_date_statics_behave_normally() {
    let sandbox = sandbox();
    let job = ScriptJob::new(
        "class Stamp extends Date {} return [new Date(0).toISOString(), new \
            Date('2020-02-03T04:05:06Z').getTime(), new Date(2020, 0, 1, 0, 0, 0).getFullYear(), \
            Date.UTC(2020, 0, 1), Date.parse('2020-01-01T00:00:00Z'), new Stamp(5).getTime(), new \
            Stamp() instanceof Date, Date.length, Date.name];",
    )
    .with_now(in_2030());

    let value = sandbox.run(job).expect("script runs").value;

    assert_eq!(
        value,
        json!([
            "1970-01-01T00:00:00.000Z",
            1_580_702_706_000_u64,
            2020,
            1_577_836_800_000_u64,
            1_577_836_800_000_u64,
            5,
            true,
            7,
            "Date"
        ])
    );
}

#[test]
fn elapsed_time_can_be_measured_inside_a_script() {
    let sandbox = sandbox();
    let job = ScriptJob::new(
        "const t = Date.now(); while (Date.now() - t < 50) {} return Date.now() - t;",
    )
    .with_now(in_2030());

    let elapsed = sandbox
        .run(job)
        .expect("script runs")
        .value
        .as_i64()
        .expect("a number");

    assert!((50..250).contains(&elapsed), "{elapsed}");
}

#[test]
fn network_timers_and_module_loading_do_not_exist() {
    let sandbox = sandbox();
    for name in [
        "eval",
        "fetch",
        "require",
        "setTimeout",
        "setInterval",
        "XMLHttpRequest",
        "process",
        "std",
        "os",
    ] {
        assert_eq!(
            value(&sandbox, &format!("return typeof {name}")),
            "undefined",
            "{name}"
        );
        let message = thrown(&sandbox, &format!("return {name}('1')"));
        assert!(message.starts_with("ReferenceError"), "{name}: {message}");
    }
    assert_eq!(
        value(&sandbox, "return typeof globalThis.eval"),
        "undefined"
    );
}

#[test]
fn atomics_cannot_block_the_worker() {
    let sandbox = sandbox();

    let message = thrown(
        &sandbox,
        "return Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60000)",
    );

    assert!(message.starts_with("TypeError"), "{message}");
}

#[test]
fn dynamic_import_never_loads_a_module() {
    let sandbox = sandbox();

    let value = value(
        &sandbox,
        "let state = 'pending'; import('data:text/javascript,export default 1').then(() => { state \
            = 'loaded' }, () => { state = 'failed' }); return state;",
    );

    assert_eq!(value, "pending");
    assert_usable(&sandbox);
}

#[test]
fn the_function_constructor_is_disabled() {
    let sandbox = sandbox();

    assert!(thrown(&sandbox, "return Function('return 1')()").contains("disabled"));
    assert!(thrown(&sandbox, "return new Function('return 1')()").contains("disabled"));
    assert_eq!(
        value(
            &sandbox,
            "return [(() => 1) instanceof Function, typeof Function, Function.name]"
        ),
        json!([true, "function", "Function"])
    );
}

#[test]
fn every_route_to_a_function_constructor_throws() {
    let sandbox = sandbox();
    for route in [
        "(function () {}).constructor",
        "(() => {}).constructor",
        "(class {}).constructor",
        "[].map.constructor",
        "(async function () {}).constructor",
        "(async () => {}).constructor",
        "(function* () {}).constructor",
        "(async function* () {}).constructor",
        "({ *g() {} }).g.constructor",
        "Object.getPrototypeOf(function () {}).constructor",
        "Object.getPrototypeOf(async function () {}).constructor",
        "Object.getPrototypeOf(function* () {}).constructor",
        "Object.getPrototypeOf(async function* () {}).constructor",
        "Object.getOwnPropertyDescriptor(Function.prototype, 'constructor').value",
        "Reflect.getPrototypeOf(Reflect.getPrototypeOf(async () => {})).constructor",
        "Function.prototype.constructor",
    ] {
        for call in [
            format!("return ({route})('return 1')()"),
            format!("return new ({route})('return 1')()"),
            format!("return Reflect.construct({route}, ['return 1'])()"),
            format!("return Reflect.apply({route}, null, ['return 1'])()"),
        ] {
            let result = run(&sandbox, &call);
            match &result {
                Err(ScriptError::Thrown { message, .. }) => {
                    assert!(message.contains("disabled"), "`{call}` threw {message}");
                }
                other => panic!("`{call}` gave {other:?}"),
            }
        }
    }
}

#[test]
fn the_constructor_guards_cannot_be_removed_by_the_script() {
    let sandbox = sandbox();

    let result = run(
        &sandbox,
        "const F = (function(){}).constructor; delete Function.prototype.constructor; const G = \
            (function(){}).constructor; return G === Object ? 'object' : G('return 1')();",
    );

    assert!(
        !matches!(&result, Ok(output) if output.value == json!(1)),
        "{result:?}"
    );
}

#[test]
fn each_job_starts_from_a_pristine_environment() {
    let sandbox = ScriptSandbox::new(ScriptLimits {
        max_workers: 1,
        ..ScriptLimits::default()
    });

    value(
        &sandbox,
        "globalThis.leak = 1; Array.prototype.evil = 1; Date.now = () => 0; return 1",
    );

    assert_eq!(
        value(
            &sandbox,
            "return [typeof leak, typeof [].evil, Date.now() > 0]"
        ),
        json!(["undefined", "undefined", true])
    );
}

#[test]
fn built_ins_are_frozen_but_the_global_object_is_not() {
    let sandbox = sandbox();

    let value = value(
        &sandbox,
        "const frozen = [Object, Object.prototype, Array.prototype, String.prototype, \
            Function.prototype, JSON, Math, Reflect, Date, Date.prototype, console, Promise, \
            Error.prototype, TypeError, Uint8Array, Object.getPrototypeOf(Uint8Array), \
            Object.getPrototypeOf([].values()), Object.getPrototypeOf(function* () {})] \
            .every(Object.isFrozen); undeclared = 1; globalThis.declared = 2; return [frozen, \
            Object.isFrozen(globalThis), Object.isExtensible(globalThis), undeclared + \
            declared];",
    );

    assert_eq!(value, json!([true, false, true, 3]));
}

#[test]
fn writes_to_built_ins_fail_silently_in_sloppy_code_and_throw_in_strict_code() {
    let sandbox = sandbox();

    assert_eq!(
        value(
            &sandbox,
            "Object.prototype.polluted = 1; Array.prototype.map = null; JSON.parse = null; \
                return [({}).polluted, typeof [].map, typeof JSON.parse]",
        ),
        json!([null, "function", "function"])
    );
    for code in [
        // Names like `toString` are accessors on built-in prototypes (so that objects can
        // still get their own); assigning them on the prototype itself throws in any mode.
        "Object.prototype.toString = null",
        "'use strict'; Object.prototype.polluted = 1",
        "'use strict'; Array.prototype.map = null",
        "'use strict'; Object.prototype.toString = null",
        "Object.defineProperty(Math, 'max', { value: null })",
        "Object.setPrototypeOf(Object.prototype, {})",
    ] {
        assert!(thrown(&sandbox, code).starts_with("TypeError"), "{code}");
    }
}

#[test]
fn inherited_names_can_still_be_assigned_on_a_scripts_own_objects() {
    let sandbox = sandbox();

    let value = value(
        &sandbox,
        "'use strict'; class Failure extends Error { constructor(m) { super(m); this.name = \
            'Failure'; } } const o = {}; o.toString = () => 'mine'; o.valueOf = () => 41; \
            function Legacy() {} Legacy.prototype = Object.create(Object.prototype); \
            Legacy.prototype.constructor = Legacy; const e = new Error('x'); e.message = 'y'; \
            return [String(new Failure('boom')), `${o}`, o + 1, new Legacy().constructor === \
            Legacy, e.message, Object.keys(o)];",
    );

    assert_eq!(
        value,
        json!([
            "Failure: boom",
            "mine",
            42,
            true,
            "y",
            ["toString", "valueOf"]
        ])
    );
}

#[test]
fn stack_trace_hooks_are_read_only() {
    let sandbox = sandbox();

    let value = value(
        &sandbox,
        "Error.prepareStackTrace = () => 'hooked'; Error.stackTraceLimit = 0; let stack; try { \
            null.x; } catch (e) { stack = e.stack; } return [stack.includes('at '), \
            Error.prepareStackTrace === undefined];",
    );

    assert_eq!(value, json!([true, true]));
}

#[test]
fn array_methods_keep_their_semantics_for_ordinary_receivers() {
    let sandbox = sandbox();

    let value = value(
        &sandbox,
        "const a = [3, 1, 2]; return [a.map(x => x * 2), a.filter(x => x > 1), a.slice().sort(), \
            a.indexOf(2), a.includes(5), [1, [2, [3, [4]]]].flat(Infinity), [1, 2].flatMap(x => \
            [x, [x]]), [1].concat([2], 3), Array.prototype.join.call({ length: 2, 0: 'a', 1: 'b' \
            }, '-'), Array.prototype.map.call('ab', c => c + c), [].map.length, [].reduce.name, \
            Array.prototype.slice.call(new Uint8Array([1, 2])), a.join(), [,1].findLast(x => x \
            === undefined)];",
    );

    assert_eq!(
        value,
        json!([
            [6, 2, 4],
            [3, 2],
            [1, 2, 3],
            2,
            false,
            [1, 2, 3, 4],
            [1, [1], 2, [2]],
            [1, 2, 3],
            "a-b",
            ["aa", "bb"],
            1,
            "reduce",
            [1, 2],
            "3,1,2",
            null
        ])
    );
}

#[test]
fn regular_expressions_keep_their_semantics() {
    let sandbox = sandbox();

    let value = value(
        &sandbox,
        "return [[...'abcab'.matchAll('a')].map(m => m.index), 'xaby'.search('b'), \
            'ab'.match(/b/).index, 'a-b'.split(new RegExp('-')), new RegExp(/x/g).flags, \
            RegExp('y', 'i').flags, /a/ instanceof RegExp, new RegExp('a').constructor === \
            RegExp, 'aXbX'.replace(/x/gi, '_'), 'k=v'.match('(\\\\w)=(\\\\w)').slice(1), \
            RegExp[Symbol.species] === RegExp, 'a1b2'.split(/\\d/)];",
    );

    assert_eq!(
        value,
        json!([
            [0, 3],
            2,
            1,
            ["a", "b"],
            "g",
            "i",
            true,
            true,
            "a_b_",
            ["k", "v"],
            true,
            ["a", "b", ""]
        ])
    );
}

#[test]
fn a_spinning_script_times_out() {
    let sandbox = sandbox();
    let started = Instant::now();

    let result = run(&sandbox, "while (true) {}");

    assert!(
        matches!(result, Err(ScriptError::Timeout { .. })),
        "{result:?}"
    );
    let elapsed = started.elapsed();
    assert!(
        elapsed >= SHORT && elapsed < SHORT + Duration::from_millis(700),
        "{elapsed:?}"
    );
    assert_eq!(sandbox.abandoned_workers(), 0);
    assert_usable(&sandbox);
}

#[test]
fn a_script_cannot_catch_its_timeout() {
    let sandbox = sandbox();

    let result = run(
        &sandbox,
        "for (;;) { try { while (true) {} } catch (e) { console.log('caught'); } finally { \
            console.log('finally'); } }",
    );

    assert!(
        matches!(result, Err(ScriptError::Timeout { .. })),
        "{result:?}"
    );
}

#[test]
fn native_loops_over_huge_lengths_end_within_the_limit() {
    let sandbox = sandbox();
    let limits = sandbox.limits().clone();
    let huge = "{ length: 2 ** 53 - 1 }";
    let cases = [
        format!("return Array.prototype.indexOf.call({huge}, 1)"),
        format!("return Array.prototype.lastIndexOf.call({huge}, 1)"),
        format!("return Array.prototype.includes.call({huge}, 1)"),
        format!("return Array.prototype.join.call({huge}, '')"),
        format!("return Array.prototype.fill.call({huge}, 0)"),
        format!("return Array.prototype.copyWithin.call({huge}, 0, 1)"),
        format!("return Array.prototype.reverse.call({huge})"),
        format!("return Array.prototype.shift.call({huge})"),
        format!("return Array.prototype.sort.call({huge})"),
        format!("return Array.prototype.splice.call({huge}, 0, 1)"),
        format!("return [].concat({{ ...{huge}, [Symbol.isConcatSpreadable]: true }})"),
        "return new Array(2 ** 32 - 1).join('')".to_owned(),
        "const a = []; a.length = 2 ** 32 - 1; return a.reverse().length".to_owned(),
        "return [new Array(2 ** 32 - 1)].flat().length".to_owned(),
        "return [1].flatMap(() => new Array(2 ** 32 - 1)).length".to_owned(),
        "let n = 0; const o = { get length() { return n++ ? 2 ** 53 - 1 : 1; } }; return \
            Array.prototype.join.call(o, '')"
            .to_owned(),
        "let n = 0; return Array.prototype.join.call({ length: { valueOf() { return n++ ? 2 ** 53 \
            - 1 : 1; } } }, '')"
            .to_owned(),
        "return 'x'.repeat(2 ** 29).length".to_owned(),
        "return ''.padStart(2 ** 30 - 2, 'ab').length".to_owned(),
        "return 'ab'.repeat(2 ** 20).split('').join('').repeat(1000).length".to_owned(),
        "Object.prototype.value = 1; let n = 0; \
         const o = { get length() { return n++ ? 2 ** 53 - 1 : 1; } }; \
         return Array.prototype.join.call(o, '')"
            .to_owned(),
        "return new (Object.getPrototypeOf(RegExp))('a|'.repeat(1e6))".to_owned(),
        "return Reflect.construct(RegExp[Symbol.species], ['a|'.repeat(1e6)])".to_owned(),
        "return /(a+)+$/.test('a'.repeat(40) + 'b')".to_owned(),
        "return new RegExp('a|'.repeat(1e6) + 'b').test('b')".to_owned(),
        "return 'b'.match('a|'.repeat(1e6) + 'b')".to_owned(),
        "return JSON.parse('['.repeat(1e6))".to_owned(),
    ];
    for code in cases {
        let started = Instant::now();

        let result = run(&sandbox, &code);

        let elapsed = started.elapsed();
        assert!(result.is_err(), "`{code}` gave {result:?}");
        assert!(
            !matches!(result, Err(ScriptError::Unavailable)),
            "`{code}` gave {result:?}"
        );
        assert!(elapsed < SHORT + limits.grace, "`{code}` took {elapsed:?}");
        assert_eq!(
            sandbox.abandoned_workers(),
            0,
            "`{code}` needed the watchdog"
        );
        assert_usable(&sandbox);
    }
}

#[test]
fn running_out_of_memory_is_reported_and_the_sandbox_recovers() {
    let sandbox = ScriptSandbox::new(ScriptLimits::default());

    let result = run(
        &sandbox,
        "let a = []; while (true) a.push(new Array(1e6).fill(1))",
    );

    assert_eq!(result, Err(ScriptError::OutOfMemory));
    assert_usable(&sandbox);
    assert_eq!(
        run(
            &sandbox,
            "const s = []; for (;;) s.push('x'.repeat(1 << 20) + s.length)"
        ),
        Err(ScriptError::OutOfMemory)
    );
    assert_usable(&sandbox);
}

#[test]
fn a_script_may_recover_from_its_own_failed_allocation() {
    let sandbox = sandbox();

    let value = value(
        &sandbox,
        "try { 'x'.repeat(2 ** 28); } catch (e) { return 'recovered'; }",
    );

    assert_eq!(value, "recovered");
    assert_usable(&sandbox);
}

#[test]
fn deep_recursion_is_a_script_error() {
    let sandbox = sandbox();

    let message = thrown(
        &sandbox,
        "function f(n) { return f(n + 1) + 1; } return f(0);",
    );

    assert!(
        message.contains("Maximum call stack size exceeded"),
        "{message}"
    );
    assert_usable(&sandbox);
    let nested = thrown(
        &sandbox,
        "const a = []; let c = a; for (let i = 0; i < 2e4; i++) { const n = []; c.push(n); c = n; \
            } return JSON.stringify(a).length;",
    );
    assert!(nested.contains("stack"), "{nested}");
    assert_usable(&sandbox);
}

#[test]
fn a_five_second_spin_does_not_stall_concurrent_jobs() {
    let sandbox = ScriptSandbox::new(ScriptLimits::default());
    let spinner = {
        let sandbox = sandbox.clone();
        thread::spawn(move || {
            let started = Instant::now();
            let result = sandbox.run(ScriptJob::new("while (true) {}"));
            (result, started.elapsed())
        })
    };
    thread::sleep(Duration::from_millis(100));

    let mut fast_jobs = 0;
    let began = Instant::now();
    while began.elapsed() < Duration::from_secs(4) {
        let started = Instant::now();
        let output = sandbox
            .run(ScriptJob::new("return input.n * 2").with_input(json!({ "n": fast_jobs })))
            .expect("fast job runs");
        assert_eq!(output.value, json!(fast_jobs * 2));
        assert!(
            started.elapsed() < Duration::from_millis(500),
            "{:?}",
            started.elapsed()
        );
        fast_jobs += 1;
    }
    let (result, elapsed) = spinner.join().expect("spinner thread");

    assert!(
        matches!(result, Err(ScriptError::Timeout { .. })),
        "{result:?}"
    );
    assert!(
        elapsed >= Duration::from_secs(5) && elapsed < Duration::from_millis(6500),
        "{elapsed:?}"
    );
    assert!(fast_jobs > 20, "{fast_jobs}");
}

#[test]
fn a_worker_stuck_in_native_code_is_abandoned_and_replaced() {
    // JSON.parse of a large document is one native call that never polls the deadline.
    let limits = ScriptLimits {
        timeout: Duration::from_millis(100),
        grace: Duration::from_millis(50),
        memory_bytes: 1 << 30,
        max_abandoned: 1,
        ..ScriptLimits::default()
    };
    let sandbox = ScriptSandbox::new(limits);
    let stuck = "const text = '[' + '0,'.repeat(5e6) + '0]'; return JSON.parse(text).length;";
    let started = Instant::now();

    let result = run(&sandbox, stuck);

    assert!(
        matches!(result, Err(ScriptError::Timeout { .. })),
        "{result:?}"
    );
    assert!(
        started.elapsed() < Duration::from_millis(400),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(sandbox.abandoned_workers(), 1);
    assert_eq!(run(&sandbox, "return 1"), Err(ScriptError::Unavailable));

    let waiting = Instant::now();
    while sandbox.abandoned_workers() > 0 {
        assert!(
            waiting.elapsed() < Duration::from_secs(30),
            "the stuck worker never finished"
        );
        thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(value(&sandbox, "return 1"), json!(1));
}
