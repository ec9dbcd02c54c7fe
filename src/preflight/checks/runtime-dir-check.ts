import { runtimePaths } from '../../broker/runtime-paths.ts';
import type { PreflightCheck } from '../check-types.ts';
import { inspectPrivateDir } from '../inspect-private-dir.ts';

/** The runtime dir and the account's folder in it are private (0700, ours), or can be created. */
export const runtimeDirCheck: PreflightCheck = {
  id: 'runtime-dir',
  title: 'runtime dir',
  needs: ['settings'],
  async run(ctx) {
    if (!ctx.settings || !ctx.account) return { level: 'warn', line: 'not checked: no settings' };
    const root = await inspectPrivateDir(ctx.settings.runtimeDir);
    if (root.level !== 'ok' || !root.exists) return { level: root.level, line: root.line };
    const own = await inspectPrivateDir(runtimePaths(ctx.settings.runtimeDir, ctx.account).dir);
    // The account folder's verdict matters more; when it is fine, name the root (what the user set).
    return own.level === 'ok' ? { level: 'ok', line: root.line } : { level: own.level, line: own.line };
  },
};
