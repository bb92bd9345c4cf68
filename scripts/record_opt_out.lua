-- record_opt_out.lua — a member's refusal of a channel, with its evidence.
--
-- KEYS[1] the store's consent ledger (a stream, append-only)
-- KEYS[2] the store's opt-out set for the channel
-- ARGV[1] at (Unix seconds)   ARGV[2] store   ARGV[3] channel   ARGV[4] address
-- ARGV[5] source (sms_reply, wechat_event, provider_error, ...)   ARGV[6] detail
-- Returns 1 if the address was not opted out before, else 0. Every call is
-- appended to the ledger, repeats included: the ledger is evidence of what
-- arrived, the set is the rule begin_send.lua applies before every send.
redis.call('XADD', KEYS[1], '*', 'at', ARGV[1], 'store', ARGV[2], 'channel', ARGV[3],
           'address', ARGV[4], 'event', 'opt_out', 'source', ARGV[5], 'detail', ARGV[6])
return redis.call('SADD', KEYS[2], ARGV[4])
