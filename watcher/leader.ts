/**
 * Leadership on a `coordination.k8s.io/v1` Lease, as client-go's leaderelection does it (upstream
 * uses the same Lease name): the leader renews every retry period; a standby takes the Lease over
 * once it has seen no renewal for a whole lease duration, measured on its own clock from when it
 * last saw the record change (so clock skew between nodes does not matter). A leader that cannot
 * renew for two thirds of the duration steps down before anyone else may take over. On a graceful
 * stop the leader releases the Lease, so a standby takes over at its next try.
 */
import * as k8s from '@kubernetes/client-node';
import type { LeaderElectionConfig } from '../domain/watcher-config';
import type { PluginLogger } from '../plugins/types';

/** Told on every change of leadership. */
export interface LeadershipCallbacks {
  started(): void;
  stopped(): void;
}

export class LeaderElector {
  readonly #api: k8s.CoordinationV1Api;
  #leading = false;
  #lastRenewOk = 0;
  /** The record last seen and when (our clock). */
  #observed: { key: string; at: number } | undefined;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  #tick: Promise<void> | undefined;

  constructor(
    kubeConfig: k8s.KubeConfig,
    private readonly config: LeaderElectionConfig,
    private readonly callbacks: LeadershipCallbacks,
    private readonly logger: PluginLogger,
  ) {
    this.#api = kubeConfig.makeApiClient(k8s.CoordinationV1Api);
  }

  get leading(): boolean {
    return this.#leading;
  }

  start(): void {
    const loop = async () => {
      if (this.#stopped) return;
      this.#tick = this.#tryOnce();
      await this.#tick;
      if (!this.#stopped) this.#timer = setTimeout(() => void loop(), this.config.retryPeriodMs);
    };
    void loop();
  }

  /** Stops trying; a leader releases the Lease. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#tick;
    if (!this.#leading) return;
    this.#setLeading(false);
    try {
      const lease = await this.#read();
      if (lease?.spec?.holderIdentity === this.config.identity) {
        lease.spec.holderIdentity = '';
        lease.spec.leaseDurationSeconds = 1;
        await this.#api.replaceNamespacedLease({ name: this.#name, namespace: this.#namespace, body: lease });
        this.logger.info('released the leader Lease', { lease: this.#name });
      }
    } catch (error) {
      this.logger.warn('could not release the leader Lease', { error: String(error) });
    }
  }

  get #name() {
    return this.config.leaseName;
  }

  get #namespace() {
    return this.config.leaseNamespace;
  }

  async #tryOnce(): Promise<void> {
    const now = Date.now();
    try {
      const acquired = await this.#acquireOrRenew(now);
      if (acquired) this.#lastRenewOk = now;
      if (acquired !== this.#leading) {
        if (!acquired && this.#leading) this.logger.warn('lost the leader Lease to another replica');
        this.#setLeading(acquired);
      }
    } catch (error) {
      this.logger.warn('leader election: the Lease could not be read or written', { error: String(error) });
      // Step down before another replica may take over (it waits a whole duration).
      if (this.#leading && now - this.#lastRenewOk > (this.config.leaseDurationMs * 2) / 3) this.#setLeading(false);
    }
  }

  async #acquireOrRenew(now: number): Promise<boolean> {
    const me = this.config.identity;
    const durationSeconds = Math.ceil(this.config.leaseDurationMs / 1000);
    const lease = await this.#read();
    if (!lease) {
      await this.#api.createNamespacedLease({
        namespace: this.#namespace,
        body: {
          metadata: { name: this.#name, namespace: this.#namespace },
          spec: {
            holderIdentity: me,
            leaseDurationSeconds: durationSeconds,
            acquireTime: new k8s.V1MicroTime(now),
            renewTime: new k8s.V1MicroTime(now),
            leaseTransitions: 0,
          },
        },
      });
      return true;
    }
    const spec = (lease.spec ??= {});
    const holder = spec.holderIdentity ?? '';
    const key = `${holder}|${String(spec.renewTime)}|${lease.metadata?.resourceVersion}`;
    if (this.#observed?.key !== key) this.#observed = { key, at: now };
    const durationMs = (spec.leaseDurationSeconds ?? durationSeconds) * 1000;
    const expired = holder === '' || now - this.#observed.at >= durationMs;
    if (holder !== me && !expired) return false;
    if (holder !== me) {
      spec.leaseTransitions = (spec.leaseTransitions ?? 0) + 1;
      spec.acquireTime = new k8s.V1MicroTime(now);
      this.logger.info('taking over the leader Lease', { previousHolder: holder || '(released)' });
    }
    spec.holderIdentity = me;
    spec.leaseDurationSeconds = durationSeconds;
    spec.renewTime = new k8s.V1MicroTime(now);
    // resourceVersion in the body makes this a compare-and-swap: a racing replica gets 409.
    try {
      await this.#api.replaceNamespacedLease({ name: this.#name, namespace: this.#namespace, body: lease });
    } catch (error) {
      if (statusOf(error) === 409) return false;
      throw error;
    }
    return true;
  }

  async #read(): Promise<k8s.V1Lease | undefined> {
    try {
      return await this.#api.readNamespacedLease({ name: this.#name, namespace: this.#namespace });
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  #setLeading(leading: boolean): void {
    if (leading === this.#leading) return;
    this.#leading = leading;
    this.logger.info(leading ? 'became the leader' : 'stopped leading', { identity: this.config.identity });
    if (leading) this.callbacks.started();
    else this.callbacks.stopped();
  }
}

function statusOf(error: unknown): number | undefined {
  return (error as { code?: number })?.code;
}
