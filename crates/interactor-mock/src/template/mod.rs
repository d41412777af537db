//! `${...}` templates in HTTP logic, presentations and halting instructions.
//!
//! # Syntax
//!
//! A placeholder is `${`, an expression, and the next `}`. The expression is a root
//! followed by a [dotted path](lookup_path): `${workflow_data.order.total}`,
//! `${input.items.0.name}` or, equally, `${input.items[0].name}`. Spaces around the
//! expression are ignored (`${ input.x }`). The roots are:
//!
//! | root | value |
//! |---|---|
//! | `workflow_data` | the instance's accumulated data |
//! | `input` | the input of the create or resume call being processed |
//! | `secrets` | the account's secrets; only single entries (`${secrets.API_KEY}`) resolve |
//! | `context` | `{namespace, instance_id, workflow_name, state_name}` |
//!
//! A bare root (`${workflow_data}`) is the whole value, except `${secrets}`, which never
//! resolves so that a template cannot dump every secret at once. An unknown root, a
//! malformed path or an empty expression renders as a missing value.
//!
//! A `${` without a closing `}` is literal text. The reference defines no escape, so
//! `$` before a placeholder is an ordinary character: `"$${workflow_data.amount}"` is a
//! dollar sign followed by the amount.
//!
//! # Typing
//!
//! - A string that is exactly one placeholder (no text around it, not even spaces)
//!   becomes the value itself, keeping its JSON type: a number stays a number, an object
//!   stays an object. A missing value becomes `null`.
//! - A placeholder inside a longer string is stringified: strings without quotes,
//!   numbers in JSON notation with whole floats losing their `.0` (`5000`, never
//!   `5000.0`; `1.5`), booleans as `true`/`false`, objects and arrays as compact JSON,
//!   and `null` or a missing value as nothing.
//! - [`render_value`] renders every string inside objects and arrays; object keys and
//!   non-string values are kept as they are.
//! - [`render_string`] always produces text (for URLs and headers): a lone placeholder is
//!   stringified like a placeholder inside a longer string.
//!
//! Secrets are never to be logged: [`TemplateScope::redacting_secrets`] renders every
//! secret as `[redacted]` (for journals and traces), and [`referenced_secrets`] names
//! the secrets a template uses.

mod path;

pub use path::{is_valid_path, lookup_path};

use std::borrow::Cow;
use std::fmt;

use serde_json::{Map, Number, Value};

/// What a secret renders as in a scope made by [`TemplateScope::redacting_secrets`].
pub const REDACTED: &str = "[redacted]";

/// The values placeholders can refer to.
///
/// Roots that are not set resolve as missing. `Debug` never prints secret values.
///
/// ```
/// use interactor_mock::template::{TemplateScope, render_str};
/// use serde_json::{Map, json};
///
/// let data = json!({ "amount": 5000 });
/// let scope = TemplateScope::default().with_workflow_data(&data);
/// assert_eq!(render_str("${workflow_data.amount}", &scope), json!(5000));
/// assert_eq!(render_str("$${workflow_data.amount}", &scope), json!("$5000"));
/// ```
#[derive(Clone, Copy, Default)]
pub struct TemplateScope<'a> {
    workflow_data: Option<&'a Value>,
    input: Option<&'a Value>,
    secrets: Option<&'a Map<String, Value>>,
    context: Option<&'a Value>,
    redact_secrets: bool,
}

impl<'a> TemplateScope<'a> {
    /// A scope with all four roots set.
    pub fn new(
        workflow_data: &'a Value,
        input: &'a Value,
        secrets: &'a Map<String, Value>,
        context: &'a Value,
    ) -> Self {
        Self {
            workflow_data: Some(workflow_data),
            input: Some(input),
            secrets: Some(secrets),
            context: Some(context),
            redact_secrets: false,
        }
    }

    /// Sets the `workflow_data` root.
    #[must_use]
    pub fn with_workflow_data(mut self, workflow_data: &'a Value) -> Self {
        self.workflow_data = Some(workflow_data);
        self
    }

    /// Sets the `input` root.
    #[must_use]
    pub fn with_input(mut self, input: &'a Value) -> Self {
        self.input = Some(input);
        self
    }

    /// Sets the `secrets` root.
    #[must_use]
    pub fn with_secrets(mut self, secrets: &'a Map<String, Value>) -> Self {
        self.secrets = Some(secrets);
        self
    }

    /// Sets the `context` root.
    #[must_use]
    pub fn with_context(mut self, context: &'a Value) -> Self {
        self.context = Some(context);
        self
    }

