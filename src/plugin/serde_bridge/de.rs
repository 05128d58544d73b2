//! Reading Rust types out of cty values: a serde `Deserializer` over a
//! borrowed `cty::Value`.

use std::collections::btree_map;

use serde::de::value::BorrowedStrDeserializer;
use serde::de::{self, DeserializeSeed, IntoDeserializer, Visitor};

use crate::plugin::cty::{CodecError, Number, PathStep, Value};
use crate::plugin::value::{TRI_STATE, UNKNOWN_TOKEN};

pub(super) struct Deserializer<'de> {
    value: &'de Value,
}

impl<'de> Deserializer<'de> {
    pub(super) fn new(value: &'de Value) -> Self {
        Deserializer { value }
    }

    /// The value, which must be known and not null for `expected`.
    fn known(&self, expected: &str) -> Result<&'de Value, CodecError> {
        match self.value.without_dynamic() {
            Value::Null => Err(CodecError::new(format!(
                "{expected} is required, but the value is null"
            ))),
            Value::Unknown => Err(CodecError::new(format!(
                "{expected} is required, but the value is not known yet"
            ))),
            value => Ok(value),
        }
    }

    /// A number, or a string holding one (Terraform converts freely).
    fn number(&self, expected: &str) -> Result<Number, CodecError> {
        match self.known(expected)? {
            Value::Number(number) => Ok(number.clone()),
            Value::String(text) => Number::parse(text).map_err(CodecError::new),
            other => Err(unexpected(expected, other)),
        }
    }

    /// The nearest float; a number beyond the float range is refused rather
    /// than read as an infinity nothing could write back.
    fn float(&self) -> Result<(Number, f64), CodecError> {
        let number = self.number("a number")?;
        let value = number.to_f64();
        if value.is_infinite() {
            return Err(CodecError::new(format!("{number} is out of range for f64")));
        }
        Ok((number, value))
    }

    fn integer<T: TryFrom<i128>>(&self, name: &str) -> Result<T, CodecError> {
        let number = self.number("a number")?;
        if !number.is_integer() {
            return Err(CodecError::new(format!("{number} is not a whole number")));
        }
        number
            .to_i128()
            .and_then(|value| T::try_from(value).ok())
            .ok_or_else(|| CodecError::new(format!("{number} is out of range for {name}")))
    }
}

fn unexpected(expected: &str, found: &Value) -> CodecError {
    CodecError::new(format!("{expected} is required, found {}", found.kind()))
}

macro_rules! integer {
    ($($method:ident => $visit:ident: $t:ty,)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, CodecError> {
            visitor.$visit(self.integer::<$t>(stringify!($t))?)
        }
    )*};
}

