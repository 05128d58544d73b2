//! Writing Rust types as cty values: a serde `Serializer` led by the cty type
//! of the position it writes, so the result always fits the schema.

use std::collections::BTreeMap;

use serde::ser::{self, Impossible, Serialize};

use crate::plugin::cty::{CodecError, Number, PathStep, Type, Value};
use crate::plugin::value::UNKNOWN_UNIT;

/// `value` as a cty value of type `ty`. In a dynamic position the Rust data
/// is written without a type to follow (sequences become tuples, maps and
/// structs objects) and wrapped with the type inferred from it.
pub(super) fn serialize_as<T: Serialize + ?Sized>(
    value: &T,
    ty: &Type,
) -> Result<Value, CodecError> {
    match ty {
        Type::Dynamic => match value.serialize(Serializer { ty: None })? {
            plain @ (Value::Null | Value::Unknown) => Ok(plain),
            known => Ok(Value::Dynamic(known.infer_type(), Box::new(known))),
        },
        ty => value.serialize(Serializer { ty: Some(ty) }),
    }
}

fn child<T: Serialize + ?Sized>(value: &T, ty: Option<&Type>) -> Result<Value, CodecError> {
    match ty {
        Some(ty) => serialize_as(value, ty),
        None => value.serialize(Serializer { ty: None }),
    }
}

fn mismatch(ty: &Type, found: &str) -> CodecError {
    CodecError::new(format!("a {ty} is required, found {found}"))
}

fn unsupported(what: &str) -> CodecError {
    CodecError::new(format!("{what} cannot be written as a Terraform value"))
}

/// `ty` is the type to write; `None` inside a dynamic value.
#[derive(Clone, Copy)]
struct Serializer<'t> {
    ty: Option<&'t Type>,
}

impl Serializer<'_> {
    fn number(self, number: Number) -> Result<Value, CodecError> {
        match self.ty {
            None | Some(Type::Number) => Ok(Value::Number(number)),
            Some(Type::String) => Ok(Value::String(number.to_string())),
            Some(ty) => Err(mismatch(ty, "a number")),
        }
    }
}

macro_rules! integers {
    ($($method:ident: $t:ty,)*) => {$(
        fn $method(self, v: $t) -> Result<Value, CodecError> {
            self.number(Number::from(v))
        }
    )*};
}

impl<'t> ser::Serializer for Serializer<'t> {
    type Ok = Value;
    type Error = CodecError;
    type SerializeSeq = Elements<'t>;
    type SerializeTuple = Elements<'t>;
    type SerializeTupleStruct = Elements<'t>;
    type SerializeTupleVariant = Impossible<Value, CodecError>;
    type SerializeMap = Entries<'t>;
    type SerializeStruct = Entries<'t>;
    type SerializeStructVariant = Impossible<Value, CodecError>;

    fn serialize_bool(self, v: bool) -> Result<Value, CodecError> {
        match self.ty {
            None | Some(Type::Bool) => Ok(Value::Bool(v)),
            Some(Type::String) => Ok(Value::String(v.to_string())),
            Some(ty) => Err(mismatch(ty, "a bool")),
        }
    }

    integers! {
        serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64,
        serialize_i128: i128, serialize_u8: u8, serialize_u16: u16, serialize_u32: u32,
        serialize_u64: u64, serialize_u128: u128,
    }

    fn serialize_f32(self, v: f32) -> Result<Value, CodecError> {
        self.serialize_f64(f64::from(v))
    }

    /// The float's exact value (see `Number::from_f64`).
    fn serialize_f64(self, v: f64) -> Result<Value, CodecError> {
        let number = Number::from_f64(v)
            .ok_or_else(|| CodecError::new(format!("{v} is not a finite number")))?;
        self.number(number)
    }

    fn serialize_char(self, v: char) -> Result<Value, CodecError> {
        self.serialize_str(v.encode_utf8(&mut [0u8; 4]))
    }

    /// A string, or for a number or bool attribute its text (how a decimal
    /// type that keeps its digits writes a fraction).
    fn serialize_str(self, v: &str) -> Result<Value, CodecError> {
        match self.ty {
            None | Some(Type::String) => Ok(Value::String(v.to_string())),
            Some(Type::Number) => Number::parse(v).map(Value::Number).map_err(CodecError::new),
            Some(Type::Bool) => match v {
                "true" => Ok(Value::Bool(true)),
                "false" => Ok(Value::Bool(false)),
                _ => Err(CodecError::new(format!("a bool is required, found {v:?}"))),
            },
            Some(ty) => Err(mismatch(ty, "a string")),
        }
    }

