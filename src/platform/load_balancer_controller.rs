//! AWS Load Balancer Controller: EMR on EKS managed endpoints (the
//! notebooks of a Studio) reach their Jupyter gateway through an Ingress
//! that only this controller turns into an Application Load Balancer;
//! without it an endpoint ends FAILED with "Resource Ingress is not ready
//! yet". Here: the release it runs and the Kubernetes versions it supports,
//! its IAM policy (as the controller's documentation lists it, granted
//! through EKS Pod Identity), and its Kubernetes objects.

use serde_json::{json, Value};

use super::compute::ControllerNodes;
use super::naming::KUBERNETES_MANAGER;

pub const NAMESPACE: &str = "kube-system";
pub const SERVICE_ACCOUNT: &str = "aws-load-balancer-controller";
/// Name of the deployment, its cluster role and their bindings.
const NAME: &str = "aws-load-balancer-controller";
/// The ingress class EMR on EKS endpoints ask for.
pub const INGRESS_CLASS: &str = "alb";
/// The controller's feature gate for Services of type LoadBalancer.
const SERVICE_CONTROLLER_GATE: &str = "EnableServiceController";
/// The secret holding the controller's webhook serving certificate: the
/// controller will not start without one.
pub const WEBHOOK_SECRET: &str = "aws-load-balancer-tls";
/// The DNS name the webhook certificate is made out to.
pub const WEBHOOK_SERVICE: &str = "aws-load-balancer-webhook-service";

/// The one release the platform runs. One pinned, tested release rather
/// than a table per Kubernetes version: the controller's releases are not
/// tied to Kubernetes minors; each supports a range, checked below.
pub const VERSION: &str = "v2.17.1";
/// Lowest Kubernetes version the release supports (the controller requires
/// 1.22 or later since v2.5).
pub const MIN_KUBERNETES: (u32, u32) = (1, 22);
/// Highest Kubernetes version the release was released against. A newer
/// cluster means a newer provider release (with a newer controller).
pub const MAX_KUBERNETES: (u32, u32) = (1, 35);

/// The controller's image. Amazon ECR Public serves every region (the
/// platform's nodes reach it through their NAT gateways, as they reach
/// registry.k8s.io for Cluster Autoscaler); the regional ECR copies live
/// in accounts that differ per region, a table that would go stale.
pub fn image() -> String {
    format!("public.ecr.aws/eks/aws-load-balancer-controller:{VERSION}")
}

/// Why the pinned release cannot run on Kubernetes `version`; `None` when it can.
pub fn unsupported(version: (u32, u32)) -> Option<String> {
    let shown = |(major, minor): (u32, u32)| format!("{major}.{minor}");
    (version < MIN_KUBERNETES || version > MAX_KUBERNETES).then(|| {
        format!(
            "AWS Load Balancer Controller {VERSION}, which the platform installs for its managed endpoints, supports Kubernetes {} to {}, not {}; choose a kubernetes_version in that range (or a provider release that supports {}).",
            shown(MIN_KUBERNETES),
            shown(MAX_KUBERNETES),
            shown(version),
            shown(version),
        )
    })
}

fn statement(actions: &[&str], resource: Value, condition: Option<Value>) -> Value {
    let mut statement = json!({ "Effect": "Allow", "Action": actions, "Resource": resource });
    if let Some(condition) = condition {
        statement["Condition"] = condition;
    }
    statement
}

