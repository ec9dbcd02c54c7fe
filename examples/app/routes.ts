/**
 * Request handling of the signup app: a plain `node:http` handler, post/redirect/get so a
 * reload never sends a second SMS.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { notFoundPage, signupPage, smsText, verifyPage, welcomePage } from './pages.ts';
import { normalizeE164 } from './phone-number.ts';
import { readForm } from './request-body.ts';
import type { Signup, SignupStore } from './signup-store.ts';
import type { SmsGateway } from './sms-gateway.ts';

export interface AppDeps {
  store: SignupStore;
  gateway: SmsGateway;
  log: (line: string) => void;
}

type Handler = (request: IncomingMessage, url: URL, response: ServerResponse, deps: AppDeps) => Promise<void>;

/** Routes as data: `METHOD /path` → handler. */
const ROUTES: Record<string, Handler> = {
  'GET /': async (_q, _u, response) => redirect(response, '/signup'),
  'GET /healthz': async (_q, _u, response) => send(response, 200, 'ok', 'text/plain'),
  'GET /signup': async (_q, url, response) =>
    html(response, 200, signupPage({ invite: parseInvite(url.searchParams.get('invite')) })),
  'POST /signup': postSignup,
  'GET /verify': async (_q, url, response, { store }) => {
    const signup = store.get(url.searchParams.get('signup') ?? '');
    if (!signup) return html(response, 404, notFoundPage('This sign-up has expired or does not exist.'));
    const info = url.searchParams.has('resent') ? 'We sent you a new code.' : undefined;
    html(response, 200, verifyPage(signup, { info }));
  },
  'POST /verify': postVerify,
  'POST /resend': postResend,
};

export function createHandler(deps: AppDeps) {
  return async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://app.invalid');
    const route = ROUTES[`${request.method} ${url.pathname}`];
    try {
      if (route) await route(request, url, response, deps);
      else html(response, 404, notFoundPage(`Nothing at ${url.pathname}.`));
    } catch (error) {
      deps.log(`error on ${request.method} ${url.pathname}: ${error instanceof Error ? error.stack : error}`);
      if (!response.headersSent) send(response, 500, 'Internal error', 'text/plain');
      else response.end();
    }
  };
}

async function postSignup(request: IncomingMessage, _u: URL, response: ServerResponse, deps: AppDeps) {
  const form = await readForm(request);
  if (!form) return send(response, 413, 'Too large', 'text/plain');
  const name = (form.get('name') ?? '').trim().slice(0, 100);
  const phoneInput = (form.get('phone') ?? '').trim().slice(0, 40);
  const invite = parseInvite(form.get('invite'));
  const again = (status: number, error: string) =>
    html(response, status, signupPage({ name, phone: phoneInput, invite, error }));

  if (!name) return again(400, 'Enter your name.');
  const phone = normalizeE164(phoneInput);
  if (!phone) return again(400, 'Enter the phone number in international format, e.g. +1 845 412 3223.');
  const blocked = deps.store.sendBlockedForMs(phone);
  if (blocked > 0) return again(429, tooManyCodes(blocked));

  const signup = deps.store.create({ name, phone, invite });
  const failure = await sendCode(signup, deps);
  if (failure) return again(502, failure);
  redirect(response, `/verify?signup=${encodeURIComponent(signup.id)}`);
}

async function postVerify(request: IncomingMessage, _u: URL, response: ServerResponse, deps: AppDeps) {
  const form = await readForm(request);
  const signup = deps.store.get(form?.get('signup') ?? '');
  if (!form || !signup)
    return html(response, 404, notFoundPage('This sign-up has expired or does not exist.'));
  const result = deps.store.verify(signup, form.get('code') ?? '');
  if (result === 'verified') {
    deps.log(`verified ${signup.phone}`);
    return html(response, 200, welcomePage(signup));
  }
  const errors = {
    wrong: 'Wrong code. Check the SMS and try again, or resend the code.',
    expired: 'This code has expired. Resend the code to get a new one.',
    locked: 'Too many wrong codes. Resend the code to get a new one.',
    'no-code': 'No code was sent yet. Resend the code.',
  } as const satisfies Record<Exclude<typeof result, 'verified'>, string>;
  html(response, 422, verifyPage(signup, { error: errors[result] }));
}

async function postResend(request: IncomingMessage, _u: URL, response: ServerResponse, deps: AppDeps) {
  const form = await readForm(request);
  const signup = deps.store.get(form?.get('signup') ?? '');
  if (!signup) return html(response, 404, notFoundPage('This sign-up has expired or does not exist.'));
  const blocked = deps.store.sendBlockedForMs(signup.phone);
  if (blocked > 0) return html(response, 429, verifyPage(signup, { error: tooManyCodes(blocked) }));
  const failure = await sendCode(signup, deps);
  if (failure) return html(response, 502, verifyPage(signup, { error: failure }));
  redirect(response, `/verify?signup=${encodeURIComponent(signup.id)}&resent=1`);
}

/** Send a new code by SMS; the error text for the page when the gateway failed. */
async function sendCode(signup: Signup, { store, gateway, log }: AppDeps): Promise<string | undefined> {
  const code = store.newCode(signup);
  try {
    await gateway.send(signup.phone, smsText(code, signup.invite));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    // The code itself is never logged: a log line is not where an OTP belongs.
    log(`SMS to ${signup.phone} failed: ${reason}`);
    return `We could not send the SMS: ${reason}. Please try again.`;
  }
  store.codeSent(signup, code);
  log(`sent a code to ${signup.phone}`);
  return undefined;
}

function tooManyCodes(blockedForMs: number): string {
  const minutes = Math.ceil(blockedForMs / 60_000);
  return `Too many codes were sent to this number. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`;
}

/** Invites are 4–8 digits; anything else is ignored rather than echoed into an SMS. */
function parseInvite(raw: string | null): string | undefined {
  return raw && /^\d{4,8}$/.test(raw) ? raw : undefined;
}

function html(response: ServerResponse, status: number, body: string): void {
  send(response, status, body, 'text/html; charset=utf-8');
}

function send(response: ServerResponse, status: number, body: string, type: string): void {
  response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  response.end(body);
}

function redirect(response: ServerResponse, location: string): void {
  response.writeHead(303, { location });
  response.end();
}
