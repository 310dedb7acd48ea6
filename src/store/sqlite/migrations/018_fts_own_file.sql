-- The full-text index moves to a file of its own, <store>-fts, which a
-- thread of its own, the indexer, brings up to date (sqlite_fts.c).
--
-- Batches no longer empty case_fts_queue before they commit: its rows
-- wait there until the indexer has moved them, and the indexer records the
-- last id it moved.  So ids must never be handed out twice, even once the
-- queue has been emptied: AUTOINCREMENT.  The queue is empty in every
-- state committed before this migration, so it is simply made anew; the
-- triggers that write it name it, and find the new table.
--
-- The index itself is moved by the store when it opens (sqlite_fts.c,
-- rebuild): the move writes two files, which one migration cannot.
DROP TABLE case_fts_queue;
CREATE TABLE case_fts_queue (
    id INTEGER PRIMARY KEY AUTOINCREMENT, -- order of the writes; never reused
    op TEXT,                  -- NULL to index, 'delete' to remove
    rid INTEGER NOT NULL,     -- the case's seq, the rowid in case_fts
    body TEXT
);
