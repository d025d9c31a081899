-- KEYS: record, names. ARGV: appid, name ('' = none), its key, account type ('' = keep).

if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local sep = string.char(0)
local old = redis.call('HGET', KEYS[1], 'name_key')
if old and old ~= '' then redis.call('ZREM', KEYS[2], old .. sep .. ARGV[1]) end
redis.call('HSET', KEYS[1], 'name', ARGV[2], 'name_key', ARGV[3])
if ARGV[4] ~= '' then redis.call('HSET', KEYS[1], 'account_type', ARGV[4]) end
if ARGV[2] ~= '' then redis.call('ZADD', KEYS[2], 0, ARGV[3] .. sep .. ARGV[1]) end
return 1
