/**
 * The sandbox's control surface under `/sandbox` as a route table (pinned: other tools drive it):
 * the carrier, state, reset, faults, prices, balances, and an HTML debug page. Its routes drive
 * the core through its control methods only. Errors use TempNumber's error body, whatever
 * dialects are mounted, so one parser reads both. Bodies are JSON.
 *
 * - `GET  /sandbox` — HTML debug page.
 * - `GET  /sandbox/state` — {@link SandboxCore.state}.
 * - `POST /sandbox/sms` `{"to": "+18454123223" | "18454123223", "text": "..."}` → 200
 *   `{"activationId": n}`; 404 when no waiting activation holds the number; 400 bad body.
 * - `POST /sandbox/reset` → 200 `{"result":"success"}`.
 * - `POST /sandbox/faults` `{errorRate?, errorStatus?, holdMs?, latencyMs?, dropRate?, malformedRate?}`
 *   replaces the faults (`{}` clears) → 200 with the faults in effect; 400 on a bad value.
 * - `POST /sandbox/prices` `{"serviceId": "facebook", "countryId": "us", "price": 1.2}` → 200
 *   echo; 404 unknown ids; 400 bad price. Prices are global (the catalog is not per account).
 * - `POST /sandbox/balance` `{"balance": 12.5}` with the account's key in `x-api-key` (or as
 *   `"apiKey"` in the body) → 200 `{"account": "<hash>", "balance": 12.5}`; 401 unknown key.
 */
import { isCountryId } from './catalog/countries.ts';
import { isServiceId } from './catalog/offers.ts';
import {
  type ControlRouteTable,
  type CoreReply,
  type CoreRequest,
  htmlReply,
  jsonReply,
  parseJsonObject,
  type SandboxCore,
  type SandboxState,
} from './core/route-table.ts';
import { accountHash } from './core/world.ts';
import { errorReply } from './dialects/tempnumber-v1.ts';

/** The control surface as a value for the core. */
export const CONTROL_ROUTES: ControlRouteTable = {
  prefix: '/sandbox',
  routes: {
    'GET /sandbox': (core) => htmlReply(200, renderDebugPage(core.state())),
    'GET /sandbox/state': (core) => jsonReply(200, core.state()),
    'POST /sandbox/sms': (core, request) => postSms(core, request.body),
    'POST /sandbox/reset': (core) => {
      core.reset();
      return jsonReply(200, { result: 'success' });
    },
    'POST /sandbox/faults': (core, request) => postFaults(core, request.body),
    'POST /sandbox/prices': (core, request) => postPrice(core, request.body),
    'POST /sandbox/balance': postBalance,
  },
  notFound: (message) => errorReply('ResourceNotFoundException', message),
};

function postSms(core: SandboxCore, raw: string): CoreReply {
  const body = parseJsonObject(raw);
  const to = typeof body?.to === 'number' && Number.isInteger(body.to) ? String(body.to) : body?.to;
  const text = body?.text;
  if (typeof to !== 'string' || typeof text !== 'string') {
    return errorReply(
      'InvalidRequestParamsException',
      'Body must be {"to": "<digits or +E.164>", "text": "<sms text>"}',
    );
  }
  if (!/^\+?[\d\s().-]+$/.test(to)) {
    return errorReply(
      'InvalidRequestParamsException',
      `"to" must be a phone number, got ${JSON.stringify(to)}`,
    );
  }
  const delivered = core.deliverSms(to, text);
  return delivered
    ? jsonReply(200, delivered)
    : errorReply('ResourceNotFoundException', `No activation is waiting for an SMS on ${to}`);
}

function postFaults(core: SandboxCore, raw: string): CoreReply {
  const body = parseJsonObject(raw);
  if (!body)
    return errorReply('InvalidRequestParamsException', 'Body must be a JSON object ({} clears all faults)');
  try {
    core.setFaults(body);
  } catch (error) {
    return errorReply('InvalidRequestParamsException', (error as Error).message);
  }
  return jsonReply(200, core.state().faults);
}

