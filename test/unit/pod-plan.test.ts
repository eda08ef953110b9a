import { planPod, referencedNetworks, type NadLookup } from '../../domain/pod-plan';

const ib = (pkey = '0x6', extra: Record<string, unknown> = {}): NadLookup => ({
  found: true,
  config: JSON.stringify({ cniVersion: '0.3.1', type: 'ib-sriov', pkey, ...extra }),
});
const nads: Record<string, NadLookup> = {
  ns_ib: ib(),
  ns_cap: ib('0x7', { capabilities: { infinibandGUID: true } }),
  ns_nopkey: { found: true, config: JSON.stringify({ type: 'ib-sriov' }) },
  ns_macvlan: { found: true, config: JSON.stringify({ type: 'macvlan' }) },
  ns_badpkey: ib('0x8000'),
  ns_broken: { found: true, config: '{"type": ' },
  ns_missing: { found: false },
  ns_compute: { ...(ib() as { found: true; config: unknown }), resourceName: 'nvidia.com/compute' },
  ns_storage: { ...(ib('0x9') as { found: true; config: unknown }), resourceName: 'nvidia.com/storage' },
};

it('plans one interface per ib-sriov element, with owner, PKey and capability', () => {
  const plan = planPod(
    'u',
    'ns',
    JSON.stringify([{ name: 'ib' }, { name: 'cap', interface: 'ib1' }, { name: 'macvlan' }]),
    nads,
  );
  expect(plan).toEqual({
    kind: 'ready',
    interfaces: [
      { owner: 'u_ib_idx_0', networkId: 'ns_ib', pkey: '0x6', configured: false, useInfinibandGuidField: false },
      { owner: 'u_cap_ib1', networkId: 'ns_cap', pkey: '0x7', configured: false, useInfinibandGuidField: true },
    ],
  });
});

it('a NAD without PKey plans an interface with no subnet-manager membership', () => {
  const plan = planPod('u', 'ns', 'nopkey', nads);
  expect(plan.kind === 'ready' && plan.interfaces[0]!.pkey).toBeNull();
});

it('a requested GUID in another spelling is read canonical; a configured element with the same PKey is adopted', () => {
  const requested = planPod(
    'u',
    'ns',
    JSON.stringify([{ name: 'ib', 'cni-args': { guid: '02-00-00-00-00-00-00-0A' } }]),
    nads,
  );
  expect(requested.kind === 'ready' && requested.interfaces[0]!.guid).toBe('02:00:00:00:00:00:00:0a');
  const marked = (pkey: string) =>
    planPod(
      'u',
      'ns',
      JSON.stringify([
        { name: 'ib', 'cni-args': { guid: '02:00:00:00:00:00:00:0a', pkey, 'mellanox.infiniband.app': 'configured' } },
      ]),
      nads,
    );
  const adopted = marked('0x6');
  expect(adopted.kind === 'ready' && adopted.interfaces[0]!.configured).toBe(true);
  // Marked for another PKey (the NAD changed): joined again, not adopted as is.
  const movedPKey = marked('0x5');
  expect(movedPKey.kind === 'ready' && movedPKey.interfaces[0]!.configured).toBe(false);
});

it.each([
  ['a malformed annotation', '[{"name": "ib"', 'annotation-invalid'],
  ['an empty annotation', '', 'annotation-invalid'],
  ['a JSON object instead of a list', '{"name": "ib"}', 'annotation-invalid'],
  ['a missing NAD', 'missing', 'nad-missing'],
  ['an element naming no network', 'ib,', 'nad-missing'],
  ['an out-of-range PKey', 'badpkey', 'pkey-invalid'],
  ['a NAD config that does not parse', 'broken', 'nad-invalid'],
  ['a malformed requested GUID', JSON.stringify([{ name: 'ib', 'cni-args': { guid: 'not-a-guid' } }]), 'guid-invalid'],
  [
    'two elements on one interface key',
    JSON.stringify([
      { name: 'ib', interface: 'x' },
      { name: 'ib', interface: 'x' },
    ]),
    'interface-collision',
  ],
])('%s is a problem: %s', (_label, annotation, problem) => {
  const plan = planPod('u', 'ns', annotation, nads);
  expect(plan).toMatchObject({ kind: 'problem', problem });
  expect((plan as { message: string }).message.length).toBeGreaterThan(0);
});

it('a pod on no ib-sriov network is not ours', () => {
  expect(planPod('u', 'ns', 'macvlan', nads)).toEqual({ kind: 'not-infiniband' });
});

it('MANAGED_RESOURCE_NAMES: only NADs of the listed resources are ours', () => {
  const plan = planPod('u', 'ns', 'compute, storage', nads, ['nvidia.com/compute']);
  expect(plan.kind === 'ready' && plan.interfaces.map((i) => i.networkId)).toEqual(['ns_compute']);
  expect(planPod('u', 'ns', 'storage', nads, ['nvidia.com/compute'])).toEqual({ kind: 'not-infiniband' });
  // A NAD without the annotation is not a listed resource.
  expect(planPod('u', 'ns', 'ib', nads, ['nvidia.com/compute'])).toEqual({ kind: 'not-infiniband' });
  expect(planPod('u', 'ns', 'storage', nads).kind).toBe('ready');
});

it('referencedNetworks de-duplicates, keeps order, and resolves namespaces', () => {
  expect(referencedNetworks('b, a, other/b, b', 'ns')).toEqual(['ns_b', 'ns_a', 'other_b']);
  expect(() => referencedNetworks('[', 'ns')).toThrow();
});
