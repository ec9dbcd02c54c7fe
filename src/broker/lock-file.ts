/**
 * An exclusive lock file: created with O_EXCL (`wx`) and holding the owner's pid and a random
 * token. A lock whose pid is no longer alive is stale and taken over, so a killed broker or
 * client never blocks the next one (the pattern of playwright-bdd's lock).
 */
import { randomUUID } from 'node:crypto';
import { readFile, unlink, writeFile } from 'node:fs/promises';

export interface HeldLock {
  readonly path: string;
  readonly token: string;
  /** Remove the lock if it is still ours (never removes a lock someone else took over). */
  release(): Promise<void>;
}

interface LockContent {
  pid: number;
  token: string;
  createdAt: string;
}

/** Take the lock, or return undefined while a live process holds it. */
export async function tryAcquireLock(path: string): Promise<HeldLock | undefined> {
  const token = randomUUID();
  const content: LockContent = { pid: process.pid, token, createdAt: new Date().toISOString() };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(path, JSON.stringify(content), { flag: 'wx', mode: 0o600 });
      return {
        path,
        token,
        release: async () => {
          const holder = await readLock(path);
          if (holder?.token === token) await unlink(path).catch(() => {});
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = await readLock(path);
      // A half-written lock (holder undefined) may belong to a process writing it right now:
      // treat it as held unless it stays unreadable, which a later attempt will see.
      if (holder && isAlive(holder.pid)) return undefined;
      if (!holder && attempt === 0) {
        await new Promise((r) => setTimeout(r, 50));
        const again = await readLock(path);
        if (again && isAlive(again.pid)) return undefined;
      }
      await unlink(path).catch(() => {});
    }
  }
  return undefined;
}

/** Who holds the lock, if anyone alive does. */
export async function lockHolder(path: string): Promise<{ pid: number } | undefined> {
  const holder = await readLock(path);
  return holder && isAlive(holder.pid) ? { pid: holder.pid } : undefined;
}

async function readLock(path: string): Promise<LockContent | undefined> {
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as Partial<LockContent>;
    return typeof parsed.pid === 'number' && typeof parsed.token === 'string'
      ? (parsed as LockContent)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Wait until `pid` no longer holds the lock at `path` (it exited, or let go): true, or false
 * once `deadlineMs` (wall ms) passed first. How a stopped broker is known to be gone.
 */
export async function waitForRelease(path: string, pid: number, deadlineMs: number): Promise<boolean> {
  while ((await lockHolder(path))?.pid === pid) {
    if (Date.now() >= deadlineMs) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

/** Signal 0 checks existence; EPERM means alive but someone else's. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
