/**
 * HTTP agents for one UFM plugin instance. Upstream (`pkg/drivers/http/client.go` `NewClient`)
 * writes its TLS settings into the process-wide `http.DefaultTransport`, ignores a PEM that does not
 * parse, and skips verification silently without a certificate (§7.2, §7.3, §7.5). Here the agents
 * belong to the plugin, a bad PEM stops the start, and running unverified is announced.
 */
import { X509Certificate } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { UfmConfig } from '../../domain/config';
import { ConfigError, describeValue } from '../../domain/errors';
import type { PluginLogger } from '../types';

/** The agents axios uses; only the one matching the schema is set. */
export interface UfmAgents {
  readonly httpAgent?: http.Agent;
  readonly httpsAgent?: https.Agent;
  /** Closes idle keep-alive sockets. Throws nothing. */
  destroy(): void;
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * Parses every certificate of a PEM bundle, so a mangled one fails here with its position instead of
 * as an empty trust store and an opaque handshake error later.
 * @throws ConfigError naming `UFM_CERTIFICATE` when there is no block or a block does not parse.
 */
export function parseCertificates(pem: string): X509Certificate[] {
  const blocks = pem.match(PEM_BLOCK) ?? [];
  const shown = `<${pem.length} bytes>`;
  if (blocks.length === 0) throw new ConfigError('UFM_CERTIFICATE', shown, 'PEM text with a certificate block');
  return blocks.map((block, i) => {
    try {
      return new X509Certificate(block);
    } catch (error) {
      const reason = (error as { message?: unknown }).message;
      const text = typeof reason === 'string' ? reason : describeValue(error);
      throw new ConfigError('UFM_CERTIFICATE', shown, `PEM certificates; block ${i + 1} does not parse (${text})`);
    }
  });
}

/**
 * Builds the agent for `config`: with a certificate, TLS is verified against it alone (Node's `ca`
 * replaces the default roots, as Go's `RootCAs` does), which may be a CA or the pinned server
 * certificate itself; without one, verification is off as upstream,
 * and the logger says so once, loudly. Expired certificates and plain HTTP are warned about too.
 * @throws ConfigError when the certificate does not parse.
 */
export function createUfmAgents(config: UfmConfig, logger: PluginLogger, now: Date = new Date()): UfmAgents {
  // Keep-alive: a burst of PKey calls reuses one TLS session instead of a handshake per call.
  const common = { keepAlive: true, maxSockets: 8 };
  if (config.httpSchema === 'http') {
    logger.warn('UFM is reached over plain HTTP: the UFM credentials cross the network unencrypted', {
      variable: 'UFM_HTTP_SCHEMA',
      ...(config.certificate === undefined ? {} : { ignored: 'UFM_CERTIFICATE' }),
    });
    const httpAgent = new http.Agent(common);
    return { httpAgent, destroy: () => httpAgent.destroy() };
  }
  if (config.certificate === undefined) {
    logger.warn(
      'UFM TLS certificate verification is OFF: UFM_CERTIFICATE is not set, so any server at UFM_ADDRESS ' +
        'can impersonate UFM and receive the UFM credentials. Set UFM_CERTIFICATE to the UFM server certificate.',
      { variable: 'UFM_CERTIFICATE', tlsVerification: false },
    );
    const httpsAgent = new https.Agent({ ...common, rejectUnauthorized: false });
    return { httpsAgent, destroy: () => httpsAgent.destroy() };
  }
  const certificates = parseCertificates(config.certificate);
  for (const certificate of certificates) {
    if (new Date(certificate.validTo).getTime() < now.getTime()) {
      logger.warn('UFM_CERTIFICATE holds an expired certificate; TLS verification against it will fail', {
        subject: certificate.subject.slice(0, 200),
        validTo: certificate.validTo,
      });
    }
  }
  logger.info('UFM TLS certificate verification is on', { certificates: certificates.length });
  // Partial-chain trust: a pinned UFM server certificate issued by an organisation's CA (what
  // upstream's README tells users to install) is a trust anchor by itself, as it is for Go's
  // `RootCAs`; OpenSSL would otherwise demand the issuer too. Chain, expiry and host name are
  // still verified.
  const httpsAgent = new https.Agent({
    ...common,
    ca: config.certificate,
    rejectUnauthorized: true,
    allowPartialTrustChain: true,
  });
  return { httpsAgent, destroy: () => httpsAgent.destroy() };
}
