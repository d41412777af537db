//! The `interactor-mock` binary: the mock served on a local port.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, ValueEnum};
use interactor_mock::{MockConfig, MockServer};

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

    /// JSON file to preload: published workflows, clients, secrets, HTTP stubs, limits.
    #[arg(long, env = "INTERACTOR_MOCK_CONFIG")]
    config: Option<PathBuf>,

    /// File to load the state from at start-up and save it to on shutdown.
    #[arg(long, env = "INTERACTOR_MOCK_STATE_FILE")]
    state_file: Option<PathBuf>,

    /// Switch rate limiting off (the headers are still sent).
    #[arg(long)]
    no_rate_limits: bool,

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

    let mut builder = MockServer::builder()
        .addr(args.addr)
        .dev_token(&args.dev_token);
    if let Some(path) = &args.config {
        match std::fs::read_to_string(path)
            .map_err(|e| e.to_string())
            .and_then(|text| MockConfig::from_json(&text).map_err(|e| e.to_string()))
        {
            Ok(config) => builder = builder.config(config),
            Err(err) => {
                tracing::error!(path = %path.display(), error = %err, "cannot read the config");
                return std::process::ExitCode::FAILURE;
            }
        }
    }
    if let Some(path) = &args.state_file {
        builder = builder.state_file(path);
    }
    if args.no_rate_limits {
        builder = builder.no_rate_limits();
    }

    let server = match builder.start().await {
        Ok(server) => server,
        Err(err) => {
            tracing::error!(addr = %args.addr, error = %err, "could not start");
            return std::process::ExitCode::FAILURE;
        }
    };

    // The first line is the contract scripts wait for; keep its shape. A closed stdout
    // (a parent that read the first line and went away) must not stop the server.
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "interactor-mock listening on {}", server.base_url());
    let _ = writeln!(
        stdout,
        "API base URL: {}  (Authorization: Bearer {})",
        server.api_url(),
        server.dev_token()
    );
    let _ = stdout.flush();
    drop(stdout);

    wait_for_shutdown_signal().await;
    tracing::info!("shutting down");
    if let Err(err) = server.shutdown().await {
        tracing::error!(error = %err, "the state could not be saved");
        return std::process::ExitCode::FAILURE;
    }
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