/// What the controller may do, as its installation guide documents it:
/// read the network and the load balancers; make security groups, load
/// balancers and target groups tagged with the cluster tag it writes, and
/// change or delete only those so tagged.
pub fn iam_policy(partition: &str) -> Value {
    // The tag the controller puts on all it makes (releases before 2.2
    // used one tag for Ingresses' and one for Services').
    const CLUSTER_TAG: &str = "elbv2.k8s.aws/cluster";
    let null = |pairs: &[(&str, &str)]| {
        let map: serde_json::Map<String, Value> = pairs
            .iter()
            .map(|(key, value)| (key.to_string(), json!(value)))
            .collect();
        json!({ "Null": map })
    };
    let request_tag = |tag: &str| format!("aws:RequestTag/{tag}");
    let resource_tag = |tag: &str| format!("aws:ResourceTag/{tag}");
    let elb = |what: &str| format!("arn:{partition}:elasticloadbalancing:*:*:{what}");
    let tagged_elb = [
        elb("targetgroup/*/*"),
        elb("loadbalancer/net/*/*"),
        elb("loadbalancer/app/*/*"),
    ];
    let statements = vec![
        statement(
            &["iam:CreateServiceLinkedRole"],
            json!("*"),
            Some(json!({ "StringEquals": {
                "iam:AWSServiceName": "elasticloadbalancing.amazonaws.com"
            } })),
        ),
        statement(
            &[
                "ec2:DescribeAccountAttributes",
                "ec2:DescribeAddresses",
                "ec2:DescribeAvailabilityZones",
                "ec2:DescribeInternetGateways",
                "ec2:DescribeVpcs",
                "ec2:DescribeVpcPeeringConnections",
                "ec2:DescribeSubnets",
                "ec2:DescribeSecurityGroups",
                "ec2:DescribeInstances",
                "ec2:DescribeNetworkInterfaces",
                "ec2:DescribeTags",
                "ec2:DescribeRouteTables",
                "ec2:DescribeIpamPools",
                "ec2:GetCoipPoolUsage",
                "ec2:DescribeCoipPools",
                "ec2:GetSecurityGroupsForVpc",
                "elasticloadbalancing:DescribeLoadBalancers",
                "elasticloadbalancing:DescribeLoadBalancerAttributes",
                "elasticloadbalancing:DescribeListeners",
                "elasticloadbalancing:DescribeListenerCertificates",
                "elasticloadbalancing:DescribeListenerAttributes",
                "elasticloadbalancing:DescribeSSLPolicies",
                "elasticloadbalancing:DescribeRules",
                "elasticloadbalancing:DescribeTargetGroups",
                "elasticloadbalancing:DescribeTargetGroupAttributes",
                "elasticloadbalancing:DescribeTargetHealth",
                "elasticloadbalancing:DescribeTags",
                "elasticloadbalancing:DescribeTrustStores",
                "elasticloadbalancing:DescribeCapacityReservation",
            ],
            json!("*"),
            None,
        ),
        // Certificates, authentication and protection the Ingress names.
        statement(
            &[
                "cognito-idp:DescribeUserPoolClient",
                "acm:ListCertificates",
                "acm:DescribeCertificate",
                "iam:ListServerCertificates",
                "iam:GetServerCertificate",
                "waf-regional:GetWebACL",
                "waf-regional:GetWebACLForResource",
                "waf-regional:AssociateWebACL",
                "waf-regional:DisassociateWebACL",
                "wafv2:GetWebACL",
                "wafv2:GetWebACLForResource",
                "wafv2:AssociateWebACL",
                "wafv2:DisassociateWebACL",
                "shield:GetSubscriptionState",
                "shield:DescribeProtection",
                "shield:CreateProtection",
                "shield:DeleteProtection",
            ],
            json!("*"),
            None,
        ),
        statement(
            &[
                "ec2:AuthorizeSecurityGroupIngress",
                "ec2:RevokeSecurityGroupIngress",
            ],
            json!("*"),
            None,
        ),
        statement(&["ec2:CreateSecurityGroup"], json!("*"), None),
        // Tags on a security group only as it is made with the cluster tag...
        statement(
            &["ec2:CreateTags"],
            json!(format!("arn:{partition}:ec2:*:*:security-group/*")),
            Some(json!({
                "StringEquals": { "ec2:CreateAction": "CreateSecurityGroup" },
                "Null": { request_tag(CLUSTER_TAG): "false" },
            })),
        ),
        // ...or on one that already carries it, without taking it away.
        statement(
            &["ec2:CreateTags", "ec2:DeleteTags"],
            json!(format!("arn:{partition}:ec2:*:*:security-group/*")),
            Some(null(&[
                (&request_tag(CLUSTER_TAG), "true"),
                (&resource_tag(CLUSTER_TAG), "false"),
            ])),
        ),
        statement(
            &[
                "ec2:AuthorizeSecurityGroupIngress",
                "ec2:RevokeSecurityGroupIngress",
                "ec2:DeleteSecurityGroup",
            ],
            json!("*"),
            Some(null(&[(&resource_tag(CLUSTER_TAG), "false")])),
        ),
        statement(
            &[
                "elasticloadbalancing:CreateLoadBalancer",
                "elasticloadbalancing:CreateTargetGroup",
            ],
            json!("*"),
            Some(null(&[(&request_tag(CLUSTER_TAG), "false")])),
        ),
        statement(
            &[
                "elasticloadbalancing:CreateListener",
                "elasticloadbalancing:DeleteListener",
                "elasticloadbalancing:CreateRule",
                "elasticloadbalancing:DeleteRule",
            ],
            json!("*"),
            None,
        ),
        statement(
            &[
                "elasticloadbalancing:AddTags",
                "elasticloadbalancing:RemoveTags",
            ],
            json!(tagged_elb),
            Some(null(&[
                (&request_tag(CLUSTER_TAG), "true"),
                (&resource_tag(CLUSTER_TAG), "false"),
            ])),
        ),
        statement(
            &[
                "elasticloadbalancing:AddTags",
                "elasticloadbalancing:RemoveTags",
            ],
            json!([
                elb("listener/net/*/*/*"),
                elb("listener/app/*/*/*"),
                elb("listener-rule/net/*/*/*"),
                elb("listener-rule/app/*/*/*"),
            ]),
            None,
        ),
        statement(
            &[
                "elasticloadbalancing:ModifyLoadBalancerAttributes",
                "elasticloadbalancing:SetIpAddressType",
                "elasticloadbalancing:SetSecurityGroups",
                "elasticloadbalancing:SetSubnets",
                "elasticloadbalancing:DeleteLoadBalancer",
                "elasticloadbalancing:ModifyTargetGroup",
                "elasticloadbalancing:ModifyTargetGroupAttributes",
                "elasticloadbalancing:DeleteTargetGroup",
                "elasticloadbalancing:ModifyListenerAttributes",
                "elasticloadbalancing:ModifyCapacityReservation",
                "elasticloadbalancing:ModifyIpPools",
            ],
            json!("*"),
            Some(null(&[(&resource_tag(CLUSTER_TAG), "false")])),
        ),
        // Tags given while a load balancer or target group is made.
        statement(
            &["elasticloadbalancing:AddTags"],
            json!(tagged_elb),
            Some(json!({
                "StringEquals": { "elasticloadbalancing:CreateAction": [
                    "CreateTargetGroup", "CreateLoadBalancer"
                ] },
                "Null": { request_tag(CLUSTER_TAG): "false" },
            })),
        ),
        statement(
            &[
                "elasticloadbalancing:RegisterTargets",
                "elasticloadbalancing:DeregisterTargets",
            ],
            json!(elb("targetgroup/*/*")),
            None,
        ),
        statement(
            &[
                "elasticloadbalancing:SetWebAcl",
                "elasticloadbalancing:ModifyListener",
                "elasticloadbalancing:AddListenerCertificates",
                "elasticloadbalancing:RemoveListenerCertificates",
                "elasticloadbalancing:ModifyRule",
                "elasticloadbalancing:SetRulePriorities",
            ],
            json!("*"),
            None,
        ),
    ];
    json!({ "Version": "2012-10-17", "Statement": statements })
}

