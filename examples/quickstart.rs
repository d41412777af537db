//! The whole SDK in one run: define a workflow, drive an instance through two human
//! approvals, read its history, and receive its webhooks, verified.
//!
//! Everything runs in this process: the in-memory Interactor server of `interactor-mock`
//! (the notification the workflow sends to `https://yourapp.com` is answered by a stub, so
//! nothing leaves the machine) and a small axum receiver that checks every delivery's
//! signature with `interactor-webhook`, replay protection on.
//!
//! ```text
//! cargo run --example quickstart
//! RUST_LOG=debug cargo run --example quickstart   # with the SDK's tracing output
//! ```
//!
//! Steps: subscribe the receiver to all six instance events, create and publish the
//! reference's `purchase_approval` workflow (written with the definition builder), start
//! a purchase of $15,000, approve it as the manager and then as the VP, print the
//! history, and print the webhooks the receiver accepted. The program exits with status 1
//! and a message if any step fails, and never waits more than a few seconds for anything.

// An example reports its failure on stderr.
#![allow(clippy::print_stderr)]

use std::collections::BTreeSet;
use std::error::Error;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{FromRef, State};
use axum::routing::post;
use axum::{Json, Router};
use futures_util::StreamExt;
use interactor_client::model::{
    Condition, CreateSubscriptionRequest, Field, FieldType, FormPresentation, HistoryEvent,
    HttpLogic, HttpMethod, Instance, Presentation, ResumeRequest, State as WorkflowState,
    WebhookEventType, WorkflowDefinition,
};
use interactor_client::{Client, HistoryQuery};
use interactor_mock::MockServer;
use interactor_mock::engine::http::HttpStub;
use interactor_webhook::{Event, MemoryReplayGuard, VerifiedDelivery, Verifier};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot};

type BoxError = Box<dyn Error + Send + Sync>;

/// The secret the subscription signs with and the receiver verifies with (32+ chars).
const WEBHOOK_SECRET: &str = "whsec_quickstart_0123456789abcdefghij";
/// Where the receiver listens, relative to its address.
const WEBHOOK_PATH: &str = "/webhooks/interactor";
/// The longest the example waits for anything: a request, a webhook, the shutdown.
const MAX_WAIT: Duration = Duration::from_secs(10);

#[tokio::main]
async fn main() -> ExitCode {
    init_tracing();
    match tokio::time::timeout(Duration::from_secs(60), run()).await {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(err)) => {
            eprintln!("\nquickstart failed: {err}");
            let mut source = err.source();
            while let Some(cause) = source {
                eprintln!("  caused by: {cause}");
                source = cause.source();
            }
            ExitCode::FAILURE
        }
        Err(_) => {
            eprintln!("\nquickstart failed: it did not finish within a minute");
            ExitCode::FAILURE
        }
    }
}

/// Logs only when asked to with `RUST_LOG`, so the narrative stays readable.
fn init_tracing() {
    if std::env::var_os("RUST_LOG").is_some() {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_writer(std::io::stderr)
            .init();
    }
}

