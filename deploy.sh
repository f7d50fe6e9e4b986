#!/usr/bin/env bash
# Deploy the lakehouse with Terraform, run the pipeline once, then load Redshift.
#
#   ./deploy.sh up      [env]   apply, run, sql: the one command to deploy and run
#   ./deploy.sh plan    [env]   build the package zip, fetch jars, terraform plan
#   ./deploy.sh apply   [env]   ... plan and apply that plan (package, upload, Terraform)
#   ./deploy.sh run     [env]   start the Glue workflow and wait for it, one line per job state
#   ./deploy.sh sql     [env]   run redshift_sql/ (Redshift Data API); needs the gold exports
#   ./deploy.sh destroy [env]   terraform destroy (asks for confirmation unless AUTO_APPROVE=1)
#
# env is a file in terraform/envs/ (dev, prod, emulator; default dev); each env has its own
# Terraform workspace. Every aws CLI call gets --region from Terraform's output aws_region
# (before the first apply, the env file's region). The emulator env needs
# LAKEHOUSE_EMULATOR_ENDPOINT (a moto server on loopback, e.g. http://127.0.0.1:5000), uses fake
# credentials and only plans/applies (moto runs no Glue jobs and has no Redshift).
#
# Environment: AUTO_APPROVE=1 (destroy without prompt), SKIP_BUILD=1 (reuse dist/ and
# .cache/jars), SQL_TIMEOUT_SECONDS (per statement, default 900), RUN_TIMEOUT_SECONDS (workflow,
# default 7200), RUN_POLL_SECONDS (default 30), TF_PLUGIN_DIR (provider mirror, default
# /opt/tf-plugins when it exists).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TF_DIR="$ROOT/terraform"
SQL_DIR="$ROOT/redshift_sql"

die() { echo "deploy: $*" >&2; exit 1; }
log() { echo "deploy: $*" >&2; }

usage() {
  echo "usage: ./deploy.sh up | plan | apply | run | sql | destroy [env]" >&2
  sed -n '2,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

ACTION="${1:-}"
ENV_NAME="${2:-dev}"
case "$ACTION" in
  up | plan | apply | run | sql | destroy) ;;
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

# The region Terraform deploys to. Before the first apply there are no outputs yet, so the
# preflight uses the env file's `region`; afterwards it comes from output aws_region.
REGION="$(sed -n 's/^region[[:space:]]*=[[:space:]]*"\([a-z0-9-]*\)".*/\1/p' "$VAR_FILE" | head -n 1)"
aws_() { aws --region "$REGION" "$@"; } # every aws CLI call goes through here

TF_VARS=(-var-file="$VAR_FILE")
if [[ "$ENV_NAME" == "emulator" ]]; then
  [[ -n "${LAKEHOUSE_EMULATOR_ENDPOINT:-}" ]] \
    || die "env 'emulator' needs LAKEHOUSE_EMULATOR_ENDPOINT=http://127.0.0.1:<port> (a running moto_server)"
  [[ "$ACTION" == "run" || "$ACTION" == "sql" || "$ACTION" == "up" ]] \
    && die "env 'emulator': moto runs no Glue jobs and has no Redshift, so '$ACTION' does not apply; use plan/apply/destroy"
  export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-testing}" AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-testing}"
  TF_VARS+=(-var "aws_endpoint_url=$LAKEHOUSE_EMULATOR_ENDPOINT")
else
  [[ -n "$REGION" ]] || die "$VAR_FILE sets no region = \"...\"; deploy.sh needs it to address the right region"
  command -v aws >/dev/null 2>&1 \
    || die "aws CLI not found on PATH; it is needed to check credentials, run the workflow and redshift_sql/ (install AWS CLI v2)"
  aws_ sts get-caller-identity --output text --query Account >/dev/null 2>&1 \
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

# After apply: the region, bucket and names come from Terraform's outputs.
load_outputs() {
  local region
  region="$(tf_output aws_region)"
  [[ -n "$region" && "$region" != "null" ]] \
    || die "no Terraform outputs for env '$ENV_NAME' (output aws_region is empty): run ./deploy.sh apply $ENV_NAME first"
  REGION="$region"
}

