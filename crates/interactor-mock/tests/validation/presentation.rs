//! Presentations (form, choice, message), fields, options and halting instructions.

use serde_json::{Value, json};

use super::support::{assert_problems, assert_valid, set, with_review};

const PRESENTATION: &str = "/states/review/presentation";
const FIELD: &str = "/states/review/presentation/fields/0";

fn with_presentation(presentation: Value) -> Value {
    set(with_review(), PRESENTATION, presentation)
}

fn with_field(field: Value) -> Value {
    set(with_review(), FIELD, field)
}

fn options(count: usize) -> Value {
    (0..count)
        .map(|i| json!({ "value": format!("v{i}"), "label": format!("Option {i}") }))
        .collect()
}

fn fields(count: usize) -> Value {
    (0..count)
        .map(|i| json!({ "name": format!("f{i}"), "type": "string", "label": "F" }))
        .collect()
}

fn with_instructions(instructions: Value) -> Value {
    set(
        with_review(),
        "/states/review/halting_instructions",
        instructions,
    )
}

#[test]
fn a_presentation_needs_a_known_type() {
    assert_problems(
        &with_presentation(json!({ "fields": [] })),
        &[(
            "states.review.presentation.type",
            "Property 'type' is required",
        )],
    );
    assert_problems(
        &with_presentation(json!({ "type": "wizard" })),
        &[(
            "states.review.presentation.type",
            "Expected one of 'form', 'choice', 'message', found 'wizard'",
        )],
    );
    assert_problems(
        &with_presentation(json!(["form"])),
        &[(
            "states.review.presentation",
            "Expected an object, found an array",
        )],
    );
}

#[test]
fn a_form_needs_fields_and_may_have_50_but_not_51() {
    assert_problems(
        &with_presentation(json!({ "type": "form", "title": "T" })),
        &[(
            "states.review.presentation.fields",
            "Property 'fields' is required",
        )],
    );
    assert_valid(&with_presentation(json!({ "type": "form", "fields": [] })));
    assert_valid(&with_presentation(
        json!({ "type": "form", "fields": fields(50) }),
    ));
    assert_problems(
        &with_presentation(json!({ "type": "form", "fields": fields(51) })),
        &[(
            "states.review.presentation.fields",
            "A form may have at most 50 fields (found 51)",
        )],
    );
}

#[test]
fn texts_of_a_presentation_must_be_strings() {
    assert_problems(
        &with_presentation(json!({ "type": "form", "title": 1, "description": {}, "fields": [] })),
        &[
            (
                "states.review.presentation.title",
                "Expected a string, found a number",
            ),
            (
                "states.review.presentation.description",
                "Expected a string, found an object",
            ),
        ],
    );
}

#[test]
fn a_choice_has_2_to_20_options() {
    for count in [2, 20] {
        assert_valid(&with_presentation(
            json!({ "type": "choice", "options": options(count) }),
        ));
    }
    assert_problems(
        &with_presentation(json!({ "type": "choice", "options": options(1) })),
        &[(
            "states.review.presentation.options",
            "A choice presentation needs at least 2 options (found 1)",
        )],
    );
    assert_problems(
        &with_presentation(json!({ "type": "choice", "options": options(21) })),
        &[(
            "states.review.presentation.options",
            "A choice presentation may have at most 20 options (found 21)",
        )],
    );
    assert_problems(
        &with_presentation(json!({ "type": "choice", "message": "Pick" })),
        &[(
            "states.review.presentation.options",
            "Property 'options' is required",
        )],
    );
}

#[test]
fn options_need_a_unique_value_and_a_label() {
    let raw = with_presentation(json!({
        "type": "choice",
        "options": [
            { "value": "a", "label": "A" },
            { "label": "B" },
            { "value": "a", "label": "A again", "description": 5 },
            "c"
        ]
    }));
    assert_problems(
        &raw,
        &[
            (
                "states.review.presentation.options[1].value",
                "Property 'value' is required",
            ),
            (
                "states.review.presentation.options[2].value",
                "Option value 'a' is used more than once",
            ),
            (
                "states.review.presentation.options[2].description",
                "Expected a string, found a number",
            ),
            (
                "states.review.presentation.options[3]",
                "Expected an object, found a string",
            ),
        ],
    );
}

