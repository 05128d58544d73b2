//! `Value<T>`: a Terraform attribute in typed state — known, null, or not
//! known until apply — used like `Option<T>` with a third state, and
//! `StructEmpty` for blocks without attributes.
//!
//! Across serde (see `serde_bridge`), `Value<T>` is a newtype struct with a
//! private name: the bridge's deserializer recognises the name and reports
//! an unknown cty value as a private token string, null as `none` and
//! anything else as `some`; other deserializers (serde_json for private
//! state) see a plain `Option<T>`. Serializing, `Unknown` is a unit struct
//! with another private name, which the bridge turns into a cty unknown and
//! any other format writes as null.

// A library-like API inside the provider binary: the resources use part of it.
#![allow(dead_code)]

use std::fmt;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};

use serde::de::{self, Deserialize, Deserializer, Visitor};
use serde::{Serialize, Serializer};

/// The serde name `Value<T>` deserializes as, so the bridge can tell it apart.
pub(crate) const TRI_STATE: &str = "$emreks::plugin::Value";
/// The string the bridge hands a `Value<T>` for an unknown cty value.
pub(crate) const UNKNOWN_TOKEN: &str = "$emreks::plugin::Value::Unknown";
/// The unit struct name `Value::Unknown` serializes as.
pub(crate) const UNKNOWN_UNIT: &str = "$emreks::plugin::Unknown";

/// A known value, null, or unknown (decided only at apply).
// `Value::Value` reads like `Option::Some`; the name is what our code uses.
#[allow(clippy::enum_variant_names)]
#[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Value<T> {
    Value(T),
    #[default]
    Null,
    Unknown,
}

impl<T> Value<T> {
    pub fn is_value(&self) -> bool {
        matches!(self, Value::Value(_))
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self, Value::Unknown)
    }

    pub fn as_ref(&self) -> Value<&T> {
        match self {
            Value::Value(value) => Value::Value(value),
            Value::Null => Value::Null,
            Value::Unknown => Value::Unknown,
        }
    }

    pub fn as_mut(&mut self) -> Value<&mut T> {
        match self {
            Value::Value(value) => Value::Value(value),
            Value::Null => Value::Null,
            Value::Unknown => Value::Unknown,
        }
    }

    /// The known value; null and unknown are both `None`.
    #[allow(clippy::wrong_self_convention)] // the name our code already calls
    pub fn as_option(self) -> Option<T> {
        match self {
            Value::Value(value) => Some(value),
            _ => None,
        }
    }

    pub fn as_ref_option(&self) -> Option<&T> {
        self.as_ref().as_option()
    }

    pub fn as_mut_option(&mut self) -> Option<&mut T> {
        self.as_mut().as_option()
    }

    pub fn as_deref(&self) -> Value<&T::Target>
    where
        T: Deref,
    {
        self.as_ref().map(T::deref)
    }

    pub fn as_deref_mut(&mut self) -> Value<&mut T::Target>
    where
        T: DerefMut,
    {
        self.as_mut().map(T::deref_mut)
    }

    pub fn as_deref_option(&self) -> Option<&T::Target>
    where
        T: Deref,
    {
        self.as_deref().as_option()
    }

    pub fn as_deref_mut_option(&mut self) -> Option<&mut T::Target>
    where
        T: DerefMut,
    {
        self.as_deref_mut().as_option()
    }

    /// The known value; panics with `msg` on null or unknown.
    pub fn expect(self, msg: &str) -> T {
        match self {
            Value::Value(value) => value,
            Value::Null => panic!("{msg}: the value is null"),
            Value::Unknown => panic!("{msg}: the value is unknown"),
        }
    }

    /// The known value; panics on null or unknown.
    pub fn unwrap(self) -> T {
        self.expect("called `Value::unwrap()` without a known value")
    }

    pub fn unwrap_or(self, default: T) -> T {
        self.as_option().unwrap_or(default)
    }

    pub fn unwrap_or_else<F: FnOnce() -> T>(self, f: F) -> T {
        self.as_option().unwrap_or_else(f)
    }

    pub fn unwrap_or_default(self) -> T
    where
        T: Default,
    {
        self.as_option().unwrap_or_default()
    }

    /// Maps a known value; null and unknown stay as they are.
    pub fn map<U, F: FnOnce(T) -> U>(self, f: F) -> Value<U> {
        match self {
            Value::Value(value) => Value::Value(f(value)),
            Value::Null => Value::Null,
            Value::Unknown => Value::Unknown,
        }
    }

    pub fn inspect<F: FnOnce(&T)>(self, f: F) -> Self {
        if let Value::Value(value) = &self {
            f(value);
        }
        self
    }

    pub fn map_or<U, F: FnOnce(T) -> U>(self, default: U, f: F) -> U {
        self.as_option().map_or(default, f)
    }

    pub fn map_or_else<U, D: FnOnce() -> U, F: FnOnce(T) -> U>(self, default: D, f: F) -> U {
        self.as_option().map_or_else(default, f)
    }

    pub fn ok_or<E>(self, err: E) -> Result<T, E> {
        self.as_option().ok_or(err)
    }

    pub fn ok_or_else<E, F: FnOnce() -> E>(self, err: F) -> Result<T, E> {
        self.as_option().ok_or_else(err)
    }

    /// An iterator over the known value (none for null or unknown).
    pub fn iter(&self) -> std::option::IntoIter<&T> {
        self.as_ref_option().into_iter()
    }

    pub fn iter_mut(&mut self) -> std::option::IntoIter<&mut T> {
        self.as_mut_option().into_iter()
    }

    /// `rhs` when this is known; null and unknown stay as they are.
    pub fn and<U>(self, rhs: Value<U>) -> Value<U> {
        self.and_then(|_| rhs)
    }

    pub fn and_then<U, F: FnOnce(T) -> Value<U>>(self, f: F) -> Value<U> {
        match self {
            Value::Value(value) => f(value),
            Value::Null => Value::Null,
            Value::Unknown => Value::Unknown,
        }
    }

    /// Keeps a known value only if `predicate` holds (else null); null and
    /// unknown stay as they are.
    pub fn filter<P: FnOnce(&T) -> bool>(self, predicate: P) -> Self {
        match self {
            Value::Value(value) if !predicate(&value) => Value::Null,
            other => other,
        }
    }

    /// This if known, else `rhs`.
    pub fn or(self, rhs: Self) -> Self {
        match self {
            Value::Value(_) => self,
            _ => rhs,
        }
    }

    pub fn or_else<F: FnOnce() -> Self>(self, f: F) -> Self {
        match self {
            Value::Value(_) => self,
            _ => f(),
        }
    }

    /// Takes the value out, leaving null.
    pub fn take(&mut self) -> Self {
        std::mem::take(self)
    }

    /// Puts a known value in, returning what was there.
    pub fn replace(&mut self, value: T) -> Self {
        std::mem::replace(self, Value::Value(value))
    }

    pub fn contains<U>(&self, x: &U) -> bool
    where
        U: PartialEq<T>,
    {
        matches!(self, Value::Value(value) if x == value)
    }
}

