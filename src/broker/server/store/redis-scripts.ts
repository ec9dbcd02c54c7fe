/**
 * Every Redis decision as one Lua script (research §6.3), so check-then-act is atomic across
 * machines: the shared prelude, the budget's scripts, and the records' scripts.
 */

/** Helpers every Lua script of the Redis store starts with (see redis-scripts.ts). */
export const PRELUDE = `
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
-- Extend a key's lifetime to at least ms (PTTL is -1 without a TTL, -2 when missing).
local function keep_for(key, ms)
  if redis.call('PTTL', key) < ms then redis.call('PEXPIRE', key, math.ceil(ms)) end
end
`;

/*
 * The request budget in Lua: the sliding-window log with reservations and send-time
 * confirmation of sliding-window-log.ts, one script per decision, Redis `TIME` the only clock.
 *
 * Per bucket, `log` is a ZSET member → end (after it the entry cannot share a window with
 * anything from now on: the slot of a reservation, send + maxInFlight of a request in flight,
 * the done time of a finished one), so pruning is one range removal; `meta` is a hash member →
 * `slot[:sent:until[:done]]` (integer ms), the times the decisions read. A log member without
 * meta (written by an older version) is a reservation at its score.
 */

const BUDGET_PRELUDE = `${PRELUDE}
local function parse(v)
  if not v then return nil end
  local f = {}
  for x in string.gmatch(v, '[^:]+') do f[#f + 1] = tonumber(x) end
  return { slot = f[1], sent = f[2], till = f[3], done = f[4] }
end
-- Drop entries ending at or before 'before' from the log and their times from meta.
local function prune(log, meta, before)
  local old = redis.call('ZRANGEBYSCORE', log, '-inf', before)
  for _, m in ipairs(old) do redis.call('HDEL', meta, m) end
  if #old > 0 then redis.call('ZREMRANGEBYSCORE', log, '-inf', before) end
end
local function entries(log, meta)
  local out = {}
  local flat = redis.call('ZRANGE', log, 0, -1, 'WITHSCORES')
  for i = 1, #flat, 2 do
    local e = parse(redis.call('HGET', meta, flat[i])) or { slot = tonumber(flat[i + 1]) }
    e.member = flat[i]
    out[#out + 1] = e
  end
  return out
end
-- A store that refreshed 'alive' moments ago finds it gone: Redis restarted and lost every log.
-- The server still counts those lost requests, so every bucket waits one full window.
local function check_alive(alive, lost, expect_alive, alive_ttl, now)
  if redis.call('EXISTS', alive) == 0 and expect_alive == '1' and redis.call('EXISTS', lost) == 0 then
    redis.call('SET', lost, now, 'PX', alive_ttl)
  end
  redis.call('SET', alive, '1', 'PX', alive_ttl)
end
-- Nobody gets a slot or sends before this (a 429 block, or a window after a data loss).
local function blocked_until(blk, lost, span)
  local until_ms = tonumber(redis.call('GET', blk) or '0')
  local at = redis.call('GET', lost)
  if at and tonumber(at) + span > until_ms then until_ms = tonumber(at) + span end
  return until_ms
end
`;

/**
 * KEYS: log, meta, block, alive, lost. ARGV: expectAlive (1 when this store refreshed `alive`
 * recently), aliveTtlMs, member, maxWaitMs, spacingMs, limit, spanMs (window + margin), headroom.
 * Returns { 1, waitMs, slotMs } or { 0, retryInMs, slotMs }.
 */
const reserve = `${BUDGET_PRELUDE}
local now = now_ms()
check_alive(KEYS[4], KEYS[5], ARGV[1], tonumber(ARGV[2]), now)
local member, max_wait, spacing = ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])
local limit, span, headroom = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local eff = limit - headroom
if eff < 1 then eff = 1 end
local slot = math.max(now, blocked_until(KEYS[3], KEYS[5], span))
prune(KEYS[1], KEYS[2], now - span)
-- Expected arrival of each entry: its slot, then its send, then its done time.
local positions, last = {}, nil
for _, e in ipairs(entries(KEYS[1], KEYS[2])) do
  positions[#positions + 1] = e.done or (e.sent and math.max(e.slot, e.sent)) or e.slot
  if not last or e.slot > last then last = e.slot end
end
table.sort(positions, function(a, b) return a > b end)
if positions[eff] and positions[eff] + span > slot then slot = positions[eff] + span end
-- Slots stay append-only: FIFO across machines, and the spacing applies to the newest slot.
if last and last + spacing > slot then slot = last + spacing end
local wait = slot - now
if wait > max_wait then return { 0, wait - max_wait, slot } end
redis.call('ZADD', KEYS[1], slot, member)
redis.call('HSET', KEYS[2], member, slot)
keep_for(KEYS[1], wait + span + 1000)
keep_for(KEYS[2], wait + span + 1000)
return { 1, wait, slot }
`;

