-- KEYS: ticket. ARGV: value, created_at, received_at, replace_equal ('1' or '0').

local current = redis.call('HGET', KEYS[1], 'created_at')
if current then
  local old, new = tonumber(current), tonumber(ARGV[2])
  if old > new or (old == new and ARGV[4] ~= '1') then return 0 end
end
redis.call('HSET', KEYS[1], 'value', ARGV[1], 'created_at', ARGV[2], 'received_at', ARGV[3])
return 1