async fn run() -> Result<(), BoxError> {
    println!("Interactor quickstart: a $15,000 purchase through two approvals\n");

    // 1. An Interactor server in this process, and a client for it.
    let server = MockServer::builder().start().await?;
    stub_notifications(&server);
    let client = Client::builder()
        .base_url(server.api_url())
        .bearer_token(server.dev_token())
        .deadline(MAX_WAIT)
        .build()?;
    println!("1. Mock Interactor API running at {}", server.api_url());

    // 2. A webhook receiver, subscribed to every instance event.
    let mut receiver = Receiver::start().await?;
    let subscription = client
        .webhooks()
        .create(&CreateSubscriptionRequest::new(
            receiver.url(),
            all_events(),
            WEBHOOK_SECRET,
        ))
        .await?;
    println!("2. Webhook receiver listening at {}", receiver.url());
    println!(
        "   subscription {} receives {} events",
        subscription.id,
        subscription.events.len()
    );

    // 3. The workflow: create it (a draft version), then publish that version.
    let definition = purchase_approval();
    let version = client.workflows().create(&definition).await?;
    client
        .workflows()
        .publish(&definition.name, &version.version_id)
        .await?;
    println!(
        "3. Workflow `{}` created with {} states; version {} published",
        definition.name,
        definition.states.len(),
        version.version_id
    );

    // 4. An instance. It runs `submit`, then halts for the manager.
    let input = json!({
        "amount": 15000,
        "description": "Standing desks for the design team",
        "requester": "ana@example.com",
    });
    let instance = client
        .instances()
        .create(&definition.name, input.clone())
        .await?;
    println!("\n4. Started instance {} with input {input}", instance.id);
    println!("   It ran `submit` and now waits for the manager:");
    show_instance(&instance);

    // 5. The manager approves. Over $10,000, so the VP is asked next.
    println!("\n5. The manager approves; over $10,000, so the VP decides next");
    let manager = json!({ "approved": true, "comment": "Fits this quarter's budget" });
    let instance = resume(&client, &instance, manager).await?;
    show_instance(&instance);

    // 6. The VP approves. The workflow records the approval, notifies the requester (the
    //    stubbed HTTP call) and completes.
    println!("\n6. The VP approves; the workflow notifies the requester and completes");
    let vp = json!({ "approved": true, "budget_code": "CAPEX-2026-17" });
    let instance = resume(&client, &instance, vp).await?;
    show_instance(&instance);

    // 7. What happened, from the instance's history.
    println!("\n7. History of {}:", instance.id);
    let mut events = client.history().stream(&instance.id, HistoryQuery::new());
    while let Some(event) = events.next().await {
        println!("   {}", describe_history_event(&event?));
    }

    // 8. The webhooks, as the receiver verified them.
    let wanted = ["created", "halted", "resumed", "completed"];
    let deliveries = receiver.wait_for(&wanted, MAX_WAIT).await?;
    println!(
        "\n8. Webhooks received and verified ({}):",
        deliveries.len()
    );
    for delivery in &deliveries {
        println!("   {}", describe_delivery(delivery));
    }

    println!("\nDone: {} is {}.", instance.id, instance.status);
    receiver.stop().await;
    let _ = tokio::time::timeout(MAX_WAIT, server.shutdown()).await;
    Ok(())
}

/// Resumes a halted instance with `input`, naming the state it is expected to be in so
/// that a resume can never land on a different halt.
async fn resume(client: &Client, instance: &Instance, input: Value) -> Result<Instance, BoxError> {
    let state = instance
        .current_state
        .clone()
        .ok_or("the instance is not in any state")?;
    println!("   resume `{state}` with {input}");
    let request = ResumeRequest::new(input).expected_state(state);
    Ok(client.instances().resume(&instance.id, request).await?)
}

/// The reference's multi-level purchase approval, written with the definition builder.
fn purchase_approval() -> WorkflowDefinition {
    let approved = || Condition::equals("approved", true);

    WorkflowDefinition::builder("purchase_approval")
        .initial_state("submit")
        .ai_guidance(
            "Multi-level purchase approval workflow. Amount thresholds: <$1000 auto-approve, \
             $1000-$10000 manager, >$10000 VP required.",
        )
        .state(
            "submit",
            WorkflowState::action()
                .script(
                    "return { ...input, submitted_at: new Date().toISOString(), \
                     status: 'pending' }",
                )
                .transition_when("auto_approved", Condition::lte("amount", 1000))
                .transition_when("manager_approval", Condition::lte("amount", 10000))
                .transition("manager_approval"),
        )
        .state(
            "manager_approval",
            WorkflowState::halting()
                .presentation(
                    FormPresentation::new("Manager Approval Required")
                        .description(
                            "Purchase request for ${workflow_data.description} - \
                             $${workflow_data.amount}",
                        )
                        .field(Field::new("approved", FieldType::Boolean, "Approve?").required())
                        .field(Field::new("comment", FieldType::String, "Comment").multiline()),
                )
                .transition_when(
                    "vp_approval",
                    Condition::all([approved(), Condition::gt("amount", 10000)]),
                )
                .transition_when("approved", approved())
                .transition("rejected"),
        )
        .state(
            "vp_approval",
            WorkflowState::halting()
                .presentation(
                    FormPresentation::new("VP Approval Required")
                        .description(
                            "High-value purchase: ${workflow_data.description} - \
                             $${workflow_data.amount}",
                        )
                        .field(Field::new("approved", FieldType::Boolean, "VP Approval").required())
                        .field(Field::new("budget_code", FieldType::String, "Budget Code"))
                        .field(Field::new("comment", FieldType::String, "Comment").multiline()),
                )
                .transition_when("approved", approved())
                .transition("rejected"),
        )
        .state(
            "auto_approved",
            WorkflowState::action()
                .script(
                    "return { ...workflow_data, status: 'approved', approved_by: 'auto', \
                     approved_at: new Date().toISOString() }",
                )
                .transition("notify_requester"),
        )
        .state(
            "approved",
            WorkflowState::action()
                .script(
                    "return { ...workflow_data, status: 'approved', \
                     approved_at: new Date().toISOString() }",
                )
                .transition("notify_requester"),
        )
        .state(
            "rejected",
            WorkflowState::action()
                .script(
                    "return { ...workflow_data, status: 'rejected', \
                     rejected_at: new Date().toISOString() }",
                )
                .transition("notify_requester"),
        )
        .state(
            "notify_requester",
            WorkflowState::action()
                .logic(
                    HttpLogic::new(HttpMethod::Post, "https://yourapp.com/api/notifications").body(
                        json!({
                            "type": "purchase_decision",
                            "email": "${workflow_data.requester}",
                            "status": "${workflow_data.status}",
                            "amount": "${workflow_data.amount}",
                        }),
                    ),
                )
                .transition("complete"),
        )
        .state("complete", WorkflowState::terminal())
        .build()
}

