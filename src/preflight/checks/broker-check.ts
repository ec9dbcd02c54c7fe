import { readFile } from 'node:fs/promises';
import { isAlive } from '../../broker/lock-file.ts';
import { PROTOCOL_VERSION } from '../../broker/protocol.ts';
import { type DiscoveryInfo, runtimePaths } from '../../broker/runtime-paths.ts';
import type { PreflightCheck } from '../check-types.ts';

/**
 * Is a broker running for this account? Informational: none running is fine (one starts on
 * demand). A discovery file left by a dead broker, or a broker of another protocol version, is
 * worth a warning with what to do.
 */
export const brokerCheck: PreflightCheck = {
  id: 'broker',
  title: 'broker',
  needs: ['settings'],
  async run(ctx) {
    if (!ctx.settings || !ctx.account) return { level: 'warn', line: 'not checked: no settings' };
    const paths = runtimePaths(ctx.settings.runtimeDir, ctx.account);
    let raw: string;
    try {
      raw = await readFile(paths.discovery, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        return {
          level: 'ok',
          line: `no broker running for account ${ctx.account}: one starts on demand when tests need it`,
        };
      }
      return { level: 'warn', line: `cannot read ${paths.discovery}: ${(error as Error).message}` };
    }
    let info: Partial<DiscoveryInfo>;
    try {
      info = JSON.parse(raw) as Partial<DiscoveryInfo>;
    } catch {
      info = {};
    }
    if (typeof info.pid !== 'number') {
      return {
        level: 'warn',
        line: `${paths.discovery} is unreadable (half-written or corrupt): the next broker replaces it; delete it if this persists`,
      };
    }
    if (!isAlive(info.pid)) {
      return {
        level: 'warn',
        line:
          `the broker of pid ${info.pid} is gone without cleaning up (killed or crashed?): the next one starts on demand ` +
          `and reconciles its ledger; see ${paths.log} for why it stopped`,
      };
    }
    if (info.protocol !== PROTOCOL_VERSION) {
      return {
        level: 'warn',
        line:
          `the running broker (pid ${info.pid}) speaks protocol ${String(info.protocol)}, this package ${PROTOCOL_VERSION} ` +
          `(an older or newer playwright-tempnumber started it): clients will refuse it; stop it with \`kill ${info.pid}\``,
      };
    }
    const since = typeof info.startedAt === 'string' ? ` since ${info.startedAt}` : '';
    return {
      level: 'ok',
      line: `broker running for account ${ctx.account} (pid ${info.pid}, ${info.store ?? 'memory'} store${since})`,
    };
  },
};
