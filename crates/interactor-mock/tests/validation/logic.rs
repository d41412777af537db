//! Script and HTTP logic, in `logic` and `on_enter`.

use interactor_mock::validate::limits;
use serde_json::{Value, json};

use super::support::{assert_problems, assert_valid, minimal, remove, set};

const LOGIC: &str = "/states/start/logic";

fn with_logic(logic: Value) -> Value {
    set(minimal(), LOGIC, logic)
}

fn http(extra: Value) -> Value {
    let mut logic = json!({ "type": "http", "method": "GET", "url": "https://example.com/x" });
    if let (Some(logic), Some(extra)) = (logic.as_object_mut(), extra.as_object()) {
        logic.extend(extra.clone());
    }
    with_logic(logic)
}

#[test]
fn action_states_may_go_without_logic() {
    assert_valid(&remove(minimal(), LOGIC));
}

#[test]
fn terminal_states_may_run_logic_on_enter_but_not_as_logic() {
    let on_enter = json!({ "type": "script", "code": "return workflow_data" });
    assert_valid(&set(minimal(), "/states/end/on_enter", on_enter.clone()));

    let raw = set(minimal(), "/states/end/logic", on_enter);
    assert_problems(
        &raw,
        &[(
            "states.end.logic",
            "A terminal state may not have 'logic'; use 'on_enter' to run logic on entry",
        )],
    );
}

#[test]
fn logic_must_be_an_object_with_a_known_type() {
    assert_problems(
        &with_logic(json!("return 1")),
        &[("states.start.logic", "Expected an object, found a string")],
    );
    assert_problems(
        &with_logic(json!({ "code": "return {}" })),
        &[("states.start.logic.type", "Property 'type' is required")],
    );
    assert_problems(
        &with_logic(json!({ "type": "python", "code": "pass" })),
        &[(
            "states.start.logic.type",
            "Expected one of 'script', 'http', found 'python'",
        )],
    );
    assert_problems(
        &set(minimal(), "/states/end/on_enter", json!({ "type": "wasm" })),
        &[(
            "states.end.on_enter.type",
            "Expected one of 'script', 'http', found 'wasm'",
        )],
    );
}

#[test]
fn script_logic_needs_string_code() {
    assert_problems(
        &with_logic(json!({ "type": "script" })),
        &[("states.start.logic.code", "Property 'code' is required")],
    );
    assert_problems(
        &with_logic(json!({ "type": "script", "code": ["return 1"] })),
        &[(
            "states.start.logic.code",
            "Expected a string, found an array",
        )],
    );
}

#[test]
fn scripts_may_have_64_kb_but_not_one_byte_more() {
    let code = "x".repeat(limits::MAX_SCRIPT_BYTES);
    assert_valid(&with_logic(json!({ "type": "script", "code": code })));

    let code = "x".repeat(limits::MAX_SCRIPT_BYTES + 1);
    assert_problems(
        &with_logic(json!({ "type": "script", "code": code })),
        &[(
            "states.start.logic.code",
            "Script code is 65537 bytes; the limit is 65536 bytes (64 KB)",
        )],
    );
}

#[test]
fn script_size_counts_bytes_not_characters() {
    // 21,846 three-byte characters are 65,538 bytes.
    let code = "€".repeat(21_846);
    assert_problems(
        &with_logic(json!({ "type": "script", "code": code })),
        &[(
            "states.start.logic.code",
            "Script code is 65538 bytes; the limit is 65536 bytes (64 KB)",
        )],
    );
}

#[test]
fn http_logic_needs_a_method_and_a_url() {
    assert_problems(
        &with_logic(json!({ "type": "http" })),
        &[
            ("states.start.logic.method", "Property 'method' is required"),
            ("states.start.logic.url", "Property 'url' is required"),
        ],
    );
}

#[test]
fn http_methods_are_upper_case_and_known() {
    for method in ["GET", "POST", "PUT", "PATCH", "DELETE"] {
        assert_valid(&http(json!({ "method": method })));
    }
    for method in ["post", "HEAD", "OPTIONS"] {
        let message =
            format!("Expected one of 'GET', 'POST', 'PUT', 'PATCH', 'DELETE', found '{method}'");
        assert_problems(
            &http(json!({ "method": method })),
            &[("states.start.logic.method", &message)],
        );
    }
}

