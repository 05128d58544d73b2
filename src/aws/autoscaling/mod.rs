//! Amazon EC2 Auto Scaling: the tags of the groups EKS makes for nodegroups.

pub mod group_tags;