fn labels() -> Value {
    json!({
        "app.kubernetes.io/name": NAME,
        "app.kubernetes.io/managed-by": KUBERNETES_MANAGER,
    })
}

fn rule(api_groups: &[&str], resources: &[&str], verbs: &[&str]) -> Value {
    json!({ "apiGroups": api_groups, "resources": resources, "verbs": verbs })
}

fn named_rule(api_groups: &[&str], resources: &[&str], names: &[&str], verbs: &[&str]) -> Value {
    json!({ "apiGroups": api_groups, "resources": resources, "resourceNames": names, "verbs": verbs })
}

/// Cluster-wide: read the Ingresses, Services and what backs them, write
/// their status, and keep its own TargetGroupBindings.
fn cluster_rules() -> Vec<Value> {
    let read = ["get", "list", "watch"];
    let networking = ["extensions", "networking.k8s.io"];
    vec![
        rule(&[""], &["endpoints", "namespaces", "nodes", "pods"], &read),
        rule(&[""], &["events"], &["create", "patch"]),
        rule(
            &[""],
            &["pods/status", "services/status"],
            &["patch", "update"],
        ),
        rule(
            &[""],
            &["services"],
            &["get", "list", "patch", "update", "watch"],
        ),
        rule(&["discovery.k8s.io"], &["endpointslices"], &read),
        rule(&["elbv2.k8s.aws"], &["ingressclassparams"], &read),
        rule(
            &["elbv2.k8s.aws"],
            &["targetgroupbindings"],
            &[
                "create", "delete", "get", "list", "patch", "update", "watch",
            ],
        ),
        rule(
            &["elbv2.k8s.aws"],
            &["targetgroupbindings/status"],
            &["patch", "update"],
        ),
        rule(
            &networking,
            &["ingresses"],
            &["get", "list", "patch", "update", "watch"],
        ),
        rule(&networking, &["ingresses/status"], &["patch", "update"]),
        rule(&["networking.k8s.io"], &["ingressclasses"], &read),
    ]
}

