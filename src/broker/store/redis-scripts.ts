/**
 * One Lua script per decision (research §6.3), so check-then-act is atomic across machines.
 * Redis `TIME` is the only clock: scripts return relative waits, never absolute times the
 * caller would compare with its own clock. Every key gets a PEXPIRE, so nothing needs cleanup.
 * Times are whole milliseconds (callers round spans up): Lua hands numbers to Redis with 14
 * significant digits, enough for integer ms since 1970 but not for fractions of them.
 */

import { BUDGET_SCRIPTS } from './redis-budget-scripts.ts';
import { PRELUDE } from './redis-lua-prelude.ts';

/** KEYS: pending. ARGV: key, ttlMs, cap. A key already held is renewed, not counted twice. */
const admitPending = `${PRELUDE}
local now = now_ms()
local ttl, cap = tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZSCORE', KEYS[1], ARGV[1]) or redis.call('ZCARD', KEYS[1]) < cap then
  redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
  keep_for(KEYS[1], ttl)
  return 1
end
return 0
`;

/** KEYS: a ZSET scored by expiry. Drops expired members; returns the rest. */
const liveMembers = `${PRELUDE}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now_ms())
return redis.call('ZRANGE', KEYS[1], 0, -1)
`;

/** KEYS: a ZSET scored by expiry. ARGV: member, ttlMs. */
const addExpiring = `${PRELUDE}
local ttl = tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], now_ms() + ttl, ARGV[1])
keep_for(KEYS[1], ttl)
return 1
`;

/** KEYS: deliveryExpiry, deliveryOutcome. ARGV: activationId, windowMs. */
const recordActivation = `${PRELUDE}
local t = redis.call('TIME')
local window = tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], now_ms() + window, ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], t[1] .. ':' .. t[2] .. ':pending')
keep_for(KEYS[1], window)
keep_for(KEYS[2], window)
return 1
`;

/** KEYS: deliveryExpiry, deliveryOutcome. ARGV: activationId, outcome. Unknown or expired ids are ignored. */
const recordOutcome = `${PRELUDE}
local exp = redis.call('ZSCORE', KEYS[1], ARGV[1])
local cur = redis.call('HGET', KEYS[2], ARGV[1])
if not exp or not cur or tonumber(exp) <= now_ms() then return 0 end
local sec, usec = string.match(cur, '^(%d+):(%d+):')
redis.call('HSET', KEYS[2], ARGV[1], sec .. ':' .. usec .. ':' .. ARGV[2])
return 1
`;

/** KEYS: deliveryExpiry, deliveryOutcome. Drops expired records; returns id, value pairs, flat. */
const deliveryRecords = `${PRELUDE}
local now = now_ms()
local gone = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)
for _, id in ipairs(gone) do redis.call('HDEL', KEYS[2], id) end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local out = {}
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local v = redis.call('HGET', KEYS[2], id)
  if v then
    out[#out + 1] = id
    out[#out + 1] = v
  end
end
return out
`;

/** KEYS: pairBlock. ARGV: ms, reason. Extends, never shortens. */
const blockPair = `
local ms = math.ceil(tonumber(ARGV[1]))
if redis.call('PTTL', KEYS[1]) < ms then redis.call('SET', KEYS[1], ARGV[2], 'PX', ms) end
return 1
`;

/** KEYS: pairBlock. Returns { remainingMs, reason } or {} (read together so they agree). */
const pairBlock = `
local ms = redis.call('PTTL', KEYS[1])
local reason = redis.call('GET', KEYS[1])
if ms <= 0 or not reason then return {} end
return { ms, reason }
`;

/** KEYS: leader (or an activation claim). ARGV: brokerId, ttlMs. Take it if free, renew it if ours. */
const tryLead = `
local cur = redis.call('GET', KEYS[1])
if not cur then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
if cur == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
`;

/** Every script of the Redis store, by command name (ioredis `defineCommand`). */
export const REDIS_SCRIPTS = {
  ...BUDGET_SCRIPTS,
  tnAdmitPending: admitPending,
  tnLiveMembers: liveMembers,
  tnAddExpiring: addExpiring,
  tnRecordActivation: recordActivation,
  tnRecordOutcome: recordOutcome,
  tnDeliveryRecords: deliveryRecords,
  tnBlockPair: blockPair,
  tnPairBlock: pairBlock,
  tnTryLead: tryLead,
} as const satisfies Record<string, string>;

/** Name of a script command. */
export type RedisScriptName = keyof typeof REDIS_SCRIPTS;