#[test]
fn a_message_presentation_needs_a_message() {
    assert_problems(
        &with_presentation(json!({ "type": "message", "title": "Wait" })),
        &[(
            "states.review.presentation.message",
            "Property 'message' is required",
        )],
    );
    assert_problems(
        &with_presentation(json!({ "type": "message", "message": "Wait", "show_progress": "yes" })),
        &[(
            "states.review.presentation.show_progress",
            "Expected a boolean, found a string",
        )],
    );
}

#[test]
fn a_field_needs_a_name_a_type_and_a_label() {
    assert_problems(
        &with_field(json!({})),
        &[
            (
                "states.review.presentation.fields[0].name",
                "Property 'name' is required",
            ),
            (
                "states.review.presentation.fields[0].type",
                "Property 'type' is required",
            ),
            (
                "states.review.presentation.fields[0].label",
                "Property 'label' is required",
            ),
        ],
    );
    assert_problems(
        &with_field(json!({ "name": "x", "type": "color", "label": "X" })),
        &[(
            "states.review.presentation.fields[0].type",
            "Expected one of 'string', 'number', 'boolean', 'select', 'date', 'file', \
             found 'color'",
        )],
    );
}

#[test]
fn field_names_follow_the_pattern_and_are_unique() {
    for good in ["a", "amount_2", "x_"] {
        assert_valid(&with_field(
            json!({ "name": good, "type": "string", "label": "L" }),
        ));
    }
    for bad in ["Amount", "2x", "_x", "a-b", "a b", ""] {
        let message = format!(
            "Field name '{bad}' must start with a lowercase letter and contain only lowercase \
             letters, digits and underscores"
        );
        assert_problems(
            &with_field(json!({ "name": bad, "type": "string", "label": "L" })),
            &[("states.review.presentation.fields[0].name", &message)],
        );
    }

    let raw = set(
        with_review(),
        "/states/review/presentation/fields/-",
        json!({
            "name": "approved", "type": "string", "label": "Again"
        }),
    );
    assert_problems(
        &raw,
        &[(
            "states.review.presentation.fields[1].name",
            "Field name 'approved' is used more than once",
        )],
    );
}

#[test]
fn field_properties_have_their_types() {
    let raw = with_field(json!({
        "name": "x", "type": "string", "label": "X",
        "required": "yes", "placeholder": 1, "multiline": 0, "maxLength": -1,
        "min": "0", "step": [], "accept": false, "maxSize": 1.5, "options": {}
    }));
    assert_problems(
        &raw,
        &[
            (
                "states.review.presentation.fields[0].required",
                "Expected a boolean, found a string",
            ),
            (
                "states.review.presentation.fields[0].placeholder",
                "Expected a string, found a number",
            ),
            (
                "states.review.presentation.fields[0].multiline",
                "Expected a boolean, found a number",
            ),
            (
                "states.review.presentation.fields[0].maxLength",
                "'maxLength' must not be negative (found -1)",
            ),
            (
                "states.review.presentation.fields[0].min",
                "Expected a number, found a string",
            ),
            (
                "states.review.presentation.fields[0].step",
                "Expected a number, found an array",
            ),
            (
                "states.review.presentation.fields[0].accept",
                "Expected a string, found a boolean",
            ),
            (
                "states.review.presentation.fields[0].maxSize",
                "Expected an integer, found a number",
            ),
            (
                "states.review.presentation.fields[0].options",
                "Expected an array, found an object",
            ),
        ],
    );
}

#[test]
fn field_defaults_may_be_anything() {
    for default in [
        json!("${workflow_data.amount}"),
        json!(5),
        json!(null),
        json!([1]),
    ] {
        assert_valid(&with_field(
            json!({ "name": "x", "type": "number", "label": "X", "default": default }),
        ));
    }
}

