#!/usr/bin/env bash
# Checks the release archive the way a user gets it: unpacked into a temporary folder, far from
# the source tree, with a `mvn` on PATH that fails if anything calls it. Runs bin/bulwark --version,
# a small real job (three files, one command per file), the completion script and a man page.
# Usage: .ci/check-release.sh [ARCHIVE]   (default: bulwark-dist/target/bulwark-*.tar.gz; run after mvn package)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
archive=${1:-}
if [[ -z $archive ]]; then
    shopt -s nullglob
    found=("$root"/bulwark-dist/target/bulwark-*.tar.gz)
    shopt -u nullglob
    ((${#found[@]} == 1)) || { echo "check-release: expected one bulwark-dist/target/bulwark-*.tar.gz, found ${#found[@]}; run mvn -B package first" >&2; exit 1; }
    archive=${found[0]}
fi
zip=${archive%.tar.gz}.zip
[[ -f $zip ]] || { echo "check-release: $zip is missing (the .zip is built with the .tar.gz)" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/bulwark-release.XXXXXX")
trap 'rm -rf "$work"' EXIT
fail() { echo "check-release: $*" >&2; exit 1; }

tar -xzf "$archive" -C "$work"
dist=$(echo "$work"/bulwark-*/)
dist=${dist%/}
for path in bin/bulwark lib/bulwark.jar completion/bulwark.bash completion/bulwark.zsh man/man1/bulwark.1 man/man1/bulwark-run.1 README.md LICENSE; do
    [[ -e $dist/$path ]] || fail "the archive lacks $path"
done
[[ -x $dist/bin/bulwark ]] || fail "bin/bulwark is not executable"
# The zip holds the same entries.
diff <(tar -tzf "$archive" | grep -v '/$' | sort) <(unzip -Z1 "$zip" | grep -v '/$' | sort) >/dev/null ||
    fail "the .zip and the .tar.gz do not hold the same files"

# No Maven, no source tree: a mvn that fails, first on PATH; the work folder is outside the clone.
mkdir "$work/no-maven"
printf '#!/bin/sh\necho "mvn must not be needed by a release" >&2\nexit 99\n' >"$work/no-maven/mvn"
chmod +x "$work/no-maven/mvn"
export PATH="$work/no-maven:$PATH"
cd "$work"

version=$("$dist/bin/bulwark" --version)
echo "$version"
[[ $version =~ ^bulwark\ [0-9][^\ ]*\ \(commit\ ([0-9a-f]{7,}|unknown), ]] || fail "unexpected --version: $version"

mkdir in out
printf 'one\n' >in/a.txt
printf 'two\n' >in/b.txt
printf 'three\n' >in/c.txt
"$dist/bin/bulwark" run --home "$work/home" --input in --quiet -- cp {} "$work/out/{/}" ||
    fail "the job did not complete (exit $?)"
for name in a b c; do
    cmp -s "in/$name.txt" "out/$name.txt" || fail "the job did not copy $name.txt"
done
"$dist/bin/bulwark" list --home "$work/home" | grep -q COMPLETED || fail "bulwark list shows no COMPLETED job"

bash -c "source '$dist/completion/bulwark.bash' && complete -p bulwark" >/dev/null || fail "the bash completion does not register"
grep -q '^\.TH "BULWARK\\-RUN" "1"' "$dist/man/man1/bulwark-run.1" || fail "bulwark-run.1 is not a man page"
echo "check-release: $(basename "$archive") OK (unpacked, --version, a 3-item job, completion, man pages; no Maven)"
