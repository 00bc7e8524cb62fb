-- chatctl schema, SQLite. Timestamps are UTC milliseconds since the Unix epoch; flags are 0/1.
-- Member-based so group chats can come later without a rewrite.

create table users (
    id integer primary key,               -- the host application's user id (the token's sub)
    name text not null,
    name_folded text not null,            -- lower-cased name for case-insensitive search
    email text not null default '',
    avatar text,
    is_online integer not null default 0,
    last_seen_at integer,
    last_active_at integer,
    created_at integer not null,
    updated_at integer not null
);
create index users_online on users (last_active_at) where is_online = 1;

create table chats (
    id integer primary key autoincrement,
    kind text not null default 'direct',
    pair_key text,                        -- 'low:high' user ids of a direct chat
    last_message_id integer,
    created_at integer not null,
    constraint chats_pair_key unique (pair_key)
);

create table chat_members (
    chat_id integer not null references chats (id) on delete cascade,
    user_id integer not null references users (id),
    last_read_message_id integer not null default 0,
    unread_count integer not null default 0,
    last_activity_at integer not null,    -- sort key of the member's chat list
    joined_at integer not null,
    primary key (chat_id, user_id)
);
create index chat_members_list on chat_members (user_id, last_activity_at desc, chat_id desc);

create table messages (
    id integer primary key autoincrement,
    chat_id integer not null references chats (id) on delete cascade,
    user_id integer not null references users (id),
    text text not null,
    client_message_id text,
    created_at integer not null
);
create index messages_page on messages (chat_id, id);
create unique index messages_client_id on messages (user_id, client_message_id);

create table outbox (
    id integer primary key autoincrement,
    channel text not null,
    kind text not null,                   -- 'publish' (payload is the data) or 'chat_list' (rendered at send time)
    payload text not null,
    created_at integer not null,
    attempts integer not null default 0,
    next_attempt_at integer not null,
    state integer not null default 0,     -- 0 pending, 1 dead letter
    last_error text
);
create index outbox_due on outbox (state, next_attempt_at, id);
