import fc from 'fast-check';
import type { PodFacts } from '../../domain/pod-relevance';
import { classifyPod, isPodFinished, podPhaseAction } from '../../domain/pod-relevance';

const pod = (overrides: Partial<PodFacts> = {}): PodFacts => ({
  uid: 'uid-1',
  namespace: 'default',
  name: 'p1',
  nodeName: 'node-1',
  phase: 'Pending',
  networksAnnotation: 'ib-net',
  ...overrides,
});

describe('isPodFinished', () => {
  it.each([
    ['Succeeded', true],
    ['Failed', true],
    ['Pending', false],
    ['Running', false],
    ['Unknown', false],
    ['succeeded', false], // phases are case-sensitive constants
    [undefined, false],
  ])('%s -> %s', (phase, expected) => {
    expect(isPodFinished(phase)).toBe(expected);
  });
});

describe('classifyPod', () => {
  it.each([
    ['a scheduled pending pod with the annotation', pod()],
    ['a running pod (upstream skips it; we still track its GUIDs)', pod({ phase: 'Running' })],
    ['a pod in phase Unknown', pod({ phase: 'Unknown' })],
    ['a pod without a phase yet', pod({ phase: undefined })],
    ['hostNetwork false', pod({ hostNetwork: false })],
    ['a terminating pod (its VF may still be in use)', pod({ deletionTimestamp: '2025-01-01T00:00:00Z' })],
    ['an annotation that will not parse (the workflow reports it)', pod({ networksAnnotation: 'Bad Name' })],
    ['a whitespace-only annotation (non-empty, as upstream counts it)', pod({ networksAnnotation: ' ' })],
    ['an empty JSON list', pod({ networksAnnotation: '[]' })],
  ])('relevant: %s', (_name, facts) => {
    expect(classifyPod(facts)).toEqual({ relevant: true });
  });

  it.each([
    ['hostNetwork', pod({ hostNetwork: true }), 'host-network'],
    ['hostNetwork wins over everything', pod({ hostNetwork: true, phase: 'Failed', nodeName: '' }), 'host-network'],
    ['Succeeded', pod({ phase: 'Succeeded' }), 'finished'],
    ['Failed', pod({ phase: 'Failed' }), 'finished'],
    ['no annotation', pod({ networksAnnotation: undefined }), 'no-networks-annotation'],
    ['empty annotation', pod({ networksAnnotation: '' }), 'no-networks-annotation'],
    ['not scheduled (absent)', pod({ nodeName: undefined }), 'not-scheduled'],
    ['not scheduled (empty)', pod({ nodeName: '' }), 'not-scheduled'],
  ])('skipped: %s', (_name, facts, reason) => {
    expect(classifyPod(facts)).toEqual({ relevant: false, reason });
  });
});

describe('podPhaseAction', () => {
  it.each([
    ['pending pod observed', pod(), 'observed', { action: 'ensure' }],
    ['running pod observed', pod({ phase: 'Running' }), 'observed', { action: 'ensure' }],
    ['terminating pod observed', pod({ deletionTimestamp: '2025-01-01T00:00:00Z' }), 'observed', { action: 'ensure' }],
    ['succeeded pod observed', pod({ phase: 'Succeeded' }), 'observed', { action: 'release', reason: 'finished' }],
    ['failed pod observed', pod({ phase: 'Failed' }), 'observed', { action: 'release', reason: 'finished' }],
    ['pod deleted', pod({ phase: 'Running' }), 'deleted', { action: 'release', reason: 'deleted' }],
    ['finished pod deleted', pod({ phase: 'Succeeded' }), 'deleted', { action: 'release', reason: 'deleted' }],
    ['hostNetwork pod deleted', pod({ hostNetwork: true }), 'deleted', { action: 'ignore', reason: 'host-network' }],
    [
      'finished pod without annotation',
      pod({ phase: 'Failed', networksAnnotation: '' }),
      'observed',
      { action: 'ignore', reason: 'no-networks-annotation' },
    ],
    ['unscheduled pod deleted', pod({ nodeName: undefined }), 'deleted', { action: 'ignore', reason: 'not-scheduled' }],
    [
      'unscheduled pod observed (waits for the update that schedules it)',
      pod({ nodeName: '' }),
      'observed',
      { action: 'ignore', reason: 'not-scheduled' },
    ],
  ] as const)('%s', (_name, facts, event, expected) => {
    expect(podPhaseAction(facts, event)).toEqual(expected);
  });

  it('agrees with classifyPod for every live pod', () => {
    const facts = fc.record({
      uid: fc.uuid(),
      namespace: fc.constant('default'),
      name: fc.constant('p'),
      nodeName: fc.option(fc.constantFrom('', 'node-1'), { nil: undefined }),
      hostNetwork: fc.option(fc.boolean(), { nil: undefined }),
      phase: fc.option(fc.constantFrom('Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'), { nil: undefined }),
      networksAnnotation: fc.option(fc.constantFrom('', 'ib-net', '[]'), { nil: undefined }),
    });
    fc.assert(
      fc.property(facts, (p) => {
        const action = podPhaseAction(p, 'observed');
        const relevance = classifyPod(p);
        expect(action.action === 'ensure').toBe(relevance.relevant);
        if (action.action === 'release') expect(relevance).toEqual({ relevant: false, reason: 'finished' });
        expect(JSON.parse(JSON.stringify(action))).toEqual(action);
      }),
    );
  });
});
