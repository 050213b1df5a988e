package dev.bulwark.util;

/**
 * The path parts of an item's key that the placeholders {@code {/}}, {@code {.}}, {@code {/.}} and
 * {@code {//}} stand for, by GNU parallel's rules: shared by command templates and scope templates.
 */
public final class KeyParts {
    private KeyParts() {
    }

    /** {@code {/}}: the text after the last {@code /} ({@code s:.*\/::}). */
    public static String basename(String key) {
        int slash = key.lastIndexOf('/');
        return slash < 0 ? key : key.substring(slash + 1);
    }

    /** {@code {.}}: without a last {@code .ext} when {@code ext} is not empty and has no {@code /} ({@code s:\.[^/.]+$::}). */
    public static String removeExtension(String key) {
        int dot = key.lastIndexOf('.');
        if (dot < 0 || dot == key.length() - 1 || key.indexOf('/', dot) >= 0) {
            return key;
        }
        return key.substring(0, dot);
    }

    /** {@code {//}}: Perl's {@code File::Basename::dirname} on Unix; {@code .} when the key has no directory. */
    public static String dirname(String key) {
        int slash = key.lastIndexOf('/');
        String dir = slash < 0 ? "./" : key.substring(0, slash + 1);
        boolean noBase = slash == key.length() - 1;
        dir = stripTrailingSlashes(dir);
        if (noBase) {
            // like fileparse() again on the directory: "a/b/" -> "a", "a/" -> ".", "/" -> "/"
            slash = dir.lastIndexOf('/');
            dir = stripTrailingSlashes(slash < 0 ? "./" : dir.substring(0, slash + 1));
        }
        return dir;
    }

    /** Perl's {@code s{(.)/*\z}{$1}s}: drops trailing slashes but keeps the first character. */
    private static String stripTrailingSlashes(String dir) {
        int end = dir.length();
        while (end > 1 && dir.charAt(end - 1) == '/') {
            end--;
        }
        return dir.substring(0, end);
    }
}
