import { isCountryId } from '../catalog/countries.ts';
import { isServiceId } from '../catalog/offers.ts';
import { accountHash } from '../core/account.ts';
import type { CoreReply, CoreRequest, SandboxCore } from '../core/core-types.ts';
import { errorReply, htmlReply, jsonReply, parseJsonObject } from '../core/responses.ts';
import { renderDebugPage } from './debug-page.ts';

/**
 * The control surface under `/sandbox` (pinned: other tools drive it). Errors use the API's
 * error body so one parser reads both. Bodies are JSON.
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
export function handleControlRequest(core: SandboxCore, request: CoreRequest, path: string): CoreReply {
  const route = `${request.method} ${path}`;
  switch (route) {
    case 'GET /sandbox':
      return htmlReply(200, renderDebugPage(core.state()));
    case 'GET /sandbox/state':
      return jsonReply(200, core.state());
    case 'POST /sandbox/sms':
      return postSms(core, request.body);
    case 'POST /sandbox/reset':
      core.reset();
      return jsonReply(200, { result: 'success' });
    case 'POST /sandbox/faults':
      return postFaults(core, request.body);
    case 'POST /sandbox/prices':
      return postPrice(core, request.body);
    case 'POST /sandbox/balance':
      return postBalance(core, request);
    default:
      return errorReply('ResourceNotFoundException', `No control route ${route}`);
  }
}

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
