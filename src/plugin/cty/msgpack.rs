//! cty's msgpack encoding of values (`DynamicValue.msgpack`), as go-cty
//! writes and reads it.
//!
//! - null is nil; unknown is any extension value (Terraform sends type 0, or
//!   type 12 carrying refinements, which we read past: ignoring refinements
//!   is always allowed); we write the unrefined form, fixext1 type 0.
//! - numbers: any int, uint or float, or a decimal string; we write an int
//!   when integral and within i64, a float64 when that is exact, else text.
//! - lists, sets and tuples are arrays; maps and objects are maps with
//!   string keys (object attributes absent from the map read as null).
//! - dynamic: `[type JSON as bytes, value]`, or a bare nil/extension for a
//!   null/unknown of no particular type.

use std::collections::BTreeMap;

use rmp::encode::{self, ByteBuf};
use rmp::Marker;

use super::{CodecError, Number, PathStep, Type, Value, MAX_DEPTH};

/// Reads a value of type `ty`. Trailing bytes after the value are an error.
pub fn decode_msgpack(bytes: &[u8], ty: &Type) -> Result<Value, CodecError> {
    let mut reader = Reader {
        input: bytes,
        pos: 0,
    };
    let value = decode(&mut reader, ty, 0)?;
    if reader.pos != bytes.len() {
        return Err(CodecError::new("unexpected data after the msgpack value"));
    }
    Ok(value)
}

/// Writes `value` as type `ty`; fails (with the path) where they disagree.
pub fn encode_msgpack(value: &Value, ty: &Type) -> Result<Vec<u8>, CodecError> {
    let mut out = ByteBuf::new();
    encode_value(&mut out, value, ty)?;
    Ok(out.into_vec())
}

/// One msgpack item's header, with the payload of strings, binaries and
/// extensions borrowed from the input.
enum Item<'a> {
    Nil,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    Str(&'a [u8]),
    Bin(&'a [u8]),
    Array(usize),
    Map(usize),
    Ext,
}

impl Item<'_> {
    fn kind(&self) -> &'static str {
        match self {
            Item::Nil => "nil",
            Item::Bool(_) => "a bool",
            Item::Int(_) | Item::Uint(_) => "an integer",
            Item::Float(_) => "a float",
            Item::Str(_) => "a string",
            Item::Bin(_) => "a binary",
            Item::Array(_) => "an array",
            Item::Map(_) => "a map",
            Item::Ext => "an extension",
        }
    }
}