impl<T: Clone> Value<&T> {
    pub fn cloned(self) -> Value<T> {
        self.map(T::clone)
    }
}

impl<T: Copy> Value<&T> {
    pub fn copied(self) -> Value<T> {
        self.map(|value| *value)
    }
}

impl<T: Clone> Value<&mut T> {
    pub fn cloned(self) -> Value<T> {
        self.map(|value| value.clone())
    }
}

impl<T: Copy> Value<&mut T> {
    pub fn copied(self) -> Value<T> {
        self.map(|value| *value)
    }
}

impl<T> From<T> for Value<T> {
    fn from(value: T) -> Self {
        Value::Value(value)
    }
}

impl<T> From<Option<T>> for Value<T> {
    fn from(value: Option<T>) -> Self {
        value.map_or(Value::Null, Value::Value)
    }
}

impl<'a, T> From<&'a Value<T>> for Value<&'a T> {
    fn from(value: &'a Value<T>) -> Self {
        value.as_ref()
    }
}

impl<'a, T> From<&'a mut Value<T>> for Value<&'a mut T> {
    fn from(value: &'a mut Value<T>) -> Self {
        value.as_mut()
    }
}

impl<T> IntoIterator for Value<T> {
    type Item = T;
    type IntoIter = std::option::IntoIter<T>;
    fn into_iter(self) -> Self::IntoIter {
        self.as_option().into_iter()
    }
}

impl<'a, T> IntoIterator for &'a Value<T> {
    type Item = &'a T;
    type IntoIter = std::option::IntoIter<&'a T>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<'a, T> IntoIterator for &'a mut Value<T> {
    type Item = &'a mut T;
    type IntoIter = std::option::IntoIter<&'a mut T>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter_mut()
    }
}

/// A known value prints as itself (as with tf-provider, whose `Value` this
/// replaces), the other states as `Null` and `Unknown`.
impl<T: fmt::Debug> fmt::Debug for Value<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Value(value) => value.fmt(f),
            Value::Null => f.write_str("Null"),
            Value::Unknown => f.write_str("Unknown"),
        }
    }
}