function postPrice(core: SandboxCore, raw: string): CoreReply {
  const body = parseJsonObject(raw);
  const { serviceId, countryId, price } = body ?? {};
  if (typeof serviceId !== 'string' || typeof countryId !== 'string' || typeof price !== 'number') {
    return errorReply(
      'InvalidRequestParamsException',
      'Body must be {"serviceId": "...", "countryId": "...", "price": n}',
    );
  }
  if (!isServiceId(serviceId) || !isCountryId(countryId)) {
    return errorReply('ResourceNotFoundException', `Unknown service ${serviceId} or country ${countryId}`);
  }
  try {
    core.setPrice(serviceId, countryId, price);
  } catch (error) {
    return errorReply('InvalidRequestParamsException', (error as Error).message);
  }
  return jsonReply(200, { serviceId, countryId, price });
}

function postBalance(core: SandboxCore, request: CoreRequest): CoreReply {
  const body = parseJsonObject(request.body);
  const balance = body?.balance;
  if (typeof balance !== 'number') {
    return errorReply(
      'InvalidRequestParamsException',
      'Body must be {"balance": <USD>} with the key in x-api-key',
    );
  }
  const key = request.headers['x-api-key'] ?? (typeof body?.apiKey === 'string' ? body.apiKey : undefined);
  if (key === undefined)
    return errorReply('UnauthorizedException', 'Name the account with the x-api-key header');
  const account = accountHash(key);
  if (core.state().balances[account] === undefined) {
    return errorReply('UnauthorizedException', 'Unknown API key: the sandbox was not started with it');
  }
  try {
    core.setBalance(key, balance);
  } catch (error) {
    return errorReply('InvalidRequestParamsException', (error as Error).message);
  }
  return jsonReply(200, { account, balance });
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escape text for HTML element content and quoted attributes. */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

/**
 * The `GET /sandbox` page for local debugging: every activation with its SMS, and a form that
 * sends an SMS through `POST /sandbox/sms`. SMS texts come from whoever calls the carrier, so
 * everything is escaped.
 */
function renderDebugPage(state: SandboxState): string {
  const smsBy = new Map<number, string[]>();
  for (const sms of state.sms)
    smsBy.set(sms.activationId, [...(smsBy.get(sms.activationId) ?? []), sms.text]);
  const rows = [...state.activations]
    .reverse()
    .map((a) => {
      const texts = (smsBy.get(a.id) ?? []).map((t) => `<li>${escapeHtml(t)}</li>`).join('');
      return (
        `<tr><td>${a.id}</td><td>+${escapeHtml(String(a.number))}</td><td>${escapeHtml(a.serviceId ?? '')}</td>` +
        `<td>${escapeHtml(a.countryId ?? '')}</td><td>${escapeHtml(a.status)}</td><td><ul>${texts}</ul></td></tr>`
      );
    })
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>TempNumber sandbox</title>
<style>body{font:14px system-ui,sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}ul{margin:0;padding-left:1.2em}</style>
</head><body>
<h1>TempNumber sandbox</h1>
<p>API clock: ${escapeHtml(new Date(state.now).toISOString())} (time scale ${state.timeScale}×) ·
requests: ${state.requests} · rate-limited: ${state.rateLimited}</p>
<form id="sms"><label>To <input name="to" placeholder="+18454123223" required></label>
<label>Text <input name="text" size="40" placeholder="Your code is 123456" required></label>
<button>Send SMS</button> <output></output></form>
<table><thead><tr><th>id</th><th>number</th><th>service</th><th>country</th><th>status</th><th>SMS</th></tr></thead>
<tbody>
${rows || '<tr><td colspan="6">No activations yet.</td></tr>'}
</tbody></table>
<script>
document.getElementById('sms').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  const res = await fetch('/sandbox/sms', { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ to: form.get('to'), text: form.get('text') }) });
  if (res.ok) location.reload();
  else event.target.querySelector('output').textContent = (await res.json()).errorMessage;
});
</script>
</body></html>
`;
}
