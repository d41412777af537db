//! `presentation` (form, choice, message) and its fields and options.

use std::collections::HashSet;

use serde_json::{Map, Value};

use super::limits::{MAX_CHOICE_OPTIONS, MAX_FORM_FIELDS, MIN_CHOICE_OPTIONS};
use super::report::{Need, Report, child, expected, item};

const FIELD_TYPES: [&str; 6] = ["string", "number", "boolean", "select", "date", "file"];

/// Checks the presentation found at `path`.
pub(super) fn check(presentation: &Value, path: &str, report: &mut Report) {
    let Some(object) = presentation.as_object() else {
        report.push(path, expected("an object", presentation));
        return;
    };

    let kinds = ["form", "choice", "message"];
    let kind = report.one_of(object, "type", path, Need::Required, &kinds);
    report.string(object, "title", path, Need::Optional);

    match kind {
        Some("form") => {
            report.string(object, "description", path, Need::Optional);
            if let Some(fields) = report.array(object, "fields", path, Need::Required) {
                check_fields(fields, &child(path, "fields"), report);
            }
        }
        Some("choice") => {
            report.string(object, "message", path, Need::Optional);
            if let Some(options) = report.array(object, "options", path, Need::Required) {
                let at = child(path, "options");
                if options.len() < MIN_CHOICE_OPTIONS {
                    report.push(
                        &at,
                        format!(
                            "A choice presentation needs at least {MIN_CHOICE_OPTIONS} options \
                             (found {})",
                            options.len()
                        ),
                    );
                } else if options.len() > MAX_CHOICE_OPTIONS {
                    report.push(
                        &at,
                        format!(
                            "A choice presentation may have at most {MAX_CHOICE_OPTIONS} options \
                             (found {})",
                            options.len()
                        ),
                    );
                }
                check_options(options, &at, report);
            }
        }
        Some(_) => {
            report.string(object, "message", path, Need::Required);
            report.boolean(object, "show_progress", path, Need::Optional);
        }
        None => {}
    }
}

fn check_fields(fields: &[Value], path: &str, report: &mut Report) {
    if fields.len() > MAX_FORM_FIELDS {
        report.push(
            path,
            format!(
                "A form may have at most {MAX_FORM_FIELDS} fields (found {})",
                fields.len()
            ),
        );
    }

    let mut names = HashSet::new();
    for (i, field) in fields.iter().enumerate() {
        let at = item(path, i);
        if let Some(name) = check_field(field, &at, report)
            && !names.insert(name)
        {
            report.push(
                &child(&at, "name"),
                format!("Field name '{name}' is used more than once"),
            );
        }
    }
}

/// Checks one form field; returns its name when it is a valid one.
fn check_field<'v>(field: &'v Value, path: &str, report: &mut Report) -> Option<&'v str> {
    let Some(object) = field.as_object() else {
        report.push(path, expected("an object", field));
        return None;
    };

    let name = report
        .string(object, "name", path, Need::Required)
        .filter(|name| {
            let valid = is_field_name(name);
            if !valid {
                report.push(
                    &child(path, "name"),
                    format!(
                        "Field name '{name}' must start with a lowercase letter and contain \
                         only lowercase letters, digits and underscores"
                    ),
                );
            }
            valid
        });
    let kind = report.one_of(object, "type", path, Need::Required, &FIELD_TYPES);
    report.string(object, "label", path, Need::Required);

    report.boolean(object, "required", path, Need::Optional);
    report.string(object, "placeholder", path, Need::Optional);
    report.boolean(object, "multiline", path, Need::Optional);
    report.non_negative(object, "maxLength", path);
    check_bounds(object, path, report);
    report.number(object, "step", path, Need::Optional);
    for key in ["minDate", "maxDate"] {
        if let Some(date) = report.string(object, key, path, Need::Optional)
            && chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").is_err()
        {
            report.push(
                &child(path, key),
                format!("Expected a date written as YYYY-MM-DD, found '{date}'"),
            );
        }
    }
    report.string(object, "accept", path, Need::Optional);
    report.non_negative(object, "maxSize", path);

    let options = report.array(object, "options", path, Need::Optional);
    if let Some(options) = options {
        check_options(options, &child(path, "options"), report);
    }
    if kind == Some("select") && options.is_none_or(<[Value]>::is_empty) {
        report.push(
            &child(path, "options"),
            "A select field needs at least one option",
        );
    }
    name
}

/// `min` and `max` must be numbers, and `min` not above `max`.
fn check_bounds(object: &Map<String, Value>, path: &str, report: &mut Report) {
    let min = report.number(object, "min", path, Need::Optional);
    let max = report.number(object, "max", path, Need::Optional);
    if let (Some(min), Some(max)) = (min, max)
        && min > max
    {
        report.push(
            &child(path, "min"),
            format!("'min' ({min}) must not be greater than 'max' ({max})"),
        );
    }
}

fn check_options(options: &[Value], path: &str, report: &mut Report) {
    let mut values = HashSet::new();
    for (i, option) in options.iter().enumerate() {
        let at = item(path, i);
        let Some(object) = option.as_object() else {
            report.push(&at, expected("an object", option));
            continue;
        };
        if let Some(value) = report.string(object, "value", &at, Need::Required)
            && !values.insert(value)
        {
            report.push(
                &child(&at, "value"),
                format!("Option value '{value}' is used more than once"),
            );
        }
        report.string(object, "label", &at, Need::Required);
        report.string(object, "description", &at, Need::Optional);
    }
}

/// `^[a-z][a-z0-9_]*$`
fn is_field_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}
