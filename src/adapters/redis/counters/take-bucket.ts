/**
 * One token-bucket take, as one Lua script: read, refill, take and write happen in one atomic step
 * on the Redis server, so nodes taking from one bucket at once never spend the same token twice.
 * The arithmetic is TokenBucket's (util/token-bucket.ts), line for line, so a bucket answers the
 * same in one process and on Redis.
 *
 * The bucket is a hash {t: tokens (fractional), u: unix ms of its last change}. A full bucket is
 * the same as none, so it is deleted; otherwise the key expires once it would have refilled (plus
 * `slackMs`: expiry runs on Redis's clock, the arithmetic on the callers').
 *
 * KEYS[1] the bucket. ARGV: burst, refillMs, now, n, slackMs.
 * Returns {taken (0/1), whole tokens left, ms until a take of n (or 1) would pass, ms until full}.
 */
export const TAKE_BUCKET_LUA = `
local burst = tonumber(ARGV[1])
local refill = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local n = tonumber(ARGV[4])
local slack = tonumber(ARGV[5])
local state = redis.call('HMGET', KEYS[1], 't', 'u')
local tokens = tonumber(state[1])
local updated = tonumber(state[2])
local known = tokens ~= nil and updated ~= nil
if not known then
  tokens = burst
  updated = now
end
if tokens > burst then tokens = burst end
if refill <= 0 then
  tokens = burst
elseif now > updated then
  tokens = math.min(burst, tokens + (now - updated) / refill)
end
if now > updated then updated = now end
local taken = 0
if n > 0 and tokens >= n then
  tokens = tokens - n
  taken = 1
end
-- A bucket that refills at once is full again straight after a take.
if refill <= 0 then tokens = burst end
local function wait(want)
  if tokens >= want or refill <= 0 then return 0 end
  return math.ceil((want - tokens) * refill)
end
local full = wait(burst)
if full == 0 then
  if known then redis.call('DEL', KEYS[1]) end
elseif taken == 1 or known then
  redis.call('HSET', KEYS[1], 't', string.format('%.17g', tokens), 'u', string.format('%.17g', updated))
  redis.call('PEXPIRE', KEYS[1], full + slack)
end
local want = n
if want <= 0 then want = 1 end
return {taken, math.floor(tokens), wait(want), full}
`;
