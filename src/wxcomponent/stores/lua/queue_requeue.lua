-- KEYS: the index of every job of the platform's queue (<base>all).
-- ARGV: base, id, available_at, now.

local id = ARGV[2]
local f = redis.call('HMGET', job(id), 'state', 'topic', 'group')
if not f[1] or f[1] == 'pending' then return 0 end
redis.call('HSET', job(id), 'state', 'pending', 'attempts', 0, 'available_at', ARGV[3],
  'claim', '', 'claimed_until', '', 'updated_at', ARGV[4])
unindex_state(id, f[2], f[1])
index_state(id, f[2], 'pending', ARGV[4])
redis.call('ZADD', pending(f[2], f[3]), id, id)
refresh(f[2], f[3])
return 1
