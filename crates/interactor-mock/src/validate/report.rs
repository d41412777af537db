//! Collecting problems, building paths, and reading typed properties of raw JSON.

use serde_json::{Map, Value};

use super::ValidationProblem;

/// The problems found so far, in the order they were found.
#[derive(Debug, Default)]
pub(super) struct Report {
    problems: Vec<ValidationProblem>,
}

impl Report {
    pub(super) fn push(&mut self, path: &str, message: impl Into<String>) {
        self.problems.push(ValidationProblem {
            path: path.to_owned(),
            message: message.into(),
        });
    }

    pub(super) fn into_problems(self) -> Vec<ValidationProblem> {
        self.problems
    }

    /// Reads `key` of `object`; reports it at `path.key` when required and absent.
    pub(super) fn property<'v>(
        &mut self,
        object: &'v Map<String, Value>,
        key: &str,
        path: &str,
        need: Need,
    ) -> Option<&'v Value> {
        let value = object.get(key);
        if value.is_none() && need == Need::Required {
            self.push(&child(path, key), format!("Property '{key}' is required"));
        }
        value
    }

    /// Reads a string property, reporting a missing or mistyped one.
    pub(super) fn string<'v>(
        &mut self,
        object: &'v Map<String, Value>,
        key: &str,
        path: &str,
        need: Need,
    ) -> Option<&'v str> {
        let value = self.property(object, key, path, need)?;
        let text = value.as_str();
        if text.is_none() {
            self.push(&child(path, key), expected("a string", value));
        }
        text
    }

    /// Reads a boolean property, reporting a missing or mistyped one.
    pub(super) fn boolean(
        &mut self,
        object: &Map<String, Value>,
        key: &str,
        path: &str,
        need: Need,
    ) -> Option<bool> {
        let value = self.property(object, key, path, need)?;
        let flag = value.as_bool();
        if flag.is_none() {
            self.push(&child(path, key), expected("a boolean", value));
        }
        flag
    }

    /// Reads a number property (integer or not), reporting a mistyped one.
    pub(super) fn number(
        &mut self,
        object: &Map<String, Value>,
        key: &str,
        path: &str,
        need: Need,
    ) -> Option<f64> {
        let value = self.property(object, key, path, need)?;
        let number = value.as_f64();
        if number.is_none() {
            self.push(&child(path, key), expected("a number", value));
        }
        number
    }

    /// Reads a non-negative integer property and checks it lies in `min..=max`.
    pub(super) fn integer_in(
        &mut self,
        object: &Map<String, Value>,
        key: &str,
        path: &str,
        (min, max): (u64, u64),
    ) -> Option<u64> {
        let value = self.property(object, key, path, Need::Optional)?;
        let at = child(path, key);
        match value.as_u64() {
            Some(n) if (min..=max).contains(&n) => Some(n),
            Some(n) => {
                self.push(
                    &at,
                    format!("'{key}' must be between {min} and {max} (found {n})"),
                );
                None
            }
            None if value.is_i64() => {
                self.push(
                    &at,
                    format!("'{key}' must be between {min} and {max} (found {value})"),
                );
                None
            }
            None => {
                self.push(&at, expected("an integer", value));
                None
            }
        }
    }

    /// Reads an integer property that may not be negative.
    pub(super) fn non_negative(&mut self, object: &Map<String, Value>, key: &str, path: &str) {
        let Some(value) = self.property(object, key, path, Need::Optional) else {
            return;
        };
        if value.is_u64() {
            return;
        }
        let message = if value.is_i64() {
            format!("'{key}' must not be negative (found {value})")
        } else {
            expected("an integer", value)
        };
        self.push(&child(path, key), message);
    }

    /// Reads an object property, reporting a missing or mistyped one.
    pub(super) fn object<'v>(
        &mut self,
        object: &'v Map<String, Value>,
        key: &str,
        path: &str,
        need: Need,
    ) -> Option<&'v Map<String, Value>> {
        let value = self.property(object, key, path, need)?;
        let inner = value.as_object();
        if inner.is_none() {
            self.push(&child(path, key), expected("an object", value));
        }
        inner
    }

    /// Reads an array property, reporting a missing or mistyped one.
    pub(super) fn array<'v>(
        &mut self,
        object: &'v Map<String, Value>,
        key: &str,
        path: &str,
        need: Need,
    ) -> Option<&'v [Value]> {
        let value = self.property(object, key, path, need)?;
        let items = value.as_array().map(Vec::as_slice);
        if items.is_none() {
            self.push(&child(path, key), expected("an array", value));
        }
        items
    }

    /// Reads an array of strings, reporting the array or any item of the wrong type.
    pub(super) fn strings(&mut self, object: &Map<String, Value>, key: &str, path: &str) {
        let Some(items) = self.array(object, key, path, Need::Optional) else {
            return;
        };
        let at = child(path, key);
        for (i, value) in items.iter().enumerate() {
            if !value.is_string() {
                self.push(&item(&at, i), expected("a string", value));
            }
        }
    }

    /// Reads a string property that must be one of `allowed`.
    pub(super) fn one_of<'v>(
        &mut self,
        object: &'v Map<String, Value>,
        key: &str,
        path: &str,
        need: Need,
        allowed: &[&str],
    ) -> Option<&'v str> {
        let value = self.property(object, key, path, need)?;
        let found = value.as_str().filter(|text| allowed.contains(text));
        if found.is_none() {
            let choices = quoted_list(allowed, ", ");
            let what = match value.as_str() {
                Some(text) => format!("'{text}'"),
                None => describe(value).to_owned(),
            };
            self.push(
                &child(path, key),
                format!("Expected one of {choices}, found {what}"),
            );
        }
        found
    }
}

/// Whether a property must be present.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Need {
    Required,
    Optional,
}

/// `path.key`, or `key` at the top level.
pub(super) fn child(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// `path[index]`.
pub(super) fn item(path: &str, index: usize) -> String {
    format!("{path}[{index}]")
}

/// "Expected a string, found a number".
pub(super) fn expected(what: &str, found: &Value) -> String {
    format!("Expected {what}, found {}", describe(found))
}

/// The JSON type of `value`, with its article.
pub(super) fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// `'a', 'b', 'c'` (with `separator` between the items).
pub(super) fn quoted_list(items: &[&str], separator: &str) -> String {
    items
        .iter()
        .map(|item| format!("'{item}'"))
        .collect::<Vec<_>>()
        .join(separator)
}
