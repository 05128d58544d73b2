//! `Value`: a cty value, known or not, without its type (the schema has it),
//! plus small accessors for code that reads values directly.

use std::collections::BTreeMap;

use super::{Number, Type};

/// A cty value. Which variants may appear where is fixed by the type it is
/// read or written with:
///
/// - any position: `Null` or `Unknown`;
/// - `bool`, `number`, `string`: `Bool`, `Number`, `String`;
/// - `list(T)`, `set(T)`: `List`, `Set` (sets keep the order given; order and
///   duplicates are not checked);
/// - `map(T)`: `Map`; `object({...})`: `Object` (decoders fill absent
///   attributes with `Null`); `tuple([...])`: `Tuple`;
/// - `dynamic`: `Dynamic(concrete type, value of that type)`. The wire carries
///   a dynamic value's type in-band, and Terraform checks that what we return
///   has the type it sent, so the type is kept rather than guessed. A null or
///   unknown of no particular type is plain `Null` / `Unknown`. Encoders also
///   accept a plain known value there and infer its type (`infer_type`).
///
/// Encoders are lenient where the wire is the same: a `List`, `Set` or
/// `Tuple` value may be written as any of the three types, and `Map` or
/// `Object` as either a map or an object type.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Value {
    Null,
    Unknown,
    Bool(bool),
    Number(Number),
    String(String),
    List(Vec<Value>),
    Set(Vec<Value>),
    Map(BTreeMap<String, Value>),
    Object(BTreeMap<String, Value>),
    Tuple(Vec<Value>),
    Dynamic(Type, Box<Value>),
}

impl Value {
    /// The value inside any `Dynamic` wrappers.
    pub fn without_dynamic(&self) -> &Value {
        let mut value = self;
        while let Value::Dynamic(_, inner) = value {
            value = inner;
        }
        value
    }

    pub fn is_null(&self) -> bool {
        matches!(self.without_dynamic(), Value::Null)
    }

    /// True for an unknown value itself (not for a known container holding
    /// unknowns; see `is_wholly_known`).
    pub fn is_unknown(&self) -> bool {
        matches!(self.without_dynamic(), Value::Unknown)
    }

    /// True when no unknown appears anywhere inside.
    pub fn is_wholly_known(&self) -> bool {
        match self {
            Value::Unknown => false,
            Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => true,
            Value::List(items) | Value::Set(items) | Value::Tuple(items) => {
                items.iter().all(Value::is_wholly_known)
            }
            Value::Map(items) | Value::Object(items) => items.values().all(Value::is_wholly_known),
            Value::Dynamic(_, inner) => inner.is_wholly_known(),
        }
    }

    /// An object's attribute (`None` when this is not an object or has no
    /// such attribute).
    pub fn get_attr(&self, name: &str) -> Option<&Value> {
        match self.without_dynamic() {
            Value::Object(attributes) => attributes.get(name),
            _ => None,
        }
    }

    /// A map's element.
    pub fn get_key(&self, key: &str) -> Option<&Value> {
        match self.without_dynamic() {
            Value::Map(items) => items.get(key),
            _ => None,
        }
    }

    /// A list, set or tuple element.
    pub fn get_index(&self, index: usize) -> Option<&Value> {
        self.as_elements()?.get(index)
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self.without_dynamic() {
            Value::Bool(value) => Some(*value),
            _ => None,
        }
    }

    pub fn as_number(&self) -> Option<&Number> {
        match self.without_dynamic() {
            Value::Number(value) => Some(value),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self.without_dynamic() {
            Value::String(value) => Some(value),
            _ => None,
        }
    }

    /// The elements of a list, set or tuple.
    pub fn as_elements(&self) -> Option<&[Value]> {
        match self.without_dynamic() {
            Value::List(items) | Value::Set(items) | Value::Tuple(items) => Some(items),
            _ => None,
        }
    }

    /// The entries of a map or the attributes of an object.
    pub fn as_entries(&self) -> Option<&BTreeMap<String, Value>> {
        match self.without_dynamic() {
            Value::Map(items) | Value::Object(items) => Some(items),
            _ => None,
        }
    }

    /// A short name of the variant, for error messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Unknown => "an unknown value",
            Value::Bool(_) => "a bool",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::List(_) => "a list",
            Value::Set(_) => "a set",
            Value::Map(_) => "a map",
            Value::Object(_) => "an object",
            Value::Tuple(_) => "a tuple",
            Value::Dynamic(_, inner) => inner.kind(),
        }
    }

    /// A type for a value written where the schema says `dynamic` without a
    /// `Dynamic` wrapper: the obvious one for primitives, objects and tuples;
    /// for lists, sets and maps the type of the first element that has one
    /// (a mismatch among elements then fails when encoding). Nulls and
    /// unknowns get `Dynamic`, which cty allows for them.
    pub fn infer_type(&self) -> Type {
        match self {
            Value::Null | Value::Unknown => Type::Dynamic,
            Value::Bool(_) => Type::Bool,
            Value::Number(_) => Type::Number,
            Value::String(_) => Type::String,
            Value::List(items) => Type::list(infer_element(items.iter())),
            Value::Set(items) => Type::set(infer_element(items.iter())),
            Value::Map(items) => Type::map(infer_element(items.values())),
            Value::Object(items) => Type::Object(
                items
                    .iter()
                    .map(|(name, value)| (name.clone(), value.infer_type()))
                    .collect(),
            ),
            Value::Tuple(items) => Type::Tuple(items.iter().map(Value::infer_type).collect()),
            Value::Dynamic(ty, _) => ty.clone(),
        }
    }
}

fn infer_element<'a>(mut items: impl Iterator<Item = &'a Value>) -> Type {
    items
        .find(|item| !matches!(item, Value::Null | Value::Unknown))
        .map_or(Type::Dynamic, Value::infer_type)
}

impl From<bool> for Value {
    fn from(value: bool) -> Value {
        Value::Bool(value)
    }
}

impl From<Number> for Value {
    fn from(value: Number) -> Value {
        Value::Number(value)
    }
}

impl From<i64> for Value {
    fn from(value: i64) -> Value {
        Value::Number(value.into())
    }
}

impl From<&str> for Value {
    fn from(value: &str) -> Value {
        Value::String(value.to_string())
    }
}

impl From<String> for Value {
    fn from(value: String) -> Value {
        Value::String(value)
    }
}