#[test]
fn min_may_not_exceed_max() {
    assert_valid(&with_field(
        json!({ "name": "x", "type": "number", "label": "X", "min": 5, "max": 5 }),
    ));
    assert_problems(
        &with_field(json!({ "name": "x", "type": "number", "label": "X", "min": 6, "max": 5.5 })),
        &[(
            "states.review.presentation.fields[0].min",
            "'min' (6) must not be greater than 'max' (5.5)",
        )],
    );
}

#[test]
fn date_bounds_are_calendar_dates() {
    assert_valid(&with_field(json!({
        "name": "d", "type": "date", "label": "D", "minDate": "2024-02-29", "maxDate": "2030-12-31"
    })));
    for bad in ["2023-02-29", "2024-13-01", "tomorrow", "2024/01/01"] {
        let message = format!("Expected a date written as YYYY-MM-DD, found '{bad}'");
        assert_problems(
            &with_field(json!({ "name": "d", "type": "date", "label": "D", "maxDate": bad })),
            &[("states.review.presentation.fields[0].maxDate", &message)],
        );
    }
}

#[test]
fn a_select_field_needs_options() {
    for options in [None, Some(json!([]))] {
        let mut field = json!({ "name": "pick", "type": "select", "label": "Pick" });
        if let Some(options) = options {
            field["options"] = options;
        }
        assert_problems(
            &with_field(field),
            &[(
                "states.review.presentation.fields[0].options",
                "A select field needs at least one option",
            )],
        );
    }
    assert_valid(&with_field(json!({
        "name": "pick", "type": "select", "label": "Pick", "options": options(1)
    })));
}

#[test]
fn ai_instructions_need_a_config_with_a_prompt() {
    assert_problems(
        &with_instructions(json!({ "type": "ai" })),
        &[(
            "states.review.halting_instructions.config",
            "Property 'config' is required",
        )],
    );
    assert_problems(
        &with_instructions(json!({ "type": "ai", "config": { "model": "m" } })),
        &[(
            "states.review.halting_instructions.config.prompt",
            "Property 'prompt' is required",
        )],
    );
    assert_problems(
        &with_instructions(json!({
            "type": "ai", "config": { "prompt": "p", "include_data_paths": ["a", 1] }
        })),
        &[(
            "states.review.halting_instructions.config.include_data_paths[1]",
            "Expected a string, found a number",
        )],
    );
}

#[test]
fn message_instructions_need_a_config_with_a_message() {
    assert_problems(
        &with_instructions(json!({ "type": "message", "config": { "title": "T" } })),
        &[(
            "states.review.halting_instructions.config.message",
            "Property 'message' is required",
        )],
    );
    assert_problems(
        &with_instructions(json!({ "type": "message", "config": "hello" })),
        &[(
            "states.review.halting_instructions.config",
            "Expected an object, found a string",
        )],
    );
}

#[test]
fn simple_instructions_need_an_instruction() {
    assert_valid(&with_instructions(json!({ "instruction": "Review it" })));
    assert_problems(
        &with_instructions(json!({ "include_data": ["a"] })),
        &[(
            "states.review.halting_instructions",
            "Halting instructions need a 'type' ('ai' or 'message') or an 'instruction'",
        )],
    );
    assert_problems(
        &with_instructions(json!({ "instruction": 1, "include_data": "a" })),
        &[
            (
                "states.review.halting_instructions.instruction",
                "Expected a string, found a number",
            ),
            (
                "states.review.halting_instructions.include_data",
                "Expected an array, found a string",
            ),
        ],
    );
}

#[test]
fn instruction_types_are_ai_or_message() {
    assert_problems(
        &with_instructions(json!({ "type": "llm", "config": {} })),
        &[(
            "states.review.halting_instructions.type",
            "Expected one of 'ai', 'message', found 'llm'",
        )],
    );
    assert_problems(
        &with_instructions(json!(true)),
        &[(
            "states.review.halting_instructions",
            "Expected an object, found a boolean",
        )],
    );
}