/// Answers the workflow's notification call in place of `https://yourapp.com`.
fn stub_notifications(server: &MockServer) {
    server.engine().http().add_stub(HttpStub {
        method: Some("POST".to_owned()),
        url: "https://yourapp.com/*".to_owned(),
        status: 200,
        body: Some(json!({ "queued": true })),
        headers: Default::default(),
        delay_ms: None,
        times: None,
    });
}

fn all_events() -> [WebhookEventType; 6] {
    [
        WebhookEventType::InstanceCreated,
        WebhookEventType::InstanceHalted,
        WebhookEventType::InstanceResumed,
        WebhookEventType::InstanceCompleted,
        WebhookEventType::InstanceFailed,
        WebhookEventType::InstanceCancelled,
    ]
}

/// Prints where an instance stands: status, state, the form it waits on, and its data.
fn show_instance(instance: &Instance) {
    let state = instance.current_state.as_deref().unwrap_or("-");
    println!("   -> status {}, state `{state}`", instance.status);

    if let Some(Presentation::Form(form)) = &instance.halting_presentation {
        println!(
            "      Waiting on the form \"{}\"",
            form.title.as_deref().unwrap_or("(untitled)")
        );
        if let Some(description) = &form.description {
            println!("      \"{description}\"");
        }
        for field in &form.fields {
            let required = if field.required { ", required" } else { "" };
            let multiline = if field.multiline == Some(true) {
                ", multiline"
            } else {
                ""
            };
            println!(
                "        - {} ({}{multiline}{required}): {}",
                field.name, field.kind, field.label
            );
        }
    }

    let highlights = ["amount", "status", "comment", "budget_code", "approved_at"];
    let data: Vec<String> = highlights
        .iter()
        .filter_map(|key| instance.data(key).map(|value| format!("{key}={value}")))
        .collect();
    if !data.is_empty() {
        println!("      workflow_data: {}", data.join(", "));
    }
}

/// One line per history event: what happened and where.
fn describe_history_event(event: &HistoryEvent) -> String {
    let what = match &event.subtype {
        Some(subtype) => format!("{}/{subtype}", event.kind),
        None => event.kind.to_string(),
    };
    let mut line = format!("{} {what:<24}", event.timestamp.format("%H:%M:%S%.3f"));
    match (&event.from_state, &event.to_state) {
        (Some(from), Some(to)) => line.push_str(&format!(" {from} -> {to}")),
        (None, Some(to)) => line.push_str(&format!(" -> {to}")),
        _ => {
            if let Some(state) = event.state.as_ref().or(event.initial_state.as_ref()) {
                line.push_str(&format!(" {state}"));
            }
        }
    }
    if let Some(trigger) = &event.trigger {
        line.push_str(&format!(" ({trigger})"));
    }
    if let Some(logic) = &event.logic {
        line.push_str(&format!(" [{logic}"));
        if let Some(status) = event.http_status {
            line.push_str(&format!(", HTTP {status}"));
        }
        if let Some(ms) = event.duration_ms {
            line.push_str(&format!(", {ms} ms"));
        }
        line.push(']');
    }
    if let Some(input) = &event.input {
        line.push_str(&format!(" input {input}"));
    }
    line
}

