-- KEYS: the index of every job of the platform's queue (<base>all).
-- ARGV: base, id, claim, new state, now, available_at ('' = keep), error, '1' to set the error.

local id, state, now = ARGV[2], ARGV[4], ARGV[5]
local f = redis.call('HMGET', job(id), 'state', 'claim', 'topic', 'group')
if f[1] ~= 'pending' or f[2] ~= ARGV[3] then return 0 end
local topic, group = f[3], f[4]
redis.call('HSET', job(id), 'state', state, 'claim', '', 'claimed_until', '', 'updated_at', now)
if ARGV[8] == '1' then redis.call('HSET', job(id), 'last_error', ARGV[7]) end
if ARGV[6] ~= '' then redis.call('HSET', job(id), 'available_at', ARGV[6]) end
unindex_state(id, topic, 'pending')
index_state(id, topic, state, now)
if state ~= 'pending' then redis.call('ZREM', pending(topic, group), id) end
local flights = base .. 'flight:' .. tkey(topic)
if redis.call('HGET', flights, group) == id then redis.call('HDEL', flights, group) end
refresh(topic, group)
return 1
