//! Schemas as the provider declares them (attributes, nested attributes,
//! blocks, each with a Markdown description), the value type Terraform
//! derives from them, and their protocol form. Builders keep declarations
//! short and uniform.

use std::collections::BTreeMap;

use super::cty::Type;
use super::proto::tfplugin6 as tf;

#[derive(Clone, Debug)]
pub struct Schema {
    pub version: i64,
    pub block: Block,
}

#[derive(Clone, Debug, Default)]
pub struct Block {
    pub description: String,
    pub attributes: BTreeMap<String, Attribute>,
    pub blocks: BTreeMap<String, NestedBlock>,
    pub deprecated: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Constraint {
    Required,
    Optional,
    /// Optional; when left out the provider fills in a default or what AWS reports.
    OptionalComputed,
    Computed,
}

/// What an attribute holds: a plain type, or nested attributes whose
/// optional members may be left out in the configuration.
#[derive(Clone, Debug)]
pub enum AttributeKind {
    Plain(Type),
    Nested(Nesting, BTreeMap<String, Attribute>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nesting {
    List,
    Map,
}

#[derive(Clone, Debug)]
pub struct Attribute {
    pub kind: AttributeKind,
    pub constraint: Constraint,
    pub description: String,
    pub sensitive: bool,
    pub deprecated: bool,
    /// Sent in the configuration, never stored in the plan or state.
    pub write_only: bool,
}

#[derive(Clone, Debug)]
pub enum NestedBlock {
    /// At most one; sent as a list of zero or one object (as the
    /// hashicorp/aws provider's blocks are), which existing state keeps.
    Optional(Block),
    /// Labelled blocks, `job_profile "critical" { ... }`.
    Map(Block),
}

impl Schema {
    /// The type of the values Terraform sends for this schema.
    pub fn value_type(&self) -> Type {
        self.block.value_type()
    }

    pub fn to_proto(&self) -> tf::Schema {
        tf::Schema {
            version: self.version,
            block: Some(self.block.to_proto(self.version)),
        }
    }
}

impl Block {
    pub fn value_type(&self) -> Type {
        let mut attributes: BTreeMap<String, Type> = self
            .attributes
            .iter()
            .map(|(name, attribute)| (name.clone(), attribute.value_type()))
            .collect();
        for (name, nested) in &self.blocks {
            let ty = match nested {
                NestedBlock::Optional(block) => Type::List(Box::new(block.value_type())),
                NestedBlock::Map(block) => Type::Map(Box::new(block.value_type())),
            };
            attributes.insert(name.clone(), ty);
        }
        Type::Object(attributes)
    }

    fn to_proto(&self, version: i64) -> tf::schema::Block {
        tf::schema::Block {
            version,
            attributes: self
                .attributes
                .iter()
                .map(|(name, attribute)| attribute.to_proto(name))
                .collect(),
            block_types: self
                .blocks
                .iter()
                .map(|(name, nested)| nested.to_proto(name, version))
                .collect(),
            description: self.description.clone(),
            description_kind: tf::StringKind::Markdown as i32,
            deprecated: self.deprecated,
            ..Default::default()
        }
    }
}

impl NestedBlock {
    pub fn block(&self) -> &Block {
        match self {
            NestedBlock::Optional(block) | NestedBlock::Map(block) => block,
        }
    }

    fn to_proto(&self, name: &str, version: i64) -> tf::schema::NestedBlock {
        use tf::schema::nested_block::NestingMode;
        let (nesting, max_items) = match self {
            NestedBlock::Optional(_) => (NestingMode::List, 1),
            NestedBlock::Map(_) => (NestingMode::Map, 0),
        };
        tf::schema::NestedBlock {
            type_name: name.to_string(),
            block: Some(self.block().to_proto(version)),
            nesting: nesting as i32,
            min_items: 0,
            max_items,
        }
    }
}

impl Attribute {
    pub fn value_type(&self) -> Type {
        match &self.kind {
            AttributeKind::Plain(ty) => ty.clone(),
            AttributeKind::Nested(nesting, members) => {
                let object = Type::Object(
                    members
                        .iter()
                        .map(|(name, member)| (name.clone(), member.value_type()))
                        .collect(),
                );
                match nesting {
                    Nesting::List => Type::List(Box::new(object)),
                    Nesting::Map => Type::Map(Box::new(object)),
                }
            }
        }
    }

    fn to_proto(&self, name: &str) -> tf::schema::Attribute {
        let (r#type, nested_type) = match &self.kind {
            AttributeKind::Plain(ty) => (ty.to_json(), None),
            AttributeKind::Nested(nesting, members) => {
                use tf::schema::object::NestingMode;
                let nesting = match nesting {
                    Nesting::List => NestingMode::List,
                    Nesting::Map => NestingMode::Map,
                };
                let object = tf::schema::Object {
                    attributes: members
                        .iter()
                        .map(|(member, attribute)| attribute.to_proto(member))
                        .collect(),
                    nesting: nesting as i32,
                    ..Default::default()
                };
                (Vec::new(), Some(object))
            }
        };
        tf::schema::Attribute {
            name: name.to_string(),
            r#type,
            nested_type,
            description: self.description.clone(),
            required: self.constraint == Constraint::Required,
            optional: matches!(
                self.constraint,
                Constraint::Optional | Constraint::OptionalComputed
            ),
            computed: matches!(
                self.constraint,
                Constraint::Computed | Constraint::OptionalComputed
            ),
            sensitive: self.sensitive,
            description_kind: tf::StringKind::Markdown as i32,
            deprecated: self.deprecated,
            write_only: self.write_only,
            ..Default::default()
        }
    }
}

fn attribute(kind: AttributeKind, constraint: Constraint, doc: &str) -> Attribute {
    Attribute {
        kind,
        constraint,
        description: doc.to_string(),
        sensitive: false,
        deprecated: false,
        write_only: false,
    }
}

pub fn required(ty: Type, doc: &str) -> Attribute {
    attribute(AttributeKind::Plain(ty), Constraint::Required, doc)
}

pub fn optional(ty: Type, doc: &str) -> Attribute {
    attribute(AttributeKind::Plain(ty), Constraint::Optional, doc)
}

pub fn optional_computed(ty: Type, doc: &str) -> Attribute {
    attribute(AttributeKind::Plain(ty), Constraint::OptionalComputed, doc)
}

pub fn computed(ty: Type, doc: &str) -> Attribute {
    attribute(AttributeKind::Plain(ty), Constraint::Computed, doc)
}

pub fn sensitive(mut attribute: Attribute) -> Attribute {
    attribute.sensitive = true;
    attribute
}

/// Nested attributes: `constraint` applies to the whole attribute, each
/// member carries its own (optional members may be left out).
pub fn nested<const N: usize>(
    nesting: Nesting,
    constraint: Constraint,
    doc: &str,
    members: [(&str, Attribute); N],
) -> Attribute {
    attribute(
        AttributeKind::Nested(
            nesting,
            members
                .into_iter()
                .map(|(name, member)| (name.to_string(), member))
                .collect(),
        ),
        constraint,
        doc,
    )
}

pub fn string() -> Type {
    Type::String
}

pub fn number() -> Type {
    Type::Number
}

pub fn boolean() -> Type {
    Type::Bool
}

pub fn list_of_strings() -> Type {
    Type::List(Box::new(Type::String))
}

pub fn map_of_strings() -> Type {
    Type::Map(Box::new(Type::String))
}

pub fn block<const A: usize, const B: usize>(
    doc: &str,
    attributes: [(&str, Attribute); A],
    blocks: [(&str, NestedBlock); B],
) -> Block {
    Block {
        description: doc.to_string(),
        attributes: attributes
            .into_iter()
            .map(|(name, attribute)| (name.to_string(), attribute))
            .collect(),
        blocks: blocks
            .into_iter()
            .map(|(name, nested)| (name.to_string(), nested))
            .collect(),
        deprecated: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Schema {
        Schema {
            version: 2,
            block: block(
                "A thing.",
                [
                    ("name", required(string(), "Its name.")),
                    (
                        "roles",
                        nested(
                            Nesting::Map,
                            Constraint::Optional,
                            "Roles by key.",
                            [
                                ("namespaces", required(list_of_strings(), "Namespaces.")),
                                ("policy", optional(string(), "Policy.")),
                            ],
                        ),
                    ),
                ],
                [(
                    "timeouts",
                    NestedBlock::Optional(block(
                        "Timeouts.",
                        [("create", optional(string(), "Create."))],
                        [],
                    )),
                )],
            ),
        }
    }

    #[test]
    fn nested_attributes_and_blocks_shape_the_value_type() {
        let Type::Object(attributes) = sample().value_type() else {
            panic!("a block is an object");
        };
        assert!(matches!(attributes["roles"], Type::Map(_)));
        assert!(matches!(attributes["timeouts"], Type::List(_)));
        assert_eq!(attributes["name"], Type::String);
    }

    #[test]
    fn nested_attributes_are_sent_without_a_plain_type() {
        let sent = sample().to_proto();
        let block = sent.block.expect("a block");
        let roles = block
            .attributes
            .iter()
            .find(|a| a.name == "roles")
            .expect("roles");
        assert!(roles.r#type.is_empty());
        let object = roles.nested_type.as_ref().expect("nested");
        assert_eq!(object.attributes.len(), 2);
        assert_eq!(block.block_types[0].max_items, 1);
    }
}
