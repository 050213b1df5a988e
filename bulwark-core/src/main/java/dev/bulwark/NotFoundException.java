package dev.bulwark;

/** A job or item that the ledger does not hold. */
public class NotFoundException extends BulwarkException {
    public NotFoundException(String message) {
        super(message);
    }
}
