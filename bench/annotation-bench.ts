/**
 * Throughput of parsing and writing back the network-selection annotation, for the pod
 * shapes the controller sees: the short form, a typical JSON form with two IB networks,
 * and a configured annotation with extra (unknown) fields. Prints figures; asserts nothing.
 */
import { formatGuid } from '../domain/guid';
import {
  parseNetworkSelection,
  serializeNetworkSelection,
  withConfigured,
  withGuid,
} from '../domain/network-selection';

const SHAPES: Record<string, string> = {
  'short form, 2 networks': 'ib-sriov-network@ib0, ib-rt',
  'JSON form, 2 networks': JSON.stringify([
    { name: 'ib-sriov-network', interface: 'ib0' },
    { name: 'ib-rt', namespace: 'default', 'cni-args': { foo: 'bar' } },
  ]),
  'configured, 4 networks + unknown fields': JSON.stringify(
    [0, 1, 2, 3].map((i) => ({
      name: `ib-net-${i}`,
      namespace: 'team-a',
      interface: `ib${i}`,
      interfaceRequest: `ib${i}`,
      'vendor.example.com/hint': { numa: i },
      'cni-args': {
        guid: formatGuid(0x0200000000000000n + BigInt(i)),
        'mellanox.infiniband.app': 'configured',
        pkey: '0x5',
      },
    })),
  ),
};

function measure(label: string, iterations: number, body: () => void): void {
  for (let i = 0; i < Math.min(iterations, 1000); i++) body(); // warm up the JIT
  const started = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) body();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const perSecond = Math.round(iterations / seconds).toLocaleString('en-US');
  console.log(
    `  ${label.padEnd(80)} ${perSecond.padStart(12)} /s   ${((seconds / iterations) * 1e6).toFixed(2)} µs/op`,
  );
}

/** Runs the annotation benchmark and prints one line per shape and operation. */
export function runAnnotationBench(iterations = 100_000): void {
  console.log(`annotation parse / rewrite (${iterations.toLocaleString('en-US')} iterations each)`);
  for (const [shape, value] of Object.entries(SHAPES)) {
    measure(`parse: ${shape}`, iterations, () => parseNetworkSelection(value, 'default'));
    const elements = parseNetworkSelection(value, 'default');
    measure(`parse + set GUID/configured + serialise: ${shape}`, iterations, () => {
      const rewritten = parseNetworkSelection(value, 'default').map((element, i) =>
        withConfigured(
          withGuid(element, formatGuid(0x0200000000000100n + BigInt(i)), { useInfinibandGuidField: false }),
          '0x5',
        ),
      );
      serializeNetworkSelection(rewritten);
    });
    measure(`serialise only: ${shape}`, iterations, () => serializeNetworkSelection(elements));
  }
}

const SIZE_LIMIT = 256 * 1024;

/** `[{"name":"ib",<member 0>,…}]` grown to the Kubernetes annotation size limit. */
function atSizeLimit(member: (i: number) => string): string {
  let text = '[{"name":"ib"';
  for (let i = 0; text.length + member(i).length + 4 < SIZE_LIMIT; i++) text += `,${member(i)}`;
  return `${text}}]`;
}

/** Hostile annotations at the size limit: a repeated merged key must cost what its bytes cost. */
export function runSizeLimitBench(iterations = 20): void {
  console.log(`annotations at the 256 KiB size limit (${iterations} parses each)`);
  measure('parse: cni-args repeated ~12k times', iterations, () =>
    parseNetworkSelection(
      atSizeLimit((i) => `"cni-args":{"k${i}":"v"}`),
      'default',
    ),
  );
  measure('parse: ~12k distinct unknown keys (same size, the linear baseline)', iterations, () =>
    parseNetworkSelection(
      atSizeLimit((i) => `"x-${i}":{"k${i}":"v"}`),
      'default',
    ),
  );
}

if (require.main === module) {
  runAnnotationBench();
  runSizeLimitBench();
}
