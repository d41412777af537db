//! The reference's own examples are valid and deserialise.

use interactor_client::model::{StateKind, TransitionMode};
use interactor_mock::validate::parse_definition;
use serde_json::{Value, json};

use super::support::{assert_problems, assert_valid, minimal, set};

fn parse(raw: &Value) -> interactor_client::model::WorkflowDefinition {
    match parse_definition(raw, raw.to_string().len()) {
        Ok(definition) => definition,
        Err(problems) => panic!("unexpected problems: {problems:?}"),
    }
}

fn approval_workflow() -> Value {
    json!({
        "name": "approval_workflow",
        "initial_state": "request",
        "ai_guidance": "This workflow handles approval requests. Route based on amount thresholds.",
        "states": {
            "request": {
                "type": "action",
                "logic": {
                    "type": "script",
                    "code": "return { request_id: input.id, amount: input.amount, status: \"pending\", submitted_at: new Date().toISOString() }"
                },
                "transitions": [{ "target": "await_approval" }]
            },
            "await_approval": {
                "type": "halting",
                "presentation": {
                    "type": "form",
                    "title": "Approval Required",
                    "description": "Please review and approve or reject this request.",
                    "fields": [
                        { "name": "approved", "type": "boolean", "label": "Approve this request?" },
                        { "name": "comment", "type": "string", "label": "Comment (optional)", "multiline": true }
                    ]
                },
                "transitions": [
                    { "target": "approved", "condition": { "field": "approved", "equals": true } },
                    { "target": "rejected" }
                ]
            },
            "approved": {
                "type": "terminal",
                "on_enter": {
                    "type": "http",
                    "method": "POST",
                    "url": "https://yourapp.com/api/webhooks/approval-complete",
                    "body": { "request_id": "${workflow_data.request_id}", "status": "approved" }
                }
            },
            "rejected": {
                "type": "terminal",
                "on_enter": {
                    "type": "http",
                    "method": "POST",
                    "url": "https://yourapp.com/api/webhooks/approval-complete",
                    "body": { "request_id": "${workflow_data.request_id}", "status": "rejected" }
                }
            }
        }
    })
}

fn purchase_approval() -> Value {
    let approval_form = |title: &str, extra: Option<Value>| {
        let mut fields = vec![
            json!({ "name": "approved", "type": "boolean", "label": "Approve?", "required": true }),
            json!({ "name": "comment", "type": "string", "label": "Comment", "multiline": true }),
        ];
        fields.extend(extra);
        json!({
            "type": "form",
            "title": title,
            "description": "Purchase request for ${workflow_data.description} - $${workflow_data.amount}",
            "fields": fields
        })
    };
    let script = |code: &str, next: &str| {
        json!({
            "type": "action",
            "logic": { "type": "script", "code": code },
            "transitions": [{ "target": next }]
        })
    };
    json!({
        "name": "purchase_approval",
        "initial_state": "submit",
        "ai_guidance": "Multi-level purchase approval workflow. Amount thresholds: <$1000 auto-approve, $1000-$10000 manager, >$10000 VP required.",
        "states": {
            "submit": {
                "type": "action",
                "logic": {
                    "type": "script",
                    "code": "return { ...input, submitted_at: new Date().toISOString(), status: 'pending' }"
                },
                "transitions": [
                    { "target": "auto_approved", "condition": { "field": "amount", "operator": "lte", "value": 1000 } },
                    { "target": "manager_approval", "condition": { "field": "amount", "operator": "lte", "value": 10000 } },
                    { "target": "manager_approval" }
                ]
            },
            "manager_approval": {
                "type": "halting",
                "presentation": approval_form("Manager Approval Required", None),
                "transitions": [
                    {
                        "target": "vp_approval",
                        "condition": { "and": [
                            { "field": "approved", "equals": true },
                            { "field": "amount", "operator": "gt", "value": 10000 }
                        ] }
                    },
                    { "target": "approved", "condition": { "field": "approved", "equals": true } },
                    { "target": "rejected" }
                ]
            },
            "vp_approval": {
                "type": "halting",
                "presentation": approval_form(
                    "VP Approval Required",
                    Some(json!({ "name": "budget_code", "type": "string", "label": "Budget Code" })),
                ),
                "transitions": [
                    { "target": "approved", "condition": { "field": "approved", "equals": true } },
                    { "target": "rejected" }
                ]
            },
            "auto_approved": script("return { ...workflow_data, status: 'approved', approved_by: 'auto', approved_at: new Date().toISOString() }", "notify_requester"),
            "approved": script("return { ...workflow_data, status: 'approved', approved_at: new Date().toISOString() }", "notify_requester"),
            "rejected": script("return { ...workflow_data, status: 'rejected', rejected_at: new Date().toISOString() }", "notify_requester"),
            "notify_requester": {
                "type": "action",
                "logic": {
                    "type": "http",
                    "method": "POST",
                    "url": "https://yourapp.com/api/notifications",
                    "body": {
                        "type": "purchase_decision",
                        "email": "${workflow_data.requester}",
                        "status": "${workflow_data.status}",
                        "amount": "${workflow_data.amount}"
                    }
                },
                "transitions": [{ "target": "complete" }]
            },
            "complete": { "type": "terminal" }
        }
    })
}

