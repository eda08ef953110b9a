import { CONFIGURED_KEY, CONFIGURED_VALUE, GUID_ARG, INFINIBAND_GUID_KEY, PKEY_ARG } from '../../domain/annotations';
import { InvalidGuidError, InvalidPKeyError } from '../../domain/errors';
import type { NetworkSelectionElement } from '../../domain/network-selection';
import {
  getElementGuid,
  getElementPKey,
  interfaceKeys,
  isConfigured,
  networkId,
  parseNetworkSelection,
  podNetworkInterfaceId,
  serializeNetworkSelection,
  withConfigured,
  withGuid,
  withoutConfigured,
} from '../../domain/network-selection';

const GUID = '02:00:00:00:00:00:00:0a';
const OTHER = '02:00:00:00:00:00:00:0b';

/** Parses a one-element JSON annotation. */
function one(json: string): NetworkSelectionElement {
  const [element] = parseNetworkSelection(`[${json}]`, 'default');
  if (element === undefined) throw new Error('no element');
  return element;
}

const text = (element: NetworkSelectionElement) => serializeNetworkSelection([element]);

describe('getElementGuid', () => {
  it.each([
    ['no GUID anywhere', '{"name":"a"}', undefined],
    ['cni-args null', '{"name":"a","cni-args":null}', undefined],
    ['cni-args without guid', '{"name":"a","cni-args":{"x":"y"}}', undefined],
    ['cni-args.guid', `{"name":"a","cni-args":{"guid":"${GUID}"}}`, GUID],
    ['infiniband-guid', `{"name":"a","infiniband-guid":"${GUID}"}`, GUID],
    [
      'infiniband-guid wins over cni-args',
      `{"name":"a","infiniband-guid":"${GUID}","cni-args":{"guid":"${OTHER}"}}`,
      GUID,
    ],
    ['empty infiniband-guid falls back', `{"name":"a","infiniband-guid":"","cni-args":{"guid":"${OTHER}"}}`, OTHER],
    [
      'user value kept verbatim',
      '{"name":"a","cni-args":{"guid":"AA-BB-CC-DD-EE-FF-00-11"}}',
      'AA-BB-CC-DD-EE-FF-00-11',
    ],
    ['not validated', '{"name":"a","cni-args":{"guid":"nonsense"}}', 'nonsense'],
    ['empty cni-args.guid counts as none', '{"name":"a","cni-args":{"guid":""}}', undefined],
    ['null cni-args.guid counts as none', '{"name":"a","cni-args":{"guid":null}}', undefined],
    ['key case matters in cni-args', `{"name":"a","cni-args":{"GUID":"${GUID}"}}`, undefined],
  ])('%s', (_name, json, expected) => {
    expect(getElementGuid(one(json))).toBe(expected);
  });

  it.each([
    ['a number', '123'],
    ['a bool', 'true'],
    ['an object', '{"v":"x"}'],
    ['a list', `["${GUID}"]`],
  ])('refuses cni-args.guid that is %s instead of rendering junk', (_name, value) => {
    expect(() => getElementGuid(one(`{"name":"a","cni-args":{"guid":${value}}}`))).toThrow(InvalidGuidError);
  });

  it('reads no inherited guid', () => {
    expect(getElementGuid(one('{"name":"a","cni-args":{"__proto__":{"guid":"x"}}}'))).toBeUndefined();
  });
});

