-- The contents of documents (the default ContentStore, content.go): bytea
-- chunks of at most 256 KiB, written with COPY in the transaction that
-- records the document and read back a few chunks per statement, so that
-- neither side holds a whole file in memory nor a connection for a whole
-- download. Chunks rather than one bytea (whose value is built whole in
-- memory on both ends and bound at 1 GB) or large objects (which need
-- lo_unlink on delete, are left out of logical replication and have their
-- own permissions): a chunk table cascades with its document, dumps and
-- replicates like any table. Already-compressed formats (PDF, JPEG, PNG,
-- signed files) are stored uncompressed (storage external).
create table practices.document_chunk (
    -- deferred: the chunks are copied before the document row, whose size
    -- and digest are known only once the content has been read
    document_id uuid not null references practices.document (id) on delete cascade deferrable initially deferred,
    -- the offset of the chunk's first byte in the content
    off         bigint not null check (off >= 0),
    data        bytea not null,
    primary key (document_id, off)
);

alter table practices.document_chunk alter column data set storage external;

-- Whether the content is stored (documents registered by metadata alone,
-- with addDocument or by the seeder, have none); an empty file is a
-- document of 0 bytes with its content stored.
alter table practices.document add column stored boolean not null default false;
alter table practices.document drop constraint document_size_bytes_check;
alter table practices.document add constraint document_size_bytes_check check (size_bytes > 0 or (stored and size_bytes = 0));

---- create above / drop below ----

delete from practices.document where size_bytes = 0;
alter table practices.document drop constraint document_size_bytes_check;
alter table practices.document add constraint document_size_bytes_check check (size_bytes > 0);
alter table practices.document drop column stored;
drop table practices.document_chunk;
