/**
 * The Acme signup app the examples test: `node examples/app/server.ts`.
 *
 * Environment:
 * - `APP_PORT` — port on 127.0.0.1. @default 3100
 * - `SMS_GATEWAY_URL` — where the backend POSTs `{ to, text }` to send an SMS. In the demo: the
 *   TempNumber sandbox's carrier, `http://127.0.0.1:<sandbox port>/sandbox/sms`.
 */
import { createServer } from 'node:http';
import { createHandler } from './routes.ts';
import { createSignupStore } from './signup-store.ts';
import { createSmsGateway } from './sms-gateway.ts';

const port = Number(process.env.APP_PORT ?? 3100);
const gatewayUrl = process.env.SMS_GATEWAY_URL?.trim();
if (!Number.isInteger(port) || port <= 0 || port > 65_535) {
  console.error(`APP_PORT must be a port number, got ${JSON.stringify(process.env.APP_PORT)}.`);
  process.exit(2);
}
if (!gatewayUrl || !URL.canParse(gatewayUrl)) {
  console.error(
    'SMS_GATEWAY_URL must be the URL the app POSTs SMS to, e.g. http://127.0.0.1:8787/sandbox/sms ' +
      `(the TempNumber sandbox's carrier); got ${JSON.stringify(gatewayUrl ?? '')}.`,
  );
  process.exit(2);
}

const log = (line: string) => console.log(`[acme] ${line}`);
const server = createServer(
  createHandler({ store: createSignupStore(), gateway: createSmsGateway({ url: gatewayUrl }), log }),
);
server.listen(port, '127.0.0.1', () => log(`signup app on http://127.0.0.1:${port}, SMS via ${gatewayUrl}`));
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => server.close(() => process.exit(0)));
}
