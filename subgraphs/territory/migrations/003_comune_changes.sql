-- Every statement that changes territory.comune announces it on the
-- channel territory_comune, so that a process holding the comuni in
-- memory (the territory subgraph) drops its copy.
create function territory.announce_comune_change() returns trigger language plpgsql as $$
begin
    perform pg_notify('territory_comune', '');
    return null;
end
$$;

create trigger comune_changed after insert or update or delete or truncate on territory.comune
    for each statement execute function territory.announce_comune_change();

---- create above / drop below ----

drop trigger comune_changed on territory.comune;
drop function territory.announce_comune_change();
