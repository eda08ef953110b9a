import fc from 'fast-check';
import { NetworkAnnotationError } from '../../domain/errors';
import { MAX_JSON_DEPTH } from '../../domain/json-text';
import type { JsonObject } from '../../domain/json-text';
import type { NetworkSelectionElement } from '../../domain/network-selection';
import {
  interfaceKeys,
  isConfigured,
  parseNetworkSelection,
  podNetworkInterfaceId,
  serializeNetworkSelection,
  withConfigured,
  withGuid,
} from '../../domain/network-selection';
import { SELECTION_CASES } from '../fixtures/network-selection-cases';
import type { SelectionCase } from '../fixtures/network-selection-cases';

const GUID_A = '02:00:00:00:00:00:00:00';
const GUID_B = '02:00:00:00:00:00:00:01';

/** The decoded view of an element, without its raw object. */
function view(element: NetworkSelectionElement) {
  const { raw: _raw, ...rest } = element;
  return rest;
}

function parse(c: SelectionCase) {
  return parseNetworkSelection(c.input, c.podNamespace ?? 'default');
}

const accepted = SELECTION_CASES.filter((c) => c.error === undefined).map((c) => [c.name, c] as const);
const rejected = SELECTION_CASES.filter((c) => c.error !== undefined).map((c) => [c.name, c] as const);

