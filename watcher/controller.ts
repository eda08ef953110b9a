/**
 * The watcher's decisions: from pod and NAD events (kept as small facts) to pod workflow starts
 * and signals. Level-triggered: a pod event only marks the pod's key; processing reads the pod's
 * current facts and does what they need, so a burst of updates of one pod costs one decision,
 * and after every relist each relevant pod is checked against the open workflows.
 *
 * - A pod is handed to a workflow when `domain/pod-relevance.ts` says so and it references an
 *   ib-sriov NAD, or a NAD not known (yet): its workflow then waits visibly for it. A pod whose
 *   networks are all known and not ours costs nothing.
 * - Deleted, Succeeded or Failed: the workflow is told once. A finished pod that lingers (a
 *   completed Job) costs nothing on later events and relists.
 * - An annotation edit by a user (not our own patch) and a changed NAD are signalled to the pods'
 *   workflows, so a waiting pod continues at once.
 * - Repair, after every pod relist: an open pod workflow whose pod no longer exists is told the
 *   pod is gone; a relevant pod whose workflow is not open is ensured again (a closed one stays
 *   closed: the workflow id is reused only by the same pod UID, and `ensure` never restarts it).
 */
import { NetworkAnnotationError } from '../domain/errors';
import { referencedNetworks } from '../domain/pod-plan';
import { podPhaseAction, type PodFacts } from '../domain/pod-relevance';
import { annotationIntent, type NadFacts } from '../domain/watched-objects';
import type { PodGoneReason, PodRef } from '../workflows/definitions';
import type { PluginLogger } from '../plugins/types';
import { WorkQueue } from './work-queue';

/** The workflow operations the controller uses (`client/pod-workflows.ts` in production). */
export interface PodWorkflowPort {
  ensure(pod: PodRef): Promise<'running' | 'closed'>;
  gone(uid: string, reason: PodGoneReason): Promise<boolean>;
  changed(uid: string): Promise<boolean>;
  nadChanged(uid: string, networkId: string): Promise<boolean>;
  /** The open pod workflows: pod UID (and name, when recorded) and when each started (epoch ms). */
  openPodWorkflows(): AsyncIterable<{ uid: string; startedAt: number; namespace?: string; name?: string }>;
  /** Asks the apiserver itself whether the pod still exists (the repair's last check before "gone"). */
  podExists(pod: { uid: string; namespace?: string; name?: string }): Promise<boolean>;
}

/** What the controller counts (Prometheus in production). */
export interface ControllerMetrics {
  podDecision(outcome: string): void;
  workflowStarted(outcome: 'running' | 'closed'): void;
  signalSent(kind: 'gone' | 'changed' | 'nad-changed'): void;
  repaired(kind: 'gone' | 'ensured'): void;
}

/** What the controller remembers of what it told a pod's workflow. */
interface Told {
  /** `ensure` answered (the workflow runs, or had already closed). */
  started?: 'running' | 'closed';
  /** The annotation intent the workflow last knew of. */
  intent?: string;
  /** When `ensure` answered (epoch ms): visibility may not list the workflow for a moment. */
  at?: number;
  /** The pod was reported gone (finished): later events cost nothing. */
  released?: boolean;
  /** NADs changed since the last signal. */
  nadsChanged?: Set<string>;
}

type Relevance = 'ours' | 'not-ours';

const CONCURRENCY = 32;
/** A workflow started this recently may not be listed by visibility yet. */
const VISIBILITY_LAG_MS = 10_000;

export class PodController {
  readonly #pods = new Map<string, PodFacts>();
  /** Deleted pods not yet reported, with their last facts. */
  readonly #deleted = new Map<string, PodFacts>();
  readonly #told = new Map<string, Told>();
  readonly #nads = new Map<string, NadFacts>();
  /** Network id → UIDs of pods referencing it. */
  readonly #byNetwork = new Map<string, Set<string>>();
  readonly #networksOf = new Map<string, readonly string[]>();
  readonly #queue: WorkQueue;
  #leading = false;

