import { annotationIntent, nadFactsOf, nadNetworkId, objectUid, podFactsOf } from '../../domain/watched-objects';

const nad = (config: unknown, resourceName?: string) => ({
  metadata: {
    name: 'n',
    namespace: 'ns',
    ...(resourceName ? { annotations: { 'k8s.v1.cni.cncf.io/resourceName': resourceName } } : {}),
  },
  spec: { config },
});

describe('podFactsOf', () => {
  it('keeps the few fields relevance needs, from a watch event (string timestamps)', () => {
    expect(
      podFactsOf({
        metadata: {
          uid: 'u',
          namespace: 'ns',
          name: 'p',
          annotations: { 'k8s.v1.cni.cncf.io/networks': 'ib', other: 'x'.repeat(10_000) },
          deletionTimestamp: '2026-01-01T00:00:00Z',
          labels: { a: 'b' },
        },
        spec: { nodeName: 'node-1', hostNetwork: true, containers: [{ name: 'c' }] },
        status: { phase: 'Running', conditions: [] },
      }),
    ).toEqual({
      uid: 'u',
      namespace: 'ns',
      name: 'p',
      nodeName: 'node-1',
      hostNetwork: true,
      phase: 'Running',
      networksAnnotation: 'ib',
      deletionTimestamp: '2026-01-01T00:00:00Z',
    });
  });

  it('reads a typed list item (Date timestamps)', () => {
    const facts = podFactsOf({ metadata: { uid: 'u', deletionTimestamp: new Date('2026-01-01T00:00:00Z') } });
    expect(facts.deletionTimestamp).toBe('2026-01-01T00:00:00.000Z');
  });

  it.each([null, undefined, 42, 'pod', [], { metadata: null }, { metadata: { uid: 5, annotations: 'x' } }])(
    'survives a hostile object %p without throwing',
    (object) => {
      const facts = podFactsOf(object);
      expect(facts.uid).toBe('');
      expect(facts.networksAnnotation).toBeUndefined();
    },
  );

  it('ignores a non-string annotation, node name or phase', () => {
    const facts = podFactsOf({
      metadata: { uid: 'u', annotations: { 'k8s.v1.cni.cncf.io/networks': 7 } },
      spec: { nodeName: 3, hostNetwork: 'true' },
      status: { phase: {} },
    });
    expect(facts).toEqual({ uid: 'u', namespace: '', name: '' });
  });
});

describe('objectUid and nadNetworkId', () => {
  it('need string fields', () => {
    expect(objectUid({ metadata: { uid: 'a' } })).toBe('a');
    expect(objectUid({ metadata: { uid: '' } })).toBeUndefined();
    expect(objectUid(null)).toBeUndefined();
    expect(nadNetworkId({ metadata: { namespace: 'ns', name: 'n' } })).toBe('ns_n');
    expect(nadNetworkId({ metadata: { name: 'n' } })).toBeUndefined();
  });
});

describe('nadFactsOf', () => {
  const ib = JSON.stringify({ cniVersion: '0.3.1', type: 'ib-sriov', pkey: '0x6' });
  it.each([
    ['an ib-sriov NAD', ib, 'ib'],
    ['ib-sriov inside a plugins list', JSON.stringify({ plugins: [{ type: 'ib-sriov', pkey: '0x6' }] }), 'ib'],
    [
      'ib-sriov with an invalid PKey (its pods say why they wait)',
      JSON.stringify({ type: 'ib-sriov', pkey: '0xzz' }),
      'ib',
    ],
    ['another CNI', JSON.stringify({ type: 'macvlan' }), 'other'],
    ['a config that is not JSON', '{"type": ', 'invalid'],
    ['a config that is not a string', { type: 'ib-sriov' }, 'invalid'],
    ['no config at all', undefined, 'invalid'],
  ])('%s is %s', (_label, config, kind) => {
    expect(nadFactsOf(nad(config), []).kind).toBe(kind);
  });

  it('with MANAGED_RESOURCE_NAMES, only listed resource names are ours', () => {
    expect(nadFactsOf(nad(ib, 'nvidia.com/compute'), ['nvidia.com/compute']).kind).toBe('ib');
    expect(nadFactsOf(nad(ib, 'nvidia.com/storage'), ['nvidia.com/compute']).kind).toBe('other');
    expect(nadFactsOf(nad(ib), ['nvidia.com/compute']).kind).toBe('other');
  });

  it('the fingerprint changes with the config and the resource name', () => {
    const a = nadFactsOf(nad(ib, 'r1'), []).fingerprint;
    expect(nadFactsOf(nad(ib, 'r1'), []).fingerprint).toBe(a);
    expect(nadFactsOf(nad(ib, 'r2'), []).fingerprint).not.toBe(a);
    expect(nadFactsOf(nad(ib.replace('0x6', '0x7'), 'r1'), []).fingerprint).not.toBe(a);
  });
});

