-- The relay claims a row only when no older row of its channel is still waiting (per-channel
-- order survives retries); this index answers that check.
create index outbox_channel_order on outbox (channel, state, id);
