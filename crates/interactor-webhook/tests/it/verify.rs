//! `Verifier::verify` and `verify_signature`: the accepted path and every rejection.

use std::collections::HashSet;
use std::time::Duration;

use interactor_webhook::{
    DEFAULT_FUTURE_SKEW, DEFAULT_TOLERANCE, DeliveryHeaders, Error, Event, MalformedSignature,
    Verifier, header, names, sign,
};

use crate::support::{NOW, SECRET, builder, signed_halted, verifier, with_header};

#[test]
fn a_correctly_signed_delivery_is_verified_with_its_metadata() {
    let body = crate::support::halted_body("del_1");
    let headers = DeliveryHeaders::new(
        SECRET.as_bytes(),
        names::INSTANCE_HALTED,
        "del_1",
        NOW,
        3,
        &body,
    );

    let delivery = verifier().verify(&headers, &body).unwrap();

    let Event::InstanceHalted(halted) = &delivery.event else {
        panic!("expected a halted event, got {:?}", delivery.event);
    };
    assert_eq!(halted.data.instance_id, "inst_xyz");
    assert_eq!(delivery.event_name, names::INSTANCE_HALTED);
    assert_eq!(delivery.delivery_id.as_deref(), Some("del_1"));
    assert_eq!(delivery.retry_count, 3);
    assert_eq!(delivery.timestamp, NOW);
    assert_eq!(delivery.signature, headers.signature());
}

#[test]
fn the_defaults_are_five_minutes_back_and_one_minute_ahead() {
    let verifier = verifier();

    assert_eq!(verifier.tolerance(), DEFAULT_TOLERANCE);
    assert_eq!(DEFAULT_TOLERANCE, Duration::from_secs(300));
    assert_eq!(verifier.future_skew(), DEFAULT_FUTURE_SKEW);
    assert!(DEFAULT_FUTURE_SKEW < DEFAULT_TOLERANCE);
}

#[test]
fn optional_headers_may_be_absent() {
    let (headers, body) = signed_halted("del_1", NOW);
    let minimal = [
        (header::SIGNATURE, headers.signature().to_string()),
        (header::TIMESTAMP, NOW.to_string()),
    ];

    let delivery = verifier().verify(&minimal, &body).unwrap();

    assert_eq!(delivery.retry_count, 0);
    assert_eq!(delivery.delivery_id.as_deref(), Some("del_1"));
}

#[test]
fn a_missing_signature_header_is_named_in_the_error() {
    let (headers, body) = signed_halted("del_1", NOW);

    let error = verifier()
        .verify(&with_header(&headers, header::SIGNATURE, None), &body)
        .unwrap_err();

    assert!(matches!(
        error,
        Error::MissingHeader {
            name: header::SIGNATURE
        }
    ));
    assert_eq!(error.http_status(), 401);
}

#[test]
fn a_missing_timestamp_header_is_named_in_the_error() {
    let (headers, body) = signed_halted("del_1", NOW);

    let error = verifier()
        .verify(&with_header(&headers, header::TIMESTAMP, None), &body)
        .unwrap_err();

    assert!(matches!(
        error,
        Error::MissingHeader {
            name: header::TIMESTAMP
        }
    ));
}

#[test]
fn malformed_signatures_are_bad_requests_that_say_what_is_wrong() {
    let (headers, body) = signed_halted("del_1", NOW);
    let digest = hex::encode(headers.signature().as_bytes());
    let cases = [
        (format!("sha1={digest}"), MalformedSignature::MissingPrefix),
        (digest.clone(), MalformedSignature::MissingPrefix),
        (
            format!("sha256={}", &digest[..62]),
            MalformedSignature::WrongLength { len: 62 },
        ),
        (
            format!("sha256={digest}00"),
            MalformedSignature::WrongLength { len: 66 },
        ),
        (
            format!("sha256={}g", &digest[..63]),
            MalformedSignature::NotHex,
        ),
    ];

    for (value, expected) in cases {
        let error = verifier()
            .verify(
                &with_header(&headers, header::SIGNATURE, Some(&value)),
                &body,
            )
            .unwrap_err();
        match error {
            Error::MalformedSignature { reason } => assert_eq!(reason, expected, "{value}"),
            other => panic!("{value}: unexpected {other:?}"),
        }
        assert_eq!(error_status(&value, &headers, &body), 400);
    }
}

