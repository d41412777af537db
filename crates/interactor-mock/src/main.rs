//! The `interactor-mock` binary: the mock served on a local port.

use std::net::SocketAddr;

use clap::{Parser, ValueEnum};
use interactor_mock::MockServer;

/// An in-memory Interactor workflow server for offline development and tests.
#[derive(Debug, Parser)]
#[command(name = "interactor-mock", version, about)]
struct Args {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:4747", env = "INTERACTOR_MOCK_ADDR")]
    addr: SocketAddr,

    /// Bearer token that never expires and may do everything.
    #[arg(long, default_value = interactor_mock::DEFAULT_DEV_TOKEN, env = "INTERACTOR_MOCK_DEV_TOKEN")]
    dev_token: String,

    /// Log format on stderr.
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    init_logging(args.log_format);

    let server = match MockServer::builder()
        .addr(args.addr)
        .dev_token(&args.dev_token)
        .start()
        .await
    {
        Ok(server) => server,
        Err(err) => {
            tracing::error!(addr = %args.addr, error = %err, "could not listen");
            return std::process::ExitCode::FAILURE;
        }
    };

    // The first line is the contract scripts wait for; keep its shape.
    println!("interactor-mock listening on {}", server.base_url());
    println!(
        "API base URL: {}  (Authorization: Bearer {})",
        server.api_url(),
        server.dev_token()
    );

    wait_for_shutdown_signal().await;
    tracing::info!("shutting down");
    server.shutdown().await;
    std::process::ExitCode::SUCCESS
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

async fn wait_for_shutdown_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::warn!(error = %err, "cannot listen for ctrl-c");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::warn!(error = %err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();

    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
