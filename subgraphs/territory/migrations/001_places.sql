-- The real places of the Città metropolitana di Milano. Rows are loaded by
-- the seed step from the embedded open data.

create table territory.zona (
    id                  integer primary key,
    name                text not null,
    theme               text not null,
    declared_comuni     integer not null,
    declared_population integer not null,
    declared_area_km2   double precision not null
);

create table territory.comune (
    istat_code      text primary key check (istat_code ~ '^[0-9]{6}$'),
    name            text not null,
    -- name folded to lower case without accents: the sort and prefix-search key
    name_key        text not null,
    cadastral_code  text not null,
    province        text not null,
    capital         boolean not null,
    postal_codes    text[] not null,
    population_2021 integer not null,
    population_2011 integer not null,
    lat             double precision not null,
    lon             double precision not null,
    -- NULL when no source assigns the comune to a zona
    zona_id         integer references territory.zona (id)
);

create index comune_order on territory.comune (name_key collate "C", istat_code);
create index comune_zona on territory.comune (zona_id, name_key collate "C", istat_code);

create table territory.municipio (
    id   integer primary key,
    name text not null
);

create table territory.nil (
    id           integer primary key,
    name         text not null,
    area_km2     double precision not null,
    lat          double precision not null,
    lon          double precision not null,
    -- prevalent municipio (approximate); NULL when unknown
    municipio_id integer references territory.municipio (id)
);

create index nil_municipio on territory.nil (municipio_id, id);

---- create above / drop below ----

drop table territory.nil;
drop table territory.municipio;
drop table territory.comune;
drop table territory.zona;
