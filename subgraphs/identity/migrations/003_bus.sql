-- The bus (internal/bus): events this subgraph publishes, written in the
-- same transaction as the change and announced with pg_notify('bus_identity').
-- Publishers hold a shared advisory lock (the barrier) from before the row
-- takes its id until commit, so consumers never skip a row committed late.
create table identity.outbox (
    id       bigserial primary key,
    event_id uuid not null unique,
    topic    text not null,
    key      text not null default '',
    payload  jsonb not null,
    at       timestamptz not null default now()
);

-- The bus's consumers of this subgraph: each one's position in its
-- producer's outbox, and the events it applied (in the same transaction as
-- their effect: exactly once, by event id).
create table identity.bus_position (
    consumer text primary key,
    id       bigint not null default 0
);

create table identity.bus_applied (
    consumer   text not null,
    event_id   uuid not null,
    applied_at timestamptz not null default now(),
    error      text, -- set when the event was refused for good
    primary key (consumer, event_id)
);

-- The channels a message was forwarded to beside the area personale, as
-- the recipient's notification preferences said when it was written
-- (IO, EMAIL, SMS).
alter table identity.message add column channels text[] not null default '{}';
