//! Signature verification next to a bare HMAC-SHA256 over the same bytes, and event
//! parsing on its own, for 1 KiB and 64 KiB bodies.
//!
//! `cargo bench -p interactor-webhook --bench verify -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hmac::{Hmac, Mac};
use interactor_webhook::{DeliveryHeaders, Event, Verifier, names};
use serde_json::json;
use sha2::Sha256;

const SECRET: &[u8] = b"whsec_your_webhook_secret_min_32_chars";
const TIMESTAMP: i64 = 1_705_752_000;

/// A `workflow.instance.halted` body of exactly `size` bytes.
fn event_body(size: usize) -> Vec<u8> {
    let with_padding = |padding: usize| {
        serde_json::to_vec(&json!({
            "event": names::INSTANCE_HALTED,
            "delivery_id": "del_01F8B6XY",
            "timestamp": "2026-01-20T12:00:01Z",
            "data": {
                "instance_id": "inst_xyz",
                "workflow_name": "approval_workflow",
                "version_id": "v_abc123",
                "namespace": "user_123",
                "current_state": "await_approval",
                "workflow_data": {"amount": 5000, "notes": "n".repeat(padding)},
            }
        }))
        .expect("a JSON value serialises")
    };
    let overhead = with_padding(0).len();
    let body = with_padding(size.saturating_sub(overhead));
    assert_eq!(body.len(), size, "body size");
    body
}

fn bare_hmac(timestamp: &[u8], body: &[u8]) -> [u8; 32] {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET).expect("HMAC takes any key");
    mac.update(timestamp);
    mac.update(b".");
    mac.update(body);
    mac.finalize().into_bytes().into()
}

fn bench_verify(c: &mut Criterion) {
    let verifier = Verifier::builder()
        .secret(SECRET)
        .clock(|| TIMESTAMP)
        .build()
        .expect("a valid configuration");
    let timestamp = TIMESTAMP.to_string();

    for (label, size) in [("1KiB", 1024), ("64KiB", 64 * 1024)] {
        let body = event_body(size);
        let headers = DeliveryHeaders::new(
            SECRET,
            names::INSTANCE_HALTED,
            "del_01F8B6XY",
            TIMESTAMP,
            0,
            &body,
        );
        let signature = headers.signature().to_string();

        let mut group = c.benchmark_group(format!("verify/{label}"));
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_function("bare_hmac_sha256", |b| {
            b.iter(|| bare_hmac(black_box(timestamp.as_bytes()), black_box(&body)));
        });
        group.bench_function("verify_signature", |b| {
            b.iter(|| {
                verifier
                    .verify_signature(
                        black_box(&timestamp),
                        black_box(&signature),
                        black_box(&body),
                    )
                    .expect("the signature verifies")
            });
        });
        group.bench_function("parse_event", |b| {
            b.iter(|| serde_json::from_slice::<Event>(black_box(&body)).expect("a valid event"));
        });
        group.bench_function("verify_full", |b| {
            b.iter(|| {
                verifier
                    .verify(black_box(&headers), black_box(&body))
                    .expect("the delivery verifies")
            });
        });
        group.finish();
    }
}

criterion_group!(benches, bench_verify);
criterion_main!(benches);
