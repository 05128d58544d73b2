//! Pure translation of the platform's configuration into AWS request parts.

use aws_sdk_eks::types::{
    AuthenticationMode, CreateAccessConfigRequest, LogSetup, LogType, Logging, VpcConfigRequest,
};

/// Private endpoint always; the public one only for the CIDRs the user lists.
pub fn vpc_config(subnet_ids: &[String], public_access_cidrs: &[String]) -> VpcConfigRequest {
    let public = !public_access_cidrs.is_empty();
    VpcConfigRequest::builder()
        .set_subnet_ids(Some(subnet_ids.to_vec()))
        .endpoint_private_access(true)
        .endpoint_public_access(public)
        .set_public_access_cidrs(public.then(|| public_access_cidrs.to_vec()))
        .build()
}

/// The endpoint part of an UpdateClusterConfig request (subnets cannot change there).
pub fn endpoint_update(public_access_cidrs: &[String]) -> VpcConfigRequest {
    let public = !public_access_cidrs.is_empty();
    VpcConfigRequest::builder()
        .endpoint_private_access(true)
        .endpoint_public_access(public)
        .set_public_access_cidrs(public.then(|| public_access_cidrs.to_vec()))
        .build()
}

/// All control-plane log types on: Spark platforms are audited and debugged through them.
pub fn control_plane_logging() -> Logging {
    Logging::builder()
        .cluster_logging(
            LogSetup::builder()
                .set_types(Some(vec![
                    LogType::Api,
                    LogType::Audit,
                    LogType::Authenticator,
                    LogType::ControllerManager,
                    LogType::Scheduler,
                ]))
                .enabled(true)
                .build(),
        )
        .build()
}

/// Access entries (no aws-auth ConfigMap edits), with the creator as admin so
/// the provider itself can reach the Kubernetes API.
pub fn access_config() -> CreateAccessConfigRequest {
    CreateAccessConfigRequest::builder()
        .authentication_mode(AuthenticationMode::ApiAndConfigMap)
        .bootstrap_cluster_creator_admin_permissions(true)
        .build()
}

/// The EKS access policy that makes a principal cluster admin.
pub fn cluster_admin_policy_arn(partition: &str) -> String {
    format!("arn:{partition}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_is_private_unless_cidrs_are_given() {
        let private = vpc_config(&["s1".into(), "s2".into()], &[]);
        assert_eq!(private.endpoint_private_access(), Some(true));
        assert_eq!(private.endpoint_public_access(), Some(false));
        assert!(private.public_access_cidrs().is_empty());

        let public = vpc_config(&["s1".into()], &["203.0.113.0/24".into()]);
        assert_eq!(public.endpoint_public_access(), Some(true));
        assert_eq!(public.public_access_cidrs(), ["203.0.113.0/24"]);
    }

    #[test]
    fn all_log_types_are_enabled() {
        let logging = control_plane_logging();
        let setup = &logging.cluster_logging()[0];
        assert_eq!(setup.enabled(), Some(true));
        assert_eq!(setup.types().len(), 5);
    }

    #[test]
    fn access_entries_are_used() {
        assert_eq!(
            access_config().authentication_mode(),
            Some(&AuthenticationMode::ApiAndConfigMap)
        );
    }
}
