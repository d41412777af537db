//! A human in the loop, in the terminal: each halt of a workflow is shown as a form or a
//! menu, the answers are read from stdin, checked, and sent with `resume`.
//!
//! ```text
//! cargo run --example approval_cli            # an in-process server, nothing to set up
//! cargo run --example approval_cli -- --base-url https://core.interactor.com/api/v1 \
//!     --token "$INTERACTOR_TOKEN"             # a real account (also read from the env)
//! printf 'Team offsite\n\n7500\n\n\n\n\n1\n2\n' | cargo run --example approval_cli
//! ```
//!
//! It deploys `travel_request` (`workflow.rs`), a workflow with every kind of halt:
//!
//! - `trip_details`: a form with every field type: text (several lines, a placeholder, a
//!   length limit), number (range and step), yes/no, select, date (from today to a year
//!   ahead) and file. Defaults come from `workflow_data` through templates, so a trip sent
//!   back for changes shows the earlier answers;
//! - `manager_review`: a choice presentation, for budgets over $5,000;
//! - `booking`: selection mode, with a static `message` halting instruction and
//!   `{key, to, description}` transitions.
//!
//! Each answer is converted to the field's type and checked against the field's limits
//! (`answer.rs`) before it is sent; an empty line keeps the default (or skips an optional
//! field) and `-` clears an optional field. `--no-local-checks` leaves the limits to the
//! server, to show how its `invalid_input` answer (`details.fields`) comes back: the
//! rejected fields are asked again. When stdin ends, the program says where the instance
//! waits and exits with status 0. With piped input the answers are echoed
//! (`prompt.rs`), so the output reads as a transcript.

// An example reports its failure on stderr.
#![allow(clippy::print_stderr)]

mod answer;
mod prompt;
mod workflow;

use std::collections::BTreeSet;
use std::error::Error;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use interactor_client::model::{
    CreateInstanceRequest, ErrorCode, Instance, InstanceStatus, Presentation, ResumeRequest,
    WorkflowDefinition,
};
use interactor_client::{Client, Error as ApiError};
use interactor_mock::MockServer;
use serde_json::{Map, Value, json};

use crate::answer::Checks;
use crate::prompt::{InputEnded, Terminal};
use crate::workflow::{WORKFLOW, travel_request};

/// The error type of the program.
type BoxError = Box<dyn Error + Send + Sync>;

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
    let (client, mock) = match (&args.base_url, &args.token) {
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
    let mut request = CreateInstanceRequest::new(input.clone());
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
    match drive(&client, instance, &mut terminal, checks).await? {
        Some(done) => show_outcome(&done),
        None if mock.is_some() => println!("(The in-process server stops with this program.)"),
        None => {}
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
        match prompt::ask(
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
                ask_again = Some(names).filter(|names| all_form_fields(&instance, names));
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
fn all_form_fields(instance: &Instance, names: &BTreeSet<String>) -> bool {
    let Some(Presentation::Form(form)) = &instance.halting_presentation else {
        return false;
    };
    !names.is_empty()
        && names
            .iter()
            .all(|name| form.fields.iter().any(|field| &field.name == name))
}

/// Announces a halt, with the halting instruction when there is one.
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

/// Prints how the instance ended and its data.
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
