-- The access log names the reader by their stable identity, the token's
-- issuer and subject (actor_id keeps the fiscal code shown at the desk,
-- which an operator may not have), and one row holds the reads of one
-- person by one reader in one client request: request_id is the gateway's
-- id of the client request, carried to every subgraph request it makes.
alter table identity.access_log
    add column actor_issuer  text not null default '',
    add column actor_subject text not null default '';

alter table identity.access_log drop constraint access_log_request_id_person_id_key;
alter table identity.access_log
    add constraint access_log_request_person_actor_key unique (request_id, person_id, actor_issuer, actor_subject);

---- create above / drop below ----

alter table identity.access_log drop constraint access_log_request_person_actor_key;
alter table identity.access_log add constraint access_log_request_id_person_id_key unique (request_id, person_id);
alter table identity.access_log drop column actor_subject, drop column actor_issuer;
