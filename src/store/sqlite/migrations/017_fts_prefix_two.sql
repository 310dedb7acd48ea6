-- The full-text index keeps an index of 2-character prefixes only, no
-- longer one of 3-character prefixes as well.
--
-- Each prefix index files every word of a case once more: with both, a
-- case's text was indexed three times over, and flushing and merging the
-- index took about 40% of the single writer's turns under CreateCase load.
-- In 14 alternating pairs of CreateCase runs at 64 connections, dropping
-- the 3-character index gave +5% throughput and 6-8% less server CPU per
-- case, and a p99 about 1 ms lower.
--
-- What it costs searches, timed on a million seeded cases: a searchTerm
-- word of three characters is now found by walking the words that start
-- with it, 1-5 ms for a count where the index took 0.3-1.4 ms (74 ms
-- against 47 for a word in every case).  Two characters keep their index:
-- without it, 'pe' took 125 ms instead of 19.  Four or more characters
-- never used a prefix index.
--
-- FTS5 cannot change the prefixes of an existing index, and this one is
-- contentless, so it is rebuilt from the cases, with the text the update
-- and delete triggers compute (migration 006), and merged into one
-- segment.  A store of a million cases takes about a minute.
DROP TABLE case_fts;
CREATE VIRTUAL TABLE case_fts USING fts5 (
    body,
    content = '',
    columnsize = 0,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2'
);
INSERT INTO case_fts (case_fts, rank) VALUES ('automerge', 0);
INSERT INTO case_fts (case_fts, rank) VALUES ('usermerge', 4);
INSERT INTO case_fts (rowid, body)
    SELECT c.seq, (SELECT group_concat(v.value, ' ')
                   FROM json_each(c.fields) f, json_each(f.value) v
                   WHERE v.key IN ('stringValue', 'userArnValue'))
    FROM cases c ORDER BY c.seq;
INSERT INTO case_fts (case_fts) VALUES ('optimize');
