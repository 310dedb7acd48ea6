-- Fewer lookups per value row written.
--
-- Every row inserted into case_values ran three triggers that each looked
-- its key up in search_keys to learn whether the row was a tag's or the
-- case's update time (migrations 008 and 011): most of the cost of a row
-- beyond its own B-tree writes, on every field value of every new case.
-- The two triggers for tag rows become one, which looks the key up once;
-- the one for the update time first checks the value, which the server
-- always writes as an ISO-8601 timestamp, so other rows skip the lookup.
-- What the triggers write is unchanged.
DROP TRIGGER tag_recency_tag_insert;
DROP TRIGGER tag_count_insert;
DROP TRIGGER tag_recency_updated_insert;

CREATE TRIGGER tag_value_insert AFTER INSERT ON case_values
WHEN (SELECT kind FROM search_keys WHERE kkey = NEW.kkey) = 1
BEGIN
    INSERT INTO tag_recency (kkey, val, updated, case_seq)
        SELECT NEW.kkey, NEW.val, u.val, NEW.case_seq
        FROM search_updated_keys s CROSS JOIN case_values u
          ON u.case_seq = NEW.case_seq AND u.kkey = s.updated_kkey
        WHERE s.kkey = NEW.kkey
        ON CONFLICT DO NOTHING;
    INSERT INTO search_counts (kkey, val, n) VALUES (NEW.kkey, NEW.val, 1)
        ON CONFLICT DO UPDATE SET n = n + 1;
    INSERT OR IGNORE INTO tagset_dirty (case_seq, kkey)
        VALUES (NEW.case_seq, NEW.kkey);
END;

CREATE TRIGGER tag_recency_updated_insert AFTER INSERT ON case_values
WHEN typeof(NEW.val) = 'text'
 AND NEW.val GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T*'
 AND (SELECT kind = 0 AND name = 'last_updated_datetime'
      FROM search_keys WHERE kkey = NEW.kkey)
BEGIN
    INSERT INTO tag_recency (kkey, val, updated, case_seq)
        SELECT v.kkey, v.val, NEW.val, NEW.case_seq
        FROM case_values v CROSS JOIN search_keys k ON k.kkey = v.kkey
        WHERE v.case_seq = NEW.case_seq AND k.kind = 1
          AND v.val IS NOT NULL
        ON CONFLICT DO NOTHING;
END;
