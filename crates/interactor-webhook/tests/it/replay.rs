//! The replay window through the verifier: accept once, reject copies, forget after the
//! window, stay bounded, and record only deliveries that passed every check.

use std::sync::Arc;
use std::thread;

use interactor_webhook::{
    Admission, DeliveryHeaders, Error, MemoryReplayGuard, ReplayGuard, Verifier, header, names,
};

use crate::support::{NOW, SECRET, TestClock, signed_halted, with_header};

fn guarded(clock: &TestClock, capacity: usize) -> (Verifier, Arc<MemoryReplayGuard>) {
    let guard = Arc::new(MemoryReplayGuard::new(capacity));
    let verifier = Verifier::builder()
        .secret(SECRET)
        .clock(clock.reading())
        .replay_guard(guard.clone())
        .build()
        .unwrap();
    (verifier, guard)
}

#[test]
fn a_delivery_is_accepted_once_and_its_copy_is_rejected() {
    let clock = TestClock::at(NOW);
    let (verifier, _) = guarded(&clock, 16);
    let (headers, body) = signed_halted("del_1", NOW);

    assert!(verifier.verify(&headers, &body).is_ok());
    clock.advance(5);
    let error = verifier.verify(&headers, &body).unwrap_err();

    assert!(matches!(error, Error::Replayed));
    assert_eq!(error.http_status(), 401);
    assert_eq!(error.code(), "replayed");
}

#[test]
fn a_retry_signed_afresh_is_not_a_replay() {
    let clock = TestClock::at(NOW);
    let (verifier, _) = guarded(&clock, 16);
    let body = crate::support::halted_body("del_1");
    let first = DeliveryHeaders::new(
        SECRET.as_bytes(),
        names::INSTANCE_HALTED,
        "del_1",
        NOW,
        0,
        &body,
    );
    let retry = DeliveryHeaders::new(
        SECRET.as_bytes(),
        names::INSTANCE_HALTED,
        "del_1",
        NOW + 30,
        1,
        &body,
    );

    clock.advance(30);

    assert!(verifier.verify(&first, &body).is_ok());
    let retried = verifier.verify(&retry, &body).unwrap();
    assert_eq!(retried.retry_count, 1);
    assert_eq!(retried.delivery_id.as_deref(), Some("del_1"));
}

#[test]
fn after_the_window_a_copy_fails_on_age_and_the_guard_forgets_it() {
    let clock = TestClock::at(NOW);
    let (verifier, guard) = guarded(&clock, 16);
    let (headers, body) = signed_halted("del_1", NOW);
    verifier.verify(&headers, &body).unwrap();

    clock.advance(300);
    assert!(matches!(
        verifier.verify(&headers, &body),
        Err(Error::Replayed)
    ));

    clock.advance(1);
    assert!(matches!(
        verifier.verify(&headers, &body),
        Err(Error::TimestampTooOld { .. })
    ));
    let (fresh, fresh_body) = signed_halted("del_2", NOW + 301);
    verifier.verify(&fresh, &fresh_body).unwrap();
    assert_eq!(guard.len(), 1, "the expired signature was purged");
}

#[test]
fn the_guard_accepts_a_signature_again_once_its_entry_expired() {
    let clock = TestClock::at(NOW);
    let (verifier, guard) = guarded(&clock, 16);
    let (headers, body) = signed_halted("del_1", NOW);
    let accepted = verifier.verify(&headers, &body).unwrap();
    let expires_at = NOW + 301;

    assert_eq!(
        guard.check_and_record(&accepted.signature, expires_at, expires_at - 1),
        Admission::Replayed
    );
    assert_eq!(
        guard.check_and_record(&accepted.signature, expires_at + 300, expires_at),
        Admission::Fresh
    );
}

#[test]
fn the_guard_never_holds_more_than_its_capacity() {
    let clock = TestClock::at(NOW);
    let (verifier, guard) = guarded(&clock, 3);

    for n in 0..10 {
        let (headers, body) = signed_halted(&format!("del_{n}"), NOW);
        verifier.verify(&headers, &body).unwrap();
        assert!(guard.len() <= 3);
    }

    assert_eq!(guard.len(), 3);
    assert_eq!(guard.capacity(), 3);
}

#[test]
fn failed_verifications_are_not_recorded() {
    let clock = TestClock::at(NOW);
    let (verifier, guard) = guarded(&clock, 16);
    let (headers, body) = signed_halted("del_1", NOW);

    let lying = with_header(&headers, header::EVENT, Some(names::INSTANCE_FAILED));
    assert!(matches!(
        verifier.verify(&lying, &body),
        Err(Error::HeaderMismatch { .. })
    ));
    let forged = with_header(
        &headers,
        header::SIGNATURE,
        Some(&format!("sha256={}", "0".repeat(64))),
    );
    assert!(matches!(
        verifier.verify(&forged, &body),
        Err(Error::SignatureMismatch)
    ));
    assert!(guard.is_empty());

    assert!(verifier.verify(&headers, &body).is_ok());
    assert_eq!(guard.len(), 1);
}

#[test]
fn concurrent_copies_are_accepted_exactly_once() {
    let clock = TestClock::at(NOW);
    let (verifier, _) = guarded(&clock, 16);
    let (headers, body) = signed_halted("del_1", NOW);

    let accepted = thread::scope(|scope| {
        let handles: Vec<_> = (0..8)
            .map(|_| scope.spawn(|| verifier.verify(&headers, &body).is_ok()))
            .collect();
        handles
            .into_iter()
            .map(|handle| handle.join().unwrap())
            .filter(|accepted| *accepted)
            .count()
    });

    assert_eq!(accepted, 1);
}

#[test]
fn a_copy_with_the_signature_in_uppercase_is_still_a_replay() {
    let clock = TestClock::at(NOW);
    let (verifier, _) = guarded(&clock, 16);
    let (headers, body) = signed_halted("del_1", NOW);
    verifier.verify(&headers, &body).unwrap();

    let upper = format!(
        "sha256={}",
        hex::encode_upper(headers.signature().as_bytes())
    );
    let copy = with_header(&headers, header::SIGNATURE, Some(&upper));

    assert!(matches!(
        verifier.verify(&copy, &body),
        Err(Error::Replayed)
    ));
}
