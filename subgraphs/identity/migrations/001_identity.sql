-- People, organizations, delegations and IO-style messages of the identity
-- subgraph. Registry-sourced columns carry their source and verification
-- time; contacts and notification preferences are edited by the citizen.

create table identity.person (
  id                    uuid primary key,
  fiscal_code           text not null unique check (fiscal_code ~ '^[A-Z0-9]{16}$'),
  given_name            text not null,
  family_name           text not null,
  sex                   text not null check (sex in ('F', 'M')),
  birth_date            date not null,
  birthplace_istat      text not null,
  birthplace_name       text not null,
  birthplace_province   text not null,
  birthplace_cadastral  text not null check (birthplace_cadastral ~ '^[A-Z][0-9]{3}$'),
  registry_source       text not null default 'ANPR',
  registry_verified_at  timestamptz not null,
  residence_istat       text check (residence_istat ~ '^[0-9]{6}$'),
  residence_address     text,
  residence_source      text,
  residence_verified_at timestamptz,
  email                 text,
  phone                 text,
  notify_email          boolean not null default true,
  notify_sms            boolean not null default false,
  notify_io             boolean not null default true,
  language              text not null default 'it',
  updated_at            timestamptz not null default now(),
  check ((residence_istat is null) = (residence_verified_at is null))
);

create table identity.organization (
  id                      uuid primary key,
  vat_number              text not null unique check (vat_number ~ '^[0-9]{11}$'),
  fiscal_code             text not null,
  name                    text not null,
  legal_form              text not null,
  legal_representative_id uuid not null references identity.person (id),
  seat_istat              text not null check (seat_istat ~ '^[0-9]{6}$'),
  registry_source         text not null default 'REGISTRO_IMPRESE',
  registry_verified_at    timestamptz not null
);

create index organization_representative_idx on identity.organization (legal_representative_id);

create table identity.delegation (
  id                        uuid primary key,
  delegator_person_id       uuid references identity.person (id),
  delegator_organization_id uuid references identity.organization (id),
  delegate_id               uuid not null references identity.person (id),
  services                  text[] not null default '{}',
  valid_from                timestamptz not null,
  valid_to                  timestamptz,
  revoked_at                timestamptz,
  created_at                timestamptz not null default now(),
  check ((delegator_person_id is null) <> (delegator_organization_id is null)),
  check (valid_to is null or valid_to > valid_from)
);

create index delegation_person_idx on identity.delegation (delegator_person_id, created_at desc, id desc)
  where delegator_person_id is not null;
create index delegation_organization_idx on identity.delegation (delegator_organization_id, created_at desc, id desc)
  where delegator_organization_id is not null;
create index delegation_delegate_idx on identity.delegation (delegate_id, created_at desc, id desc);

create table identity.message (
  id                    uuid primary key,
  recipient_id          uuid not null references identity.person (id),
  subject               text not null check (char_length(subject) between 10 and 120),
  markdown              text not null check (char_length(markdown) between 80 and 10000),
  created_at            timestamptz not null,
  read_at               timestamptz,
  due_date              timestamptz,
  practice_id           uuid,
  payment_notice_number text check (payment_notice_number ~ '^[0-9]{18}$'),
  payment_iupd          text
);

create index message_recipient_idx on identity.message (recipient_id, created_at desc, id desc);
create index message_unread_idx on identity.message (recipient_id, created_at desc, id desc) where read_at is null;
