/**
 * One daily-count addition, as one Lua script (check and add in one atomic step). Each UTC day has
 * its own key (the caller puts the day number in it), which expires after the day is over, so no
 * reset is ever needed.
 *
 * KEYS[1] the day's counter. ARGV: limit, n, ttlMs.
 * Returns {added (0/1), the day's total after}.
 */
export const ADD_DAILY_LUA = `
local limit = tonumber(ARGV[1])
local n = tonumber(ARGV[2])
local value = tonumber(redis.call('GET', KEYS[1]) or '0')
if value + n > limit then return {0, value} end
if n > 0 then
  value = redis.call('INCRBY', KEYS[1], n)
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
end
return {1, value}
`;