# ---------------------------------------------------------------- run: the Glue workflow
# Prints one line per node of a get-workflow-run --include-graph answer:
#   JOB <name> <state> <run id> <error message>   /   CRAWLER <name> <state> - <error message>
# and first a line "WORKFLOW <status>". States come from Glue's JobRunState / crawl State.
summarise_workflow_run() {
  python3 -c '
import json, sys
run = json.load(sys.stdin)["Run"]
print("WORKFLOW", run.get("Status", "UNKNOWN"))
for node in run.get("Graph", {}).get("Nodes", []):
    if node.get("Type") == "JOB":
        runs = node.get("JobDetails", {}).get("JobRuns") or []
        if runs:
            r = runs[-1]
            msg = " ".join((r.get("ErrorMessage") or "").split())
            print("JOB", node["Name"], r.get("JobRunState", "UNKNOWN"), r.get("Id", "-"), msg)
    elif node.get("Type") == "CRAWLER":
        crawls = node.get("CrawlerDetails", {}).get("Crawls") or []
        if crawls:
            c = crawls[-1]
            msg = " ".join((c.get("ErrorMessage") or "").split())
            print("CRAWLER", node["Name"], c.get("State", "UNKNOWN"), "-", msg)
'
}

run_workflow() {
  local workflow error_group run_id deadline summary line kind name state id msg status
  workflow="$(tf_output glue_workflow_name)"
  [[ -n "$workflow" ]] || die "terraform output glue_workflow_name is empty; apply first"
  error_group="$(tf output -json glue_log_group_names 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin).get("error", ""))' 2>/dev/null || true)"
  run_id="$(aws_ glue start-workflow-run --name "$workflow" --query RunId --output text)" \
    || die "glue start-workflow-run $workflow failed"
  log "run: workflow $workflow started (run $run_id, region $REGION)"
  deadline=$((SECONDS + ${RUN_TIMEOUT_SECONDS:-7200}))
  local seen="|" # name=state pairs already logged (no associative arrays: macOS ships bash 3.2)
  while :; do
    summary="$(aws_ glue get-workflow-run --name "$workflow" --run-id "$run_id" --include-graph --output json | summarise_workflow_run)" \
      || die "glue get-workflow-run $workflow $run_id failed"
    status=""
    while IFS= read -r line; do
      read -r kind name state id msg <<<"$line"
      if [[ "$kind" == "WORKFLOW" ]]; then
        status="$name"
        continue
      fi
      if [[ "$seen" != *"|$name=$state|"* ]]; then
        seen+="$name=$state|"
        log "run: $name $state"
      fi
      case "$kind:$state" in
        JOB:FAILED | JOB:ERROR | JOB:TIMEOUT | JOB:STOPPED)
          die "run: job $name $state (run $id): ${msg:-no error message}
  logs: CloudWatch Logs group ${error_group:-/aws-glue/jobs/error}, log streams starting with $id (region $REGION)" ;;
        CRAWLER:FAILED | CRAWLER:CANCELLED)
          die "run: crawler $name $state: ${msg:-no error message}
  logs: CloudWatch Logs group /aws-glue/crawlers, log stream $name (region $REGION)" ;;
      esac
    done <<<"$summary"
    case "$status" in
      COMPLETED)
        log "run: workflow $workflow COMPLETED"
        return 0 ;;
      STOPPED | ERROR) die "run: workflow $workflow $status (run $run_id)" ;;
    esac
    ((SECONDS < deadline)) || die "run: workflow $workflow still ${status:-RUNNING} after ${RUN_TIMEOUT_SECONDS:-7200}s (run $run_id)"
    sleep "${RUN_POLL_SECONDS:-30}"
  done
}

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
    status="$(aws_ redshift-data describe-statement --id "$id" --query Status --output text)" \
      || die "$file: describe-statement $id failed"
    case "$status" in
      FINISHED) return 0 ;;
      FAILED | ABORTED)
        die "$file: statement $id $status: $(aws_ redshift-data describe-statement --id "$id" --query Error --output text 2>/dev/null)" ;;
    esac
    ((SECONDS < deadline)) || die "$file: statement $id still $status after ${SQL_TIMEOUT_SECONDS:-900}s"
    sleep "${SQL_POLL_SECONDS:-2}"
  done
}

