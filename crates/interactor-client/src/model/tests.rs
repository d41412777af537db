//! Every example payload of the API reference decodes into its type and round-trips.

use std::fmt::Debug;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::*;

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!("../../tests/fixtures/spec/", $name, ".json"))
    };
}

/// Decodes, re-encodes and decodes again; both decodings must agree.
fn round_trip<T: DeserializeOwned + Serialize + PartialEq + Debug>(json: &str) -> T {
    let decoded: T = serde_json::from_str(json).expect("example decodes");
    let encoded = serde_json::to_value(&decoded).expect("encodes");
    let again: T = serde_json::from_value(encoded).expect("re-encoded form decodes");
    assert_eq!(decoded, again);
    decoded
}

/// Like [`round_trip`], and the re-encoded JSON equals the original exactly.
fn exact_round_trip<T: DeserializeOwned + Serialize + PartialEq + Debug>(json: &str) -> T {
    let decoded = round_trip::<T>(json);
    let original: Value = serde_json::from_str(json).expect("valid JSON");
    assert_eq!(serde_json::to_value(&decoded).expect("encodes"), original);
    decoded
}

fn data<T: DeserializeOwned + Serialize + PartialEq + Debug>(json: &str) -> T {
    round_trip::<Envelope<T>>(json).data
}

#[test]
fn approval_workflow_definition_round_trips_exactly() {
    let definition =
        exact_round_trip::<WorkflowDefinition>(fixture!("approval_workflow_definition"));
    assert_eq!(definition.initial_state, "request");
    let order: Vec<_> = definition.states.keys().map(String::as_str).collect();
    assert_eq!(order, ["request", "await_approval", "approved", "rejected"]);

    let review = &definition.states["await_approval"];
    assert_eq!(review.kind, StateKind::Halting);
    let Some(Presentation::Form(form)) = &review.presentation else {
        panic!("await_approval has a form");
    };
    assert_eq!(form.fields[1].multiline, Some(true));
    assert_eq!(
        review.transitions[0].condition(),
        Some(&Condition::equals("approved", true))
    );

    let Some(Logic::Http(http)) = &definition.states["approved"].on_enter else {
        panic!("approved has HTTP on_enter logic");
    };
    assert_eq!(http.method, HttpMethod::Post);
}

#[test]
fn validate_definition_round_trips_exactly() {
    let definition = exact_round_trip::<WorkflowDefinition>(fixture!("validate_definition"));
    assert_eq!(definition.states["end"].kind, StateKind::Terminal);
}

#[test]
fn purchase_approval_definition_round_trips_exactly() {
    let definition =
        exact_round_trip::<WorkflowDefinition>(fixture!("purchase_approval_definition"));
    assert_eq!(definition.states.len(), 8);
    let manager = &definition.states["manager_approval"];
    assert_eq!(
        manager.transitions[0].condition(),
        Some(&Condition::all([
            Condition::equals("approved", true),
            Condition::gt("amount", 10000),
        ]))
    );
    assert_eq!(manager.transitions[2].target(), "rejected");
}

#[test]
fn builder_writes_the_reference_definition() {
    let built = WorkflowDefinition::builder("approval_workflow")
        .initial_state("request")
        .ai_guidance("This workflow handles approval requests. Route based on amount thresholds.")
        .state(
            "request",
            State::action()
                .script(
                    "return { request_id: input.id, amount: input.amount, status: \"pending\", \
                     submitted_at: new Date().toISOString() }",
                )
                .transition("await_approval"),
        )
        .state(
            "await_approval",
            State::halting()
                .presentation(
                    FormPresentation::new("Approval Required")
                        .description("Please review and approve or reject this request.")
                        .field(Field::new(
                            "approved",
                            FieldType::Boolean,
                            "Approve this request?",
                        ))
                        .field(
                            Field::new("comment", FieldType::String, "Comment (optional)")
                                .multiline(),
                        ),
                )
                .transition_when("approved", Condition::equals("approved", true))
                .transition("rejected"),
        )
        .state("approved", terminal_callback("approved"))
        .state("rejected", terminal_callback("rejected"))
        .build();

    let reference: WorkflowDefinition =
        serde_json::from_str(fixture!("approval_workflow_definition")).expect("decodes");
    assert_eq!(built, reference);
}

