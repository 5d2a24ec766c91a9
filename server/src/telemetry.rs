//! Logs, and traces when a collector is configured.
//!
//! Logs: the `fmt` layer, filtered by `RUST_LOG`. Traces: with
//! `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`)
//! set, every span (a request's, named by its route; the service calls';
//! the statements') goes to that collector over OTLP/HTTP, in protobuf or,
//! with `OTEL_EXPORTER_OTLP_PROTOCOL=http/json`, JSON; `OTEL_SERVICE_NAME`,
//! `OTEL_RESOURCE_ATTRIBUTES` and `OTEL_TRACES_SAMPLER(_ARG)` are read as
//! the specification says. Without one, no trace layer is installed: the
//! statements' spans are below the logs' level and are never built.

use std::sync::atomic::{AtomicBool, Ordering};

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::SpanExporter;
use opentelemetry_sdk::trace::SdkTracerProvider;
use opentelemetry_sdk::Resource;
use tracing::Subscriber;
use tracing_subscriber::filter::{EnvFilter, LevelFilter};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::{fmt, layer::SubscriberExt, util::SubscriberInitExt, Layer};

use crate::config::LogFormat;

/// The service name traces carry unless `OTEL_SERVICE_NAME` says otherwise.
const SERVICE: &str = "conduit";

/// What must outlive the server: the trace exporter, flushed when dropped.
pub struct Telemetry {
    traces: Option<SdkTracerProvider>,
}

impl Drop for Telemetry {
    fn drop(&mut self) {
        if let Some(provider) = self.traces.take() {
            // The spans of the last requests: sent, or reported as lost.
            if let Err(error) = provider.shutdown() {
                eprintln!("traces: could not flush to the collector: {error}");
            }
        }
    }
}

/// Whether spans are exported: the request's span carries OpenTelemetry's
/// attributes only then ([`crate::startup`]), so that without a collector a
/// request pays for none of them.
static EXPORTING: AtomicBool = AtomicBool::new(false);

pub fn exporting() -> bool {
    EXPORTING.load(Ordering::Relaxed)
}

/// Installs the global subscriber. `RUST_LOG` overrides the logs' default
/// filter; the traces' is fixed: every span down to the statements'.
pub fn init(format: LogFormat) -> Telemetry {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let provider = match tracer_provider() {
        Ok(provider) => provider,
        Err(error) => {
            eprintln!("traces: not exported: {error}");
            None
        }
    };
    let Some(provider) = provider else {
        // The logs' filter for everything, as the subscriber's own: spans
        // and events below it are never built, and a callsite it leaves
        // out is skipped at a glance (a per-layer filter costs a check at
        // every span and event a request passes).
        tracing_subscriber::registry()
            .with(filter)
            .with(logs(format))
            .init();
        return Telemetry { traces: None };
    };
    // Down to the statements' spans. A filter by target here lost one
    // request span in six (tracing-subscriber's per-layer filters); by
    // level, none is lost, and no dependency of ours makes spans at this
    // level.
    let traces = tracing_opentelemetry::layer()
        .with_tracer(provider.tracer(SERVICE))
        .with_filter(LevelFilter::DEBUG);
    tracing_subscriber::registry()
        .with(logs(format).with_filter(filter))
        .with(traces)
        .init();
    EXPORTING.store(true, Ordering::Relaxed);
    Telemetry {
        traces: Some(provider),
    }
}

/// The log lines, in `format`, for a subscriber `S`.
fn logs<S>(format: LogFormat) -> Box<dyn Layer<S> + Send + Sync>
where
    S: Subscriber + for<'span> LookupSpan<'span>,
{
    match format {
        LogFormat::Pretty => fmt::layer().compact().boxed(),
        LogFormat::Json => fmt::layer()
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .boxed(),
    }
}

/// The exporter the environment asks for, if any.
fn tracer_provider() -> Result<Option<SdkTracerProvider>, String> {
    let configured = [
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    ]
    .iter()
    .any(|name| std::env::var_os(name).is_some_and(|value| !value.is_empty()));
    if !configured {
        return Ok(None);
    }
    let exporter = SpanExporter::builder()
        .with_http()
        .build()
        .map_err(|error| error.to_string())?;
    let mut resource = Resource::builder();
    if std::env::var_os("OTEL_SERVICE_NAME").is_none() {
        resource = resource.with_service_name(SERVICE);
    }
    Ok(Some(
        SdkTracerProvider::builder()
            .with_batch_exporter(exporter)
            .with_resource(resource.build())
            .build(),
    ))
}
