-- The relay's claim walks pending rows in id order and, per row, asks whether an older row of
-- its channel is still waiting (leased or backing off). The old indexes answered both by
-- scanning: all due rows sorted per pass, and every older row of the channel per candidate,
-- quadratic in the backlog (2.7 s per pass of 500 at 50,000 rows on SQLite, ~170 events/s).
-- These answer them with an ordered index walk that stops at the batch size, and a range
-- over the channel's waiting rows only, which are few.
drop index outbox_due;
drop index outbox_channel_order;
create index outbox_pending on outbox (state, id, next_attempt_at);
create index outbox_channel_waiting on outbox (channel, state, next_attempt_at);
