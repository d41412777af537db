//! Transition conditions: the field forms and nested `and` / `or`.

use serde_json::Value;

use super::limits::MAX_CONDITION_DEPTH;
use super::report::{Need, Report, child, describe, expected, item, quoted_list};
use crate::template::is_valid_path;

/// The keys that select a condition's form; exactly one must be present.
const FORMS: [&str; 5] = ["equals", "not_equals", "operator", "and", "or"];

const OPERATORS: [&str; 8] = [
    "gt",
    "gte",
    "lt",
    "lte",
    "contains",
    "in",
    "equals",
    "not_equals",
];

/// Checks the condition found at `path`, `depth` levels deep (the outermost is 1).
pub(super) fn check(condition: &Value, path: &str, depth: usize, report: &mut Report) {
    let Some(object) = condition.as_object() else {
        report.push(path, expected("an object", condition));
        return;
    };
    if depth > MAX_CONDITION_DEPTH {
        report.push(
            path,
            format!("Conditions may be nested at most {MAX_CONDITION_DEPTH} levels deep"),
        );
        return;
    }

    let forms: Vec<&str> = FORMS
        .into_iter()
        .filter(|key| object.contains_key(*key))
        .collect();
    let form = match forms.as_slice() {
        [form] => *form,
        [] => {
            let names = quoted_list(&FORMS, ", ");
            report.push(path, format!("A condition needs one of {names}"));
            return;
        }
        several => {
            let names = quoted_list(&FORMS, ", ");
            let found = quoted_list(several, " and ");
            report.push(
                path,
                format!("A condition must use exactly one of {names} (found {found})"),
            );
            return;
        }
    };

    match form {
        "and" | "or" => {
            let Some(items) = report.array(object, form, path, Need::Required) else {
                return;
            };
            let at = child(path, form);
            if items.is_empty() {
                report.push(&at, format!("'{form}' needs at least one condition"));
            }
            for (i, inner) in items.iter().enumerate() {
                check(inner, &item(&at, i), depth + 1, report);
            }
        }
        "operator" => {
            check_field(object, path, report);
            let operator = report.one_of(object, "operator", path, Need::Required, &OPERATORS);
            let value = report.property(object, "value", path, Need::Required);
            if let (Some("in"), Some(value)) = (operator, value)
                && !value.is_array()
            {
                report.push(
                    &child(path, "value"),
                    format!(
                        "The 'in' operator needs an array value, found {}",
                        describe(value)
                    ),
                );
            }
        }
        _ => check_field(object, path, report),
    }
}

fn check_field(object: &serde_json::Map<String, Value>, path: &str, report: &mut Report) {
    if let Some(field) = report.string(object, "field", path, Need::Required)
        && !is_valid_path(field)
    {
        report.push(
            &child(path, "field"),
            format!("Field '{field}' is not a valid dotted path"),
        );
    }
}
