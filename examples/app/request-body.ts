import type { IncomingMessage } from 'node:http';

/** Forms of this app are tiny; anything bigger is not a browser submitting them. */
const MAX_BODY_BYTES = 16 * 1024;

/** Read an `application/x-www-form-urlencoded` body; undefined when it is too large. */
export async function readForm(request: IncomingMessage): Promise<URLSearchParams | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}
