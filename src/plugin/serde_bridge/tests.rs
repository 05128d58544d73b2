//! The bridge against the shapes our resources' typed state has: tri-state
//! fields, optional nested blocks through a `with` module, maps of objects,
//! a decimal type that keeps its digits, renamed fields.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use super::{from_value, to_value};
use crate::plugin::cty::{self, decode_msgpack, encode_msgpack, Number, PathStep, Type};
use crate::plugin::value::{StructEmpty, Value};

/// As the project's `schema::optional_block`: a list of 0/1 blocks as one `Value`.
mod optional_block {
    use serde::de::Error;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use crate::plugin::value::Value;

    pub fn serialize<T: Serialize, S: Serializer>(
        value: &Value<T>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Value::Value(inner) => [inner].serialize(serializer),
            Value::Null => Vec::<T>::new().serialize(serializer),
            Value::Unknown => Value::<Vec<T>>::Unknown.serialize(serializer),
        }
    }

    pub fn deserialize<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Value<T>, D::Error> {
        match Value::<Vec<Value<T>>>::deserialize(deserializer)? {
            Value::Unknown => Ok(Value::Unknown),
            Value::Null => Ok(Value::Null),
            Value::Value(items) => {
                let mut items = items.into_iter();
                match (items.next(), items.next()) {
                    (None, _) => Ok(Value::Null),
                    (Some(first), None) => Ok(first),
                    (Some(_), Some(_)) => Err(D::Error::custom("the block may appear only once")),
                }
            }
        }
    }
}

/// As the project's `values::Decimal`: integers as i64, fractions as text.
#[derive(Clone, Debug, PartialEq)]
struct Decimal(String);

impl Serialize for Decimal {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0.parse::<i64>() {
            Ok(integer) => serializer.serialize_i64(integer),
            Err(_) => serializer.serialize_str(&self.0),
        }
    }
}