  constructor(
    private readonly workflows: PodWorkflowPort,
    private readonly metrics: ControllerMetrics,
    private readonly logger: PluginLogger,
  ) {
    this.#queue = new WorkQueue(
      (uid) => this.#process(uid),
      CONCURRENCY,
      (uid, error, retryInMs) =>
        this.logger.warn('handling a pod failed; retrying', { uid, error: String(error), retryInMs }),
    );
  }

  /** Pods known, and keys waiting, for metrics and tests. */
  get stats(): { pods: number; nads: number; queued: number } {
    return { pods: this.#pods.size, nads: this.#nads.size, queued: this.#queue.depth };
  }

  // ---- events (synchronous: they only record facts and mark keys) ----

  podUpserted(facts: PodFacts): void {
    this.#pods.set(facts.uid, facts);
    this.#deleted.delete(facts.uid);
    this.#index(facts);
    if (this.#leading) this.#queue.add(facts.uid);
  }

  podRemoved(facts: PodFacts): void {
    this.#pods.delete(facts.uid);
    this.#unindex(facts.uid);
    // A standby only keeps its cache: the leader reports the deletion (or a later repair does).
    if (!this.#leading) return;
    this.#deleted.set(facts.uid, facts);
    this.#queue.add(facts.uid);
  }

  nadUpserted(networkId: string, facts: NadFacts): void {
    const previous = this.#nads.get(networkId);
    this.#nads.set(networkId, facts);
    if (previous?.fingerprint !== facts.fingerprint) this.#nadTouched(networkId);
  }

  nadRemoved(networkId: string): void {
    if (this.#nads.delete(networkId)) this.#nadTouched(networkId);
  }

  // ---- leadership and repair ----

  /** Gained leadership: act on every pod, then repair against Temporal. */
  async lead(): Promise<void> {
    this.#leading = true;
    for (const uid of [...this.#pods.keys(), ...this.#deleted.keys()]) this.#queue.add(uid);
    this.#queue.resume();
    await this.repair(Date.now());
  }

  /** Lost leadership: stop acting; what we told is forgotten (the next leader decides afresh). */
  follow(): void {
    this.#leading = false;
    this.#queue.pause();
    this.#queue.clear();
    this.#told.clear();
  }

  get leading(): boolean {
    return this.#leading;
  }

  /**
   * After a complete pod list (as of `listedAt`): every open pod workflow without its pod is told
   * the pod is gone, and every relevant pod whose workflow is not open is ensured again.
   */
  async repair(listedAt: number): Promise<{ gone: number; ensured: number }> {
    if (!this.#leading) return { gone: 0, ensured: 0 };
    const open = new Set<string>();
    let gone = 0;
    for await (const workflow of this.workflows.openPodWorkflows()) {
      const { uid, startedAt } = workflow;
      open.add(uid);
      // A workflow started after the list began may belong to a pod the list did not see yet.
      if (this.#pods.has(uid) || this.#deleted.has(uid) || startedAt >= listedAt) continue;
      // Our cache may lag the apiserver (a pod created a moment ago): ask it before releasing.
      if (await this.workflows.podExists(workflow)) continue;
      if (await this.workflows.gone(uid, 'deleted')) {
        gone++;
        this.metrics.repaired('gone');
        this.logger.info('repair: told a workflow whose pod no longer exists', { uid });
      }
    }
    let ensured = 0;
    for (const [uid, told] of this.#told) {
      const recent = (told.at ?? 0) > listedAt - VISIBILITY_LAG_MS;
      if (told.started === 'running' && !recent && !open.has(uid) && this.#pods.has(uid)) {
        // Visibility lags a moment behind a start: `ensure` again is harmless and finds out.
        delete told.started;
        this.#queue.add(uid);
        ensured++;
        this.metrics.repaired('ensured');
      }
    }
    return { gone, ensured };
  }

  /** Resolves once every queued decision is done (tests, graceful shutdown). */
  idle(): Promise<void> {
    return this.#queue.idle();
  }

  // ---- processing ----

  async #process(uid: string): Promise<void> {
    if (!this.#leading) return;
    const deleted = this.#deleted.get(uid);
    if (deleted && !this.#pods.has(uid)) {
      await this.#reportDeleted(deleted);
      return;
    }
    const facts = this.#pods.get(uid);
    if (!facts) return;
    const told = this.#told.get(uid) ?? {};
    const action = podPhaseAction(facts, 'observed');
    if (action.action === 'ignore') {
      this.metrics.podDecision(action.reason);
      return;
    }
    if (action.action === 'release') {
      if (told.released) return;
      if (told.started || this.#relevance(facts) === 'ours') {
        await this.workflows.gone(uid, facts.phase === 'Failed' ? 'failed' : 'succeeded');
        this.metrics.signalSent('gone');
      }
      this.#told.set(uid, { ...told, released: true });
      this.metrics.podDecision('finished');
      return;
    }
    if (!told.started && this.#relevance(facts) === 'not-ours') {
      this.metrics.podDecision('not-infiniband');
      return;
    }
    const intent = annotationIntent(facts.networksAnnotation, facts.namespace);
    if (!told.started) {
      const ref: PodRef = {
        uid,
        namespace: facts.namespace,
        name: facts.name,
        ...(facts.nodeName ? { node: facts.nodeName } : {}),
      };
      const outcome = await this.workflows.ensure(ref);
      this.metrics.workflowStarted(outcome);
      this.metrics.podDecision('ensured');
      this.#told.set(uid, { started: outcome, intent, at: Date.now() });
      return;
    }
    if (told.started === 'closed') return;
    if (told.intent !== intent) {
      await this.workflows.changed(uid);
      this.metrics.signalSent('changed');
      told.intent = intent;
    }
    const nads = told.nadsChanged;
    if (nads && nads.size > 0) {
      told.nadsChanged = undefined;
      for (const networkId of nads) {
        await this.workflows.nadChanged(uid, networkId);
        this.metrics.signalSent('nad-changed');
      }
    }
    this.#told.set(uid, told);
  }

  async #reportDeleted(facts: PodFacts): Promise<void> {
    const told = this.#told.get(facts.uid);
    const action = podPhaseAction(facts, 'deleted');
    const mayHaveWorkflow =
      told?.started !== undefined || (action.action === 'release' && this.#relevance(facts) === 'ours');
    if (!told?.released && told?.started !== 'closed' && mayHaveWorkflow) {
      await this.workflows.gone(facts.uid, 'deleted');
      this.metrics.signalSent('gone');
    }
    this.#deleted.delete(facts.uid);
    this.#told.delete(facts.uid);
  }

  /** `ours` when the pod references an ib-sriov NAD, one not known, or its annotation does not parse. */
  #relevance(facts: PodFacts): Relevance {
    const networks = networksOf(facts);
    if (networks === undefined) return 'ours'; // unparsable: its workflow says why
    return networks.some((id) => this.#nads.get(id)?.kind !== 'other') ? 'ours' : 'not-ours';
  }

  #nadTouched(networkId: string): void {
    for (const uid of this.#byNetwork.get(networkId) ?? []) {
      const told = this.#told.get(uid);
      if (told?.started === 'running') (told.nadsChanged ??= new Set()).add(networkId);
      if (this.#leading) this.#queue.add(uid);
    }
  }

  #index(facts: PodFacts): void {
    const networks = networksOf(facts);
    const before = this.#networksOf.get(facts.uid);
    if (before && networks && before.join(',') === networks.join(',')) return;
    this.#unindex(facts.uid);
    if (networks === undefined) return;
    this.#networksOf.set(facts.uid, networks);
    for (const id of networks) {
      let uids = this.#byNetwork.get(id);
      if (!uids) this.#byNetwork.set(id, (uids = new Set()));
      uids.add(facts.uid);
    }
  }

  #unindex(uid: string): void {
    for (const id of this.#networksOf.get(uid) ?? []) {
      const uids = this.#byNetwork.get(id);
      uids?.delete(uid);
      if (uids?.size === 0) this.#byNetwork.delete(id);
    }
    this.#networksOf.delete(uid);
  }
}

/** The network ids a pod names, or undefined when its annotation does not parse. */
function networksOf(facts: PodFacts): readonly string[] | undefined {
  if (!facts.networksAnnotation) return [];
  try {
    return referencedNetworks(facts.networksAnnotation, facts.namespace);
  } catch (error) {
    if (error instanceof NetworkAnnotationError) return undefined;
    throw error;
  }
}
