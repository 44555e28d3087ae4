-- The control room's decisions per week, comune and service read the
-- practices decided in a window.
create index practice_comune_decided_idx on practices.practice (comune, decided_at) where decided_at is not null;

---- create above / drop below ----

drop index practices.practice_comune_decided_idx;
