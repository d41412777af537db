//! `halting_instructions` in its three forms: `ai`, `message`, and the simple form.

use serde_json::Value;

use super::report::{Need, Report, child, expected};

/// Checks the halting instructions found at `path`.
pub(super) fn check(instructions: &Value, path: &str, report: &mut Report) {
    let Some(object) = instructions.as_object() else {
        report.push(path, expected("an object", instructions));
        return;
    };

    if !object.contains_key("type") {
        if object.contains_key("instruction") {
            report.string(object, "instruction", path, Need::Required);
            report.strings(object, "include_data", path);
        } else {
            report.push(
                path,
                "Halting instructions need a 'type' ('ai' or 'message') or an 'instruction'",
            );
        }
        return;
    }

    let kind = report.one_of(object, "type", path, Need::Required, &["ai", "message"]);
    let Some(kind) = kind else {
        return;
    };
    let Some(config) = report.object(object, "config", path, Need::Required) else {
        return;
    };
    let at = child(path, "config");
    if kind == "ai" {
        report.string(config, "prompt", &at, Need::Required);
        report.string(config, "model", &at, Need::Optional);
        report.strings(config, "include_data_paths", &at);
    } else {
        report.string(config, "title", &at, Need::Optional);
        report.string(config, "message", &at, Need::Required);
    }
}
