import { parseGuidRange } from '../../domain/guid-range';
import { ownerPodUid, planReconcile, type ReconcileInputs } from '../../domain/reconcile-plan';

const range = parseGuidRange('02:00:00:00:00:00:00:00', '02:00:00:00:00:00:00:ff');
const g = (n: number) => `02:00:00:00:00:00:00:${n.toString(16).padStart(2, '0')}`;
const base = (over: Partial<ReconcileInputs> = {}): ReconcileInputs => ({
  range,
  livePodUids: new Set(['live']),
  live: [{ podUid: 'live', owner: 'live_ib_idx_0', guid: g(1), pkey: '0x6' }],
  held: [{ owner: 'live_ib_idx_0', guid: g(1) }],
  listed: { '0x6': [g(1)] },
  runningWorkflows: new Set(),
  ...over,
});

it('a consistent world needs nothing', () => {
  expect(planReconcile(base())).toEqual({ rejoin: [], free: [], conflicts: [] });
});

it("re-joins a live pod's GUID its PKey no longer lists (and only that)", () => {
  const plan = planReconcile(base({ listed: { '0x6': [], '0x7fff': [g(1)] } }));
  expect(plan.rejoin).toEqual([{ pkey: '0x6', guids: [g(1)], podUids: ['live'] }]);
  expect(plan.free).toEqual([]);
});

it('a pod without PKey needs no membership', () => {
  expect(
    planReconcile(base({ live: [{ podUid: 'live', owner: 'o', guid: g(1), pkey: null }], listed: {} })).rejoin,
  ).toEqual([]);
});

it('frees the GUID of a vanished pod from every PKey listing it, never from 0x7fff', () => {
  const plan = planReconcile(
    base({
      held: [{ owner: 'gone_ib_idx_0', guid: g(2) }],
      listed: { '0x6': [g(1), g(2)], '0x7': [g(2)], '0x7fff': [g(2)] },
    }),
  );
  expect(plan.free).toEqual([{ owner: 'gone_ib_idx_0', guid: g(2), listedIn: ['0x6', '0x7'] }]);
});

it('a vanished pod whose workflow still runs is left to its workflow', () => {
  const inputs = base({ held: [{ owner: 'gone_ib_idx_0', guid: g(2) }], runningWorkflows: new Set(['gone']) });
  expect(planReconcile(inputs).free).toEqual([]);
});

it("never frees a GUID any live pod's annotation names, whoever the pool says holds it", () => {
  const plan = planReconcile(base({ held: [{ owner: 'gone_ib_idx_0', guid: g(1) }] }));
  expect(plan.free).toEqual([]);
});

it('never frees outside the pool range, nor GUIDs the pool did not record as ours', () => {
  const plan = planReconcile(
    base({
      held: [{ owner: 'gone_ib_idx_0', guid: '0c:42:a1:03:00:00:00:01' }],
      listed: { '0x6': [g(1), g(9), '0c:42:a1:03:00:00:00:01'] },
    }),
  );
  expect(plan.free).toEqual([]);
});

it('reports two live pods claiming one GUID without touching either', () => {
  const plan = planReconcile(
    base({
      livePodUids: new Set(['a', 'b']),
      live: [
        { podUid: 'b', owner: 'b_ib_idx_0', guid: g(3), pkey: '0x6' },
        { podUid: 'a', owner: 'a_ib_idx_0', guid: g(3).toUpperCase(), pkey: '0x6' },
      ],
      held: [{ owner: 'a_ib_idx_0', guid: g(3) }],
      listed: { '0x6': [g(3)] },
    }),
  );
  expect(plan.conflicts).toEqual([{ guid: g(3), podUids: ['a', 'b'] }]);
  expect(plan.free).toEqual([]);
  expect(plan.rejoin).toEqual([]);
});

it('tolerates hostile GUIDs in the pool or the listing', () => {
  const plan = planReconcile(
    base({ held: [{ owner: 'gone_x', guid: 'not-a-guid' }], listed: { '0x6': [g(1), 'zz'] } }),
  );
  expect(plan.free).toEqual([]);
  expect(ownerPodUid('uid_net_idx_0')).toBe('uid');
});
