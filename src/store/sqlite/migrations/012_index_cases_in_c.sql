-- A new case is filed in the search index by sq_index_case_insert
-- (sqlite_index.c) instead of by triggers.
--
-- The two triggers below parsed the case's JSON five times between them
-- and found every field's search key through its five text columns, which
-- made them most of the cost of a CreateCase on the single writer.  The
-- C code writes the same rows from the values the server already holds.
-- The triggers for updates and deletes stay: they run far less often, and
-- they recompute a case's rows from its stored JSON, which the C code
-- keeps in step with (see sqlite_index.c).
DROP TRIGGER cases_search_insert;
DROP TRIGGER cases_count_insert;
