//! `Type`: cty's type constraints, and their JSON form, which the protocol
//! uses for schema attribute types and for the in-band type of dynamic values.

use std::collections::BTreeMap;
use std::fmt;

use super::json_text::{self, Json};
use super::CodecError;

/// A cty type. `Dynamic` ("any type") is only a constraint: a value in a
/// dynamic position carries its concrete type (see `Value::Dynamic`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Type {
    Bool,
    Number,
    String,
    Dynamic,
    List(Box<Type>),
    Set(Box<Type>),
    Map(Box<Type>),
    Object(BTreeMap<String, Type>),
    Tuple(Vec<Type>),
}

impl Type {
    pub fn list(element: Type) -> Type {
        Type::List(Box::new(element))
    }

    pub fn set(element: Type) -> Type {
        Type::Set(Box::new(element))
    }

    pub fn map(element: Type) -> Type {
        Type::Map(Box::new(element))
    }

    pub fn object<K: Into<String>>(attributes: impl IntoIterator<Item = (K, Type)>) -> Type {
        Type::Object(
            attributes
                .into_iter()
                .map(|(name, ty)| (name.into(), ty))
                .collect(),
        )
    }

    /// The element type of a list, set or map.
    pub fn element(&self) -> Option<&Type> {
        match self {
            Type::List(element) | Type::Set(element) | Type::Map(element) => Some(element),
            _ => None,
        }
    }

    /// The type of an object attribute.
    pub fn attribute(&self, name: &str) -> Option<&Type> {
        match self {
            Type::Object(attributes) => attributes.get(name),
            _ => None,
        }
    }

    /// cty's compact JSON form: `"string"`, `["list","number"]`,
    /// `["object",{"a":"bool"}]`, `["tuple",["string"]]`, `"dynamic"`.
    pub fn to_json(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.write_json(&mut out);
        out
    }

    fn write_json(&self, out: &mut Vec<u8>) {
        let collection = |out: &mut Vec<u8>, kind: &[u8], element: &Type| {
            out.extend_from_slice(b"[\"");
            out.extend_from_slice(kind);
            out.extend_from_slice(b"\",");
            element.write_json(out);
            out.push(b']');
        };
        match self {
            Type::Bool => out.extend_from_slice(b"\"bool\""),
            Type::Number => out.extend_from_slice(b"\"number\""),
            Type::String => out.extend_from_slice(b"\"string\""),
            Type::Dynamic => out.extend_from_slice(b"\"dynamic\""),
            Type::List(element) => collection(out, b"list", element),
            Type::Set(element) => collection(out, b"set", element),
            Type::Map(element) => collection(out, b"map", element),
            Type::Object(attributes) => {
                out.extend_from_slice(b"[\"object\",{");
                for (i, (name, ty)) in attributes.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    json_text::write_string(out, name);
                    out.push(b':');
                    ty.write_json(out);
                }
                out.extend_from_slice(b"}]");
            }
            Type::Tuple(elements) => {
                out.extend_from_slice(b"[\"tuple\",[");
                for (i, ty) in elements.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    ty.write_json(out);
                }
                out.extend_from_slice(b"]]");
            }
        }
    }

    /// Reads cty's JSON form of a type. An object type's optional third
    /// element (its optional attribute names, which only matter for type
    /// conversion in Terraform) is accepted and dropped.
    pub fn from_json(bytes: &[u8]) -> Result<Type, CodecError> {
        let json = json_text::parse(bytes).map_err(CodecError::new)?;
        Type::from_json_tree(&json).map_err(CodecError::new)
    }

    pub(crate) fn from_json_tree(json: &Json) -> Result<Type, String> {
        match json {
            Json::String(name) => match name.as_str() {
                "bool" => Ok(Type::Bool),
                "number" => Ok(Type::Number),
                "string" => Ok(Type::String),
                "dynamic" => Ok(Type::Dynamic),
                other => Err(format!("invalid primitive type name {other:?}")),
            },
            Json::Array(items) => {
                let (kind, argument, rest) = match items.as_slice() {
                    [Json::String(kind), argument, rest @ ..] => (kind.as_str(), argument, rest),
                    _ => return Err("invalid complex type description".to_string()),
                };
                let extra = || format!("unexpected extra data in the {kind} type description");
                match kind {
                    "list" | "set" | "map" if !rest.is_empty() => Err(extra()),
                    "list" => Ok(Type::list(Type::from_json_tree(argument)?)),
                    "set" => Ok(Type::set(Type::from_json_tree(argument)?)),
                    "map" => Ok(Type::map(Type::from_json_tree(argument)?)),
                    "object" => {
                        let Json::Object(members) = argument else {
                            return Err("an object type needs an object of attribute types".into());
                        };
                        match rest {
                            [] => {}
                            [Json::Array(optional)]
                                if optional.iter().all(|name| matches!(name, Json::String(_))) => {}
                            _ => return Err(extra()),
                        }
                        let mut attributes = BTreeMap::new();
                        for (name, ty) in members {
                            let ty = Type::from_json_tree(ty)
                                .map_err(|e| format!("attribute {name:?}: {e}"))?;
                            attributes.insert(name.clone(), ty);
                        }
                        Ok(Type::Object(attributes))
                    }
                    "tuple" => {
                        let Json::Array(elements) = argument else {
                            return Err("a tuple type needs an array of element types".into());
                        };
                        if !rest.is_empty() {
                            return Err(extra());
                        }
                        let elements = elements
                            .iter()
                            .map(Type::from_json_tree)
                            .collect::<Result<_, _>>()?;
                        Ok(Type::Tuple(elements))
                    }
                    other => Err(format!("invalid complex type kind {other:?}")),
                }
            }
            other => Err(format!("invalid type description: {}", other.kind())),
        }
    }
}

/// Terraform's own notation, for messages: `list(string)`, `object({a=number})`.
impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Bool => f.write_str("bool"),
            Type::Number => f.write_str("number"),
            Type::String => f.write_str("string"),
            Type::Dynamic => f.write_str("any"),
            Type::List(element) => write!(f, "list({element})"),
            Type::Set(element) => write!(f, "set({element})"),
            Type::Map(element) => write!(f, "map({element})"),
            Type::Object(attributes) => {
                f.write_str("object({")?;
                for (i, (name, ty)) in attributes.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, "{name}={ty}")?;
                }
                f.write_str("})")
            }
            Type::Tuple(elements) => {
                f.write_str("tuple([")?;
                for (i, ty) in elements.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, "{ty}")?;
                }
                f.write_str("])")
            }
        }
    }
}
