//! The `timeouts` block every long-running resource accepts, with Go-style
//! duration strings ("30s", "40m", "1h30m") as in other Terraform providers.

use std::time::Duration;

use crate::plugin::schema::NestedBlock;
use crate::plugin::Value;
use crate::plugin::{AttributePath, Diagnostics};
use serde::{Deserialize, Serialize};

use crate::plugin::schema::{block, optional, string};

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
pub struct Timeouts {
    #[serde(default)]
    pub create: Value<String>,
    #[serde(default)]
    pub update: Value<String>,
    #[serde(default)]
    pub delete: Value<String>,
}

pub fn schema(create: &str, update: &str, delete: &str) -> NestedBlock {
    NestedBlock::Optional(block(
        "How long each operation may take before the provider gives up waiting.",
        [
            (
                "create",
                optional(string(), &format!("Create timeout (default `{create}`).")),
            ),
            (
                "update",
                optional(string(), &format!("Update timeout (default `{update}`).")),
            ),
            (
                "delete",
                optional(string(), &format!("Delete timeout (default `{delete}`).")),
            ),
        ],
        [],
    ))
}

/// Which operation a timeout is for.
#[derive(Clone, Copy)]
pub enum Operation {
    Create,
    Update,
    Delete,
}

impl Timeouts {
    pub fn get(&self, operation: Operation, default: Duration) -> Duration {
        let value = match operation {
            Operation::Create => &self.create,
            Operation::Update => &self.update,
            Operation::Delete => &self.delete,
        };
        value
            .as_ref_option()
            .and_then(|text| parse_duration(text).ok())
            .unwrap_or(default)
    }

    pub fn validate(&self, diags: &mut Diagnostics) {
        for (name, value) in [
            ("create", &self.create),
            ("update", &self.update),
            ("delete", &self.delete),
        ] {
            if let Value::Value(text) = value {
                if let Err(why) = parse_duration(text) {
                    diags.error(
                        "Invalid timeout",
                        format!("{why}. Use a duration such as \"30m\" or \"1h30m\"."),
                        AttributePath::new("timeouts").index(0).attribute(name),
                    );
                }
            }
        }
    }
}

/// How long each operation may take: the configuration's, else the
/// resource's own defaults.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Durations {
    pub create: Duration,
    pub update: Duration,
    pub delete: Duration,
}

impl Durations {
    /// The `timeouts` block (when set) over `defaults`.
    pub fn of(block: &Value<Timeouts>, defaults: Durations) -> Durations {
        let timeouts = block.as_ref_option().cloned().unwrap_or_default();
        Durations {
            create: timeouts.get(Operation::Create, defaults.create),
            update: timeouts.get(Operation::Update, defaults.update),
            delete: timeouts.get(Operation::Delete, defaults.delete),
        }
    }
}

/// Parses Go duration strings: a sequence of `<number><unit>` with units h, m, s, ms.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("the duration is empty".into());
    }
    let mut total = 0f64;
    let mut rest = text;
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(|| format!("\"{text}\" has a number without a unit"))?;
        let number: f64 = rest[..number_len]
            .parse()
            .map_err(|_| format!("\"{text}\" is not a duration"))?;
        rest = &rest[number_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let seconds_per_unit = match &rest[..unit_len] {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 0.001,
            unit => return Err(format!("\"{text}\" has an unknown unit \"{unit}\"")),
        };
        total += number * seconds_per_unit;
        rest = &rest[unit_len..];
    }
    // A float sum never overflows, but the Duration made of it can.
    Duration::try_from_secs_f64(total)
        .ok()
        .filter(|duration| *duration <= MAX_TIMEOUT)
        .ok_or_else(|| format!("\"{text}\" is longer than the longest timeout taken, 1000h"))
}

/// The longest timeout taken: far beyond any AWS wait, and small enough
/// that deadlines computed from it never overflow a clock.
const MAX_TIMEOUT: Duration = Duration::from_secs(1000 * 3600);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_go_durations() {
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("1.5m"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert!(parse_duration("10").is_err());
        assert!(parse_duration("10d").is_err());
        assert!(parse_duration("").is_err());
    }

    #[test]
    fn overflowing_durations_are_refused_not_panicked_on() {
        for text in [
            "9999999999999999h",
            "1001h",
            "99999999999999999999999999999s",
        ] {
            let why = parse_duration(text).unwrap_err();
            assert!(why.contains("longest timeout"), "{text}: {why}");
        }
        assert_eq!(parse_duration("1000h"), Ok(Duration::from_secs(3_600_000)));
    }

    #[test]
    fn an_overflowing_timeout_is_a_diagnostic_on_its_attribute() {
        let timeouts = Timeouts {
            delete: Value::Value("9999999999999999h".into()),
            ..Default::default()
        };
        let mut diags = Diagnostics::default();
        timeouts.validate(&mut diags);
        let found = format!("{diags:?}");
        assert!(found.contains("delete"), "{found}");
        assert!(found.contains("longest timeout"), "{found}");
    }

    #[test]
    fn falls_back_to_default() {
        let timeouts = Timeouts {
            create: Value::Value("5m".into()),
            ..Default::default()
        };
        let default = Duration::from_secs(1);
        assert_eq!(
            timeouts.get(Operation::Create, default),
            Duration::from_secs(300)
        );
        assert_eq!(timeouts.get(Operation::Delete, default), default);
    }
}
