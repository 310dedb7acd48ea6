-- The cases carrying each tag value, most recently updated first.
--
-- SearchCases sorts by last_updated_datetime unless told otherwise, and a
-- user whose security profile restricts cases to a tag has that tag ANDed
-- into every search.  From case_values alone such a page reads every case
-- carrying the tag and looks up when each was last updated: a random read
-- per case, thousands for a common tag.  Here the same page is the first
-- rows of one index range.
--
-- updated is the case's last_updated_datetime value row as case_values
-- holds it, so this order and its cursors are those of the general plan.
-- The triggers follow case_values: a tag row brings the case's current
-- update time with it, and a new update time moves every tag row of the
-- case.  Whichever of a case's rows arrives first, the second one fills
-- the table in, so trigger order does not matter.
CREATE TABLE tag_recency (
    kkey     INTEGER NOT NULL,  -- search_keys.kkey of the tag key
    val      TEXT    NOT NULL,  -- the tag value
    updated  NOT NULL,
    case_seq INTEGER NOT NULL,
    PRIMARY KEY (kkey, val, updated, case_seq)
) WITHOUT ROWID;
CREATE INDEX tag_recency_by_case ON tag_recency (case_seq, kkey);

-- The last_updated_datetime key of the domain that key k belongs to.
CREATE VIEW search_updated_keys AS
SELECT k.kkey AS kkey, u.kkey AS updated_kkey
FROM search_keys k JOIN search_keys u
  ON u.account = k.account AND u.region = k.region
 AND u.domain_id = k.domain_id AND u.kind = 0
 AND u.name = 'last_updated_datetime';

CREATE TRIGGER tag_recency_tag_insert AFTER INSERT ON case_values
WHEN (SELECT kind FROM search_keys WHERE kkey = NEW.kkey) = 1
BEGIN
    INSERT INTO tag_recency (kkey, val, updated, case_seq)
        SELECT NEW.kkey, NEW.val, u.val, NEW.case_seq
        FROM search_updated_keys s CROSS JOIN case_values u
          ON u.case_seq = NEW.case_seq AND u.kkey = s.updated_kkey
        WHERE s.kkey = NEW.kkey
        ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER tag_recency_tag_update AFTER UPDATE OF val ON case_values
WHEN (SELECT kind FROM search_keys WHERE kkey = NEW.kkey) = 1
 AND OLD.val IS NOT NEW.val
BEGIN
    UPDATE tag_recency SET val = NEW.val
    WHERE case_seq = NEW.case_seq AND kkey = NEW.kkey;
END;

CREATE TRIGGER tag_recency_tag_delete AFTER DELETE ON case_values
WHEN (SELECT kind FROM search_keys WHERE kkey = OLD.kkey) = 1
BEGIN
    DELETE FROM tag_recency WHERE case_seq = OLD.case_seq AND kkey = OLD.kkey;
END;

-- An update time arriving (a new case, or an UpdateCase, which deletes
-- the old value row first, taking the case's rows here with it): every tag
-- row of the case, at the new time.
CREATE TRIGGER tag_recency_updated_insert AFTER INSERT ON case_values
WHEN (SELECT kind = 0 AND name = 'last_updated_datetime'
      FROM search_keys WHERE kkey = NEW.kkey)
BEGIN
    INSERT INTO tag_recency (kkey, val, updated, case_seq)
        SELECT v.kkey, v.val, NEW.val, NEW.case_seq
        FROM case_values v CROSS JOIN search_keys k ON k.kkey = v.kkey
        WHERE v.case_seq = NEW.case_seq AND k.kind = 1
          AND v.val IS NOT NULL
        ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER tag_recency_updated_update AFTER UPDATE OF val ON case_values
WHEN (SELECT kind = 0 AND name = 'last_updated_datetime'
      FROM search_keys WHERE kkey = NEW.kkey)
 AND OLD.val IS NOT NEW.val
BEGIN
    UPDATE tag_recency SET updated = NEW.val WHERE case_seq = NEW.case_seq;
END;

CREATE TRIGGER tag_recency_updated_delete AFTER DELETE ON case_values
WHEN (SELECT kind = 0 AND name = 'last_updated_datetime'
      FROM search_keys WHERE kkey = OLD.kkey)
BEGIN
    DELETE FROM tag_recency WHERE case_seq = OLD.case_seq;
END;

-- What existed before this migration.
INSERT INTO tag_recency (kkey, val, updated, case_seq)
    SELECT t.kkey, t.val, u.val, t.case_seq
    FROM search_keys k CROSS JOIN case_values t ON t.kkey = k.kkey
         CROSS JOIN search_updated_keys s ON s.kkey = k.kkey
         CROSS JOIN case_values u
           ON u.case_seq = t.case_seq AND u.kkey = s.updated_kkey
    WHERE k.kind = 1 AND t.val IS NOT NULL
    ON CONFLICT DO NOTHING;