    /// The same scope, except that every secret that exists renders as [`REDACTED`].
    ///
    /// Render twice, once normally for the real request and once with this scope for
    /// logs and journals.
    #[must_use]
    pub fn redacting_secrets(mut self) -> Self {
        self.redact_secrets = true;
        self
    }

    /// Resolves a placeholder's expression (the text between `${` and `}`).
    fn resolve(&self, expression: &str) -> Option<Cow<'a, Value>> {
        let (root, rest) = split_root(expression.trim());
        let segments = path::segments(rest)?;

        let value = match root {
            "workflow_data" => path::lookup_segments(self.workflow_data?, &segments)?,
            "input" => path::lookup_segments(self.input?, &segments)?,
            "context" => path::lookup_segments(self.context?, &segments)?,
            "secrets" => {
                let (name, deeper) = segments.split_first()?;
                let secret = self.secrets?.get(*name)?;
                let value = path::lookup_segments(secret, deeper)?;
                if self.redact_secrets {
                    return Some(Cow::Owned(Value::String(REDACTED.to_owned())));
                }
                value
            }
            _ => return None,
        };
        Some(Cow::Borrowed(value))
    }
}

impl fmt::Debug for TemplateScope<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secret_names: Option<Vec<&String>> = self.secrets.map(|s| s.keys().collect());
        f.debug_struct("TemplateScope")
            .field("workflow_data", &self.workflow_data)
            .field("input", &self.input)
            .field("secrets", &secret_names)
            .field("context", &self.context)
            .field("redact_secrets", &self.redact_secrets)
            .finish()
    }
}

