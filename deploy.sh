#!/usr/bin/env bash
# Deploy the lakehouse with Terraform, then load Redshift.
#
#   ./deploy.sh plan    [env]   build the package zip, fetch jars, terraform plan
#   ./deploy.sh apply   [env]   ... plan, apply that plan, run redshift_sql/ (Redshift Data API)
#   ./deploy.sh destroy [env]   terraform destroy (asks for confirmation unless AUTO_APPROVE=1)
#   ./deploy.sh sql     [env]   only run redshift_sql/ against the deployed workgroup
#
# env is a file in terraform/envs/ (dev, prod, emulator; default dev); each env has its own
# Terraform workspace. The emulator env needs LAKEHOUSE_EMULATOR_ENDPOINT (a moto server on
# loopback, e.g. http://127.0.0.1:5000) and uses fake credentials.
#
# Environment: AUTO_APPROVE=1 (destroy without prompt), SKIP_BUILD=1 (reuse dist/ and
# .cache/jars), SQL_TIMEOUT_SECONDS (per statement, default 900), TF_PLUGIN_DIR (provider
# mirror, default /opt/tf-plugins when it exists).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TF_DIR="$ROOT/terraform"
SQL_DIR="$ROOT/redshift_sql"

die() { echo "deploy: $*" >&2; exit 1; }
log() { echo "deploy: $*" >&2; }

usage() {
  echo "usage: ./deploy.sh plan | apply | destroy | sql [env]" >&2
  sed -n '2,8p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

ACTION="${1:-}"
ENV_NAME="${2:-dev}"
case "$ACTION" in
  plan | apply | destroy | sql) ;;
  -h | --help | help) usage ;;
  "") usage ;;
  *) echo "deploy: unknown action '${ACTION}'" >&2; usage ;;
esac
[[ "$ENV_NAME" =~ ^[a-z0-9_-]+$ ]] || die "invalid environment name '$ENV_NAME'"
VAR_FILE="$TF_DIR/envs/$ENV_NAME.tfvars"
[[ -f "$VAR_FILE" ]] || die "no such environment: $VAR_FILE (have: $(cd "$TF_DIR/envs" && ls ./*.tfvars 2>/dev/null | sed 's|./||; s|.tfvars||' | tr '\n' ' '))"

# ---------------------------------------------------------------- preflight (fail early)
command -v terraform >/dev/null 2>&1 \
  || die "terraform not found on PATH; install Terraform >= 1.11 (https://developer.hashicorp.com/terraform/install)"

TF_VARS=(-var-file="$VAR_FILE")
if [[ "$ENV_NAME" == "emulator" ]]; then
  [[ -n "${LAKEHOUSE_EMULATOR_ENDPOINT:-}" ]] \
    || die "env 'emulator' needs LAKEHOUSE_EMULATOR_ENDPOINT=http://127.0.0.1:<port> (a running moto_server)"
  export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-testing}" AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-testing}"
  TF_VARS+=(-var "aws_endpoint_url=$LAKEHOUSE_EMULATOR_ENDPOINT")
else
  command -v aws >/dev/null 2>&1 \
    || die "aws CLI not found on PATH; it is needed to check credentials and to run redshift_sql/ (install AWS CLI v2)"
  aws sts get-caller-identity --output text --query Account >/dev/null 2>&1 \
    || die "no usable AWS credentials (aws sts get-caller-identity failed); set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"
fi

# ---------------------------------------------------------------- build artifacts
build() {
  [[ "${SKIP_BUILD:-0}" == "1" ]] && { log "SKIP_BUILD=1: reusing dist/ and .cache/jars"; return; }
  local py="$ROOT/.venv/bin/python"
  [[ -x "$py" ]] || py="$(command -v python3 || true)"
  [[ -n "$py" ]] || die "python3 not found (needed to build dist/lakehouse.zip)"
  log "building dist/lakehouse.zip"
  "$py" "$ROOT/scripts/build_package.py" || die "package build failed"
  log "fetching jars"
  "$ROOT/scripts/fetch_jars.sh" || die "jar fetch failed"
}

# ---------------------------------------------------------------- terraform
tf() { terraform -chdir="$TF_DIR" "$@"; }

tf_init() {
  local plugin_dir="${TF_PLUGIN_DIR:-/opt/tf-plugins}"
  if [[ -d "$plugin_dir" ]]; then
    log "terraform init (provider mirror $plugin_dir)"
    tf init -input=false -plugin-dir="$plugin_dir" >/dev/null || die "terraform init failed"
  else
    log "terraform init"
    tf init -input=false >/dev/null || die "terraform init failed"
  fi
  tf workspace select -or-create=true "$ENV_NAME" >/dev/null || die "cannot select workspace $ENV_NAME"
}

tf_output() { tf output -raw "$1" 2>/dev/null || true; }

