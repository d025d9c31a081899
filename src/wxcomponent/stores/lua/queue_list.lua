-- KEYS: the index of every job of the platform's queue (<base>all).
-- ARGV: base, index, after, limit. Returns id, fields, id, fields, ...

local ids = redis.call('ZRANGEBYSCORE', base .. ARGV[2], '(' .. ARGV[3], '+inf',
  'LIMIT', 0, tonumber(ARGV[4]))
local out = {}
for _, id in ipairs(ids) do
  out[#out + 1] = id
  out[#out + 1] = redis.call('HGETALL', job(id))
end
return out
