-- Kept counts for tags too: how many cases of a domain carry each value of
-- each tag key, in search_counts beside the SingleSelect options (005).
--
-- A user whose security profile restricts cases to a tag searches with
-- that tag ANDed into every filter, and totalCount must count only the
-- cases the user may see.  With no other filter that is one tag equality,
-- which these counts answer at once instead of a pass over every case
-- carrying the tag.
--
-- Tag rows of case_values are written by the tag triggers of 003 (an
-- upsert, so a changed value arrives as an UPDATE) and removed by them or
-- by the case delete trigger; the triggers below follow every such row.
-- The WHEN probe is one primary-key lookup per value row written.

CREATE TRIGGER tag_count_insert AFTER INSERT ON case_values
WHEN (SELECT kind FROM search_keys WHERE kkey = NEW.kkey) = 1
BEGIN
    INSERT INTO search_counts (kkey, val, n) VALUES (NEW.kkey, NEW.val, 1)
        ON CONFLICT DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER tag_count_update AFTER UPDATE OF val ON case_values
WHEN (SELECT kind FROM search_keys WHERE kkey = NEW.kkey) = 1
 AND OLD.val IS NOT NEW.val
BEGIN
    UPDATE search_counts SET n = n - 1 WHERE kkey = OLD.kkey AND val = OLD.val;
    INSERT INTO search_counts (kkey, val, n) VALUES (NEW.kkey, NEW.val, 1)
        ON CONFLICT DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER tag_count_delete AFTER DELETE ON case_values
WHEN (SELECT kind FROM search_keys WHERE kkey = OLD.kkey) = 1
BEGIN
    UPDATE search_counts SET n = n - 1 WHERE kkey = OLD.kkey AND val = OLD.val;
END;

-- Tags that existed before this migration.
INSERT INTO search_counts (kkey, val, n)
    SELECT v.kkey, v.val, count(*)
    FROM case_values v CROSS JOIN search_keys k ON k.kkey = v.kkey
    WHERE k.kind = 1 AND v.val IS NOT NULL
    GROUP BY v.kkey, v.val
    ON CONFLICT DO UPDATE SET n = excluded.n;
