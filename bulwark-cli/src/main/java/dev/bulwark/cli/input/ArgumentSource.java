package dev.bulwark.cli.input;

import dev.bulwark.Engine.ItemSpec;
import dev.bulwark.ValidationException;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/** Items given on the command line after {@code :::} (GNU parallel's habit): one item per argument, in order. */
public final class ArgumentSource implements ItemSource {
    private final List<String> arguments;

    public ArgumentSource(List<String> arguments) {
        for (int i = 0; i < arguments.size(); i++) {
            String a = arguments.get(i);
            ValidationException.require(!a.isEmpty(), "argument " + (i + 1) + " after ::: is empty; every argument there is an item");
            ValidationException.require(a.indexOf('\0') < 0, "argument " + (i + 1) + " after ::: contains a NUL character");
        }
        this.arguments = List.copyOf(arguments);
    }

    @Override
    public Map<String, String> describe() {
        return Map.of("type", "arguments", "count", Integer.toString(arguments.size()));
    }

    @Override
    public String defaultName() {
        return "arguments";
    }

    @Override
    public Cursor open() {
        return new Cursor() {
            private int next;

            @Override
            public boolean hasNext() {
                return next < arguments.size();
            }

            @Override
            public ItemSpec next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return ItemSpec.of(arguments.get(next++));
            }

            @Override
            public void close() {
                // nothing held
            }
        };
    }
}
