//! cty, Terraform's type system, as the plugin protocol carries it: types,
//! values, and the two wire encodings of `DynamicValue` (msgpack and JSON).
//!
//! A value travels without its type; the schema gives the type, so every codec
//! takes the `Type` alongside. Where the schema says `dynamic`, the wire
//! carries the concrete type in-band, and so does `Value::Dynamic`.
//!
//! Every decoder is total: malformed input is an `Err`, never a panic, and
//! nesting is capped at `MAX_DEPTH` so hostile input cannot exhaust the stack.

// A library-like API inside the provider binary: not every accessor or
// codec has a caller yet, and a binary crate reports those as dead.
#![allow(dead_code, unused_imports)]

mod error;
mod json;
mod json_text;
mod msgpack;
mod number;
mod types;
mod value;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

pub use error::{CodecError, PathStep};
pub use json::{decode_json, decode_json_ignoring_undefined, encode_json};
pub use msgpack::{decode_msgpack, encode_msgpack};
pub use number::Number;
pub use types::Type;
pub use value::Value;

/// Deepest nesting of containers (and dynamic wrappers) a decoder accepts.
/// Real schemas nest a handful of levels; the cap only stops hostile input.
pub const MAX_DEPTH: usize = 64;
