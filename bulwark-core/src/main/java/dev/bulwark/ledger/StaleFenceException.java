package dev.bulwark.ledger;

import dev.bulwark.BulwarkException;

/** A completion whose claim is no longer current (the item was reclaimed): it is rejected, nothing is written. */
public class StaleFenceException extends BulwarkException {
    public StaleFenceException(String message) {
        super(message);
    }
}
