/**
 * `POST /dologin`, the form login behind the `/ufmRestV2` session variant (UFM's curl example
 * posts `httpd_username` and `httpd_password` and keeps the cookie). The form body holds the
 * password, so it is never logged.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SESSION_COOKIE } from './auth';
import type { SimulatorCore } from './core';
import { type BodyRead, sendErrorPage, sendRaw } from './http-io';

const LOGGED_IN_PAGE = '<!DOCTYPE html>\n<html><head><title>UFM</title></head><body>Logged in</body></html>\n';

/**
 * Checks the form credentials and, when they hold, answers 200 with a session cookie.
 * @returns the status answered.
 */
export function handleLogin(core: SimulatorCore, req: IncomingMessage, res: ServerResponse, body: BodyRead): number {
  if (req.method !== 'POST') {
    sendErrorPage(res, 405, { allow: 'POST' });
    return 405;
  }
  if (body.tooLarge) {
    sendErrorPage(res, 413);
    return 413;
  }
  const form = new URLSearchParams(body.data.toString('utf8'));
  const session = core.auth.login(form.get('httpd_username'), form.get('httpd_password'));
  if (session === undefined) {
    sendErrorPage(res, 401);
    return 401;
  }
  const secure = 'encrypted' in req.socket ? '; Secure' : '';
  sendRaw(res, 200, 'text/html; charset=utf-8', LOGGED_IN_PAGE, {
    'set-cookie': `${SESSION_COOKIE}=${session}; Path=/; HttpOnly${secure}`,
  });
  return 200;
}
