-- Debt positions (pagoPA GPD), their installments, receipts and the
-- idempotency keys of payment requests.

create table payments.creditors (
    fiscal_code   text primary key check (fiscal_code ~ '^[0-9]{11}$'),
    istat_code    text not null unique check (istat_code ~ '^[0-9]{6}$'),
    name          text not null,
    next_position bigint not null default 1, -- IUPD sequence
    next_notice   bigint not null default 1  -- IUV serial sequence (kind 5)
);

create table payments.positions (
    iupd                 text primary key,
    creditor_fiscal_code text not null references payments.creditors (fiscal_code),
    comune               text not null,
    debtor_id            text not null,
    debtor_fiscal_code   text not null,
    debtor_name          text not null,
    practice_id          text,
    description          text not null check (length(description) between 1 and 140),
    status               text not null check (status in ('DRAFT', 'PUBLISHED', 'VALID', 'PARTIALLY_PAID', 'PAID', 'EXPIRED', 'INVALID')),
    created_at           timestamptz not null,
    published_at         timestamptz,
    validity_date        timestamptz,
    total_cents          bigint not null check (total_cents > 0),
    paid_cents           bigint not null default 0 check (paid_cents >= 0 and paid_cents <= total_cents),
    updated_at           timestamptz not null default now(),
    seeded               boolean not null default false
);

create index positions_debtor_idx on payments.positions (debtor_id, created_at desc, iupd desc);
create index positions_practice_idx on payments.positions (practice_id) where practice_id is not null;

create table payments.installments (
    position_iupd text not null references payments.positions (iupd) on delete cascade,
    seq           int not null check (seq >= 1),
    notice_number text unique check (notice_number ~ '^3[0-9]{17}$'),
    iuv           text unique check (iuv ~ '^[0-9]{15}$'),
    amount_cents  bigint not null check (amount_cents > 0),
    description   text not null,
    due_date      date not null,
    taxonomy_code text not null,
    status        text not null check (status in ('UNPAID', 'PAID', 'EXPIRED', 'UNPAYABLE')),
    seeded        boolean not null default false,
    primary key (position_iupd, seq)
);

-- At most one receipt per notice: the last guard against a double charge.
create table payments.receipts (
    receipt_id        text primary key,
    notice_number     text not null unique references payments.installments (notice_number) on delete cascade,
    psp_id            text not null,
    psp_name          text not null,
    method            text not null check (method in ('CARD', 'BANK_TRANSFER', 'PAYPAL', 'SATISPAY', 'POSTAL')),
    paid_at           timestamptz not null,
    amount_cents      bigint not null check (amount_cents > 0),
    fee_cents         bigint not null default 0 check (fee_cents >= 0),
    payer_subject     text not null default '',
    payer_fiscal_code text not null default '',
    seeded            boolean not null default false
);

-- One row per idempotency key, claimed in the paying transaction.
create table payments.payment_requests (
    idempotency_key text primary key,
    notice_number   text not null,
    payer_subject   text not null,
    receipt_id      text references payments.receipts (receipt_id) on delete cascade,
    created_at      timestamptz not null default now()
);
