-- The areas a delegation covers (PRACTICES, PAYMENTS, MESSAGES); empty
-- means every area, as an empty services list means every service.
alter table identity.delegation add column areas text[] not null default '{}';

-- Mandates of a delegate are looked up at every authorization decision.
create index delegation_active_idx on identity.delegation (delegate_id) where revoked_at is null;
