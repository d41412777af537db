//! Parsing and serialising `Event`.

use interactor_webhook::{Event, EventError, EventType, InstanceData, InstanceEvent, names};
use serde_json::{Value, json};

fn envelope(event: &str, data: Value) -> Value {
    json!({
        "event": event,
        "delivery_id": "del_1",
        "timestamp": "2026-01-20T12:00:01Z",
        "data": data,
    })
}

#[test]
fn the_reference_halted_example_parses_with_its_presentation() {
    let body = crate::support::halted_body("del_01F8B6XY");

    let event: Event = serde_json::from_slice(&body).unwrap();

    let Event::InstanceHalted(halted) = &event else {
        panic!("expected halted, got {event:?}");
    };
    assert_eq!(halted.delivery_id, "del_01F8B6XY");
    assert_eq!(halted.timestamp, "2026-01-20T12:00:01Z");
    let data = &halted.data;
    assert_eq!(data.workflow_name, "approval_workflow");
    assert_eq!(data.version_id.as_deref(), Some("v_abc123"));
    assert_eq!(data.namespace.as_deref(), Some("user_123"));
    assert_eq!(data.current_state.as_deref(), Some("await_approval"));
    assert_eq!(data.workflow_data["amount"], 5000);
    let presentation = data.halting_presentation.as_ref().unwrap();
    assert_eq!(presentation["fields"][0]["name"], "approved");
}

#[test]
fn the_reference_completed_example_parses() {
    let body = envelope(
        names::INSTANCE_COMPLETED,
        json!({
            "instance_id": "inst_xyz",
            "workflow_name": "approval_workflow",
            "version_id": "v_abc123",
            "namespace": "user_123",
            "current_state": "approved",
            "workflow_data": {"status": "approved", "approved_at": "2026-01-20T12:05:00Z"}
        }),
    );

    let event: Event = serde_json::from_value(body).unwrap();

    let data = event.data().unwrap();
    assert_eq!(event.event_type(), EventType::InstanceCompleted);
    assert_eq!(data.current_state.as_deref(), Some("approved"));
    assert!(data.halting_presentation.is_none());
}

#[test]
fn a_failed_event_carries_its_error() {
    let body = envelope(
        names::INSTANCE_FAILED,
        json!({
            "instance_id": "inst_1",
            "workflow_name": "w",
            "error": {"code": "script_error", "message": "x is not defined"}
        }),
    );

    let event: Event = serde_json::from_value(body).unwrap();

    assert!(matches!(event, Event::InstanceFailed(_)));
    assert_eq!(
        event.data().unwrap().error,
        Some(EventError::new("script_error", "x is not defined"))
    );
}

#[test]
fn each_documented_name_parses_into_its_own_variant() {
    let expected = [
        (names::INSTANCE_CREATED, EventType::InstanceCreated),
        (names::INSTANCE_HALTED, EventType::InstanceHalted),
        (names::INSTANCE_RESUMED, EventType::InstanceResumed),
        (names::INSTANCE_COMPLETED, EventType::InstanceCompleted),
        (names::INSTANCE_FAILED, EventType::InstanceFailed),
        (names::INSTANCE_CANCELLED, EventType::InstanceCancelled),
    ];

    for (name, event_type) in expected {
        let body = envelope(name, json!({"instance_id": "inst_1", "workflow_name": "w"}));
        let event: Event = serde_json::from_value(body).unwrap();
        assert_eq!(event.event_type(), event_type);
        assert_eq!(event.name(), name);
        assert_eq!(event_type.as_str(), name);
        assert_eq!(EventType::from_name(name), event_type);
    }
    assert_eq!(EventType::ALL.len(), 6);
}

