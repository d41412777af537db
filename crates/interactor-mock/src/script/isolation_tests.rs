//! Jobs that share a worker's context cannot see each other. Each case runs job A and then
//! job B on a one-worker sandbox, checks whether B ran in A's context (it should, unless A
//! did something that forces a fresh one), and checks that B found the environment exactly
//! as a first job finds it.

use std::time::Duration;

use serde_json::{Map, Value, json};

use super::{ScriptError, ScriptJob, ScriptLimits, ScriptSandbox};

/// What a job sees of its environment: the global object's properties, the main prototypes
/// and namespaces, and the results of everyday operations.
const FINGERPRINT: &str = r"
const describe = (o) => Reflect.ownKeys(o).map((k) => {
  const d = Object.getOwnPropertyDescriptor(o, k);
  const v = d.value;
  return [String(k), typeof v, typeof d.get, !!d.writable, d.enumerable, d.configurable,
    typeof v === 'function' ? v.name + '/' + v.length : null];
});
return {
  global: describe(globalThis),
  extensible: Object.isExtensible(globalThis),
  prototype: Object.getPrototypeOf(globalThis) === Object.prototype,
  object: describe(Object.prototype),
  array: describe(Array.prototype),
  string: describe(String.prototype),
  function: describe(Function.prototype),
  error: describe(Error),
  json: describe(JSON),
  math: describe(Math),
  date: describe(Date),
  console: describe(console),
  behaviour: [({}).polluted, [].evil, ''.evil, (() => 1).evil, String({}), [1, 2].map((x) => x * 2),
    ' a '.trim(), Math.max(1, 2), [...new Set([1, 1, 2])], (function* () { yield 1; })().next(),
    JSON.stringify(JSON.parse('[1]')), Math.random() < 1, Date.now() > 0, String(new Error('m')),
    /a/.exec('a')[0], new Uint8Array(2).fill(1).join(), typeof Promise.prototype.then,
    Object.prototype.toString.call([]), Array.from({ length: 2 }, (_, i) => i)],
};
";

fn one_worker() -> ScriptSandbox {
    ScriptSandbox::new(ScriptLimits {
        max_workers: 1,
        timeout: Duration::from_secs(2),
        ..ScriptLimits::default()
    })
}

fn value(sandbox: &ScriptSandbox, job: ScriptJob) -> Value {
    let code = job.code.clone();
    match sandbox.run(job) {
        Ok(output) => output.value,
        Err(error) => panic!("`{code}` failed: {error:?}"),
    }
}

/// The fingerprint a first job sees.
fn pristine() -> Value {
    value(&one_worker(), ScriptJob::new(FINGERPRINT))
}

/// Runs `a` (whatever its outcome) and then `b` on one worker; returns what `b` returned and
/// how many contexts the worker hardened for the two.
fn after(a: ScriptJob, b: ScriptJob) -> (Value, usize) {
    let sandbox = one_worker();
    let first = sandbox.run(a);
    assert!(
        !matches!(
            first,
            Err(ScriptError::Timeout { .. } | ScriptError::Unavailable)
        ),
        "{first:?}"
    );
    let second = value(&sandbox, b);
    (second, sandbox.pool.contexts_hardened())
}

/// Runs `a` and then the fingerprint in the same context; asserts it is pristine.
fn assert_invisible(a: &str) {
    let (seen, contexts) = after(ScriptJob::new(a), ScriptJob::new(FINGERPRINT));
    assert_eq!(contexts, 1, "`{a}` made the worker drop its context");
    assert_eq!(seen, pristine(), "after `{a}`");
}

/// Runs `a` and then the fingerprint; asserts the worker dropped the context A left and
/// that the next one is pristine.
fn assert_replaced(a: &str) {
    let (seen, contexts) = after(ScriptJob::new(a), ScriptJob::new(FINGERPRINT));
    assert_eq!(contexts, 2, "`{a}` should have cost its context");
    assert_eq!(seen, pristine(), "after `{a}`");
}

