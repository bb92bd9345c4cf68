-- release_lease.lua — a scheduler replica that stops gives its store up at
-- once, so another takes it over without waiting for the lease to run out.
--
-- KEYS[1] the store's lease   ARGV[1] the replica's token
-- Returns 1 when it was the caller's and is released, 0 otherwise (another
-- replica's lease is never deleted).
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
