//! A human in the loop, in the terminal: each halt of a workflow is shown as a form or a
//! menu, the answers are read from stdin, checked, and sent with `resume`.
//!
//! ```text
//! cargo run --example approval_cli                     # in-process server, nothing to set up
//! cargo run --example approval_cli -- --base-url https://core.interactor.com/api/v1 \
//!     --token "$INTERACTOR_TOKEN"                      # a real account
//! printf 'Workshop\n\n7500\nno\n2\n\n\n\n1\n2\n' | cargo run --example approval_cli
//! ```
//!
//! It deploys `travel_request`, a workflow that uses every kind of halt:
//!
//! - `trip_details`: a form with every field type: text (several lines, a placeholder, a
//!   length limit), number (range and step), yes/no, select, date (from today to a year
//!   ahead) and file; defaults come from `workflow_data` through templates, so a trip sent
//!   back for changes shows the earlier answers;
//! - `manager_review`: a choice presentation, for trips over $5,000;
//! - `booking`: selection mode, with a static `message` halting instruction and
//!   `{key, to, description}` transitions.
//!
//! Each answer is converted to the field's type and checked against the field's limits
//! before it is sent; an empty line keeps the default (or skips an optional field) and
//! `-` clears an optional field. `--no-local-checks` leaves the limits to the server, to
//! see how its `invalid_input` answer (`details.fields`) comes back and is asked again.
//! When stdin ends, the program stops cleanly and says where the instance waits. With
//! piped input the answers are echoed, so the output reads as a transcript.

// An example reports its failure on stderr.
#![allow(clippy::print_stderr)]

use std::collections::BTreeSet;
use std::error::Error;
use std::fmt;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::Duration;

use chrono::NaiveDate;
use clap::Parser;
use interactor_client::model::{
    ChoiceOption, ChoicePresentation, Condition, ErrorCode, Field, FieldType, FormPresentation,
    HaltingInstructions, Instance, InstanceStatus, Presentation, ResumeRequest, State,
    TransitionMode, WorkflowDefinition,
};
use interactor_client::{Client, Error as ApiError};
use interactor_mock::MockServer;
use serde_json::{Map, Value, json};
use tokio::sync::mpsc;

type BoxError = Box<dyn Error + Send + Sync>;

/// The workflow this program deploys and runs.
const WORKFLOW: &str = "travel_request";
/// The longest one request may take, retries included.
const REQUEST_DEADLINE: Duration = Duration::from_secs(30);

