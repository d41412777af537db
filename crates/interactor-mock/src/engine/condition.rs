//! Transition conditions.
//!
//! A condition reads a dotted path from `workflow_data`. A missing field makes every
//! comparison false (never an error), so a definition can test for data that only some
//! paths produce. Ordering operators compare numbers with numbers and strings with
//! strings; mixed types are false. `contains` is a substring test on strings and a
//! membership test on arrays; `in` asks whether the field's value is one of the listed
//! values.

use interactor_client::model::{Condition, Operator};
use serde_json::{Map, Value};

use crate::template::lookup_path;

/// Whether `condition` holds for `data`. A transition without a condition always holds.
pub(crate) fn holds(condition: Option<&Condition>, data: &Map<String, Value>) -> bool {
    condition.is_none_or(|c| evaluate(c, data))
}

fn evaluate(condition: &Condition, data: &Map<String, Value>) -> bool {
    match condition {
        Condition::Equals { field, value } => {
            field_value(data, field).is_some_and(|v| json_equal(v, value))
        }
        Condition::NotEquals { field, value } => {
            field_value(data, field).is_some_and(|v| !json_equal(v, value))
        }
        Condition::Compare {
            field,
            operator,
            value,
        } => field_value(data, field).is_some_and(|v| compare(v, operator, value)),
        Condition::And(all) => all.iter().all(|c| evaluate(c, data)),
        Condition::Or(any) => any.iter().any(|c| evaluate(c, data)),
        // A condition shape this engine does not know never matches.
        #[allow(unreachable_patterns)]
        _ => false,
    }
}

fn field_value<'a>(data: &'a Map<String, Value>, field: &str) -> Option<&'a Value> {
    let (root, rest) = match field.split_once('.') {
        Some((root, rest)) => (root, Some(rest)),
        None => (field, None),
    };
    let top = data.get(root)?;
    let found = match rest {
        Some(rest) => lookup_path(top, rest)?,
        None => top,
    };
    (!found.is_null()).then_some(found)
}

/// JSON equality where numbers compare by value (`1` equals `1.0`).
fn json_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_equal(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_equal(v, w)))
        }
        _ => a == b,
    }
}

fn compare(actual: &Value, operator: &Operator, expected: &Value) -> bool {
    use std::cmp::Ordering::{Equal, Greater, Less};

    let ordering = || match (actual, expected) {
        (Value::Number(a), Value::Number(b)) => a.as_f64()?.partial_cmp(&b.as_f64()?),
        (Value::String(a), Value::String(b)) => Some(a.cmp(b)),
        _ => None,
    };
    match operator {
        Operator::Gt => ordering() == Some(Greater),
        Operator::Gte => matches!(ordering(), Some(Greater | Equal)),
        Operator::Lt => ordering() == Some(Less),
        Operator::Lte => matches!(ordering(), Some(Less | Equal)),
        Operator::Equals => json_equal(actual, expected),
        Operator::NotEquals => !json_equal(actual, expected),
        Operator::Contains => match (actual, expected) {
            (Value::String(haystack), Value::String(needle)) => haystack.contains(needle.as_str()),
            (Value::Array(items), needle) => items.iter().any(|item| json_equal(item, needle)),
            _ => false,
        },
        Operator::In => match expected {
            Value::Array(options) => options.iter().any(|option| json_equal(actual, option)),
            Value::String(haystack) => actual.as_str().is_some_and(|s| haystack.contains(s)),
            _ => false,
        },
        #[allow(unreachable_patterns)]
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn data(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(map) => map,
            _ => unreachable!(),
        }
    }

    fn cond(v: Value) -> Condition {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn every_operator_compares_as_documented() {
        let d = data(json!({
            "amount": 5000, "status": "approved", "email": "a@company.com",
            "category": "B", "tags": ["x", "y"]
        }));
        let cases = [
            (json!({"field": "status", "equals": "approved"}), true),
            (json!({"field": "status", "not_equals": "rejected"}), true),
            (
                json!({"field": "amount", "operator": "gt", "value": 1000}),
                true,
            ),
            (
                json!({"field": "amount", "operator": "gt", "value": 5000}),
                false,
            ),
            (
                json!({"field": "amount", "operator": "gte", "value": 5000}),
                true,
            ),
            (
                json!({"field": "amount", "operator": "lt", "value": 100}),
                false,
            ),
            (
                json!({"field": "amount", "operator": "lte", "value": 5000.0}),
                true,
            ),
            (
                json!({"field": "email", "operator": "contains", "value": "@company.com"}),
                true,
            ),
            (
                json!({"field": "tags", "operator": "contains", "value": "y"}),
                true,
            ),
            (
                json!({"field": "category", "operator": "in", "value": ["A", "B", "C"]}),
                true,
            ),
            (
                json!({"field": "category", "operator": "in", "value": ["A", "C"]}),
                false,
            ),
        ];
        for (c, expected) in cases {
            assert_eq!(holds(Some(&cond(c.clone())), &d), expected, "{c}");
        }
    }

    #[test]
    fn a_missing_field_makes_every_comparison_false() {
        let d = data(json!({}));
        for c in [
            json!({"field": "x", "equals": null}),
            json!({"field": "x", "not_equals": 1}),
            json!({"field": "x", "operator": "lt", "value": 1}),
        ] {
            assert!(!holds(Some(&cond(c)), &d));
        }
    }

    #[test]
    fn nested_and_or_read_dotted_paths() {
        let d = data(json!({"order": {"total": 20000, "approved": true}}));
        let c = cond(json!({"or": [
            {"field": "order.total", "operator": "lte", "value": 1000},
            {"and": [
                {"field": "order.approved", "equals": true},
                {"field": "order.total", "operator": "gt", "value": 10000}
            ]}
        ]}));
        assert!(holds(Some(&c), &d));
    }

    #[test]
    fn mixed_types_never_order() {
        let d = data(json!({"amount": "5000"}));
        let c = cond(json!({"field": "amount", "operator": "gt", "value": 10}));
        assert!(!holds(Some(&c), &d));
    }
}
