-- KEYS: the index of every job of the platform's queue (<base>all).
-- ARGV: base, topic, now, limit, claimed until. Returns id, fields, id, fields, ...

local topic, now, claimed_until = ARGV[2], ARGV[3], ARGV[5]
local ready = base .. 'ready:' .. tkey(topic)
local groups = redis.call('ZRANGEBYSCORE', ready, '-inf', now, 'LIMIT', 0, tonumber(ARGV[4]))
local out = {}
for _, group in ipairs(groups) do
  local head = redis.call('ZRANGE', pending(topic, group), 0, 0)[1]
  if head then
    local fence = redis.call('INCR', base .. 'fence')
    redis.call('HINCRBY', job(head), 'attempts', 1)
    redis.call('HSET', job(head), 'claim', fence, 'claimed_until', claimed_until,
      'updated_at', now)
    redis.call('ZADD', base .. 'age:' .. tkey(topic) .. ':pending', now, head)
    redis.call('HSET', base .. 'flight:' .. tkey(topic), group, head)
    redis.call('ZADD', ready, claimed_until, group)
    out[#out + 1] = head
    out[#out + 1] = redis.call('HGETALL', job(head))
  else
    refresh(topic, group)
  end
end
return out
