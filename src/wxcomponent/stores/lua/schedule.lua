-- KEYS: record, due. ARGV: appid, refresh_at. A revoked record stays out of the due index.

local status = redis.call('HGET', KEYS[1], 'status')
if not status then return 0 end
redis.call('HSET', KEYS[1], 'refresh_at', ARGV[2])
if status ~= 'revoked' then redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1]) end
return 1
