-- Kept counts of timestamp values per day, for the totals of range filters.
--
-- A range on created_datetime or another DateTime field ("since the 1st of
-- last month") matches a large share of a domain, and counting its matches
-- from case_values reads every one of them on every page.  Values the
-- server writes for DateTime fields are ISO-8601 in UTC with milliseconds,
-- so their first ten characters are the day and strings order like time.
-- A range count is then the kept counts of the days wholly inside the
-- range plus the rows of the one day its bound falls in.
--
-- Only text values that start with a date are counted, under whatever key
-- holds them.  A search uses a key's counts only when they add up to the
-- key's number of values (search_keys.n), that is when every value of the
-- key is counted; see count_from_days in sqlite_search.c.
CREATE TABLE search_day_counts (
    kkey INTEGER NOT NULL,  -- search_keys.kkey
    day  TEXT    NOT NULL,  -- the value's first ten characters
    n    INTEGER NOT NULL,
    PRIMARY KEY (kkey, day)
) WITHOUT ROWID;

CREATE TRIGGER day_count_insert AFTER INSERT ON case_values
WHEN typeof(NEW.val) = 'text'
 AND NEW.val GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T*'
BEGIN
    INSERT INTO search_day_counts (kkey, day, n)
        VALUES (NEW.kkey, substr(NEW.val, 1, 10), 1)
        ON CONFLICT DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER day_count_delete AFTER DELETE ON case_values
WHEN typeof(OLD.val) = 'text'
 AND OLD.val GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T*'
BEGIN
    UPDATE search_day_counts SET n = n - 1
    WHERE kkey = OLD.kkey AND day = substr(OLD.val, 1, 10);
END;

-- Field values are replaced by delete and insert; tag values are updated.
CREATE TRIGGER day_count_update AFTER UPDATE OF val ON case_values
WHEN OLD.val IS NOT NEW.val
 AND ((typeof(OLD.val) = 'text'
       AND OLD.val GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T*')
   OR (typeof(NEW.val) = 'text'
       AND NEW.val GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T*'))
BEGIN
    UPDATE search_day_counts SET n = n - 1
    WHERE kkey = OLD.kkey AND day = substr(OLD.val, 1, 10)
      AND typeof(OLD.val) = 'text'
      AND OLD.val GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T*';
    INSERT INTO search_day_counts (kkey, day, n)
        SELECT NEW.kkey, substr(NEW.val, 1, 10), 1
        WHERE typeof(NEW.val) = 'text'
          AND NEW.val GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T*'
        ON CONFLICT DO UPDATE SET n = n + 1;
END;

-- Values that existed before this migration.
INSERT INTO search_day_counts (kkey, day, n)
    SELECT kkey, substr(val, 1, 10), count(*) FROM case_values
    WHERE typeof(val) = 'text'
      AND val GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T*'
    GROUP BY kkey, substr(val, 1, 10);
