# Sourced by examples/*/run.sh: `example_work NAME` moves to the repository root and empties
# the example's work directory ($WORK, else bulwark-examples/target/NAME) into $work;
# `run_example CLASS ARGS...` finds a Java 21+, builds the examples jar when it is missing or
# older than any source, and runs one example's main class.
# Needs Maven and a JDK 21+ (the same as the ./bulwark launcher).

EXAMPLES_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
EXAMPLES_JAR=$EXAMPLES_ROOT/bulwark-examples/target/bulwark-examples.jar

# Prints the path of a java binary whose major version is 21 or more; empty when none is found.
examples_java() {
    local candidate version
    for candidate in "${BULWARK_JAVA:-}" "${JAVA_HOME:+$JAVA_HOME/bin/java}" "$(command -v java 2>/dev/null)" \
        /usr/lib/jvm/*/bin/java /opt/java/*/bin/java; do
        [[ -n $candidate && -x $candidate ]] || continue
        version=$("$candidate" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
        if [[ $version =~ ^[0-9]+$ ]] && ((version >= 21)); then
            printf '%s\n' "$candidate"
            return 0
        fi
    done
}

examples_build() {
    if [[ -f $EXAMPLES_JAR ]] && [[ -z $(find "$EXAMPLES_ROOT"/bulwark-*/src "$EXAMPLES_ROOT"/pom.xml \
        "$EXAMPLES_ROOT"/bulwark-*/pom.xml -newer "$EXAMPLES_JAR" -print -quit 2>/dev/null) ]]; then
        return 0
    fi
    echo "examples: building the examples jar ..." >&2
    (cd "$EXAMPLES_ROOT" && mvn -B -q -Dstyle.color=never -pl bulwark-examples -am package -DskipTests) >&2 || {
        echo "examples: the build failed" >&2
        return 70
    }
    # Maven leaves a jar whose classes did not change untouched (a test source may be newer).
    touch "$EXAMPLES_JAR"
}

run_example() {
    local java
    java=$(examples_java)
    if [[ -z $java ]]; then
        echo "examples: needs a JDK 21 or newer; set JAVA_HOME or BULWARK_JAVA to one" >&2
        return 69
    fi
    examples_build || return $?
    "$java" --enable-native-access=ALL-UNNAMED -cp "$EXAMPLES_JAR" "$@"
}

example_work() {
    cd "$EXAMPLES_ROOT"
    work=${WORK:-bulwark-examples/target/$1}
    rm -rf "$work"
}