struct Reader<'a> {
    input: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// The next `n` bytes; never reads (or allocates) past the input.
    fn take(&mut self, n: usize) -> Result<&'a [u8], CodecError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&end| end <= self.input.len())
            .ok_or_else(|| CodecError::new("msgpack data ends early"))?;
        let bytes = &self.input[self.pos..end];
        self.pos = end;
        Ok(bytes)
    }

    fn be<const N: usize>(&mut self) -> Result<[u8; N], CodecError> {
        let mut array = [0u8; N];
        array.copy_from_slice(self.take(N)?);
        Ok(array)
    }

    fn u8(&mut self) -> Result<usize, CodecError> {
        Ok(self.be::<1>()?[0] as usize)
    }

    fn u16(&mut self) -> Result<usize, CodecError> {
        Ok(u16::from_be_bytes(self.be()?) as usize)
    }

    fn u32(&mut self) -> Result<usize, CodecError> {
        Ok(u32::from_be_bytes(self.be()?) as usize)
    }

    fn item(&mut self) -> Result<Item<'a>, CodecError> {
        let marker = Marker::from_u8(self.be::<1>()?[0]);
        Ok(match marker {
            Marker::Null => Item::Nil,
            Marker::True => Item::Bool(true),
            Marker::False => Item::Bool(false),
            Marker::FixPos(n) => Item::Int(i64::from(n)),
            Marker::FixNeg(n) => Item::Int(i64::from(n)),
            Marker::U8 => Item::Uint(u64::from(self.be::<1>()?[0])),
            Marker::U16 => Item::Uint(u64::from(u16::from_be_bytes(self.be()?))),
            Marker::U32 => Item::Uint(u64::from(u32::from_be_bytes(self.be()?))),
            Marker::U64 => Item::Uint(u64::from_be_bytes(self.be()?)),
            Marker::I8 => Item::Int(i64::from(i8::from_be_bytes(self.be()?))),
            Marker::I16 => Item::Int(i64::from(i16::from_be_bytes(self.be()?))),
            Marker::I32 => Item::Int(i64::from(i32::from_be_bytes(self.be()?))),
            Marker::I64 => Item::Int(i64::from_be_bytes(self.be()?)),
            Marker::F32 => Item::Float(f64::from(f32::from_be_bytes(self.be()?))),
            Marker::F64 => Item::Float(f64::from_be_bytes(self.be()?)),
            Marker::FixStr(n) => Item::Str(self.take(usize::from(n))?),
            Marker::Str8 => Item::Str(self.sized(Self::u8)?),
            Marker::Str16 => Item::Str(self.sized(Self::u16)?),
            Marker::Str32 => Item::Str(self.sized(Self::u32)?),
            Marker::Bin8 => Item::Bin(self.sized(Self::u8)?),
            Marker::Bin16 => Item::Bin(self.sized(Self::u16)?),
            Marker::Bin32 => Item::Bin(self.sized(Self::u32)?),
            Marker::FixArray(n) => Item::Array(usize::from(n)),
            Marker::Array16 => Item::Array(self.u16()?),
            Marker::Array32 => Item::Array(self.u32()?),
            Marker::FixMap(n) => Item::Map(usize::from(n)),
            Marker::Map16 => Item::Map(self.u16()?),
            Marker::Map32 => Item::Map(self.u32()?),
            // Extension payloads (a refinement map for type 12) are skipped
            // whole: every extension is an unknown value to us.
            Marker::FixExt1 => self.ext(1)?,
            Marker::FixExt2 => self.ext(2)?,
            Marker::FixExt4 => self.ext(4)?,
            Marker::FixExt8 => self.ext(8)?,
            Marker::FixExt16 => self.ext(16)?,
            Marker::Ext8 => self.sized_ext(Self::u8)?,
            Marker::Ext16 => self.sized_ext(Self::u16)?,
            Marker::Ext32 => self.sized_ext(Self::u32)?,
            Marker::Reserved => return Err(CodecError::new("invalid msgpack marker 0xc1")),
        })
    }

    fn sized(
        &mut self,
        len: fn(&mut Self) -> Result<usize, CodecError>,
    ) -> Result<&'a [u8], CodecError> {
        let n = len(self)?;
        self.take(n)
    }

    fn ext(&mut self, len: usize) -> Result<Item<'a>, CodecError> {
        self.take(1 + len)?; // type byte and payload
        Ok(Item::Ext)
    }

    fn sized_ext(
        &mut self,
        len: fn(&mut Self) -> Result<usize, CodecError>,
    ) -> Result<Item<'a>, CodecError> {
        let n = len(self)?;
        self.ext(n)
    }

    fn remaining(&self) -> usize {
        self.input.len() - self.pos
    }
}

fn mismatch(expected: &Type, found: &Item) -> CodecError {
    CodecError::new(format!("a {expected} is required, found {}", found.kind()))
}

fn utf8(bytes: &[u8]) -> Result<String, CodecError> {
    String::from_utf8(bytes.to_vec()).map_err(|_| CodecError::new("string is not valid UTF-8"))
}

