//! Property tests: arbitrary types and values conforming to them round-trip
//! through both encodings, type JSON round-trips, and no input of any shape
//! makes a decoder panic.

use std::collections::BTreeMap;

use proptest::collection::{btree_map, vec};
use proptest::prelude::*;

use super::*;

fn attribute_name() -> impl Strategy<Value = String> {
    prop_oneof![4 => "[a-z_]{1,8}", 1 => any::<String>()]
}

/// Any type, nested a few levels.
pub(crate) fn arb_type() -> impl Strategy<Value = Type> {
    let leaf = prop_oneof![
        Just(Type::Bool),
        Just(Type::Number),
        Just(Type::String),
        Just(Type::Dynamic)
    ];
    leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            inner.clone().prop_map(Type::list),
            inner.clone().prop_map(Type::set),
            inner.clone().prop_map(Type::map),
            btree_map(attribute_name(), inner.clone(), 0..4).prop_map(Type::Object),
            vec(inner, 0..4).prop_map(Type::Tuple),
        ]
    })
}

fn arb_number() -> impl Strategy<Value = Number> {
    prop_oneof![
        any::<i64>().prop_map(Number::from),
        any::<u64>().prop_map(Number::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| Number::from_f64(f).unwrap()),
        "-?[0-9]{1,40}(\\.[0-9]{1,40})?(e-?[0-9]{1,2})?".prop_map(|s| Number::parse(&s).unwrap()),
    ]
}

/// A value of type `ty`, with nulls and (when `unknowns`) unknowns anywhere.
pub(crate) fn arb_value(ty: &Type, unknowns: bool) -> BoxedStrategy<Value> {
    let known = arb_known(ty, unknowns);
    if unknowns {
        prop_oneof![1 => Just(Value::Null), 1 => Just(Value::Unknown), 6 => known].boxed()
    } else {
        prop_oneof![1 => Just(Value::Null), 6 => known].boxed()
    }
}

fn arb_known(ty: &Type, unknowns: bool) -> BoxedStrategy<Value> {
    match ty {
        Type::Bool => any::<bool>().prop_map(Value::Bool).boxed(),
        Type::Number => arb_number().prop_map(Value::Number).boxed(),
        Type::String => any::<String>().prop_map(Value::String).boxed(),
        Type::Dynamic => {
            // The concrete type is itself arbitrary (and may contain
            // `dynamic` again), but shallower so generation terminates.
            let leaf = prop_oneof![
                Just(Type::Bool),
                Just(Type::Number),
                Just(Type::String),
                Just(Type::Dynamic)
            ];
            let concrete = leaf.prop_recursive(2, 8, 3, |inner| {
                prop_oneof![
                    inner.clone().prop_map(Type::list),
                    inner.clone().prop_map(Type::map),
                    btree_map("[a-z]{1,4}", inner.clone(), 0..3).prop_map(Type::Object),
                    vec(inner, 0..3).prop_map(Type::Tuple),
                ]
            });
            concrete
                .prop_flat_map(move |concrete| {
                    let inner = match concrete {
                        // A dynamic value holding a `dynamic` type: only a null or unknown.
                        Type::Dynamic if unknowns => {
                            prop_oneof![Just(Value::Null), Just(Value::Unknown)].boxed()
                        }
                        Type::Dynamic => Just(Value::Null).boxed(),
                        _ => arb_value(&concrete, unknowns),
                    };
                    inner.prop_map(move |value| Value::Dynamic(concrete.clone(), Box::new(value)))
                })
                .boxed()
        }
        Type::List(element) => vec(arb_value(element, unknowns), 0..4)
            .prop_map(Value::List)
            .boxed(),
        Type::Set(element) => vec(arb_value(element, unknowns), 0..4)
            .prop_map(Value::Set)
            .boxed(),
        Type::Map(element) => btree_map(attribute_name(), arb_value(element, unknowns), 0..4)
            .prop_map(Value::Map)
            .boxed(),
        Type::Object(attributes) => {
            let parts: Vec<_> = attributes
                .iter()
                .map(|(name, ty)| {
                    let name = name.clone();
                    arb_value(ty, unknowns).prop_map(move |value| (name.clone(), value))
                })
                .collect();
            parts
                .prop_map(|entries| Value::Object(entries.into_iter().collect::<BTreeMap<_, _>>()))
                .boxed()
        }
        Type::Tuple(elements) => {
            let parts: Vec<_> = elements.iter().map(|ty| arb_value(ty, unknowns)).collect();
            parts.prop_map(Value::Tuple).boxed()
        }
    }
}

