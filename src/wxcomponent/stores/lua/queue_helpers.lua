-- The functions every queue script starts with. ARGV[1] of every queue script is base,
-- the start of every queue key of the platform; KEYS[1] is <base>all.

local base = ARGV[1]
local function tkey(topic) return #topic .. ':' .. topic end
local function job(id) return base .. 'job:' .. id end
local function pending(topic, group) return base .. 'pending:' .. tkey(topic) .. ':' .. group end
local function unindex_state(id, topic, state)
  redis.call('ZREM', base .. 's:' .. state, id)
  redis.call('ZREM', base .. 'ts:' .. tkey(topic) .. ':' .. state, id)
  redis.call('ZREM', base .. 'age:' .. tkey(topic) .. ':' .. state, id)
end
local function index_state(id, topic, state, updated_at)
  redis.call('ZADD', base .. 's:' .. state, id, id)
  redis.call('ZADD', base .. 'ts:' .. tkey(topic) .. ':' .. state, id, id)
  redis.call('ZADD', base .. 'age:' .. tkey(topic) .. ':' .. state, updated_at, id)
end
local function refresh(topic, group)
  local ready = base .. 'ready:' .. tkey(topic)
  local flights = base .. 'flight:' .. tkey(topic)
  local head = redis.call('ZRANGE', pending(topic, group), 0, 0)[1]
  if not head then
    redis.call('ZREM', ready, group)
    redis.call('HDEL', flights, group)
    return
  end
  local at = redis.call('HGET', job(head), 'available_at')
  local flight = redis.call('HGET', flights, group)
  if flight then
    local f = redis.call('HMGET', job(flight), 'state', 'claim', 'claimed_until')
    if f[1] == 'pending' and f[2] and f[2] ~= '' then
      if tonumber(f[3]) > tonumber(at) then at = f[3] end
    else
      redis.call('HDEL', flights, group)
    end
  end
  redis.call('ZADD', ready, at, group)
end
