//! `tracing` bridged to Python's `logging`.
//!
//! A small subscriber layer turns tracing events and span lifetimes into
//! `log` records with targets under `daft`, and `pyo3-log` hands those to
//! the Python logger of the same name. Python's levels decide what is
//! recorded, so `logging.getLogger("daft").setLevel(logging.DEBUG)` (or
//! `DAFT_LOG=debug`, which the Python package applies) turns spans on.

use std::time::Instant;

use pyo3::prelude::*;
use tracing::span::{Attributes, Id};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

static RESET: std::sync::OnceLock<pyo3_log::ResetHandle> = std::sync::OnceLock::new();

/// Installs the `log` → Python bridge and the tracing → `log` layer.
pub fn install(py: Python<'_>) -> PyResult<()> {
    let handle = pyo3_log::Logger::new(py, pyo3_log::Caching::LoggersAndLevels)?
        .install()
        .map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(e.to_string()))?;
    let _ = RESET.set(handle);
    let subscriber = tracing_subscriber::registry().with(LogBridge);
    // Another library may have set a global subscriber first; ours then
    // stays off and that one receives the events instead.
    let _ = tracing::subscriber::set_global_default(subscriber);
    Ok(())
}

/// Forgets cached Python logger levels; call after changing them.
#[pyfunction]
pub fn refresh_logger_levels() {
    if let Some(h) = RESET.get() {
        h.reset();
    }
}

fn to_log_level(level: &Level) -> log::Level {
    match *level {
        Level::ERROR => log::Level::Error,
        Level::WARN => log::Level::Warn,
        Level::INFO => log::Level::Info,
        Level::DEBUG => log::Level::Debug,
        Level::TRACE => log::Level::Trace,
    }
}

fn python_target(target: &str) -> String {
    if target.starts_with("daft") {
        target.replace('_', "::")
    } else {
        format!("daft::{target}")
    }
}

struct LogBridge;

/// A span's start time and fields, kept until it closes.
struct SpanInfo {
    start: Instant,
    fields: String,
}

#[derive(Default)]
struct Fields(String);

impl tracing::field::Visit for Fields {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        if !self.0.is_empty() {
            self.0.push(' ');
        }
        if field.name() == "message" {
            self.0.push_str(&format!("{value:?}"));
        } else {
            self.0.push_str(&format!("{}={value:?}", field.name()));
        }
    }
}

fn emit(level: log::Level, target: &str, message: std::fmt::Arguments<'_>) {
    // A query's tasks can outlive the interpreter (one partition failed, the
    // script exited while another still ran); `pyo3-log` would then panic
    // on that thread instead of dropping the record.
    // SAFETY: `Py_IsInitialized` only reads the runtime's state flag and
    // may be called without the GIL, before, during and after finalization.
    if unsafe { pyo3::ffi::Py_IsInitialized() } == 0 {
        return;
    }
    let target = python_target(target);
    let meta = log::Metadata::builder()
        .level(level)
        .target(&target)
        .build();
    if log::logger().enabled(&meta) {
        log::logger().log(&log::Record::builder().metadata(meta).args(message).build());
    }
}

impl<S> Layer<S> for LogBridge
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut fields = Fields::default();
        attrs.record(&mut fields);
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(SpanInfo {
                start: Instant::now(),
                fields: fields.0,
            });
        }
    }

    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let meta = event.metadata();
        let mut fields = Fields::default();
        event.record(&mut fields);
        emit(
            to_log_level(meta.level()),
            meta.target(),
            format_args!("{}", fields.0),
        );
    }

    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(&id) {
            let meta = span.metadata();
            if let Some(info) = span.extensions().get::<SpanInfo>() {
                emit(
                    to_log_level(meta.level()),
                    meta.target(),
                    format_args!(
                        "span {} {} took {:.3} ms",
                        meta.name(),
                        info.fields,
                        info.start.elapsed().as_secs_f64() * 1e3
                    ),
                );
            }
        }
    }
}
