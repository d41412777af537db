//! What a halted state shows, and the checks on the input that resumes it.
//!
//! `halting_presentation` is the state's `presentation` with templates applied.
//! `halted_options` comes from `halting_instructions`: a `message` is static; an `ai`
//! instruction, or the simple `{instruction, include_data}` form, would be written by a
//! model on the real platform. The mock has no model: it uses a canned reply registered
//! for the workflow and state when there is one, and otherwise renders the prompt followed
//! by the included data, deterministically, with `generated: true`.

use std::fmt::Write as _;

use interactor_client::model::{
    ErrorCode, Field, FieldType, HaltedChoice, HaltedOptions, HaltingInstructions, Presentation,
    State, Transition, TransitionMode,
};
use serde_json::{Map, Value};

use super::EngineError;
use super::records::HaltView;
use crate::template::{TemplateScope, lookup_path, render_string, render_value};

/// The presentation and options of halting `state`.
pub(super) fn view(
    state: &State,
    scope: &TemplateScope<'_>,
    data: &Value,
    canned: Option<&str>,
) -> HaltView {
    let presentation = state
        .presentation
        .as_ref()
        .map(|p| render_presentation(p, scope));
    let mode = state
        .transition_mode
        .clone()
        .unwrap_or(TransitionMode::Conditional);
    let choices: Vec<HaltedChoice> = if mode == TransitionMode::Selection {
        state
            .transitions
            .iter()
            .filter_map(|t| match t {
                Transition::Choice {
                    key,
                    to,
                    description,
                } => Some(HaltedChoice {
                    key: key.clone(),
                    description: description.as_ref().map(|d| render_string(d, scope)),
                    to: to.clone(),
                }),
                _ => None,
            })
            .collect()
    } else {
        Vec::new()
    };

    let options = match &state.halting_instructions {
        Some(HaltingInstructions::Message { config }) => Some(HaltedOptions {
            instruction: Some(render_string(&config.message, scope)),
            include_data: Vec::new(),
            transition_mode: mode,
            choices,
            generated: false,
        }),
        Some(HaltingInstructions::Ai { config }) => Some(generated(
            &config.prompt,
            &config.include_data_paths,
            scope,
            data,
            canned,
            mode,
            choices,
        )),
        Some(HaltingInstructions::Simple {
            instruction,
            include_data,
        }) => Some(generated(
            instruction,
            include_data,
            scope,
            data,
            canned,
            mode,
            choices,
        )),
        _ if mode == TransitionMode::Selection => Some(HaltedOptions {
            instruction: None,
            include_data: Vec::new(),
            transition_mode: mode,
            choices,
            generated: false,
        }),
        _ => None,
    };
    HaltView {
        presentation,
        options,
    }
}

fn generated(
    prompt: &str,
    include: &[String],
    scope: &TemplateScope<'_>,
    data: &Value,
    canned: Option<&str>,
    mode: TransitionMode,
    choices: Vec<HaltedChoice>,
) -> HaltedOptions {
    let instruction = match canned {
        Some(reply) => render_string(reply, scope),
        None => {
            let mut text = render_string(prompt, scope);
            for path in include {
                let value = lookup_path(data, path).cloned().unwrap_or(Value::Null);
                let _ = write!(text, "\n{path}: {value}");
            }
            text
        }
    };
    HaltedOptions {
        instruction: Some(instruction),
        include_data: include.to_vec(),
        transition_mode: mode,
        choices,
        generated: true,
    }
}

fn render_presentation(presentation: &Presentation, scope: &TemplateScope<'_>) -> Presentation {
    // Rendering goes through JSON so that every text and default is covered; a rendering
    // that no longer fits the type (a default rendered to an odd type) keeps the original.
    serde_json::to_value(presentation)
        .ok()
        .map(|raw| render_value(&raw, scope))
        .and_then(|rendered| serde_json::from_value(rendered).ok())
        .unwrap_or_else(|| presentation.clone())
}

/// Checks resume `input` against a form's fields: required fields present, each value of
/// the field's type and within its bounds. Fields the form does not list pass through.
///
/// # Errors
///
/// `invalid_input` with `details.fields` mapping each bad field to what is wrong.
pub(super) fn validate_form(
    fields: &[Field],
    input: &Map<String, Value>,
) -> Result<(), EngineError> {
    let mut problems = Map::new();
    for field in fields {
        let value = input.get(&field.name).filter(|v| !v.is_null());
        let problem = match value {
            None if field.required => Some("is required".to_owned()),
            None => None,
            Some(value) => check_field(field, value),
        };
        if let Some(problem) = problem {
            problems.insert(field.name.clone(), Value::String(problem));
        }
    }
    if problems.is_empty() {
        return Ok(());
    }

    let names: Vec<&str> = problems.keys().map(String::as_str).collect();
    Err(EngineError::new(
        ErrorCode::InvalidInput,
        format!(
            "Invalid input for field{} {}",
            if names.len() == 1 { "" } else { "s" },
            names.join(", ")
        ),
    )
    .with_details(serde_json::json!({ "fields": problems })))
}

fn check_field(field: &Field, value: &Value) -> Option<String> {
    match &field.kind {
        FieldType::String => match value.as_str() {
            None => Some("must be a string".to_owned()),
            Some(s) => field
                .max_length
                .filter(|max| s.chars().count() as u64 > *max)
                .map(|max| format!("must be at most {max} characters")),
        },
        FieldType::Number => match value.as_f64() {
            None => Some("must be a number".to_owned()),
            Some(n) if field.min.is_some_and(|min| n < min) => Some(format!(
                "must be at least {}",
                field.min.unwrap_or_default()
            )),
            Some(n) if field.max.is_some_and(|max| n > max) => {
                Some(format!("must be at most {}", field.max.unwrap_or_default()))
            }
            Some(_) => None,
        },
        FieldType::Boolean => (!value.is_boolean()).then(|| "must be true or false".to_owned()),
        FieldType::Select => {
            let allowed: Vec<&str> = field
                .options
                .iter()
                .flatten()
                .map(|o| o.value.as_str())
                .collect();
            match value.as_str() {
                Some(v) if allowed.is_empty() || allowed.contains(&v) => None,
                _ => Some(format!("must be one of: {}", allowed.join(", "))),
            }
        }
        FieldType::Date => match value
            .as_str()
            .and_then(|s| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
        {
            None => Some("must be a date (YYYY-MM-DD)".to_owned()),
            Some(date) => {
                let bound = |b: &Option<String>| {
                    b.as_deref()
                        .and_then(|s| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
                };
                if bound(&field.min_date).is_some_and(|min| date < min) {
                    Some(format!(
                        "must be on or after {}",
                        field.min_date.as_deref().unwrap_or("")
                    ))
                } else if bound(&field.max_date).is_some_and(|max| date > max) {
                    Some(format!(
                        "must be on or before {}",
                        field.max_date.as_deref().unwrap_or("")
                    ))
                } else {
                    None
                }
            }
        },
        // A file is referenced by a string (an upload id or URL) or a descriptor object.
        FieldType::File => (!(value.is_string() || value.is_object() || value.is_array()))
            .then(|| "must be a file reference".to_owned()),
        _ => None,
    }
}
