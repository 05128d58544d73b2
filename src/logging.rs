//! Provider logs in the hclog JSON line format on stderr, which Terraform's
//! plugin host parses and files under the provider's log level
//! (`TF_LOG_PROVIDER`, falling back to `TF_LOG`).

use std::fmt;

use tracing::{Event, Level, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

/// Maps Terraform's log level names to a tracing level; `None` means off.
pub fn level_from_tf_log(value: &str) -> Option<Level> {
    match value.trim().to_ascii_uppercase().as_str() {
        "TRACE" | "JSON" => Some(Level::TRACE),
        "DEBUG" => Some(Level::DEBUG),
        "INFO" => Some(Level::INFO),
        "WARN" => Some(Level::WARN),
        "ERROR" => Some(Level::ERROR),
        "" | "OFF" => None,
        // Terraform treats any other non-empty value as TRACE.
        _ => Some(Level::TRACE),
    }
}

pub fn init() {
    let configured = std::env::var("TF_LOG_PROVIDER")
        .ok()
        .filter(|v| !v.is_empty())
        .or_else(|| std::env::var("TF_LOG").ok());
    let Some(level) = configured.as_deref().and_then(level_from_tf_log) else {
        return;
    };
    let filter = tracing_subscriber::filter::Targets::new()
        .with_target("terraform_provider_emreks", level)
        .with_default(Level::WARN.min(level));
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let _ = tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .event_format(HclogJson),
        )
        .with(filter)
        .try_init();
}

/// One JSON object per line with hclog's keys (`@level`, `@message`, `@module`).
struct HclogJson;

impl<S, N> FormatEvent<S, N> for HclogJson
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        _ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let mut visitor = JsonFields::default();
        event.record(&mut visitor);
        let mut object = visitor.fields;
        object.insert(
            "@level".into(),
            event
                .metadata()
                .level()
                .as_str()
                .to_ascii_lowercase()
                .into(),
        );
        object.insert("@message".into(), visitor.message.into());
        object.insert("@module".into(), "provider.emreks".into());
        object.insert(
            "@timestamp".into(),
            timestamp(std::time::SystemTime::now()).into(),
        );
        object.insert("target".into(), event.metadata().target().into());
        writeln!(writer, "{}", serde_json::Value::Object(object))
    }
}

/// hclog's timestamp, RFC 3339 in UTC with microseconds.
fn timestamp(now: std::time::SystemTime) -> String {
    let since_epoch = now
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let seconds = since_epoch.as_secs();
    let (days, of_day) = (seconds / 86_400, seconds % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:06}Z",
        of_day / 3600,
        of_day % 3600 / 60,
        of_day % 60,
        since_epoch.subsec_micros()
    )
}

#[derive(Default)]
struct JsonFields {
    message: String,
    fields: serde_json::Map<String, serde_json::Value>,
}

impl tracing::field::Visit for JsonFields {
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        if field.name() == "message" {
            self.message = value.to_string();
        } else {
            self.fields.insert(field.name().into(), value.into());
        }
    }
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn fmt::Debug) {
        let text = format!("{value:?}");
        if field.name() == "message" {
            self.message = text;
        } else {
            self.fields.insert(field.name().into(), text.into());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_rfc3339_utc() {
        let at = std::time::UNIX_EPOCH + std::time::Duration::from_micros(1_764_604_800_123_456);
        assert_eq!(timestamp(at), "2025-12-01T16:00:00.123456Z");
        assert_eq!(
            timestamp(std::time::UNIX_EPOCH),
            "1970-01-01T00:00:00.000000Z"
        );
    }

    #[test]
    fn tf_log_levels() {
        assert_eq!(level_from_tf_log("debug"), Some(Level::DEBUG));
        assert_eq!(level_from_tf_log("JSON"), Some(Level::TRACE));
        assert_eq!(level_from_tf_log("off"), None);
        assert_eq!(level_from_tf_log(""), None);
        assert_eq!(level_from_tf_log("yes"), Some(Level::TRACE));
    }
}
