//! Reading answers in the terminal: forms field by field, choices by number, value or
//! label.

use std::collections::BTreeSet;
use std::error::Error;
use std::fmt;
use std::io::{IsTerminal, Write};

use interactor_client::model::{
    ChoiceOption, ChoicePresentation, Field, FieldType, FormPresentation, Instance, Presentation,
    TransitionMode,
};
use serde_json::{Map, Value};
use tokio::sync::mpsc;

use crate::BoxError;
use crate::answer::{Checks, answer, json_number};

/// Collects the resume input of the current halt into `answers`.
pub(crate) async fn ask(
    instance: &Instance,
    terminal: &mut Terminal,
    checks: Checks,
    only: Option<&BTreeSet<String>>,
    answers: &mut Map<String, Value>,
) -> Result<(), BoxError> {
    match &instance.halting_presentation {
        Some(Presentation::Form(form)) => fill_form(form, terminal, checks, only, answers).await?,
        Some(Presentation::Choice(choice)) => {
            let value = pick_option(choice, terminal).await?;
            answers.insert("choice".to_owned(), Value::String(value));
        }
        Some(Presentation::Message(message)) => {
            heading(message.title.as_deref(), Some(&message.message));
        }
        None => {}
    }

    let selection = instance.halted_options.as_ref().filter(|options| {
        options.transition_mode == TransitionMode::Selection && !options.choices.is_empty()
    });
    if let Some(options) = selection {
        if !answers.contains_key("choice") {
            let choices: Vec<ChoiceOption> = options
                .choices
                .iter()
                .map(|choice| ChoiceOption {
                    value: choice.key.clone(),
                    label: choice.key.clone(),
                    description: choice.description.clone(),
                })
                .collect();
            println!();
            let key = choose(&choices, terminal).await?;
            answers.insert("choice".to_owned(), Value::String(key));
        }
    } else if matches!(
        instance.halting_presentation,
        Some(Presentation::Message(_))
    ) {
        terminal.read("  Press Enter to continue ").await?;
    } else if instance.halting_presentation.is_none() {
        println!("  This halt has no form. Enter the resume input as a JSON object.");
        loop {
            let line = terminal.read("  > ").await?;
            let text = if line.is_empty() { "{}" } else { &line };
            match serde_json::from_str::<Map<String, Value>>(text) {
                Ok(object) => {
                    *answers = object;
                    break;
                }
                Err(err) => println!("  ! not a JSON object ({err})"),
            }
        }
    }
    Ok(())
}

/// Prints a title, underlined, and the text under it.
fn heading(title: Option<&str>, text: Option<&str>) {
    if let Some(title) = title {
        println!("\n  {title}\n  {}", "-".repeat(title.chars().count()));
    }
    if let Some(text) = text {
        println!("  {}", text.replace('\n', "\n  "));
    }
}

/// Asks each field of `form` (or only those in `only`) until its answer is valid.
async fn fill_form(
    form: &FormPresentation,
    terminal: &mut Terminal,
    checks: Checks,
    only: Option<&BTreeSet<String>>,
    answers: &mut Map<String, Value>,
) -> Result<(), BoxError> {
    heading(form.title.as_deref(), form.description.as_deref());
    let fields: Vec<&Field> = form
        .fields
        .iter()
        .filter(|field| only.is_none_or(|names| names.contains(&field.name)))
        .collect();

    for (number, field) in fields.iter().enumerate() {
        let marker = if field.required { " *" } else { "" };
        println!(
            "\n  [{}/{}] {}{marker}",
            number + 1,
            fields.len(),
            field.label
        );
        for hint in hints(field) {
            println!("        {hint}");
        }
        loop {
            let raw = if field.multiline == Some(true) {
                terminal.read_paragraph("  > ", "  . ").await?
            } else {
                terminal.read("  > ").await?
            };
            match answer(field, &raw, checks) {
                Ok(Some(value)) => {
                    answers.insert(field.name.clone(), value);
                    break;
                }
                Ok(None) => {
                    answers.remove(&field.name);
                    break;
                }
                Err(problem) => println!("  ! {problem}"),
            }
        }
    }
    Ok(())
}

/// What to tell the person about a field: its type, limits, options and default.
fn hints(field: &Field) -> Vec<String> {
    let mut hints = Vec::new();
    let mut kind = match &field.kind {
        FieldType::String if field.multiline == Some(true) => {
            "text, several lines (an empty line ends it)".to_owned()
        }
        FieldType::Number => "number".to_owned(),
        FieldType::Boolean => "yes or no".to_owned(),
        FieldType::Select => "one of the options below (number, value or label)".to_owned(),
        FieldType::Date => "date, YYYY-MM-DD".to_owned(),
        FieldType::File => "file: a path on this machine or a URL".to_owned(),
        _ => "text".to_owned(),
    };
    let mut limit = |text: String| {
        kind.push_str(", ");
        kind.push_str(&text);
    };
    if let Some(max) = field.max_length {
        limit(format!("at most {max} characters"));
    }
    if let Some(min) = field.min {
        limit(format!("from {}", number_text(min)));
    }
    if let Some(max) = field.max {
        limit(format!("up to {}", number_text(max)));
    }
    if let Some(step) = field.step {
        limit(format!("in steps of {}", number_text(step)));
    }
    if let Some(min) = &field.min_date {
        limit(format!("from {min}"));
    }
    if let Some(max) = &field.max_date {
        limit(format!("until {max}"));
    }
    if let Some(accept) = &field.accept {
        limit(format!("accepts {accept}"));
    }
    if let Some(size) = field.max_size {
        limit(format!("up to {}", bytes(size)));
    }
    hints.push(kind);

    for (index, option) in field.options.iter().flatten().enumerate() {
        hints.push(option_line(index, option));
    }
    if let Some(placeholder) = &field.placeholder {
        hints.push(format!("e.g. {placeholder}"));
    }
    match field.default.as_ref().filter(|value| !value.is_null()) {
        Some(default) => hints.push(format!("Enter keeps {}", show_value(field, default))),
        None if !field.required => hints.push("Enter skips it".to_owned()),
        None => {}
    }
    hints
}

