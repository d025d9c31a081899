-- KEYS: index. ARGV: min, max, 'BYLEX' or 'BYSCORE', limit, record key prefix. A member is an
-- appid, or "<name key>\0<appid>" (the names index). Returns appid, fields, appid, fields, ...

local ids = redis.call('ZRANGE', KEYS[1], ARGV[1], ARGV[2], ARGV[3], 'LIMIT', 0, ARGV[4])
local out = {}
for _, id in ipairs(ids) do
  local cut = string.find(id, string.char(0), 1, true)
  if cut then id = string.sub(id, cut + 1) end
  out[#out + 1] = id
  out[#out + 1] = redis.call('HGETALL', ARGV[5] .. id)
end
return out
