//! Unit tests of the wire rules, with payloads written out byte by byte as
//! go-cty produces them.

use std::collections::BTreeMap;

use super::*;

fn num(text: &str) -> Value {
    Value::Number(Number::parse(text).unwrap())
}

fn obj(entries: &[(&str, Value)]) -> Value {
    Value::Object(
        entries
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
    )
}

fn map(entries: &[(&str, Value)]) -> Value {
    Value::Map(
        entries
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
    )
}

fn ty(json: &str) -> Type {
    Type::from_json(json.as_bytes()).unwrap()
}

/// A msgpack extension value with a payload, as go-cty's encoder writes it.
fn ext(code: i8, payload: &[u8]) -> Vec<u8> {
    let mut out = rmp::encode::ByteBuf::new();
    rmp::encode::write_ext_meta(&mut out, payload.len() as u32, code).unwrap();
    let mut bytes = out.into_vec();
    bytes.extend_from_slice(payload);
    bytes
}

#[test]
fn null_and_unknown_in_every_type() {
    for t in [
        "\"bool\"",
        "\"number\"",
        "\"string\"",
        "\"dynamic\"",
        "[\"list\",\"string\"]",
        "[\"object\",{\"a\":\"bool\"}]",
        "[\"tuple\",[\"bool\"]]",
    ] {
        let t = ty(t);
        assert_eq!(decode_msgpack(&[0xc0], &t).unwrap(), Value::Null);
        assert_eq!(decode_msgpack(&[0xd4, 0, 0], &t).unwrap(), Value::Unknown);
        assert_eq!(encode_msgpack(&Value::Null, &t).unwrap(), vec![0xc0]);
        assert_eq!(
            encode_msgpack(&Value::Unknown, &t).unwrap(),
            vec![0xd4, 0, 0]
        );
        assert_eq!(decode_json(b"null", &t).unwrap(), Value::Null);
        assert!(encode_json(&Value::Unknown, &t).is_err());
    }
}

