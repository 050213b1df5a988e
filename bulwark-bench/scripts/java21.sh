# java21.sh — sourced by the bench scripts: sets JAVA to a JDK 21+ bin/java (JAVA if set, else
# java on PATH, JAVA_HOME, then the newest of the usual install folder), or exits 2 saying so.
# Usage: . "$(dirname "$0")/java21.sh" SCRIPT-NAME
java_major() { "$1" -version 2>&1 | sed -n '1s/.*version "\([0-9]*\).*/\1/p'; }
if [[ -z ${JAVA:-} ]]; then
    for candidate in "$(command -v java || true)" "${JAVA_HOME:+$JAVA_HOME/bin/java}" $(ls -d /usr/lib/jvm/*/bin/java 2>/dev/null | sort -rV); do
        if [[ -x $candidate ]] && (($(java_major "$candidate") >= 21)); then JAVA=$candidate; break; fi
    done
fi
[[ -n ${JAVA:-} ]] || { echo "${1:-bench}: no Java 21+ found; set JAVA to a JDK 21+ bin/java" >&2; exit 2; }
