//! Plan-time sizing check of a node group's instance types against the job
//! profile whose pods it hosts: how many drivers or executors fit a node,
//! how much of the node they use, and a warning naming the instance type
//! when a pod does not fit at all or leaves more than a quarter of the node
//! unused. Pure: the caller turns `DescribeInstanceTypes` into
//! [`InstanceShape`]s and reports the warnings as diagnostics.
//!
//! A node's allocatable resources follow what the EKS AMIs configure for the
//! kubelet (`kubeReserved` and the hard eviction threshold; no
//! `systemReserved`), so the numbers match `kubectl describe node`.
//!
//! Longer than most files: over half of it is worked examples (tests) that
//! pin each figure to what EKS and Spark compute for real instance types.

use super::job_profiles::{
    memory_with_overhead_mib, ProfileSettings, DEFAULT_MEMORY_OVERHEAD_FACTOR,
};
use super::pod_templates::{JobProfile, SparkRole};

/// A node group's instance type as `DescribeInstanceTypes` describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceShape {
    pub instance_type: String,
    /// `VCpuInfo.DefaultVCpus`.
    pub vcpus: u32,
    /// `MemoryInfo.SizeInMiB`.
    pub memory_mib: u64,
    /// Pods the kubelet admits: [`max_pods`] of the instance's network
    /// limits, capped by [`managed_max_pods`] for managed node groups.
    pub max_pods: u32,
}

/// Ceiling EKS managed node groups put on max pods for instances with fewer
/// than [`MANY_VCPUS`] vCPUs.
pub const MAX_PODS_CEILING_SMALL: u32 = 110;
/// Ceiling EKS managed node groups put on max pods for the other instances.
pub const MAX_PODS_CEILING_LARGE: u32 = 250;
/// vCPUs from which [`MAX_PODS_CEILING_LARGE`] applies.
pub const MANY_VCPUS: u32 = 30;

/// Max pods of an instance type under the VPC CNI without prefix delegation
/// (the EKS AMIs' `eni-max-pods.txt`): every ENI but its primary address
/// gives a pod an IP, plus 2 for the host-network pods (kube-proxy,
/// aws-node): `ENIs × (IPv4 addresses per ENI − 1) + 2`. The inputs are
/// `NetworkInfo.MaximumNetworkInterfaces` and `Ipv4AddressesPerInterface`.
/// E.g. m5.xlarge: 4 × (15 − 1) + 2 = 58; m6gd.8xlarge: 8 × (30 − 1) + 2 = 234.
pub fn max_pods(enis: u32, ipv4_per_eni: u32) -> u32 {
    enis.saturating_mul(ipv4_per_eni.saturating_sub(1))
        .saturating_add(2)
}

/// [`max_pods`] with the ceiling EKS managed node groups apply: 110 for
/// instances with fewer than 30 vCPUs, 250 for the others (m5.4xlarge: 234
/// → 110; m6gd.8xlarge with 32 vCPUs keeps 234; m5.24xlarge: 737 → 250).
pub fn managed_max_pods(vcpus: u32, enis: u32, ipv4_per_eni: u32) -> u32 {
    let ceiling = if vcpus < MANY_VCPUS {
        MAX_PODS_CEILING_SMALL
    } else {
        MAX_PODS_CEILING_LARGE
    };
    max_pods(enis, ipv4_per_eni).min(ceiling)
}

/// What the kubelet lets pods request on a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allocatable {
    pub cpu_millicores: u64,
    pub memory_mib: u64,
}

/// The kubelet's hard eviction threshold on the EKS AMIs
/// (`evictionHard: memory.available: 100Mi`), subtracted from allocatable.
pub const EVICTION_HARD_MEMORY_MIB: u64 = 100;

/// CPU the EKS AMIs reserve for Kubernetes (`kubeReserved.cpu`), the GKE
/// ladder: 6% of the first core, 1% of the second, 0.5% of the third and
/// fourth, 0.25% of every core above four. The AMI sums the ranges in
/// integer millicores, so the odd half millicore is dropped (5 vCPUs: 82m).
/// 1 vCPU: 60m; 2: 70m; 4: 80m; 8: 90m; 32: 150m.
pub fn kube_reserved_cpu_millicores(vcpus: u32) -> u64 {
    let total = u64::from(vcpus) * 1000;
    // (start, end) of each range in millicores, and its share in 1/10000.
    let ranges = [(0, 1000, 600), (1000, 2000, 100), (2000, 4000, 50)];
    let ladder: u64 = ranges
        .iter()
        .map(|&(start, end, share)| (total.clamp(start, end) - start) * share / 10_000)
        .sum();
    ladder + total.saturating_sub(4000) * 25 / 10_000
}