impl<T: Serialize> Serialize for Value<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Value(value) => value.serialize(serializer),
            Value::Null => serializer.serialize_none(),
            Value::Unknown => serializer.serialize_unit_struct(UNKNOWN_UNIT),
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Value<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_newtype_struct(TRI_STATE, TriStateVisitor(PhantomData))
    }
}

struct TriStateVisitor<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for TriStateVisitor<T> {
    type Value = Value<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a value, null or unknown")
    }

    /// Any deserializer other than the bridge: the content is an `Option`.
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        Option::<T>::deserialize(d).map(Value::from)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Value::Null)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        T::deserialize(d).map(Value::Value)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        if v == UNKNOWN_TOKEN {
            Ok(Value::Unknown)
        } else {
            Err(E::invalid_type(de::Unexpected::Str(v), &self))
        }
    }
}

/// A block or object without attributes; serde sees an empty struct.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    serde::Serialize,
    serde::Deserialize,
)]
pub struct StructEmpty {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn behaves_like_an_option_with_a_third_state() {
        let mut known = Value::Value(String::from("a"));
        assert!(known.is_value() && !known.is_null() && !known.is_unknown());
        assert_eq!(known.as_ref_option().map(String::as_str), Some("a"));
        assert_eq!(known.as_deref_option(), Some("a"));
        assert_eq!(known.as_deref(), Value::Value("a"));
        assert_eq!(known.as_ref().cloned(), known);
        assert_eq!(known.iter().count(), 1);
        assert_eq!((&known).into_iter().count(), 1);
        known.as_mut_option().unwrap().push('b');
        for text in known.iter_mut() {
            text.push('c');
        }
        assert_eq!(known.clone().unwrap_or_default(), "abc");
        assert_eq!(known.clone().map(|s| s.len()), Value::Value(3));
        assert_eq!(known.clone().filter(|s| s.is_empty()), Value::Null);
        assert_eq!(known.take(), Value::Value("abc".to_string()));
        assert!(known.is_null());
        assert_eq!(known.replace("x".into()), Value::Null);
        assert!(known.contains(&"x".to_string()));

        let unknown: Value<String> = Value::Unknown;
        assert_eq!(unknown.iter().count(), 0);
        assert_eq!(unknown.clone().map(|s| s.len()), Value::Unknown);
        assert_eq!(unknown.clone().filter(|_| false), Value::Unknown);
        assert_eq!(
            unknown.clone().or(Value::Value("y".into())),
            Value::Value("y".into())
        );
        assert_eq!(unknown.clone().unwrap_or("z".into()), "z");
        assert_eq!(unknown.clone().map_or(0, |s| s.len()), 0);
        assert_eq!(unknown.clone().ok_or("none"), Err("none"));
        assert_eq!(unknown.and_then(|s| Value::Value(s.len())), Value::Unknown);

        assert_eq!(Value::from(Some(1)), Value::Value(1));
        assert_eq!(Value::<i32>::from(None), Value::Null);
        assert_eq!(Value::<i32>::default(), Value::Null);
        let debug = format!("{:?}", vec![Value::Value("a"), Value::Null, Value::Unknown]);
        assert_eq!(debug, r#"["a", Null, Unknown]"#);
    }

    #[test]
    fn other_formats_see_an_option() {
        let json =
            serde_json::to_string(&vec![Value::Value(1), Value::Null, Value::Unknown]).unwrap();
        assert_eq!(json, "[1,null,null]");
        let back: Vec<Value<i32>> = serde_json::from_str("[1,null]").unwrap();
        assert_eq!(back, vec![Value::Value(1), Value::Null]);
        // Through a `serde_json::Value` too, as the notebook settings are kept.
        let tree = serde_json::json!({ "items": [Value::Value(1), Value::<i32>::Null] });
        let items: Value<Vec<Value<i32>>> = serde_json::from_value(tree["items"].clone()).unwrap();
        assert_eq!(items, Value::Value(vec![Value::Value(1), Value::Null]));
        assert_eq!(serde_json::to_string(&StructEmpty {}).unwrap(), "{}");
        let empty: StructEmpty = serde_json::from_str("{}").unwrap();
        assert_eq!(empty, StructEmpty {});
    }
}

/// Serde for an optional nested block (a list of at most one element in the
/// protocol) as one `Value`: that also
/// accepts a block that is not known yet (a `dynamic` block at validate time).
pub mod optional_block {
    use super::Value;
    use serde::de::Error;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

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