fn typed_value(unknowns: bool) -> impl Strategy<Value = (Type, Value)> {
    arb_type().prop_flat_map(move |ty| {
        let value = arb_value(&ty, unknowns);
        (Just(ty), value)
    })
}

/// Types the byte-level tests decode against: shapes Terraform sends.
fn decoder_types() -> Vec<Type> {
    let block = Type::object([
        ("id", Type::String),
        ("count", Type::Number),
        ("enabled", Type::Bool),
        ("tags", Type::map(Type::String)),
        (
            "rules",
            Type::list(Type::object([
                ("cidr", Type::String),
                ("ports", Type::set(Type::Number)),
            ])),
        ),
        ("extra", Type::Dynamic),
        ("pair", Type::Tuple(vec![Type::String, Type::Number])),
    ]);
    vec![
        Type::String,
        Type::Number,
        Type::Dynamic,
        Type::list(Type::Dynamic),
        Type::map(Type::list(Type::String)),
        block,
    ]
}

fn decode_everything(bytes: &[u8]) {
    for ty in decoder_types() {
        let _ = decode_msgpack(bytes, &ty);
        let _ = decode_json(bytes, &ty);
        let _ = decode_json_ignoring_undefined(bytes, &ty);
    }
    let _ = Type::from_json(bytes);
}

/// 512 cases unless PROPTEST_CASES asks for another number (longer runs).
fn config() -> ProptestConfig {
    let mut config = ProptestConfig::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = 512;
    }
    config
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn msgpack_round_trips((ty, value) in typed_value(true)) {
        let bytes = encode_msgpack(&value, &ty).unwrap();
        prop_assert_eq!(decode_msgpack(&bytes, &ty).unwrap(), value);
    }

    #[test]
    fn json_round_trips_known_values((ty, value) in typed_value(false)) {
        prop_assert!(value.is_wholly_known());
        let bytes = encode_json(&value, &ty).unwrap();
        prop_assert_eq!(decode_json(&bytes, &ty).unwrap(), value);
    }

    #[test]
    fn type_json_round_trips(ty in arb_type()) {
        prop_assert_eq!(Type::from_json(&ty.to_json()).unwrap(), ty);
    }

    #[test]
    fn numbers_round_trip_through_their_text(number in arb_number()) {
        prop_assert_eq!(Number::parse(number.as_str()).unwrap(), number.clone());
        if let Some(float) = number.exact_fraction_f64() {
            prop_assert_eq!(Number::from_f64(float).unwrap(), number);
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in vec(any::<u8>(), 0..512)) {
        decode_everything(&bytes);
    }

    #[test]
    fn mutated_encodings_never_panic(
        (ty, value) in typed_value(true),
        edits in vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..6),
    ) {
        let mut bytes = encode_msgpack(&value, &ty).unwrap();
        let mut json = if value.is_wholly_known() { encode_json(&value, &ty).unwrap() } else { ty.to_json() };
        for buffer in [&mut bytes, &mut json] {
            for (at, byte, action) in &edits {
                if buffer.is_empty() {
                    buffer.push(*byte);
                    continue;
                }
                let i = at.index(buffer.len());
                match action {
                    0 => buffer[i] = *byte,
                    1 => buffer.insert(i, *byte),
                    _ => buffer.truncate(i),
                }
            }
            let _ = decode_msgpack(buffer, &ty);
            let _ = decode_json(buffer, &ty);
            let _ = Type::from_json(buffer);
            decode_everything(buffer);
        }
    }
}
