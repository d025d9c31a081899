-- KEYS: record, epoch, due, names. ARGV: appid. Drops the mirrored record (and its entries in
-- the due and names indexes) and bumps the epoch; returns the new epoch.

local epoch = redis.call('INCR', KEYS[2])
local key = redis.call('HGET', KEYS[1], 'name_key')
if key and key ~= '' then redis.call('ZREM', KEYS[4], key .. string.char(0) .. ARGV[1]) end
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('DEL', KEYS[1])
return epoch
