-- No trigger runs for a row inserted into case_values.
--
-- Three AFTER INSERT triggers on case_values kept the day counts
-- (migration 009), the tag counts and the tags' update order (014).  SQLite
-- runs every trigger of a table as a sub-program for every row inserted,
-- even when its WHEN is false, and a new case inserts about fifteen rows
-- from C (sqlite_index.c), none of them a tag's: the triggers cost about as
-- much as the rows' own B-tree writes, on the single writer.
--
-- Whoever inserts rows now does their bookkeeping:
--   * sqlite_index.c counts the days of a new case's values;
--   * the triggers below that insert rows (a case's tags, an updated
--     case's changed values) do what the three triggers did for exactly
--     those rows.  Each works out which rows are new before its insert,
--     while case_values still lacks them.
-- The triggers for updated and deleted rows stay as they are.

DROP TRIGGER tag_value_insert;
DROP TRIGGER tag_recency_updated_insert;
DROP TRIGGER day_count_insert;

-- Tags written before their case.  All the case's rows at this point are
-- its tags: the C code files its field values after the INSERT into cases
-- has run.  So the tags' update order is filed with the update time the
-- case's JSON holds, which is the value the C code will file for it (the
-- first indexed member of the field's union).
DROP TRIGGER cases_search_insert_tags;
CREATE TRIGGER cases_search_insert_tags AFTER INSERT ON cases
WHEN EXISTS (SELECT 1 FROM tags WHERE arn = 'arn:aws:cases:' || NEW.region
             || ':' || NEW.account || ':domain/' || NEW.domain_id || '/case/'
             || NEW.case_id)
BEGIN
    INSERT INTO search_keys (account, region, domain_id, kind, name)
        SELECT NEW.account, NEW.region, NEW.domain_id, 1, t.key FROM tags t
        WHERE t.arn = 'arn:aws:cases:' || NEW.region || ':' || NEW.account
                      || ':domain/' || NEW.domain_id || '/case/' || NEW.case_id
        ON CONFLICT DO NOTHING;
    INSERT INTO case_values (case_seq, kkey, val)
        SELECT NEW.seq, k.kkey, t.value FROM tags t CROSS JOIN search_keys k
        WHERE t.arn = 'arn:aws:cases:' || NEW.region || ':' || NEW.account
                      || ':domain/' || NEW.domain_id || '/case/' || NEW.case_id
          AND k.account = NEW.account AND k.region = NEW.region
          AND k.domain_id = NEW.domain_id AND k.kind = 1 AND k.name = t.key
        ON CONFLICT DO NOTHING;
    INSERT INTO search_counts (kkey, val, n)
        SELECT v.kkey, v.val, 1
        FROM case_values v CROSS JOIN search_keys k ON k.kkey = v.kkey
        WHERE v.case_seq = NEW.seq AND k.kind = 1
        ON CONFLICT DO UPDATE SET n = n + 1;
    INSERT OR IGNORE INTO tagset_dirty (case_seq, kkey)
        SELECT v.case_seq, v.kkey
        FROM case_values v CROSS JOIN search_keys k ON k.kkey = v.kkey
        WHERE v.case_seq = NEW.seq AND k.kind = 1;
    INSERT INTO search_day_counts (kkey, day, n)
        SELECT v.kkey, substr(v.val, 1, 10), 1
        FROM case_values v CROSS JOIN search_keys k ON k.kkey = v.kkey
        WHERE v.case_seq = NEW.seq AND k.kind = 1 AND typeof(v.val) = 'text'
          AND v.val GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T*'
        ON CONFLICT DO UPDATE SET n = n + 1;
    INSERT INTO tag_recency (kkey, val, updated, case_seq)
        SELECT v.kkey, v.val, u.value, NEW.seq
        FROM case_values v CROSS JOIN search_keys k ON k.kkey = v.kkey
             CROSS JOIN (SELECT value FROM
                         json_each(NEW.fields, '$.last_updated_datetime')
                         WHERE key IN ('stringValue', 'doubleValue',
                                       'booleanValue', 'userArnValue')
                         ORDER BY id LIMIT 1) u
        WHERE v.case_seq = NEW.seq AND k.kind = 1 AND v.val IS NOT NULL
          AND typeof(u.value) = 'text'
          AND u.value GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T*'
        ON CONFLICT DO NOTHING;
END;

-- A tag put on a case.  The upsert at the end inserts a row unless the
-- case already has one under the key (then the triggers for updated rows
-- follow); the bookkeeping before it is for the inserted row only.
DROP TRIGGER tags_search_insert;
CREATE TRIGGER tags_search_insert AFTER INSERT ON tags
WHEN NEW.arn GLOB 'arn:*:cases:*:*:domain/*/case/*'
 AND NOT NEW.arn GLOB '*/case/*/*'
BEGIN
    INSERT INTO search_keys (account, region, domain_id, kind, name)
        SELECT account, region, domain_id, 1, key FROM search_case_tags
        WHERE arn = NEW.arn AND key = NEW.key
        ON CONFLICT DO NOTHING;
    INSERT INTO tag_recency (kkey, val, updated, case_seq)
        SELECT k.kkey, t.value, u.val, t.case_seq
        FROM search_case_tags t CROSS JOIN search_keys k
          ON k.account = t.account AND k.region = t.region
         AND k.domain_id = t.domain_id AND k.kind = 1 AND k.name = t.key
             CROSS JOIN search_updated_keys s ON s.kkey = k.kkey
             CROSS JOIN case_values u
               ON u.case_seq = t.case_seq AND u.kkey = s.updated_kkey
        WHERE t.arn = NEW.arn AND t.key = NEW.key
          AND NOT EXISTS (SELECT 1 FROM case_values c
                          WHERE c.case_seq = t.case_seq AND c.kkey = k.kkey)
        ON CONFLICT DO NOTHING;
    INSERT INTO search_counts (kkey, val, n)
        SELECT k.kkey, t.value, 1
        FROM search_case_tags t CROSS JOIN search_keys k
          ON k.account = t.account AND k.region = t.region
         AND k.domain_id = t.domain_id AND k.kind = 1 AND k.name = t.key
        WHERE t.arn = NEW.arn AND t.key = NEW.key
          AND NOT EXISTS (SELECT 1 FROM case_values c
                          WHERE c.case_seq = t.case_seq AND c.kkey = k.kkey)
        ON CONFLICT DO UPDATE SET n = n + 1;
    INSERT OR IGNORE INTO tagset_dirty (case_seq, kkey)
        SELECT t.case_seq, k.kkey
        FROM search_case_tags t CROSS JOIN search_keys k
          ON k.account = t.account AND k.region = t.region
         AND k.domain_id = t.domain_id AND k.kind = 1 AND k.name = t.key
        WHERE t.arn = NEW.arn AND t.key = NEW.key
          AND NOT EXISTS (SELECT 1 FROM case_values c
                          WHERE c.case_seq = t.case_seq AND c.kkey = k.kkey);
    INSERT INTO search_day_counts (kkey, day, n)
        SELECT k.kkey, substr(t.value, 1, 10), 1
        FROM search_case_tags t CROSS JOIN search_keys k
          ON k.account = t.account AND k.region = t.region
         AND k.domain_id = t.domain_id AND k.kind = 1 AND k.name = t.key
        WHERE t.arn = NEW.arn AND t.key = NEW.key
          AND typeof(t.value) = 'text'
          AND t.value GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T*'
          AND NOT EXISTS (SELECT 1 FROM case_values c
                          WHERE c.case_seq = t.case_seq AND c.kkey = k.kkey)
        ON CONFLICT DO UPDATE SET n = n + 1;
    INSERT INTO case_values (case_seq, kkey, val)
        SELECT t.case_seq, k.kkey, t.value
        FROM search_case_tags t CROSS JOIN search_keys k
          ON k.account = t.account AND k.region = t.region
         AND k.domain_id = t.domain_id AND k.kind = 1 AND k.name = t.key
        WHERE t.arn = NEW.arn AND t.key = NEW.key
        ON CONFLICT DO UPDATE SET val = excluded.val;
END;

-- An updated case.  Its changed values are deleted (the triggers for
-- deleted rows follow) and inserted again; a value that did not change
-- keeps its row, which the insert skips.  So the rows inserted are those
-- of the case's fields that have no row once the delete has run, one per
-- field: the first indexed member of its union.
--
-- The update time always changes, so its row is new and every tag of the
-- case is filed again under it (the delete took the old entries).  The
-- statement after the insert runs whether or not it is new: for a time
-- already filed it adds nothing.
DROP TRIGGER cases_search_update;
CREATE TRIGGER cases_search_update AFTER UPDATE OF fields ON cases BEGIN
    INSERT INTO case_fts_queue (op, rid, body)
        SELECT 'delete', OLD.seq, group_concat(v.value, ' ')
        FROM json_each(OLD.fields) f, json_each(f.value) v
        WHERE v.key IN ('stringValue', 'userArnValue');
    INSERT INTO case_fts_queue (op, rid, body)
        SELECT NULL, NEW.seq, group_concat(v.value, ' ')
        FROM json_each(NEW.fields) f, json_each(f.value) v
        WHERE v.key IN ('stringValue', 'userArnValue');
    UPDATE search_keys SET n = n - 1 WHERE kind <> 1 AND kkey IN
        (SELECT kkey FROM case_values WHERE case_seq = OLD.seq);
    DELETE FROM case_values WHERE case_seq = OLD.seq AND kkey IN (
        SELECT k.kkey FROM json_each(OLD.fields) f, search_keys k
        WHERE k.account = OLD.account AND k.region = OLD.region
          AND k.domain_id = OLD.domain_id AND k.kind = 0 AND k.name = f.key
          AND NOT EXISTS (SELECT 1 FROM json_each(NEW.fields) g
                          WHERE g.key = f.key AND g.value = f.value));
    INSERT INTO search_keys (account, region, domain_id, kind, name)
        SELECT NEW.account, NEW.region, NEW.domain_id, 0, f.key
        FROM json_each(NEW.fields) f WHERE true
        ON CONFLICT DO NOTHING;
    INSERT INTO search_day_counts (kkey, day, n)
        SELECT k.kkey, substr(v.value, 1, 10), 1
        FROM json_each(NEW.fields) f CROSS JOIN json_each(f.value) v
             CROSS JOIN search_keys k
        WHERE v.key IN ('stringValue', 'doubleValue', 'booleanValue',
                        'userArnValue')
          AND NOT EXISTS (SELECT 1 FROM json_each(f.value) w
                          WHERE w.id < v.id
                            AND w.key IN ('stringValue', 'doubleValue',
                                          'booleanValue', 'userArnValue'))
          AND typeof(v.value) = 'text'
          AND v.value GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T*'
          AND k.account = NEW.account AND k.region = NEW.region
          AND k.domain_id = NEW.domain_id AND k.kind = 0 AND k.name = f.key
          AND NOT EXISTS (SELECT 1 FROM case_values c
                          WHERE c.case_seq = NEW.seq AND c.kkey = k.kkey)
        ON CONFLICT DO UPDATE SET n = n + 1;
    INSERT INTO case_values (case_seq, kkey, val)
        SELECT NEW.seq, k.kkey, v.value
        FROM json_each(NEW.fields) f CROSS JOIN json_each(f.value) v
             CROSS JOIN search_keys k
        WHERE v.key IN ('stringValue', 'doubleValue', 'booleanValue',
                        'userArnValue')
          AND k.account = NEW.account AND k.region = NEW.region
          AND k.domain_id = NEW.domain_id AND k.kind = 0 AND k.name = f.key
        ON CONFLICT DO NOTHING;
    UPDATE search_keys SET n = n + 1 WHERE kind <> 1 AND kkey IN
        (SELECT kkey FROM case_values WHERE case_seq = NEW.seq);
    INSERT INTO tag_recency (kkey, val, updated, case_seq)
        SELECT v.kkey, v.val, u.val, NEW.seq
        FROM search_keys uk CROSS JOIN case_values u
               ON u.case_seq = NEW.seq AND u.kkey = uk.kkey
             CROSS JOIN case_values v ON v.case_seq = NEW.seq
             CROSS JOIN search_keys k ON k.kkey = v.kkey
        WHERE uk.account = NEW.account AND uk.region = NEW.region
          AND uk.domain_id = NEW.domain_id AND uk.kind = 0
          AND uk.name = 'last_updated_datetime'
          AND typeof(u.val) = 'text'
          AND u.val GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T*'
          AND k.kind = 1 AND v.val IS NOT NULL
        ON CONFLICT DO NOTHING;
END;
