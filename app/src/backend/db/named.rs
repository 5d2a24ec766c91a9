//! What a statement is called, in its trace span and its timings: its
//! summary (`select articles`) and the service call it runs for
//! (`articles::get`), after OpenTelemetry's `db.query.summary` and
//! `code.function.name`. Both come from text the code holds, never from
//! what a client sent, so their values are as few as the statements.

use std::fmt;

use prometheus_client::encoding::{EncodeLabelValue, LabelValueEncoder};

/// The service call a statement runs for: the `#[tracing::instrument]`
/// span it runs in. None outside one, or while the log filter leaves the
/// service calls' spans out (`RUST_LOG` below `info`).
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
pub(super) struct Caller {
    module: &'static str,
    function: &'static str,
}

impl Caller {
    pub(super) fn current() -> Option<Self> {
        tracing::Span::current().metadata().map(|caller| Self {
            module: caller.target().trim_start_matches("app::backend::"),
            function: caller.name(),
        })
    }
}

impl fmt::Display for Caller {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}::{}", self.module, self.function)
    }
}

impl EncodeLabelValue for Caller {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> fmt::Result {
        fmt::Write::write_fmt(encoder, format_args!("{self}"))
    }
}

/// A statement's name, taken once for its span and its timings.
#[derive(Debug)]
pub(super) struct Named {
    pub(super) summary: String,
    pub(super) caller: Option<Caller>,
}

impl Named {
    /// The statement `sql`, run in the current span.
    pub(super) fn of(sql: &str) -> Self {
        Self {
            summary: summary(sql),
            caller: Caller::current(),
        }
    }

    /// A transaction's `COMMIT`, where the write's durable cost (the WAL's
    /// flush, a synchronous standby) is paid.
    pub(super) fn commit() -> Self {
        Self {
            summary: "commit".to_owned(),
            caller: Caller::current(),
        }
    }
}

/// A statement's span, with OpenTelemetry's database attributes: named by
/// its summary, with its text (parameters are never in it: every statement
/// binds them) and its caller. At debug level: built only while a trace
/// exporter wants it (`server::telemetry`).
pub(super) fn statement_span(sql: &str, named: &Named) -> tracing::Span {
    let span = tracing::debug_span!(
        "db.query",
        otel.name = named.summary.as_str(),
        otel.kind = "client",
        db.system.name = "postgresql",
        db.query.summary = named.summary.as_str(),
        db.query.text = tracing::field::Empty,
        code.function.name = tracing::field::Empty,
    );
    if !span.is_disabled() {
        span.record("db.query.text", sql.trim());
        if let Some(caller) = named.caller {
            span.record("code.function.name", format_args!("{caller}"));
        }
    }
    span
}

/// What a statement does and to what: its first keyword and the first table
/// named after a `from`, `into` or `update` (`select articles`, `insert
/// follows`); a subquery there is looked into. Only letters, digits, `_`
/// and `.` are kept: a label value is written out unescaped.
pub(super) fn summary(sql: &str) -> String {
    let plain = |word: &str, dot: bool| -> String {
        word.chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_' || (dot && *c == '.'))
            .collect()
    };
    let mut words = sql.split_whitespace();
    let operation = plain(words.next().unwrap_or_default(), false).to_ascii_lowercase();
    let mut previous = operation.as_str();
    for word in words {
        if ["from", "into", "update"]
            .iter()
            .any(|keyword| previous.eq_ignore_ascii_case(keyword))
            && !word.starts_with('(')
        {
            let table = plain(word, true);
            if !table.is_empty() {
                return format!("{operation} {table}");
            }
            break;
        }
        previous = word;
    }
    operation
}

#[cfg(test)]
mod tests {
    use super::summary;

    #[test]
    fn a_statement_is_summed_up_by_its_operation_and_first_table() {
        for (sql, expected) in [
            ("select id from articles where slug = $1", "select articles"),
            (
                "\n  select array(select id from articles\n order by created_at desc)",
                "select articles",
            ),
            (
                "with used as materialized (\n select name from tags_in_use)",
                "with tags_in_use",
            ),
            (
                "insert into follows (follower_id, followed_id) values ($1, $2)",
                "insert follows",
            ),
            ("UPDATE users SET bio = $1", "update users"),
            ("delete from \"comments\" where id = $1", "delete comments"),
            ("select pg_notify($1, $2)", "select"),
            (
                "select (select count(*) from (select 1 from timeline_jobs limit $1) j)",
                "select timeline_jobs",
            ),
            (
                "select n from (\n select id from articles) a",
                "select articles",
            ),
            ("select x from public.\"Users\" u", "select public.Users"),
            ("sel\"ect{} 1", "select"),
            ("", ""),
        ] {
            assert_eq!(summary(sql), expected, "{sql}");
        }
    }
}
