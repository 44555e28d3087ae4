-- Locations of venues and events (PostGIS geography, GiST-indexed) for
-- searches by distance. PostGIS must be available on the server: a clear
-- error says so otherwise.

do $$
begin
    if not exists (select 1 from pg_available_extensions where name = 'postgis') then
        raise exception 'PostGIS is not installed on this PostgreSQL server: install it (Debian: postgresql-%-postgis-3) or point DATABASE_URL at a server that has it',
            current_setting('server_version_num')::int / 10000;
    end if;
    create extension if not exists postgis;
exception when insufficient_privilege then
    raise exception 'creating the postgis extension needs a superuser (or the database owner with PostGIS trusted): run CREATE EXTENSION postgis once as one';
end
$$;

alter table culture.venue add column geog geography(Point, 4326)
    generated always as (ST_SetSRID(ST_MakePoint(lon, lat), 4326)::geography) stored;

-- An event is at its venue, or at its comune's centroid when it has none
-- (filled by the seed from the open data).
alter table culture.event add column lat double precision, add column lon double precision;
update culture.event e set lat = v.lat, lon = v.lon from culture.venue v where v.id = e.venue_id;
alter table culture.event add column geog geography(Point, 4326)
    generated always as (case when lat is not null and lon is not null
                              then ST_SetSRID(ST_MakePoint(lon, lat), 4326)::geography end) stored;

create index venue_geog on culture.venue using gist (geog);
create index event_geog on culture.event using gist (geog);
create index event_venue_nil on culture.venue (nil_id, id);

---- create above / drop below ----

drop index culture.event_venue_nil;
drop index culture.event_geog;
drop index culture.venue_geog;
alter table culture.event drop column geog, drop column lat, drop column lon;
alter table culture.venue drop column geog;
