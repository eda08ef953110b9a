/**
 * The options both processes connect to Temporal with, from `TEMPORAL_*` (domain/config.ts):
 * address, TLS (off, system CAs, or the configured files, read once at start) and API key.
 */
import { readFile } from 'node:fs/promises';
import type { TLSConfig } from '@temporalio/client';
import type { TemporalConfig, TemporalTlsConfig } from '../domain/config';

/** What `Connection.connect` and `NativeConnection.connect` both take. */
export interface TemporalConnectionOptions {
  readonly address: string;
  readonly tls: TLSConfig | boolean;
  readonly apiKey?: string;
}

/** Reads the TLS files and reveals the API key (only into the connection, never a log). */
export async function temporalConnectionOptions(config: TemporalConfig): Promise<TemporalConnectionOptions> {
  const key = config.apiKey?.reveal();
  return { address: config.address, tls: await readTls(config.tls), ...(key ? { apiKey: key } : {}) };
}

async function readTls(tls: TemporalTlsConfig): Promise<TLSConfig | boolean> {
  if (!tls.enabled) return false;
  const config: TLSConfig = {};
  if (tls.caPath !== undefined) config.serverRootCACertificate = await readFile(tls.caPath);
  if (tls.certPath !== undefined && tls.keyPath !== undefined) {
    config.clientCertPair = { crt: await readFile(tls.certPath), key: await readFile(tls.keyPath) };
  }
  if (tls.serverName !== undefined) config.serverNameOverride = tls.serverName;
  return Object.keys(config).length === 0 ? true : config;
}