describe('withGuid', () => {
  it.each([
    ['cni-args created', '{"name":"a"}', false, `{"name":"a","cni-args":{"guid":"${GUID}"}}`],
    ['cni-args null replaced', '{"name":"a","cni-args":null}', false, `{"name":"a","cni-args":{"guid":"${GUID}"}}`],
    [
      'cni-args extended',
      '{"name":"a","cni-args":{"x":"1"}}',
      false,
      `{"name":"a","cni-args":{"x":"1","guid":"${GUID}"}}`,
    ],
    [
      'cni-args.guid replaced in place',
      '{"name":"a","cni-args":{"guid":"X","y":"2"}}',
      false,
      `{"name":"a","cni-args":{"guid":"${GUID}","y":"2"}}`,
    ],
    [
      'key spelling kept',
      '{"name":"a","CNI-Args":{"x":"1"}}',
      false,
      `{"name":"a","CNI-Args":{"x":"1","guid":"${GUID}"}}`,
    ],
    ['infiniband-guid for the capability', '{"name":"a"}', true, `{"name":"a","infiniband-guid":"${GUID}"}`],
    [
      'infiniband-guid before interface and cni-args',
      '{"name":"a","interface":"ib0","cni-args":{}}',
      true,
      `{"name":"a","infiniband-guid":"${GUID}","interface":"ib0","cni-args":{}}`,
    ],
    [
      'infiniband-guid after namespace',
      '{"namespace":"n","name":"a"}',
      true,
      `{"namespace":"n","name":"a","infiniband-guid":"${GUID}"}`,
    ],
    [
      'empty infiniband-guid filled',
      '{"name":"a","infiniband-guid":""}',
      true,
      `{"name":"a","infiniband-guid":"${GUID}"}`,
    ],
    [
      'existing infiniband-guid also updated without the capability',
      `{"name":"a","infiniband-guid":"${OTHER}"}`,
      false,
      `{"name":"a","infiniband-guid":"${GUID}","cni-args":{"guid":"${GUID}"}}`,
    ],
    [
      'existing cni-args.guid also updated with the capability',
      `{"name":"a","cni-args":{"guid":5}}`,
      true,
      `{"name":"a","infiniband-guid":"${GUID}","cni-args":{"guid":"${GUID}"}}`,
    ],
  ])('%s', (_name, json, useInfinibandGuidField, expected) => {
    const element = withGuid(one(json), GUID, { useInfinibandGuidField });
    expect(text(element)).toBe(`[${expected}]`);
    expect(getElementGuid(element)).toBe(GUID);
  });

  it('returns a new element and leaves the input untouched', () => {
    const input = one('{"name":"a","cni-args":{"x":"1"}}');
    const before = JSON.stringify(input);
    const output = withGuid(input, GUID, { useInfinibandGuidField: false });
    expect(JSON.stringify(input)).toBe(before);
    expect(output).not.toBe(input);
    expect(output.cniArgs).toEqual({ x: '1', guid: GUID });
  });

  it.each([['02:00:00:00:00:00:00:0A'], ['02-00-00-00-00-00-00-0a'], [''], ['0200000000000000a']])(
    'refuses the non-canonical GUID %p',
    (guid) => {
      expect(() => withGuid(one('{"name":"a"}'), guid, { useInfinibandGuidField: false })).toThrow(InvalidGuidError);
    },
  );
});

