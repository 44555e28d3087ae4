-- Who read a person's data at the operators' desk: one row per person per
-- request to the subgraph, written before the data leaves it. The person
-- reads their own log in their fascicolo ("who looked at my data").
create table identity.access_log (
    id         uuid primary key,
    person_id  uuid not null references identity.person (id),
    -- the request (one GraphQL operation at the subgraph) the access was part of
    request_id uuid not null,
    at         timestamptz not null,
    -- the operator: fiscal code, or "sub:" and the token subject
    actor_id   text not null,
    actor_name text not null default '',
    actor_role text not null check (actor_role in ('OPERATOR', 'ADMIN')),
    -- the operator's comuni the person has a practice with (empty for admins)
    comuni     text[] not null default '{}',
    via        text not null check (via in ('FISCAL_CODE_LOOKUP', 'PERSON', 'RELATED')),
    reason     text not null default '',
    -- what was read: LOOKUP, PROFILE, DELEGATIONS, MESSAGES
    data       text[] not null,
    unique (request_id, person_id)
);

create index access_log_person_idx on identity.access_log (person_id, at desc, id desc);

---- create above / drop below ----

drop table identity.access_log;
