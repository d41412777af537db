//! A webhook endpoint for an actix-web application: `POST /webhooks/interactor` verifies
//! each delivery and hands the typed event to a handler.
//!
//! ```text
//! INTERACTOR_WEBHOOK_SECRET=whsec_your_webhook_secret_min_32_chars \
//!     cargo run --example actix_receiver -- --addr 127.0.0.1:3000
//! ```
//!
//! Then subscribe `http://127.0.0.1:3000/webhooks/interactor` with the same secret
//! (`POST /webhooks/subscriptions`, or `client.webhooks().create(..)`).
//!
//! What to copy into your app:
//!
//! - the [`Verifier`], built once from the subscription's secret, with a replay guard so
//!   that a captured delivery cannot be sent again while its timestamp is still fresh,
//!   registered as `web::Data<Verifier>` app data;
//! - the `VerifiedDelivery` extractor, which answers anything that fails verification
//!   with 400, 401 or 413 and `{"error": {"code", "message"}}` before the handler runs;
//! - the `match` over [`Event`], one arm per event.
//!
//! A verified delivery is answered 200 `{"received": true}`. Answer quickly: Interactor
//! retries a delivery that takes longer than 30 s, so hand slow work to a queue or a
//! task. Retries carry the same delivery id, which is the key to process an event's
//! effects only once. Logs go through `tracing` (`RUST_LOG`, default `info`); rejected
//! deliveries are logged by `interactor-webhook` with their reason. Ctrl-C (or SIGTERM)
//! stops the server after the requests under way.

// An example reports its failure on stderr.
#![allow(clippy::print_stderr)]

use std::error::Error;
use std::io::IsTerminal;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use actix_web::{App, HttpResponse, HttpServer, web};
use clap::Parser;
use interactor_webhook::{Event, InstanceEvent, MemoryReplayGuard, VerifiedDelivery, Verifier};
use serde_json::{Value, json};
use tracing_subscriber::EnvFilter;

/// The environment variable holding the subscription's signing secret.
const SECRET_VAR: &str = "INTERACTOR_WEBHOOK_SECRET";

/// Receives Interactor webhooks with actix-web.
#[derive(Debug, Parser)]
struct Args {
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1:3000")]
    addr: SocketAddr,
}

#[actix_web::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_ansi(std::io::stdout().is_terminal())
        .init();

    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("actix_receiver: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<(), Box<dyn Error>> {
    let secret = std::env::var(SECRET_VAR).map_err(|_| {
        format!(
            "{SECRET_VAR} is not set; export the signing secret of your webhook \
             subscription (at least 32 characters)"
        )
    })?;
    let verifier = Verifier::builder()
        .secret(secret)
        .replay_guard(Arc::new(MemoryReplayGuard::default()))
        .build()?;
    // One verifier (and so one replay guard) shared by every worker.
    let verifier = web::Data::new(verifier);

    let server = HttpServer::new(move || {
        App::new()
            .app_data(verifier.clone())
            .route("/webhooks/interactor", web::post().to(webhook))
    })
    .bind(args.addr)
    .map_err(|err| format!("cannot listen on {}: {err}", args.addr))?;
    for addr in server.addrs() {
        tracing::info!("listening on http://{addr}/webhooks/interactor");
    }

    // actix-web stops gracefully on Ctrl-C and SIGTERM by itself.
    server.run().await?;
    tracing::info!("stopped");
    Ok(())
}

/// Runs only for verified deliveries.
async fn webhook(delivery: VerifiedDelivery) -> HttpResponse {
    let span = tracing::info_span!(
        "webhook",
        event = %delivery.event_name,
        delivery_id = delivery.delivery_id.as_deref().unwrap_or("-"),
        retry = delivery.retry_count,
    );
    span.in_scope(|| handle(&delivery.event));
    HttpResponse::Ok().json(json!({ "received": true }))
}

/// What the application does with each event. Replace the logging with your own logic.
fn handle(event: &Event) {
    match event {
        Event::InstanceCreated(created) => log(created, "instance created"),
        Event::InstanceHalted(halted) => {
            // `halting_presentation` describes the input wanted: notify whoever decides.
            let title = halted
                .data
                .halting_presentation
                .as_ref()
                .and_then(|presentation| presentation.get("title"))
                .and_then(Value::as_str)
                .unwrap_or("(no title)");
            tracing::info!(
                instance_id = %halted.data.instance_id,
                workflow = %halted.data.workflow_name,
                state = halted.data.current_state.as_deref().unwrap_or("-"),
                title,
                "instance waits for input"
            );
        }
        Event::InstanceResumed(resumed) => log(resumed, "instance resumed"),
        Event::InstanceCompleted(completed) => {
            log(completed, "instance completed");
            let data = Value::Object(completed.data.workflow_data.clone());
            tracing::info!(workflow_data = %data, "final data");
        }
        Event::InstanceFailed(failed) => {
            log(failed, "instance failed");
            if let Some(error) = &failed.data.error {
                tracing::warn!(code = %error.code, message = %error.message, "failure");
            }
        }
        Event::InstanceCancelled(cancelled) => log(cancelled, "instance cancelled"),
        Event::Unknown(unknown) => {
            // A newer event this SDK does not know yet: acknowledge it, so it is not
            // retried, and keep the raw JSON if it matters.
            tracing::info!(event = %unknown.event, "unknown event acknowledged");
        }
        // `Event` is non-exhaustive: future versions may add variants.
        other => tracing::info!(event = %other.name(), "event acknowledged"),
    }
}

fn log(event: &InstanceEvent, what: &str) {
    tracing::info!(
        instance_id = %event.data.instance_id,
        workflow = %event.data.workflow_name,
        state = event.data.current_state.as_deref().unwrap_or("-"),
        "{what}"
    );
}
