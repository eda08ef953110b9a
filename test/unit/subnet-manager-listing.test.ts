import { GuidPool } from '../../domain/guid-pool';
import { guidsInUse } from '../../domain/subnet-manager-listing';

const g = (n: number) => `02:00:00:00:00:00:00:${n.toString(16).padStart(2, '0')}`;
const PORT_GUID = '98:03:9b:03:00:5b:a1:c8'; // a host port, far outside the pool range

describe('rebuilding the pool from the subnet manager', () => {
  const listing = {
    '0x5': [g(7)],
    '0x7ff': [g(7), g(9)], // the limited partition: g(7) is the same allocation as above
    '0x7fff': [g(5), PORT_GUID], // management partition: one GUID inside our range
  };

  it('counts a GUID listed in two partitions once', () => {
    expect(guidsInUse(listing).sort()).toEqual([g(5), g(7), g(9), PORT_GUID].sort());
    const pool = new GuidPool({ start: g(0), end: g(0xff) });
    expect(pool.reset(guidsInUse(listing))).toEqual({ reserved: 3, alreadyHeld: 0, outOfRange: 1, invalid: 0 });
  });

  it('never hands out a GUID listed under 0x7fff inside the range; port GUIDs outside it are ignored', () => {
    const pool = new GuidPool({ start: g(0), end: g(0x0f) });
    pool.reset(guidsInUse(listing));
    const handedOut = Array.from({ length: 13 }, (_, i) => pool.allocate(`pod-${i}_net_idx_0`).guid);
    expect(handedOut).not.toContain(g(5));
    expect(handedOut).not.toContain(g(7));
    expect(new Set(handedOut).size).toBe(13);
    expect(() => pool.allocate('one-too-many_net_idx_0')).toThrow();
  });
});