fn decode(reader: &mut Reader, ty: &Type, depth: usize) -> Result<Value, CodecError> {
    if depth > MAX_DEPTH {
        return Err(CodecError::new("value nested too deeply"));
    }
    let item = reader.item()?;
    match item {
        Item::Nil => return Ok(Value::Null),
        Item::Ext => return Ok(Value::Unknown),
        _ => {}
    }
    match ty {
        Type::Dynamic => {
            let (Item::Array(2), Item::Str(json) | Item::Bin(json)) = (item, reader.item()?) else {
                return Err(CodecError::new("a dynamic value must be [type, value]"));
            };
            let concrete = Type::from_json(json).map_err(|e| {
                CodecError::new(format!("the type of a dynamic value: {}", e.message))
            })?;
            let value = decode(reader, &concrete, depth + 1)?;
            Ok(Value::Dynamic(concrete, Box::new(value)))
        }
        Type::Bool => match item {
            Item::Bool(value) => Ok(Value::Bool(value)),
            other => Err(mismatch(ty, &other)),
        },
        Type::Number => match item {
            Item::Int(value) => Ok(Value::Number(value.into())),
            Item::Uint(value) => Ok(Value::Number(value.into())),
            Item::Float(value) => Number::from_f64(value).map(Value::Number).ok_or_else(|| {
                CodecError::new(format!("{value} is not supported: numbers must be finite"))
            }),
            Item::Str(text) | Item::Bin(text) => Number::parse(&utf8(text)?)
                .map(Value::Number)
                .map_err(CodecError::new),
            other => Err(mismatch(ty, &other)),
        },
        Type::String => match item {
            Item::Str(text) | Item::Bin(text) => Ok(Value::String(utf8(text)?)),
            other => Err(mismatch(ty, &other)),
        },
        Type::List(element) | Type::Set(element) => {
            let Item::Array(len) = item else {
                return Err(mismatch(ty, &item));
            };
            let items = decode_elements(reader, len, |_| Some(element), depth)?;
            Ok(match ty {
                Type::Set(_) => Value::Set(items),
                _ => Value::List(items),
            })
        }
        Type::Tuple(elements) => match item {
            Item::Array(len) if len == elements.len() => Ok(Value::Tuple(decode_elements(
                reader,
                len,
                |i| elements.get(i),
                depth,
            )?)),
            other => Err(CodecError::new(format!(
                "a tuple of {} elements is required, found {}",
                elements.len(),
                match other {
                    Item::Array(len) => format!("{len} elements"),
                    other => other.kind().to_string(),
                }
            ))),
        },
        Type::Map(element) => {
            let Item::Map(len) = item else {
                return Err(mismatch(ty, &item));
            };
            let entries = decode_entries(reader, len, depth, |_| Ok(element), PathStep::Key)?;
            Ok(Value::Map(entries))
        }
        Type::Object(attributes) => {
            let Item::Map(len) = item else {
                return Err(mismatch(ty, &item));
            };
            let lookup = |name: &str| {
                attributes
                    .get(name)
                    .ok_or_else(|| CodecError::new(format!("unsupported attribute {name:?}")))
            };
            let mut entries = decode_entries(reader, len, depth, lookup, PathStep::Attribute)?;
            for name in attributes.keys() {
                if !entries.contains_key(name) {
                    entries.insert(name.clone(), Value::Null);
                }
            }
            Ok(Value::Object(entries))
        }
    }
}

fn decode_elements<'t>(
    reader: &mut Reader,
    len: usize,
    element: impl Fn(usize) -> Option<&'t Type>,
    depth: usize,
) -> Result<Vec<Value>, CodecError> {
    // Every element takes at least one byte: cap the reservation by the input.
    let mut items = Vec::with_capacity(len.min(reader.remaining()));
    for i in 0..len {
        let ty = element(i).ok_or_else(|| CodecError::new("too many elements"))?;
        let item = decode(reader, ty, depth + 1).map_err(|e| e.at(PathStep::Index(i as i64)))?;
        items.push(item);
    }
    Ok(items)
}