impl<'de> de::Deserializer<'de> for Deserializer<'de> {
    type Error = CodecError;

    /// For self-describing targets (`serde_json::Value`, untagged helpers, a
    /// number type that accepts several forms): a number is an i64 or u64
    /// when it is an integer that fits, else its exact decimal text.
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, CodecError> {
        match self.value.without_dynamic() {
            Value::Null => visitor.visit_unit(),
            Value::Unknown => Err(CodecError::new("the value is not known yet")),
            Value::Bool(value) => visitor.visit_bool(*value),
            Value::Number(number) => match (number.to_i64(), number.to_u64()) {
                (Some(value), _) => visitor.visit_i64(value),
                (None, Some(value)) => visitor.visit_u64(value),
                _ => visitor.visit_borrowed_str(number.as_str()),
            },
            Value::String(text) => visitor.visit_borrowed_str(text),
            Value::List(_) | Value::Set(_) | Value::Tuple(_) => self.deserialize_seq(visitor),
            Value::Map(_) | Value::Object(_) => self.deserialize_map(visitor),
            Value::Dynamic(..) => Err(CodecError::new("unexpected dynamic wrapper")),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, CodecError> {
        match self.known("a bool")? {
            Value::Bool(value) => visitor.visit_bool(*value),
            Value::String(text) if text == "true" => visitor.visit_bool(true),
            Value::String(text) if text == "false" => visitor.visit_bool(false),
            other => Err(unexpected("a bool", other)),
        }
    }

    integer! {
        deserialize_i8 => visit_i8: i8,
        deserialize_i16 => visit_i16: i16,
        deserialize_i32 => visit_i32: i32,
        deserialize_i64 => visit_i64: i64,
        deserialize_i128 => visit_i128: i128,
        deserialize_u8 => visit_u8: u8,
        deserialize_u16 => visit_u16: u16,
        deserialize_u32 => visit_u32: u32,
        deserialize_u64 => visit_u64: u64,
    }

    fn deserialize_u128<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, CodecError> {
        let number = self.number("a number")?;
        match number.to_u128() {
            Some(value) => visitor.visit_u128(value),
            None if !number.is_integer() => {
                Err(CodecError::new(format!("{number} is not a whole number")))
            }
            None => Err(CodecError::new(format!(
                "{number} is out of range for u128"
            ))),
        }
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, CodecError> {
        let (number, value) = self.float()?;
        let narrow = value as f32;
        if narrow.is_infinite() {
            return Err(CodecError::new(format!("{number} is out of range for f32")));
        }
        visitor.visit_f32(narrow)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, CodecError> {
        visitor.visit_f64(self.float()?.1)
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, CodecError> {
        match self.known("a character")? {
            Value::String(text) => {
                let mut chars = text.chars();
                match (chars.next(), chars.next()) {
                    (Some(ch), None) => visitor.visit_char(ch),
                    _ => Err(CodecError::new(format!(
                        "a single character is required, found {text:?}"
                    ))),
                }
            }
            other => Err(unexpected("a character", other)),
        }
    }

    /// Strings; numbers and bools as Terraform would convert them.
    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, CodecError> {
        match self.known("a string")? {
            Value::String(text) => visitor.visit_borrowed_str(text),
            Value::Number(number) => visitor.visit_borrowed_str(number.as_str()),
            Value::Bool(value) => visitor.visit_str(if *value { "true" } else { "false" }),
            other => Err(unexpected("a string", other)),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, CodecError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, CodecError> {
        match self.known("a string")? {
            Value::String(text) => visitor.visit_borrowed_bytes(text.as_bytes()),
            other => Err(unexpected("a string", other)),
        }
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, CodecError> {
        self.deserialize_bytes(visitor)
    }

    /// `Option<T>`: null is `None`; an unknown cannot be represented.
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, CodecError> {
        match self.value.without_dynamic() {
            Value::Null => visitor.visit_none(),
            Value::Unknown => Err(CodecError::new(
                "the value is not known yet (only a Value<T> field can hold an unknown)",
            )),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, CodecError> {
        match self.value.without_dynamic() {
            Value::Null => visitor.visit_unit(),
            other => Err(unexpected("null", other)),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, CodecError> {
        self.deserialize_unit(visitor)
    }

    /// `Value<T>` asks under its private name and gets all three states.
    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, CodecError> {
        if name != TRI_STATE {
            return visitor.visit_newtype_struct(self);
        }
        match self.value.without_dynamic() {
            Value::Unknown => visitor.visit_borrowed_str(UNKNOWN_TOKEN),
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, CodecError> {
        match self.known("a list")? {
            Value::List(items) | Value::Set(items) | Value::Tuple(items) => {
                let mut seq = Seq {
                    items: items.iter(),
                    index: 0,
                };
                let value = visitor.visit_seq(&mut seq)?;
                if seq.items.len() != 0 {
                    return Err(CodecError::new(format!(
                        "too many elements ({}) for the Rust type",
                        items.len()
                    )));
                }
                Ok(value)
            }
            other => Err(unexpected("a list", other)),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, CodecError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, CodecError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, CodecError> {
        let (entries, object) = match self.known("a map or object")? {
            Value::Map(entries) => (entries, false),
            Value::Object(entries) => (entries, true),
            other => return Err(unexpected("a map or object", other)),
        };
        visitor.visit_map(Entries {
            entries: entries.iter(),
            pending: None,
            object,
        })
    }

    /// Struct fields the object lacks get their `#[serde(default)]`;
    /// attributes the struct lacks are skipped.
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, CodecError> {
        self.deserialize_map(visitor)
    }

    /// Fieldless enums, from their variant name.
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, CodecError> {
        match self.known("a string")? {
            Value::String(text) => visitor.visit_enum(text.as_str().into_deserializer()),
            other => Err(unexpected("a string", other)),
        }
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, CodecError> {
        self.deserialize_str(visitor)
    }

    /// Anything at all, unknowns included: skipped attributes must not fail.
    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, CodecError> {
        visitor.visit_unit()
    }
}

struct Seq<'de> {
    items: std::slice::Iter<'de, Value>,
    index: i64,
}

impl<'de> de::SeqAccess<'de> for Seq<'de> {
    type Error = CodecError;

    fn next_element_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<Option<S::Value>, CodecError> {
        let Some(item) = self.items.next() else {
            return Ok(None);
        };
        let index = self.index;
        self.index += 1;
        seed.deserialize(Deserializer::new(item))
            .map(Some)
            .map_err(|e| e.at(PathStep::Index(index)))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

struct Entries<'de> {
    entries: btree_map::Iter<'de, String, Value>,
    pending: Option<(&'de String, &'de Value)>,
    /// Object attributes (`.name` in paths) rather than map keys (`["key"]`).
    object: bool,
}

impl<'de> de::MapAccess<'de> for Entries<'de> {
    type Error = CodecError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, CodecError> {
        let Some((key, value)) = self.entries.next() else {
            return Ok(None);
        };
        self.pending = Some((key, value));
        seed.deserialize(BorrowedStrDeserializer::<CodecError>::new(key))
            .map(Some)
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<S::Value, CodecError> {
        let (key, value) = self
            .pending
            .take()
            .ok_or_else(|| CodecError::new("a map value was asked for before its key"))?;
        let step = if self.object {
            PathStep::Attribute(key.clone())
        } else {
            PathStep::Key(key.clone())
        };
        seed.deserialize(Deserializer::new(value))
            .map_err(|e| e.at(step))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}