/// Runs a travel request in the terminal, answering each halt by hand.
#[derive(Debug, Parser)]
struct Args {
    /// The API to use, e.g. https://core.interactor.com/api/v1. Without it, an Interactor
    /// mock runs inside this program.
    #[arg(long, env = "INTERACTOR_BASE_URL", requires = "token")]
    base_url: Option<String>,
    /// The bearer token for --base-url.
    #[arg(long, env = "INTERACTOR_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// The namespace of the instance (the server's default when absent).
    #[arg(long)]
    namespace: Option<String>,
    /// Send answers without checking ranges, lengths, dates and files locally; the server
    /// checks them and the rejected fields are asked again.
    #[arg(long)]
    no_local_checks: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    if std::env::var_os("RUST_LOG").is_some() {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_writer(std::io::stderr)
            .init();
    }

    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("\napproval_cli failed: {err}");
            if let Some(details) = err.downcast_ref::<ApiError>().and_then(ApiError::details) {
                eprintln!("  details: {details}");
            }
            let mut source = err.source();
            while let Some(cause) = source {
                eprintln!("  caused by: {cause}");
                source = cause.source();
            }
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<(), BoxError> {
    // The mock lives as long as this variable: until the end of `run`.
    let (client, _mock) = match (&args.base_url, &args.token) {
        (Some(base_url), Some(token)) => (connect(base_url, token)?, None),
        _ => {
            let mock = MockServer::builder().start().await?;
            println!(
                "Interactor mock running in this process at {}",
                mock.api_url()
            );
            (connect(&mock.api_url(), mock.dev_token())?, Some(mock))
        }
    };

    let version = deploy(&client, &travel_request()).await?;
    println!("Workflow `{WORKFLOW}` published as version {version}");

    let input = json!({ "employee": "Ana Pereira", "estimate": 1200 });
    let mut request = interactor_client::model::CreateInstanceRequest::new(input.clone());
    if let Some(namespace) = &args.namespace {
        request = request.namespace(namespace.clone());
    }
    let instance = client.instances().create(WORKFLOW, request).await?;
    println!("Started {} with {input}", instance.id);
    println!("(Enter keeps a default or skips an optional field; `-` clears it; * = required)");

    let mut terminal = Terminal::stdin();
    let checks = if args.no_local_checks {
        Checks::TypesOnly
    } else {
        Checks::All
    };
    if let Some(done) = drive(&client, instance, &mut terminal, checks).await? {
        show_outcome(&done);
    }
    Ok(())
}

fn connect(base_url: &str, token: &str) -> Result<Client, BoxError> {
    Ok(Client::builder()
        .base_url(base_url)
        .bearer_token(token)
        .deadline(REQUEST_DEADLINE)
        .build()?)
}

/// Creates the workflow, or adds a version when it exists already, and publishes it.
async fn deploy(client: &Client, definition: &WorkflowDefinition) -> Result<String, BoxError> {
    let version = match client.workflows().create(definition).await {
        Ok(version) => version,
        Err(err) if err.code() == Some(&ErrorCode::WorkflowExists) => {
            client
                .workflows()
                .add_version(&definition.name, definition)
                .await?
        }
        Err(err) => return Err(err.into()),
    };
    client
        .workflows()
        .publish(&definition.name, &version.version_id)
        .await?;
    Ok(version.version_id)
}

/// Asks for input at every halt until the instance has finished; `None` when the input
/// ended first.
async fn drive(
    client: &Client,
    mut instance: Instance,
    terminal: &mut Terminal,
    checks: Checks,
) -> Result<Option<Instance>, BoxError> {
    // The answers to the current halt, kept when the server sends some fields back.
    let mut answers = Map::new();
    let mut ask_again: Option<BTreeSet<String>> = None;

    loop {
        match instance.status {
            InstanceStatus::Halted => {}
            InstanceStatus::Running => {
                instance = client
                    .instances()
                    .wait_for_completion(&instance.id, REQUEST_DEADLINE)
                    .await?;
                continue;
            }
            _ => return Ok(Some(instance)),
        }

        let state = instance.current_state.clone().unwrap_or_default();
        if ask_again.is_none() {
            show_halt(&instance, &state);
        }
        match ask(
            &instance,
            terminal,
            checks,
            ask_again.as_ref(),
            &mut answers,
        )
        .await
        {
            Ok(()) => {}
            Err(err) if err.is::<InputEnded>() => {
                println!("\nInput ended: {} stays halted at `{state}`.", instance.id);
                return Ok(None);
            }
            Err(err) => return Err(err),
        }

        let request =
            ResumeRequest::new(Value::Object(answers.clone())).expected_state(state.clone());
        match client.instances().resume(&instance.id, request).await {
            Ok(next) => {
                instance = next;
                answers.clear();
                ask_again = None;
            }
            Err(ApiError::Api {
                code: ErrorCode::InvalidInput,
                message,
                details,
                ..
            }) => {
                println!("\n  The server did not accept that: {message}");
                let fields = rejected_fields(details.as_deref());
                for (name, problem) in &fields {
                    println!("    - {name}: {problem}");
                }
                let names: BTreeSet<String> = fields.into_iter().map(|(name, _)| name).collect();
                ask_again = Some(names).filter(|names| asks_for_all(&instance, names));
                if ask_again.is_none() {
                    answers.clear();
                }
                println!("  Please answer again.");
            }
            Err(ApiError::Api {
                code: ErrorCode::InvalidTransition,
                message,
                ..
            }) => {
                println!("\n  No way forward with that answer: {message}\n  Please answer again.");
                answers.clear();
                ask_again = None;
            }
            Err(ApiError::Api {
                code: ErrorCode::ConcurrentModification | ErrorCode::InstanceNotHalted,
                message,
                ..
            }) => {
                println!("\n  The instance changed meanwhile ({message}); reloading it.");
                instance = client.instances().get(&instance.id).await?;
                answers.clear();
                ask_again = None;
            }
            Err(err) => return Err(err.into()),
        }
    }
}

/// `details.fields` of an `invalid_input` answer: field name and problem.
fn rejected_fields(details: Option<&Value>) -> Vec<(String, String)> {
    let Some(Value::Object(fields)) = details.and_then(|details| details.get("fields")) else {
        return Vec::new();
    };
    fields
        .iter()
        .map(|(name, problem)| {
            let problem = problem
                .as_str()
                .map_or_else(|| problem.to_string(), str::to_owned);
            (name.clone(), problem)
        })
        .collect()
}

/// Whether `names` are all fields of the instance's form, so that only they need to be
/// asked again.
fn asks_for_all(instance: &Instance, names: &BTreeSet<String>) -> bool {
    let Some(Presentation::Form(form)) = &instance.halting_presentation else {
        return false;
    };
    !names.is_empty()
        && names
            .iter()
            .all(|name| form.fields.iter().any(|field| &field.name == name))
}

fn show_halt(instance: &Instance, state: &str) {
    println!("\n{}", "=".repeat(72));
    println!("{} waits at `{state}`", instance.id);
    if let Some(instruction) = instance
        .halted_options
        .as_ref()
        .and_then(|options| options.instruction.as_deref())
    {
        println!("\n  {}", instruction.replace('\n', "\n  "));
    }
}

/// Collects the resume input of the current halt into `answers`.
async fn ask(
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
            match serde_json::from_str::<Map<String, Value>>(if line.is_empty() {
                "{}"
            } else {
                &line
            }) {
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

/// How much the answers are checked before they are sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Checks {
    /// Type, options, ranges, lengths, dates and files.
    All,
    /// Only what is needed to send the right JSON type; the server checks the rest.
    TypesOnly,
}

/// Turns one answer into the field's value: `Ok(None)` leaves the field out.
fn answer(field: &Field, raw: &str, checks: Checks) -> Result<Option<Value>, String> {
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

fn find_option<'a>(options: &'a [ChoiceOption], raw: &str) -> Option<&'a ChoiceOption> {
    if let Some(index) = raw.parse::<usize>().ok().and_then(|n| n.checked_sub(1)) {
        return options.get(index);
    }
    options
        .iter()
        .find(|option| option.value == raw || option.label.eq_ignore_ascii_case(raw))
}

fn show_outcome(instance: &Instance) {
    println!("\n{}", "=".repeat(72));
    println!(
        "{} is {} in state `{}`",
        instance.id,
        instance.status,
        instance.current_state.as_deref().unwrap_or("-")
    );
    if let Some(error) = &instance.error {
        println!("error: {error}");
    }
    if let Some(data) = &instance.workflow_data {
        let pretty = serde_json::to_string_pretty(data).unwrap_or_default();
        println!("workflow_data: {pretty}");
    }
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

/// A whole number as an integer (`7500`, not `7500.0`).
fn json_number(number: f64) -> Value {
    if number.fract() == 0.0 && number.abs() < 9.0e15 {
        return Value::from(number as i64);
    }
    Value::from(number)
}

fn number_text(number: f64) -> String {
    json_number(number).to_string()
}

fn bytes(size: u64) -> String {
    match size {
        0..1_000 => format!("{size} bytes"),
        1_000..1_000_000 => format!("{} kB", size / 1_000),
        _ if size.is_multiple_of(1_000_000) => format!("{} MB", size / 1_000_000),
        _ => format!("{:.1} MB", size as f64 / 1e6),
    }
}

/// Why the program stops asking: stdin ended.
#[derive(Debug)]
struct InputEnded;

impl fmt::Display for InputEnded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the input ended")
    }
}

