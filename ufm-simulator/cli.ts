/**
 * Command line of the stand-alone simulator: flag parsing (pure, so it is testable) and the
 * launch that turns parsed flags into a running simulator plus the one-line announcement.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { generateSelfSignedCert } from './certs';
import { parseKnobs } from './knobs';
import { startUfmSimulator } from './server';
import type { SimulatorKnobs, UfmSimulator } from './types';

/** Thrown for invalid command lines; the message names the flag. */
export class CliUsageError extends Error {
  override readonly name = 'CliUsageError';
}

/** Parsed command line. */
export interface CliOptions {
  help: boolean;
  host: string;
  port: number;
  /** `generate` for --tls, files for --cert/--key, false for plain HTTP. */
  tls: 'generate' | { certFile: string; keyFile: string } | false;
  certOut?: string;
  username: string;
  password: string;
  knobs: Partial<SimulatorKnobs>;
}

/** A simulator started from the command line. */
export interface CliRun {
  sim: UfmSimulator;
  /** The line printed on start: where to connect and which PEM to trust (null over plain HTTP). */
  announcement: { url: string; certPath: string | null };
  /** Closes the simulator and removes a generated certificate's temporary directory. */
  shutdown(): Promise<void>;
}

/** Usage text for --help and usage errors. */
export const USAGE = `Usage: node build/ufm-simulator/main.js [flags]
  --host ADDR         listen address (default 127.0.0.1; the /__sim hooks need no auth)
  --port N            TCP port (default 0 = any free port)
  --tls               serve HTTPS with a generated self-signed certificate
  --cert FILE --key FILE   serve HTTPS with this PEM certificate and key
  --cert-out FILE     write the certificate PEM here for clients to trust
  --username NAME     account name (default $UFM_USERNAME, else admin)
  --password PASS     account password (default $UFM_PASSWORD, else 123456)
  --latency-ms N      latency added to every UFM request (default 0)
  --knobs JSON        simulator knobs, e.g. '{"unknownPkeyGet":"404"}'
  --help              show this text`;

const VALUE_FLAGS = ['host', 'port', 'cert', 'key', 'cert-out', 'username', 'password', 'latency-ms', 'knobs'];
const SWITCHES = ['tls', 'help'];

/**
 * Parses flags (`--flag value` or `--flag=value`).
 * @param env supplies UFM_USERNAME / UFM_PASSWORD defaults.
 * @throws CliUsageError naming the offending flag.
 */
export function parseCliArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): CliOptions {
  const values = new Map<string, string>();
  const switches = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const match = /^--([a-z-]+)(?:=(.*))?$/s.exec(arg);
    if (!match?.[1]) throw new CliUsageError(`unexpected argument ${JSON.stringify(arg)}`);
    const [, name, inline] = match;
    if (SWITCHES.includes(name)) {
      if (inline !== undefined) throw new CliUsageError(`--${name} takes no value`);
      switches.add(name);
    } else if (VALUE_FLAGS.includes(name)) {
      const value = inline ?? argv[++i];
      if (value === undefined) throw new CliUsageError(`--${name} needs a value`);
      values.set(name, value);
    } else {
      throw new CliUsageError(`unknown flag --${name}`);
    }
  }
  const certFile = values.get('cert');
  const keyFile = values.get('key');
  if ((certFile === undefined) !== (keyFile === undefined)) throw new CliUsageError('--cert and --key go together');
  if (switches.has('tls') && certFile !== undefined) throw new CliUsageError('--tls conflicts with --cert/--key');
  const tls =
    certFile !== undefined && keyFile !== undefined ? { certFile, keyFile } : switches.has('tls') && 'generate';
  const certOut = values.get('cert-out');
  if (certOut !== undefined && !tls) throw new CliUsageError('--cert-out needs --tls or --cert/--key');
  const knobs = parseKnobsFlag(values.get('knobs'));
  const latency = values.get('latency-ms');
  if (latency !== undefined) knobs.baseLatencyMs = parseInteger(latency, 'latency-ms', 0, 600_000);
  const options: CliOptions = {
    help: switches.has('help'),
    host: values.get('host') ?? '127.0.0.1',
    port: parseInteger(values.get('port') ?? '0', 'port', 0, 65535),
    tls: tls || false,
    username: values.get('username') ?? env['UFM_USERNAME'] ?? 'admin',
    password: values.get('password') ?? env['UFM_PASSWORD'] ?? '123456',
    knobs,
  };
  if (options.host === '') throw new CliUsageError('--host must not be empty');
  if (options.username === '' || options.password === '')
    throw new CliUsageError('--username/--password must not be empty');
  if (certOut !== undefined) options.certOut = certOut;
  return options;
}

/**
 * Starts the simulator described by parsed flags, generating or reading the certificate and
 * writing it to `certOut` before listening, so a client that sees the port can already trust it.
 * @throws CliUsageError when certificate files cannot be read or written; Error when the port cannot be bound.
 */
export async function launchFromCli(opts: CliOptions): Promise<CliRun> {
  let tls: { cert: string; key: string } | false = false;
  let certPath: string | null = null;
  let tempDir: string | undefined;
  if (opts.tls === 'generate') {
    const wildcard = ['0.0.0.0', '::'].includes(opts.host);
    const hosts = [...new Set(['127.0.0.1', '::1', 'localhost', ...(wildcard ? [] : [opts.host])])];
    const generated = generateSelfSignedCert({ hosts });
    tls = { cert: generated.cert, key: generated.key };
    certPath = generated.certPath;
    tempDir = dirname(generated.certPath);
  } else if (opts.tls) {
    tls = { cert: readFlagFile('cert', opts.tls.certFile), key: readFlagFile('key', opts.tls.keyFile) };
    certPath = opts.tls.certFile;
  }
  if (tls && opts.certOut !== undefined) {
    try {
      writeFileSync(opts.certOut, tls.cert, { mode: 0o644 });
    } catch (err) {
      throw new CliUsageError(`--cert-out: cannot write ${opts.certOut}: ${(err as Error).message}`);
    }
    certPath = opts.certOut;
  }
  const removeTemp = (): void => {
    if (tempDir !== undefined) rmSync(tempDir, { recursive: true, force: true });
  };
  let sim: UfmSimulator;
  try {
    const { host, port, username, password, knobs } = opts;
    sim = await startUfmSimulator({ host, port, tls, username, password, knobs });
  } catch (err) {
    removeTemp();
    throw err;
  }
  return {
    sim,
    announcement: { url: sim.url, certPath },
    shutdown: async () => {
      await sim.close();
      removeTemp();
    },
  };
}

function readFlagFile(flag: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new CliUsageError(`--${flag}: cannot read ${path}: ${(err as Error).message}`);
  }
}

function parseKnobsFlag(text: string | undefined): Partial<SimulatorKnobs> {
  if (text === undefined) return {};
  try {
    return parseKnobs(JSON.parse(text));
  } catch (err) {
    throw new CliUsageError(`--knobs: ${(err as Error).message}`);
  }
}

function parseInteger(text: string, flag: string, min: number, max: number): number {
  const value = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(value >= min && value <= max))
    throw new CliUsageError(`--${flag} must be an integer ${min}-${max}, got ${JSON.stringify(text)}`);
  return value;
}