/// A definition whose `review` state carries `state` (with `approved`/`rejected` exits).
fn around_halting_state(state: Value) -> Value {
    json!({
        "name": "halting_examples",
        "initial_state": "start",
        "states": {
            "start": { "type": "action", "transitions": [{ "target": "review" }] },
            "review": state,
            "approved": { "type": "terminal" },
            "rejected": { "type": "terminal" }
        }
    })
}

#[test]
fn the_step_one_approval_workflow_is_valid() {
    let raw = approval_workflow();
    assert_valid(&raw);

    let definition = parse(&raw);
    assert_eq!(definition.name, "approval_workflow");
    assert_eq!(definition.initial_state, "request");
    assert_eq!(definition.states.len(), 4);
    assert_eq!(definition.states["await_approval"].kind, StateKind::Halting);
    assert_eq!(definition.states["await_approval"].transitions.len(), 2);
}

#[test]
fn the_step_two_workflow_is_valid() {
    let raw = minimal();
    assert_valid(&raw);
    let definition = parse(&raw);
    assert_eq!(
        definition.states.keys().collect::<Vec<_>>(),
        ["start", "end"]
    );
}

#[test]
fn the_step_two_error_example_is_reported_as_in_the_reference() {
    let raw = set(
        minimal(),
        "/states/start/transitions/0/target",
        json!("nonexistent"),
    );
    assert_problems(
        &raw,
        &[
            (
                "states.start.transitions[0].target",
                "Target state 'nonexistent' does not exist",
            ),
            (
                "states.end",
                "State 'end' is not reachable from the initial state 'start'",
            ),
        ],
    );
}

#[test]
fn the_purchase_approval_example_is_valid() {
    let raw = purchase_approval();
    assert_valid(&raw);
    let definition = parse(&raw);
    assert_eq!(definition.states.len(), 8);
    assert_eq!(definition.states["manager_approval"].transitions.len(), 3);
}

#[test]
fn ai_halting_instructions_with_selection_mode_are_valid() {
    let raw = around_halting_state(json!({
        "type": "halting",
        "halting_instructions": {
            "type": "ai",
            "config": {
                "prompt": "Summarize this order and ask the user to approve or reject it.",
                "model": "claude-3-haiku-20240307",
                "include_data_paths": ["order", "customer", "risk_score"]
            }
        },
        "transition_mode": "selection",
        "transitions": [
            { "key": "approve", "to": "approved", "description": "Approve the order" },
            { "key": "reject", "to": "rejected", "description": "Reject the order" }
        ]
    }));
    assert_valid(&raw);
    let definition = parse(&raw);
    assert_eq!(
        definition.states["review"].transition_mode,
        Some(TransitionMode::Selection)
    );
}

#[test]
fn simple_and_message_halting_instructions_are_valid() {
    let simple = json!({
        "instruction": "Tell the user the strategy is ready for review. Highlight key metrics and risks.",
        "include_data": ["strategy", "benchmarks", "risk_assessment"]
    });
    let message = json!({
        "type": "message",
        "config": {
            "title": "Approval Required",
            "message": "This order exceeds the automatic approval threshold and requires manual review."
        }
    });
    for instructions in [simple, message] {
        let raw = around_halting_state(json!({
            "type": "halting",
            "halting_instructions": instructions,
            "transitions": [{ "target": "approved" }, { "target": "rejected" }]
        }));
        assert_valid(&raw);
        parse(&raw);
    }
}