# ---------------------------------------------------------------- redshift_sql/
# Prints the statements of one file, NUL-separated, with ${gold_db}, ${exports_uri} and
# ${redshift_role_arn} substituted. Splits on ';' outside quotes and comments.
render_statements() {
  local py
  py="$(command -v python3)" || die "python3 not found (needed to render redshift_sql/)"
  "$py" - "$1" <<'PY'
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
values = {k: __import__("os").environ[k] for k in ("gold_db", "exports_uri", "redshift_role_arn")}
text = re.sub(r"\$\{(gold_db|exports_uri|redshift_role_arn)\}", lambda m: values[m.group(1)], text)
left = re.findall(r"\$\{[A-Za-z_]+\}", text)
if left:
    sys.exit(f"{sys.argv[1]}: unknown template variables {sorted(set(left))}")
out, buf, i, quote = [], [], 0, None
while i < len(text):
    c = text[i]
    if quote:
        buf.append(c)
        if c == quote:
            quote = None
    elif c in "'\"":
        quote = c; buf.append(c)
    elif text.startswith("--", i):
        j = text.find("\n", i); j = len(text) if j < 0 else j
        i = j; continue
    elif text.startswith("/*", i):
        j = text.find("*/", i); j = len(text) if j < 0 else j + 2
        i = j; continue
    elif c == ";":
        out.append("".join(buf).strip()); buf = []
    else:
        buf.append(c)
    i += 1
out.append("".join(buf).strip())
sys.stdout.write("".join(s + "\0" for s in out if s))
PY
}

wait_statement() {
  local id="$1" file="$2" deadline=$((SECONDS + ${SQL_TIMEOUT_SECONDS:-900})) status
  while :; do
    status="$(aws redshift-data describe-statement --id "$id" --query Status --output text)" \
      || die "$file: describe-statement $id failed"
    case "$status" in
      FINISHED) return 0 ;;
      FAILED | ABORTED)
        die "$file: statement $id $status: $(aws redshift-data describe-statement --id "$id" --query Error --output text 2>/dev/null)" ;;
    esac
    ((SECONDS < deadline)) || die "$file: statement $id still $status after ${SQL_TIMEOUT_SECONDS:-900}s"
    sleep "${SQL_POLL_SECONDS:-2}"
  done
}

run_redshift_sql() {
  local workgroup database
  workgroup="$(tf_output redshift_workgroup_name)"
  database="$(tf_output redshift_database_name)"
  if [[ -z "$workgroup" || "$workgroup" == "null" ]]; then
    log "Redshift is disabled in env '$ENV_NAME' (enable_redshift = false): skipping redshift_sql/"
    return 0
  fi
  command -v aws >/dev/null 2>&1 || die "aws CLI not found; it runs redshift_sql/ through the Redshift Data API"
  export gold_db exports_uri redshift_role_arn
  # ${gold_db}: the Glue database of the gold symlink-manifest tables (Spectrum's external schema).
  gold_db="$(tf_output redshift_spectrum_database_name)"
  exports_uri="$(tf_output exports_uri)"
  redshift_role_arn="$(tf_output redshift_role_arn)"
  [[ -n "$gold_db" && -n "$exports_uri" && -n "$redshift_role_arn" ]] \
    || die "terraform outputs redshift_spectrum_database_name/exports_uri/redshift_role_arn are empty; apply first"

  local files=("$SQL_DIR"/*.sql)
  [[ -e "${files[0]}" ]] || { log "no files in redshift_sql/"; return 0; }
  # One Data API session per file: BEGIN/COMMIT blocks and TEMP tables span statements.
  local file stmt id session n rendered
  rendered="$(mktemp)"
  trap 'rm -f "$rendered"' RETURN
  for file in "${files[@]}"; do
    session="" n=0
    render_statements "$file" >"$rendered" || die "$(basename "$file"): cannot render"
    log "redshift_sql: $(basename "$file") on $workgroup/$database"
    while IFS= read -r -d '' stmt; do
      if [[ -z "$session" ]]; then
        read -r id session < <(aws redshift-data execute-statement --workgroup-name "$workgroup" --database "$database" \
          --session-keep-alive-seconds 300 --sql "$stmt" --query '[Id, SessionId]' --output text) \
          || die "$(basename "$file"): execute-statement failed"
      else
        id="$(aws redshift-data execute-statement --session-id "$session" --sql "$stmt" --query Id --output text)" \
          || die "$(basename "$file"): execute-statement failed"
      fi
      wait_statement "$id" "$(basename "$file")"
      n=$((n + 1))
    done <"$rendered"
    log "redshift_sql: $(basename "$file"): $n statements FINISHED"
  done
}

# ---------------------------------------------------------------- main
case "$ACTION" in
  plan)
    build
    tf_init
    tf plan -input=false "${TF_VARS[@]}" -out="$ENV_NAME.tfplan"
    ;;
  apply)
    build
    tf_init
    tf plan -input=false "${TF_VARS[@]}" -out="$ENV_NAME.tfplan"
    tf apply -input=false "$ENV_NAME.tfplan"
    rm -f "$TF_DIR/$ENV_NAME.tfplan"
    run_redshift_sql
    ;;
  destroy)
    build # the configuration hashes the zip and jars, so they must exist to plan a destroy
    tf_init
    if [[ "${AUTO_APPROVE:-0}" == "1" ]]; then
      tf destroy -input=false -auto-approve "${TF_VARS[@]}"
    else
      tf destroy "${TF_VARS[@]}"
    fi
    ;;
  sql)
    tf_init
    run_redshift_sql
    ;;
esac
log "$ACTION $ENV_NAME: done"
