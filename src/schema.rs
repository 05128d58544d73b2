//! Small builders that keep schema definitions short and uniform: every
//! attribute carries a Markdown description, which the docs and
//! `terraform providers schema -json` show.

use std::collections::HashMap;

use tf_provider::schema::{
    Attribute, AttributeConstraint, AttributeType, Block, Description, NestedBlock,
};

fn attribute(attr_type: AttributeType, constraint: AttributeConstraint, doc: &str) -> Attribute {
    Attribute {
        attr_type,
        description: Description::markdown(doc),
        constraint,
        sensitive: false,
        deprecated: false,
    }
}

pub fn required(attr_type: AttributeType, doc: &str) -> Attribute {
    attribute(attr_type, AttributeConstraint::Required, doc)
}

pub fn optional(attr_type: AttributeType, doc: &str) -> Attribute {
    attribute(attr_type, AttributeConstraint::Optional, doc)
}

/// Optional; when left out the provider fills in a default or what AWS reports.
pub fn optional_computed(attr_type: AttributeType, doc: &str) -> Attribute {
    attribute(attr_type, AttributeConstraint::OptionalComputed, doc)
}

pub fn computed(attr_type: AttributeType, doc: &str) -> Attribute {
    attribute(attr_type, AttributeConstraint::Computed, doc)
}

pub fn sensitive(mut attr: Attribute) -> Attribute {
    attr.sensitive = true;
    attr
}

pub fn string() -> AttributeType {
    AttributeType::String
}

pub fn number() -> AttributeType {
    AttributeType::Number
}

pub fn boolean() -> AttributeType {
    AttributeType::Bool
}

pub fn list_of_strings() -> AttributeType {
    AttributeType::List(Box::new(AttributeType::String))
}

pub fn map_of_strings() -> AttributeType {
    AttributeType::Map(Box::new(AttributeType::String))
}

/// `map(object({...}))`: every attribute of the objects must be given
/// (null where allowed); tf-provider cannot express nested attributes.
pub fn map_of_objects_type(attrs: &[(&str, AttributeType)]) -> AttributeType {
    AttributeType::Map(Box::new(AttributeType::Object(
        attrs
            .iter()
            .map(|(name, ty)| (name.to_string(), ty.clone()))
            .collect(),
    )))
}

pub fn block<const A: usize, const B: usize>(
    doc: &str,
    attributes: [(&str, Attribute); A],
    blocks: [(&str, NestedBlock); B],
) -> Block {
    Block {
        version: 1,
        attributes: attributes
            .into_iter()
            .map(|(name, attr)| (name.to_string(), attr))
            .collect::<HashMap<_, _>>(),
        blocks: blocks
            .into_iter()
            .map(|(name, nested)| (name.to_string(), nested))
            .collect(),
        description: Description::markdown(doc),
        deprecated: false,
    }
}

/// Serde for an optional nested block (a list of at most one element in the
/// protocol) as one `Value`: like tf-provider's `serde_as_vec`, but it also
/// accepts a block that is not known yet (a `dynamic` block at validate time).
pub mod optional_block {
    use serde::de::Error;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use tf_provider::value::Value;

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