fn decode_entries<'t>(
    reader: &mut Reader,
    len: usize,
    depth: usize,
    element: impl Fn(&str) -> Result<&'t Type, CodecError>,
    step: fn(String) -> PathStep,
) -> Result<BTreeMap<String, Value>, CodecError> {
    let mut entries = BTreeMap::new();
    for _ in 0..len {
        let key = match reader.item()? {
            Item::Str(key) | Item::Bin(key) => utf8(key)?,
            other => {
                return Err(CodecError::new(format!(
                    "map keys must be strings, found {}",
                    other.kind()
                )))
            }
        };
        let value = element(&key)
            .and_then(|ty| decode(reader, ty, depth + 1))
            .map_err(|e| e.at(step(key.clone())))?;
        entries.insert(key, value);
    }
    Ok(entries)
}

fn encode_value(out: &mut ByteBuf, value: &Value, ty: &Type) -> Result<(), CodecError> {
    match (value, ty) {
        (Value::Unknown, _) => {
            // fixext1 of type 0 with one zero byte: cty's unrefined unknown.
            written(encode::write_ext_meta(out, 1, 0))?;
            out.as_mut_vec().push(0);
        }
        (Value::Null, _) => written(encode::write_nil(out))?,
        (Value::Dynamic(concrete, inner), Type::Dynamic) => {
            written(encode::write_array_len(out, 2))?;
            written(encode::write_bin(out, &concrete.to_json()))?;
            encode_value(out, inner, concrete)?;
        }
        // A wrapper where the schema has a concrete type: the schema wins.
        (Value::Dynamic(_, inner), _) => encode_value(out, inner, ty)?,
        (known, Type::Dynamic) => {
            let concrete = known.infer_type();
            written(encode::write_array_len(out, 2))?;
            written(encode::write_bin(out, &concrete.to_json()))?;
            encode_value(out, known, &concrete)?;
        }
        (Value::Bool(b), Type::Bool) => written(encode::write_bool(out, *b))?,
        (Value::Number(number), Type::Number) => {
            if let Some(integer) = number.to_i64() {
                written(encode::write_sint(out, integer))?;
            } else if let Some(float) = number.exact_fraction_f64() {
                written(encode::write_f64(out, float))?;
            } else {
                written(encode::write_str(out, number.as_str()))?;
            }
        }
        (Value::String(text), Type::String) => written(encode::write_str(out, text))?,
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
            written(encode::write_array_len(out, length(items.len())?))?;
            for (i, item) in items.iter().enumerate() {
                let element = match ty {
                    Type::Tuple(elements) => &elements[i],
                    _ => ty.element().unwrap_or(&Type::Dynamic),
                };
                encode_value(out, item, element).map_err(|e| e.at(PathStep::Index(i as i64)))?;
            }
        }
        (Value::Map(entries) | Value::Object(entries), Type::Map(element)) => {
            written(encode::write_map_len(out, length(entries.len())?))?;
            for (key, item) in entries {
                written(encode::write_str(out, key))?;
                encode_value(out, item, element).map_err(|e| e.at(PathStep::Key(key.clone())))?;
            }
        }
        (Value::Map(entries) | Value::Object(entries), Type::Object(attributes)) => {
            if let Some(name) = entries.keys().find(|name| !attributes.contains_key(*name)) {
                return Err(CodecError::new(format!(
                    "attribute {name:?} is not in the object type"
                )));
            }
            written(encode::write_map_len(out, length(attributes.len())?))?;
            for (name, attribute) in attributes {
                written(encode::write_str(out, name))?;
                let item = entries.get(name).unwrap_or(&Value::Null);
                encode_value(out, item, attribute)
                    .map_err(|e| e.at(PathStep::Attribute(name.clone())))?;
            }
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

/// Writing into a `ByteBuf` cannot fail; this keeps the types honest anyway.
fn written<T, E>(result: Result<T, E>) -> Result<(), CodecError> {
    result
        .map(|_| ())
        .map_err(|_| CodecError::new("msgpack write failed"))
}

fn length(len: usize) -> Result<u32, CodecError> {
    u32::try_from(len).map_err(|_| CodecError::new("too many elements for msgpack"))
}
