-- Kept counts for SearchCases totals: how many cases of a domain hold each
-- option of a SingleSelect field (status and the like).  Those are the
-- filters that match a large share of a domain, whose totalCount would
-- otherwise take a scan of the whole value range on every page.
--
-- A row exists from the first case holding the value on and is exact from
-- then on, since values of these fields are always options when written;
-- the search reads a count only where a row exists.
CREATE TABLE search_counts (
    kkey INTEGER NOT NULL,  -- search_keys.kkey of the field
    val  TEXT    NOT NULL,
    n    INTEGER NOT NULL,
    PRIMARY KEY (kkey, val)
) WITHOUT ROWID;

-- The triggers read the case's JSON rather than case_values, and create
-- the field's search key themselves, so they are right whichever of the
-- triggers on cases SQLite happens to run first.

CREATE TRIGGER cases_count_insert AFTER INSERT ON cases BEGIN
    INSERT INTO search_keys (account, region, domain_id, kind, name)
        SELECT NEW.account, NEW.region, NEW.domain_id, 0, f.key
        FROM json_each(NEW.fields) f WHERE true
        ON CONFLICT DO NOTHING;
    INSERT INTO search_counts (kkey, val, n)
        SELECT k.kkey, v.value, 1
        FROM json_each(NEW.fields) f CROSS JOIN json_each(f.value) v
             CROSS JOIN search_keys k
        WHERE v.key = 'stringValue'
          AND k.account = NEW.account AND k.region = NEW.region
          AND k.domain_id = NEW.domain_id AND k.kind = 0 AND k.name = f.key
          AND EXISTS (SELECT 1 FROM field_options o
                      WHERE o.account = NEW.account AND o.region = NEW.region
                        AND o.domain_id = NEW.domain_id
                        AND o.field_id = f.key AND o.value = v.value)
        ON CONFLICT DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER cases_count_update AFTER UPDATE OF fields ON cases BEGIN
    UPDATE search_counts SET n = n - 1 WHERE (kkey, val) IN (
        SELECT k.kkey, v.value
        FROM json_each(OLD.fields) f CROSS JOIN json_each(f.value) v
             CROSS JOIN search_keys k
        WHERE v.key = 'stringValue'
          AND k.account = OLD.account AND k.region = OLD.region
          AND k.domain_id = OLD.domain_id AND k.kind = 0 AND k.name = f.key);
    INSERT INTO search_keys (account, region, domain_id, kind, name)
        SELECT NEW.account, NEW.region, NEW.domain_id, 0, f.key
        FROM json_each(NEW.fields) f WHERE true
        ON CONFLICT DO NOTHING;
    INSERT INTO search_counts (kkey, val, n)
        SELECT k.kkey, v.value, 1
        FROM json_each(NEW.fields) f CROSS JOIN json_each(f.value) v
             CROSS JOIN search_keys k
        WHERE v.key = 'stringValue'
          AND k.account = NEW.account AND k.region = NEW.region
          AND k.domain_id = NEW.domain_id AND k.kind = 0 AND k.name = f.key
          AND EXISTS (SELECT 1 FROM field_options o
                      WHERE o.account = NEW.account AND o.region = NEW.region
                        AND o.domain_id = NEW.domain_id
                        AND o.field_id = f.key AND o.value = v.value)
        ON CONFLICT DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER cases_count_delete AFTER DELETE ON cases BEGIN
    UPDATE search_counts SET n = n - 1 WHERE (kkey, val) IN (
        SELECT k.kkey, v.value
        FROM json_each(OLD.fields) f CROSS JOIN json_each(f.value) v
             CROSS JOIN search_keys k
        WHERE v.key = 'stringValue'
          AND k.account = OLD.account AND k.region = OLD.region
          AND k.domain_id = OLD.domain_id AND k.kind = 0 AND k.name = f.key);
END;

-- Cases that existed before this migration.
INSERT INTO search_counts (kkey, val, n)
    SELECT v.kkey, v.val, count(*)
    FROM case_values v CROSS JOIN search_keys k ON k.kkey = v.kkey
    WHERE k.kind = 0 AND typeof(v.val) = 'text'
      AND EXISTS (SELECT 1 FROM field_options o
                  WHERE o.account = k.account AND o.region = k.region
                    AND o.domain_id = k.domain_id AND o.field_id = k.name
                    AND o.value = v.val)
    GROUP BY v.kkey, v.val;
