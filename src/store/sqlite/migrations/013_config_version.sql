-- A number that every committed change to the configuration a case write
-- is checked against (records: domains, fields, templates, case rules and
-- the rest; field options) raises.
--
-- CreateCase checks its request against a read snapshot before it joins
-- the single writer's batch, and inside the batch only compares this
-- number with the one its snapshot saw (store_config_version): equal
-- numbers mean the same configuration, so the check still holds.  The
-- triggers raise it in the transaction that makes the change, so a change
-- that rolls back takes its raise with it, and a committed number is
-- never given to two configurations.
INSERT INTO meta (key, value) VALUES ('config_version', 0);

CREATE TRIGGER records_version_insert AFTER INSERT ON records BEGIN
    UPDATE meta SET value = value + 1 WHERE key = 'config_version';
END;
CREATE TRIGGER records_version_update AFTER UPDATE ON records BEGIN
    UPDATE meta SET value = value + 1 WHERE key = 'config_version';
END;
CREATE TRIGGER records_version_delete AFTER DELETE ON records BEGIN
    UPDATE meta SET value = value + 1 WHERE key = 'config_version';
END;
CREATE TRIGGER options_version_insert AFTER INSERT ON field_options BEGIN
    UPDATE meta SET value = value + 1 WHERE key = 'config_version';
END;
CREATE TRIGGER options_version_update AFTER UPDATE ON field_options BEGIN
    UPDATE meta SET value = value + 1 WHERE key = 'config_version';
END;
CREATE TRIGGER options_version_delete AFTER DELETE ON field_options BEGIN
    UPDATE meta SET value = value + 1 WHERE key = 'config_version';
END;