/// In its namespace: its leader-election lock.
fn leader_rules() -> Vec<Value> {
    let lock = "aws-load-balancer-controller-leader";
    vec![
        rule(&[""], &["configmaps"], &["create"]),
        named_rule(&[""], &["configmaps"], &[lock], &["get", "patch", "update"]),
        rule(&["coordination.k8s.io"], &["leases"], &["create"]),
        named_rule(
            &["coordination.k8s.io"],
            &["leases"],
            &[lock],
            &["get", "patch", "update"],
        ),
    ]
}

/// A custom resource the controller watches: it fails to start when the
/// kind is unknown. The schema keeps what the resources hold (the
/// controller validates them itself).
fn custom_resource(kind: &str, plural: &str, namespaced: bool, status: bool) -> Value {
    let mut version = json!({
        "name": "v1beta1",
        "served": true,
        "storage": true,
        "schema": { "openAPIV3Schema": {
            "type": "object",
            "x-kubernetes-preserve-unknown-fields": true,
        } },
    });
    if status {
        version["subresources"] = json!({ "status": {} });
    }
    json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": { "name": format!("{plural}.elbv2.k8s.aws"), "labels": labels() },
        "spec": {
            "group": "elbv2.k8s.aws",
            "names": {
                "kind": kind,
                "listKind": format!("{kind}List"),
                "plural": plural,
                "singular": kind.to_lowercase(),
            },
            "scope": if namespaced { "Namespaced" } else { "Cluster" },
            "versions": [version],
        },
    })
}

/// The secret of the webhook's serving certificate (PEM), made once: the
/// controller reads it from a volume at start.
pub fn webhook_secret(certificate: &str, key: &str) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "kubernetes.io/tls",
        "metadata": { "name": WEBHOOK_SECRET, "namespace": NAMESPACE, "labels": labels() },
        "stringData": { "tls.crt": certificate, "tls.key": key, "ca.crt": certificate },
    })
}

/// The DNS names the webhook certificate is made out to.
pub fn webhook_dns_names() -> Vec<String> {
    vec![
        format!("{WEBHOOK_SERVICE}.{NAMESPACE}.svc"),
        format!("{WEBHOOK_SERVICE}.{NAMESPACE}.svc.cluster.local"),
    ]
}

/// Custom resource definitions, service account, RBAC, the ingress class
/// and the deployment, in the order they are applied (deleted in reverse).
/// The webhook secret ([`webhook_secret`]) comes before the deployment and
/// is made apart, once. `vpc_id` and `region` are given to the controller
/// because the nodes' metadata service is closed to pods.
pub fn manifests(
    cluster_name: &str,
    region: &str,
    vpc_id: &str,
    nodes: ControllerNodes,
) -> Vec<Value> {
    let metadata = |name: &str| json!({ "name": name, "namespace": NAMESPACE, "labels": labels() });
    let subject =
        json!([{ "kind": "ServiceAccount", "name": SERVICE_ACCOUNT, "namespace": NAMESPACE }]);
    let leader = format!("{NAME}-leader-election");
    vec![
        custom_resource("IngressClassParams", "ingressclassparams", false, false),
        custom_resource("TargetGroupBinding", "targetgroupbindings", true, true),
        json!({
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": metadata(SERVICE_ACCOUNT),
        }),
        json!({
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRole",
            "metadata": { "name": NAME, "labels": labels() },
            "rules": cluster_rules(),
        }),
        json!({
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRoleBinding",
            "metadata": { "name": NAME, "labels": labels() },
            "roleRef": { "apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": NAME },
            "subjects": subject,
        }),
        json!({
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "Role",
            "metadata": metadata(&leader),
            "rules": leader_rules(),
        }),
        json!({
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "RoleBinding",
            "metadata": metadata(&leader),
            "roleRef": { "apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": leader },
            "subjects": subject,
        }),
        json!({
            "apiVersion": "networking.k8s.io/v1",
            "kind": "IngressClass",
            "metadata": { "name": INGRESS_CLASS, "labels": labels() },
            "spec": { "controller": "ingress.k8s.aws/alb" },
        }),
        deployment(cluster_name, region, vpc_id, nodes),
    ]
}