describe('parseNetworkSelection: fixture table', () => {
  it('holds enough cases of both kinds', () => {
    expect(SELECTION_CASES.length).toBeGreaterThanOrEqual(40);
    expect(accepted.length).toBeGreaterThan(20);
    expect(rejected.length).toBeGreaterThan(20);
    expect(new Set(SELECTION_CASES.map((c) => c.name)).size).toBe(SELECTION_CASES.length);
  });

  it.each(accepted)('accepts %s', (_name, c) => {
    const elements = parse(c);
    expect(elements.map(view)).toEqual(c.expect);
    if (c.raw) expect(serializeNetworkSelection(elements)).toBe(JSON.stringify(c.raw));
  });

  it.each(rejected)('rejects %s', (_name, c) => {
    let caught: unknown;
    try {
      parse(c);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(NetworkAnnotationError);
    expect((caught as NetworkAnnotationError).reason).toContain(c.error);
    expect((caught as NetworkAnnotationError).value).toBe(c.input);
  });

  it.each(accepted)('rewrites %s to JSON that parses back to the same elements', (_name, c) => {
    const text = serializeNetworkSelection(parse(c));
    const again = parseNetworkSelection(text, c.podNamespace ?? 'default');
    expect(again.map(view)).toEqual(c.expect);
    expect(serializeNetworkSelection(again)).toBe(text);
  });
});

describe('parseNetworkSelection: missing value', () => {
  it.each([
    ['undefined', undefined],
    ['empty string', ''],
    ['null from an untyped caller', null as unknown as string],
    ['a number from an untyped caller', 5 as unknown as string],
  ])('rejects %s as "no kubernetes network found"', (_name, value) => {
    expect(() => parseNetworkSelection(value, 'default')).toThrow(/no kubernetes network found/);
    expect(() => parseNetworkSelection(value, 'default')).toThrow(NetworkAnnotationError);
  });
});

describe('parseNetworkSelection: hostile input', () => {
  it('handles 10,000 short-form elements', () => {
    const input = Array.from({ length: 10_000 }, (_, i) => `ns-${i}/net-${i}@ib${i % 4}`).join(', ');
    const elements = parseNetworkSelection(input, 'default');
    expect(elements).toHaveLength(10_000);
    expect(view(elements[9_999] as NetworkSelectionElement)).toEqual({
      name: 'net-9999',
      namespace: 'ns-9999',
      interface: 'ib3',
    });
  });

  it('handles 10,000 JSON elements', () => {
    const input = JSON.stringify(Array.from({ length: 10_000 }, (_, i) => ({ name: `n${i}`, x: { i } })));
    const elements = parseNetworkSelection(input, 'default');
    expect(elements).toHaveLength(10_000);
    expect(serializeNetworkSelection(elements)).toBe(input);
  });

  it('handles a 1 MB name and a 1 MB run of spaces quickly', () => {
    const started = performance.now();
    expect(parseNetworkSelection(`a${'b'.repeat(1_000_000)}`, 'default')[0]?.name).toHaveLength(1_000_001);
    expect(() => parseNetworkSelection(`a${' '.repeat(1_000_000)}b`, 'default')).toThrow(NetworkAnnotationError);
    expect(parseNetworkSelection(`[${' '.repeat(1_000_000)}]`, 'default')).toEqual([]);
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  // Deviation: Go allows 10,000 levels; JSON.stringify and Temporal's payload converter
  // overflow the stack near 4,000, so we stop at MAX_JSON_DEPTH.
  it('accepts nesting up to MAX_JSON_DEPTH levels in an unknown key, and writes it back', () => {
    const depth = MAX_JSON_DEPTH - 2; // the list and the element object count too
    const input = `[{"name":"a","deep":${'['.repeat(depth)}${']'.repeat(depth)}}]`;
    const elements = parseNetworkSelection(input, 'default');
    expect(elements[0]?.name).toBe('a');
    expect(serializeNetworkSelection(elements)).toBe(input);
  });

  it('rejects deeper nesting without overflowing the stack', () => {
    const depth = MAX_JSON_DEPTH - 1;
    const input = `[{"name":"a","deep":${'['.repeat(depth)}${']'.repeat(depth)}}]`;
    expect(() => parseNetworkSelection(input, 'default')).toThrow(/exceeded max depth/);
    expect(() => parseNetworkSelection('['.repeat(1_000_000), 'default')).toThrow(/exceeded max depth/);
  });

  it('keeps __proto__ and constructor as data and pollutes no prototype', () => {
    const input =
      '[{"name":"a","__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},' +
      '"cni-args":{"__proto__":{"polluted":"yes"}}}]';
    const [element] = parseNetworkSelection(input, 'default');
    const probe: Record<string, unknown> = {};
    expect(probe.polluted).toBeUndefined();
    expect(Object.getPrototypeOf(element?.raw)).toBe(Object.prototype);
    expect(Object.hasOwn(element?.raw ?? {}, '__proto__')).toBe(true);
    expect(Object.hasOwn(element?.cniArgs ?? {}, '__proto__')).toBe(true);

    const configured = withConfigured(withGuid(element as NetworkSelectionElement, GUID_A, opts(false)), '0x5');
    expect(probe.polluted).toBeUndefined();
    expect(JSON.parse(serializeNetworkSelection([configured]))).toEqual(
      JSON.parse(
        '[{"name":"a","__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},' +
          `"cni-args":{"__proto__":{"polluted":"yes"},"guid":"${GUID_A}","mellanox.infiniband.app":"configured","pkey":"0x5"}}]`,
      ),
    );
  });

  it('never throws anything but NetworkAnnotationError on arbitrary strings', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.json(), fc.string({ unit: fc.constantFrom(...'[]{}",:/@ a-\\0e.n') })),
        (s) => {
          try {
            parseNetworkSelection(s, 'default');
          } catch (error) {
            expect(error).toBeInstanceOf(NetworkAnnotationError);
          }
        },
      ),
    );
  });
});

function opts(useInfinibandGuidField: boolean) {
  return { useInfinibandGuidField };
}