/// Memory the EKS AMIs reserve for Kubernetes (`kubeReserved.memory`):
/// 255 MiB plus 11 MiB for every pod the node may run.
pub fn kube_reserved_memory_mib(max_pods: u32) -> u64 {
    255 + 11 * u64::from(max_pods)
}

/// A node's allocatable resources: capacity minus `kubeReserved` (see
/// [`kube_reserved_cpu_millicores`], [`kube_reserved_memory_mib`]) minus the
/// hard eviction threshold ([`EVICTION_HARD_MEMORY_MIB`]) for memory.
///
/// m5.xlarge (4 vCPUs, 16384 MiB, 58 pods): CPU 4000 − 80 = 3920m, memory
/// 16384 − (255 + 11 × 58) − 100 = 15391 MiB.
pub fn allocatable(shape: &InstanceShape) -> Allocatable {
    let capacity_cpu = u64::from(shape.vcpus) * 1000;
    Allocatable {
        cpu_millicores: capacity_cpu.saturating_sub(kube_reserved_cpu_millicores(shape.vcpus)),
        memory_mib: shape
            .memory_mib
            .saturating_sub(kube_reserved_memory_mib(shape.max_pods))
            .saturating_sub(EVICTION_HARD_MEMORY_MIB),
    }
}

/// What a pod requests from the scheduler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PodRequest {
    pub cpu_millicores: u64,
    pub memory_mib: u64,
}

/// Requests of the DaemonSets every node of the platform runs, which leave
/// that much less for Spark: kube-proxy, aws-node (VPC CNI), ebs-csi-node
/// and eks-pod-identity-agent. Their add-on defaults request less (about
/// 100m + 25m CPU and a few dozen MiB); this is a round, conservative
/// figure that also absorbs add-on version changes.
pub const DAEMONSET_REQUESTS: PodRequest = PodRequest {
    cpu_millicores: 200,
    memory_mib: 400,
};
/// Pods of those DaemonSets, which take that many of the node's max pods.
pub const DAEMONSET_PODS: u32 = 4;

/// Request of one executor of a profile: `executor_cores` in millicores
/// (rounded up), `executor_memory` plus Spark's memory overhead at the
/// default factor.
pub fn executor_request(settings: &ProfileSettings) -> Result<PodRequest, String> {
    Ok(PodRequest {
        cpu_millicores: millicores(settings.executor_cores)
            .map_err(|why| format!("executor_cores: {why}"))?,
        memory_mib: memory_with_overhead_mib(
            &settings.executor_memory,
            DEFAULT_MEMORY_OVERHEAD_FACTOR,
        )
        .map_err(|why| format!("executor_memory: {why}"))?,
    })
}

/// Request of a profile's driver, as [`executor_request`] with the driver's settings.
pub fn driver_request(settings: &ProfileSettings) -> Result<PodRequest, String> {
    Ok(PodRequest {
        cpu_millicores: millicores(settings.driver_cores)
            .map_err(|why| format!("driver_cores: {why}"))?,
        memory_mib: memory_with_overhead_mib(
            &settings.driver_memory,
            DEFAULT_MEMORY_OVERHEAD_FACTOR,
        )
        .map_err(|why| format!("driver_memory: {why}"))?,
    })
}

/// [`executor_request`] or [`driver_request`] by role.
pub fn request(settings: &ProfileSettings, spark_role: SparkRole) -> Result<PodRequest, String> {
    match spark_role {
        SparkRole::Driver => driver_request(settings),
        SparkRole::Executor => executor_request(settings),
    }
}

/// The pod as [`check`] names it, e.g. "executor of the critical profile:
/// 8 cores, 28g + overhead".
pub fn describe(profile: JobProfile, spark_role: SparkRole, settings: &ProfileSettings) -> String {
    let (cores, memory) = match spark_role {
        SparkRole::Driver => (settings.driver_cores, &settings.driver_memory),
        SparkRole::Executor => (settings.executor_cores, &settings.executor_memory),
    };
    format!(
        "{} of the {} profile: {cores} cores, {memory} + overhead",
        spark_role.as_str(),
        profile.as_str()
    )
}