/// `1) Label [value] - description`, the value only when it differs from the label.
fn option_line(index: usize, option: &ChoiceOption) -> String {
    let mut line = format!("  {}) {}", index + 1, option.label);
    if !option.label.eq_ignore_ascii_case(&option.value) {
        line.push_str(&format!(" [{}]", option.value));
    }
    if let Some(description) = &option.description {
        line.push_str(&format!(" - {description}"));
    }
    line
}

/// Shows a choice presentation and returns the value picked.
async fn pick_option(
    choice: &ChoicePresentation,
    terminal: &mut Terminal,
) -> Result<String, BoxError> {
    heading(choice.title.as_deref(), choice.message.as_deref());
    choose(&choice.options, terminal).await
}

/// Lists `options` and reads a pick by number, value or label.
async fn choose(options: &[ChoiceOption], terminal: &mut Terminal) -> Result<String, BoxError> {
    for (index, option) in options.iter().enumerate() {
        println!("  {}", option_line(index, option));
    }
    loop {
        let raw = terminal.read("  > ").await?;
        match find_option(options, &raw) {
            Some(option) => return Ok(option.value.clone()),
            None => println!("  ! pick a number from 1 to {}", options.len()),
        }
    }
}

/// The option picked by `raw`: a number from 1, a value, or a label in any case.
pub(crate) fn find_option<'a>(options: &'a [ChoiceOption], raw: &str) -> Option<&'a ChoiceOption> {
    if let Some(index) = raw.parse::<usize>().ok().and_then(|n| n.checked_sub(1)) {
        return options.get(index);
    }
    options
        .iter()
        .find(|option| option.value == raw || option.label.eq_ignore_ascii_case(raw))
}

/// A value as the person would type it.
fn show_value(field: &Field, value: &Value) -> String {
    match (&field.kind, value) {
        (FieldType::Boolean, Value::Bool(true)) => "yes".to_owned(),
        (FieldType::Boolean, Value::Bool(false)) => "no".to_owned(),
        (_, Value::String(text)) => text.clone(),
        (_, other) => other.to_string(),
    }
}

/// A number as JSON writes it (`7500`, `0.5`).
pub(crate) fn number_text(number: f64) -> String {
    json_number(number).to_string()
}

/// A size for people: `800 bytes`, `12 kB`, `5 MB`.
pub(crate) fn bytes(size: u64) -> String {
    match size {
        0..1_000 => format!("{size} bytes"),
        1_000..1_000_000 => format!("{} kB", size / 1_000),
        _ if size.is_multiple_of(1_000_000) => format!("{} MB", size / 1_000_000),
        _ => format!("{:.1} MB", size as f64 / 1e6),
    }
}

/// Why the program stops asking: stdin ended.
#[derive(Debug)]
pub(crate) struct InputEnded;

impl fmt::Display for InputEnded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the input ended")
    }
}

impl Error for InputEnded {}

/// Lines from stdin, read on a thread of their own so that the async runtime (and the
/// in-process server on it) never blocks on the keyboard.
pub(crate) struct Terminal {
    lines: mpsc::Receiver<std::io::Result<String>>,
    /// Echo answers that do not come from a keyboard, so the output reads as a transcript.
    echo: bool,
}

impl Terminal {
    pub(crate) fn stdin() -> Self {
        let (sender, lines) = mpsc::channel(1);
        std::thread::spawn(move || {
            for line in std::io::stdin().lines() {
                if sender.blocking_send(line).is_err() {
                    break;
                }
            }
        });
        Self {
            lines,
            echo: !std::io::stdin().is_terminal(),
        }
    }

    /// Prints `prompt` and reads one line, trimmed.
    async fn read(&mut self, prompt: &str) -> Result<String, BoxError> {
        print!("{prompt}");
        std::io::stdout().flush()?;
        match self.lines.recv().await {
            Some(line) => {
                let line = line?;
                if self.echo {
                    println!("{line}");
                }
                Ok(line.trim().to_owned())
            }
            None => {
                println!();
                Err(Box::new(InputEnded))
            }
        }
    }

    /// Reads lines until an empty one and joins them; empty when the first line is.
    async fn read_paragraph(&mut self, first: &str, next: &str) -> Result<String, BoxError> {
        let mut lines = Vec::new();
        let mut prompt = first;
        loop {
            let line = self.read(prompt).await?;
            if line.is_empty() {
                return Ok(lines.join("\n"));
            }
            lines.push(line);
            prompt = next;
        }
    }
}
