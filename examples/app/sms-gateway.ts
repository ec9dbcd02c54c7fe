/**
 * The app's SMS provider integration: one JSON POST per message, the way apps call Twilio-like
 * HTTP gateways. In the demo the gateway is the sandbox's carrier (`POST /sandbox/sms`), which
 * delivers the text to whichever TempNumber activation holds the number.
 */

/** Where and how to send. */
export interface SmsGatewayOptions {
  /** `SMS_GATEWAY_URL`, e.g. http://127.0.0.1:8787/sandbox/sms. */
  url: string;
  /** Give up on a gateway that does not answer within this many milliseconds. @default 5000 */
  timeoutMs?: number;
}

/** The gateway refused the message or could not be reached; `message` is safe to show a user. */
export class SmsGatewayError extends Error {
  override name = 'SmsGatewayError' as const;
}

export interface SmsGateway {
  /** Send `text` to `to` (+E.164); throws {@link SmsGatewayError}. */
  send(to: string, text: string): Promise<void>;
}

export function createSmsGateway(options: SmsGatewayOptions): SmsGateway {
  const timeoutMs = options.timeoutMs ?? 5000;
  return {
    async send(to, text) {
      let response: Response;
      try {
        response = await fetch(options.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify({ to, text }),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        const why =
          error instanceof Error && error.name === 'TimeoutError'
            ? `no answer in ${timeoutMs} ms`
            : 'unreachable';
        throw new SmsGatewayError(`the SMS gateway is ${why}`, { cause: error });
      }
      // Drain the body either way so the keep-alive socket is reusable.
      const body = await response.text().catch(() => '');
      if (!response.ok) {
        throw new SmsGatewayError(`the SMS gateway answered ${response.status}${describeBody(body)}`);
      }
    },
  };
}

/**
 * A short hint from the gateway's error body: `message` / `error` as most providers spell it, or
 * `errorMessage` as the TempNumber sandbox's carrier does.
 */
function describeBody(body: string): string {
  try {
    const parsed = JSON.parse(body) as Record<string, unknown>;
    const text = [parsed.errorMessage, parsed.message, parsed.error].find((t) => typeof t === 'string' && t);
    return typeof text === 'string' ? `: ${text.slice(0, 200)}` : '';
  } catch {
    return '';
  }
}
