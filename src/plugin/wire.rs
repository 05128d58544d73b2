//! Values as they cross the protocol: `DynamicValue` (msgpack, or JSON from
//! some clients) and the provider's private bytes.

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::cty::{self, CodecError, Type, Value};
use super::proto::tfplugin6 as tf;

pub type Dynamic = tf::DynamicValue;

/// A wire value of type `ty`; an absent value is null.
pub fn decode(value: &Dynamic, ty: &Type) -> Result<Value, CodecError> {
    if !value.msgpack.is_empty() {
        cty::decode_msgpack(&value.msgpack, ty)
    } else if !value.json.is_empty() {
        cty::decode_json(&value.json, ty)
    } else {
        Ok(Value::Null)
    }
}

pub fn msgpack(bytes: Vec<u8>) -> Dynamic {
    Dynamic {
        msgpack: bytes,
        json: Vec::new(),
    }
}

/// The msgpack encoding of null, for "no object".
pub fn null() -> Dynamic {
    msgpack(vec![0xc0])
}

/// Private state is the provider's own: msgpack with named fields (what
/// earlier releases wrote, so their states keep their private data).
pub fn encode_private<P: Serialize>(private: &P) -> Vec<u8> {
    // Serialising plain structs into a Vec cannot fail; an empty private
    // state only costs a rediscovery.
    rmp_serde::to_vec_named(private).unwrap_or_default()
}

pub fn decode_private<P: DeserializeOwned + Default>(bytes: &[u8]) -> Result<P, String> {
    if bytes.is_empty() {
        return Ok(P::default());
    }
    rmp_serde::from_slice(bytes).map_err(|err| err.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn empty_private_bytes_are_the_default() {
        let private: Option<BTreeMap<String, String>> = decode_private(&[]).unwrap();
        assert!(private.is_none());
        let saved = encode_private(&Some(BTreeMap::from([("a".to_string(), "b".to_string())])));
        let back: Option<BTreeMap<String, String>> = decode_private(&saved).unwrap();
        assert_eq!(back.unwrap()["a"], "b");
    }
}
