-- Cultural venues and public events.

create table culture.venue (
    id          integer primary key,
    name        text not null,
    name_key    text not null,           -- lower case, no accents: sort key
    kind        text not null,           -- BIBLIOTECHE, ARCHIVI
    subtype     text not null,
    place_type  text,                    -- OntoPiA cultural-interest-places code, when one fits
    place_type_name text,
    place_type_uri  text,
    owner       text,
    address     text not null,
    comune      text not null,           -- ISTAT code (territory's Comune key)
    nil_id      integer,                 -- Milan NIL id (territory's Nil key)
    phone       text,
    email       text,
    url         text,
    accessible  boolean,                 -- NULL when the source does not say
    lat         double precision not null,
    lon         double precision not null
);

create index venue_order on culture.venue (name_key collate "C", id);
create index venue_comune on culture.venue (comune, name_key collate "C", id);

create table culture.event (
    id          text primary key,
    title       text not null,
    description text not null,
    category    text not null,           -- public-event-types code (level 2 or 3)
    starts_at   timestamptz not null,
    ends_at     timestamptz not null check (ends_at >= starts_at),
    venue_id    integer references culture.venue (id),
    comune      text not null,           -- ISTAT code
    zona_id     integer,                 -- zona omogenea of the comune, denormalized from the open data
    price_cents integer check (price_cents > 0), -- NULL when free
    organizer   text,
    search      tsvector generated always as (to_tsvector('italian', title || ' ' || description)) stored
);

create index event_order on culture.event (starts_at, id);
create index event_comune on culture.event (comune, starts_at, id);
create index event_zona on culture.event (zona_id, starts_at, id);
create index event_venue on culture.event (venue_id, starts_at, id);
create index event_category on culture.event (category text_pattern_ops);
create index event_search on culture.event using gin (search);

---- create above / drop below ----

drop table culture.event;
drop table culture.venue;