#[test]
fn every_known_event_round_trips_through_json() {
    for event_type in EventType::ALL {
        let mut data = InstanceData::new("inst_1", "w");
        data.namespace = Some("user_1".into());
        data.workflow_data.insert("k".into(), json!([1, 2]));
        let event = Event::from_parts(
            &event_type,
            InstanceEvent::new("del_1", "2026-01-20T12:00:00Z", data),
        )
        .unwrap();

        let wire = serde_json::to_value(&event).unwrap();
        let back: Event = serde_json::from_value(wire.clone()).unwrap();

        assert_eq!(back, event);
        assert_eq!(wire["event"], event_type.as_str());
        assert!(
            wire["data"].get("version_id").is_none(),
            "None fields are skipped"
        );
    }
}

#[test]
fn an_unknown_event_keeps_its_name_and_raw_json_and_round_trips() {
    let body = json!({
        "event": "workflow.thread.spawned",
        "delivery_id": 7,
        "data": {"thread": "thread_2"},
        "extra": true
    });

    let event: Event = serde_json::from_value(body.clone()).unwrap();

    let Event::Unknown(unknown) = &event else {
        panic!("expected unknown, got {event:?}");
    };
    assert_eq!(unknown.event, "workflow.thread.spawned");
    assert_eq!(
        event.event_type(),
        EventType::Unknown("workflow.thread.spawned".into())
    );
    assert!(event.data().is_none());
    assert_eq!(Value::Object(unknown.raw.clone()), body);
    assert_eq!(serde_json::to_value(&event).unwrap(), body);
}

#[test]
fn unknown_fields_never_fail_parsing() {
    let mut body = envelope(
        names::INSTANCE_CREATED,
        json!({"instance_id": "inst_1", "workflow_name": "w", "new_field": {"a": 1}}),
    );
    body["api_version"] = json!("2027-01-01");

    let event: Event = serde_json::from_value(body).unwrap();

    assert_eq!(event.data().unwrap().instance_id, "inst_1");
}

#[test]
fn data_before_the_event_name_still_parses_typed() {
    let body = br#"{"data":{"instance_id":"inst_1","workflow_name":"w"},
        "timestamp":"t","delivery_id":"del_1","event":"workflow.instance.resumed"}"#;

    let event: Event = serde_json::from_slice(body).unwrap();

    assert!(matches!(event, Event::InstanceResumed(_)));
    assert_eq!(event.delivery_id(), Some("del_1"));
}

#[test]
fn incomplete_known_events_are_errors() {
    let cases = [
        json!({"delivery_id": "del_1", "timestamp": "t", "data": {}}),
        json!({"event": names::INSTANCE_CREATED, "delivery_id": "del_1", "timestamp": "t"}),
        envelope(names::INSTANCE_CREATED, json!({"workflow_name": "w"})),
        envelope(names::INSTANCE_CREATED, json!({"instance_id": 5})),
        json!({"event": names::INSTANCE_CREATED, "delivery_id": 1, "timestamp": "t",
               "data": {"instance_id": "inst_1"}}),
        json!(["not", "an", "object"]),
    ];

    for body in cases {
        assert!(
            serde_json::from_value::<Event>(body.clone()).is_err(),
            "{body}"
        );
    }
}

#[test]
fn a_duplicated_event_field_is_rejected() {
    let body = br#"{"event":"workflow.instance.created","event":"workflow.instance.failed",
        "delivery_id":"del_1","timestamp":"t","data":{"instance_id":"i"}}"#;

    let error = serde_json::from_slice::<Event>(body).unwrap_err();

    assert!(error.to_string().contains("duplicate"), "{error}");
}

#[test]
fn event_types_serialise_as_their_wire_names() {
    let types = vec![
        EventType::InstanceHalted,
        EventType::Unknown("custom.event".into()),
    ];

    let wire = serde_json::to_value(&types).unwrap();
    let back: Vec<EventType> = serde_json::from_value(wire.clone()).unwrap();

    assert_eq!(wire, json!(["workflow.instance.halted", "custom.event"]));
    assert_eq!(back, types);
    assert_eq!(
        EventType::InstanceFailed.to_string(),
        names::INSTANCE_FAILED
    );
}
