-- Boundaries of the comuni and of Milan's NIL (PostGIS), for point-in-polygon
-- lookups and GeoJSON outlines. PostGIS must be available on the server: a
-- clear error says so otherwise.

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

alter table territory.comune add column boundary geometry(MultiPolygon, 4326);
alter table territory.nil add column boundary geometry(MultiPolygon, 4326);

create index comune_boundary on territory.comune using gist (boundary);
create index nil_boundary on territory.nil using gist (boundary);

---- create above / drop below ----

drop index territory.nil_boundary;
drop index territory.comune_boundary;
alter table territory.nil drop column boundary;
alter table territory.comune drop column boundary;