describe('annotationIntent', () => {
  it('is unchanged by our own patch (guid, pkey, marker, infiniband-guid)', () => {
    const before = JSON.stringify([{ name: 'ib', interface: 'ib0' }, { name: 'macvlan' }]);
    const after = JSON.stringify([
      {
        name: 'ib',
        interface: 'ib0',
        'cni-args': { guid: '02:00:00:00:00:00:00:01', pkey: '0x6', 'mellanox.infiniband.app': 'configured' },
      },
      { name: 'macvlan' },
    ]);
    expect(annotationIntent(after, 'ns')).toBe(annotationIntent(before, 'ns'));
    // The short form our patch rewrites into the JSON form.
    expect(
      annotationIntent(
        JSON.stringify([
          { name: 'ib', namespace: 'ns', 'cni-args': { guid: 'x', 'mellanox.infiniband.app': 'configured' } },
        ]),
        'ns',
      ),
    ).toBe(annotationIntent('ib', 'ns'));
    const withCapability = JSON.stringify([
      {
        name: 'ib',
        'infiniband-guid': '02:00:00:00:00:00:00:01',
        'cni-args': { 'mellanox.infiniband.app': 'configured' },
      },
    ]);
    expect(annotationIntent(withCapability, 'ns')).toBe(annotationIntent(JSON.stringify([{ name: 'ib' }]), 'ns'));
  });

  it("keeps the user's own cni-args of a configured element", () => {
    const configured = JSON.stringify([
      { name: 'ib', 'cni-args': { foo: 'bar', guid: 'x', 'mellanox.infiniband.app': 'configured' } },
    ]);
    const plain = JSON.stringify([{ name: 'ib', 'cni-args': { foo: 'bar' } }]);
    expect(annotationIntent(configured, 'ns')).toBe(annotationIntent(plain, 'ns'));
    expect(annotationIntent(configured, 'ns')).not.toBe(annotationIntent('ib', 'ns'));
  });

  it('changes with a user edit: a fixed annotation, a new requested GUID on a waiting pod', () => {
    expect(annotationIntent('[{"name": "ib"', 'ns')).not.toBe(annotationIntent('ib', 'ns'));
    const a = JSON.stringify([{ name: 'ib', 'cni-args': { guid: '02:00:00:00:00:00:00:01' } }]);
    const b = JSON.stringify([{ name: 'ib', 'cni-args': { guid: '02:00:00:00:00:00:00:02' } }]);
    expect(annotationIntent(a, 'ns')).not.toBe(annotationIntent(b, 'ns'));
    expect(annotationIntent('ib@ib0', 'ns')).not.toBe(annotationIntent('ib', 'ns'));
  });

  it.each([undefined, '', '[', '[1, null, "x"]', '{"name": "ib"}', '[{"cni-args": null}]'])(
    'never throws on %p',
    (text) => {
      expect(() => annotationIntent(text, 'ns')).not.toThrow();
    },
  );
});
