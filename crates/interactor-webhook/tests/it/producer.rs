//! The sending side: `DeliveryHeaders` and `OutgoingDelivery`.

use interactor_webhook::{
    DeliveryHeaders, Event, HeaderLookup, InstanceData, InstanceEvent, OutgoingDelivery, Verifier,
    header, names, sign,
};

use crate::support::{NOW, SECRET};

#[test]
fn delivery_headers_carry_every_documented_header() {
    let body = br#"{"event":"workflow.instance.created"}"#;

    let headers = DeliveryHeaders::new(
        SECRET.as_bytes(),
        names::INSTANCE_CREATED,
        "del_7",
        NOW,
        2,
        body,
    );

    let pairs: Vec<(&str, &str)> = headers.iter().collect();
    let signature = sign(SECRET.as_bytes(), NOW, body).to_string();
    assert_eq!(
        pairs,
        [
            (header::EVENT, names::INSTANCE_CREATED),
            (header::SIGNATURE, signature.as_str()),
            (header::DELIVERY, "del_7"),
            (header::TIMESTAMP, "1705752000"),
            (header::RETRY_COUNT, "2"),
            (header::CONTENT_TYPE, "application/json"),
        ]
    );
    assert_eq!(headers.header("X-Interactor-Delivery"), Some(&b"del_7"[..]));
    assert_eq!((&headers).into_iter().count(), 6);
}

#[test]
fn each_attempt_of_an_outgoing_delivery_is_signed_afresh() {
    let event = Event::InstanceCancelled(InstanceEvent::new(
        "del_3",
        "2026-01-20T12:00:00Z",
        InstanceData::new("inst_1", "approval_workflow"),
    ));
    let delivery = OutgoingDelivery::new(&event).unwrap();

    let first = delivery.sign(SECRET.as_bytes(), NOW, 0);
    let second = delivery.sign(SECRET.as_bytes(), NOW + 30, 1);

    assert_eq!(delivery.event(), names::INSTANCE_CANCELLED);
    assert_eq!(first.delivery_id(), "del_3");
    assert_eq!(second.delivery_id(), "del_3");
    assert_eq!(second.retry_count(), 1);
    assert_eq!(second.timestamp(), NOW + 30);
    assert_ne!(first.signature(), second.signature());

    let verifier = Verifier::builder()
        .secret(SECRET)
        .clock(|| NOW + 30)
        .build()
        .unwrap();
    for headers in [&first, &second] {
        let verified = verifier.verify(headers, delivery.body()).unwrap();
        assert_eq!(verified.event, event);
    }
}

#[test]
fn a_pre_serialised_body_can_be_delivered() {
    let body = crate::support::halted_body("del_5");
    let delivery = OutgoingDelivery::from_body(names::INSTANCE_HALTED, "del_5", body.clone());

    let headers = delivery.sign(SECRET.as_bytes(), NOW, 0);

    assert_eq!(delivery.body(), body.as_slice());
    assert_eq!(headers.event(), names::INSTANCE_HALTED);
    assert!(crate::support::verifier().verify(&headers, &body).is_ok());
}
