import { readFile } from 'node:fs/promises';
import { isAlive } from '../../broker/lock-file.ts';
import { PROTOCOL_VERSION } from '../../broker/protocol.ts';
import { type DiscoveryInfo, runtimePaths } from '../../broker/runtime-paths.ts';
import type { Settings } from '../../config/settings.ts';
import type { CheckOutcome } from '../../contract/preflight-result.ts';
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
    // What was there BEFORE the API checks connected (and maybe started one).
    const before = await ctx.brokerBefore();
    const probe = ctx.balanceProbeIfAsked();
    const seen = probe ? await probe : undefined;
    if (seen && !seen.ok && seen.brokerFailed) {
      const message = seen.error instanceof Error ? seen.error.message : String(seen.error);
      return { level: 'fail', line: `no broker could be reached or started for the API checks: ${message}` };
    }
    if (seen?.brokerPid !== undefined && !before.running) {
      return {
        level: before.level,
        line: `${before.line}; the API checks started one (pid ${seen.brokerPid}), which exits when idle`,
      };
    }
    return { level: before.level, line: before.line };
  },
};

/** The account's broker as its discovery file shows it; `running` when a live one of this protocol answers for it. */
export async function inspectBroker(
  settings: Pick<Settings, 'runtimeDir'>,
  account: string,
): Promise<CheckOutcome & { running: boolean }> {
  const paths = runtimePaths(settings.runtimeDir, account);
  let raw: string;
  try {
    raw = await readFile(paths.discovery, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return {
        running: false,
        level: 'ok',
        line: `no broker running for account ${account}: one starts on demand when tests need it`,
      };
    }
    return {
      running: false,
      level: 'warn',
      line: `cannot read ${paths.discovery}: ${(error as Error).message}`,
    };
  }
  let info: Partial<DiscoveryInfo>;
  try {
    info = JSON.parse(raw) as Partial<DiscoveryInfo>;
  } catch {
    info = {};
  }
  if (typeof info.pid !== 'number') {
    return {
      running: false,
      level: 'warn',
      line: `${paths.discovery} is unreadable (half-written or corrupt): the next broker replaces it; delete it if this persists`,
    };
  }
  if (!isAlive(info.pid)) {
    return {
      running: false,
      level: 'warn',
      line:
        `the broker of pid ${info.pid} is gone without cleaning up (killed or crashed?): the next one starts on demand ` +
        `and reconciles its ledger; see ${paths.log} for why it stopped`,
    };
  }
  if (info.protocol !== PROTOCOL_VERSION) {
    return {
      running: false,
      level: 'warn',
      line:
        `the running broker (pid ${info.pid}) speaks protocol ${String(info.protocol)}, this package ${PROTOCOL_VERSION} ` +
        `(an older or newer playwright-tempnumber started it): clients will refuse it; stop it with \`kill ${info.pid}\``,
    };
  }
  const since = typeof info.startedAt === 'string' ? ` since ${info.startedAt}` : '';
  return {
    running: true,
    level: 'ok',
    line: `broker running for account ${account} (pid ${info.pid}, ${info.store ?? 'memory'} store${since})`,
  };
}