fn terminal_callback(status: &str) -> StateBuilder {
    State::terminal().on_enter(
        HttpLogic::new(
            HttpMethod::Post,
            "https://yourapp.com/api/webhooks/approval-complete",
        )
        .body(json!({ "request_id": "${workflow_data.request_id}", "status": status })),
    )
}

#[test]
fn builder_defaults_the_initial_state_to_the_first_state() {
    let definition = WorkflowDefinition::builder("w")
        .state("first", State::terminal())
        .state("second", State::terminal())
        .build();
    assert_eq!(definition.initial_state, "first");
}

#[test]
fn selection_state_with_ai_instructions_round_trips_exactly() {
    let states: indexmap::IndexMap<String, State> =
        exact_round_trip(fixture!("state_ai_instructions"));
    let state = &states["await_approval"];
    assert_eq!(state.transition_mode, Some(TransitionMode::Selection));
    assert_eq!(
        state.transitions[0],
        Transition::choice("approve", "approved").describe("Approve the order")
    );
    let Some(HaltingInstructions::Ai { config }) = &state.halting_instructions else {
        panic!("ai instructions");
    };
    assert_eq!(config.model.as_deref(), Some("claude-3-haiku-20240307"));
    assert_eq!(
        config.include_data_paths,
        ["order", "customer", "risk_score"]
    );
}

#[derive(Debug, PartialEq, Serialize, serde::Deserialize)]
struct InstructionsHolder {
    halting_instructions: HaltingInstructions,
}

#[test]
fn simple_instructions_have_no_type_and_round_trip_exactly() {
    let holder = exact_round_trip::<InstructionsHolder>(fixture!("simple_instructions"));
    let HaltingInstructions::Simple {
        instruction,
        include_data,
    } = holder.halting_instructions
    else {
        panic!("simple form");
    };
    assert!(instruction.starts_with("Tell the user"));
    assert_eq!(include_data, ["strategy", "benchmarks", "risk_assessment"]);
}

#[test]
fn message_instructions_round_trip_exactly() {
    let holder = exact_round_trip::<InstructionsHolder>(fixture!("message_instructions"));
    let HaltingInstructions::Message { config } = holder.halting_instructions else {
        panic!("message form");
    };
    assert_eq!(config.title.as_deref(), Some("Approval Required"));
}

#[test]
fn instructions_with_an_unknown_type_are_rejected() {
    let err = serde_json::from_value::<HaltingInstructions>(json!({"type": "llm", "config": {}}))
        .expect_err("unknown type");
    assert!(err.to_string().contains("llm"), "{err}");
}

#[test]
fn halted_options_decode_from_the_halted_response() {
    #[derive(Debug, PartialEq, Serialize, serde::Deserialize)]
    struct Fragment {
        status: InstanceStatus,
        halted_at_state: String,
        halted_options: HaltedOptions,
    }
    let fragment = exact_round_trip::<Fragment>(fixture!("halted_response_fragment"));
    assert_eq!(fragment.status, InstanceStatus::Halted);
    let options = fragment.halted_options;
    assert!(options.generated);
    assert_eq!(options.transition_mode, TransitionMode::Selection);
    assert_eq!(options.choices[1].key, "reject");
    assert_eq!(options.include_data, ["order", "customer"]);
}

#[test]
fn form_presentation_round_trips_exactly() {
    let presentation = exact_round_trip::<Presentation>(fixture!("form_presentation"));
    let Presentation::Form(form) = presentation else {
        panic!("form");
    };
    assert!(form.fields[0].required);
    assert_eq!(form.fields[1].min, Some(0.0));
    assert_eq!(
        form.fields[1].default,
        Some(json!("${workflow_data.amount}"))
    );
    assert_eq!(
        form.fields[2].placeholder.as_deref(),
        Some("Add any notes or conditions...")
    );
    assert_eq!(form.fields[3].kind, FieldType::Select);
    assert_eq!(form.fields[3].options.as_ref().map(Vec::len), Some(3));
}

