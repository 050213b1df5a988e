package dev.bulwark;

/** A status change that the transition table does not allow. */
public class InvalidTransitionException extends BulwarkException {
    private final String from;
    private final String to;

    public InvalidTransitionException(String what, String from, String to) {
        super(what + " cannot change from " + from + " to " + to);
        this.from = from;
        this.to = to;
    }

    public String from() {
        return from;
    }

    public String to() {
        return to;
    }
}