impl<'de> Deserialize<'de> for Decimal {
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
                Ok(Decimal(format!("{v}")))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Decimal, E> {
                Ok(Decimal(v.to_string()))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
struct Role {
    #[serde(default)]
    namespaces: Value<Vec<Value<String>>>,
    #[serde(default)]
    arn: Value<String>,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
struct Tooling {
    #[serde(default)]
    instance_type: Value<String>,
    #[serde(default)]
    min_size: Value<i64>,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
struct State {
    #[serde(default)]
    id: Value<String>,
    #[serde(default)]
    subnet_ids: Value<Vec<Value<String>>>,
    #[serde(default)]
    tags: Value<BTreeMap<String, Value<String>>>,
    #[serde(default)]
    execution_roles: Value<BTreeMap<String, Value<Role>>>,
    #[serde(default, with = "optional_block")]
    tooling: Value<Tooling>,
    #[serde(default, rename = "job_profile")]
    job_profiles: Value<BTreeMap<String, Value<StructEmpty>>>,
    #[serde(default)]
    executor_cores: Value<Decimal>,
    #[serde(default)]
    log_retention_days: Value<i64>,
    #[serde(default)]
    enabled: Value<bool>,
}

fn state_type() -> Type {
    let role = Type::object([
        ("namespaces", Type::list(Type::String)),
        ("arn", Type::String),
    ]);
    let tooling = Type::object([("instance_type", Type::String), ("min_size", Type::Number)]);
    Type::object([
        ("id", Type::String),
        ("subnet_ids", Type::set(Type::String)),
        ("tags", Type::map(Type::String)),
        ("execution_roles", Type::map(role)),
        ("tooling", Type::list(tooling)),
        ("job_profile", Type::map(Type::Object(BTreeMap::new()))),
        ("executor_cores", Type::Number),
        ("log_retention_days", Type::Number),
        ("enabled", Type::Bool),
        // An attribute the struct does not have.
        ("legacy", Type::String),
    ])
}

fn strings(items: &[&str]) -> Value<Vec<Value<String>>> {
    Value::Value(items.iter().map(|s| Value::Value(s.to_string())).collect())
}

fn sample() -> State {
    State {
        id: Value::Value("p-1".into()),
        subnet_ids: Value::Value(vec![Value::Value("subnet-a".into()), Value::Unknown]),
        tags: Value::Value(BTreeMap::from([(
            "team".to_string(),
            Value::Value("data".to_string()),
        )])),
        execution_roles: Value::Value(BTreeMap::from([
            (
                "etl".to_string(),
                Value::Value(Role {
                    namespaces: strings(&["etl", "adhoc"]),
                    arn: Value::Unknown,
                }),
            ),
            ("ml".to_string(), Value::Unknown),
        ])),
        tooling: Value::Value(Tooling {
            instance_type: Value::Value("m6i.large".into()),
            min_size: Value::Value(1),
        }),
        job_profiles: Value::Value(BTreeMap::from([(
            "small".to_string(),
            Value::Value(StructEmpty {}),
        )])),
        executor_cores: Value::Value(Decimal("7.7".into())),
        log_retention_days: Value::Value(9_999_999_999_999_999),
        enabled: Value::Unknown,
    }
}

/// Through the wire and back, as a plan would travel.
fn round_trip(state: &State) -> State {
    let ty = state_type();
    let value = to_value(state, &ty).unwrap();
    let bytes = encode_msgpack(&value, &ty).unwrap();
    from_value(&decode_msgpack(&bytes, &ty).unwrap()).unwrap()
}

#[test]
fn typed_state_round_trips_through_msgpack() {
    let state = sample();
    assert_eq!(round_trip(&state), state);

    let mut unknown_block = sample();
    unknown_block.tooling = Value::Unknown;
    unknown_block.execution_roles = Value::Unknown;
    assert_eq!(round_trip(&unknown_block), unknown_block);

    // No block is an empty list on the wire, and reads back as null.
    let mut no_block = sample();
    no_block.tooling = Value::Null;
    let value = to_value(&no_block, &state_type()).unwrap();
    assert_eq!(value.get_attr("tooling"), Some(&cty::Value::List(vec![])));
    assert_eq!(round_trip(&no_block), no_block);
    assert_eq!(round_trip(&State::default()), State::default());
}

#[test]
fn written_values_fit_the_schema() {
    let value = to_value(&sample(), &state_type()).unwrap();
    assert_eq!(value.get_attr("legacy"), Some(&cty::Value::Null));
    assert!(
        matches!(value.get_attr("subnet_ids"), Some(cty::Value::Set(items)) if items.len() == 2)
    );
    assert_eq!(value.get_attr("enabled"), Some(&cty::Value::Unknown));
    // The decimal keeps its digits, and goes out as text (0.7 is no float).
    let cores = value.get_attr("executor_cores").unwrap();
    assert_eq!(cores.as_number().map(Number::as_str), Some("7.7"));
    assert_eq!(
        encode_msgpack(cores, &Type::Number).unwrap(),
        [0xa3, b'7', b'.', b'7']
    );
    let roles = value.get_attr("execution_roles").unwrap();
    assert_eq!(roles.get_key("ml"), Some(&cty::Value::Unknown));
    assert_eq!(
        roles.get_key("etl").and_then(|r| r.get_attr("arn")),
        Some(&cty::Value::Unknown)
    );
}

#[test]
fn decimals_arrive_exactly() {
    #[derive(Deserialize, Debug)]
    struct Cores {
        cores: Value<Decimal>,
        whole: Value<Decimal>,
    }
    let ty = Type::object([("cores", Type::Number), ("whole", Type::Number)]);
    // 7.7 as Terraform sends it: text, since no float64 holds it.
    let bytes = [
        0x82, 0xa5, b'c', b'o', b'r', b'e', b's', 0xa3, b'7', b'.', b'7', 0xa5, b'w', b'h', b'o',
        b'l', b'e', 0x08,
    ];
    let cores: Cores = from_value(&decode_msgpack(&bytes, &ty).unwrap()).unwrap();
    assert_eq!(cores.cores, Value::Value(Decimal("7.7".into())));
    assert_eq!(cores.whole, Value::Value(Decimal("8".into())));
}

#[test]
fn integers_are_checked_with_the_attribute_path() {
    #[derive(Deserialize, Debug)]
    struct Group {
        #[serde(default)]
        min_size: Value<i32>,
    }
    #[derive(Deserialize, Debug)]
    struct Groups {
        groups: BTreeMap<String, Group>,
    }
    let ty = Type::object([(
        "groups",
        Type::map(Type::object([("min_size", Type::Number)])),
    )]);
    let value = |n: &str| {
        cty::decode_json(
            format!(r#"{{"groups":{{"big":{{"min_size":{n}}}}}}}"#).as_bytes(),
            &ty,
        )
        .unwrap()
    };
    let error = from_value::<Groups>(&value("9999999999999999")).unwrap_err();
    assert_eq!(
        error.path,
        vec![
            PathStep::Attribute("groups".into()),
            PathStep::Key("big".into()),
            PathStep::Attribute("min_size".into())
        ]
    );
    assert_eq!(
        error.to_string(),
        r#"at .groups["big"].min_size: 9999999999999999 is out of range for i32"#
    );
    let error = from_value::<Groups>(&value("7.5")).unwrap_err();
    assert_eq!(
        error.to_string(),
        r#"at .groups["big"].min_size: 7.5 is not a whole number"#
    );
    let groups: Groups = from_value(&value("12")).unwrap();
    assert_eq!(groups.groups["big"].min_size, Value::Value(12));
    let error = from_value::<Vec<u8>>(&cty::Value::List(vec![1.into(), (-1).into()])).unwrap_err();
    assert_eq!(error.path, vec![PathStep::Index(1)]);
}

#[test]
fn plain_and_optional_fields_refuse_what_they_cannot_hold() {
    #[derive(Deserialize, Debug, PartialEq)]
    struct Private {
        name: Option<String>,
        ratio: f64,
    }
    let ty = Type::object([
        ("name", Type::String),
        ("ratio", Type::Number),
        ("other", Type::Bool),
    ]);
    let read = |json: &str| from_value::<Private>(&cty::decode_json(json.as_bytes(), &ty).unwrap());
    assert_eq!(
        read(r#"{"ratio":0.5,"other":true}"#).unwrap(),
        Private {
            name: None,
            ratio: 0.5
        }
    );
    assert_eq!(
        read(r#"{"name":"n","ratio":12345678901234567890}"#)
            .unwrap()
            .ratio,
        12345678901234567890.0
    );
    let error = read(r#"{"ratio":-1e400}"#).unwrap_err();
    assert!(
        error.to_string().starts_with("at .ratio: -1000000"),
        "{error}"
    );
    assert!(
        error.to_string().ends_with("is out of range for f64"),
        "{error}"
    );
    let error = read(r#"{"name":"n","ratio":null}"#).unwrap_err();
    assert_eq!(
        error.to_string(),
        "at .ratio: a number is required, but the value is null"
    );

    let unknown = cty::Value::Object(BTreeMap::from([
        ("name".to_string(), cty::Value::Unknown),
        ("ratio".to_string(), 1.into()),
    ]));
    let error = from_value::<Private>(&unknown).unwrap_err();
    assert_eq!(error.path, vec![PathStep::Attribute("name".into())]);
    assert!(error.message.contains("not known yet"), "{error}");
    let unknown_ratio =
        cty::Value::Object(BTreeMap::from([("ratio".to_string(), cty::Value::Unknown)]));
    assert!(from_value::<Private>(&unknown_ratio)
        .unwrap_err()
        .to_string()
        .starts_with("at .ratio: "));
}

#[test]
fn the_optional_block_refuses_two_blocks() {
    let ty = state_type();
    let mut value = to_value(&sample(), &ty).unwrap();
    if let cty::Value::Object(attributes) = &mut value {
        let block = cty::Value::Object(BTreeMap::from([("instance_type".to_string(), "x".into())]));
        attributes.insert(
            "tooling".into(),
            cty::Value::List(vec![block.clone(), block]),
        );
    }
    let error = from_value::<State>(&value).unwrap_err();
    assert_eq!(
        error.to_string(),
        "at .tooling: the block may appear only once"
    );
}

#[test]
fn writing_checks_fields_against_the_type() {
    #[derive(Serialize)]
    struct Extra {
        id: String,
        surprise: bool,
    }
    let ty = Type::object([("id", Type::String)]);
    let error = to_value(
        &Extra {
            id: "a".into(),
            surprise: true,
        },
        &ty,
    )
    .unwrap_err();
    assert_eq!(error.path, vec![PathStep::Attribute("surprise".into())]);

    #[derive(Serialize)]
    struct Nested {
        roles: BTreeMap<String, Vec<bool>>,
    }
    let ty = Type::object([("roles", Type::map(Type::list(Type::Number)))]);
    let nested = Nested {
        roles: BTreeMap::from([("etl".to_string(), vec![true])]),
    };
    let error = to_value(&nested, &ty).unwrap_err();
    assert_eq!(
        error.to_string(),
        r#"at .roles["etl"][0]: a number is required, found a bool"#
    );
    assert!(to_value(&"not a number", &Type::Number).is_err());
    assert!(to_value(&f64::NAN, &Type::Number).is_err());
}

#[test]
fn collections_fill_sets_maps_and_objects() {
    let set = to_value(&vec!["b", "a"], &Type::set(Type::String)).unwrap();
    assert_eq!(set, cty::Value::Set(vec!["b".into(), "a".into()]));
    let hash: HashMap<String, i64> = HashMap::from([("x".to_string(), 1)]);
    let map = to_value(&hash, &Type::map(Type::Number)).unwrap();
    assert_eq!(
        map,
        cty::Value::Map(BTreeMap::from([("x".to_string(), 1.into())]))
    );
    let back: HashMap<String, i64> = from_value(&map).unwrap();
    assert_eq!(back, hash);
    let object = to_value(
        &hash,
        &Type::object([("x", Type::Number), ("y", Type::String)]),
    )
    .unwrap();
    assert_eq!(object.get_attr("y"), Some(&cty::Value::Null));
    let back: BTreeMap<String, Option<i64>> = from_value(&object).unwrap();
    assert_eq!(
        back,
        BTreeMap::from([("x".to_string(), Some(1)), ("y".to_string(), None)])
    );
    let tuple = to_value(&("a", 2), &Type::Tuple(vec![Type::String, Type::Number])).unwrap();
    assert_eq!(tuple, cty::Value::Tuple(vec!["a".into(), 2.into()]));
    let (a, b): (String, u8) = from_value(&tuple).unwrap();
    assert_eq!((a.as_str(), b), ("a", 2));
}

#[test]
fn self_describing_targets_get_exact_numbers() {
    let ty = Type::list(Type::Number);
    let value = cty::decode_json(b"[1, -2, 7.7, 18446744073709551615, 1e30]", &ty).unwrap();
    let json: serde_json::Value = from_value(&value).unwrap();
    assert_eq!(
        json,
        serde_json::json!([
            1,
            -2,
            "7.7",
            18446744073709551615u64,
            "1000000000000000000000000000000"
        ])
    );
}

#[test]
fn dynamic_positions_infer_and_keep_types() {
    let data = serde_json::json!({"name": "a", "sizes": [1, 2.5], "none": null});
    let value = to_value(&data, &Type::Dynamic).unwrap();
    let expected_type = Type::object([
        ("name", Type::String),
        ("none", Type::Dynamic),
        ("sizes", Type::Tuple(vec![Type::Number, Type::Number])),
    ]);
    let cty::Value::Dynamic(ty, _) = &value else {
        panic!("not wrapped: {value:?}");
    };
    assert_eq!(ty, &expected_type);
    let bytes = encode_msgpack(&value, &Type::Dynamic).unwrap();
    let decoded = decode_msgpack(&bytes, &Type::Dynamic).unwrap();
    assert_eq!(decoded, value);
    let back: serde_json::Value = from_value(&decoded).unwrap();
    assert_eq!(
        back,
        serde_json::json!({"name": "a", "sizes": [1, "2.5"], "none": null})
    );
    assert_eq!(
        to_value(&Value::<String>::Unknown, &Type::Dynamic).unwrap(),
        cty::Value::Unknown
    );
    assert_eq!(
        to_value(&Option::<String>::None, &Type::Dynamic).unwrap(),
        cty::Value::Null
    );
}

#[test]
fn empty_structs_enums_and_strings() {
    let ty = Type::Object(BTreeMap::new());
    let value = to_value(&StructEmpty {}, &ty).unwrap();
    assert_eq!(value, cty::Value::Object(BTreeMap::new()));
    let back: Value<StructEmpty> = from_value(&value).unwrap();
    assert_eq!(back, Value::Value(StructEmpty {}));
    let null: Value<StructEmpty> = from_value(&cty::Value::Null).unwrap();
    assert_eq!(null, Value::Null);

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    enum Kind {
        Shared,
        Dedicated,
    }
    let kind = to_value(&Kind::Dedicated, &Type::String).unwrap();
    assert_eq!(kind, cty::Value::String("Dedicated".into()));
    assert_eq!(from_value::<Kind>(&kind).unwrap(), Kind::Dedicated);
    assert!(from_value::<Kind>(&"Other".into()).is_err());
    // Terraform's conversions: numbers and bools read as strings, and back.
    assert_eq!(
        from_value::<String>(&cty::Value::Number(Number::from(3))).unwrap(),
        "3"
    );
    assert_eq!(
        from_value::<i64>(&cty::Value::String("42".into())).unwrap(),
        42
    );
    assert_eq!(
        to_value(&true, &Type::String).unwrap(),
        cty::Value::String("true".into())
    );
}
