//! cty's JSON encoding of values (`DynamicValue.json`, and the stored state
//! in `UpgradeResourceState`'s `RawState.json`), as go-cty reads and writes it.
//!
//! JSON has no unknowns. Numbers are JSON numbers (kept exact; strings are
//! accepted too), a dynamic value is `{"value": ..., "type": ...}`, and like
//! go-cty the reader converts the primitives the way Terraform would: a
//! string where a number or bool is expected, a number or bool where a
//! string is (and 1 or 0 for a bool).

use std::collections::BTreeMap;

use super::json_text::{self, Json};
use super::{CodecError, Number, PathStep, Type, Value};

/// Reads a value of type `ty`; an object member the type does not have is an
/// error.
pub fn decode_json(bytes: &[u8], ty: &Type) -> Result<Value, CodecError> {
    let json = json_text::parse(bytes).map_err(CodecError::new)?;
    decode(&json, ty, false)
}

/// Like `decode_json`, but object members the type does not have are
/// dropped. Meant for `UpgradeResourceState`: the raw state was written with
/// the schema of the provider version that saved it, which may have had
/// attributes since removed.
pub fn decode_json_ignoring_undefined(bytes: &[u8], ty: &Type) -> Result<Value, CodecError> {
    let json = json_text::parse(bytes).map_err(CodecError::new)?;
    decode(&json, ty, true)
}

/// Writes a wholly known `value` as type `ty`.
pub fn encode_json(value: &Value, ty: &Type) -> Result<Vec<u8>, CodecError> {
    let mut out = Vec::new();
    encode(&mut out, value, ty)?;
    Ok(out)
}

fn mismatch(ty: &Type, found: &Json) -> CodecError {
    CodecError::new(format!("a {ty} is required, found {}", found.kind()))
}

fn decode(json: &Json, ty: &Type, lenient: bool) -> Result<Value, CodecError> {
    if let Json::Null = json {
        return Ok(Value::Null);
    }
    match ty {
        Type::Dynamic => {
            let Json::Object(members) = json else {
                return Err(CodecError::new(format!(
                    "a dynamic value must be an object with \"value\" and \"type\", found {}",
                    json.kind()
                )));
            };
            let (mut concrete, mut body) = (None, None);
            for (key, member) in members {
                match key.as_str() {
                    "type" => concrete = Some(member),
                    "value" => body = Some(member),
                    other => {
                        return Err(CodecError::new(format!(
                            "invalid key {other:?} in a dynamically-typed value"
                        )))
                    }
                }
            }
            let concrete = concrete
                .ok_or_else(|| CodecError::new("missing type in a dynamically-typed value"))?;
            let concrete = Type::from_json_tree(concrete)
                .map_err(|e| CodecError::new(format!("the type of a dynamic value: {e}")))?;
            let body =
                body.ok_or_else(|| CodecError::new("missing value in a dynamically-typed value"))?;
            let value = decode(body, &concrete, lenient)?;
            Ok(Value::Dynamic(concrete, Box::new(value)))
        }
        Type::Bool => match json {
            Json::Bool(value) => Ok(Value::Bool(*value)),
            // Strings as Terraform converts them; 1 and 0 as older states
            // may hold them (terraform-plugin-go reads those too).
            Json::String(text) | Json::Number(text) => match text.as_str() {
                "true" | "1" => Ok(Value::Bool(true)),
                "false" | "0" => Ok(Value::Bool(false)),
                _ => Err(CodecError::new(format!(
                    "a bool is required, found {text:?}"
                ))),
            },
            other => Err(mismatch(ty, other)),
        },
        Type::Number => match json {
            Json::Number(text) | Json::String(text) => Number::parse(text)
                .map(Value::Number)
                .map_err(CodecError::new),
            other => Err(mismatch(ty, other)),
        },
        Type::String => match json {
            Json::String(text) | Json::Number(text) => Ok(Value::String(text.clone())),
            Json::Bool(value) => Ok(Value::String(value.to_string())),
            other => Err(mismatch(ty, other)),
        },
        Type::List(element) | Type::Set(element) => {
            let Json::Array(items) = json else {
                return Err(mismatch(ty, json));
            };
            let items = items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    decode(item, element, lenient).map_err(|e| e.at(PathStep::Index(i as i64)))
                })
                .collect::<Result<Vec<_>, _>>()?;
            Ok(match ty {
                Type::Set(_) => Value::Set(items),
                _ => Value::List(items),
            })
        }
        Type::Tuple(elements) => match json {
            Json::Array(items) if items.len() == elements.len() => Ok(Value::Tuple(
                items
                    .iter()
                    .zip(elements)
                    .enumerate()
                    .map(|(i, (item, element))| {
                        decode(item, element, lenient).map_err(|e| e.at(PathStep::Index(i as i64)))
                    })
                    .collect::<Result<_, _>>()?,
            )),
            Json::Array(items) => Err(CodecError::new(format!(
                "a tuple of {} elements is required, found {}",
                elements.len(),
                items.len()
            ))),
            other => Err(mismatch(ty, other)),
        },
        Type::Map(element) => {
            let Json::Object(members) = json else {
                return Err(mismatch(ty, json));
            };
            let mut entries = BTreeMap::new();
            for (key, member) in members {
                let value = decode(member, element, lenient)
                    .map_err(|e| e.at(PathStep::Key(key.clone())))?;
                entries.insert(key.clone(), value);
            }
            Ok(Value::Map(entries))
        }
        Type::Object(attributes) => {
            let Json::Object(members) = json else {
                return Err(mismatch(ty, json));
            };
            let mut entries = BTreeMap::new();
            for (name, member) in members {
                let Some(attribute) = attributes.get(name) else {
                    if lenient {
                        continue;
                    }
                    return Err(CodecError::new(format!("unsupported attribute {name:?}")));
                };
                let value = decode(member, attribute, lenient)
                    .map_err(|e| e.at(PathStep::Attribute(name.clone())))?;
                entries.insert(name.clone(), value);
            }
            for name in attributes.keys() {
                if !entries.contains_key(name) {
                    entries.insert(name.clone(), Value::Null);
                }
            }
            Ok(Value::Object(entries))
        }
    }
}

