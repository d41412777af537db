//! Signatures cross-checked with an independent implementation of the scheme.
//!
//! `tests/fixtures/signatures.json` was produced once by
//! `tests/fixtures/generate_signatures.py`, which computes
//! `"sha256=" + hmac.new(secret, b"{timestamp}." + body, hashlib.sha256).hexdigest()` with
//! Python's standard library. The cases cover the reference's example payload, an empty
//! body, non-UTF-8 bodies and secrets, a secret longer than the SHA-256 block, the largest
//! `i64` timestamp and a 64 KiB body whose byte `i` is `(i * 31 + 7) % 256`.

use interactor_webhook::{Signature, Verifier, sign};
use serde_json::Value;

struct Case {
    name: String,
    secret: Vec<u8>,
    timestamp: i64,
    body: Vec<u8>,
    signature: String,
}

fn pattern_64k() -> Vec<u8> {
    (0..65_536_u32)
        .map(|i| ((i * 31 + 7) % 256) as u8)
        .collect()
}

fn cases() -> Vec<Case> {
    let fixture: Value = serde_json::from_str(include_str!("../fixtures/signatures.json")).unwrap();
    fixture["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|case| {
            let body = match (case.get("body_hex"), case.get("body_generator")) {
                (Some(body), None) => hex::decode(body.as_str().unwrap()).unwrap(),
                (None, Some(generator)) => {
                    assert_eq!(generator, "pattern_64k");
                    pattern_64k()
                }
                other => panic!("case without a body: {other:?}"),
            };
            Case {
                name: case["name"].as_str().unwrap().to_owned(),
                secret: hex::decode(case["secret_hex"].as_str().unwrap()).unwrap(),
                timestamp: case["timestamp"].as_i64().unwrap(),
                body,
                signature: case["signature"].as_str().unwrap().to_owned(),
            }
        })
        .collect()
}

#[test]
fn the_fixture_covers_the_interesting_inputs() {
    let cases = cases();

    assert!(cases.len() >= 7);
    assert!(
        cases
            .iter()
            .any(|case| std::str::from_utf8(&case.body).is_err())
    );
    assert!(
        cases
            .iter()
            .any(|case| std::str::from_utf8(&case.secret).is_err())
    );
    assert!(cases.iter().any(|case| case.body.len() == 65_536));
}

#[test]
fn sign_agrees_with_python_hmac_on_every_fixture() {
    for case in cases() {
        let signature = sign(&case.secret, case.timestamp, &case.body);

        assert_eq!(signature.to_string(), case.signature, "case {}", case.name);
    }
}

#[test]
fn the_verifier_accepts_every_fixture_signature() {
    for case in cases() {
        let timestamp = case.timestamp;
        let verifier = Verifier::builder()
            .secret(&case.secret)
            .clock(move || timestamp)
            .build()
            .unwrap();

        let verified = verifier
            .verify_signature(case.timestamp.to_string(), &case.signature, &case.body)
            .unwrap_or_else(|error| panic!("case {}: {error}", case.name));

        assert_eq!(verified.timestamp, case.timestamp);
        assert_eq!(
            verified.signature,
            case.signature.parse::<Signature>().unwrap()
        );
    }
}

#[test]
fn flipping_any_body_bit_breaks_a_fixture_signature() {
    let case = cases()
        .into_iter()
        .find(|case| case.name == "non_utf8_body")
        .unwrap();
    let timestamp = case.timestamp;
    let verifier = Verifier::builder()
        .secret(&case.secret)
        .clock(move || timestamp)
        .build()
        .unwrap();

    for index in 0..case.body.len() {
        let mut body = case.body.clone();
        body[index] ^= 0x01;
        let result = verifier.verify_signature(timestamp.to_string(), &case.signature, &body);
        assert!(result.is_err(), "flipped byte {index} still verified");
    }
}
