-- KEYS: an index (sorted set of appids), records hash. ARGV: min, max, 'BYLEX' or 'BYSCORE',
-- limit. Returns appid, encoded record, appid, encoded record, ... (a record missing from the
-- hash comes back as false).

local ids = redis.call('ZRANGE', KEYS[1], ARGV[1], ARGV[2], ARGV[3], 'LIMIT', 0, ARGV[4])
local out = {}
for _, id in ipairs(ids) do
  out[#out + 1] = id
  out[#out + 1] = redis.call('HGET', KEYS[2], id)
end
return out
