//! Conversions between Terraform values (known, null or unknown) and plain Rust.

use std::collections::BTreeMap;

use tf_provider::value::Value;

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
