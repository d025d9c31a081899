-- KEYS: records hash, appids sorted set, check_at sorted set, codes-of-each-record hash,
--       codes-seen set. ARGV: appid, encoded record, check_at, the start of a code's sorted
--       set key, the record's codes (space-separated; "any" when it has a blocker).
-- Writes the record and moves it between the codes' sorted sets, atomically.

local a = ARGV[1]
local old = redis.call('HGET', KEYS[4], a)
if old then
  for code in string.gmatch(old, '%S+') do redis.call('ZREM', ARGV[4] .. code, a) end
end
for code in string.gmatch(ARGV[5], '%S+') do
  redis.call('ZADD', ARGV[4] .. code, 0, a)
  redis.call('SADD', KEYS[5], code)
end
if ARGV[5] == '' then redis.call('HDEL', KEYS[4], a) else redis.call('HSET', KEYS[4], a, ARGV[5]) end
redis.call('HSET', KEYS[1], a, ARGV[2])
redis.call('ZADD', KEYS[2], 0, a)
redis.call('ZADD', KEYS[3], ARGV[3], a)
return 1
