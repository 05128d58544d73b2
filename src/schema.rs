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
