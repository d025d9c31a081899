-- KEYS: the tag's fence counter. ARGV: SCAN cursor, pattern of the tag's per-key counters,
-- count. Folds the per-key counters of older versions this SCAN step finds into the tag's
-- counter (raised to the largest) and deletes them; returns the next cursor.

local reply = redis.call('SCAN', ARGV[1], 'MATCH', ARGV[2], 'COUNT', ARGV[3])
local top = tonumber(redis.call('GET', KEYS[1]) or '0')
local raised = false
for _, name in ipairs(reply[2]) do
  local value = tonumber(redis.call('GET', name) or '')
  if value and value > top then top, raised = value, true end
  redis.call('DEL', name)
end
if raised then redis.call('SET', KEYS[1], string.format('%d', top)) end
return reply[1]
