#!/usr/bin/env bash
# Fetch the Spark jars listed in jars.txt into .cache/jars (idempotent, checksum-verified).
# Maven resolves each artifact alone (no transitive deps: pyspark already ships the rest).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="$root/.cache/jars"
lock="$root/jars.sha256"
mkdir -p "$dest"
command -v mvn >/dev/null || { echo "fetch_jars: mvn not found; install Maven (apt-get install maven)" >&2; exit 1; }
while read -r coord _; do
  [[ -z "$coord" || "$coord" == \#* ]] && continue
  IFS=: read -r group artifact version <<<"$coord"
  jar="$artifact-$version.jar"
  if [[ ! -s "$dest/$jar" ]]; then
    echo "fetch_jars: $coord"
    mvn -q -B -Dstyle.color=never dependency:copy -Dartifact="$coord:jar" -DoutputDirectory="$dest" -Dmdep.overWriteIfNewer=true >/dev/null \
      || { echo "fetch_jars: could not download $coord from Maven Central" >&2; exit 1; }
  fi
done <"$root/jars.txt"
# Verify every jar against the committed checksums, once: hashing them (~330 MB) took ~1.2 s of every make
# target. The stamp holds the lock's checksum; a new lock, or a jar written after the stamp, verifies again.
stamp="$dest/.verified"
lock_sum="$(sha256sum <"$lock")"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$lock_sum" && -z "$(cd "$dest" && find $(awk '{print $2}' "$lock") -newer "$stamp" 2>&1)" ]]; then
  echo "fetch_jars: $(grep -c . "$lock") jars verified in $dest (unchanged since $(date -r "$stamp" +%F))"
  exit 0
fi
(cd "$dest" && sha256sum --quiet -c "$lock") || { echo "fetch_jars: checksum mismatch in $dest (delete it and re-run make setup)" >&2; exit 1; }
echo "$lock_sum" >"$stamp"
echo "fetch_jars: $(grep -c . "$lock") jars verified in $dest"
