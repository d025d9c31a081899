-- KEYS: record, authorized, revoked, due. ARGV: appid, now, event_at ('0': none). A record
-- whose auth_event_at is later than event_at is left as it is.

local found = redis.call('HMGET', KEYS[1], 'status', 'auth_event_at')
local status = found[1]
if not status then return 0 end
local event = tonumber(ARGV[3])
if event ~= 0 then
  if (tonumber(found[2] or '0') or 0) > event then return 0 end
  redis.call('HSET', KEYS[1], 'auth_event_at', ARGV[3])
end
if status ~= 'revoked' then
  redis.call('HSET', KEYS[1], 'status', 'revoked', 'revoked_at', ARGV[2], 'updated_at', ARGV[2])
  redis.call('ZREM', KEYS[2], ARGV[1])
  redis.call('ZADD', KEYS[3], 0, ARGV[1])
  redis.call('ZREM', KEYS[4], ARGV[1])
end
return 1