    fn serialize_bytes(self, v: &[u8]) -> Result<Value, CodecError> {
        let text = std::str::from_utf8(v)
            .map_err(|_| CodecError::new("bytes that are not UTF-8 cannot be a string"))?;
        self.serialize_str(text)
    }

    fn serialize_none(self) -> Result<Value, CodecError> {
        Ok(Value::Null)
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Value, CodecError> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<Value, CodecError> {
        Ok(Value::Null)
    }

    /// `Value::Unknown` arrives here under its private name.
    fn serialize_unit_struct(self, name: &'static str) -> Result<Value, CodecError> {
        Ok(if name == UNKNOWN_UNIT {
            Value::Unknown
        } else {
            Value::Null
        })
    }

    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<Value, CodecError> {
        self.serialize_str(variant)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<Value, CodecError> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _value: &T,
    ) -> Result<Value, CodecError> {
        Err(unsupported(&format!("enum variant {variant} with data")))
    }

    fn serialize_seq(self, _len: Option<usize>) -> Result<Elements<'t>, CodecError> {
        match self.ty {
            None | Some(Type::List(_) | Type::Set(_) | Type::Tuple(_)) => Ok(Elements {
                ty: self.ty,
                items: Vec::new(),
            }),
            Some(ty) => Err(mismatch(ty, "a sequence")),
        }
    }

    fn serialize_tuple(self, len: usize) -> Result<Elements<'t>, CodecError> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<Elements<'t>, CodecError> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, CodecError> {
        Err(unsupported(&format!("enum variant {variant} with data")))
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<Entries<'t>, CodecError> {
        match self.ty {
            None | Some(Type::Map(_) | Type::Object(_)) => Ok(Entries {
                ty: self.ty,
                entries: BTreeMap::new(),
                key: None,
            }),
            Some(ty) => Err(mismatch(ty, "a map or struct")),
        }
    }

    fn serialize_struct(self, _name: &'static str, len: usize) -> Result<Entries<'t>, CodecError> {
        self.serialize_map(Some(len))
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, CodecError> {
        Err(unsupported(&format!("enum variant {variant} with data")))
    }
}

/// A list, set or tuple being written.
pub(super) struct Elements<'t> {
    ty: Option<&'t Type>,
    items: Vec<Value>,
}

impl Elements<'_> {
    fn push<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), CodecError> {
        let index = self.items.len();
        let element = match self.ty {
            Some(Type::List(element) | Type::Set(element)) => Some(&**element),
            Some(Type::Tuple(elements)) => Some(elements.get(index).ok_or_else(|| {
                CodecError::new(format!(
                    "a tuple of {} elements is required",
                    elements.len()
                ))
            })?),
            _ => None,
        };
        let item = child(value, element).map_err(|e| e.at(PathStep::Index(index as i64)))?;
        self.items.push(item);
        Ok(())
    }

    fn finish(self) -> Result<Value, CodecError> {
        match self.ty {
            Some(Type::List(_)) => Ok(Value::List(self.items)),
            Some(Type::Set(_)) => Ok(Value::Set(self.items)),
            Some(Type::Tuple(elements)) if elements.len() != self.items.len() => {
                Err(CodecError::new(format!(
                    "a tuple of {} elements is required, found {}",
                    elements.len(),
                    self.items.len()
                )))
            }
            _ => Ok(Value::Tuple(self.items)),
        }
    }
}

impl ser::SerializeSeq for Elements<'_> {
    type Ok = Value;
    type Error = CodecError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), CodecError> {
        self.push(value)
    }
    fn end(self) -> Result<Value, CodecError> {
        self.finish()
    }
}

impl ser::SerializeTuple for Elements<'_> {
    type Ok = Value;
    type Error = CodecError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), CodecError> {
        self.push(value)
    }
    fn end(self) -> Result<Value, CodecError> {
        self.finish()
    }
}

impl ser::SerializeTupleStruct for Elements<'_> {
    type Ok = Value;
    type Error = CodecError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), CodecError> {
        self.push(value)
    }
    fn end(self) -> Result<Value, CodecError> {
        self.finish()
    }
}

/// A map or object being written, from a Rust map or struct.
pub(super) struct Entries<'t> {
    ty: Option<&'t Type>,
    entries: BTreeMap<String, Value>,
    key: Option<String>,
}

