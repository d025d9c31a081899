-- KEYS: the index of every job of the platform's queue (<base>all).
-- ARGV: base, id, topic, group, payload, state, attempts, available_at, created_at,
-- updated_at, last_error, key ('' = none), '1' to renumber. Returns {-1} (the id belongs to
-- another job), {0, id} (the same job is here, as new as this one) or {1, id} (written).

local id, topic, group, state, key = ARGV[2], ARGV[3], ARGV[4], ARGV[6], ARGV[12]
local keys = base .. 'keys:' .. tkey(topic)
local existing = nil
if key ~= '' then existing = redis.call('HGET', keys, key) end
if not existing and ARGV[13] ~= '1' then
  local f = redis.call('HMGET', job(id), 'topic', 'group', 'created_at', 'key')
  if f[1] then
    if key ~= '' or f[4] ~= '' or f[1] ~= topic or f[2] ~= group
        or tonumber(f[3]) ~= tonumber(ARGV[9]) then
      return {-1}
    end
    existing = id
  end
end
if existing then
  local old = redis.call('HMGET', job(existing), 'updated_at', 'state', 'group')
  if tonumber(ARGV[10]) <= tonumber(old[1]) then return {0, tonumber(existing)} end
  unindex_state(existing, topic, old[2])
  redis.call('ZREM', pending(topic, old[3]), existing)
  local flights = base .. 'flight:' .. tkey(topic)
  if redis.call('HGET', flights, old[3]) == existing then redis.call('HDEL', flights, old[3]) end
  redis.call('DEL', job(existing))
  if old[3] ~= group then refresh(topic, old[3]) end
  id = existing
end
if key ~= '' then redis.call('HSET', keys, key, id) end
redis.call('HSET', job(id), 'topic', topic, 'group', group, 'payload', ARGV[5],
  'state', state, 'attempts', ARGV[7], 'available_at', ARGV[8], 'created_at', ARGV[9],
  'updated_at', ARGV[10], 'last_error', ARGV[11], 'key', key, 'claim', '', 'claimed_until', '')
redis.call('ZADD', base .. 'all', id, id)
redis.call('ZADD', base .. 't:' .. tkey(topic), id, id)
index_state(id, topic, state, ARGV[10])
if state == 'pending' then redis.call('ZADD', pending(topic, group), id, id) end
refresh(topic, group)
return {1, tonumber(id)}