/// On Auto Mode the controller leaves Services to Auto Mode's own load
/// balancing: it serves only Ingresses of its class (the endpoints' ALBs),
/// whose IngressClass names its controller, not Auto Mode's
/// `eks.amazonaws.com/alb`.
fn deployment(cluster_name: &str, region: &str, vpc_id: &str, nodes: ControllerNodes) -> Value {
    let selector = json!({ "app.kubernetes.io/name": NAME });
    let mut args = vec![
        format!("--cluster-name={cluster_name}"),
        format!("--ingress-class={INGRESS_CLASS}"),
        format!("--aws-region={region}"),
        format!("--aws-vpc-id={vpc_id}"),
    ];
    if nodes == ControllerNodes::AutoModeSystem {
        args.push(format!("--feature-gates={SERVICE_CONTROLLER_GATE}=false"));
    }
    json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": { "name": NAME, "namespace": NAMESPACE, "labels": labels() },
        "spec": {
            // Two, so that ingresses keep being served while a node drains.
            "replicas": 2,
            "selector": { "matchLabels": selector },
            "template": {
                "metadata": { "labels": selector },
                "spec": {
                    "serviceAccountName": SERVICE_ACCOUNT,
                    "priorityClassName": "system-cluster-critical",
                    "nodeSelector": nodes.node_selector(),
                    "tolerations": nodes.tolerations(),
                    "securityContext": { "fsGroup": 65534 },
                    "containers": [{
                        "name": "controller",
                        "image": image(),
                        "imagePullPolicy": "IfNotPresent",
                        "args": args,
                        "ports": [
                            { "name": "webhook-server", "containerPort": 9443, "protocol": "TCP" },
                            { "name": "metrics-server", "containerPort": 8080, "protocol": "TCP" },
                        ],
                        "volumeMounts": [{
                            "name": "cert",
                            "mountPath": "/tmp/k8s-webhook-server/serving-certs",
                            "readOnly": true,
                        }],
                        "livenessProbe": {
                            "httpGet": { "path": "/healthz", "port": 61779, "scheme": "HTTP" },
                            "initialDelaySeconds": 30,
                            "timeoutSeconds": 10,
                            "failureThreshold": 2,
                        },
                        "resources": {
                            "requests": { "cpu": "100m", "memory": "128Mi" },
                            "limits": { "memory": "512Mi" },
                        },
                        "securityContext": {
                            "runAsNonRoot": true,
                            "allowPrivilegeEscalation": false,
                            "readOnlyRootFilesystem": true,
                            "capabilities": { "drop": ["ALL"] },
                        },
                    }],
                    "volumes": [{
                        "name": "cert",
                        "secret": { "secretName": WEBHOOK_SECRET, "defaultMode": 420 },
                    }],
                },
            },
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find<'a>(manifests: &'a [Value], kind: &str) -> &'a Value {
        manifests
            .iter()
            .find(|m| m["kind"] == kind)
            .unwrap_or_else(|| panic!("no {kind}"))
    }

    #[test]
    fn the_release_states_the_kubernetes_it_supports() {
        assert_eq!(unsupported((1, 31)), None);
        assert_eq!(unsupported(MIN_KUBERNETES), None);
        assert_eq!(unsupported(MAX_KUBERNETES), None);
        let newer = unsupported((MAX_KUBERNETES.0, MAX_KUBERNETES.1 + 1)).unwrap_or_default();
        assert!(newer.contains("kubernetes_version"), "{newer}");
        assert!(newer.contains(VERSION), "{newer}");
        assert!(unsupported((1, 21)).is_some());
        assert!(image().ends_with(&format!(":{VERSION}")));
    }

    #[test]
    fn custom_resources_come_before_what_uses_them() {
        let manifests = manifests("analytics", "eu-west-1", "vpc-1", ControllerNodes::Tooling);
        let kinds: Vec<&str> = manifests
            .iter()
            .map(|m| m["kind"].as_str().unwrap_or_default())
            .collect();
        assert_eq!(kinds[..2], ["CustomResourceDefinition"; 2]);
        assert_eq!(kinds.last(), Some(&"Deployment"));
        let crds: Vec<&Value> = manifests
            .iter()
            .filter(|m| m["kind"] == "CustomResourceDefinition")
            .collect();
        for crd in crds {
            let name = crd["metadata"]["name"].as_str().unwrap_or_default();
            let plural = crd["spec"]["names"]["plural"].as_str().unwrap_or_default();
            assert_eq!(name, format!("{plural}.elbv2.k8s.aws"));
        }
    }

    #[test]
    fn deployment_needs_no_instance_metadata() {
        let manifests = manifests("analytics", "eu-west-1", "vpc-1", ControllerNodes::Tooling);
        let pod = &find(&manifests, "Deployment")["spec"]["template"]["spec"];
        assert_eq!(pod["serviceAccountName"], SERVICE_ACCOUNT);
        assert_eq!(pod["nodeSelector"], json!({"role": "tooling"}));
        let args = pod["containers"][0]["args"].to_string();
        for flag in [
            "--cluster-name=analytics",
            "--aws-region=eu-west-1",
            "--aws-vpc-id=vpc-1",
            "--ingress-class=alb",
        ] {
            assert!(args.contains(flag), "{flag}");
        }
        assert_eq!(pod["volumes"][0]["secret"]["secretName"], WEBHOOK_SECRET);
        assert_eq!(
            find(&manifests, "IngressClass")["spec"]["controller"],
            "ingress.k8s.aws/alb"
        );
    }

    #[test]
    fn on_auto_mode_it_runs_on_the_system_pool_and_leaves_services_alone() {
        let manifests = manifests(
            "analytics",
            "eu-west-1",
            "vpc-1",
            ControllerNodes::AutoModeSystem,
        );
        let pod = &find(&manifests, "Deployment")["spec"]["template"]["spec"];
        assert_eq!(pod["nodeSelector"]["karpenter.sh/nodepool"], "system");
        assert_eq!(pod["tolerations"][0]["key"], "CriticalAddonsOnly");
        let args = pod["containers"][0]["args"].to_string();
        assert!(args.contains("EnableServiceController=false"), "{args}");
        assert_ne!(
            find(&manifests, "IngressClass")["spec"]["controller"],
            "eks.amazonaws.com/alb"
        );
    }

    #[test]
    fn bindings_name_the_service_account() {
        let manifests = manifests("c", "eu-west-1", "vpc-1", ControllerNodes::Tooling);
        for kind in ["ClusterRoleBinding", "RoleBinding"] {
            let binding = find(&manifests, kind);
            assert_eq!(binding["subjects"][0]["name"], SERVICE_ACCOUNT, "{kind}");
            let role = find(&manifests, &kind.replace("Binding", ""));
            assert_eq!(binding["roleRef"]["name"], role["metadata"]["name"]);
        }
    }

    #[test]
    fn policy_changes_only_what_carries_the_cluster_tag() {
        let policy = iam_policy("aws");
        let statements = policy["Statement"].as_array().cloned().unwrap_or_default();
        let allowing = |action: &str| -> Vec<&Value> {
            statements
                .iter()
                .filter(|s| {
                    s["Action"]
                        .as_array()
                        .is_some_and(|a| a.contains(&json!(action)))
                })
                .collect()
        };
        for action in [
            "elasticloadbalancing:DeleteLoadBalancer",
            "ec2:DeleteSecurityGroup",
            "elasticloadbalancing:CreateLoadBalancer",
        ] {
            let found = allowing(action);
            assert!(!found.is_empty(), "{action}");
            assert!(
                found.iter().all(|s| s.get("Condition").is_some()),
                "{action} without a condition"
            );
        }
        let service_linked = allowing("iam:CreateServiceLinkedRole");
        assert_eq!(
            service_linked[0]["Condition"]["StringEquals"]["iam:AWSServiceName"],
            "elasticloadbalancing.amazonaws.com"
        );
        assert!(!policy.to_string().contains("arn:aws-cn"));
        assert!(iam_policy("aws-cn").to_string().contains("arn:aws-cn:"));
    }
}
