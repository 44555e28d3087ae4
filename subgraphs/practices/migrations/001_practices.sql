-- The service catalogue and the practices filed on it.

create table practices.service (
    id                uuid primary key,
    slug              text not null unique,
    category_code     int not null check (category_code between 1 and 15),
    category_name     text not null,
    pon_metro_area    text not null,
    title             text not null,
    state             text not null check (state in ('ACTIVE', 'INACTIVE')),
    state_reason      text not null default '',
    short_description text not null,
    audience          text not null,
    how_to            text not null,
    what_you_need     text[] not null,
    what_you_get      text not null,
    max_days          int not null check (max_days > 0),
    channels          text[] not null,
    conditions        text not null,
    contact_office    text not null,
    contact_email     text not null default '',
    contact_phone     text not null default '',
    contact_pec       text not null default '',
    fully_online      boolean not null,
    archetype         text not null check (archetype in ('PERMESSI_E_DOCUMENTI', 'PAGAMENTI_DOVUTI',
                          'VANTAGGI_ECONOMICI', 'ISCRIZIONE_GRADUATORIA', 'SERVIZI_A_PAGAMENTO')),
    -- "cittadino/9", "impresa/3": life events of the national taxonomy
    life_events       text[] not null,
    -- ISTAT codes of the comuni offering the service; null: every comune
    comuni            text[],
    requires_payment  boolean not null,
    fee_cents         bigint check (fee_cents > 0),
    position          int not null
);

create index service_comuni_idx on practices.service using gin (comuni);

create table practices.practice (
    id                    uuid primary key,
    service_id            uuid not null references practices.service (id),
    applicant_id          uuid not null,
    applicant_fiscal_code text not null,
    organization_id       uuid,
    comune                text not null,
    status                text not null check (status in ('DRAFT', 'PAYMENT_PENDING', 'SUBMITTED', 'REGISTERED',
                              'IN_PROGRESS', 'INTEGRATION_REQUESTED', 'COMPLETED', 'REJECTED', 'WITHDRAWN')),
    protocol_number       text unique,
    protocol_date         timestamptz,
    created_at            timestamptz not null,
    updated_at            timestamptz not null,
    submitted_at          timestamptz,
    taken_in_charge_at    timestamptz,
    due_by                timestamptz,
    decided_at            timestamptz,
    -- true for rows written by the seeder, so reseeding replaces only them
    generated             boolean not null default false
);

create index practice_applicant_idx on practices.practice (applicant_id, created_at desc, id desc);
create index practice_fiscal_code_idx on practices.practice (applicant_fiscal_code);
create index practice_stats_idx on practices.practice (service_id, comune, submitted_at);
create index practice_comune_submitted_idx on practices.practice (comune, submitted_at);

-- Every status a practice went through, with who and why.
create table practices.status_change (
    id          bigserial primary key,
    practice_id uuid not null references practices.practice (id) on delete cascade,
    status      text not null,
    at          timestamptz not null,
    actor_kind  text not null check (actor_kind in ('CITIZEN', 'OPERATOR', 'SYSTEM')),
    actor_id    text not null default '',
    note        text not null default ''
);

create index status_change_practice_idx on practices.status_change (practice_id, at, id);

create table practices.document (
    id          uuid primary key,
    practice_id uuid not null references practices.practice (id) on delete cascade,
    name        text not null check (name <> ''),
    media_type  text not null,
    size_bytes  bigint not null check (size_bytes > 0),
    sha256      text not null check (sha256 ~ '^[0-9a-f]{64}$'),
    uploaded_at timestamptz not null
);

create index document_practice_idx on practices.document (practice_id, uploaded_at, id);

-- Outbox of status changes for live subscribers: written in the same
-- transaction as the change, announced with pg_notify('practice_status', id).
create table practices.status_event (
    id              bigserial primary key,
    practice_id     uuid not null,
    status          text not null,
    previous_status text not null,
    at              timestamptz not null,
    actor_kind      text not null,
    actor_id        text not null default '',
    note            text not null default '',
    applicant_id    uuid not null,
    comune          text not null
);

create index status_event_practice_idx on practices.status_event (practice_id, id);

-- Protocol register: the last number assigned per comune and year.
create table practices.protocol_counter (
    comune text not null,
    year   int not null,
    last   bigint not null,
    primary key (comune, year)
);

---- create above / drop below ----

drop table practices.protocol_counter;
drop table practices.status_event;
drop table practices.document;
drop table practices.status_change;
drop table practices.practice;
drop table practices.service;
