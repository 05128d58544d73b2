//! The serde bridge: typed Rust state (structs of `Value<T>`, plain and
//! optional fields, maps, lists) to and from cty values.
//!
//! - Structs are objects: attributes the struct lacks are skipped on
//!   reading, struct fields the object lacks take their `#[serde(default)]`;
//!   on writing, attributes no field wrote are null and a field the type
//!   lacks is an error.
//! - `Value<T>` carries all three states; a plain `Option<T>` reads null as
//!   `None` and refuses an unknown; a plain `T` refuses both.
//! - Integers are checked (no silent truncation of `9999999999999999` or
//!   `7.5`); `f64` takes any number; a self-describing target gets an `i64`
//!   or `u64` for an integer that fits, else the exact decimal text.
//! - Writing, a string goes into a number attribute as a decimal, Rust
//!   sequences fill lists, sets and tuples, maps and structs fill maps and
//!   objects; in a dynamic position the type is inferred from the data.
//!
//! Errors carry the attribute path for diagnostics.

// A library-like API inside the provider binary (see `cty`).
#![allow(dead_code)]

mod de;
mod ser;

#[cfg(test)]
mod tests;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::plugin::cty::{self, CodecError};

/// Reads `T` out of a cty value.
pub fn from_value<T: DeserializeOwned>(value: &cty::Value) -> Result<T, CodecError> {
    T::deserialize(de::Deserializer::new(value))
}

/// Writes `value` as a cty value of type `ty`.
pub fn to_value<T: Serialize + ?Sized>(
    value: &T,
    ty: &cty::Type,
) -> Result<cty::Value, CodecError> {
    ser::serialize_as(value, ty)
}
