-- The operators' desk: the operator who took a practice, and the indexes
-- of the work queue.
--
-- assignee is the operator's fiscal code, or "sub:" and the token subject
-- for an operator signed in without one; assignee_name is the name the
-- token gave when the practice was taken.
alter table practices.practice
    add column assignee      text,
    add column assignee_name text not null default '',
    add column assigned_at   timestamptz,
    add constraint practice_assignment_check check ((assignee is null) = (assigned_at is null));

-- The work queue walks one (comune, status) range at a time in the order
-- asked for (due date, or submission; practices without one last), so a
-- page costs a few index probes whatever the size of the comune.
create index practice_queue_due_idx on practices.practice
    (comune, status, (coalesce(due_by, 'infinity'::timestamptz)), id);
create index practice_queue_submitted_idx on practices.practice
    (comune, status, (coalesce(submitted_at, 'infinity'::timestamptz)), id);
-- "Assigned to me": an operator's practices, by status.
create index practice_assignee_idx on practices.practice
    (assignee, status, (coalesce(due_by, 'infinity'::timestamptz)), id) where assignee is not null;

---- create above / drop below ----

drop index practices.practice_assignee_idx;
drop index practices.practice_queue_submitted_idx;
drop index practices.practice_queue_due_idx;
alter table practices.practice drop constraint practice_assignment_check,
    drop column assigned_at, drop column assignee_name, drop column assignee;