/// One line per webhook: the event, the instance's state, and the delivery id.
fn describe_delivery(delivery: &VerifiedDelivery) -> String {
    let state = delivery
        .event
        .data()
        .and_then(|data| data.current_state.as_deref())
        .unwrap_or("-");
    let id = delivery.delivery_id.as_deref().unwrap_or("-");
    let mut line = format!("{:<29} state {state:<17} {id}", delivery.event_name);
    // A halted event carries the presentation the instance waits on.
    let title = match &delivery.event {
        Event::InstanceHalted(halted) => halted.data.halting_presentation.as_ref(),
        _ => None,
    }
    .and_then(|presentation| presentation.get("title"))
    .and_then(Value::as_str);
    if let Some(title) = title {
        line.push_str(&format!("  \"{title}\""));
    }
    line
}

/// The webhook receiver: an axum server whose one route verifies each delivery.
struct Receiver {
    addr: SocketAddr,
    deliveries: mpsc::UnboundedReceiver<VerifiedDelivery>,
    shutdown: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

/// What the route's handler can reach: the verifier (found by the `VerifiedDelivery`
/// extractor through `FromRef`) and where accepted deliveries go.
#[derive(Clone)]
struct ReceiverState {
    verifier: Verifier,
    accepted: mpsc::UnboundedSender<VerifiedDelivery>,
}

impl FromRef<ReceiverState> for Verifier {
    fn from_ref(state: &ReceiverState) -> Self {
        state.verifier.clone()
    }
}

/// Runs only for deliveries whose signature, timestamp and body checked out; the
/// extractor answers everything else with 400/401/413 and a JSON error.
async fn receive(State(state): State<ReceiverState>, delivery: VerifiedDelivery) -> Json<Value> {
    tracing::info!(
        event = %delivery.event_name,
        delivery_id = delivery.delivery_id.as_deref().unwrap_or("-"),
        "webhook accepted"
    );
    let _ = state.accepted.send(delivery);
    Json(json!({ "received": true }))
}

impl Receiver {
    async fn start() -> Result<Self, BoxError> {
        let verifier = Verifier::builder()
            .secret(WEBHOOK_SECRET)
            .replay_guard(Arc::new(MemoryReplayGuard::default()))
            .build()?;
        let (accepted, deliveries) = mpsc::unbounded_channel();
        let app = Router::new()
            .route(WEBHOOK_PATH, post(receive))
            .with_state(ReceiverState { verifier, accepted });

        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let (shutdown, signal) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
                let _ = signal.await;
            });
            if let Err(err) = serve.await {
                tracing::error!(error = %err, "webhook receiver stopped");
            }
        });
        Ok(Self {
            addr,
            deliveries,
            shutdown,
            task,
        })
    }

    fn url(&self) -> String {
        format!("http://{}{WEBHOOK_PATH}", self.addr)
    }

    /// Collects deliveries until one of each event in `wanted` (the part after
    /// `workflow.instance.`) has arrived, or fails after `timeout`.
    async fn wait_for(
        &mut self,
        wanted: &[&str],
        timeout: Duration,
    ) -> Result<Vec<VerifiedDelivery>, BoxError> {
        let mut missing: BTreeSet<String> = wanted
            .iter()
            .map(|name| format!("workflow.instance.{name}"))
            .collect();
        let mut received = Vec::new();
        let deadline = tokio::time::Instant::now() + timeout;

        while !missing.is_empty() {
            match tokio::time::timeout_at(deadline, self.deliveries.recv()).await {
                Ok(Some(delivery)) => {
                    missing.remove(&delivery.event_name);
                    received.push(delivery);
                }
                Ok(None) => return Err("the webhook receiver stopped".into()),
                Err(_) => {
                    let missing: Vec<_> = missing.into_iter().collect();
                    return Err(format!(
                        "no {} webhook arrived within {timeout:?} ({} received)",
                        missing.join(", "),
                        received.len()
                    )
                    .into());
                }
            }
        }
        // Anything that arrived meanwhile belongs to the list too.
        while let Ok(delivery) = self.deliveries.try_recv() {
            received.push(delivery);
        }
        Ok(received)
    }

    async fn stop(self) {
        let _ = self.shutdown.send(());
        let _ = tokio::time::timeout(MAX_WAIT, self.task).await;
    }
}