/**
 * KEYS: log, meta, block, alive, lost. ARGV: expectAlive, aliveTtlMs, member, maxInFlightMs,
 * limit, spanMs, repollMs. Send-time check (proof in sliding-window-log.ts): fewer than `limit`
 * other sent entries done after now − span, in flight counted at send + maxInFlight.
 * Returns { 1, 0 } (marked sent now) or { 0, retryInMs }.
 */
const confirm = `${BUDGET_PRELUDE}
local now = now_ms()
check_alive(KEYS[4], KEYS[5], ARGV[1], tonumber(ARGV[2]), now)
local member, in_flight = ARGV[3], tonumber(ARGV[4])
local limit, span, repoll = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local until_ms = blocked_until(KEYS[3], KEYS[5], span)
if until_ms > now then return { 0, until_ms - now } end
prune(KEYS[1], KEYS[2], now - span)
local counted = {}
for _, e in ipairs(entries(KEYS[1], KEYS[2])) do
  if e.member ~= member and e.sent then
    local d = e.done or e.till
    if d > now - span then counted[#counted + 1] = { d = d, settled = e.done ~= nil } end
  end
end
if #counted >= limit then
  table.sort(counted, function(a, b) return a.d < b.d end)
  local k = #counted - limit + 1
  local retry = counted[k].d + span - now
  -- Counted at its worst case, an entry in flight may settle any moment: ask again soon.
  for i = 1, k do
    if not counted[i].settled then
      retry = math.min(retry, repoll)
      break
    end
  end
  return { 0, retry }
end
local cur = parse(redis.call('HGET', KEYS[2], member))
local slot = (cur and cur.slot) or now
local till = now + in_flight
redis.call('HSET', KEYS[2], member, slot .. ':' .. now .. ':' .. till)
redis.call('ZADD', KEYS[1], till, member)
keep_for(KEYS[1], in_flight + span + 1000)
keep_for(KEYS[2], in_flight + span + 1000)
return { 1, 0 }
`;

/** KEYS: log, meta. ARGV: member. A sent entry is done now; anything else is left alone. */
const settle = `${BUDGET_PRELUDE}
local now = now_ms()
local cur = parse(redis.call('HGET', KEYS[2], ARGV[1]))
if not cur or not cur.sent or cur.done then return 0 end
-- Never later than the worst case it was counted with: past it the client had aborted.
local done = math.min(now, cur.till)
redis.call('HSET', KEYS[2], ARGV[1], cur.slot .. ':' .. cur.sent .. ':' .. cur.till .. ':' .. done)
redis.call('ZADD', KEYS[1], 'XX', done, ARGV[1])
return 1
`;

/** KEYS: log, meta. ARGV: member. Removes a reservation unless it was sent (that one must count). */
const unreserve = `${BUDGET_PRELUDE}
local cur = parse(redis.call('HGET', KEYS[2], ARGV[1]))
if cur and cur.sent then return 0 end
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
return 1
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
 * Returns { used, blockedForMs } per bucket, flat. Read only: pruning is for scripts that also
 * know the meta hash.
 */
const usage = `${PRELUDE}
local now = now_ms()
local lost = tonumber(redis.call('GET', KEYS[1]) or '-1')
local out = {}
for i = 1, #ARGV do
  local log, blk, span = KEYS[2 * i], KEYS[2 * i + 1], tonumber(ARGV[i])
  local until_ms = tonumber(redis.call('GET', blk) or '0')
  if lost >= 0 and lost + span > until_ms then until_ms = lost + span end
  out[#out + 1] = redis.call('ZCOUNT', log, '(' .. (now - span), '+inf')
  out[#out + 1] = math.max(0, until_ms - now)
end
return out
`;

/** The budget scripts of the Redis store, by command name. */
export const BUDGET_SCRIPTS = {
  tnReserve: reserve,
  tnConfirm: confirm,
  tnSettle: settle,
  tnUnreserve: unreserve,
  tnBlock: block,
  tnUsage: usage,
} as const satisfies Record<string, string>;

/*
 * One Lua script per decision (research §6.3), so check-then-act is atomic across machines.
 * Redis `TIME` is the only clock: scripts return relative waits, never absolute times the
 * caller would compare with its own clock. Every key gets a PEXPIRE, so nothing needs cleanup.
 * Times are whole milliseconds (callers round spans up): Lua hands numbers to Redis with 14
 * significant digits, enough for integer ms since 1970 but not for fractions of them.
 */

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
