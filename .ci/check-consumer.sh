#!/usr/bin/env bash
# Publishes Bulwark with `mvn -Ppublish install` (sources and javadoc jars included) into a fresh
# temporary local repository, then builds two separate projects against it: examples/consumer
# (imports bulwark-bom, uses bulwark-jdbc with SQLite alone) and examples/spring-boot (a Spring Boot
# application on bulwark-spring-boot-starter, started by its test). Third-party artifacts come from the normal local
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

# The library modules, the starter and the BOM (the command line, server, release archive and benchmarks are
# not needed by a library user, and the full build already ran them).
modules=bulwark-bom,bulwark-core,bulwark-jdbc,bulwark-metrics,bulwark-spring-boot-starter
echo "check-consumer: mvn -Ppublish install of $modules $version into a temporary repository"
mvn_isolated -Ppublish install -DskipTests -pl "$modules" -am

published=$work/repository/dev/bulwark
for artifact in bulwark-bom bulwark-core bulwark-jdbc bulwark-metrics bulwark-spring-boot-starter; do
    [[ -d $published/$artifact/$version ]] || { echo "check-consumer: $artifact $version was not installed" >&2; exit 1; }
done
for artifact in bulwark-core bulwark-jdbc bulwark-metrics bulwark-spring-boot-starter; do
    for classifier in sources javadoc; do
        compgen -G "$published/$artifact/$version/$artifact-*-$classifier.jar" >/dev/null ||
            { echo "check-consumer: no $classifier jar for $artifact" >&2; exit 1; }
    done
done

# Each project is copied out of the clone first, so nothing of the source tree can leak in.
for project in consumer spring-boot; do
    echo "check-consumer: building examples/$project against it"
    cp -r "$root/examples/$project" "$work/$project"
    rm -rf "$work/$project/target"
    (cd "$work/$project" && mvn_isolated -Dbulwark.version="$version" verify)
done
echo "check-consumer: OK ($modules $version from the published artifacts: a SQLite-only project and a Spring Boot application)"
