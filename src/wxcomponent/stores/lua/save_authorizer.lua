-- KEYS: record, all, authorized, revoked, epoch, due, names.
-- ARGV: appid, expected epoch ('' = any), status, keep ('1': an empty tenant, name or account
-- type, or a refresh_at or auth_event_at of 0, keeps the stored one, and an auth_event_at
-- older than the stored one writes nothing), tenant, name, name key, refresh_at, account type,
-- auth_event_at, then the other field/value pairs of the record. The due and names indexes
-- follow the record.

if ARGV[2] ~= '' and (redis.call('GET', KEYS[5]) or '0') ~= ARGV[2] then return 0 end
local appid, sep = ARGV[1], string.char(0)
local tenant, name, key, at = ARGV[5], ARGV[6], ARGV[7], ARGV[8]
local kind, event = ARGV[9], ARGV[10]
local old = redis.call('HMGET', KEYS[1], 'tenant', 'name', 'name_key', 'refresh_at',
  'account_type', 'auth_event_at')
local oldkey = old[3] or ''
if ARGV[4] == '1' then
  local oldevent = tonumber(old[6] or '0') or 0
  if tonumber(event) == 0 then
    event = old[6] or '0'
  elseif tonumber(event) < oldevent then
    return 0
  end
  if tenant == '' then tenant = old[1] or '' end
  if name == '' then name, key = old[2] or '', oldkey end
  if tonumber(at) == 0 then at = old[4] or '0' end
  if kind == '' then kind = old[5] or '' end
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'tenant', tenant, 'name', name, 'name_key', key, 'refresh_at', at,
  'account_type', kind, 'auth_event_at', event, unpack(ARGV, 11, #ARGV))
if oldkey ~= '' and oldkey ~= key then
  redis.call('ZREM', KEYS[7], oldkey .. sep .. appid)
end
if name ~= '' then redis.call('ZADD', KEYS[7], 0, key .. sep .. appid) end
redis.call('ZADD', KEYS[2], 0, appid)
if ARGV[3] == 'revoked' then
  redis.call('ZADD', KEYS[4], 0, appid)
  redis.call('ZREM', KEYS[3], appid)
  redis.call('ZREM', KEYS[6], appid)
else
  redis.call('ZADD', KEYS[3], 0, appid)
  redis.call('ZREM', KEYS[4], appid)
  redis.call('ZADD', KEYS[6], at, appid)
end
return 1
