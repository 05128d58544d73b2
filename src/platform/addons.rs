//! Choice of EKS add-on versions from a catalogue shaped like EKS
//! `DescribeAddonVersions`, so the platform installs what EKS recommends for
//! its Kubernetes version instead of hard-coding versions.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use super::iam_documents;
use super::naming::PlatformRole;

/// Add-ons every platform installs: networking, DNS, service proxy, EBS
/// volumes, and the agent that hands out Pod Identity credentials.
pub const REQUIRED_ADDONS: [&str; 5] = [
    "vpc-cni",
    "coredns",
    "kube-proxy",
    "aws-ebs-csi-driver",
    "eks-pod-identity-agent",
];

/// An add-on whose AWS permissions come from a role of its own through
/// EKS Pod Identity (the pod identity agent above hands them out), never
/// from the nodes' role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AddonIdentity {
    pub addon: &'static str,
    /// The add-on's service account, in `kube-system`.
    pub service_account: &'static str,
    pub role: PlatformRole,
    /// AWS-managed policies of the role, by name.
    pub managed_policies: &'static [&'static str],
}

/// The namespace of the add-ons' service accounts.
pub const ADDON_NAMESPACE: &str = "kube-system";

pub const ADDON_IDENTITIES: [AddonIdentity; 2] = [
    AddonIdentity {
        addon: "vpc-cni",
        service_account: "aws-node",
        role: PlatformRole::VpcCni,
        managed_policies: &iam_documents::VPC_CNI_POLICIES,
    },
    AddonIdentity {
        addon: "aws-ebs-csi-driver",
        service_account: "ebs-csi-controller-sa",
        role: PlatformRole::EbsCsi,
        managed_policies: &iam_documents::EBS_CSI_POLICIES,
    },
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compatibility {
    /// Kubernetes version as EKS writes it, e.g. `1.31`.
    pub cluster_version: String,
    pub default_version: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddonVersion {
    /// e.g. `v1.19.2-eksbuild.1`
    pub version: String,
    pub compatibilities: Vec<Compatibility>,
}

/// Add-on name → its versions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddonCatalogue {
    pub addons: BTreeMap<String, Vec<AddonVersion>>,
}

impl AddonCatalogue {
    /// The version EKS marks as default for `kubernetes_version`; if EKS
    /// marks none (it can lag for a new Kubernetes version), the newest
    /// compatible one. `None` when the add-on has no compatible version.
    pub fn default_version(&self, addon: &str, kubernetes_version: &str) -> Option<String> {
        let compatible: Vec<(&AddonVersion, bool)> = self
            .addons
            .get(addon)?
            .iter()
            .filter_map(|version| {
                version
                    .compatibilities
                    .iter()
                    .filter(|c| c.cluster_version == kubernetes_version)
                    .map(|c| c.default_version)
                    .reduce(|a, b| a || b)
                    .map(|is_default| (version, is_default))
            })
            .collect();
        let defaults: Vec<&AddonVersion> = compatible
            .iter()
            .filter(|(_, d)| *d)
            .map(|(v, _)| *v)
            .collect();
        let candidates: Vec<&AddonVersion> = if defaults.is_empty() {
            compatible.iter().map(|(v, _)| *v).collect()
        } else {
            defaults
        };
        candidates
            .into_iter()
            .max_by(|a, b| compare_versions(&a.version, &b.version))
            .map(|v| v.version.clone())
    }
}

impl AddonCatalogue {
    /// Whether EKS lists `version` of the add-on as compatible with `kubernetes_version`.
    pub fn is_compatible(&self, addon: &str, version: &str, kubernetes_version: &str) -> bool {
        self.addons.get(addon).is_some_and(|versions| {
            versions.iter().any(|v| {
                v.version == version
                    && v.compatibilities
                        .iter()
                        .any(|c| c.cluster_version == kubernetes_version)
            })
        })
    }
}

/// The version an installed add-on moves to, if any: EKS's default for the
/// cluster's Kubernetes version when the cluster was just upgraded (as EKS
/// advises after a control-plane upgrade) or when the installed version no
/// longer runs on it; never an older version than installed unless the
/// installed one is incompatible.
pub fn upgrade_to(
    catalogue: &AddonCatalogue,
    addon: &str,
    installed: &str,
    kubernetes_version: &str,
    cluster_upgraded: bool,
) -> Option<String> {
    let target = catalogue.default_version(addon, kubernetes_version)?;
    if target == installed {
        return None;
    }
    let compatible = catalogue.is_compatible(addon, installed, kubernetes_version);
    let newer = compare_versions(&target, installed) == Ordering::Greater;
    (!compatible || (cluster_upgraded && newer)).then_some(target)
}

/// Orders `v1.19.2-eksbuild.10` after `v1.19.2-eksbuild.9`: numbers compare
/// as numbers, everything else as text, piece by piece.
fn compare_versions(a: &str, b: &str) -> Ordering {
    let pieces = |text: &str| -> Vec<String> {
        let mut pieces: Vec<String> = Vec::new();
        let mut current = String::new();
        for c in text.chars() {
            let continues = current
                .chars()
                .last()
                .is_none_or(|last| last.is_ascii_digit() == c.is_ascii_digit());
            if !continues {
                pieces.push(std::mem::take(&mut current));
            }
            current.push(c);
        }
        if !current.is_empty() {
            pieces.push(current);
        }
        pieces
    };
    let (left, right) = (pieces(a), pieces(b));
    for (x, y) in left.iter().zip(&right) {
        let order = match (x.parse::<u64>(), y.parse::<u64>()) {
            (Ok(m), Ok(n)) => m.cmp(&n),
            _ => x.cmp(y),
        };
        if order != Ordering::Equal {
            return order;
        }
    }
    left.len().cmp(&right.len())
}

/// The versions to install: EKS's default for each of `addons`.
pub fn choose(
    catalogue: &AddonCatalogue,
    addons: &[&str],
    kubernetes_version: &str,
) -> Result<BTreeMap<String, String>, String> {
    addons
        .iter()
        .map(|addon| {
            catalogue
                .default_version(addon, kubernetes_version)
                .map(|version| (addon.to_string(), version))
                .ok_or_else(|| {
                    format!("EKS offers no version of {addon} for Kubernetes {kubernetes_version}")
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(name: &str, compat: &[(&str, bool)]) -> AddonVersion {
        AddonVersion {
            version: name.to_string(),
            compatibilities: compat
                .iter()
                .map(|(cluster, default)| Compatibility {
                    cluster_version: cluster.to_string(),
                    default_version: *default,
                })
                .collect(),
        }
    }

    fn catalogue() -> AddonCatalogue {
        let mut addons = BTreeMap::new();
        addons.insert(
            "vpc-cni".to_string(),
            vec![
                version("v1.19.2-eksbuild.10", &[("1.31", false), ("1.32", false)]),
                version("v1.19.2-eksbuild.9", &[("1.31", true), ("1.32", true)]),
                version("v1.18.6-eksbuild.1", &[("1.30", true), ("1.31", false)]),
            ],
        );
        addons.insert(
            "coredns".to_string(),
            vec![
                version("v1.11.4-eksbuild.2", &[("1.33", false)]),
                version("v1.11.4-eksbuild.10", &[("1.33", false)]),
                version("v1.11.3-eksbuild.1", &[("1.31", true)]),
            ],
        );
        AddonCatalogue { addons }
    }

    #[test]
    fn picks_the_version_eks_marks_default() {
        let c = catalogue();
        assert_eq!(
            c.default_version("vpc-cni", "1.31").as_deref(),
            Some("v1.19.2-eksbuild.9")
        );
        assert_eq!(
            c.default_version("vpc-cni", "1.30").as_deref(),
            Some("v1.18.6-eksbuild.1")
        );
        assert_eq!(
            c.default_version("coredns", "1.31").as_deref(),
            Some("v1.11.3-eksbuild.1")
        );
    }

    #[test]
    fn falls_back_to_the_newest_compatible_version() {
        assert_eq!(
            catalogue().default_version("coredns", "1.33").as_deref(),
            Some("v1.11.4-eksbuild.10")
        );
    }

    #[test]
    fn an_upgraded_cluster_moves_add_ons_to_the_new_default() {
        let mut catalogue = AddonCatalogue::default();
        catalogue.addons.insert(
            "coredns".into(),
            vec![
                version("v1.12.1-eksbuild.2", &[("1.32", false), ("1.33", true)]),
                version("v1.11.4-eksbuild.14", &[("1.32", true), ("1.33", false)]),
                version("v1.11.3-eksbuild.2", &[("1.31", true)]),
            ],
        );
        let up = |installed: &str, k8s: &str, upgraded: bool| {
            upgrade_to(&catalogue, "coredns", installed, k8s, upgraded)
        };
        // Raised to 1.33: the new default, though the old one still runs.
        assert_eq!(
            up("v1.11.4-eksbuild.14", "1.33", true).as_deref(),
            Some("v1.12.1-eksbuild.2")
        );
        // Any other apply leaves a compatible version alone.
        assert_eq!(up("v1.11.4-eksbuild.14", "1.33", false), None);
        // An incompatible version moves whatever the apply.
        assert_eq!(
            up("v1.11.3-eksbuild.2", "1.33", false).as_deref(),
            Some("v1.12.1-eksbuild.2")
        );
        assert_eq!(up("v1.12.1-eksbuild.2", "1.33", true), None);
        // Never downgraded while compatible.
        assert_eq!(up("v1.12.1-eksbuild.2", "1.32", true), None);
    }

    #[test]
    fn nothing_when_unknown_or_incompatible() {
        let c = catalogue();
        assert_eq!(c.default_version("kube-proxy", "1.31"), None);
        assert_eq!(c.default_version("vpc-cni", "1.29"), None);
        assert_eq!(
            AddonCatalogue::default().default_version("vpc-cni", "1.31"),
            None
        );
    }

    #[test]
    fn version_order_is_numeric() {
        assert_eq!(compare_versions("v1.9.0", "v1.10.0"), Ordering::Less);
        assert_eq!(
            compare_versions("v1.19.2-eksbuild.10", "v1.19.2-eksbuild.9"),
            Ordering::Greater
        );
        assert_eq!(compare_versions("v1.2", "v1.2.1"), Ordering::Less);
        assert_eq!(compare_versions("v1.2.1", "v1.2.1"), Ordering::Equal);
    }

    #[test]
    fn addons_with_their_own_role_are_installed() {
        for identity in ADDON_IDENTITIES {
            assert!(REQUIRED_ADDONS.contains(&identity.addon), "{identity:?}");
            assert!(!identity.managed_policies.is_empty());
        }
        assert!(!iam_documents::NODE_ROLE_POLICIES.contains(&"AmazonEKS_CNI_Policy"));
    }

    #[test]
    fn required_addons_include_pod_identity() {
        assert!(REQUIRED_ADDONS.contains(&"eks-pod-identity-agent"));
        assert!(REQUIRED_ADDONS.contains(&"aws-ebs-csi-driver"));
    }

    fn default_for(v: &str, k8s: &str, default: bool) -> AddonVersion {
        AddonVersion {
            version: v.into(),
            compatibilities: vec![Compatibility {
                cluster_version: k8s.into(),
                default_version: default,
            }],
        }
    }

    #[test]
    fn chooses_every_required_addon_or_says_which_is_missing() {
        let mut catalogue = AddonCatalogue::default();
        for addon in REQUIRED_ADDONS {
            catalogue.addons.insert(
                addon.to_string(),
                vec![
                    default_for("v1.0.0", "1.31", false),
                    default_for("v1.1.0", "1.31", true),
                ],
            );
        }
        let chosen = choose(&catalogue, &REQUIRED_ADDONS, "1.31").unwrap();
        assert_eq!(chosen.len(), 5);
        assert!(chosen.values().all(|v| v == "v1.1.0"));

        catalogue.addons.remove("coredns");
        assert!(choose(&catalogue, &REQUIRED_ADDONS, "1.31")
            .unwrap_err()
            .contains("coredns"));
    }
}
