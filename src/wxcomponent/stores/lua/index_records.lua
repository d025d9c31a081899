-- KEYS: all, due, names. ARGV: lexical start, batch size, record key prefix. Indexes a batch
-- of records written before the due and names indexes existed (entries already there are
-- kept: ZADD NX); returns how many appids it read and the last one.

local ids = redis.call('ZRANGE', KEYS[1], ARGV[1], '+', 'BYLEX', 'LIMIT', 0, ARGV[2])
for _, id in ipairs(ids) do
  local f = redis.call('HMGET', ARGV[3] .. id, 'status', 'refresh_at', 'name', 'name_key')
  if f[1] == 'authorized' then
    local at = f[2]
    if not (at and tonumber(at)) then at = '0' end
    redis.call('ZADD', KEYS[2], 'NX', at, id)
  end
  if f[1] and f[3] and f[3] ~= '' and f[4] and f[4] ~= '' then
    redis.call('ZADD', KEYS[3], 0, f[4] .. string.char(0) .. id)
  end
end
return {#ids, ids[#ids] or ''}
