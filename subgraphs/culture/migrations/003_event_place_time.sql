-- Events by place and time at once: a radius search for upcoming events
-- narrows both in one GiST index scan (geography and the event's time span)
-- instead of reading every event in the radius, past ones included.

create index event_geog_time on culture.event using gist (geog, tstzrange(starts_at, ends_at, '[]'));

---- create above / drop below ----

drop index culture.event_geog_time;