#[test]
fn urls_must_be_absolute_or_start_with_a_placeholder() {
    for url in [
        "https://api.example.com/orders/${workflow_data.id}",
        "http://localhost:9000",
        "${secrets.BASE_URL}/orders",
    ] {
        assert_valid(&http(json!({ "url": url })));
    }
    for url in [
        "/orders",
        "api.example.com",
        "ftp://example.com",
        "https://",
        "x ${a}",
    ] {
        let message = format!(
            "URL must be an absolute http or https URL or start with a placeholder (found '{url}')"
        );
        assert_problems(
            &http(json!({ "url": url })),
            &[("states.start.logic.url", &message)],
        );
    }
}

#[test]
fn header_values_must_be_strings() {
    assert_valid(&http(
        json!({ "headers": { "X-A": "1", "Authorization": "Bearer ${secrets.T}" } }),
    ));
    assert_problems(
        &http(json!({ "headers": { "X-Count": 3, "X-Ok": "yes" } })),
        &[(
            "states.start.logic.headers.X-Count",
            "Expected a string, found a number",
        )],
    );
    assert_problems(
        &http(json!({ "headers": ["X-A: 1"] })),
        &[(
            "states.start.logic.headers",
            "Expected an object, found an array",
        )],
    );
}

#[test]
fn any_body_is_accepted() {
    for body in [
        json!(null),
        json!("text"),
        json!([1, 2]),
        json!({ "a": "${input.a}" }),
    ] {
        assert_valid(&http(json!({ "body": body })));
    }
}

#[test]
fn timeouts_lie_between_1000_and_30000_ms() {
    for timeout in [1000, 15_000, 30_000] {
        assert_valid(&http(json!({ "timeout": timeout })));
    }
    for (timeout, found) in [
        (json!(999), "999"),
        (json!(30_001), "30001"),
        (json!(-5), "-5"),
    ] {
        let message = format!("'timeout' must be between 1000 and 30000 (found {found})");
        assert_problems(
            &http(json!({ "timeout": timeout })),
            &[("states.start.logic.timeout", &message)],
        );
    }
    assert_problems(
        &http(json!({ "timeout": 1500.5 })),
        &[(
            "states.start.logic.timeout",
            "Expected an integer, found a number",
        )],
    );
    assert_problems(
        &http(json!({ "timeout": "5s" })),
        &[(
            "states.start.logic.timeout",
            "Expected an integer, found a string",
        )],
    );
}

#[test]
fn retries_make_1_to_5_attempts_with_a_known_backoff() {
    for attempts in [1, 5] {
        for backoff in ["linear", "exponential"] {
            let retry = json!({ "retry": { "attempts": attempts, "backoff": backoff } });
            assert_valid(&http(retry));
        }
    }
    assert_valid(&http(json!({ "retry": {} })));
    assert_problems(
        &http(json!({ "retry": { "attempts": 0, "backoff": "random" } })),
        &[
            (
                "states.start.logic.retry.attempts",
                "'attempts' must be between 1 and 5 (found 0)",
            ),
            (
                "states.start.logic.retry.backoff",
                "Expected one of 'linear', 'exponential', found 'random'",
            ),
        ],
    );
    assert_problems(
        &http(json!({ "retry": { "attempts": 6 } })),
        &[(
            "states.start.logic.retry.attempts",
            "'attempts' must be between 1 and 5 (found 6)",
        )],
    );
    assert_problems(
        &http(json!({ "retry": 3 })),
        &[(
            "states.start.logic.retry",
            "Expected an object, found a number",
        )],
    );
}

#[test]
fn result_key_must_be_a_string() {
    assert_valid(&http(json!({ "result_key": "response" })));
    assert_problems(
        &http(json!({ "result_key": true })),
        &[(
            "states.start.logic.result_key",
            "Expected a string, found a boolean",
        )],
    );
}
