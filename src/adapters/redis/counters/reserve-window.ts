/**
 * One capped reservation over several sliding windows, as one Lua script: all windows are checked
 * and the reservation recorded in each in one atomic step, so concurrent planners on any number of
 * nodes never overfill a window. Each key is a sorted set of reservation ids scored by the unix ms
 * they were made at.
 *
 * KEYS: the distinct keys of the windows. ARGV[1] the reservation id, ARGV[2] now, ARGV[3] slackMs,
 * then one triple per window: the index of its key in KEYS (1-based), its limit (-1: none), windowMs.
 * Returns {1, repeated (0/1)} when reserved, {0, window index (0-based), retry-at ms or -1} when not.
 */
export const RESERVE_WINDOW_LUA = `
local id = ARGV[1]
local now = tonumber(ARGV[2])
local slack = tonumber(ARGV[3])
local windows = (#ARGV - 3) / 3
local longest = {}
for w = 1, windows do
  local k = tonumber(ARGV[3 * w + 1])
  local span = tonumber(ARGV[3 * w + 3])
  if longest[k] == nil or span > longest[k] then longest[k] = span end
end
-- What has left every window of a key is dropped (a window holds what is strictly newer than now - span).
for k = 1, #KEYS do
  redis.call('ZREMRANGEBYSCORE', KEYS[k], '-inf', string.format('%.0f', now - longest[k]))
end
local held = {}
local repeated = 1
for k = 1, #KEYS do
  held[k] = redis.call('ZSCORE', KEYS[k], id) ~= false
  if not held[k] then repeated = 0 end
end
for w = 1, windows do
  local k = tonumber(ARGV[3 * w + 1])
  local limit = tonumber(ARGV[3 * w + 2])
  local span = tonumber(ARGV[3 * w + 3])
  if limit >= 0 and not held[k] then
    local since = string.format('(%.0f', now - span)
    local inside = redis.call('ZCOUNT', KEYS[k], since, '+inf')
    if inside >= limit then
      local retry = -1
      if limit > 0 then
        -- Room comes back when the (inside - limit + 1)-th oldest reservation leaves the window.
        local oldest = redis.call('ZRANGEBYSCORE', KEYS[k], since, '+inf', 'WITHSCORES', 'LIMIT', inside - limit, 1)
        retry = tonumber(oldest[2]) + span
      end
      return {0, w - 1, retry}
    end
  end
end
for k = 1, #KEYS do
  if not held[k] then redis.call('ZADD', KEYS[k], ARGV[2], id) end
  local newest = redis.call('ZRANGE', KEYS[k], -1, -1, 'WITHSCORES')
  local keep = tonumber(newest[2]) + longest[k] - now
  if keep < 0 then keep = 0 end
  redis.call('PEXPIRE', KEYS[k], keep + slack)
end
return {1, repeated}
`;

/**
 * Gives a reservation back under each key, as one script so a release is all or nothing too.
 * KEYS: the keys. ARGV[1] the reservation id. Returns how many keys held it.
 */
export const RELEASE_WINDOW_LUA = `
local removed = 0
for k = 1, #KEYS do
  removed = removed + redis.call('ZREM', KEYS[k], ARGV[1])
end
return removed
`;
