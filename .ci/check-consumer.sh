#!/usr/bin/env bash
# Publishes Bulwark with `mvn -Ppublish install` (sources and javadoc jars included) into a fresh
# temporary local repository, then builds examples/consumer — a separate project that imports
# bulwark-bom and uses bulwark-jdbc — against it. Third-party artifacts come from the normal local
# repository, read as a file:// remote (so nothing is downloaded twice), else from Maven Central.
# Bulwark's own artifacts can only come from what this install published.
# Usage: .ci/check-consumer.sh
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
seed=${MAVEN_SEED_REPO:-$HOME/.m2/repository}
work=$(mktemp -d "${TMPDIR:-/tmp}/bulwark-consumer.XXXXXX")
trap 'rm -rf "$work"' EXIT

cat >"$work/settings.xml" <<SETTINGS
<settings>
  <profiles>
    <profile>
      <id>seed</id>
      <repositories><repository><id>seed</id><url>file://$seed</url></repository></repositories>
      <pluginRepositories><pluginRepository><id>seed</id><url>file://$seed</url></pluginRepository></pluginRepositories>
    </profile>
  </profiles>
  <activeProfiles><activeProfile>seed</activeProfile></activeProfiles>
</settings>
SETTINGS
mvn_isolated() {
    mvn -B -q -s "$work/settings.xml" -Dmaven.repo.local="$work/repository" "$@"
}

cd "$root"
# The project's version: the first two-space-indented <version> of the parent pom.
version=$(sed -n 's|^  <version>\(.*\)</version>$|\1|p' pom.xml | head -1)

# The library modules and the BOM (the command line, server, release archive and benchmarks are
# not needed by a library user, and the full build already ran them).
modules=bulwark-bom,bulwark-core,bulwark-jdbc
echo "check-consumer: mvn -Ppublish install of $modules $version into a temporary repository"
mvn_isolated -Ppublish install -DskipTests -pl "$modules" -am

published=$work/repository/dev/bulwark
for artifact in bulwark-bom bulwark-core bulwark-jdbc; do
    [[ -d $published/$artifact/$version ]] || { echo "check-consumer: $artifact $version was not installed" >&2; exit 1; }
done
for artifact in bulwark-core bulwark-jdbc; do
    for classifier in sources javadoc; do
        compgen -G "$published/$artifact/$version/$artifact-*-$classifier.jar" >/dev/null ||
            { echo "check-consumer: no $classifier jar for $artifact" >&2; exit 1; }
    done
done

echo "check-consumer: building examples/consumer against it"
cp -r "$root/examples/consumer" "$work/consumer"
(cd "$work/consumer" && mvn_isolated -Dbulwark.version="$version" verify)
echo "check-consumer: OK (bulwark-bom, bulwark-core, bulwark-jdbc $version from the published artifacts; SQLite only)"