describe('rewriting keeps what we do not own', () => {
  it('reproduces the contract §11 worked example exactly', () => {
    const [ib, rt] = parseNetworkSelection('ib-sriov-network@ib0, ib-rt', 'default') as [
      NetworkSelectionElement,
      NetworkSelectionElement,
    ];
    const out = [
      withConfigured(withGuid(ib, GUID_A, opts(false)), '0x5'),
      withConfigured(withGuid(rt, GUID_B, opts(true)), '0x6'),
    ];
    expect(serializeNetworkSelection(out)).toBe(
      '[{"name":"ib-sriov-network","namespace":"default","interface":"ib0","cni-args":{"guid":"02:00:00:00:00:00:00:00","mellanox.infiniband.app":"configured","pkey":"0x5"}},' +
        '{"name":"ib-rt","namespace":"default","infiniband-guid":"02:00:00:00:00:00:00:01","cni-args":{"mellanox.infiniband.app":"configured","pkey":"0x6"}}]',
    );
    const keys = interfaceKeys(out);
    expect(keys).toEqual(['ib0', 'idx_0']);
    expect(podNetworkInterfaceId('uid', out[0]?.name ?? '', keys[0] ?? '')).toBe('uid_ib-sriov-network_ib0');
    expect(podNetworkInterfaceId('uid', out[1]?.name ?? '', keys[1] ?? '')).toBe('uid_ib-rt_idx_0');
  });

  it('touches only the configured element and only the keys it owns', () => {
    const input =
      '[{"name":"eth","namespace":"net","ips":["10.1.1.1/24"],"z-vendor":{"a":[1,2]}},' +
      '{"interfaceRequest":"ib9","NAME":"ib-net","cni-args":{"extra":"keep","n":1},"deviceID":"0000:3b:00.1","default-route":["10.0.0.1"]},' +
      '{"name":"ib-net","interface":"ib1"}]';
    const [eth, ib, ib2] = parseNetworkSelection(input, 'default') as NetworkSelectionElement[];
    const rewritten = serializeNetworkSelection([
      eth as NetworkSelectionElement,
      withConfigured(withGuid(ib as NetworkSelectionElement, GUID_A, opts(false)), '0x5'),
      ib2 as NetworkSelectionElement,
    ]);
    expect(rewritten).toBe(
      '[{"name":"eth","namespace":"net","ips":["10.1.1.1/24"],"z-vendor":{"a":[1,2]}},' +
        '{"interfaceRequest":"ib9","NAME":"ib-net","cni-args":{"extra":"keep","n":1,"guid":"02:00:00:00:00:00:00:00",' +
        '"mellanox.infiniband.app":"configured","pkey":"0x5"},"deviceID":"0000:3b:00.1","default-route":["10.0.0.1"]},' +
        '{"name":"ib-net","interface":"ib1"}]',
    );
  });

  it('puts a new infiniband-guid where Go’s struct order would, leaving unknown keys in place', () => {
    const [element] = parseNetworkSelection(
      '[{"x":1,"name":"a","interface":"ib0","y":2,"cni-args":{"k":"v"}}]',
      'default',
    ) as [NetworkSelectionElement];
    expect(serializeNetworkSelection([withGuid(element, GUID_A, opts(true))])).toBe(
      `[{"x":1,"name":"a","infiniband-guid":"${GUID_A}","interface":"ib0","y":2,"cni-args":{"k":"v"}}]`,
    );
  });

  it('keeps arbitrary unknown keys and values through guid and configured rewrites', () => {
    const key = fc.string({ minLength: 1 }).map((s) => `x-${s}`); // `x-` keeps keys off known names and integer order
    fc.assert(
      fc.property(fc.dictionary(key, fc.jsonValue()), fc.boolean(), (unknown, useField) => {
        const original = { ...unknown, name: 'ib-net' } as JsonObject;
        const text = JSON.stringify([original]);
        const [element] = parseNetworkSelection(text, 'default') as [NetworkSelectionElement];
        const configured = withConfigured(withGuid(element, GUID_A, opts(useField)), '');
        const back = JSON.parse(serializeNetworkSelection([configured])) as JsonObject[];
        const { 'cni-args': cniArgs, 'infiniband-guid': _guid, ...rest } = back[0] as JsonObject;
        expect(JSON.stringify(rest)).toBe(JSON.stringify(JSON.parse(text)[0]));
        expect(isConfigured(configured)).toBe(true);
        expect(cniArgs).toMatchObject({ 'mellanox.infiniband.app': 'configured', pkey: '' });
      }),
    );
  });

  it('re-parses short-form annotations it rewrote to the same elements', () => {
    const label = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,8}[a-z0-9])?$/);
    const item = fc.tuple(fc.option(label), fc.option(label, { nil: '' }), fc.option(label)).map(([n, name, i]) => {
      return `${n === null ? '' : `${n}/`}${name}${i === null ? '' : `@${i}`}`;
    });
    fc.assert(
      fc.property(
        // A lone empty item is the empty annotation, which is "no network", not a list.
        fc.array(item, { minLength: 1, maxLength: 8 }).filter((items) => items.join('') !== '' || items.length > 1),
        (items) => {
          const elements = parseNetworkSelection(items.join(' , '), 'pods');
          expect(elements).toHaveLength(items.length);
          const again = parseNetworkSelection(serializeNetworkSelection(elements), 'elsewhere');
          expect(again.map(view)).toEqual(elements.map(view));
        },
      ),
    );
  });
});
