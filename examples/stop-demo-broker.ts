/**
 * Global teardown of the demo: stop the broker of this run's private runtime dir. The broker is
 * built to outlive a run (runs on one machine share it), but a demo run's broker watched a sandbox
 * that stops with the run; it would only idle for minutes. A runtime dir the user chose is left
 * alone, and so is its broker.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDemoRunDir } from './demo-env.ts';

export default function stopDemoBroker(): void {
  const runtimeDir = process.env.TEMPNUMBER_RUNTIME_DIR;
  if (!runtimeDir || !isDemoRunDir(runtimeDir)) return;
  for (const account of readdirSync(runtimeDir)) {
    try {
      // The discovery file the broker writes once it listens (src/broker/runtime-paths.ts).
      const { pid } = JSON.parse(readFileSync(join(runtimeDir, account, 'broker.json'), 'utf8')) as {
        pid?: unknown;
      };
      if (typeof pid === 'number' && pid !== process.pid) process.kill(pid, 'SIGTERM');
    } catch {
      // No broker ran for this account, or it is gone already.
    }
  }
}