fn error_status(signature: &str, headers: &DeliveryHeaders, body: &[u8]) -> u16 {
    verifier()
        .verify(
            &with_header(headers, header::SIGNATURE, Some(signature)),
            body,
        )
        .unwrap_err()
        .http_status()
}

#[test]
fn timestamps_that_are_not_unsigned_integers_are_rejected() {
    let (headers, body) = signed_halted("del_1", NOW);

    for value in [
        "",
        "abc",
        "-1",
        "-1705752000",
        "1705752000.5",
        "1e9",
        "9223372036854775808",
    ] {
        let error = verifier()
            .verify(
                &with_header(&headers, header::TIMESTAMP, Some(value)),
                &body,
            )
            .unwrap_err();
        assert!(
            matches!(error, Error::InvalidTimestamp { .. }),
            "{value:?}: {error:?}"
        );
        assert_eq!(error.http_status(), 400);
    }
}

#[test]
fn a_timestamp_older_than_the_tolerance_is_rejected_with_its_age() {
    let (headers, body) = signed_halted("del_1", NOW - 301);

    let error = verifier().verify(&headers, &body).unwrap_err();

    assert!(matches!(
        error,
        Error::TimestampTooOld {
            age_secs: 301,
            tolerance_secs: 300
        }
    ));
    assert_eq!(error.http_status(), 401);
}

#[test]
fn a_timestamp_exactly_at_the_tolerance_is_accepted() {
    let (headers, body) = signed_halted("del_1", NOW - 300);

    assert!(verifier().verify(&headers, &body).is_ok());
}

#[test]
fn a_timestamp_beyond_the_future_skew_is_rejected() {
    let (headers, body) = signed_halted("del_1", NOW + 61);

    let error = verifier().verify(&headers, &body).unwrap_err();

    assert!(matches!(
        error,
        Error::TimestampInFuture {
            ahead_secs: 61,
            skew_secs: 60
        }
    ));
    assert_eq!(error.code(), "timestamp_in_future");
}

#[test]
fn a_timestamp_within_the_future_skew_is_accepted() {
    let (headers, body) = signed_halted("del_1", NOW + 60);

    assert!(verifier().verify(&headers, &body).is_ok());
}

#[test]
fn tolerance_and_skew_are_configurable() {
    let verifier = builder()
        .tolerance(Duration::from_secs(10))
        .future_skew(Duration::ZERO)
        .build()
        .unwrap();

    let (old, old_body) = signed_halted("del_1", NOW - 11);
    let (ahead, ahead_body) = signed_halted("del_2", NOW + 1);

    assert!(matches!(
        verifier.verify(&old, &old_body),
        Err(Error::TimestampTooOld { .. })
    ));
    assert!(matches!(
        verifier.verify(&ahead, &ahead_body),
        Err(Error::TimestampInFuture { .. })
    ));
}

#[test]
fn extreme_clocks_and_timestamps_never_overflow() {
    let body = b"{}";
    for (now, timestamp) in [
        (i64::MIN, i64::MAX),
        (i64::MAX, 0),
        (0, i64::MAX),
        (-100, 0),
    ] {
        let verifier = Verifier::builder()
            .secret(SECRET)
            .clock(move || now)
            .build()
            .unwrap();
        let signature = sign(SECRET.as_bytes(), timestamp, body).to_string();

        let error = verifier
            .verify_signature(timestamp.to_string(), &signature, body)
            .unwrap_err();

        assert!(
            matches!(
                error,
                Error::TimestampTooOld { .. } | Error::TimestampInFuture { .. }
            ),
            "now {now}, timestamp {timestamp}: {error:?}"
        );
    }
}

#[test]
fn a_signature_made_with_another_secret_is_rejected() {
    let body = crate::support::halted_body("del_1");
    let headers = DeliveryHeaders::new(
        b"some_other_secret",
        names::INSTANCE_HALTED,
        "del_1",
        NOW,
        0,
        &body,
    );

    let error = verifier().verify(&headers, &body).unwrap_err();

    assert!(matches!(error, Error::SignatureMismatch));
    assert_eq!(error.http_status(), 401);
}

