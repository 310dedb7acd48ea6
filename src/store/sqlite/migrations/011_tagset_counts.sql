-- Cases counted by their whole set of tags, for the totals of searches
-- that filter on tags alone: a user's security profiles make such a filter
-- (an OR of the profiles, each an AND of tag equalities), which no single
-- kept count answers.  A domain's cases usually carry few distinct sets
-- (the tags templates propagate), so sqlite_search.c evaluates the filter
-- once per set and sums the counts (count_from_tagsets).
--
-- case_tagsets holds each tagged case's set as a JSON object; an untagged
-- case has no row, and is counted as the domain's cases less the tagged.
-- The triggers on the tag rows of case_values (migration 007) only note
-- the case in tagset_dirty; whoever commits runs sq_tagsets_flush
-- (sqlite_search.c) before COMMIT, which refreshes the rows and counts of
-- the noted cases once, as sets, for the whole batch.  A case's tags are
-- written one row at a time, and refreshing it per row cost several
-- times more.  A set's text only has to be the same from its insert to
-- its removal, as the count it adds to is found through the text
-- case_tagsets kept.
CREATE TABLE case_tagsets (
    case_seq  INTEGER PRIMARY KEY,
    account   TEXT NOT NULL,
    region    TEXT NOT NULL,
    domain_id TEXT NOT NULL,
    tagset    TEXT NOT NULL
);

CREATE TABLE tagset_counts (
    account   TEXT    NOT NULL,
    region    TEXT    NOT NULL,
    domain_id TEXT    NOT NULL,
    tagset    TEXT    NOT NULL,
    n         INTEGER NOT NULL,
    PRIMARY KEY (account, region, domain_id, tagset)
) WITHOUT ROWID;

CREATE TABLE tagset_dirty (
    case_seq INTEGER PRIMARY KEY,
    kkey     INTEGER NOT NULL  -- one of its tag keys: names its domain
);

DROP TRIGGER tag_count_insert;
DROP TRIGGER tag_count_update;
DROP TRIGGER tag_count_delete;

CREATE TRIGGER tag_count_insert AFTER INSERT ON case_values
WHEN (SELECT kind FROM search_keys WHERE kkey = NEW.kkey) = 1
BEGIN
    INSERT INTO search_counts (kkey, val, n) VALUES (NEW.kkey, NEW.val, 1)
        ON CONFLICT DO UPDATE SET n = n + 1;
    INSERT OR IGNORE INTO tagset_dirty (case_seq, kkey)
        VALUES (NEW.case_seq, NEW.kkey);
END;

CREATE TRIGGER tag_count_update AFTER UPDATE OF val ON case_values
WHEN (SELECT kind FROM search_keys WHERE kkey = NEW.kkey) = 1
 AND OLD.val IS NOT NEW.val
BEGIN
    UPDATE search_counts SET n = n - 1 WHERE kkey = OLD.kkey AND val = OLD.val;
    INSERT INTO search_counts (kkey, val, n) VALUES (NEW.kkey, NEW.val, 1)
        ON CONFLICT DO UPDATE SET n = n + 1;
    INSERT OR IGNORE INTO tagset_dirty (case_seq, kkey)
        VALUES (NEW.case_seq, NEW.kkey);
END;

CREATE TRIGGER tag_count_delete AFTER DELETE ON case_values
WHEN (SELECT kind FROM search_keys WHERE kkey = OLD.kkey) = 1
BEGIN
    UPDATE search_counts SET n = n - 1 WHERE kkey = OLD.kkey AND val = OLD.val;
    INSERT OR IGNORE INTO tagset_dirty (case_seq, kkey)
        VALUES (OLD.case_seq, OLD.kkey);
END;

-- --- what existed before this migration ----------------------------------------------

-- Read in the table's own order (case, then key: the order
-- sq_tagsets_flush reads a case's tags in), and counted row by row, so
-- neither statement sorts: a sort of every tag row of a large store would
-- be held in memory (temp_store = MEMORY).
INSERT INTO case_tagsets (case_seq, account, region, domain_id, tagset)
    SELECT v.case_seq, k.account, k.region, k.domain_id,
           json_group_object(k.name, v.val)
    FROM case_values v NOT INDEXED CROSS JOIN search_keys k ON k.kkey = v.kkey
    WHERE k.kind = 1
    GROUP BY v.case_seq;
INSERT INTO tagset_counts (account, region, domain_id, tagset, n)
    SELECT account, region, domain_id, tagset, 1 FROM case_tagsets WHERE true
    ON CONFLICT DO UPDATE SET n = n + 1;