#[test]
fn the_reference_presentations_are_valid() {
    let form = json!({
        "type": "form",
        "title": "Approval Required",
        "description": "Please review the request details and provide your decision.",
        "fields": [
            { "name": "approved", "type": "boolean", "label": "Approve this request?", "required": true },
            { "name": "amount", "type": "number", "label": "Approved Amount",
              "default": "${workflow_data.amount}", "min": 0, "max": 100000 },
            { "name": "notes", "type": "string", "label": "Notes", "multiline": true,
              "placeholder": "Add any notes or conditions..." },
            { "name": "priority", "type": "select", "label": "Priority",
              "options": [
                  { "value": "low", "label": "Low" },
                  { "value": "medium", "label": "Medium" },
                  { "value": "high", "label": "High" }
              ],
              "default": "medium" },
            { "name": "due", "type": "date", "label": "Due", "minDate": "2026-01-01", "maxDate": "2026-12-31" },
            { "name": "receipt", "type": "file", "label": "Receipt", "accept": "application/pdf", "maxSize": 10485760 },
            { "name": "count", "type": "number", "label": "Count", "step": 1 },
            { "name": "code", "type": "string", "label": "Code", "maxLength": 12 }
        ]
    });
    let choice = json!({
        "type": "choice",
        "title": "Select Action",
        "message": "How would you like to proceed with this request?",
        "options": [
            { "value": "approve", "label": "Approve", "description": "Approve the request as submitted" },
            { "value": "reject", "label": "Reject", "description": "Reject the request" },
            { "value": "escalate", "label": "Escalate to Manager", "description": "Send to manager for review" },
            { "value": "request_info", "label": "Request More Information", "description": "Ask the requester for additional details" }
        ]
    });
    let message = json!({
        "type": "message",
        "title": "Processing",
        "message": "Waiting for external system response. This may take a few minutes.",
        "show_progress": true
    });
    for presentation in [form, choice, message] {
        let raw = around_halting_state(json!({
            "type": "halting",
            "presentation": presentation,
            "transitions": [{ "target": "approved" }, { "target": "rejected" }]
        }));
        assert_valid(&raw);
        parse(&raw);
    }
}

#[test]
fn the_reference_logic_and_conditions_are_valid() {
    let raw = json!({
        "name": "logic-examples",
        "initial_state": "compute",
        "states": {
            "compute": {
                "type": "action",
                "logic": {
                    "type": "script",
                    "code": "const total = input.items.reduce((sum, item) => sum + item.price, 0); const needsApproval = total > 1000; return { ...workflow_data, total, needs_approval: needsApproval, calculated_at: new Date().toISOString() };"
                },
                "transitions": [{ "target": "call" }]
            },
            "call": {
                "type": "action",
                "logic": {
                    "type": "http",
                    "method": "POST",
                    "url": "https://api.yourservice.com/process",
                    "headers": {
                        "Authorization": "Bearer ${secrets.API_KEY}",
                        "Content-Type": "application/json"
                    },
                    "body": {
                        "order_id": "${workflow_data.order_id}",
                        "amount": "${workflow_data.amount}",
                        "customer_email": "${workflow_data.customer_email}"
                    },
                    "timeout": 30000,
                    "retry": { "attempts": 3, "backoff": "exponential" }
                },
                "transitions": [
                    { "target": "vp_approval", "condition": { "and": [
                        { "field": "approved", "equals": true },
                        { "field": "amount", "operator": "gt", "value": 10000 }
                    ] } },
                    { "target": "approved", "condition": { "or": [
                        { "field": "amount", "operator": "lte", "value": 1000 },
                        { "and": [
                            { "field": "approved", "equals": true },
                            { "field": "amount", "operator": "lte", "value": 10000 }
                        ] }
                    ] } },
                    { "target": "approved", "condition": { "field": "status", "not_equals": "rejected" } },
                    { "target": "approved", "condition": { "field": "amount", "operator": "gte", "value": 1000 } },
                    { "target": "approved", "condition": { "field": "amount", "operator": "lt", "value": 100 } },
                    { "target": "approved", "condition": { "field": "email", "operator": "contains", "value": "@company.com" } },
                    { "target": "approved", "condition": { "field": "category", "operator": "in", "value": ["A", "B", "C"] } },
                    { "target": "rejected" }
                ]
            },
            "vp_approval": { "type": "terminal" },
            "approved": { "type": "terminal" },
            "rejected": { "type": "terminal" }
        }
    });
    assert_valid(&raw);
    parse(&raw);
}

#[test]
fn a_definition_serialised_from_the_model_is_valid_again() {
    let definition = parse(&purchase_approval());
    let raw = serde_json::to_value(&definition).expect("serialises");
    assert_valid(&raw);
    assert_eq!(parse(&raw), definition);
}