#[test]
fn a_tampered_body_is_rejected() {
    let (headers, body) = signed_halted("del_1", NOW);
    let tampered = String::from_utf8(body).unwrap().replace("5000", "9000");

    let error = verifier()
        .verify(&headers, tampered.as_bytes())
        .unwrap_err();

    assert!(matches!(error, Error::SignatureMismatch));
}

#[test]
fn a_changed_timestamp_header_is_rejected() {
    let (headers, body) = signed_halted("del_1", NOW - 10);

    let moved = with_header(&headers, header::TIMESTAMP, Some(&NOW.to_string()));
    let error = verifier().verify(&moved, &body).unwrap_err();

    assert!(matches!(error, Error::SignatureMismatch));
}

#[test]
fn a_timestamp_with_leading_zeros_is_signed_as_written() {
    let body = crate::support::halted_body("del_1");
    let written = format!("0{NOW}");
    // Sign the exact header text the way a producer would, independent of `i64` formatting.
    let expected = {
        use hmac::Mac;
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
        mac.update(format!("{written}.").as_bytes());
        mac.update(&body);
        format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
    };

    let headers = [
        (header::SIGNATURE, expected.as_str()),
        (header::TIMESTAMP, &written),
    ];

    assert!(verifier().verify(&headers, &body).is_ok());
}

#[test]
fn a_signed_body_that_is_not_json_is_an_invalid_payload() {
    let body = b"\xff\xfe not json";
    let headers = DeliveryHeaders::new(SECRET.as_bytes(), "x", "del_1", NOW, 0, body);

    let error = verifier().verify(&headers, body).unwrap_err();

    assert!(matches!(error, Error::InvalidPayload { .. }));
    assert_eq!(error.http_status(), 400);
    assert!(std::error::Error::source(&error).is_some());
}

#[test]
fn a_signed_body_without_an_event_name_is_an_invalid_payload() {
    let body = br#"{"delivery_id":"del_1","data":{}}"#;
    let headers = DeliveryHeaders::new(SECRET.as_bytes(), "x", "del_1", NOW, 0, body);

    let error = verifier().verify(&headers, body).unwrap_err();

    let Error::InvalidPayload { source } = error else {
        panic!("expected an invalid payload, got {error:?}");
    };
    assert!(source.to_string().contains("event"), "{source}");
}

#[test]
fn a_non_utf8_body_is_verified_as_bytes() {
    let body = b"\x00\x9f\x92\x96 binary";
    let signature = sign(SECRET.as_bytes(), NOW, body).to_string();

    let verified = verifier()
        .verify_signature(NOW.to_string(), &signature, body)
        .unwrap();

    assert_eq!(verified.timestamp, NOW);
}

