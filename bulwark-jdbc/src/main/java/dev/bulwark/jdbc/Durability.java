package dev.bulwark.jdbc;

/**
 * How hard the SQLite ledger works to keep committed outcomes through a crash, as SQLite's
 * {@code synchronous} setting in WAL mode.
 */
public enum Durability {
    /**
     * Survives a crash of the process; the last transactions may be lost if the machine loses
     * power. The default: it syncs only at checkpoints, which is what makes high throughput possible.
     */
    NORMAL,
    /** Also survives power loss: every commit waits for the disk to sync the log. */
    FULL;

    /** The value of SQLite's {@code PRAGMA synchronous} for this durability. */
    public String pragmaValue() {
        return name();
    }
}