/// Renders every string inside `value` (recursively through arrays and object values).
///
/// Each string is rendered with [`render_str`], so a string that is exactly one
/// placeholder may become a number, an object or `null`.
pub fn render_value(value: &Value, scope: &TemplateScope<'_>) -> Value {
    match value {
        Value::String(text) => render_str(text, scope),
        Value::Array(items) => Value::Array(items.iter().map(|v| render_value(v, scope)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, v)| (key.clone(), render_value(v, scope)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Renders one string with the typing rules of the [module docs](self).
///
/// ```
/// use interactor_mock::template::{TemplateScope, render_str};
/// use serde_json::{Value, json};
///
/// let data = json!({ "order": { "id": 7, "tags": ["a"] } });
/// let scope = TemplateScope::default().with_workflow_data(&data);
/// assert_eq!(render_str("${workflow_data.order}", &scope), json!({ "id": 7, "tags": ["a"] }));
/// assert_eq!(render_str("order ${workflow_data.order.id}", &scope), json!("order 7"));
/// assert_eq!(render_str("${workflow_data.nope}", &scope), Value::Null);
/// assert_eq!(render_str("[${workflow_data.nope}]", &scope), json!("[]"));
/// ```
pub fn render_str(template: &str, scope: &TemplateScope<'_>) -> Value {
    let pieces = pieces(template);
    match pieces.as_slice() {
        [Piece::Placeholder(expression)] => scope
            .resolve(expression)
            .map_or(Value::Null, Cow::into_owned),
        _ if pieces.iter().all(|p| matches!(p, Piece::Text(_))) => {
            Value::String(template.to_owned())
        }
        _ => Value::String(concat(&pieces, scope)),
    }
}

/// Renders one string as text, for places that need a string (URLs, header values).
///
/// Every placeholder is stringified, even when it is the whole string.
///
/// ```
/// use interactor_mock::template::{TemplateScope, render_string};
/// use serde_json::{Map, json};
///
/// let mut secrets = Map::new();
/// secrets.insert("TOKEN".into(), json!("s3cr3t"));
/// let scope = TemplateScope::default().with_secrets(&secrets);
/// assert_eq!(render_string("Bearer ${secrets.TOKEN}", &scope), "Bearer s3cr3t");
/// assert_eq!(
///     render_string("Bearer ${secrets.TOKEN}", &scope.redacting_secrets()),
///     "Bearer [redacted]",
/// );
/// ```
pub fn render_string(template: &str, scope: &TemplateScope<'_>) -> String {
    concat(&pieces(template), scope)
}

/// Whether `text` holds at least one placeholder (a `${` closed by a `}`).
pub fn contains_placeholder(text: &str) -> bool {
    pieces(text)
        .iter()
        .any(|p| matches!(p, Piece::Placeholder(_)))
}

/// The names of the secrets `template` refers to, in order of first appearance.
///
/// ```
/// use interactor_mock::template::referenced_secrets;
///
/// let names = referenced_secrets("${secrets.USER}:${secrets.PASS}@${input.host}/${secrets.USER}");
/// assert_eq!(names, ["USER", "PASS"]);
/// ```
pub fn referenced_secrets(template: &str) -> Vec<&str> {
    let mut names = Vec::new();
    collect_secret_names(template, &mut names);
    names
}

/// The names of the secrets any string inside `value` refers to, in order of first
/// appearance (depth first, object values in their order).
pub fn referenced_secrets_in_value(value: &Value) -> Vec<String> {
    fn walk<'v>(value: &'v Value, names: &mut Vec<&'v str>) {
        match value {
            Value::String(text) => collect_secret_names(text, names),
            Value::Array(items) => items.iter().for_each(|v| walk(v, names)),
            Value::Object(map) => map.values().for_each(|v| walk(v, names)),
            _ => {}
        }
    }

    let mut names = Vec::new();
    walk(value, &mut names);
    names.into_iter().map(str::to_owned).collect()
}

fn collect_secret_names<'t>(template: &'t str, names: &mut Vec<&'t str>) {
    for piece in pieces(template) {
        let Piece::Placeholder(expression) = piece else {
            continue;
        };
        let (root, rest) = split_root(expression.trim());
        if root != "secrets" {
            continue;
        }
        let first = path::segments(rest).and_then(|s| s.first().copied());
        match first {
            Some(name) if !names.contains(&name) => names.push(name),
            _ => {}
        }
    }
}

/// `template` with every placeholder replaced by `with` (validation probes URLs so).
pub(crate) fn replace_placeholders(template: &str, with: &str) -> String {
    let mut out = String::new();
    for piece in pieces(template) {
        match piece {
            Piece::Text(text) => out.push_str(text),
            Piece::Placeholder(_) => out.push_str(with),
        }
    }
    out
}

/// A template cut into literal text and placeholder expressions.
#[derive(Debug, PartialEq)]
enum Piece<'t> {
    Text(&'t str),
    Placeholder(&'t str),
}

fn pieces(template: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = template;

    while !rest.is_empty() {
        let Some(open) = rest.find("${") else {
            out.push(Piece::Text(rest));
            break;
        };
        let Some(close) = rest[open + 2..].find('}') else {
            out.push(Piece::Text(rest));
            break;
        };
        if open > 0 {
            out.push(Piece::Text(&rest[..open]));
        }
        out.push(Piece::Placeholder(&rest[open + 2..open + 2 + close]));
        rest = &rest[open + 2 + close + 1..];
    }
    out
}

fn concat(pieces: &[Piece<'_>], scope: &TemplateScope<'_>) -> String {
    let mut out = String::new();
    for piece in pieces {
        match piece {
            Piece::Text(text) => out.push_str(text),
            Piece::Placeholder(expression) => {
                if let Some(value) = scope.resolve(expression) {
                    push_stringified(&mut out, &value);
                }
            }
        }
    }
    out
}

/// Splits `workflow_data.a.b` into `("workflow_data", "a.b")` and
/// `input[0].x` into `("input", "[0].x")`.
fn split_root(expression: &str) -> (&str, &str) {
    match expression.find(['.', '[']) {
        Some(at) if expression[at..].starts_with('.') => (&expression[..at], &expression[at + 1..]),
        Some(at) => (&expression[..at], &expression[at..]),
        None => (expression, ""),
    }
}

fn push_stringified(out: &mut String, value: &Value) {
    match value {
        Value::Null => {}
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&number_text(n)),
        Value::String(s) => out.push_str(s),
        Value::Array(_) | Value::Object(_) => out.push_str(&value.to_string()),
    }
}

/// Prints a number in JSON notation, except that floats with no fraction lose the `.0`
/// (script results arrive as floats; `5000.0` should read `5000`, as in JavaScript).
fn number_text(n: &Number) -> String {
    /// Beyond 2^53 floats are no longer exact integers; keep their own notation.
    const EXACT_INTEGER_LIMIT: f64 = 9_007_199_254_740_992.0;

    match n.as_f64() {
        Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < EXACT_INTEGER_LIMIT => {
            // The guard above keeps the value inside i64's exact range.
            #[allow(clippy::cast_possible_truncation)]
            let whole = f as i64;
            whole.to_string()
        }
        _ => n.to_string(),
    }
}

#[cfg(test)]
mod tests;
