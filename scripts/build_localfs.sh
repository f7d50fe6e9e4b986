#!/usr/bin/env bash
# Build .cache/jars/lakehouse-localfs.jar (lakehouse_local/jvm: Hadoop's local file system without a
# process per call, see NioLocalFileSystem.java) against the venv's pyspark Hadoop jar.
# Idempotent: rebuilt only when the Java source changes.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
src="$root/lakehouse_local/jvm"
dest="$root/.cache/jars"
jar="$dest/lakehouse-localfs.jar"
stamp="$jar.sha256"
sum="$(cat "$src"/*.java | sha256sum | cut -d' ' -f1)"
if [[ -s "$jar" && -f "$stamp" && "$(cat "$stamp")" == "$sum" ]]; then
  exit 0
fi
hadoop="$(ls "$root"/.venv/lib/python3*/site-packages/pyspark/jars/hadoop-client-api-*.jar 2>/dev/null | head -1)"
[[ -n "$hadoop" ]] || { echo "build_localfs: pyspark's hadoop-client-api jar not found in .venv (run make venv)" >&2; exit 1; }
command -v javac >/dev/null || { echo "build_localfs: javac not found; install a JDK 17 (apt-get install openjdk-17-jdk-headless)" >&2; exit 1; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
javac --release 17 -Xlint:all -Werror -cp "$hadoop" -d "$tmp/classes" "$src"/*.java
mkdir -p "$dest"
jar cf "$tmp/out.jar" -C "$tmp/classes" .
mv "$tmp/out.jar" "$jar"
echo "$sum" >"$stamp"
echo "build_localfs: built $jar"
