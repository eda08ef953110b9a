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
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'ufm-simulator-'));
  const certPath = join(dir, 'cert.pem');
  const keyPath = join(dir, 'key.pem');
  // prettier-ignore
  openssl([
    'req', '-x509', ...NEW_EC_KEY, '-days', String(VALID_DAYS), '-subj', '/CN=ufm-simulator',
    '-addext', `subjectAltName=${subjectAltName(opts.hosts)}`, '-keyout', keyPath, '-out', certPath,
  ]);
  return readGenerated(certPath, keyPath);
}

/** A server certificate issued by a generated CA, as an organisation's PKI would issue UFM's. */
export interface IssuedCert extends GeneratedCert {
  /** The issuing CA's certificate (PEM), for clients that trust the CA rather than pin the leaf. */
  caCert: string;
}

/**
 * Generates a CA and a P-256 server certificate it signs (not self-signed: `CA:FALSE`, serverAuth,
 * the hosts in subjectAltName), valid for a few days, the shape upstream's README asks operators to
 * install on UFM. Clients either pin the leaf (`cert`) or trust the CA (`caCert`).
 * @throws Error when a host name is malformed or openssl fails.
 */
export function generateCaSignedCert(opts: { hosts?: string[]; dir?: string } = {}): IssuedCert {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'ufm-simulator-ca-'));
  const file = (name: string) => join(dir, name);
  // prettier-ignore
  openssl([
    'req', '-x509', ...NEW_EC_KEY, '-days', String(VALID_DAYS), '-subj', '/CN=ufm-simulator test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    '-keyout', file('ca-key.pem'), '-out', file('ca.pem'),
  ]);
  // prettier-ignore
  openssl([
    'req', '-x509', ...NEW_EC_KEY, '-days', String(VALID_DAYS), '-subj', '/CN=ufm-simulator',
    '-CA', file('ca.pem'), '-CAkey', file('ca-key.pem'),
    '-addext', `subjectAltName=${subjectAltName(opts.hosts)}`, '-addext', 'basicConstraints=critical,CA:FALSE',
    '-addext', 'extendedKeyUsage=serverAuth', '-keyout', file('key.pem'), '-out', file('cert.pem'),
  ]);
  chmodSync(file('ca-key.pem'), 0o600);
  return { ...readGenerated(file('cert.pem'), file('key.pem')), caCert: readFileSync(file('ca.pem'), 'utf8') };
}

const NEW_EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function subjectAltName(hosts: string[] = DEFAULT_HOSTS): string {
  const bad = hosts.find((h) => !HOST_SYNTAX.test(h));
  if (hosts.length === 0 || bad !== undefined) throw new Error(`invalid certificate host name ${JSON.stringify(bad)}`);
  return hosts.map((h) => (isIP(h) ? `IP:${h}` : `DNS:${h}`)).join(',');
}

function openssl(args: string[]): void {
  try {
    execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 30_000 });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(`openssl could not generate a certificate: ${stderr || (err as Error).message}`);
  }
}

function readGenerated(certPath: string, keyPath: string): GeneratedCert {
  chmodSync(keyPath, 0o600);
  return { cert: readFileSync(certPath, 'utf8'), key: readFileSync(keyPath, 'utf8'), certPath, keyPath };
}