impl Entries<'_> {
    fn insert<T: Serialize + ?Sized>(&mut self, key: String, value: &T) -> Result<(), CodecError> {
        let (step, ty) = match self.ty {
            Some(Type::Map(element)) => (PathStep::Key(key.clone()), Some(&**element)),
            Some(Type::Object(attributes)) => {
                let step = PathStep::Attribute(key.clone());
                match attributes.get(&key) {
                    Some(ty) => (step, Some(ty)),
                    None => {
                        return Err(
                            CodecError::new("there is no such attribute in the schema").at(step)
                        )
                    }
                }
            }
            _ => (PathStep::Attribute(key.clone()), None),
        };
        let item = child(value, ty).map_err(|e| e.at(step))?;
        self.entries.insert(key, item);
        Ok(())
    }

    /// Object attributes nothing wrote are null.
    fn finish(mut self) -> Result<Value, CodecError> {
        match self.ty {
            Some(Type::Map(_)) => Ok(Value::Map(self.entries)),
            Some(Type::Object(attributes)) => {
                for name in attributes.keys() {
                    if !self.entries.contains_key(name) {
                        self.entries.insert(name.clone(), Value::Null);
                    }
                }
                Ok(Value::Object(self.entries))
            }
            _ => Ok(Value::Object(self.entries)),
        }
    }
}

impl ser::SerializeMap for Entries<'_> {
    type Ok = Value;
    type Error = CodecError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), CodecError> {
        self.key = Some(key.serialize(KeySerializer)?);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), CodecError> {
        let key = self
            .key
            .take()
            .ok_or_else(|| CodecError::new("a map value was written before its key"))?;
        self.insert(key, value)
    }
    fn end(self) -> Result<Value, CodecError> {
        self.finish()
    }
}

impl ser::SerializeStruct for Entries<'_> {
    type Ok = Value;
    type Error = CodecError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        name: &'static str,
        value: &T,
    ) -> Result<(), CodecError> {
        self.insert(name.to_string(), value)
    }
    fn end(self) -> Result<Value, CodecError> {
        self.finish()
    }
}

/// Map keys: strings, or what prints as one.
struct KeySerializer;

fn key_error() -> CodecError {
    CodecError::new("map keys must be strings")
}

macro_rules! key_to_string {
    ($($method:ident: $t:ty,)*) => {$(
        fn $method(self, v: $t) -> Result<String, CodecError> {
            Ok(v.to_string())
        }
    )*};
}

impl ser::Serializer for KeySerializer {
    type Ok = String;
    type Error = CodecError;
    type SerializeSeq = Impossible<String, CodecError>;
    type SerializeTuple = Impossible<String, CodecError>;
    type SerializeTupleStruct = Impossible<String, CodecError>;
    type SerializeTupleVariant = Impossible<String, CodecError>;
    type SerializeMap = Impossible<String, CodecError>;
    type SerializeStruct = Impossible<String, CodecError>;
    type SerializeStructVariant = Impossible<String, CodecError>;

    key_to_string! {
        serialize_bool: bool, serialize_i8: i8, serialize_i16: i16, serialize_i32: i32,
        serialize_i64: i64, serialize_i128: i128, serialize_u8: u8, serialize_u16: u16,
        serialize_u32: u32, serialize_u64: u64, serialize_u128: u128, serialize_char: char,
        serialize_str: &str,
    }

    fn serialize_f32(self, _v: f32) -> Result<String, CodecError> {
        Err(key_error())
    }
    fn serialize_f64(self, _v: f64) -> Result<String, CodecError> {
        Err(key_error())
    }
    fn serialize_bytes(self, _v: &[u8]) -> Result<String, CodecError> {
        Err(key_error())
    }
    fn serialize_none(self) -> Result<String, CodecError> {
        Err(key_error())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<String, CodecError> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<String, CodecError> {
        Err(key_error())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<String, CodecError> {
        Err(key_error())
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<String, CodecError> {
        Ok(variant.to_string())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<String, CodecError> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<String, CodecError> {
        Err(key_error())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, CodecError> {
        Err(key_error())
    }
    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple, CodecError> {
        Err(key_error())
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleStruct, CodecError> {
        Err(key_error())
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, CodecError> {
        Err(key_error())
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, CodecError> {
        Err(key_error())
    }
    fn serialize_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStruct, CodecError> {
        Err(key_error())
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, CodecError> {
        Err(key_error())
    }
}