#[test]
fn prototype_pollution_does_not_reach_the_next_job() {
    for a in [
        "Object.prototype.polluted = 1",
        "'use strict'; Object.prototype.polluted = 1",
        "Object.prototype.toString = () => 'evil'",
        "'use strict'; Object.prototype.toString = () => 'evil'",
        "Object.defineProperty(Object.prototype, 'polluted', { value: 1 })",
        "({}).__proto__.polluted = 1",
        "Array.prototype.map = () => 'evil'; Array.prototype.evil = 1",
        "'use strict'; Array.prototype.map = () => 'evil'",
        "[].__proto__.map = null; Array.prototype.push = null",
        "Object.setPrototypeOf(Array.prototype, { evil: 1 })",
        "String.prototype.trim = () => 'evil'; String.prototype.evil = 1",
        "Function.prototype.call = () => 'evil'; (() => 1).__proto__.evil = 1",
        "delete Array.prototype.map; delete Object.prototype.toString",
        "Object.getPrototypeOf(function* () {}).prototype.next = null",
        "Object.getPrototypeOf([][Symbol.iterator]()).next = () => ({ done: true })",
        "Object.getPrototypeOf(Object.getPrototypeOf([].values())).evil = 1",
        "Object.getPrototypeOf(Uint8Array).prototype.fill = null",
        "Set.prototype.add = null; Promise.prototype.then = null",
        "Error.prototype.toString = () => 'evil'; RegExp.prototype.exec = () => null",
    ] {
        assert_invisible(a);
    }
}

#[test]
fn replacing_members_of_built_in_namespaces_does_not_reach_the_next_job() {
    for a in [
        "JSON.parse = () => 'evil'; JSON.stringify = () => 'evil'",
        "'use strict'; JSON.parse = () => 'evil'",
        "Math.random = () => 4; Math.max = () => 0; Math.PI = 3",
        "Date.now = () => 0; Date.prototype.toISOString = () => 'evil'",
        "console.log = () => {}; console.extra = 1",
        "Object.defineProperty(JSON, 'parse', { value: null })",
        "Reflect.ownKeys = () => []; Object.keys = null",
        "Error.prepareStackTrace = () => 'evil'; Error.stackTraceLimit = 0",
    ] {
        assert_invisible(a);
    }
}

#[test]
fn globals_added_or_replaced_by_a_job_are_undone() {
    for a in [
        "globalThis.x = 1",
        "leak = 2",
        "this.viaThis = 3",
        "var local = 1; function declared() {} globalThis.f = declared",
        "JSON = null; Math = {}; Date = function () {}; console = null",
        "globalThis.Array = null; Object = null; globalThis.globalThis = 5",
        "undefined = 1; NaN = 2",
        "Object.defineProperty(globalThis, 'JSON', { enumerable: true })",
        "Object.defineProperty(globalThis, 'Math', { get() { return 1; } })",
        "Object.defineProperty(globalThis, 'hidden', { value: 1, configurable: true })",
        "Object.setPrototypeOf(globalThis, { inherited: 1 })",
        "globalThis.__proto__ = { inherited: 1 }",
        "toString = () => 'shadow'",
        "for (let i = 0; i < 100; i++) globalThis['g' + i] = i",
    ] {
        assert_invisible(a);
    }
}

#[test]
fn deleted_globals_come_back_as_they_were() {
    for a in [
        "delete globalThis.JSON",
        "delete Math; delete globalThis.console; delete Promise",
        "const j = JSON; delete globalThis.JSON; globalThis.JSON = j",
        "const c = console; delete globalThis.console; console = c",
    ] {
        assert_invisible(a);
    }
}

#[test]
fn a_global_object_the_reset_cannot_restore_costs_the_context() {
    // Deleting a global that precedes `undefined` would need `undefined` moved to restore the
    // order; a non-configurable or non-extensible global cannot be put back at all.
    for a in [
        "delete globalThis.Object",
        "const a = Array; delete globalThis.Array; globalThis.Array = a",
        "Object.defineProperty(globalThis, 'JSON', { value: 1, writable: false, \
         configurable: false })",
        "Object.defineProperty(globalThis, 'pinned', { value: 1 })",
        "Object.preventExtensions(globalThis)",
        "Object.freeze(globalThis)",
        "Object.seal(globalThis)",
        "for (let i = 0; i < 5000; i++) globalThis['g' + i] = i",
    ] {
        assert_replaced(a);
    }
}