#[test]
fn choice_presentation_round_trips_exactly() {
    let Presentation::Choice(choice) = exact_round_trip(fixture!("choice_presentation")) else {
        panic!("choice");
    };
    assert_eq!(choice.options.len(), 4);
    assert_eq!(choice.options[2].value, "escalate");
}

#[test]
fn message_presentation_round_trips_exactly() {
    let Presentation::Message(message) = exact_round_trip(fixture!("message_presentation")) else {
        panic!("message");
    };
    assert_eq!(message.show_progress, Some(true));
}

#[test]
fn field_types_and_camel_case_properties_round_trip() {
    let field = json!({
        "name": "receipt", "type": "file", "label": "Receipt",
        "accept": "image/*", "maxSize": 1048576, "maxLength": 10,
        "minDate": "2026-01-01", "maxDate": "2026-12-31", "step": 0.5
    });
    let decoded = exact_round_trip::<Field>(&field.to_string());
    assert_eq!(decoded.max_size, Some(1_048_576));
    assert_eq!(decoded.min_date.as_deref(), Some("2026-01-01"));
    assert_eq!(decoded.step, Some(0.5));

    let unknown = exact_round_trip::<Field>(r#"{"name":"c","type":"color","label":"C"}"#);
    assert_eq!(unknown.kind, FieldType::Unknown("color".to_owned()));
}

#[test]
fn script_and_http_logic_round_trip_exactly() {
    let Logic::Script(script) = exact_round_trip(fixture!("script_logic")) else {
        panic!("script");
    };
    assert!(script.code.contains("reduce"));

    let Logic::Http(http) = exact_round_trip(fixture!("http_logic")) else {
        panic!("http");
    };
    assert_eq!(http.timeout, Some(30000));
    assert_eq!(
        http.retry,
        Some(RetryPolicy {
            attempts: Some(3),
            backoff: Some(Backoff::Exponential)
        })
    );
    let header_order: Vec<_> = http.headers.keys().map(String::as_str).collect();
    assert_eq!(header_order, ["Authorization", "Content-Type"]);
}

#[derive(Debug, PartialEq, Serialize, serde::Deserialize)]
struct Transitions {
    transitions: Vec<Transition>,
}

#[test]
fn compare_conditions_round_trip_exactly() {
    let decoded = exact_round_trip::<Transitions>(fixture!("transitions_compare"));
    assert_eq!(
        decoded.transitions[0].condition(),
        Some(&Condition::gt("amount", 10000))
    );
    assert_eq!(decoded.transitions[2], Transition::to("auto_approve"));
}

#[test]
fn nested_and_or_conditions_round_trip_exactly() {
    let decoded = exact_round_trip::<Transitions>(fixture!("transitions_complex"));
    let expected = Condition::any([
        Condition::lte("amount", 1000),
        Condition::all([
            Condition::equals("approved", true),
            Condition::lte("amount", 10000),
        ]),
    ]);
    assert_eq!(decoded.transitions[1].condition(), Some(&expected));
}

#[test]
fn every_operator_table_example_round_trips_exactly() {
    let examples = [
        json!({ "field": "status", "equals": "approved" }),
        json!({ "field": "status", "not_equals": "rejected" }),
        json!({ "field": "amount", "operator": "gt", "value": 1000 }),
        json!({ "field": "amount", "operator": "gte", "value": 1000 }),
        json!({ "field": "amount", "operator": "lt", "value": 100 }),
        json!({ "field": "amount", "operator": "lte", "value": 100 }),
        json!({ "field": "email", "operator": "contains", "value": "@company.com" }),
        json!({ "field": "category", "operator": "in", "value": ["A", "B", "C"] }),
        json!({ "field": "status", "operator": "equals", "value": "approved" }),
        json!({ "field": "status", "operator": "not_equals", "value": "x" }),
        json!({ "field": "flag", "equals": null }),
    ];
    for example in examples {
        exact_round_trip::<Condition>(&example.to_string());
    }
    assert_eq!(
        serde_json::from_value::<Condition>(
            json!({"field": "c", "operator": "in", "value": ["A"]})
        )
        .expect("decodes"),
        Condition::one_of("c", ["A"])
    );
}

#[test]
fn malformed_conditions_are_rejected_with_a_reason() {
    let cases = [
        (json!({ "field": "a" }), "needs `equals`"),
        (json!({ "field": "a", "operator": "gt" }), "needs `value`"),
        (
            json!({ "field": "a", "operator": "near", "value": 1 }),
            "near",
        ),
        (json!({ "equals": 1 }), "needs `field`"),
        (json!({ "and": {} }), "condition `and`"),
        (json!([1]), "JSON object"),
    ];
    for (case, reason) in cases {
        let err = serde_json::from_value::<Condition>(case.clone()).expect_err("rejected");
        assert!(err.to_string().contains(reason), "{case}: {err}");
    }
}

#[test]
fn transitions_with_both_forms_or_neither_are_rejected() {
    for case in [
        json!({ "target": "a", "key": "k", "to": "b" }),
        json!({ "key": "k" }),
        json!({ "description": "d" }),
        json!({ "key": "k", "to": "b", "condition": { "field": "a", "equals": 1 } }),
    ] {
        serde_json::from_value::<Transition>(case.clone()).expect_err(&case.to_string());
    }
}

#[test]
fn workflow_responses_decode() {
    let created = data::<WorkflowVersion>(fixture!("create_workflow_response"));
    assert_eq!(created.name.as_deref(), Some("approval_workflow"));
    assert_eq!(created.status, VersionStatus::Draft);

    assert!(data::<ValidationResult>(fixture!("validate_ok_response")).valid);
    let invalid = data::<ValidationResult>(fixture!("validate_error_response"));
    assert_eq!(invalid.errors[0].path, "states.start.transitions[0].target");

    let list = data::<WorkflowList>(fixture!("list_workflows_response"));
    assert_eq!(list.workflows[1].published_version_id, None);

    let versions = data::<VersionList>(fixture!("list_versions_response"));
    assert_eq!(versions.versions[1].status, VersionStatus::Published);

    let published = data::<WorkflowVersion>(fixture!("publish_response"));
    assert!(published.published_at.is_some());
}

#[test]
fn instance_responses_decode() {
    let created = data::<Instance>(fixture!("create_instance_response"));
    assert_eq!(created.status, InstanceStatus::Halted);
    assert_eq!(created.data("amount"), Some(&json!(5000)));

    let list = data::<InstanceList>(fixture!("list_instances_response"));
    assert_eq!(list.instances.len(), 2);

    let full = data::<Instance>(fixture!("get_instance_response"));
    assert!(matches!(
        full.halting_presentation,
        Some(Presentation::Form(_))
    ));
    assert_eq!(
        full.thread("thread_main").map(|t| &t.status),
        Some(&ThreadStatus::Halted)
    );
    assert_eq!(
        full.history[0].transition.as_deref(),
        Some("await_approval")
    );
    assert_eq!(full.history[1].exited_at, None);

    let resumed = data::<Instance>(fixture!("resume_response"));
    assert!(resumed.status.is_finished());

    let cancelled = data::<Instance>(fixture!("cancel_response"));
    assert!(cancelled.cancelled_at.is_some());

    let threads = data::<ThreadList>(fixture!("list_threads_response"));
    assert_eq!(threads.threads[1].id, "thread_finance");

    let thread_resumed = data::<Instance>(fixture!("resume_thread_response"));
    assert_eq!(thread_resumed.threads.len(), 2);
}

#[test]
fn instance_history_entries_decode() {
    #[derive(Debug, PartialEq, Serialize, serde::Deserialize)]
    struct Fragment {
        history: Vec<HistoryEntry>,
    }
    let fragment = exact_round_trip::<Fragment>(fixture!("instance_history_fragment"));
    assert_eq!(fragment.history[0].logs, ["Processing request req_456"]);
    assert_eq!(fragment.history[0].duration_ms, Some(45));
    assert_eq!(fragment.history[1].resumed_by.as_deref(), Some("user_789"));
}

#[test]
fn request_bodies_round_trip_exactly() {
    let create = exact_round_trip::<CreateInstanceRequest>(fixture!("create_instance_request"));
    assert_eq!(create.namespace.as_deref(), Some("user_123"));
    exact_round_trip::<CreateInstanceRequest>(fixture!("create_instance_idempotent_request"));
    exact_round_trip::<ResumeRequest>(fixture!("resume_request"));
    exact_round_trip::<ResumeRequest>(fixture!("resume_thread_request"));

    let with_state = ResumeRequest::new(json!({"approved": true})).expected_state("await");
    assert_eq!(
        serde_json::to_value(&with_state).expect("encodes"),
        json!({"input": {"approved": true}, "expected_state": "await"})
    );
    assert_eq!(
        serde_json::from_value::<CreateInstanceRequest>(json!({}))
            .expect("decodes")
            .input,
        json!({})
    );
}

#[test]
fn history_page_decodes() {
    let page = data::<HistoryPage>(fixture!("history_response"));
    assert_eq!(page.workflow_id.as_deref(), Some("wf_abc"));
    assert_eq!(page.events[0].kind, HistoryEventType::Lifecycle);
    assert_eq!(page.events[0].initial_state.as_deref(), Some("request"));
    let transition = &page.events[1];
    assert_eq!(transition.trigger, Some(Trigger::Automatic));
    let changes = transition.changes.as_ref().expect("changes");
    assert_eq!(changes.updated["status"].to, json!("processing"));
    assert!(!page.pagination.has_more);
}

#[test]
fn error_records_carry_the_event_fields_inline() {
    let list = exact_round_trip::<ErrorList>(
        &json!({
            "errors": [{
                "instance_id": "inst_a", "workflow_name": "w", "namespace": "default",
                "id": "evt_1", "type": "error", "timestamp": "2026-01-20T12:00:00Z",
                "state": "calc", "error": { "code": "script_error", "message": "boom" }
            }],
            "pagination": { "has_more": true, "next_cursor": "c2" }
        })
        .to_string(),
    );
    let record = &list.errors[0];
    assert_eq!(record.event.kind, HistoryEventType::Error);
    assert_eq!(
        record.event.error.as_ref().map(|e| e.code.as_str()),
        Some("script_error")
    );
    assert_eq!(list.pagination.next_cursor.as_deref(), Some("c2"));
}

#[test]
fn subscription_bodies_decode_and_hide_the_secret() {
    let request =
        exact_round_trip::<CreateSubscriptionRequest>(fixture!("create_subscription_request"));
    assert_eq!(request.events[0], WebhookEventType::InstanceHalted);
    let debug = format!("{request:?}");
    assert!(!debug.contains(&request.secret), "{debug}");

    let subscription = data::<Subscription>(fixture!("create_subscription_response"));
    assert_eq!(subscription.status, SubscriptionStatus::Active);
    assert_eq!(subscription.events.len(), 3);
}

#[test]
fn error_bodies_decode() {
    let conflict = round_trip::<ErrorEnvelope>(fixture!("concurrent_modification_error")).error;
    assert_eq!(conflict.code, ErrorCode::ConcurrentModification);
    assert_eq!(conflict.code.http_status(), Some(409));
    assert_eq!(
        conflict
            .details
            .as_ref()
            .and_then(|d| d.get("expected_state")),
        Some(&json!("await_approval"))
    );

    let not_found = round_trip::<ErrorEnvelope>(fixture!("workflow_not_found_error")).error;
    assert_eq!(not_found.code, ErrorCode::WorkflowNotFound);
    assert_eq!(not_found.details, None);
    assert_eq!(not_found.request_id.as_deref(), Some("req_01F8B6XY9Z..."));
}

#[test]
fn unknown_enum_values_are_kept_and_written_back() {
    let instance = exact_round_trip::<Instance>(r#"{"id":"inst_a","status":"paused"}"#);
    assert_eq!(
        instance.status,
        InstanceStatus::Unknown("paused".to_owned())
    );
    assert!(!instance.status.is_finished());

    let body = exact_round_trip::<ApiErrorBody>(r#"{"code":"teapot","message":"short"}"#);
    assert_eq!(body.code, ErrorCode::Unknown("teapot".to_owned()));
    assert_eq!(body.code.http_status(), None);
    assert_eq!(body.code.as_str(), "teapot");

    let event = exact_round_trip::<HistoryEvent>(
        r#"{"id":"evt_1","type":"audit","timestamp":"2026-01-20T12:00:00Z","trigger":"cron"}"#,
    );
    assert_eq!(event.kind, HistoryEventType::Unknown("audit".to_owned()));
    assert_eq!(event.trigger, Some(Trigger::Unknown("cron".to_owned())));
}

#[test]
fn every_error_code_maps_to_a_status_and_back_to_its_name() {
    let names = [
        "unauthorized",
        "forbidden",
        "rate_limited",
        "internal_error",
        "invalid_workflow",
        "workflow_exists",
        "workflow_not_found",
        "version_not_found",
        "already_published",
        "workflow_not_published",
        "namespace_quota_exceeded",
        "instance_not_found",
        "instance_not_halted",
        "invalid_transition",
        "concurrent_modification",
        "instance_not_active",
        "script_error",
        "script_timeout",
        "http_error",
        "http_timeout",
        "invalid_input",
        "idempotency_key_reused",
        "invalid_request",
        "payload_too_large",
        "thread_not_found",
        "event_not_found",
        "subscription_not_found",
        "not_found",
    ];
    for name in names {
        let code = ErrorCode::from(name);
        assert!(!matches!(code, ErrorCode::Unknown(_)), "{name} is known");
        assert_eq!(code.as_str(), name);
        assert!(code.http_status().is_some(), "{name} has a status");
    }
}

#[test]
fn token_bodies_hide_secrets_in_debug() {
    let request = exact_round_trip::<TokenRequest>(fixture!("refresh_token_request"));
    assert_eq!(request.grant_type, GrantType::RefreshToken);
    let debug = format!("{request:?}");
    assert!(!debug.contains("<refresh_token>"), "{debug}");

    let response = exact_round_trip::<TokenResponse>(
        r#"{"access_token":"at_secret","token_type":"Bearer","expires_in":3600,
            "refresh_token":"rt_secret","scope":"workflows:read"}"#,
    );
    let debug = format!("{response:?}");
    assert!(
        !debug.contains("at_secret") && !debug.contains("rt_secret"),
        "{debug}"
    );
    assert_eq!(response.expires_in, 3600);
}

#[test]
fn builder_writes_the_reference_selection_state() {
    let built = State::halting()
        .halting_instructions(HaltingInstructions::Ai {
            config: AiInstructionConfig {
                prompt: "Summarize this order and ask the user to approve or reject it.".to_owned(),
                model: Some("claude-3-haiku-20240307".to_owned()),
                include_data_paths: vec![
                    "order".to_owned(),
                    "customer".to_owned(),
                    "risk_score".to_owned(),
                ],
            },
        })
        .choice("approve", "approved", "Approve the order")
        .choice("reject", "rejected", "Reject the order")
        .build();

    let reference: indexmap::IndexMap<String, State> =
        serde_json::from_str(fixture!("state_ai_instructions")).expect("decodes");
    assert_eq!(built, reference["await_approval"]);
}

#[test]
fn presentation_builders_write_the_reference_shapes() {
    let choice = ChoicePresentation::new("How would you like to proceed with this request?")
        .title("Select Action")
        .option(
            ChoiceOption::new("approve", "Approve").description("Approve the request as submitted"),
        );
    let Presentation::Choice(reference) =
        serde_json::from_str(fixture!("choice_presentation")).expect("decodes")
    else {
        panic!("choice");
    };
    assert_eq!(choice.options[0], reference.options[0]);
    assert_eq!(choice.message, reference.message);

    let message = MessagePresentation::new("Waiting").title("Processing");
    assert_eq!(
        serde_json::to_value(Presentation::from(message)).expect("encodes"),
        json!({ "type": "message", "title": "Processing", "message": "Waiting" })
    );
    assert_eq!(
        serde_json::to_value(HaltingInstructions::simple("Tell them", ["a"])).expect("encodes"),
        json!({ "instruction": "Tell them", "include_data": ["a"] })
    );
}
