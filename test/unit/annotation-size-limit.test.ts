/**
 * An annotation at the Kubernetes size limit (256 KiB of annotations per object) that repeats one
 * merged field thousands of times: any pod author can send it, and every parse pays for it. The
 * merge must be linear: the test compares the CPU time of that annotation with the CPU time of one of
 * the same size without repeats, in the same run, so machine speed cancels out (a quadratic merge
 * is over a thousand times slower here; linear work stays within a small factor).
 */
import { cpuUsage } from 'node:process';
import type { JsonObject } from '../../domain/json-text';
import { parseNetworkSelection } from '../../domain/network-selection';

const LIMIT = 256 * 1024;

/** `[{"name":"ib",<member 0>,<member 1>,…}]`, as many members as fit in the limit. */
function annotation(member: (i: number) => string): { text: string; count: number } {
  const parts: string[] = [];
  let size = '[{"name":"ib"}]'.length;
  for (let i = 0; ; i++) {
    const next = `,${member(i)}`;
    if (size + next.length > LIMIT) return { text: `[{"name":"ib"${parts.join('')}}]`, count: i };
    parts.push(next);
    size += next.length;
  }
}

function cpuMs(run: () => void): number {
  const start = cpuUsage();
  run();
  const used = cpuUsage(start);
  return (used.user + used.system) / 1000;
}

describe.each([
  ['cni-args', (i: number) => `"cni-args":{"k${i}":"v${i}"}`, (i: number) => `"x-${i}":{"k${i}":"v${i}"}`],
  ['bandwidth', (i: number) => `"bandwidth":{"k${i}":${i}}`, (i: number) => `"x-${i}":{"k${i}":${i}}`],
])('a %s key repeated up to the size limit', (field, repeated, distinct) => {
  const dup = annotation(repeated);
  const flat = annotation(distinct);

  it('merges every occurrence, as Go does (the last value of a key wins)', () => {
    expect(dup.count).toBeGreaterThan(8000);
    const [element] = parseNetworkSelection(`[{"name":"ib","${field}":{"a":"1"},"${field}":{"a":"2","b":"3"}}]`, 'ns');
    expect(element?.raw[field]).toEqual({ a: '2', b: '3' });
    const [big] = parseNetworkSelection(dup.text, 'ns');
    const merged = big?.raw[field] as JsonObject;
    expect(Object.keys(merged)).toHaveLength(dup.count);
    expect(merged[`k${dup.count - 1}`]).toBeDefined();
  });

  it('costs about what an annotation of the same size without repeats costs', () => {
    parseNetworkSelection(flat.text, 'ns'); // warm up both paths
    parseNetworkSelection(dup.text, 'ns');
    const flatMs = Math.max(
      1,
      cpuMs(() => parseNetworkSelection(flat.text, 'ns')),
    );
    const dupMs = cpuMs(() => parseNetworkSelection(dup.text, 'ns'));
    expect(dupMs / flatMs).toBeLessThan(20);
  });
});
