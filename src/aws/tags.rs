//! Tags in the shapes the AWS APIs take them, and what a retag removes.

use std::collections::{BTreeMap, HashMap};

/// Tags as the EKS, EMR on EKS and CloudWatch Logs APIs take them.
pub fn hash_map(tags: &BTreeMap<String, String>) -> HashMap<String, String> {
    tags.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

pub fn emr_tags(tags: &BTreeMap<String, String>) -> Vec<aws_sdk_emr::types::Tag> {
    tags.iter()
        .map(|(k, v)| aws_sdk_emr::types::Tag::builder().key(k).value(v).build())
        .collect()
}

pub fn ec2_tags(
    tags: &BTreeMap<String, String>,
    name: Option<&str>,
) -> Vec<aws_sdk_ec2::types::Tag> {
    let mut all: Vec<_> = tags
        .iter()
        .filter(|(k, _)| name.is_none() || k.as_str() != "Name")
        .map(|(k, v)| aws_sdk_ec2::types::Tag::builder().key(k).value(v).build())
        .collect();
    if let Some(name) = name {
        all.push(
            aws_sdk_ec2::types::Tag::builder()
                .key("Name")
                .value(name)
                .build(),
        );
    }
    all
}

pub fn ec2_tag_spec(
    resource_type: aws_sdk_ec2::types::ResourceType,
    tags: &BTreeMap<String, String>,
    name: &str,
) -> aws_sdk_ec2::types::TagSpecification {
    aws_sdk_ec2::types::TagSpecification::builder()
        .resource_type(resource_type)
        .set_tags(Some(ec2_tags(tags, Some(name))))
        .build()
}

pub fn iam_tags(tags: &BTreeMap<String, String>) -> Vec<aws_sdk_iam::types::Tag> {
    tags.iter()
        .filter_map(|(k, v)| {
            aws_sdk_iam::types::Tag::builder()
                .key(k)
                .value(v)
                .build()
                .ok()
        })
        .collect()
}

/// Keys present in `old` but not in `new`: these must be removed on update.
pub fn removed_keys(old: &BTreeMap<String, String>, new: &BTreeMap<String, String>) -> Vec<String> {
    old.keys()
        .filter(|k| !new.contains_key(*k))
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn ec2_name_tag_is_set_once() {
        let tags = ec2_tags(&map(&[("Name", "user"), ("a", "b")]), Some("vpc"));
        let names: Vec<_> = tags.iter().filter(|t| t.key() == Some("Name")).collect();
        assert_eq!(names.len(), 1);
        assert_eq!(names[0].value(), Some("vpc"));
    }

    #[test]
    fn finds_removed_keys() {
        assert_eq!(
            removed_keys(&map(&[("a", "1"), ("b", "2")]), &map(&[("b", "3")])),
            vec!["a".to_string()]
        );
    }
}
