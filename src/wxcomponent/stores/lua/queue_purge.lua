-- KEYS: the index of every job of the platform's queue (<base>all).
-- ARGV: base, topic, state, before, batch. Returns the ids deleted.

local topic, state = ARGV[2], ARGV[3]
local ids = redis.call('ZRANGEBYSCORE', base .. 'age:' .. tkey(topic) .. ':' .. state,
  '-inf', '(' .. ARGV[4], 'LIMIT', 0, tonumber(ARGV[5]))
local groups = {}
local keys = base .. 'keys:' .. tkey(topic)
for _, id in ipairs(ids) do
  local f = redis.call('HMGET', job(id), 'group', 'key')
  unindex_state(id, topic, state)
  redis.call('ZREM', base .. 'all', id)
  redis.call('ZREM', base .. 't:' .. tkey(topic), id)
  if f[2] and f[2] ~= '' and redis.call('HGET', keys, f[2]) == id then
    redis.call('HDEL', keys, f[2])
  end
  if state == 'pending' and f[1] then
    redis.call('ZREM', pending(topic, f[1]), id)
    groups[f[1]] = true
  end
  redis.call('DEL', job(id))
end
for group, _ in pairs(groups) do refresh(topic, group) end
return ids
