/**
 * The discovery file tells clients where the broker listens. It is written atomically (temp
 * file + rename), so a client never reads half of it, and only once the socket accepts
 * connections. Mode 0600; it never contains the API key.
 */
import { open, readFile, rename, unlink } from 'node:fs/promises';
import type { DiscoveryInfo, RuntimePaths } from '../runtime-paths.ts';

/** Write the discovery file atomically (temp + rename), mode 0600. */
export async function writeDiscovery(
  paths: Pick<RuntimePaths, 'discovery'>,
  info: DiscoveryInfo,
): Promise<void> {
  const temp = `${paths.discovery}.${process.pid}.tmp`;
  const handle = await open(temp, 'w', 0o600);
  try {
    await handle.writeFile(`${JSON.stringify(info, null, 2)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, paths.discovery);
}

/** Remove the discovery file if it still names this process (a successor may have replaced it). */
export async function removeDiscovery(paths: Pick<RuntimePaths, 'discovery'>): Promise<void> {
  try {
    const info = JSON.parse(await readFile(paths.discovery, 'utf8')) as Partial<DiscoveryInfo>;
    if (info.pid === process.pid) await unlink(paths.discovery);
  } catch {
    // Gone already, or unreadable: nothing of ours to remove.
  }
}
