-- Who the actor of a status change acted for: the fiscal code of the
-- delegating person or organization ('' when the actor acted for themself).
alter table practices.status_change add column on_behalf_of text not null default '';
alter table practices.status_event add column on_behalf_of text not null default '';
