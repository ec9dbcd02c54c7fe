/**
 * One Lua script per decision (research §6.3), so check-then-act is atomic across machines.
 * Redis `TIME` is the only clock: scripts return relative waits, never absolute times the
 * caller would compare with its own clock. Every key gets a PEXPIRE, so nothing needs cleanup.
 * Times are whole milliseconds (callers round spans up): Lua hands numbers to Redis with 14
 * significant digits, enough for integer ms since 1970 but not for fractions of them.
 */

const PRELUDE = `
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
-- Extend a key's lifetime to at least ms (PTTL is -1 without a TTL, -2 when missing).
local function keep_for(key, ms)
  if redis.call('PTTL', key) < ms then redis.call('PEXPIRE', key, math.ceil(ms)) end
end
`;

/**
 * KEYS: log, block, alive, lost. ARGV: member, maxWaitMs, spacingMs, limit, spanMs (window +
 * margin), headroom, expectAlive (1 when this store refreshed `alive` recently), aliveTtlMs.
 * Returns { 1, waitMs, slotMs } or { 0, retryInMs, slotMs }.
 */
const reserve = `${PRELUDE}
local now = now_ms()
local member, max_wait, spacing = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local limit, span, headroom = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local alive_ttl = tonumber(ARGV[8])
-- A store that refreshed 'alive' moments ago finds it gone: Redis restarted and lost every log.
-- The server still counts those lost requests, so every bucket waits one full window.
if redis.call('EXISTS', KEYS[3]) == 0 and ARGV[7] == '1' and redis.call('EXISTS', KEYS[4]) == 0 then
  redis.call('SET', KEYS[4], now, 'PX', alive_ttl)
end
redis.call('SET', KEYS[3], '1', 'PX', alive_ttl)
local eff = limit - headroom
if eff < 1 then eff = 1 end
local slot = now
local blocked = tonumber(redis.call('GET', KEYS[2]) or '0')
if blocked > slot then slot = blocked end
local lost = redis.call('GET', KEYS[4])
if lost and tonumber(lost) + span > slot then slot = tonumber(lost) + span end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - span)
if redis.call('ZCARD', KEYS[1]) >= eff then
  local e = redis.call('ZRANGE', KEYS[1], -eff, -eff, 'WITHSCORES')
  if tonumber(e[2]) + span > slot then slot = tonumber(e[2]) + span end
end
-- Slots stay append-only: FIFO across machines, and the spacing applies to the newest slot.
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if #last > 0 and tonumber(last[2]) + spacing > slot then slot = tonumber(last[2]) + spacing end
local wait = slot - now
if wait > max_wait then return { 0, wait - max_wait, slot } end
redis.call('ZADD', KEYS[1], slot, member)
keep_for(KEYS[1], wait + span + 1000)
return { 1, wait, slot }
`;

/** KEYS: block. ARGV: ms. Extends a block, never shortens it. */
const block = `${PRELUDE}
local now = now_ms()
local ms = math.ceil(tonumber(ARGV[1]))
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
if now + ms > cur then redis.call('SET', KEYS[1], now + ms, 'PX', ms) end
return 1
`;

/**
 * KEYS: lost, then log and block of each bucket. ARGV: spanMs of each bucket.
 * Returns { used, blockedForMs } per bucket, flat.
 */
const usage = `${PRELUDE}
local now = now_ms()
local lost = tonumber(redis.call('GET', KEYS[1]) or '-1')
local out = {}
for i = 1, #ARGV do
  local log, blk, span = KEYS[2 * i], KEYS[2 * i + 1], tonumber(ARGV[i])
  redis.call('ZREMRANGEBYSCORE', log, '-inf', now - span)
  local until_ms = tonumber(redis.call('GET', blk) or '0')
  if lost >= 0 and lost + span > until_ms then until_ms = lost + span end
  out[#out + 1] = redis.call('ZCARD', log)
  out[#out + 1] = math.max(0, until_ms - now)
end
return out
`;

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

/** KEYS: leader. ARGV: brokerId, ttlMs. Take leadership if free, renew it if ours. */
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
  tnReserve: reserve,
  tnBlock: block,
  tnUsage: usage,
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
