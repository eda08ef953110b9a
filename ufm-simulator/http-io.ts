/**
 * Reading bounded request bodies and writing responses. The bound keeps hostile clients from
 * growing memory; the writers set Apache's reason phrases so status lines look like UFM's.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { apacheErrorPage, reasonPhrase } from './pages';

/** A request body read with a size bound. */
export interface BodyRead {
  /** The bytes read, up to the bound. */
  data: Buffer;
  /** Total size as sent by the client. */
  bytes: number;
  /** Whether the client sent more than the bound (the excess was discarded). */
  tooLarge: boolean;
}

// Beyond this multiple of the bound the client is clearly hostile: stop reading and drop it.
const DISCARD_FACTOR = 16;

/**
 * Reads the whole body, keeping at most `limit` bytes. Oversized bodies are drained rather than
 * cut off so the client still receives the `413`.
 * @throws Error when the client aborts or sends more than 16× the limit (the socket is destroyed).
 */
export function readBody(req: IncomingMessage, limit: number): Promise<BodyRead> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes <= limit) chunks.push(chunk);
      else if (bytes > limit * DISCARD_FACTOR) req.destroy(new Error('request body far above the limit'));
    });
    req.on('end', () => resolve({ data: Buffer.concat(chunks), bytes, tooLarge: bytes > limit }));
    req.on('error', reject);
    req.on('close', () => reject(new Error('request closed before its body was read')));
  });
}

/** Whether a Content-Type names JSON (parameters such as `charset` ignored); absent counts as JSON. */
export function isJsonContentType(header: string | undefined): boolean {
  if (header === undefined) return true;
  const type = header.split(';')[0]?.trim().toLowerCase() ?? '';
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
}

/** Writes a JSON response. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: OutgoingHttpHeaders = {}): void {
  sendRaw(res, status, 'application/json', JSON.stringify(body), headers);
}

/** Writes an Apache-style HTML error page for `status`. */
export function sendErrorPage(res: ServerResponse, status: number, headers: OutgoingHttpHeaders = {}): void {
  sendRaw(res, status, 'text/html; charset=iso-8859-1', apacheErrorPage(status), headers);
}

/** Writes a response with the given type and text, and Apache's reason phrase. */
export function sendRaw(
  res: ServerResponse,
  status: number,
  contentType: string,
  text: string,
  headers: OutgoingHttpHeaders = {},
): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, reasonPhrase(status), {
    ...headers,
    'content-type': contentType,
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}
