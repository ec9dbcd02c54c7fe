/**
 * Lease one number and wait for its SMS for a long time: the process the test SIGKILLs
 * mid-wait. Prints `{"activationId":N,"number":"+…"}` once the wait has begun.
 */
import { connectBroker } from '../../src/broker/index.ts';

const client = await connectBroker({ owner: `victim pid ${process.pid}` });
const phone = await client.lease({ service: 'facebook', country: 'us' });
const waiting = phone.code({ timeout: 600_000 });
console.log(JSON.stringify({ activationId: phone.id, number: phone.number }));
console.log(JSON.stringify({ code: await waiting }));
await client.close();
