/**
 * Connect to the machine's broker (finding or starting it) at CONNECT_AT (a wall-clock ms, so
 * several processes race at the same moment), print `{"brokerPid":N}` and exit.
 */
import { connectBroker } from '../../src/broker/index.ts';

const at = Number(process.env.CONNECT_AT ?? Date.now());
await new Promise((r) => setTimeout(r, Math.max(0, at - Date.now())));
const client = await connectBroker({ owner: `race pid ${process.pid}` });
console.log(JSON.stringify({ brokerPid: client.brokerPid }));
await client.close();