/// Cores as Kubernetes millicores, rounded up; values a float error away
/// from a whole millicore (7.7 × 1000) are not bumped.
fn millicores(cores: f64) -> Result<u64, String> {
    if !cores.is_finite() || cores <= 0.0 {
        return Err(format!(
            "{cores} is not a positive number of cores; use e.g. 3.8"
        ));
    }
    let exact = cores * 1000.0;
    let nearest = exact.round();
    let millicores = if (exact - nearest).abs() < 1e-6 {
        nearest
    } else {
        exact.ceil()
    };
    Ok(millicores as u64)
}

/// How a role's pods fill one node.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fit {
    /// Pods that fit next to the DaemonSets, limited by CPU, memory and max pods.
    pub pods_per_node: u32,
    /// Share (0 to 1) of the node's allocatable requested once those pods
    /// run, DaemonSets included (as `kubectl describe node` reports it), of
    /// the resource they use most, the one that binds. 0 when no pod fits:
    /// such a node is of no use to the role.
    pub utilization: f64,
}

/// What limits the pods per node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Binding {
    Cpu,
    Memory,
    MaxPods,
}

/// The fit with what binds it and the resources left after the DaemonSets.
struct Detail {
    fit: Fit,
    binding: Binding,
    allocatable: Allocatable,
    free: PodRequest,
    free_slots: u32,
    cpu_share: f64,
    memory_share: f64,
}

fn detail(shape: &InstanceShape, request: &PodRequest) -> Detail {
    let allocatable = allocatable(shape);
    let free = PodRequest {
        cpu_millicores: allocatable
            .cpu_millicores
            .saturating_sub(DAEMONSET_REQUESTS.cpu_millicores),
        memory_mib: allocatable
            .memory_mib
            .saturating_sub(DAEMONSET_REQUESTS.memory_mib),
    };
    let free_slots = shape.max_pods.saturating_sub(DAEMONSET_PODS);
    let per = |free: u64, each: u64| free.checked_div(each).unwrap_or(u64::MAX);
    let limits = [
        (
            per(free.cpu_millicores, request.cpu_millicores),
            Binding::Cpu,
        ),
        (per(free.memory_mib, request.memory_mib), Binding::Memory),
        (u64::from(free_slots), Binding::MaxPods),
    ];
    let (pods, binding) = limits
        .into_iter()
        .min_by_key(|(pods, _)| *pods)
        .unwrap_or((0, Binding::MaxPods));
    // At most free_slots, itself a u32.
    let pods = u32::try_from(pods).unwrap_or(free_slots);
    let share = |daemonsets: u64, each: u64, total: u64| {
        if total == 0 {
            return 1.0;
        }
        (daemonsets + u64::from(pods) * each) as f64 / total as f64
    };
    let cpu_share = share(
        DAEMONSET_REQUESTS.cpu_millicores,
        request.cpu_millicores,
        allocatable.cpu_millicores,
    );
    let memory_share = share(
        DAEMONSET_REQUESTS.memory_mib,
        request.memory_mib,
        allocatable.memory_mib,
    );
    let utilization = if pods == 0 {
        0.0
    } else {
        cpu_share.max(memory_share)
    };
    Detail {
        fit: Fit {
            pods_per_node: pods,
            utilization,
        },
        binding,
        allocatable,
        free,
        free_slots,
        cpu_share,
        memory_share,
    }
}

/// How many of the pods fit a node of `shape`, next to the DaemonSets
/// ([`DAEMONSET_REQUESTS`], [`DAEMONSET_PODS`]), and how much of the node
/// they then use.
pub fn fit(shape: &InstanceShape, request: &PodRequest) -> Fit {
    detail(shape, request).fit
}

/// Below this [`Fit::utilization`] a node wastes more than a quarter of itself.
pub const MIN_UTILIZATION: f64 = 0.75;

