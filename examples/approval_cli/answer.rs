//! Turning typed text into a field's value, and checking it against the field's limits.

use chrono::NaiveDate;
use interactor_client::model::{Field, FieldType};
use serde_json::Value;

use crate::prompt::{bytes, find_option, number_text};

/// How much the answers are checked before they are sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Checks {
    /// Type, options, ranges, lengths, dates and files.
    All,
    /// Only what is needed to send the right JSON type; the server checks the rest.
    TypesOnly,
}

/// Turns one answer into the field's value: `Ok(None)` leaves the field out.
pub(crate) fn answer(field: &Field, raw: &str, checks: Checks) -> Result<Option<Value>, String> {
    let default = field.default.as_ref().filter(|value| !value.is_null());
    if raw.is_empty() {
        return match default {
            Some(default) => Ok(Some(default.clone())),
            None if field.required => Err("this field is required".to_owned()),
            None => Ok(None),
        };
    }
    if raw == "-" {
        return if field.required {
            Err("this field is required".to_owned())
        } else {
            Ok(None)
        };
    }

    let value = convert(field, raw, checks)?;
    if checks == Checks::All {
        check(field, &value)?;
    }
    Ok(Some(value))
}

/// Converts text to the JSON type the field takes.
fn convert(field: &Field, raw: &str, checks: Checks) -> Result<Value, String> {
    match &field.kind {
        FieldType::Number => {
            let number: f64 = raw
                .replace(['_', ','], "")
                .parse()
                .ok()
                .filter(|number: &f64| number.is_finite())
                .ok_or_else(|| format!("`{raw}` is not a number"))?;
            Ok(json_number(number))
        }
        FieldType::Boolean => match raw.to_ascii_lowercase().as_str() {
            "y" | "yes" | "true" | "1" | "on" => Ok(Value::Bool(true)),
            "n" | "no" | "false" | "0" | "off" => Ok(Value::Bool(false)),
            _ => Err("answer yes or no".to_owned()),
        },
        FieldType::Select => {
            let options = field.options.as_deref().unwrap_or_default();
            match find_option(options, raw) {
                Some(option) => Ok(Value::String(option.value.clone())),
                None if checks == Checks::TypesOnly => Ok(Value::String(raw.to_owned())),
                None => Err(format!(
                    "pick 1 to {} or one of: {}",
                    options.len(),
                    options
                        .iter()
                        .map(|option| option.value.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            }
        }
        FieldType::Date => NaiveDate::parse_from_str(raw, "%Y-%m-%d")
            .map(|date| Value::String(date.format("%Y-%m-%d").to_string()))
            .map_err(|_| format!("`{raw}` is not a date like 2026-09-14")),
        _ => Ok(Value::String(raw.to_owned())),
    }
}

/// Checks a converted value against the field's limits.
fn check(field: &Field, value: &Value) -> Result<(), String> {
    match (&field.kind, value) {
        (FieldType::String, Value::String(text)) => {
            let length = text.chars().count() as u64;
            match field.max_length {
                Some(max) if length > max => {
                    Err(format!("at most {max} characters, this has {length}"))
                }
                _ => Ok(()),
            }
        }
        (FieldType::Number, Value::Number(number)) => {
            let number = number.as_f64().unwrap_or(f64::NAN);
            check_number(field, number)
        }
        (FieldType::Date, Value::String(text)) => {
            let bound = |bound: &Option<String>| {
                bound
                    .as_deref()
                    .and_then(|text| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok())
            };
            let date = NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|e| e.to_string())?;
            if let Some(min) = bound(&field.min_date).filter(|min| date < *min) {
                return Err(format!("on {min} or later"));
            }
            if let Some(max) = bound(&field.max_date).filter(|max| date > *max) {
                return Err(format!("on {max} or earlier"));
            }
            Ok(())
        }
        (FieldType::File, Value::String(reference)) => check_file(field, reference),
        _ => Ok(()),
    }
}

fn check_number(field: &Field, number: f64) -> Result<(), String> {
    if let Some(min) = field.min.filter(|min| number < *min) {
        return Err(format!("at least {}", number_text(min)));
    }
    if let Some(max) = field.max.filter(|max| number > *max) {
        return Err(format!("at most {}", number_text(max)));
    }
    if let Some(step) = field.step.filter(|step| *step > 0.0) {
        let base = field.min.unwrap_or(0.0);
        let steps = (number - base) / step;
        if (steps - steps.round()).abs() > 1e-9 {
            return Err(format!(
                "in steps of {} from {}",
                number_text(step),
                number_text(base)
            ));
        }
    }
    Ok(())
}

/// A URL is taken as it is; a local file must exist, fit `maxSize` and match `accept`.
// Limitation: the file is referenced by its path or URL; uploading its content is left to
// the application, since the API reference does not describe an upload endpoint.
fn check_file(field: &Field, reference: &str) -> Result<(), String> {
    if reference.starts_with("http://") || reference.starts_with("https://") {
        return Ok(());
    }
    let metadata =
        std::fs::metadata(reference).map_err(|err| format!("cannot read `{reference}`: {err}"))?;
    if !metadata.is_file() {
        return Err(format!("`{reference}` is not a file"));
    }
    if let Some(max) = field.max_size.filter(|max| metadata.len() > *max) {
        return Err(format!(
            "the file has {}, the limit is {}",
            bytes(metadata.len()),
            bytes(max)
        ));
    }
    match &field.accept {
        Some(accept) if !accepts(accept, reference) => {
            Err(format!("the file type is not one of {accept}"))
        }
        _ => Ok(()),
    }
}

/// Whether a file name fits an HTML-style `accept` list (`.pdf`, `image/*`,
/// `application/pdf`), judged by its extension.
fn accepts(accept: &str, name: &str) -> bool {
    let extension = std::path::Path::new(name)
        .extension()
        .and_then(|extension| extension.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let mime = match extension.as_str() {
        "pdf" => "application/pdf",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "txt" => "text/plain",
        "csv" => "text/csv",
        "json" => "application/json",
        _ => "",
    };
    accept.split(',').map(str::trim).any(|pattern| {
        if let Some(wanted) = pattern.strip_prefix('.') {
            wanted.eq_ignore_ascii_case(&extension)
        } else if let Some(family) = pattern.strip_suffix("/*") {
            mime.split('/').next() == Some(family)
        } else {
            pattern.eq_ignore_ascii_case(mime)
        }
    })
}

/// A whole number as an integer (`7500`, not `7500.0`).
pub(crate) fn json_number(number: f64) -> Value {
    if number.fract() == 0.0 && number.abs() < 9.0e15 {
        return Value::from(number as i64);
    }
    Value::from(number)
}
