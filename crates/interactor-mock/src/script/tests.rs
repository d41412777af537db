//! Unit tests of the sandbox's parts: the job slot, the deadline, error codes.

use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use serde_json::json;

use super::pool::Slot;
use super::{ScriptError, ScriptJob, ScriptLimits, ScriptSandbox};

#[test]
fn only_timeouts_map_to_the_script_timeout_code() {
    assert_eq!(
        ScriptError::Timeout { logs: vec![] }.code(),
        "script_timeout"
    );
    for error in [
        ScriptError::OutOfMemory,
        ScriptError::Thrown {
            message: "x".into(),
            logs: vec![],
        },
        ScriptError::Syntax {
            message: "x".into(),
        },
        ScriptError::InvalidReturn {
            message: "x".into(),
        },
        ScriptError::Unavailable,
    ] {
        assert_eq!(error.code(), "script_error", "{error:?}");
    }
}

#[test]
fn default_limits_follow_the_reference() {
    let limits = ScriptLimits::default();

    assert_eq!(limits.timeout, Duration::from_secs(5));
    assert_eq!(limits.memory_bytes, 16 * 1024 * 1024);
    assert!(limits.max_stack_bytes < 8 * 1024 * 1024);
}

#[test]
fn slot_drops_log_lines_past_the_size_limit_with_one_marker() {
    let slot = Slot::default();

    for _ in 0..5 {
        slot.push_log("0123456789".to_owned(), 25);
    }

    let logs = slot.take_logs();
    assert_eq!(logs.len(), 3);
    assert_eq!(&logs[..2], ["0123456789", "0123456789"]);
    assert!(logs[2].contains("dropped"));
}

#[test]
fn slot_keeps_the_first_outcome_only() {
    let slot = Slot::default();

    assert!(slot.complete(Err(ScriptError::OutOfMemory)));
    assert!(slot.complete(Err(ScriptError::Unavailable)));

    assert_eq!(
        slot.wait_until(Instant::now()),
        Some(Err(ScriptError::OutOfMemory))
    );
}

#[test]
fn slot_reports_abandonment_to_a_late_worker() {
    let slot = Arc::new(Slot::default());

    assert_eq!(
        slot.wait_until(Instant::now() + Duration::from_millis(10)),
        None
    );

    assert!(!slot.complete(Err(ScriptError::OutOfMemory)));
}

#[test]
fn slot_wakes_the_waiting_caller_when_the_worker_completes() {
    let slot = Arc::new(Slot::default());
    let worker = {
        let slot = Arc::clone(&slot);
        thread::spawn(move || {
            thread::sleep(Duration::from_millis(20));
            slot.complete(Err(ScriptError::OutOfMemory))
        })
    };

    let outcome = slot.wait_until(Instant::now() + Duration::from_secs(5));

    assert_eq!(outcome, Some(Err(ScriptError::OutOfMemory)));
    assert!(worker.join().expect("worker thread"));
}

#[test]
fn workers_start_on_demand_up_to_the_maximum() {
    let sandbox = ScriptSandbox::new(ScriptLimits {
        max_workers: 2,
        ..ScriptLimits::default()
    });

    let outputs: Vec<_> = (0..4)
        .map(|n| {
            let sandbox = sandbox.clone();
            thread::spawn(move || {
                let job = ScriptJob::new(
                    "const t = Date.now(); while (Date.now() - t < 50) {} return input.n;",
                )
                .with_input(json!({ "n": n }));
                sandbox.run(job)
            })
        })
        .map(|handle| handle.join().expect("caller thread"))
        .collect();

    for (n, output) in outputs.into_iter().enumerate() {
        assert_eq!(output.expect("script runs").value, json!(n));
    }
    assert!(sandbox.pool.live_workers() <= 2);
}

#[test]
fn a_job_waits_for_a_busy_pool_instead_of_failing() {
    let limits = ScriptLimits {
        max_workers: 1,
        timeout: Duration::from_millis(200),
        ..ScriptLimits::default()
    };
    let sandbox = ScriptSandbox::new(limits);
    let busy = {
        let sandbox = sandbox.clone();
        thread::spawn(move || sandbox.run(ScriptJob::new("while (true) {}")))
    };
    thread::sleep(Duration::from_millis(20));

    // The pool's only worker is spinning; this job waits for it and then runs.
    let queued = sandbox.run(ScriptJob::new("return 1"));

    assert!(matches!(
        busy.join().expect("busy thread"),
        Err(ScriptError::Timeout { .. })
    ));
    assert_eq!(
        queued.expect("runs once the worker is free").value,
        json!(1)
    );
}