# Redshift rejects a COPY whose prefix matches no object, so before any SQL every
# ${exports_uri}/<table>/ that redshift_sql/ loads must hold at least one object (the gold job
# writes a Parquet file even for an empty table).
check_exports() {
  local bucket prefix table n empty=()
  bucket="${exports_uri#s3://}"
  prefix="${bucket#*/}"
  bucket="${bucket%%/*}"
  for table in $(sed -n 's/.*\${exports_uri}\/\([A-Za-z0-9_]*\)\/.*/\1/p' "$@" | sort -u); do
    n="$(aws_ s3api list-objects-v2 --bucket "$bucket" --prefix "$prefix/$table/" --max-keys 1 --query KeyCount --output text)" \
      || die "cannot list s3://$bucket/$prefix/$table/"
    [[ "$n" =~ ^[1-9] ]] || empty+=("$prefix/$table/")
  done
  ((${#empty[@]} == 0)) \
    || die "sql: the gold exports are empty (${empty[*]} in s3://$bucket): run the pipeline first (./deploy.sh run $ENV_NAME, or ./deploy.sh up $ENV_NAME)"
}

run_redshift_sql() {
  local workgroup database secret
  workgroup="$(tf_output redshift_workgroup_name)"
  database="$(tf_output redshift_database_name)"
  if [[ -z "$workgroup" || "$workgroup" == "null" ]]; then
    log "Redshift is disabled in env '$ENV_NAME' (enable_redshift = false): skipping redshift_sql/"
    return 0
  fi
  # The SQL creates schemas and an external schema: it runs as the namespace's admin user through
  # its managed secret. An IAM identity would be the non-superuser IAM:<name> (see
  # terraform/modules/redshift_serverless/README.md).
  secret="$(tf_output redshift_admin_secret_arn)"
  [[ -n "$secret" && "$secret" != "null" ]] || die "terraform output redshift_admin_secret_arn is empty; apply first"
  export gold_db exports_uri redshift_role_arn
  # ${gold_db}: the Glue database of the gold symlink-manifest tables (Spectrum's external schema).
  gold_db="$(tf_output redshift_spectrum_database_name)"
  exports_uri="$(tf_output exports_uri)"
  redshift_role_arn="$(tf_output redshift_role_arn)"
  [[ -n "$gold_db" && -n "$exports_uri" && -n "$redshift_role_arn" ]] \
    || die "terraform outputs redshift_spectrum_database_name/exports_uri/redshift_role_arn are empty; apply first"

  local files=("$SQL_DIR"/*.sql)
  [[ -e "${files[0]}" ]] || { log "no files in redshift_sql/"; return 0; }
  check_exports "${files[@]}"
  # One Data API session per file: BEGIN/COMMIT blocks and TEMP tables span statements.
  local file stmt id session n rendered
  rendered="$(mktemp)"
  trap 'rm -f "${rendered:-}"' RETURN EXIT # EXIT too: a failed statement ends the script through die
  for file in "${files[@]}"; do
    session="" n=0
    render_statements "$file" >"$rendered" || die "$(basename "$file"): cannot render"
    log "redshift_sql: $(basename "$file") on $workgroup/$database"
    while IFS= read -r -d '' stmt; do
      if [[ -z "$session" ]]; then
        read -r id session < <(aws_ redshift-data execute-statement --workgroup-name "$workgroup" --database "$database" \
          --secret-arn "$secret" --session-keep-alive-seconds 300 --sql "$stmt" --query '[Id, SessionId]' --output text) \
          || die "$(basename "$file"): execute-statement failed"
      else
        id="$(aws_ redshift-data execute-statement --session-id "$session" --sql "$stmt" --query Id --output text)" \
          || die "$(basename "$file"): execute-statement failed"
      fi
      wait_statement "$id" "$(basename "$file")"
      n=$((n + 1))
    done <"$rendered"
    log "redshift_sql: $(basename "$file"): $n statements FINISHED"
  done
}

# ---------------------------------------------------------------- main
apply_stack() {
  build
  tf_init
  tf plan -input=false "${TF_VARS[@]}" -out="$ENV_NAME.tfplan"
  tf apply -input=false "$ENV_NAME.tfplan"
  rm -f "$TF_DIR/$ENV_NAME.tfplan"
}

case "$ACTION" in
  plan)
    build
    tf_init
    tf plan -input=false "${TF_VARS[@]}" -out="$ENV_NAME.tfplan"
    ;;
  apply)
    apply_stack
    ;;
  run)
    tf_init
    load_outputs
    run_workflow
    ;;
  up) # the COPY loads need the exports the gold job writes: apply, then run, then SQL
    apply_stack
    load_outputs
    run_workflow
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
    load_outputs
    run_redshift_sql
    ;;
esac
log "$ACTION $ENV_NAME: done"
