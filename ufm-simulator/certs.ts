/**
 * A self-signed certificate for the simulator's HTTPS listener. Names go into subjectAltName,
 * not only CN: strict clients (Go ≥ 1.15, Node) match the host against SAN, which is exactly
 * what upstream's CN-only recipe got wrong (reference §1, §7 item 14).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A generated certificate and key, as PEM text and as files. */
export interface GeneratedCert {
  cert: string;
  key: string;
  certPath: string;
  keyPath: string;
}

const DEFAULT_HOSTS = ['127.0.0.1', '::1', 'localhost'];
const VALID_DAYS = 3;
// Host names and IP literals only: the value is spliced into an openssl -addext argument.
const HOST_SYNTAX = /^[A-Za-z0-9.:-]{1,253}$/;

/**
 * Generates a P-256 self-signed certificate with `openssl`, valid for a few days, with the
 * given hosts (default 127.0.0.1, ::1, localhost) as subjectAltName entries. The certificate
 * is its own CA: clients verify by passing it as their trusted CA.
 * @param opts.dir directory for `cert.pem`/`key.pem` (default: a new temporary directory).
 * @throws Error when a host name is malformed or openssl fails.
 */
export function generateSelfSignedCert(opts: { hosts?: string[]; dir?: string } = {}): GeneratedCert {
  const hosts = opts.hosts ?? DEFAULT_HOSTS;
  const bad = hosts.find((h) => !HOST_SYNTAX.test(h));
  if (hosts.length === 0 || bad !== undefined) throw new Error(`invalid certificate host name ${JSON.stringify(bad)}`);
  const san = hosts.map((h) => (isIP(h) ? `IP:${h}` : `DNS:${h}`)).join(',');
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'ufm-simulator-'));
  const certPath = join(dir, 'cert.pem');
  const keyPath = join(dir, 'key.pem');
  // prettier-ignore
  const args = [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-days', String(VALID_DAYS), '-subj', '/CN=ufm-simulator', '-addext', `subjectAltName=${san}`,
    '-keyout', keyPath, '-out', certPath,
  ];
  try {
    execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 30_000 });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(`openssl could not generate a certificate: ${stderr || (err as Error).message}`);
  }
  chmodSync(keyPath, 0o600);
  return { cert: readFileSync(certPath, 'utf8'), key: readFileSync(keyPath, 'utf8'), certPath, keyPath };
}
