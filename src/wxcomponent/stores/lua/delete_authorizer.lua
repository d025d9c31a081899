-- KEYS: record, all, authorized, revoked, due, names. ARGV: appid. Removes the record and
-- its entries in every index; 1 if there was a record.

local key = redis.call('HGET', KEYS[1], 'name_key')
if key and key ~= '' then redis.call('ZREM', KEYS[6], key .. string.char(0) .. ARGV[1]) end
for i = 2, 5 do redis.call('ZREM', KEYS[i], ARGV[1]) end
return redis.call('DEL', KEYS[1])
