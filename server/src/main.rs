use std::process::ExitCode;

use clap::Parser;
use server::config::Config;
use server::startup::Application;
use server::{healthcheck, telemetry};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    // `server healthcheck` probes a running instance: it needs none of the
    // server's configuration (no database URL, no secret).
    if std::env::args_os()
        .nth(1)
        .is_some_and(|arg| arg == "healthcheck")
    {
        return probe_this_instance().await;
    }
    let config = Config::parse();
    // Flushes the traces when the server is done.
    let _telemetry = telemetry::init(config.log_format);

    match run(config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            // One line on stderr, for the operator and the orchestrator's log.
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn probe_this_instance() -> ExitCode {
    let site_addr = match leptos::prelude::get_configuration(None) {
        Ok(conf) => conf.leptos_options.site_addr,
        Err(e) => {
            eprintln!("unhealthy: invalid Leptos configuration: {e}");
            return ExitCode::FAILURE;
        }
    };
    match healthcheck::probe(site_addr).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(reason) => {
            eprintln!("unhealthy: {reason}");
            ExitCode::FAILURE
        }
    }
}

async fn run(config: Config) -> Result<(), String> {
    let leptos_options = leptos::prelude::get_configuration(None)
        .map_err(|e| format!("invalid Leptos configuration: {e}"))?
        .leptos_options;
    let app = Application::build(&config, leptos_options)
        .await
        .map_err(|e| e.to_string())?;
    match (app.local_addr(), app.metrics_addr()) {
        (Ok(addr), Ok(metrics)) => {
            tracing::info!("listening on http://{addr} (metrics on http://{metrics}/metrics)")
        }
        (Err(e), _) | (_, Err(e)) => return Err(format!("cannot read the listening address: {e}")),
    }
    app.run_until_stopped().await;
    Ok(())
}
