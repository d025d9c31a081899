-- KEYS: record. ARGV: tenant ('' = none), updated_at.

if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'tenant', ARGV[1], 'updated_at', ARGV[2])
return 1