impl Error for InputEnded {}

/// Lines from stdin, read on a thread of their own so that the async runtime (and the
/// in-process server on it) never blocks on the keyboard.
struct Terminal {
    lines: mpsc::Receiver<std::io::Result<String>>,
    /// Echo answers that do not come from a keyboard, so the output reads as a transcript.
    echo: bool,
}

impl Terminal {
    fn stdin() -> Self {
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

/// The workflow: details, a manager's review above $5,000, and a booking choice.
/// Departures can be from today to a year from now (the bounds are literal dates).
fn travel_request() -> WorkflowDefinition {
    let first_day = chrono::Utc::now().date_naive();
    let last_day = first_day + chrono::Days::new(365);

    let details = FormPresentation::new("Trip details")
        .description("Hi ${workflow_data.employee}, tell us about the trip.")
        .field(Field {
            placeholder: Some("Customer workshop in Lisbon, 3 days".to_owned()),
            max_length: Some(280),
            default: Some(json!("${workflow_data.purpose}")),
            ..Field::new("purpose", FieldType::String, "Purpose of the trip")
                .required()
                .multiline()
        })
        .field(Field {
            step: Some(50.0),
            ..Field::new("budget", FieldType::Number, "Budget (USD)")
                .required()
                .range(100.0, 20_000.0)
                .default_value("${workflow_data.budget}")
        })
        .field(
            Field::new("international", FieldType::Boolean, "Outside the country?")
                .default_value("${workflow_data.international}"),
        )
        .field(
            Field::new("travel_class", FieldType::Select, "Travel class")
                .option(ChoiceOption::new("economy", "Economy"))
                .option(ChoiceOption::new("premium", "Premium economy"))
                .option(ChoiceOption {
                    description: Some("flights over 6 hours".to_owned()),
                    ..ChoiceOption::new("business", "Business")
                })
                .default_value("${workflow_data.travel_class}"),
        )
        .field(Field {
            min_date: Some(first_day.format("%Y-%m-%d").to_string()),
            max_date: Some(last_day.format("%Y-%m-%d").to_string()),
            ..Field::new("departure", FieldType::Date, "Departure date")
                .required()
                .default_value("${workflow_data.departure}")
        })
        .field(Field {
            accept: Some(".pdf,image/*".to_owned()),
            max_size: Some(5_000_000),
            ..Field::new("itinerary", FieldType::File, "Itinerary")
                .default_value("${workflow_data.itinerary}")
        });

    let review = ChoicePresentation {
        title: Some("Manager review".to_owned()),
        message: Some(
            "${workflow_data.employee} asks for $${workflow_data.budget} \
             (${workflow_data.travel_class}): ${workflow_data.purpose}"
                .to_owned(),
        ),
        options: vec![
            ChoiceOption {
                description: Some("the trip goes to booking".to_owned()),
                ..ChoiceOption::new("approve", "Approve")
            },
            ChoiceOption {
                description: Some("back to the details form".to_owned()),
                ..ChoiceOption::new("revise", "Ask for changes")
            },
            ChoiceOption::new("reject", "Reject"),
        ],
    };

    let booking_message = "Booking: ${workflow_data.travel_class} travel on \
                           ${workflow_data.departure}, budget $${workflow_data.budget}. \
                           How should it be booked?";

    WorkflowDefinition::builder(WORKFLOW)
        .ai_guidance("Travel requests: details, a manager's review above $5000, booking.")
        .state(
            "submit",
            State::action()
                .script(
                    "return { ...input, budget: input.estimate, international: false, \
                     travel_class: 'economy', status: 'draft' }",
                )
                .transition("trip_details"),
        )
        .state(
            "trip_details",
            State::halting()
                .presentation(details)
                .transition_when("manager_review", Condition::gt("budget", 5000))
                .transition("booking"),
        )
        .state(
            "manager_review",
            State::halting()
                .presentation(review)
                .transition_when("booking", Condition::equals("choice", "approve"))
                .transition_when("trip_details", Condition::equals("choice", "revise"))
                .transition("rejected"),
        )
        .state(
            "booking",
            State::halting()
                .halting_instructions(HaltingInstructions::message(booking_message))
                .choice("agency", "booked", "The travel agency books it")
                .choice("self", "booked", "Book it yourself and claim the costs")
                .choice("withdraw", "withdrawn", "Withdraw the request"),
        )
        .state(
            "booked",
            State::action()
                .script(
                    "return { ...workflow_data, status: 'booked', \
                     booked_by: workflow_data.choice }",
                )
                .transition("closed"),
        )
        .state(
            "rejected",
            State::action()
                .script("return { ...workflow_data, status: 'rejected' }")
                .transition("closed"),
        )
        .state(
            "withdrawn",
            State::action()
                .script("return { ...workflow_data, status: 'withdrawn' }")
                .transition("closed"),
        )
        .state("closed", State::terminal())
        .build()
}