#[test]
fn an_event_header_that_disagrees_with_the_body_is_rejected() {
    let (headers, body) = signed_halted("del_1", NOW);
    let lying = with_header(&headers, header::EVENT, Some(names::INSTANCE_COMPLETED));

    let error = verifier().verify(&lying, &body).unwrap_err();

    match error {
        Error::HeaderMismatch { name, header, body } => {
            assert_eq!(name, header::EVENT);
            assert_eq!(header, names::INSTANCE_COMPLETED);
            assert_eq!(body, names::INSTANCE_HALTED);
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn a_delivery_header_that_disagrees_with_the_body_is_rejected() {
    let (headers, body) = signed_halted("del_1", NOW);
    let lying = with_header(&headers, header::DELIVERY, Some("del_2"));

    let error = verifier().verify(&lying, &body).unwrap_err();

    assert!(matches!(
        error,
        Error::HeaderMismatch {
            name: header::DELIVERY,
            ..
        }
    ));
    assert_eq!(error.code(), "header_mismatch");
}

#[test]
fn a_retry_count_that_is_not_a_number_is_rejected() {
    let (headers, body) = signed_halted("del_1", NOW);

    let error = verifier()
        .verify(
            &with_header(&headers, header::RETRY_COUNT, Some("first")),
            &body,
        )
        .unwrap_err();

    assert!(matches!(
        error,
        Error::InvalidHeader {
            name: header::RETRY_COUNT
        }
    ));
}

#[test]
fn a_body_over_the_limit_is_too_large() {
    let (headers, body) = signed_halted("del_1", NOW);
    let verifier = builder().max_body_size(body.len() - 1).build().unwrap();

    let error = verifier.verify(&headers, &body).unwrap_err();

    assert!(matches!(error, Error::PayloadTooLarge { .. }));
    assert_eq!(error.http_status(), 413);
    assert!(
        builder()
            .max_body_size(body.len())
            .build()
            .unwrap()
            .verify(&headers, &body)
            .is_ok()
    );
}

#[test]
fn an_unknown_event_is_accepted_and_kept_raw() {
    let body = br#"{"event":"workflow.thread.spawned","delivery_id":"del_9","data":{"x":1}}"#;
    let headers = DeliveryHeaders::new(
        SECRET.as_bytes(),
        "workflow.thread.spawned",
        "del_9",
        NOW,
        0,
        body,
    );

    let delivery = verifier().verify(&headers, body).unwrap();

    let Event::Unknown(unknown) = &delivery.event else {
        panic!("expected an unknown event");
    };
    assert_eq!(unknown.event, "workflow.thread.spawned");
    assert_eq!(unknown.raw["data"]["x"], 1);
    assert_eq!(delivery.delivery_id.as_deref(), Some("del_9"));
}

#[test]
fn any_configured_secret_verifies_during_a_rotation() {
    let verifier = Verifier::builder()
        .secrets([
            "whsec_old_secret_0000000000000000",
            "whsec_new_secret_1111111111111111",
        ])
        .clock(|| NOW)
        .build()
        .unwrap();
    let body = crate::support::halted_body("del_1");

    for secret in [
        "whsec_old_secret_0000000000000000",
        "whsec_new_secret_1111111111111111",
    ] {
        let headers = DeliveryHeaders::new(
            secret.as_bytes(),
            names::INSTANCE_HALTED,
            "del_1",
            NOW,
            0,
            &body,
        );
        assert!(verifier.verify(&headers, &body).is_ok(), "{secret}");
    }
    let stranger = DeliveryHeaders::new(
        b"whsec_third_secret",
        names::INSTANCE_HALTED,
        "del_1",
        NOW,
        0,
        &body,
    );
    assert!(matches!(
        verifier.verify(&stranger, &body),
        Err(Error::SignatureMismatch)
    ));
    assert_eq!(verifier.secret_count(), 2);
}

#[test]
fn a_retired_secret_no_longer_verifies() {
    let body = crate::support::halted_body("del_1");
    let old = DeliveryHeaders::new(b"whsec_old", names::INSTANCE_HALTED, "del_1", NOW, 0, &body);
    let after_rotation = Verifier::builder()
        .secret("whsec_new")
        .clock(|| NOW)
        .build()
        .unwrap();

    assert!(matches!(
        after_rotation.verify(&old, &body),
        Err(Error::SignatureMismatch)
    ));
}

#[test]
fn every_error_has_a_distinct_code() {
    let source = serde_json::from_str::<serde_json::Value>("{").unwrap_err();
    let errors = [
        Error::MissingHeader {
            name: header::SIGNATURE,
        },
        Error::MalformedSignature {
            reason: MalformedSignature::NotHex,
        },
        Error::InvalidTimestamp { value: "x".into() },
        Error::TimestampTooOld {
            age_secs: 1,
            tolerance_secs: 0,
        },
        Error::TimestampInFuture {
            ahead_secs: 1,
            skew_secs: 0,
        },
        Error::SignatureMismatch,
        Error::Replayed,
        Error::InvalidHeader {
            name: header::RETRY_COUNT,
        },
        Error::InvalidPayload { source },
        Error::HeaderMismatch {
            name: header::EVENT,
            header: "a".into(),
            body: "b".into(),
        },
        Error::PayloadTooLarge { limit: 1 },
        Error::BodyRead {
            message: "reset".into(),
        },
    ];

    let codes: HashSet<&str> = errors.iter().map(Error::code).collect();

    assert_eq!(codes.len(), errors.len());
    for error in &errors {
        assert!([400, 401, 413].contains(&error.http_status()));
        let json = error.to_json_body();
        assert_eq!(json["error"]["code"], error.code());
        assert_eq!(json["error"]["message"], error.to_string());
    }
}
