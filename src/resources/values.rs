//! Conversions between Terraform values (known, null or unknown) and plain Rust.

use std::collections::BTreeMap;

use crate::plugin::Value;

pub type StringList = Value<Vec<Value<String>>>;
pub type StringMap = Value<BTreeMap<String, Value<String>>>;

/// The known strings of a list (unknown or null elements are skipped).
pub fn strings(list: &StringList) -> Vec<String> {
    list.iter()
        .flatten()
        .filter_map(|v| v.as_ref_option().cloned())
        .collect()
}

/// True when the list, or any element of it, is not known yet.
pub fn list_is_unknown(list: &StringList) -> bool {
    match list {
        Value::Unknown => true,
        Value::Value(items) => items.iter().any(|v| v.is_unknown()),
        Value::Null => false,
    }
}

pub fn map_is_unknown(map: &StringMap) -> bool {
    match map {
        Value::Unknown => true,
        Value::Value(items) => items.values().any(|v| v.is_unknown()),
        Value::Null => false,
    }
}

pub fn string_map(map: &StringMap) -> BTreeMap<String, String> {
    map.iter()
        .flatten()
        .filter_map(|(k, v)| Some((k.clone(), v.as_ref_option()?.clone())))
        .collect()
}

pub fn to_list<I: IntoIterator<Item = String>>(items: I) -> StringList {
    Value::Value(items.into_iter().map(Value::Value).collect())
}

pub fn to_map(map: &BTreeMap<String, String>) -> StringMap {
    Value::Value(
        map.iter()
            .map(|(k, v)| (k.clone(), Value::Value(v.clone())))
            .collect(),
    )
}

pub fn known(value: &Value<String>) -> Option<&str> {
    value.as_ref_option().map(String::as_str)
}

/// A known value, or null when AWS did not report one.
pub fn from_option(value: Option<&str>) -> Value<String> {
    value.map(str::to_string).into()
}

/// Unknown values become null: a state saved after a failed step must be fully known.
pub fn unknown_as_null<T>(value: &mut Value<T>) {
    if value.is_unknown() {
        *value = Value::Null;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skips_unknown_elements() {
        let list: StringList = Value::Value(vec![Value::Value("a".into()), Value::Unknown]);
        assert_eq!(strings(&list), vec!["a".to_string()]);
        assert!(list_is_unknown(&list));
        assert!(!list_is_unknown(&Value::Null));
    }

    #[test]
    fn maps_round_trip() {
        let plain = BTreeMap::from([("k".to_string(), "v".to_string())]);
        assert_eq!(string_map(&to_map(&plain)), plain);
    }
}

/// A Terraform number that may have a fraction (e.g. 7.7 cores). Terraform
/// sends a number that float64 cannot hold exactly as a decimal string, and
/// compares what comes back digit for digit; keeping the decimal text and
/// sending it back as a string round-trips it exactly.
#[derive(Clone, Debug, PartialEq)]
pub struct Decimal(pub String);

impl Decimal {
    pub fn to_f64(&self) -> Option<f64> {
        self.0.parse().ok()
    }

    pub fn from_f64(value: f64) -> Self {
        Decimal(format!("{value}"))
    }
}

impl serde::Serialize for Decimal {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0.parse::<i64>() {
            Ok(integer) => serializer.serialize_i64(integer),
            Err(_) => serializer.serialize_str(&self.0),
        }
    }
}

impl<'de> serde::Deserialize<'de> for Decimal {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Decimal;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a number")
            }
            fn visit_i64<E>(self, v: i64) -> Result<Decimal, E> {
                Ok(Decimal(v.to_string()))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Decimal, E> {
                Ok(Decimal(v.to_string()))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Decimal, E> {
                Ok(Decimal::from_f64(v))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Decimal, E> {
                v.parse::<f64>()
                    .map(|_| Decimal(v.to_string()))
                    .map_err(|_| E::custom(format!("\"{v}\" is not a number")))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

#[cfg(test)]
mod decimal_tests {
    use super::*;

    #[test]
    fn keeps_the_decimal_text() {
        let sent = rmp_serde::to_vec(&"7.7").unwrap();
        let decimal: Decimal = rmp_serde::from_slice(&sent).unwrap();
        assert_eq!(decimal, Decimal("7.7".into()));
        assert_eq!(rmp_serde::to_vec(&decimal).unwrap(), sent);
        let integer: Decimal = rmp_serde::from_slice(&rmp_serde::to_vec(&8).unwrap()).unwrap();
        assert_eq!(integer.to_f64(), Some(8.0));
    }
}
