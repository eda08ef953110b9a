/**
 * HTML bodies as UFM's Apache front end sends them. Clients must not assume error bodies are
 * JSON; NVIDIA's SLURM plugin string-matches `error 401` and `503 service temporarily unavailable`.
 */
import { STATUS_CODES } from 'node:http';

// Apache 2.x reason phrases and explanations for the statuses UFM is seen to return.
const EXPLANATIONS: Record<number, [string, string]> = {
  401: [
    'Unauthorized',
    'This server could not verify that you are authorized to access the document requested. Either you ' +
      "supplied the wrong credentials (e.g., bad password), or your browser doesn't understand how to supply " +
      'the credentials required.',
  ],
  404: ['Not Found', 'The requested URL was not found on this server.'],
  405: ['Method Not Allowed', 'The requested method is not allowed for this URL.'],
  413: [
    'Request Entity Too Large',
    'The requested resource does not allow request data with this method, or the amount of data provided in the request exceeds the capacity limit.',
  ],
  414: ['Request-URI Too Long', "The requested URL's length exceeds the capacity limit for this server."],
  500: [
    'Internal Server Error',
    'The server encountered an internal error or misconfiguration and was unable to complete your request.',
  ],
  502: ['Proxy Error', 'The proxy server received an invalid response from an upstream server.'],
  503: [
    'Service Temporarily Unavailable',
    'The server is temporarily unable to service your request due to maintenance downtime or capacity problems. ' +
      'Please try again later.',
  ],
};

/** Apache-style error page for `status`, e.g. `<title>401 Unauthorized</title>`. */
export function apacheErrorPage(status: number): string {
  const [reason, text] = EXPLANATIONS[status] ?? [STATUS_CODES[status] ?? 'Error', 'The server returned an error.'];
  return [
    '<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">',
    '<html><head>',
    `<title>${status} ${reason}</title>`,
    '</head><body>',
    `<h1>${reason}</h1>`,
    `<p>${text}</p>`,
    '<hr>',
    '<address>Apache Server</address>',
    '</body></html>',
    '',
  ].join('\n');
}

/** The reason phrase the status line carries, matching {@link apacheErrorPage}. */
export function reasonPhrase(status: number): string {
  return EXPLANATIONS[status]?.[0] ?? STATUS_CODES[status] ?? 'Unknown';
}

/** A UFM web login page, which an expired session or an auth proxy answers with status 200 (U). */
export function loginPage(): string {
  return [
    '<!DOCTYPE html>',
    '<html><head><meta charset="utf-8"><title>UFM Login</title></head><body>',
    '<form method="post" action="/dologin">',
    '<input type="text" name="httpd_username" placeholder="Username">',
    '<input type="password" name="httpd_password" placeholder="Password">',
    '<button type="submit">Log In</button>',
    '</form>',
    '</body></html>',
    '',
  ].join('\n');
}
