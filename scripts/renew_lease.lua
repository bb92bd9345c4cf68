-- renew_lease.lua — a scheduler replica keeps its hold on a store.
--
-- KEYS[1] the store's lease   KEYS[2] the store's shard record (hu:{S}:shards,
-- the same slot)   ARGV[1] the replica's token   ARGV[2] lease (ms)
-- Returns { 1 when the lease is the caller's (renewed), 0 when it is not,
-- the shard record's fields (HGETALL) }: it ran out, and it is free or
-- another replica's (taken with SET NX PX). The owner check and the new
-- expiry are one step, so a replica whose lease ran out can never extend the
-- next owner's. The record comes along for free (io/store_leases.h): a
-- replica learns of a reshard's phase and of a new number of shards within
-- a renewal.
local record = redis.call('HGETALL', KEYS[2])
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return {1, record}
end
return {0, record}