/// `None` when `request` fits a node of `shape` and uses at least
/// [`MIN_UTILIZATION`] of it; otherwise a warning naming the instance type,
/// the pod (`what`, see [`describe`]), the node's allocatable, and what to
/// change.
pub fn check(shape: &InstanceShape, request: &PodRequest, what: &str) -> Option<String> {
    let d = detail(shape, request);
    let node = format!(
        "each {} node ({} vCPUs, {} MiB) has {}m CPU and {} MiB allocatable, {}m and {} MiB of them left after the DaemonSets",
        shape.instance_type,
        shape.vcpus,
        shape.memory_mib,
        d.allocatable.cpu_millicores,
        d.allocatable.memory_mib,
        d.free.cpu_millicores,
        d.free.memory_mib,
    );
    let asks = format!(
        "The pod requests {}m CPU and {} MiB memory, overhead included",
        request.cpu_millicores, request.memory_mib
    );
    if d.fit.pods_per_node == 0 {
        let mut short = Vec::new();
        if request.cpu_millicores > d.free.cpu_millicores {
            short.push("CPU");
        }
        if request.memory_mib > d.free.memory_mib {
            short.push("memory");
        }
        if d.free_slots == 0 {
            short.push("pod slots (max pods)");
        }
        let change = match (
            suggest_cores(d.free.cpu_millicores, 1),
            suggest_heap(d.free.memory_mib, 1),
        ) {
            (Some(cores), Some(heap)) if d.free_slots > 0 => format!(
                "choose a larger instance type, or lower the pod to at most {cores} cores and a {heap} heap (Spark adds its overhead on top)"
            ),
            _ => "choose a larger instance type".to_string(),
        };
        return Some(format!(
            "Instance type {} cannot hold the {what}. {asks}, but {node}: not enough {}. Spark would wait for a node forever: {change}.",
            shape.instance_type,
            short.join(" and "),
        ));
    }
    if d.fit.utilization >= MIN_UTILIZATION {
        return None;
    }
    let pods = d.fit.pods_per_node;
    let limit = match d.binding {
        Binding::Cpu => "CPU",
        Binding::Memory => "memory",
        Binding::MaxPods => "max pods",
    };
    let mut options = Vec::new();
    for count in [pods, pods + 1] {
        if count > d.free_slots {
            continue;
        }
        if let (Some(cores), Some(heap)) = (
            suggest_cores(d.free.cpu_millicores, count),
            suggest_heap(d.free.memory_mib, count),
        ) {
            options.push(format!(
                "{cores} cores and a {heap} heap for {count} per node"
            ));
        }
    }
    let resize = if options.is_empty() {
        String::new()
    } else {
        format!(
            "size each pod to fill it, at most {}; or ",
            options.join(", or ")
        )
    };
    let other_type = match d.binding {
        Binding::MaxPods => format!(
            "choose an instance type that allows more pods (this one allows {}, {DAEMONSET_PODS} of them DaemonSets)",
            shape.max_pods
        ),
        Binding::Cpu | Binding::Memory => format!(
            "choose an instance type whose memory per vCPU is closer to the pod's ({:.1} GiB per core; this node offers {:.1})",
            gib_per_core(request.memory_mib, request.cpu_millicores),
            gib_per_core(d.free.memory_mib, d.free.cpu_millicores),
        ),
    };
    Some(format!(
        "Instance type {} leaves more than a quarter of each node unused with the {what}. {asks}; {node}; {pods} fit per node (limited by {limit}) and, with the DaemonSets, take {}% of its CPU and {}% of its memory. To use the node, {resize}{other_type}.",
        shape.instance_type,
        percent(d.cpu_share),
        percent(d.memory_share),
    ))
}

/// Whole percent, rounded down so 74.9% never reads as 75%.
fn percent(share: f64) -> u64 {
    (share * 100.0).floor() as u64
}

fn gib_per_core(memory_mib: u64, millicores: u64) -> f64 {
    if millicores == 0 {
        return 0.0;
    }
    memory_mib as f64 / 1024.0 / (millicores as f64 / 1000.0)
}

/// Largest CPU request (as cores, rounded down to a tenth) of which `count`
/// fit in `free_millicores`.
fn suggest_cores(free_millicores: u64, count: u32) -> Option<String> {
    let each = free_millicores / u64::from(count.max(1));
    let rounded = if each >= 100 { each / 100 * 100 } else { each };
    (rounded > 0).then(|| format_cores(rounded))
}

fn format_cores(millicores: u64) -> String {
    let (whole, fraction) = (millicores / 1000, millicores % 1000);
    if fraction == 0 {
        return whole.to_string();
    }
    let digits = format!("{fraction:03}");
    format!("{whole}.{}", digits.trim_end_matches('0'))
}

