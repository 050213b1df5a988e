-- What a handler returned for an item that succeeded (the Java API's typed results, as JSON),
-- written with the item's SUCCEEDED outcome and kept when it is compensated. NULL for none.
-- At most 8 KiB of UTF-8 (AttemptResult.MAX_RESULT_BYTES); the engine fails an item with a
-- larger result before anything reaches the ledger.
ALTER TABLE items ADD COLUMN result text;
