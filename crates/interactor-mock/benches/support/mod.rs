//! What the mock's benchmarks share: the reference's `approval_workflow`, an engine ready
//! to run it with no network, one approval cycle, and small table helpers.

#![allow(dead_code)]

use std::time::Duration;

use interactor_client::model::{CreateInstanceRequest, Instance, InstanceStatus, ResumeRequest};
use interactor_mock::engine::CallContext;
use interactor_mock::engine::http::HttpStub;
use interactor_mock::{Clock, Engine, EngineConfig};
use serde_json::{Value, json};

/// The workflow every cycle runs.
pub(crate) const WORKFLOW: &str = "approval_workflow";

/// The reference's `approval_workflow`: a script step, a halting form, and two terminal
/// states whose `on_enter` posts to `https://yourapp.com`.
pub(crate) fn approval_workflow() -> Value {
    serde_json::from_str(include_str!("../../tests/fixtures/approval_workflow.json"))
        .expect("the fixture is JSON")
}

/// The input an instance starts with.
pub(crate) fn start_input(n: u64) -> Value {
    json!({ "id": format!("req_{n}"), "amount": 5000, "requester": "john@example.com" })
}

/// The input that approves the halted instance.
pub(crate) fn approval() -> Value {
    json!({ "approved": true, "comment": "Looks good" })
}

/// Makes every HTTP logic call to `https://yourapp.com/…` answer 200 without a network.
pub(crate) fn stub_yourapp(engine: &Engine) {
    engine.http().add_stub(HttpStub {
        method: None,
        url: "https://yourapp.com/*".to_owned(),
        status: 200,
        body: Some(json!({ "ok": true })),
        headers: Default::default(),
        delay_ms: None,
        times: None,
    });
}

/// Creates and publishes `approval_workflow` on `engine`, and stubs its HTTP calls.
pub(crate) fn deploy(engine: &Engine) {
    let definition = approval_workflow();
    let size = definition.to_string().len();
    let version = engine
        .create_workflow(&definition, size)
        .expect("approval_workflow is valid");
    engine
        .publish(WORKFLOW, &version.version_id)
        .expect("the draft publishes");
    stub_yourapp(engine);
}

/// An engine of its own with `approval_workflow` published and stubbed.
pub(crate) fn engine() -> Engine {
    let engine = Engine::new(Clock::system(), EngineConfig::default());
    deploy(&engine);
    engine
}

/// One full cycle on `engine`: create (runs the script, halts), then approve (runs the
/// `on_enter` call, completes). Must run off any async executor.
pub(crate) fn cycle(engine: &Engine, n: u64) -> Instance {
    let ctx = CallContext::default();
    let created = engine
        .create_instance(
            WORKFLOW,
            CreateInstanceRequest {
                namespace: None,
                input: start_input(n),
            },
            &ctx,
        )
        .expect("the instance starts");
    assert_eq!(created.status, InstanceStatus::Halted, "halts for approval");

    let resumed = engine
        .resume(
            &created.id,
            None,
            ResumeRequest {
                input: approval(),
                expected_state: None,
            },
            &ctx,
        )
        .expect("the instance resumes");
    assert_eq!(resumed.status, InstanceStatus::Completed, "completes");
    resumed
}

/// Resident set size of this process in bytes, from `/proc/self/status`.
pub(crate) fn rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// The first field of `/proc/loadavg`, the one-minute load average.
pub(crate) fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".to_owned())
}

/// Milliseconds with two decimals.
pub(crate) fn ms(duration: Duration) -> String {
    format!("{:.2}", duration.as_secs_f64() * 1000.0)
}

/// The element at quantile `q` (0..=1) of a sorted slice.
pub(crate) fn quantile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    // Truncation is intended: the index of the quantile, rounded down.
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let index = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

/// CPU time (user + system) this process has used so far, from `/proc/self/stat`, assuming
/// the usual 100 clock ticks a second.
pub(crate) fn cpu_time() -> Duration {
    let ticks = std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|stat| {
            // The fields after the command name, which is in parentheses.
            let rest = stat.rsplit_once(')')?.1.to_owned();
            let fields: Vec<&str> = rest.split_whitespace().collect();
            let user: u64 = fields.get(11)?.parse().ok()?;
            let system: u64 = fields.get(12)?.parse().ok()?;
            Some(user + system)
        })
        .unwrap_or(0);
    Duration::from_millis(ticks * 10)
}
