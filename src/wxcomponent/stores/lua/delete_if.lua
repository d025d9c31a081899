-- KEYS: token. ARGV: value. The stored string is "expires_at obtained_at value".

local current = redis.call('GET', KEYS[1])
if not current or string.match(current, '^%S+ %S+ (.*)$') ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
return 1
