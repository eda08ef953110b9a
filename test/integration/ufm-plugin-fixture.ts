/**
 * Shared set-up of the ufm plugin's integration tests: a simulator over verified HTTPS, plugins built
 * from environment variables as production builds them, and a record of every log line and error so
 * each file can prove the password never leaks. The controller-facing tests run once per
 * {@link UFM_PROFILES} entry, so both answers UFM versions give for unknown partitions stay tested.
 */
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { inspect } from 'node:util';
import { parseUfmConfig } from '../../domain/config';
import { SubnetManagerError, type PluginLogger } from '../../plugins/types';
import { UfmPlugin } from '../../plugins/ufm';
import {
  generateSelfSignedCert,
  startUfmSimulator,
  type GeneratedCert,
  type SimulatorKnobs,
  type UfmSimulator,
} from '../../ufm-simulator';

export const PASSWORD = 'Integration-Pa55word-7f3a9c';
export const BASIC = Buffer.from(`admin:${PASSWORD}`).toString('base64');
export const TIMEOUT_MS = 500;
/** The 16-hex UFM form and the colon form of GUID 02:00:…:n. */
export const hex = (n: number) => (0x0200000000000000n + BigInt(n)).toString(16).padStart(16, '0');
export const colon = (n: number) => hex(n).replace(/(..)(?!$)/g, '$1:');

/** Knobs of the UFM behaviours that differ between versions: today's defaults, and the older answers. */
export const UFM_PROFILES: ReadonlyArray<readonly [string, Partial<SimulatorKnobs>]> = [
  ['current UFM (404 for unknown PKeys)', {}],
  ['older UFM (200 {} for unknown PKeys)', { unknownPkeyGet: '200-empty', unknownPkeyRemove: '200' }],
];

export interface Line {
  level: string;
  message: string;
  fields?: Record<string, unknown>;
}

/** What a test file uses; members are live inside tests and hooks only. */
export interface UfmPluginFixture {
  readonly sim: UfmSimulator;
  readonly cert: GeneratedCert;
  /** A second certificate, not the simulator's. */
  readonly otherCert: GeneratedCert;
  /** A plugin for the simulator, configured through `UFM_*` variables; `env` overrides them. */
  plugin(env?: Record<string, string | undefined>, sink?: Line[], extra?: Partial<PluginExtras>): UfmPlugin;
  /** Runs `call`, expects a SubnetManagerError, and keeps it for the leak check. */
  failure(call: () => Promise<unknown>): Promise<SubnetManagerError>;
  /** Everything logged and thrown so far, rendered every way a log could render it. */
  rendered(): string;
  readonly errorCount: number;
}

interface PluginExtras {
  maxResponseBytes: number;
  index0ForPrimary: boolean;
}

/**
 * Registers the fixture's hooks: a simulator started before all tests, reset to `knobs` before each
 * (knobs a test sets itself come after), stopped after all.
 */
export function useUfmPluginFixture(knobs: Partial<SimulatorKnobs> = {}): UfmPluginFixture {
  let sim: UfmSimulator | undefined;
  let cert: GeneratedCert | undefined;
  let otherCert: GeneratedCert | undefined;
  const lines: Line[] = [];
  const errors: unknown[] = [];
  const plugins: UfmPlugin[] = [];
  const live = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the UFM plugin fixture is used outside a test or hook');
    return value;
  };
  const logger = (sink?: Line[]): PluginLogger => {
    const log = (level: string) => (message: string, fields?: Record<string, unknown>) => {
      const line = { level, message, ...(fields ? { fields } : {}) };
      lines.push(line);
      sink?.push(line);
    };
    return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
  };

  beforeAll(async () => {
    cert = generateSelfSignedCert();
    otherCert = generateSelfSignedCert();
    sim = await startUfmSimulator({ tls: cert, username: 'admin', password: PASSWORD });
  });
  beforeEach(() => {
    live(sim).reset();
    live(sim).setKnobs(knobs);
  });
  afterEach(async () => {
    await Promise.all(plugins.splice(0).map((p) => p.close()));
  });
  afterAll(async () => {
    await sim?.close();
    for (const c of [cert, otherCert]) if (c) rmSync(dirname(c.certPath), { recursive: true, force: true });
  });

  return {
    get sim() {
      return live(sim);
    },
    get cert() {
      return live(cert);
    },
    get otherCert() {
      return live(otherCert);
    },
    get errorCount() {
      return errors.length;
    },
    plugin(env = {}, sink, extra = {}) {
      const config = parseUfmConfig({
        UFM_USERNAME: 'admin',
        UFM_PASSWORD: PASSWORD,
        UFM_ADDRESS: '127.0.0.1',
        UFM_PORT: String(live(sim).port),
        UFM_CERTIFICATE: live(cert).cert,
        UFM_REQUEST_TIMEOUT: String(TIMEOUT_MS / 1000),
        ...env,
      });
      const created = new UfmPlugin(config, { logger: logger(sink), ...extra });
      plugins.push(created);
      return created;
    },
    async failure(call) {
      const error = await call().then(
        () => undefined,
        (e: unknown) => e,
      );
      errors.push(error);
      expect(error).toBeInstanceOf(SubnetManagerError);
      return error as SubnetManagerError;
    },
    rendered() {
      return [
        ...lines.map((l) => JSON.stringify(l)),
        ...errors.flatMap((e) => [JSON.stringify(e), inspect(e, { depth: Infinity, showHidden: true }), String(e)]),
        ...plugins.map((p) => inspect(p, { depth: Infinity, showHidden: true }) + JSON.stringify(p)),
      ].join('\n');
    },
  };
}
