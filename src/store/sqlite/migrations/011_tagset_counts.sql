-- Cases counted by their whole set of tags, for the totals of searches
-- that filter on tags alone: a user's security profiles make such a filter
-- (an OR of the profiles, each an AND of tag equalities), which no single
-- kept count answers.  A domain's cases usually carry few distinct sets
-- (the tags templates propagate), so sqlite_search.c evaluates the filter
-- once per set and sums the counts (count_from_tagsets).
--
-- case_tagsets holds each tagged case's set as a JSON object; an untagged
-- case has no row, and is counted as the domain's cases less the tagged.
-- The triggers on the tag rows of case_values (migration 007) refresh a
-- case's row whenever one of its tags changes.  A set's text only has to
-- be the same from its insert to its removal, as the count it adds to is
-- found through the text case_tagsets kept.
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

-- Not a table: inserting (case, any of its tag keys) into this view
-- replaces the case's row in case_tagsets and moves its count.
CREATE VIEW search_tagset_refresh AS SELECT 0 AS case_seq, 0 AS kkey WHERE 0;

CREATE TRIGGER search_tagset_refresh_case INSTEAD OF INSERT ON search_tagset_refresh
BEGIN
    UPDATE tagset_counts SET n = n - 1
    WHERE (account, region, domain_id, tagset) IN (
        SELECT account, region, domain_id, tagset FROM case_tagsets
        WHERE case_seq = NEW.case_seq);
    DELETE FROM tagset_counts WHERE n <= 0
      AND (account, region, domain_id, tagset) IN (
        SELECT account, region, domain_id, tagset FROM case_tagsets
        WHERE case_seq = NEW.case_seq);
    DELETE FROM case_tagsets WHERE case_seq = NEW.case_seq;
    INSERT INTO case_tagsets (case_seq, account, region, domain_id, tagset)
        SELECT NEW.case_seq, t.account, t.region, t.domain_id, s.tagset
        FROM search_keys t,
             (SELECT json_group_object(name, val) AS tagset
              FROM (SELECT k.name AS name, v.val AS val
                    FROM case_values v JOIN search_keys k ON k.kkey = v.kkey
                    WHERE v.case_seq = NEW.case_seq AND k.kind = 1
                    ORDER BY k.name)) s
        WHERE t.kkey = NEW.kkey AND s.tagset <> '{}';
    INSERT INTO tagset_counts (account, region, domain_id, tagset, n)
        SELECT account, region, domain_id, tagset, 1 FROM case_tagsets
        WHERE case_seq = NEW.case_seq
        ON CONFLICT DO UPDATE SET n = n + 1;
END;

DROP TRIGGER tag_count_insert;
DROP TRIGGER tag_count_update;
DROP TRIGGER tag_count_delete;

CREATE TRIGGER tag_count_insert AFTER INSERT ON case_values
WHEN (SELECT kind FROM search_keys WHERE kkey = NEW.kkey) = 1
BEGIN
    INSERT INTO search_counts (kkey, val, n) VALUES (NEW.kkey, NEW.val, 1)
        ON CONFLICT DO UPDATE SET n = n + 1;
    INSERT INTO search_tagset_refresh (case_seq, kkey) VALUES (NEW.case_seq, NEW.kkey);
END;

CREATE TRIGGER tag_count_update AFTER UPDATE OF val ON case_values
WHEN (SELECT kind FROM search_keys WHERE kkey = NEW.kkey) = 1
 AND OLD.val IS NOT NEW.val
BEGIN
    UPDATE search_counts SET n = n - 1 WHERE kkey = OLD.kkey AND val = OLD.val;
    INSERT INTO search_counts (kkey, val, n) VALUES (NEW.kkey, NEW.val, 1)
        ON CONFLICT DO UPDATE SET n = n + 1;
    INSERT INTO search_tagset_refresh (case_seq, kkey) VALUES (NEW.case_seq, NEW.kkey);
END;

CREATE TRIGGER tag_count_delete AFTER DELETE ON case_values
WHEN (SELECT kind FROM search_keys WHERE kkey = OLD.kkey) = 1
BEGIN
    UPDATE search_counts SET n = n - 1 WHERE kkey = OLD.kkey AND val = OLD.val;
    INSERT INTO search_tagset_refresh (case_seq, kkey) VALUES (OLD.case_seq, OLD.kkey);
END;

-- --- what existed before this migration ----------------------------------------------

INSERT INTO case_tagsets (case_seq, account, region, domain_id, tagset)
    SELECT case_seq, account, region, domain_id, json_group_object(name, val)
    FROM (SELECT v.case_seq AS case_seq, k.account AS account,
                 k.region AS region, k.domain_id AS domain_id,
                 k.name AS name, v.val AS val
          FROM case_values v JOIN search_keys k ON k.kkey = v.kkey
          WHERE k.kind = 1
          ORDER BY v.case_seq, k.name)
    GROUP BY case_seq;
INSERT INTO tagset_counts (account, region, domain_id, tagset, n)
    SELECT account, region, domain_id, tagset, count(*) FROM case_tagsets
    GROUP BY account, region, domain_id, tagset;
