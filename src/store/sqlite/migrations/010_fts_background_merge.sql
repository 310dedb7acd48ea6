-- The full-text index is merged in the background (sqlite_commit.c).
--
-- Each batch flushes one small segment into case_fts.  With automerge 16
-- a level was merged only once it held 16 segments, so the index sat in
-- dozens of segments, and every searchTerm probes each of them.  Worse,
-- that merging ran inside the batch that crossed a work unit, on the
-- write path, and continued any merge left unfinished.
--
-- Now the checkpointer thread runs 'merge' in short steps between
-- batches, and 'merge' joins any level holding usermerge segments:
-- with 2, each level keeps about one segment, so the index stays in
-- about as many segments as it has levels (a level is a size class, each
-- about twice the one below).  automerge 0 keeps merging off the write
-- path; crisismerge (16 segments on the lowest level) stays as the
-- safety net should the background fall behind.
INSERT INTO case_fts (case_fts, rank) VALUES ('automerge', 0);
INSERT INTO case_fts (case_fts, rank) VALUES ('usermerge', 2);