/// Largest Spark heap (as `"…m"`, rounded down to 100 MiB) of which `count`
/// pods, overhead included at the default factor, fit in `free_mib`.
fn suggest_heap(free_mib: u64, count: u32) -> Option<String> {
    let each = free_mib / u64::from(count.max(1));
    let heap = max_heap_mib(each)?;
    let rounded = heap / 100 * 100;
    let heap = if fits_heap(rounded, each) {
        rounded
    } else {
        heap
    };
    Some(format!("{heap}m"))
}

fn fits_heap(heap_mib: u64, total_mib: u64) -> bool {
    memory_with_overhead_mib(&format!("{heap_mib}m"), DEFAULT_MEMORY_OVERHEAD_FACTOR)
        .is_ok_and(|with_overhead| with_overhead <= total_mib)
}

/// Largest heap whose pod (heap + overhead) takes at most `total_mib`; the
/// overhead grows with the heap, so search with Spark's own arithmetic.
fn max_heap_mib(total_mib: u64) -> Option<u64> {
    // The smallest heap Spark accepts (memory_with_overhead_mib rejects less).
    let mut low = (1..=1024).find(|&heap| {
        memory_with_overhead_mib(&format!("{heap}m"), DEFAULT_MEMORY_OVERHEAD_FACTOR).is_ok()
    })?;
    if !fits_heap(low, total_mib) {
        return None;
    }
    // low fits, high does not (the overhead is positive): bisect.
    let mut high = total_mib;
    while high - low > 1 {
        let mid = low + (high - low) / 2;
        if fits_heap(mid, total_mib) {
            low = mid;
        } else {
            high = mid;
        }
    }
    Some(low)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::node_roles::NodeRole;
    use crate::platform::pod_templates::node_role;

    /// `DescribeInstanceTypes`: vCPUs, memory, ENIs, IPv4 per ENI.
    const TYPES: [(&str, u32, u64, u32, u32); 11] = [
        ("t3.medium", 2, 4096, 3, 6),
        ("t3.large", 2, 8192, 3, 12),
        ("t3.2xlarge", 8, 32768, 4, 15),
        ("t3a.2xlarge", 8, 32768, 4, 15),
        ("m5.xlarge", 4, 16384, 4, 15),
        ("m5.2xlarge", 8, 32768, 4, 15),
        ("m5.4xlarge", 16, 65536, 8, 30),
        ("m6g.xlarge", 4, 16384, 4, 15),
        ("m6g.8xlarge", 32, 131072, 8, 30),
        ("m6gd.8xlarge", 32, 131072, 8, 30),
        ("m5.24xlarge", 96, 393216, 15, 50),
    ];

    fn shape(instance_type: &str) -> InstanceShape {
        let &(name, vcpus, memory_mib, enis, ips) = TYPES
            .iter()
            .find(|t| t.0 == instance_type)
            .expect("instance type in the table");
        InstanceShape {
            instance_type: name.to_string(),
            vcpus,
            memory_mib,
            max_pods: managed_max_pods(vcpus, enis, ips),
        }
    }

    fn settings(profile: JobProfile) -> ProfileSettings {
        ProfileSettings::defaults(profile)
    }

    /// The walkthrough's executor: spark.executor.cores 8, memory 28G.
    fn walkthrough() -> ProfileSettings {
        let mut settings = settings(JobProfile::Critical);
        settings.executor_cores = 8.0;
        settings.executor_memory = "28G".to_string();
        settings
    }

    #[test]
    fn max_pods_follow_the_eni_formula() {
        assert_eq!(max_pods(3, 6), 17); // t3.medium
        assert_eq!(max_pods(4, 15), 58); // m5.xlarge, m6g.xlarge
        assert_eq!(max_pods(8, 30), 234); // m5.4xlarge, m6gd.8xlarge
        assert_eq!(max_pods(15, 50), 737); // m5.24xlarge
        assert_eq!(max_pods(0, 0), 2);
    }

    #[test]
    fn managed_node_groups_cap_max_pods_by_vcpus() {
        assert_eq!(managed_max_pods(4, 4, 15), 58);
        assert_eq!(managed_max_pods(16, 8, 30), 110); // m5.4xlarge: 234 → 110
        assert_eq!(managed_max_pods(32, 8, 30), 234); // m6gd.8xlarge: under 250
        assert_eq!(managed_max_pods(29, 8, 30), 110);
        assert_eq!(managed_max_pods(30, 8, 30), 234);
        assert_eq!(managed_max_pods(96, 15, 50), 250); // m5.24xlarge: 737 → 250
    }

    #[test]
    fn cpu_reservation_ladder() {
        assert_eq!(kube_reserved_cpu_millicores(1), 60);
        assert_eq!(kube_reserved_cpu_millicores(2), 70);
        assert_eq!(kube_reserved_cpu_millicores(3), 75);
        assert_eq!(kube_reserved_cpu_millicores(4), 80);
        assert_eq!(kube_reserved_cpu_millicores(5), 82); // 82.5, truncated as the AMI does
        assert_eq!(kube_reserved_cpu_millicores(8), 90);
        assert_eq!(kube_reserved_cpu_millicores(32), 150);
        assert_eq!(kube_reserved_cpu_millicores(96), 310);
    }

    #[test]
    fn memory_reservation_grows_with_max_pods() {
        assert_eq!(kube_reserved_memory_mib(17), 442);
        assert_eq!(kube_reserved_memory_mib(58), 893);
        assert_eq!(kube_reserved_memory_mib(234), 2829);
    }

    #[test]
    fn allocatable_of_m5_xlarge() {
        let m5 = shape("m5.xlarge");
        assert_eq!(m5.max_pods, 58);
        assert_eq!(
            allocatable(&m5),
            Allocatable {
                cpu_millicores: 3920,
                memory_mib: 16384 - (255 + 11 * 58) - 100,
            }
        );
        assert_eq!(allocatable(&m5).memory_mib, 15391);
    }

    #[test]
    fn allocatable_of_m6gd_8xlarge() {
        let m6gd = shape("m6gd.8xlarge");
        assert_eq!(m6gd.max_pods, 234);
        assert_eq!(
            allocatable(&m6gd),
            Allocatable {
                cpu_millicores: 32000 - (60 + 10 + 10 + 70),
                memory_mib: 131072 - (255 + 11 * 234) - 100,
            }
        );
        assert_eq!(
            allocatable(&m6gd),
            Allocatable {
                cpu_millicores: 31850,
                memory_mib: 128143
            }
        );
    }

    #[test]
    fn allocatable_of_t3_medium() {
        let t3 = shape("t3.medium");
        assert_eq!(t3.max_pods, 17);
        assert_eq!(
            allocatable(&t3),
            Allocatable {
                cpu_millicores: 1930,
                memory_mib: 4096 - 442 - 100,
            }
        );
    }

    #[test]
    fn allocatable_of_capped_m5_4xlarge_reserves_for_110_pods() {
        let m5 = shape("m5.4xlarge");
        assert_eq!(m5.max_pods, 110);
        assert_eq!(
            allocatable(&m5),
            Allocatable {
                cpu_millicores: 16000 - 110,
                memory_mib: 65536 - (255 + 1210) - 100,
            }
        );
    }

    #[test]
    fn allocatable_never_underflows() {
        let tiny = InstanceShape {
            instance_type: "t4g.nano".into(),
            vcpus: 0,
            memory_mib: 512,
            max_pods: 100,
        };
        assert_eq!(
            allocatable(&tiny),
            Allocatable {
                cpu_millicores: 0,
                memory_mib: 0
            }
        );
        let request = PodRequest {
            cpu_millicores: 100,
            memory_mib: 100,
        };
        assert_eq!(fit(&tiny, &request).pods_per_node, 0);
        assert!(check(&tiny, &request, "test pod").is_some());
    }

    #[test]
    fn requests_add_spark_overhead_and_round_cores_up() {
        let critical = settings(JobProfile::Critical);
        assert_eq!(
            executor_request(&critical),
            Ok(PodRequest {
                cpu_millicores: 7700,
                memory_mib: 20800 + 2080,
            })
        );
        assert_eq!(
            driver_request(&critical),
            Ok(PodRequest {
                cpu_millicores: 2500,
                memory_mib: 6800 + 680,
            })
        );
        assert_eq!(
            executor_request(&walkthrough()),
            Ok(PodRequest {
                cpu_millicores: 8000,
                memory_mib: 28672 + 2867,
            })
        );
        // Small heaps get Spark's 384 MiB floor.
        let mut small = critical.clone();
        small.driver_memory = "1g".into();
        small.driver_cores = 0.2505;
        assert_eq!(
            driver_request(&small),
            Ok(PodRequest {
                cpu_millicores: 251,
                memory_mib: 1024 + 384,
            })
        );
        assert_eq!(
            request(&critical, SparkRole::Driver),
            driver_request(&critical)
        );
        assert_eq!(
            request(&critical, SparkRole::Executor),
            executor_request(&critical)
        );
    }

    #[test]
    fn float_noise_does_not_round_cores_up() {
        for (cores, expected) in [
            (7.7, 7700),
            (3.8, 3800),
            (0.29, 290),
            (1.001, 1001),
            (4.0, 4000),
        ] {
            assert_eq!(millicores(cores), Ok(expected), "{cores}");
        }
    }

    #[test]
    fn bad_settings_name_the_setting() {
        let mut bad = settings(JobProfile::NonCritical);
        bad.executor_cores = 0.0;
        assert!(executor_request(&bad)
            .unwrap_err()
            .starts_with("executor_cores:"));
        bad.executor_cores = f64::NAN;
        assert!(executor_request(&bad).is_err());
        bad.driver_memory = "lots".into();
        assert!(driver_request(&bad)
            .unwrap_err()
            .starts_with("driver_memory:"));
    }

    #[test]
    fn reference_critical_executor_fits_four_per_m6gd_8xlarge() {
        let critical = settings(JobProfile::Critical);
        let executor = executor_request(&critical).unwrap();
        let m6gd = shape("m6gd.8xlarge");
        let fit = fit(&m6gd, &executor);
        assert_eq!(fit.pods_per_node, 4);
        // CPU binds: (200 + 4 × 7700) / 31850.
        let expected = (200.0 + 4.0 * 7700.0) / 31850.0;
        assert!((fit.utilization - expected).abs() < 1e-9, "{fit:?}");
        assert!(fit.utilization > 0.97);
        let what = describe(JobProfile::Critical, SparkRole::Executor, &critical);
        assert_eq!(
            what,
            "executor of the critical profile: 7.7 cores, 20800m + overhead"
        );
        assert_eq!(check(&m6gd, &executor, &what), None);
    }

    #[test]
    fn walkthrough_executor_does_not_fit_a_4_vcpu_node() {
        let settings = walkthrough();
        let executor = executor_request(&settings).unwrap();
        let what = describe(JobProfile::Critical, SparkRole::Executor, &settings);
        assert_eq!(
            what,
            "executor of the critical profile: 8 cores, 28G + overhead"
        );
        for instance_type in ["m6g.xlarge", "m5.xlarge"] {
            let node = shape(instance_type);
            let fit = fit(&node, &executor);
            assert_eq!(fit.pods_per_node, 0);
            assert_eq!(fit.utilization, 0.0);
            let warning = check(&node, &executor, &what).expect("warns");
            assert!(
                warning.starts_with(&format!(
                    "Instance type {instance_type} cannot hold the {what}."
                )),
                "{warning}"
            );
            assert!(warning.contains("8000m CPU and 31539 MiB"), "{warning}");
            assert!(
                warning.contains("3920m CPU and 15391 MiB allocatable"),
                "{warning}"
            );
            assert!(warning.contains("3720m and 14991 MiB"), "{warning}");
            assert!(
                warning.contains(": not enough CPU and memory."),
                "{warning}"
            );
            assert!(
                warning.contains("at most 3.7 cores and a 13600m heap"),
                "{warning}"
            );
        }
        // Requesting 7 cores instead of 8 does not help.
        let mut seven = settings.clone();
        seven.executor_cores = 7.0;
        let executor = executor_request(&seven).unwrap();
        assert!(check(&shape("m6g.xlarge"), &executor, &what).is_some());
    }

    #[test]
    fn walkthrough_executor_fits_three_per_m6gd_8xlarge() {
        let executor = executor_request(&walkthrough()).unwrap();
        let m6gd = shape("m6gd.8xlarge");
        let fit = fit(&m6gd, &executor);
        assert_eq!(fit.pods_per_node, 3);
        // (200 + 3 × 8000) / 31850 = 76%: just used enough.
        assert!(fit.utilization > MIN_UTILIZATION && fit.utilization < 0.77);
        assert_eq!(check(&m6gd, &executor, "walkthrough executor"), None);
    }

    #[test]
    fn memory_too_small_alone_is_named() {
        let pod = PodRequest {
            cpu_millicores: 1000,
            memory_mib: 16000,
        };
        let warning = check(&shape("m5.xlarge"), &pod, "executor").unwrap();
        assert!(warning.contains("not enough memory."), "{warning}");
    }

    #[test]
    fn one_3_core_pod_on_an_8_vcpu_node_warns() {
        // 3 cores, 20g: memory lets one pod on m5.2xlarge, which leaves most CPU idle.
        let pod = PodRequest {
            cpu_millicores: 3000,
            memory_mib: 20480 + 2048,
        };
        let m5 = shape("m5.2xlarge");
        assert_eq!(
            allocatable(&m5),
            Allocatable {
                cpu_millicores: 7910,
                memory_mib: 31775
            }
        );
        let fit = fit(&m5, &pod);
        assert_eq!(fit.pods_per_node, 1);
        // Memory is the most used: (400 + 22528) / 31775 = 72%.
        let expected = (400.0 + 22528.0) / 31775.0;
        assert!((fit.utilization - expected).abs() < 1e-9, "{fit:?}");
        let warning = check(
            &m5,
            &pod,
            "executor of the test profile: 3 cores, 20g + overhead",
        )
        .expect("warns");
        assert!(
            warning.starts_with(
                "Instance type m5.2xlarge leaves more than a quarter of each node unused with the executor of the test profile: 3 cores, 20g + overhead."
            ),
            "{warning}"
        );
        assert!(
            warning.contains("1 fit per node (limited by memory)"),
            "{warning}"
        );
        assert!(
            warning.contains("take 40% of its CPU and 72% of its memory"),
            "{warning}"
        );
        assert!(
            warning.contains("at most 7.7 cores and a 28500m heap for 1 per node, or 3.8 cores and a 14200m heap for 2 per node"),
            "{warning}"
        );
        assert!(
            warning.contains("(7.3 GiB per core; this node offers 4.0)"),
            "{warning}"
        );
    }

    #[test]
    fn small_pods_bound_by_max_pods_warn() {
        let pod = PodRequest {
            cpu_millicores: 50,
            memory_mib: 50,
        };
        let t3 = shape("t3.medium");
        let fit = fit(&t3, &pod);
        assert_eq!(fit.pods_per_node, 13); // 17 − 4 DaemonSet pods
        let warning = check(&t3, &pod, "tiny pod").unwrap();
        assert!(warning.contains("limited by max pods"), "{warning}");
        assert!(!warning.contains("for 14 per node"), "{warning}");
        assert!(
            warning.contains("allows more pods (this one allows 17"),
            "{warning}"
        );
    }

    #[test]
    fn exactly_three_quarters_is_enough() {
        let shape = InstanceShape {
            instance_type: "x.test".into(),
            vcpus: 4,
            memory_mib: 4000 + 893 + 100,
            max_pods: 58,
        };
        // allocatable: 3920m, 4000 MiB; 0.75 × 4000 = 3000 = 400 + 2 × 1300.
        let pod = PodRequest {
            cpu_millicores: 1000,
            memory_mib: 1300,
        };
        let fit = fit(&shape, &pod);
        assert_eq!(fit.pods_per_node, 2);
        assert_eq!(fit.utilization, 0.75);
        assert_eq!(check(&shape, &pod, "pod"), None);
    }

    #[test]
    fn reference_profiles_fit_their_default_instance_types() {
        for profile in JobProfile::ALL {
            let settings = settings(profile);
            for spark_role in [SparkRole::Driver, SparkRole::Executor] {
                let pod = request(&settings, spark_role).unwrap();
                let role: NodeRole = node_role(profile, spark_role);
                for instance_type in role.default_instance_types() {
                    let what = describe(profile, spark_role, &settings);
                    let node = shape(instance_type);
                    assert_eq!(check(&node, &pod, &what), None, "{what} on {instance_type}");
                    assert!(fit(&node, &pod).pods_per_node >= 1);
                }
            }
        }
    }

    #[test]
    fn heap_suggestions_respect_spark_overhead() {
        assert_eq!(max_heap_mib(895), None); // 512 + 384 = 896
        assert_eq!(max_heap_mib(896), Some(512));
        assert_eq!(max_heap_mib(4224), Some(3840)); // overhead still the 384 floor
        assert_eq!(max_heap_mib(11000), Some(10000)); // 10000 + 1000
        assert_eq!(suggest_heap(14991, 1), Some("13600m".to_string()));
        assert_eq!(suggest_cores(3720, 1), Some("3.7".to_string()));
        assert_eq!(suggest_cores(50, 1), Some("0.05".to_string()));
        assert_eq!(suggest_cores(0, 1), None);
        assert_eq!(format_cores(7000), "7");
        assert_eq!(format_cores(7250), "7.25");
    }
}