fn encode(out: &mut Vec<u8>, value: &Value, ty: &Type) -> Result<(), CodecError> {
    match (value, ty) {
        (Value::Unknown, _) => {
            return Err(CodecError::new(
                "an unknown value cannot be written as JSON",
            ))
        }
        (Value::Null, _) => out.extend_from_slice(b"null"),
        (Value::Dynamic(concrete, inner), Type::Dynamic) => encode_dynamic(out, inner, concrete)?,
        // A wrapper where the schema has a concrete type: the schema wins.
        (Value::Dynamic(_, inner), _) => encode(out, inner, ty)?,
        (known, Type::Dynamic) => encode_dynamic(out, known, &known.infer_type())?,
        (Value::Bool(b), Type::Bool) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        (Value::Number(number), Type::Number) => out.extend_from_slice(number.as_str().as_bytes()),
        (Value::String(text), Type::String) => json_text::write_string(out, text),
        (
            Value::List(items) | Value::Set(items) | Value::Tuple(items),
            Type::List(_) | Type::Set(_) | Type::Tuple(_),
        ) => {
            if let Type::Tuple(elements) = ty {
                if elements.len() != items.len() {
                    return Err(CodecError::new(format!(
                        "a tuple of {} elements is required, found {}",
                        elements.len(),
                        items.len()
                    )));
                }
            }
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                let element = match ty {
                    Type::Tuple(elements) => &elements[i],
                    _ => ty.element().unwrap_or(&Type::Dynamic),
                };
                encode(out, item, element).map_err(|e| e.at(PathStep::Index(i as i64)))?;
            }
            out.push(b']');
        }
        (Value::Map(entries) | Value::Object(entries), Type::Map(element)) => {
            out.push(b'{');
            for (i, (key, item)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                json_text::write_string(out, key);
                out.push(b':');
                encode(out, item, element).map_err(|e| e.at(PathStep::Key(key.clone())))?;
            }
            out.push(b'}');
        }
        (Value::Map(entries) | Value::Object(entries), Type::Object(attributes)) => {
            if let Some(name) = entries.keys().find(|name| !attributes.contains_key(*name)) {
                return Err(CodecError::new(format!(
                    "attribute {name:?} is not in the object type"
                )));
            }
            out.push(b'{');
            for (i, (name, attribute)) in attributes.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                json_text::write_string(out, name);
                out.push(b':');
                let item = entries.get(name).unwrap_or(&Value::Null);
                encode(out, item, attribute)
                    .map_err(|e| e.at(PathStep::Attribute(name.clone())))?;
            }
            out.push(b'}');
        }
        (value, ty) => {
            return Err(CodecError::new(format!(
                "a {ty} is required, found {}",
                value.kind()
            )));
        }
    }
    Ok(())
}

fn encode_dynamic(out: &mut Vec<u8>, value: &Value, concrete: &Type) -> Result<(), CodecError> {
    out.extend_from_slice(b"{\"value\":");
    encode(out, value, concrete)?;
    out.extend_from_slice(b",\"type\":");
    out.extend_from_slice(&concrete.to_json());
    out.push(b'}');
    Ok(())
}
