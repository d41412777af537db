//! `logic` and `on_enter`: script and HTTP logic.

use serde_json::Value;

use super::limits::{
    MAX_HTTP_TIMEOUT_MS, MAX_RETRY_ATTEMPTS, MAX_SCRIPT_BYTES, MIN_HTTP_TIMEOUT_MS,
    MIN_RETRY_ATTEMPTS,
};
use super::report::{Need, Report, child, expected};
use crate::template;

const HTTP_METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

/// Checks one logic block found at `path`.
pub(super) fn check(logic: &Value, path: &str, report: &mut Report) {
    let Some(object) = logic.as_object() else {
        report.push(path, expected("an object", logic));
        return;
    };

    match report.one_of(object, "type", path, Need::Required, &["script", "http"]) {
        Some("script") => {
            let Some(code) = report.string(object, "code", path, Need::Required) else {
                return;
            };
            if code.len() > MAX_SCRIPT_BYTES {
                report.push(
                    &child(path, "code"),
                    format!(
                        "Script code is {} bytes; the limit is {MAX_SCRIPT_BYTES} bytes (64 KB)",
                        code.len()
                    ),
                );
            }
        }
        Some(_) => {
            report.one_of(object, "method", path, Need::Required, &HTTP_METHODS);
            if let Some(url) = report.string(object, "url", path, Need::Required)
                && let Some(message) = url_problem(url)
            {
                report.push(&child(path, "url"), message);
            }

            if let Some(headers) = report.object(object, "headers", path, Need::Optional) {
                let at = child(path, "headers");
                for (name, value) in headers {
                    if !value.is_string() {
                        report.push(&child(&at, name), expected("a string", value));
                    }
                }
            }
            report.integer_in(
                object,
                "timeout",
                path,
                (MIN_HTTP_TIMEOUT_MS, MAX_HTTP_TIMEOUT_MS),
            );
            if let Some(retry) = report.object(object, "retry", path, Need::Optional) {
                let at = child(path, "retry");
                report.integer_in(
                    retry,
                    "attempts",
                    &at,
                    (MIN_RETRY_ATTEMPTS, MAX_RETRY_ATTEMPTS),
                );
                report.one_of(
                    retry,
                    "backoff",
                    &at,
                    Need::Optional,
                    &["linear", "exponential"],
                );
            }
            report.string(object, "result_key", path, Need::Optional);
        }
        None => {}
    }
}

/// Why `url` is not acceptable, if it is not.
///
/// A URL that starts with a placeholder (`${secrets.BASE}/orders`) is accepted as it is:
/// only the rendered value can be checked, when the request is made. Any other URL,
/// with its placeholders replaced by a sample value, must be an absolute `http` or
/// `https` URL with a host and no whitespace.
pub(super) fn url_problem(url: &str) -> Option<String> {
    if url.starts_with("${") && template::contains_placeholder(url) {
        return None;
    }

    let probe = template::replace_placeholders(url, "x");
    let absolute = probe.split_once("://").is_some_and(|(scheme, rest)| {
        let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
        (scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https"))
            && !host.is_empty()
            && !host.starts_with(':')
            && !host.starts_with('@')
    });
    let clean = !probe.chars().any(|c| c.is_whitespace() || c.is_control());

    if absolute && clean {
        None
    } else {
        Some(format!(
            "URL must be an absolute http or https URL or start with a placeholder (found '{url}')"
        ))
    }
}
