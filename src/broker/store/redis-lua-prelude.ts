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
