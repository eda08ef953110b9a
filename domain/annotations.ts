/**
 * Names and marker values shared with Multus, ib-sriov-cni and upstream ib-kubernetes
 * (`pkg/utils/utils.go`, NAD-client `pkg/apis/k8s.cni.cncf.io/v1/types.go`). They are wire
 * contracts: changing one breaks pods configured by another version of the controller.
 */

/** Pod annotation holding the network-selection list; read and rewritten by the controller. */
export const NETWORKS_ANNOTATION = 'k8s.v1.cni.cncf.io/networks';

/** Pod annotation Multus writes after CNI ADD; upstream ib-kubernetes ignores it. */
export const NETWORK_STATUS_ANNOTATION = 'k8s.v1.cni.cncf.io/network-status';

/** cni-args key whose value {@link CONFIGURED_VALUE} tells ib-sriov-cni the GUID is in its PKey. */
export const CONFIGURED_KEY = 'mellanox.infiniband.app';

/** The only value of {@link CONFIGURED_KEY} that counts as configured (exact, case-sensitive string). */
export const CONFIGURED_VALUE = 'configured';

/** cni-args key recording the PKey the element's GUID was added to (`""` when the NAD has none). */
export const PKEY_ARG = 'pkey';

/** cni-args key carrying the GUID when the NAD does not declare the `infinibandGUID` capability. */
export const GUID_ARG = 'guid';

/** Network-selection element key that Multus passes on as the `infinibandGUID` capability argument. */
export const INFINIBAND_GUID_KEY = 'infiniband-guid';

/** CNI plugin type that makes a network InfiniBand SR-IOV (case-sensitive). */
export const IB_SRIOV_CNI_TYPE = 'ib-sriov';

/** CNI capability name under which a plugin accepts the GUID as `runtimeConfig.infinibandGUID`. */
export const INFINIBAND_GUID_CAPABILITY = 'infinibandGUID';

/** The `k8s.v1.cni.cncf.io/resourceName` annotation of a NAD (the SR-IOV device plugin's pool). */
export const RESOURCE_NAME_ANNOTATION = 'k8s.v1.cni.cncf.io/resourceName';