#[test]
fn code_that_closes_its_function_is_rejected_and_costs_the_context() {
    for a in [
        "}); let leaked = 'A'; var leakedVar = 'A'; function leakedFn() {} (function () {",
        "}); globalThis.x = 1; throw new Error('boom'); (function () {",
        "}); (function () { return 1;",
        "}); 1; (",
    ] {
        let sandbox = one_worker();
        let result = sandbox.run(ScriptJob::new(a));
        assert!(
            matches!(result, Err(ScriptError::Syntax { .. })),
            "`{a}` gave {result:?}"
        );
        let seen = value(
            &sandbox,
            ScriptJob::new(
                "return [typeof leaked, typeof leakedVar, typeof leakedFn, typeof x, \
                 (() => { try { leaked = 1; return 'assignable'; } catch (e) { return e.name; } \
                 })()]",
            ),
        );
        assert_eq!(
            seen,
            json!([
                "undefined",
                "undefined",
                "undefined",
                "undefined",
                "assignable"
            ]),
            "after `{a}`"
        );
        assert_eq!(sandbox.pool.contexts_hardened(), 2, "after `{a}`");
    }
}

#[test]
fn code_that_merely_looks_like_closing_keeps_the_context() {
    let sandbox = one_worker();

    let first = value(
        &sandbox,
        ScriptJob::new("return '}); (function () {' // })"),
    );
    let second = value(&sandbox, ScriptJob::new("/* }) */ return 2"));

    assert_eq!(first, json!("}); (function () {"));
    assert_eq!(second, json!(2));
    assert_eq!(sandbox.pool.contexts_hardened(), 1);
}

#[test]
fn registered_symbols_carry_nothing_from_one_job_to_the_next() {
    // The registry itself is shared (QuickJS keeps it per runtime), but an entry holds only
    // its key, which the reader must already know; what A hangs on it is gone.
    let a = ScriptJob::new(
        "const s = Symbol.for('stash'); globalThis[s] = () => 'from A'; \
         Object.prototype[s] = 1; Symbol.prototype.evil = 1;",
    );
    let b = ScriptJob::new(
        "const s = Symbol.for('stash'); return [typeof globalThis[s], ({})[s], s.evil, \
         Symbol.keyFor(s), Object.getOwnPropertySymbols(globalThis).map(String)]",
    );

    let (seen, contexts) = after(a, b);

    assert_eq!(
        seen,
        json!([
            "undefined",
            null,
            null,
            "stash",
            ["Symbol(Symbol.toStringTag)"]
        ])
    );
    assert_eq!(contexts, 1);
}

#[test]
fn a_closure_stashed_by_one_job_is_out_of_reach_of_the_next() {
    let mut secrets = Map::new();
    secrets.insert("API_KEY".to_owned(), json!("k-123"));
    let a = ScriptJob::new(
        "const steal = () => secrets.API_KEY; globalThis.stash = steal; Math.stash = steal; \
         Object.prototype.stash = steal; JSON.stash = steal; console.stash = steal; \
         Error.prepareStackTrace = steal; return stash();",
    )
    .with_secrets(secrets);
    let b = ScriptJob::new(
        "let stack; try { null.x; } catch (e) { stack = e.stack; } return [typeof stash, \
         typeof Math.stash, typeof ({}).stash, typeof JSON.stash, typeof console.stash, \
         stack.includes('k-123'), Object.keys(secrets).length]",
    );

    let (seen, contexts) = after(a, b);

    assert_eq!(
        seen,
        json!([
            "undefined",
            "undefined",
            "undefined",
            "undefined",
            "undefined",
            false,
            0
        ])
    );
    assert_eq!(contexts, 1);
}

#[test]
fn per_job_state_starts_over_in_a_reused_context() {
    let sandbox = one_worker();
    let early = chrono::DateTime::from_timestamp(1_000_000_000, 0).expect("valid time");
    let late = chrono::DateTime::from_timestamp(2_000_000_000, 0).expect("valid time");

    let first = sandbox
        .run(
            ScriptJob::new("console.log('a'); Date.now = () => 0; return Date.now()")
                .with_now(early),
        )
        .expect("first job runs");
    let second = sandbox
        .run(
            ScriptJob::new("console.log('b'); return Math.floor(Date.now() / 1000)").with_now(late),
        )
        .expect("second job runs");

    assert_eq!(first.logs, ["a"]);
    assert!(
        first
            .value
            .as_i64()
            .is_some_and(|ms| ms >= 1_000_000_000_000)
    );
    assert_eq!(second.logs, ["b"]);
    assert_eq!(second.value, json!(2_000_000_000));
    assert_eq!(sandbox.pool.contexts_hardened(), 1);
}

