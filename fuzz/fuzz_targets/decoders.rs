//! Fuzz target: every decoder of the plugin protocol's value layer on
//! arbitrary bytes, against fixed schema types and against a type the input
//! itself names. Decoding must never panic, and whatever decodes must encode
//! again and decode to the same value; a decoded state must also survive
//! the serde bridge into a typed struct and back.

#![no_main]

use std::collections::BTreeMap;

use libfuzzer_sys::fuzz_target;
use serde::{Deserialize, Serialize};

// The provider is a binary crate, so the value layer is compiled in here
// from its sources, at the same module paths as in the provider.
#[path = "../../src/plugin/cty/mod.rs"]
mod cty;
#[path = "../../src/plugin/serde_bridge/mod.rs"]
mod serde_bridge;
#[path = "../../src/plugin/value.rs"]
mod value;
mod plugin {
    pub(crate) use super::{cty, value};
}

use cty::{
    decode_json, decode_json_ignoring_undefined, decode_msgpack, encode_json, encode_msgpack, Type,
};
use value::Value;

#[derive(Serialize, Deserialize, Debug, Default, PartialEq)]
struct Role {
    #[serde(default)]
    namespaces: Value<Vec<Value<String>>>,
    #[serde(default)]
    max_executors: Value<i64>,
}

#[derive(Serialize, Deserialize, Debug, Default, PartialEq)]
struct State {
    #[serde(default)]
    id: Value<String>,
    #[serde(default)]
    enabled: Value<bool>,
    #[serde(default)]
    cores: Value<f64>,
    #[serde(default)]
    tags: Value<BTreeMap<String, Value<String>>>,
    #[serde(default)]
    roles: Value<BTreeMap<String, Value<Role>>>,
    #[serde(default)]
    subnets: Value<Vec<Value<String>>>,
    #[serde(default)]
    size: Option<u32>,
}

fn state_type() -> Type {
    let role = Type::object([
        ("namespaces", Type::list(Type::String)),
        ("max_executors", Type::Number),
    ]);
    Type::object([
        ("id", Type::String),
        ("enabled", Type::Bool),
        ("cores", Type::Number),
        ("tags", Type::map(Type::String)),
        ("roles", Type::map(role)),
        ("subnets", Type::set(Type::String)),
        ("size", Type::Number),
        ("extra", Type::Dynamic),
        ("pair", Type::Tuple(vec![Type::String, Type::Number])),
    ])
}

/// Decodes `bytes` as `ty` in both encodings, checking that what decodes
/// round-trips.
fn check(bytes: &[u8], ty: &Type) {
    if let Ok(value) = decode_msgpack(bytes, ty) {
        let again = encode_msgpack(&value, ty).expect("a decoded value encodes");
        assert_eq!(decode_msgpack(&again, ty).expect("re-decodes"), value);
    }
    if let Ok(value) = decode_json(bytes, ty) {
        let again = encode_json(&value, ty).expect("a decoded value encodes");
        assert_eq!(decode_json(&again, ty).expect("re-decodes"), value);
    }
    let _ = decode_json_ignoring_undefined(bytes, ty);
}

fuzz_target!(|data: &[u8]| {
    let state = state_type();
    for ty in [
        Type::String,
        Type::Number,
        Type::Dynamic,
        Type::list(Type::Dynamic),
        state.clone(),
    ] {
        check(data, &ty);
    }
    if let Ok(ty) = Type::from_json(data) {
        assert_eq!(
            Type::from_json(&ty.to_json()).expect("type JSON re-reads"),
            ty
        );
    }
    // "TYPE-JSON \0 PAYLOAD": a type of the input's choosing.
    if let Some(split) = data.iter().position(|&b| b == 0) {
        if let Ok(ty) = Type::from_json(&data[..split]) {
            check(&data[split + 1..], &ty);
        }
    }
    // Through the serde bridge as a resource would read and write it.
    if let Ok(value) = decode_msgpack(data, &state) {
        if let Ok(typed) = serde_bridge::from_value::<State>(&value) {
            let written = serde_bridge::to_value(&typed, &state).expect("typed state writes back");
            let _ = encode_msgpack(&written, &state).expect("and encodes");
        }
    }
});
