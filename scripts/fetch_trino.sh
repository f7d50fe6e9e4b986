#!/usr/bin/env bash
# Fetch Trino (server + CLI) from Maven Central into .cache/trino (idempotent).
# Trino runs the Athena SQL locally (Athena engine v3 is built on Trino). Only lib/ and the
# delta-lake plugin are kept (~1/2 of the 821 MB tarball); the server is started by the test
# harness (lakehouse_local/engines/trino.py) with a JDK 24+ (TRINO_JAVA or Temurin 25).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
version="${TRINO_VERSION:-476}"
dest="$root/.cache/trino"
server="$dest/trino-server-$version"
cli="$dest/trino-cli-$version-executable.jar"
command -v mvn >/dev/null || { echo "fetch_trino: mvn not found; install Maven (apt-get install maven)" >&2; exit 1; }
mkdir -p "$dest"
if [[ ! -f "$server/.complete" ]]; then
  echo "fetch_trino: io.trino:trino-server:$version:tar.gz (~821 MB, once; Maven caches it)"
  tmp="$(mktemp -d "$dest/tmp.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  mvn -q -B -Dstyle.color=never dependency:copy -Dartifact="io.trino:trino-server:$version:tar.gz" -DoutputDirectory="$tmp" >/dev/null \
    || { echo "fetch_trino: could not download io.trino:trino-server:$version from Maven Central" >&2; exit 1; }
  rm -rf "$server"
  # The tarball shares jars between plugins as hard links: unpack it whole, then trim.
  tar -xzf "$tmp/trino-server-$version.tar.gz" -C "$tmp"
  rm -f "$tmp/trino-server-$version.tar.gz"
  mkdir -p "$server/plugin"
  mv "$tmp/trino-server-$version/lib" "$server/lib"
  mv "$tmp/trino-server-$version/plugin/delta-lake" "$server/plugin/delta-lake"
  rm -rf "$tmp"
  trap - EXIT
  touch "$server/.complete"
fi
if [[ ! -s "$cli" ]]; then
  echo "fetch_trino: io.trino:trino-cli:$version:jar:executable"
  mvn -q -B -Dstyle.color=never dependency:copy -Dartifact="io.trino:trino-cli:$version:jar:executable" -DoutputDirectory="$dest" >/dev/null \
    || { echo "fetch_trino: could not download io.trino:trino-cli:$version from Maven Central" >&2; exit 1; }
  chmod +x "$cli"
fi
echo "fetch_trino: Trino $version in $server ($(du -sh "$server" | cut -f1)), CLI $cli"
