-- KEYS: lease, the tag's fence counter, the key's counter of older versions. ARGV: ttl in ms.
-- Returns the new fence or nil. A counter of an older version is folded first: the tag's
-- counter rises to at least its value (so the fence exceeds every fence granted for the key)
-- and it is deleted.

if redis.call('EXISTS', KEYS[1]) == 1 then return false end
local old = tonumber(redis.call('GET', KEYS[3]) or '')
if old then
  if old > tonumber(redis.call('GET', KEYS[2]) or '0') then
    redis.call('SET', KEYS[2], string.format('%d', old))
  end
  redis.call('DEL', KEYS[3])
end
local fence = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], fence, 'NX', 'PX', ARGV[1])
return fence
