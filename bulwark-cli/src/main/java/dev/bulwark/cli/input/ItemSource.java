package dev.bulwark.cli.input;

import dev.bulwark.Engine.ItemSpec;
import java.util.Iterator;
import java.util.Map;

/**
 * Where the items of a {@code bulwark run} come from. A source can be read more than once: the
 * command reads it first to validate and count it (so bad input is refused before anything runs),
 * then again to stream it into the ledger. Neither pass holds the whole input in memory.
 */
public interface ItemSource {

    /** How the job's configuration snapshot records this input (for the audit trail). */
    Map<String, String> describe();

    /** A short name for the job when none is given. */
    String defaultName();

    /** Opens a fresh pass over the items; the iterator throws {@code ValidationException} on bad input. */
    Cursor open();

    /** One pass over the items. */
    interface Cursor extends Iterator<ItemSpec>, AutoCloseable {
        @Override
        void close();
    }

    /** This source with every item passed through {@code mapping} (which may refuse one with a ValidationException). */
    static ItemSource mapped(ItemSource source, java.util.function.UnaryOperator<ItemSpec> mapping) {
        return new ItemSource() {
            @Override
            public Map<String, String> describe() {
                return source.describe();
            }

            @Override
            public String defaultName() {
                return source.defaultName();
            }

            @Override
            public Cursor open() {
                Cursor inner = source.open();
                return new Cursor() {
                    @Override
                    public boolean hasNext() {
                        return inner.hasNext();
                    }

                    @Override
                    public ItemSpec next() {
                        return mapping.apply(inner.next());
                    }

                    @Override
                    public void close() {
                        inner.close();
                    }
                };
            }
        };
    }
}