describe('configured marker', () => {
  it('withConfigured adds the marker and the pkey after the guid', () => {
    const element = withConfigured(withGuid(one('{"name":"a"}'), GUID, { useInfinibandGuidField: false }), '0x7ff');
    expect(element.cniArgs).toEqual({ [GUID_ARG]: GUID, [CONFIGURED_KEY]: CONFIGURED_VALUE, [PKEY_ARG]: '0x7ff' });
    expect(isConfigured(element)).toBe(true);
    expect(getElementPKey(element)).toBe('0x7ff');
  });

  it('withConfigured writes "" for a NAD without pkey and overwrites stale values', () => {
    const element = withConfigured(one('{"name":"a","cni-args":{"pkey":5,"mellanox.infiniband.app":"no"}}'), '');
    expect(text(element)).toBe('[{"name":"a","cni-args":{"pkey":"","mellanox.infiniband.app":"configured"}}]');
  });

  it.each([['0x0005'], ['0X5'], ['5'], ['0x0'], ['junk']])(
    'withConfigured refuses the non-canonical pkey %p',
    (pkey) => {
      expect(() => withConfigured(one('{"name":"a"}'), pkey)).toThrow(InvalidPKeyError);
    },
  );

  it.each([
    ['absent cni-args', '{"name":"a"}', false],
    ['null cni-args', '{"name":"a","cni-args":null}', false],
    ['exact value', '{"name":"a","cni-args":{"mellanox.infiniband.app":"configured"}}', true],
    ['other case', '{"name":"a","cni-args":{"mellanox.infiniband.app":"Configured"}}', false],
    ['boolean true', '{"name":"a","cni-args":{"mellanox.infiniband.app":true}}', false],
    ['surrounding space', '{"name":"a","cni-args":{"mellanox.infiniband.app":"configured "}}', false],
    ['key in other case', '{"name":"a","cni-args":{"Mellanox.InfiniBand.App":"configured"}}', false],
    ['inherited only', '{"name":"a","cni-args":{"__proto__":{"mellanox.infiniband.app":"configured"}}}', false],
  ])('isConfigured: %s', (_name, json, expected) => {
    expect(isConfigured(one(json))).toBe(expected);
  });

  it.each([
    ['missing', '{"name":"a","cni-args":{}}', undefined],
    ['empty', '{"name":"a","cni-args":{"pkey":""}}', ''],
    ['a number (upstream panics)', '{"name":"a","cni-args":{"pkey":5}}', undefined],
  ])('getElementPKey: %s', (_name, json, expected) => {
    expect(getElementPKey(one(json))).toBe(expected);
  });

  it('withoutConfigured drops the marker and pkey but keeps the guid and other args', () => {
    const configured = withConfigured(
      withGuid(one('{"name":"a","cni-args":{"x":"1"}}'), GUID, { useInfinibandGuidField: false }),
      '0x5',
    );
    const cleared = withoutConfigured(configured);
    expect(isConfigured(cleared)).toBe(false);
    expect(text(cleared)).toBe(`[{"name":"a","cni-args":{"x":"1","guid":"${GUID}"}}]`);
  });

  it.each([['{"name":"a"}'], ['{"name":"a","cni-args":null}'], ['{"name":"a","cni-args":{"x":"1"}}']])(
    'withoutConfigured returns %s unchanged',
    (json) => {
      const element = one(json);
      expect(withoutConfigured(element)).toBe(element);
    },
  );
});

describe('identifiers', () => {
  it('networkId joins namespace and name', () => {
    expect(networkId('default', 'ib-net')).toBe('default_ib-net');
  });

  it.each([
    [
      'contract example',
      [{ name: 'a', interface: 'ib0' }, { name: 'a' }, { name: 'b' }, { name: 'a' }],
      ['ib0', 'idx_1', 'idx_0', 'idx_2'],
    ],
    ['namespace is ignored', [{ name: 'a' }, { name: 'a' }], ['idx_0', 'idx_1']],
    ['empty interface is no interface', [{ name: 'a', interface: '' }, { name: 'a' }], ['idx_0', 'idx_1']],
    ['no elements', [], []],
    ['empty names count together', [{ name: '' }, { name: '' }], ['idx_0', 'idx_1']],
  ])('interfaceKeys: %s', (_name, elements, expected) => {
    expect(interfaceKeys(elements)).toEqual(expected);
  });

  it('interfaceKeys works on parsed elements, counting across namespaces', () => {
    const elements = parseNetworkSelection('x/a, y/a@ib1, a, b', 'default');
    expect(interfaceKeys(elements)).toEqual(['idx_0', 'ib1', 'idx_2', 'idx_0']);
  });

  it('podNetworkInterfaceId is upstream’s owner id, without namespace', () => {
    expect(podNetworkInterfaceId('5f1c-uid', 'ib-net', 'idx_0')).toBe('5f1c-uid_ib-net_idx_0');
  });

  it('every element field used by the mutators stays JSON-plain', () => {
    const element = withConfigured(
      withGuid(one('{"name":"a","x":[1,{"y":null}]}'), GUID, { useInfinibandGuidField: true }),
      '0x5',
    );
    expect(JSON.parse(JSON.stringify(element))).toEqual(element);
    expect(structuredClone(element)).toEqual(element);
    expect(element.raw[INFINIBAND_GUID_KEY]).toBe(GUID);
    expect(element.infinibandGuid).toBe(GUID);
  });
});