#[test]
fn pending_promise_jobs_cost_the_context_and_never_run() {
    let a = ScriptJob::new("Promise.resolve().then(() => { globalThis.late = 1; }); return 1");
    let b = ScriptJob::new("return typeof late");

    let (seen, contexts) = after(a, b);

    assert_eq!(seen, json!("undefined"));
    assert_eq!(contexts, 2);
}

#[test]
fn a_context_is_replaced_after_its_job_budget() {
    let sandbox = one_worker();

    for n in 0..300 {
        let job = ScriptJob::new("return input.n").with_input(json!({ "n": n }));
        assert_eq!(value(&sandbox, job), json!(n));
    }

    assert_eq!(sandbox.pool.contexts_hardened(), 2);
}

#[test]
fn garbage_left_by_one_job_does_not_count_against_the_next() {
    let sandbox = one_worker();
    // About 10 MiB that only the cycle collector can free.
    let litter = "const big = []; for (let i = 0; i < 10000; i++) big.push({ s: 'x'.repeat(1000) \
                  + i }); big.push(big); return big.length";
    let needy = "return 'y'.repeat(12 * 1024 * 1024).length";

    for _ in 0..3 {
        assert_eq!(value(&sandbox, ScriptJob::new(litter)), json!(10_001));
        assert_eq!(
            value(&sandbox, ScriptJob::new(needy)),
            json!(12 * 1024 * 1024)
        );
    }
    assert_eq!(sandbox.pool.contexts_hardened(), 1);
}

#[test]
fn memory_a_job_pins_where_the_reset_cannot_reach_does_not_count_against_the_next() {
    // A private field can be added to any object, frozen or not, and deleting properties
    // does not remove it; the worker notices the heap that stays and drops the context.
    let pin = "class Base { constructor(o) { return o; } } class Pin extends Base { #load = \
               'x'.repeat(10 * 1024 * 1024); } try { new Pin(Object.prototype); } catch (e) {} \
               new Pin(globalThis); return 1";
    let needy = "return 'y'.repeat(12 * 1024 * 1024).length";

    let (seen, contexts) = after(ScriptJob::new(pin), ScriptJob::new(needy));

    assert_eq!(seen, json!(12 * 1024 * 1024));
    assert_eq!(contexts, 2);
}

#[test]
fn every_prototype_of_a_built_in_instance_is_frozen() {
    let code = "const samples = { array: [], object: {}, fn() {}, arrow: () => 1, async: async \
        function () {}, gen: function* () {}, agen: async function* () {}, generator: (function* \
        () {}).prototype, asyncGenerator: (async function* () {}).prototype, arrayIterator: [].values(), \
        mapIterator: new Map().keys(), setIterator: new Set().entries(), stringIterator: \
        ''[Symbol.iterator](), regexpIterator: /a/g[Symbol.matchAll]('a'), helper: \
        [].values().map((x) => x), wrapped: Iterator.from({ next() { return { done: true }; } \
        }), zip: typeof Iterator.zip === 'function' ? Iterator.zip([[1]]) : [], concat: typeof \
        Iterator.concat === 'function' ? Iterator.concat([1]) : [], map: new Map(), set: new \
        Set(), weakMap: new WeakMap(), weakSet: new WeakSet(), weakRef: new WeakRef({}), \
        registry: new FinalizationRegistry(() => {}), bytes: new Uint8Array(1), bigs: new \
        BigInt64Array(1), buffer: new ArrayBuffer(1), shared: new SharedArrayBuffer(1), view: \
        new DataView(new ArrayBuffer(1)), error: new TypeError('x'), aggregate: new \
        AggregateError([]), regexp: /a/, date: new Date(), symbol: Object(Symbol('s')), \
        bigint: Object(1n), number: Object(1), string: Object('s'), boolean: Object(true), \
        args: (function () { return arguments; })(), bound: (() => 1).bind(null), stack: typeof \
        DisposableStack === 'function' ? new DisposableStack() : [], promise: \
        Promise.resolve(1) }; const thawed = []; for (const [name, sample] of \
        Object.entries(samples)) { for (let p = Object.getPrototypeOf(sample); p !== null; p = \
        Object.getPrototypeOf(p)) { if (!Object.isFrozen(p)) thawed.push(name); } } return \
        thawed;";

    let sandbox = one_worker();

    assert_eq!(value(&sandbox, ScriptJob::new(code)), json!([]));
}
