-- KEYS: the index of every job of the platform's queue (<base>all).
-- ARGV: base, id, topic, group, payload, available_at, now, key ('' = none).

local id, topic, group, key, now = ARGV[2], ARGV[3], ARGV[4], ARGV[8], ARGV[7]
if key ~= '' then
  local found = redis.call('HGET', base .. 'keys:' .. tkey(topic), key)
  if found then return tonumber(found) end
  redis.call('HSET', base .. 'keys:' .. tkey(topic), key, id)
end
redis.call('HSET', job(id), 'topic', topic, 'group', group, 'payload', ARGV[5],
  'state', 'pending', 'attempts', 0, 'available_at', ARGV[6], 'created_at', now,
  'updated_at', now, 'last_error', '', 'key', key, 'claim', '', 'claimed_until', '')
redis.call('ZADD', base .. 'all', id, id)
redis.call('ZADD', base .. 't:' .. tkey(topic), id, id)
index_state(id, topic, 'pending', now)
redis.call('ZADD', pending(topic, group), id, id)
refresh(topic, group)
return tonumber(id)