#[test]
fn refined_unknowns_decode_as_unknown() {
    // {1: false (not null), 2: "ami-"} for a string.
    let refined = ext(12, &[0x82, 0x01, 0xc2, 0x02, 0xa4, b'a', b'm', b'i', b'-']);
    assert_eq!(
        decode_msgpack(&refined, &Type::String).unwrap(),
        Value::Unknown
    );
    // {3: [1, true], 4: ["1e400", false]} bounds for a number.
    let mut bounds = vec![0x82, 0x03, 0x92, 0x01, 0xc3, 0x04, 0x92, 0xa5];
    bounds.extend_from_slice(b"1e400");
    bounds.push(0xc2);
    assert_eq!(
        decode_msgpack(&ext(12, &bounds), &Type::Number).unwrap(),
        Value::Unknown
    );
    // {5: 1, 6: 3} collection length, inside a list attribute of an object.
    let mut object = vec![0x81, 0xa1, b'l'];
    object.extend(ext(12, &[0x82, 0x05, 0x01, 0x06, 0x03]));
    assert_eq!(
        decode_msgpack(&object, &ty(r#"["object",{"l":["list","string"]}]"#)).unwrap(),
        obj(&[("l", Value::Unknown)])
    );
    // Refinements that make no sense for the type, a garbage payload and
    // another extension type: still just unknown.
    assert_eq!(
        decode_msgpack(&ext(12, &[0x81, 0x02, 0xa1, b'x']), &Type::Number).unwrap(),
        Value::Unknown
    );
    assert_eq!(
        decode_msgpack(&ext(12, &[0xc1, 0xff, 0x00]), &Type::Bool).unwrap(),
        Value::Unknown
    );
    assert_eq!(
        decode_msgpack(&ext(5, &[1, 2, 3, 4, 5]), &Type::Dynamic).unwrap(),
        Value::Unknown
    );
    // A payload longer than the input is an error, not a panic.
    assert!(decode_msgpack(&[0xc7, 0xff, 12, 0x81], &Type::String).is_err());
}

#[test]
fn numbers_in_every_msgpack_form() {
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (vec![0x2a], "42"),
        (vec![0xff], "-1"),
        (vec![0xcc, 0xff], "255"),
        (vec![0xcd, 0x01, 0x00], "256"),
        (vec![0xce, 0, 1, 0, 0], "65536"),
        (
            vec![0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
            "18446744073709551615",
        ),
        (vec![0xd0, 0x80], "-128"),
        (vec![0xd1, 0x80, 0x00], "-32768"),
        (vec![0xd2, 0x80, 0, 0, 0], "-2147483648"),
        (
            vec![0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0],
            "-9223372036854775808",
        ),
        (vec![0xca, 0x3f, 0xc0, 0, 0], "1.5"),
        (vec![0xcb, 0x3f, 0xd0, 0, 0, 0, 0, 0, 0], "0.25"),
        (vec![0xa4, b'1', b'e', b'2', b'0'], "100000000000000000000"),
    ];
    for (bytes, text) in cases {
        assert_eq!(
            decode_msgpack(&bytes, &Type::Number).unwrap(),
            num(text),
            "{text}"
        );
    }
    assert!(decode_msgpack(&[0xa3, b'a', b'b', b'c'], &Type::Number).is_err());
    assert!(decode_msgpack(&[0xc3], &Type::Number).is_err());
    // NaN and infinity have no place in a Number.
    assert!(decode_msgpack(&[0xcb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0], &Type::Number).is_err());
}

#[test]
fn numbers_are_written_as_go_cty_writes_them() {
    let encode = |text: &str| encode_msgpack(&num(text), &Type::Number).unwrap();
    assert_eq!(encode("42"), vec![0x2a]);
    assert_eq!(encode("-33"), vec![0xd0, 0xdf]);
    assert_eq!(encode("0.25"), vec![0xcb, 0x3f, 0xd0, 0, 0, 0, 0, 0, 0]);
    // 0.1 is no float64: its exact digits go as text.
    assert_eq!(encode("0.1"), vec![0xa3, b'0', b'.', b'1']);
    // Integral beyond i64, as go-cty: text.
    assert_eq!(
        encode("1180591620717411303424"),
        [&[0xb6][..], b"1180591620717411303424"].concat()
    );
}

#[test]
fn a_decimal_f64_cannot_hold_round_trips_exactly() {
    let text = "12345678901234567890.123456789012345678901";
    let value = num(text);
    let bytes = encode_msgpack(&value, &Type::Number).unwrap();
    assert_eq!(bytes[0], 0xd9, "sent as a string");
    assert_eq!(decode_msgpack(&bytes, &Type::Number).unwrap(), value);
    assert_eq!(value.as_number().unwrap().as_str(), text);
    let json = encode_json(&value, &Type::Number).unwrap();
    assert_eq!(json, text.as_bytes());
    assert_eq!(decode_json(&json, &Type::Number).unwrap(), value);
    assert_eq!(
        decode_json(format!("\"{text}\"").as_bytes(), &Type::Number).unwrap(),
        value
    );
}

#[test]
fn objects_are_maps_written_in_name_order() {
    let t = ty(r#"["object",{"b":"number","a":"string","c":["set","bool"]}]"#);
    let value = obj(&[
        ("a", "x".into()),
        ("b", num("1")),
        ("c", Value::Set(vec![true.into()])),
    ]);
    let bytes = encode_msgpack(&value, &t).unwrap();
    let expected = [
        0x83, 0xa1, b'a', 0xa1, b'x', 0xa1, b'b', 0x01, 0xa1, b'c', 0x91, 0xc3,
    ];
    assert_eq!(bytes, expected);
    assert_eq!(decode_msgpack(&bytes, &t).unwrap(), value);
    assert_eq!(
        encode_json(&value, &t).unwrap(),
        br#"{"a":"x","b":1,"c":[true]}"#
    );
}

#[test]
fn an_object_missing_an_attribute_reads_it_as_null() {
    let t = ty(r#"["object",{"a":"string","b":"number"}]"#);
    let only_a = [0x81, 0xa1, b'a', 0xa1, b'x'];
    assert_eq!(
        decode_msgpack(&only_a, &t).unwrap(),
        obj(&[("a", "x".into()), ("b", Value::Null)])
    );
    assert_eq!(
        decode_json(br#"{"a":"x"}"#, &t).unwrap(),
        obj(&[("a", "x".into()), ("b", Value::Null)])
    );
    // Writing, an attribute the value lacks goes out as null.
    let written = encode_msgpack(&obj(&[("a", "x".into())]), &t).unwrap();
    assert_eq!(written, [0x82, 0xa1, b'a', 0xa1, b'x', 0xa1, b'b', 0xc0]);
}

#[test]
fn an_attribute_not_in_the_type_is_an_error_with_its_path() {
    let t = ty(r#"["object",{"roles":["map",["object",{"namespaces":["list","string"]}]]}]"#);
    let json = br#"{"roles":{"etl":{"namespaces":["a"],"extra":1}}}"#;
    let error = decode_json(json, &t).unwrap_err();
    assert_eq!(
        error.path,
        vec![
            PathStep::Attribute("roles".into()),
            PathStep::Key("etl".into())
        ]
    );
    assert!(
        error
            .to_string()
            .starts_with(r#"at .roles["etl"]: unsupported attribute "extra""#),
        "{error}"
    );
    // The raw state of an older schema may carry it: the lenient reader drops it.
    let value = decode_json_ignoring_undefined(json, &t).unwrap();
    let role = obj(&[("namespaces", Value::List(vec!["a".into()]))]);
    assert_eq!(value, obj(&[("roles", map(&[("etl", role)]))]));

    let bad_element = br#"{"roles":{"etl":{"namespaces":["a", {}]}}}"#;
    let error = decode_json(bad_element, &t).unwrap_err();
    assert_eq!(error.path_string(), r#".roles["etl"].namespaces[1]"#);
    assert_eq!(
        error.to_string(),
        r#"at .roles["etl"].namespaces[1]: a string is required, found an object"#
    );
    let msgpack = [
        0x81, 0xa5, b'r', b'o', b'l', b'e', b's', 0x81, 0xa1, b'x', 0x81, 0xa1, b'z', 0xc0,
    ];
    let error = decode_msgpack(&msgpack, &t).unwrap_err();
    assert_eq!(
        error.to_string(),
        r#"at .roles["x"].z: unsupported attribute "z""#
    );
}

#[test]
fn nested_unknowns_inside_a_map_of_objects() {
    let t = ty(r#"["map",["object",{"a":"string","b":["list","string"]}]]"#);
    let value = map(&[
        (
            "x",
            obj(&[
                ("a", Value::Unknown),
                ("b", Value::List(vec![Value::Unknown, "s".into()])),
            ]),
        ),
        ("y", Value::Unknown),
        ("z", obj(&[("a", "k".into()), ("b", Value::Null)])),
    ]);
    assert!(!value.is_wholly_known() && !value.is_unknown() && !value.is_null());
    let bytes = encode_msgpack(&value, &t).unwrap();
    assert_eq!(decode_msgpack(&bytes, &t).unwrap(), value);
    assert!(encode_json(&value, &t)
        .unwrap_err()
        .to_string()
        .starts_with(r#"at ["x"].a: "#));
    assert_eq!(
        value
            .get_key("z")
            .and_then(|z| z.get_attr("a"))
            .and_then(Value::as_str),
        Some("k")
    );
}

#[test]
fn dynamic_values_carry_their_type() {
    let list = Value::List(vec!["a".into(), Value::Null]);
    let dynamic = Value::Dynamic(Type::list(Type::String), Box::new(list.clone()));
    let bytes = encode_msgpack(&dynamic, &Type::Dynamic).unwrap();
    let mut expected = vec![0x92, 0xc4, 17];
    expected.extend_from_slice(br#"["list","string"]"#);
    expected.extend_from_slice(&[0x92, 0xa1, b'a', 0xc0]);
    assert_eq!(bytes, expected);
    assert_eq!(decode_msgpack(&bytes, &Type::Dynamic).unwrap(), dynamic);
    // The type may also come as a msgpack string.
    let as_str = [&[0x92, 0xa8][..], br#""string""#, &[0xa1, b'v']].concat();
    assert_eq!(
        decode_msgpack(&as_str, &Type::Dynamic).unwrap(),
        Value::Dynamic(Type::String, Box::new("v".into()))
    );
    // A typed null and a typed unknown keep their type.
    let typed_null = Value::Dynamic(Type::Number, Box::new(Value::Null));
    let bytes = encode_msgpack(&typed_null, &Type::Dynamic).unwrap();
    assert_eq!(
        bytes,
        [&[0x92, 0xc4, 8][..], br#""number""#, &[0xc0]].concat()
    );
    assert_eq!(decode_msgpack(&bytes, &Type::Dynamic).unwrap(), typed_null);
    assert!(typed_null.is_null());

    let json = encode_json(&dynamic, &Type::Dynamic).unwrap();
    assert_eq!(json, br#"{"value":["a",null],"type":["list","string"]}"#);
    assert_eq!(decode_json(&json, &Type::Dynamic).unwrap(), dynamic);
    assert_eq!(
        decode_json(br#"{"type":"number","value":"7.7"}"#, &Type::Dynamic).unwrap(),
        Value::Dynamic(Type::Number, Box::new(num("7.7")))
    );
    for bad in [
        &br#"{"value":1}"#[..],
        br#"{"type":"number"}"#,
        br#"{"type":"number","value":1,"x":2}"#,
        b"[1]",
    ] {
        assert!(decode_json(bad, &Type::Dynamic).is_err());
    }
    assert!(decode_msgpack(&[0x91, 0xc0], &Type::Dynamic).is_err());

    // A plain value in a dynamic position gets an inferred type.
    let plain = obj(&[("n", num("1")), ("t", Value::Tuple(vec!["x".into()]))]);
    let bytes = encode_msgpack(&plain, &Type::Dynamic).unwrap();
    let back = decode_msgpack(&bytes, &Type::Dynamic).unwrap();
    assert_eq!(
        back,
        Value::Dynamic(
            ty(r#"["object",{"n":"number","t":["tuple",["string"]]}]"#),
            Box::new(plain)
        )
    );
}

#[test]
fn primitive_conversions_in_json() {
    assert_eq!(
        decode_json(br#""true""#, &Type::Bool).unwrap(),
        Value::Bool(true)
    );
    assert_eq!(
        decode_json(br#""0""#, &Type::Bool).unwrap(),
        Value::Bool(false)
    );
    assert_eq!(decode_json(b"1", &Type::Bool).unwrap(), Value::Bool(true));
    assert!(decode_json(br#""yes""#, &Type::Bool).is_err());
    assert!(decode_json(b"2", &Type::Bool).is_err());
    assert_eq!(
        decode_json(b"1.50", &Type::String).unwrap(),
        Value::String("1.50".into())
    );
    assert_eq!(
        decode_json(b"false", &Type::String).unwrap(),
        Value::String("false".into())
    );
    assert_eq!(
        decode_json(b" -1.5e2 ", &Type::Number).unwrap(),
        num("-150")
    );
    assert!(decode_json(b"{}", &Type::Number).is_err());
}

#[test]
fn tuples_need_their_length() {
    let t = ty(r#"["tuple",["string","number"]]"#);
    let value = Value::Tuple(vec!["a".into(), num("2")]);
    let bytes = encode_msgpack(&value, &t).unwrap();
    assert_eq!(decode_msgpack(&bytes, &t).unwrap(), value);
    assert!(decode_msgpack(&[0x91, 0xa1, b'a'], &t).is_err());
    assert!(decode_json(br#"["a"]"#, &t).is_err());
    assert!(decode_json(br#"["a",1,2]"#, &t).is_err());
    assert!(encode_msgpack(&Value::Tuple(vec!["a".into()]), &t).is_err());
}

#[test]
fn type_json_both_ways() {
    let t = Type::object([
        ("name", Type::String),
        ("tags", Type::map(Type::String)),
        ("pair", Type::Tuple(vec![Type::Bool, Type::Dynamic])),
        ("ids", Type::set(Type::list(Type::Number))),
    ]);
    let json = t.to_json();
    assert_eq!(
        String::from_utf8(json.clone()).unwrap(),
        r#"["object",{"ids":["set",["list","number"]],"name":"string","pair":["tuple",["bool","dynamic"]],"tags":["map","string"]}]"#
    );
    assert_eq!(Type::from_json(&json).unwrap(), t);
    assert_eq!(
        ty(r#"["object",{"a":"string"},["a"]]"#),
        Type::object([("a", Type::String)])
    );
    assert_eq!(ty(r#"["object",{}]"#), Type::Object(BTreeMap::new()));
    for bad in [
        "\"str\"",
        "[\"list\"]",
        "[\"list\",\"string\",1]",
        "[\"tuple\",\"string\"]",
        "[\"object\",[]]",
        "[\"object\",{},[1]]",
        "[\"object\",{\"a\":\"x\"}]",
        "[\"thing\",\"string\"]",
        "1",
        "\"string\" 1",
    ] {
        assert!(Type::from_json(bad.as_bytes()).is_err(), "{bad}");
    }
    assert_eq!(
        t.to_string(),
        "object({ids=set(list(number)),name=string,pair=tuple([bool,any]),tags=map(string)})"
    );
}

#[test]
fn hostile_input_is_refused_quickly() {
    // A length prefix far beyond the input.
    assert!(decode_msgpack(&[0xdd, 0xff, 0xff, 0xff, 0xff], &Type::list(Type::String)).is_err());
    assert!(decode_msgpack(&[0xdf, 0xff, 0xff, 0xff, 0xff], &Type::map(Type::String)).is_err());
    assert!(decode_msgpack(&[0xdb, 0xff, 0xff, 0xff, 0xff], &Type::String).is_err());
    // Nesting past the cap, through types and through dynamic wrappers.
    let mut deep = Type::String;
    for _ in 0..200 {
        deep = Type::list(deep);
    }
    let bytes = [vec![0x91; 200], vec![0xa0]].concat();
    assert!(decode_msgpack(&bytes, &deep)
        .unwrap_err()
        .message
        .contains("too deeply"));
    let mut wrappers = Vec::new();
    for _ in 0..10_000 {
        wrappers.extend_from_slice(&[0x92, 0xc4, 9]);
        wrappers.extend_from_slice(b"\"dynamic\"");
    }
    assert!(decode_msgpack(&wrappers, &Type::Dynamic).is_err());
    let nested_json = "{\"value\":".repeat(10_000);
    assert!(decode_json(nested_json.as_bytes(), &Type::Dynamic).is_err());
    // Trailing data and invalid UTF-8.
    assert!(decode_msgpack(&[0xc0, 0xc0], &Type::String).is_err());
    assert!(decode_msgpack(&[0xa1, 0xff], &Type::String).is_err());
    assert!(decode_msgpack(&[], &Type::String).is_err());
}
