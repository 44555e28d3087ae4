-- The service catalogue's version, bumped by every statement that changes
-- practices.service (insert, update, delete, truncate). A process holding
-- the catalogue in memory reads the version with the practices it serves
-- (same statement, same snapshot) and reads the catalogue again when the
-- version is not the one its copy was read at.
create table practices.catalogue_version (
    id      boolean primary key default true check (id),
    version bigint not null
);
insert into practices.catalogue_version (version) values (1);

create function practices.bump_catalogue_version() returns trigger language plpgsql as $$
begin
    update practices.catalogue_version set version = version + 1;
    return null;
end
$$;

create trigger catalogue_changed after insert or update or delete or truncate on practices.service
    for each statement execute function practices.bump_catalogue_version();

---- create above / drop below ----

drop trigger catalogue_changed on practices.service;
drop function practices.bump_catalogue_version();
drop table practices.catalogue_version;
