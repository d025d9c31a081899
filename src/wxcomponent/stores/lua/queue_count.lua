-- KEYS: the index of every job of the platform's queue (<base>all).
-- ARGV: base, then one index per state. Returns their sizes.

local out = {}
for i = 2, #ARGV do out[#out + 1] = redis.call('ZCARD', base .. ARGV[i]) end
return out
