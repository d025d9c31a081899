-- KEYS: record. ARGV: check ('1' or '0'), expected, new, updated_at.

local current = redis.call('HGET', KEYS[1], 'refresh_token')
if not current then return 0 end
if ARGV[1] == '1' and current ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], 'refresh_token', ARGV[3], 'updated_at', ARGV[4])
return 1
