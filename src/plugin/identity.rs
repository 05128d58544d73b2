//! Resource identity: the few string attributes that tell one remote object
//! from another apart from its schema (a platform's name and region), which
//! Terraform keeps beside the state and `import` blocks may name instead of
//! an id. Here: the identity schema, and identities to and from the wire.

use std::collections::BTreeMap;

use super::cty::{self, Type, Value};
use super::diagnostics::Diagnostics;
use super::proto::tfplugin6 as tf;
use super::wire;

/// An identity: attribute name → value; an optional attribute left out of
/// an `import` block is absent.
pub type Identity = BTreeMap<String, String>;

#[derive(Clone, Debug)]
pub struct IdentityAttribute {
    pub name: &'static str,
    /// Needed in an `import` block; otherwise optional there (filled in from
    /// the provider, like the region).
    pub required_for_import: bool,
    pub description: &'static str,
}

#[derive(Clone, Debug)]
pub struct IdentitySchema {
    pub version: i64,
    pub attributes: Vec<IdentityAttribute>,
}

impl IdentitySchema {
    /// Every identity attribute is a string.
    pub fn value_type(&self) -> Type {
        Type::Object(
            self.attributes
                .iter()
                .map(|a| (a.name.to_string(), Type::String))
                .collect(),
        )
    }

    pub fn to_proto(&self) -> tf::ResourceIdentitySchema {
        tf::ResourceIdentitySchema {
            version: self.version,
            identity_attributes: self
                .attributes
                .iter()
                .map(|a| tf::resource_identity_schema::IdentityAttribute {
                    name: a.name.to_string(),
                    r#type: Type::String.to_json(),
                    required_for_import: a.required_for_import,
                    optional_for_import: !a.required_for_import,
                    description: a.description.to_string(),
                })
                .collect(),
        }
    }

    /// `identity` on the wire; `None` (no identity sent) when it lacks an
    /// attribute, which happens only while the object does not exist yet.
    pub fn encode(&self, identity: &Identity) -> Option<tf::ResourceIdentityData> {
        let mut object = BTreeMap::new();
        for attribute in &self.attributes {
            let value = identity.get(attribute.name)?;
            object.insert(attribute.name.to_string(), Value::String(value.clone()));
        }
        let bytes = cty::encode_msgpack(&Value::Object(object), &self.value_type()).ok()?;
        Some(tf::ResourceIdentityData {
            identity_data: Some(wire::msgpack(bytes)),
        })
    }

    /// An identity Terraform sent (from an `import` block or the state);
    /// null attributes are left out.
    pub fn decode(
        &self,
        data: &tf::ResourceIdentityData,
        diags: &mut Diagnostics,
    ) -> Option<Identity> {
        let value = data.identity_data.as_ref().unwrap_or(&wire::null()).clone();
        let decoded = match wire::decode(&value, &self.value_type()) {
            Ok(decoded) => decoded,
            Err(err) => {
                diags.root_error(
                    "Invalid resource identity",
                    format!("The identity Terraform sent could not be read: {err}."),
                );
                return None;
            }
        };
        let mut identity = Identity::new();
        for attribute in &self.attributes {
            match decoded.get_attr(attribute.name) {
                Some(Value::String(value)) => {
                    identity.insert(attribute.name.to_string(), value.clone());
                }
                Some(Value::Unknown) => {
                    diags.root_error(
                        "Unknown identity attribute",
                        format!("The identity's `{}` must be known.", attribute.name),
                    );
                    return None;
                }
                _ if attribute.required_for_import => {
                    diags.root_error(
                        "Missing identity attribute",
                        format!(
                            "The identity must set `{}`: {}",
                            attribute.name, attribute.description
                        ),
                    );
                    return None;
                }
                _ => {}
            }
        }
        Some(identity)
    }

    /// An identity saved as JSON (by this version of the schema: there is
    /// no older one yet), as the wire value Terraform expects back.
    pub fn upgrade_json(
        &self,
        version: i64,
        json: &[u8],
        diags: &mut Diagnostics,
    ) -> Option<tf::ResourceIdentityData> {
        if version != self.version {
            diags.root_error(
                "Cannot upgrade the resource identity",
                format!(
                    "The identity was saved with identity schema version {version}; this provider knows version {}.",
                    self.version
                ),
            );
            return None;
        }
        let value = match cty::decode_json(json, &self.value_type()) {
            Ok(value) => value,
            Err(err) => {
                diags.root_error(
                    "Cannot upgrade the resource identity",
                    format!("The saved identity could not be read: {err}."),
                );
                return None;
            }
        };
        match cty::encode_msgpack(&value, &self.value_type()) {
            Ok(bytes) => Some(tf::ResourceIdentityData {
                identity_data: Some(wire::msgpack(bytes)),
            }),
            Err(err) => {
                diags.root_error(
                    "Cannot upgrade the resource identity",
                    format!("The saved identity could not be written back: {err}."),
                );
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema() -> IdentitySchema {
        IdentitySchema {
            version: 0,
            attributes: vec![
                IdentityAttribute {
                    name: "name",
                    required_for_import: true,
                    description: "The name.",
                },
                IdentityAttribute {
                    name: "region",
                    required_for_import: false,
                    description: "The region.",
                },
            ],
        }
    }

    fn identity(pairs: &[(&str, &str)]) -> Identity {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn round_trip() {
        let schema = schema();
        let full = identity(&[("name", "analytics"), ("region", "eu-west-1")]);
        let wire = schema.encode(&full).expect("encodes");
        let mut diags = Diagnostics::default();
        assert_eq!(schema.decode(&wire, &mut diags), Some(full));
        assert!(!diags.has_errors());
    }

    #[test]
    fn an_incomplete_identity_is_not_sent() {
        assert!(schema().encode(&identity(&[("name", "a")])).is_none());
    }

    #[test]
    fn optional_attributes_may_be_left_out_of_an_import() {
        let schema = schema();
        let value = Value::Object(BTreeMap::from([
            ("name".to_string(), Value::from("analytics")),
            ("region".to_string(), Value::Null),
        ]));
        let bytes = cty::encode_msgpack(&value, &schema.value_type()).expect("encodes");
        let data = tf::ResourceIdentityData {
            identity_data: Some(wire::msgpack(bytes)),
        };
        let mut diags = Diagnostics::default();
        assert_eq!(
            schema.decode(&data, &mut diags),
            Some(identity(&[("name", "analytics")]))
        );

        let value = Value::Object(BTreeMap::from([
            ("name".to_string(), Value::Null),
            ("region".to_string(), Value::from("eu-west-1")),
        ]));
        let bytes = cty::encode_msgpack(&value, &schema.value_type()).expect("encodes");
        let data = tf::ResourceIdentityData {
            identity_data: Some(wire::msgpack(bytes)),
        };
        assert!(schema.decode(&data, &mut diags).is_none());
        assert!(diags.has_errors());
    }

    #[test]
    fn saved_json_upgrades_to_msgpack() {
        let schema = schema();
        let mut diags = Diagnostics::default();
        let upgraded = schema.upgrade_json(0, br#"{"name":"a","region":"eu-west-1"}"#, &mut diags);
        let upgraded = upgraded.expect("upgraded");
        assert_eq!(
            schema.decode(&upgraded, &mut diags),
            Some(identity(&[("name", "a"), ("region", "eu-west-1")]))
        );
        assert!(schema.upgrade_json(3, b"{}", &mut diags).is_none());
    }
}
