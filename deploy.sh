#!/usr/bin/env bash
# Deploy the lakehouse with Terraform, run the pipeline once, then load Redshift.
#
#   ./deploy.sh up      [env] [--sample]   apply, (seed), run, sql, check: deploy and run
#   ./deploy.sh seed    [env]   upload one generated sample batch to the lake's landing/
#   ./deploy.sh plan    [env]   build the package zip, fetch jars, terraform plan
#   ./deploy.sh apply   [env]   ... plan and apply that plan (package, upload, Terraform)
#   ./deploy.sh run     [env]   start the Glue workflow and wait for it, one line per job state
#   ./deploy.sh sql     [env]   run redshift_sql/ (Redshift Data API); needs the gold exports
#   ./deploy.sh check   [env]   read the deployment back (read-only): expected vs found, a verdict
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
# /opt/tf-plugins when it exists), SAMPLE_ROWS (sales rows of the --sample batch, default 300).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TF_DIR="$ROOT/terraform"
SQL_DIR="$ROOT/redshift_sql"

die() { echo "deploy: $*" >&2; exit 1; }
log() { echo "deploy: $*" >&2; }

usage() {
  echo "usage: ./deploy.sh up | plan | apply | seed | run | sql | check | destroy [env] [--sample]" >&2
  sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

ACTION="${1:-}"
ENV_NAME="dev" SAMPLE=0
for arg in "${@:2}"; do
  case "$arg" in
    --sample) SAMPLE=1 ;;
    *) ENV_NAME="$arg" ;;
  esac
done
case "$ACTION" in
  up | plan | apply | seed | run | sql | check | destroy) ;;
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
    || die "env 'emulator' needs LAKEHOUSE_EMULATOR_ENDPOINT=http://127.0.0.1:<port> (a running emulator: python -m lakehouse_local.emulator.server --port <port>)"
  [[ "$ACTION" == "run" || "$ACTION" == "sql" || "$ACTION" == "up" ]] \
    && die "env 'emulator': moto runs no Glue jobs and has no Redshift, so '$ACTION' does not apply; use plan/apply/seed/check/destroy (make emulator runs the jobs)"
  export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-testing}" AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-testing}"
  export AWS_ENDPOINT_URL="$LAKEHOUSE_EMULATOR_ENDPOINT" # the aws CLI's calls (seed, check) go to moto too
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

# ---------------------------------------------------------------- seed: one sample batch
# Generates one batch of the sample data (lakehouse_local.sample_data) and uploads it to
# <lake_root>/landing/<source>/001/, where the bronze job looks for new files.
seed_sample() {
  local lake py sample src n=0
  lake="$(tf_output lake_root)"
  [[ -n "$lake" && "$lake" != "null" ]] || die "terraform output lake_root is empty; apply first"
  py="$ROOT/.venv/bin/python"
  [[ -x "$py" ]] || py="$(command -v python3 || true)"
  [[ -n "$py" ]] || die "python3 not found (needed to generate the sample batch)"
  sample="$(mktemp -d)"
  trap 'rm -rf "${sample:-}"' RETURN EXIT
  PYTHONPATH="$ROOT" "$py" -m lakehouse_local.sample_data --out "$sample" --rows "${SAMPLE_ROWS:-300}" --batches 1 >/dev/null \
    || die "seed: cannot generate the sample batch (python -m lakehouse_local.sample_data)"
  for src in "$sample"/drops/001/*/; do
    src="$(basename "$src")"
    aws_ s3 cp --recursive --only-show-errors "$sample/drops/001/$src/" "$lake/landing/$src/001/" \
      || die "seed: upload to $lake/landing/$src/001/ failed"
    n=$((n + 1))
  done
  log "seed: one sample batch (${SAMPLE_ROWS:-300} sales rows, $n sources) uploaded to $lake/landing/<source>/001/"
}

# ---------------------------------------------------------------- run: the Glue workflow
# Prints one line per node of a get-workflow-run --include-graph answer, first "WORKFLOW <status>"
# and "START <trigger type> <name>" (the start trigger), then
#   JOB <name> <state> <run id> <attempt> <error message>   (NOTSTARTED - 0 while it has no run)
#   CRAWLER <name> <state> - 0 <error message>
# A job's latest attempt is its run with the highest Attempt (JobRun.Attempt: "The number of the
# attempt to run this job"). States come from Glue's JobRunState / crawl State.
summarise_workflow_run() {
  python3 -c '
import json, sys
run = json.load(sys.stdin)["Run"]
print("WORKFLOW", run.get("Status", "UNKNOWN"))
clean = lambda m: " ".join((m or "").split())
for node in run.get("Graph", {}).get("Nodes", []):
    if node.get("Type") == "TRIGGER":
        t = node.get("TriggerDetails", {}).get("Trigger", {})
        if t.get("Type", "CONDITIONAL") != "CONDITIONAL":
            print("START", t["Type"], node.get("Name", "-"))
    elif node.get("Type") == "JOB":
        runs = node.get("JobDetails", {}).get("JobRuns") or []
        if not runs:
            print("JOB", node["Name"], "NOTSTARTED", "-", 0)
            continue
        r = max(runs, key=lambda r: (r.get("Attempt", 0), str(r.get("StartedOn", ""))))
        print("JOB", node["Name"], r.get("JobRunState", "UNKNOWN"), r.get("Id", "-"), r.get("Attempt", 0), clean(r.get("ErrorMessage")))
    elif node.get("Type") == "CRAWLER":
        crawls = node.get("CrawlerDetails", {}).get("Crawls") or []
        if crawls:
            c = max(crawls, key=lambda c: str(c.get("StartedOn", "")))
            print("CRAWLER", node["Name"], c.get("State", "UNKNOWN"), "-", 0, clean(c.get("ErrorMessage")))
'
}

# The newest run of a retried job: from run $1 of a get-job-runs answer (stdin), follows the runs
# whose PreviousRunId is the run before, or else a later Attempt; prints "<state> <id> <attempt> <error>".
latest_attempt() {
  python3 -c '
import json, sys
runs = json.load(sys.stdin).get("JobRuns", [])
cur = next((r for r in runs if r["Id"] == sys.argv[1]), {"Id": sys.argv[1], "JobRunState": "FAILED", "Attempt": 0})
while True:
    nxt = [r for r in runs if r.get("PreviousRunId") == cur["Id"]] or [
        r for r in runs if r.get("Attempt", 0) == cur.get("Attempt", 0) + 1 and str(r.get("StartedOn", "")) >= str(cur.get("StartedOn", ""))
    ]
    if not nxt:
        break
    cur = nxt[0]
print(cur.get("JobRunState", "UNKNOWN"), cur["Id"], cur.get("Attempt", 0), " ".join((cur.get("ErrorMessage") or "").split()))
' "$1"
}

# MaxRetries of job $1 ("The maximum number of times to retry this job after a JobRun fails"), cached.
RETRIES="|"
max_retries() {
  local n
  if [[ "$RETRIES" != *"|$1="* ]]; then
    n="$(aws_ glue get-job --job-name "$1" --query Job.MaxRetries --output text)" || die "glue get-job $1 failed"
    [[ "$n" =~ ^[0-9]+$ ]] || n=0
    RETRIES+="$1=$n|"
  fi
  n="${RETRIES#*|"$1"=}"
  echo "${n%%|*}"
}

run_workflow() {
  local workflow error_group run_id deadline summary line kind name state id attempt msg status retries start_trigger
  local not_started
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
    status="" start_trigger="" not_started=""
    while IFS= read -r line; do
      read -r kind name state id attempt msg <<<"$line"
      case "$kind" in
        WORKFLOW) status="$name"; continue ;;
        START) start_trigger="$name $state"; continue ;;
      esac
      if [[ "$kind:$state" == JOB:NOTSTARTED ]]; then
        not_started+=" $name"
        continue
      fi
      # A failed attempt of a job with MaxRetries > 0 is not the end: Glue starts the next
      # attempt (a new run whose Attempt is one more), so wait for the newest attempt instead.
      if [[ "$kind:$state" =~ ^JOB:(FAILED|ERROR|TIMEOUT)$ ]]; then
        retries="$(max_retries "$name")"
        if ((attempt < retries)); then
          read -r state id attempt msg < <(aws_ glue get-job-runs --job-name "$name" --output json | latest_attempt "$id") \
            || die "glue get-job-runs $name failed"
          if [[ "$state" =~ ^(FAILED|ERROR|TIMEOUT)$ ]] && ((attempt < retries)); then
            state="RETRYING" msg="attempt $((attempt + 1)) failed (${msg:-no error message}); Glue retries it (MaxRetries $retries)"
          fi
        fi
      fi
      if [[ "$seen" != *"|$name=$state/$attempt|"* ]]; then
        seen+="$name=$state/$attempt|"
        if [[ "$state" == RETRYING ]]; then
          log "run: $name RETRYING: $msg"
        elif ((attempt > 0)); then
          log "run: $name $state (attempt $((attempt + 1)))"
        else
          log "run: $name $state"
        fi
      fi
      case "$kind:$state" in
        JOB:FAILED | JOB:ERROR | JOB:TIMEOUT | JOB:STOPPED)
          die "run: job $name $state (run $id): ${msg:-no error message}
  logs: CloudWatch Logs group ${error_group:-/aws-glue/jobs/error}, log streams starting with $id (region $REGION)" ;;
        CRAWLER:FAILED | CRAWLER:CANCELLED | CRAWLER:ERROR) # crawl State: ... CANCELLED | FAILED | ERROR
          die "run: crawler $name $state: ${msg:-no error message}
  logs: CloudWatch Logs group /aws-glue/crawlers, log stream $name (region $REGION)" ;;
      esac
    done <<<"$summary"
    case "$status" in
      COMPLETED)
        # The Glue docs promise start-workflow-run ("started manually from the console, API, or
        # AWS CLI") for an on-demand start trigger only; a run that ends without starting the jobs
        # must not pass for a pipeline run (the SQL would load stale exports).
        [[ -z "$not_started" ]] || die "run: workflow $workflow run $run_id COMPLETED but never started:$not_started
  its start trigger is ${start_trigger:-unknown}; the Glue docs promise start-workflow-run for ON_DEMAND start triggers:
  set schedule = null in terraform/envs/$ENV_NAME.tfvars (an on-demand start trigger), apply, and run again"
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

# Redshift rejects a COPY whose prefix matches no object, and the gold job writes no export for a
# table it did not build (a source not delivered yet; it names each such table in its log). So
# every ${exports_uri}/<table>/ that redshift_sql/ loads is listed first, and the load of a table
# whose export is empty is skipped (that star table keeps what it holds) with a message.
EMPTY_EXPORTS="|"
check_exports() {
  local bucket prefix table n all=0
  bucket="${exports_uri#s3://}"
  prefix="${bucket#*/}"
  bucket="${bucket%%/*}"
  for table in $(sed -n 's/.*\${exports_uri}\/\([A-Za-z0-9_]*\)\/.*/\1/p' "$@" | sort -u); do
    n="$(aws_ s3api list-objects-v2 --bucket "$bucket" --prefix "$prefix/$table/" --max-keys 1 --query KeyCount --output text)" \
      || die "cannot list s3://$bucket/$prefix/$table/"
    all=$((all + 1))
    [[ "$n" =~ ^[1-9] ]] || EMPTY_EXPORTS+="$table|"
  done
  local empty="${EMPTY_EXPORTS//|/ }"
  if [[ -n "${empty// /}" ]]; then
    log "sql: no gold export for:${empty% } (s3://$bucket/$prefix/<table>/ is empty): the gold job did not build them"
    log "sql: (nothing of their sources delivered yet, see the gold job's 'not built' lines); their loads are skipped"
    local bars="${EMPTY_EXPORTS//[^|]/}"
    ((${#bars} - 1 < all)) \
      || log "sql: nothing to load yet: deliver data to landing/ (./deploy.sh seed $ENV_NAME) and ./deploy.sh run $ENV_NAME"
  fi
}

# Runs one unit of a file: a single statement with execute-statement, or the statements of one
# BEGIN ... COMMIT block with batch-execute-statement. The Data API runs a batch's statements
# "serially in the order of the array ... as a single transaction. If any SQL statement fails, all
# work is rolled back" (BatchExecuteStatement, Sqls): a failed COPY leaves the star table as it
# was and no transaction stays open in a session (BEGIN and COMMIT are not sent). A unit that COPYs
# from an empty export is skipped (see check_exports).
run_unit() {
  local file="$1" stmt table id
  shift
  for stmt in "$@"; do
    table="$(sed -n "s|.*FROM '${exports_uri}/\([A-Za-z0-9_]*\)/'.*|\1|p" <<<"$stmt" | head -n 1)"
    if [[ -n "$table" && "$EMPTY_EXPORTS" == *"|$table|"* ]]; then
      log "redshift_sql: $file: skipped the load from exports/$table/ (gold did not build $table): the star table keeps what it holds"
      return 0
    fi
  done
  if (($# == 1)); then
    id="$(aws_ redshift-data execute-statement --workgroup-name "$workgroup" --database "$database" \
      --secret-arn "$secret" --sql "$1" --query Id --output text)" || die "$file: execute-statement failed"
  else
    id="$(aws_ redshift-data batch-execute-statement --workgroup-name "$workgroup" --database "$database" \
      --secret-arn "$secret" --sqls "$@" --query Id --output text)" || die "$file: batch-execute-statement failed"
  fi
  wait_statement "$id" "$file"
  UNITS=$((UNITS + 1))
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
  # its managed secret (the caller needs secretsmanager:GetSecretValue on it; the AWS managed policy
  # AmazonRedshiftDataFullAccess allows that only for secrets tagged RedshiftDataFullAccess). An IAM
  # identity would be the non-superuser IAM:<name> (see terraform/modules/redshift_serverless/README.md).
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
  local file stmt rendered name block=() in_block=0
  rendered="$(mktemp)"
  trap 'rm -f "${rendered:-}"' RETURN EXIT # EXIT too: a failed statement ends the script through die
  for file in "${files[@]}"; do
    name="$(basename "$file")" UNITS=0
    render_statements "$file" >"$rendered" || die "$name: cannot render"
    log "redshift_sql: $name on $workgroup/$database"
    while IFS= read -r -d '' stmt; do
      case "$stmt" in
        BEGIN | begin | "BEGIN TRANSACTION") in_block=1 block=() ;;
        COMMIT | commit | END | end)
          ((in_block)) || die "$name: $stmt without BEGIN"
          in_block=0
          run_unit "$name" "${block[@]}" ;;
        *)
          if ((in_block)); then block+=("$stmt"); else run_unit "$name" "$stmt"; fi ;;
      esac
    done <"$rendered"
    ((in_block == 0)) || die "$name: BEGIN without COMMIT"
    log "redshift_sql: $name: $UNITS statements/transactions FINISHED"
  done
}

# ---------------------------------------------------------------- check: read the deployment back
# scripts/deploy_check.py: read-only aws calls (plus one Athena query and a count per star table),
# a table of expected vs found with a verdict per line; exit 1 when a line FAILs.
check_deployment() {
  local outputs rc=0
  outputs="$(mktemp)"
  tf output -json >"$outputs" || { rm -f "$outputs"; die "terraform output -json failed"; }
  python3 "$ROOT/scripts/deploy_check.py" "$outputs" --region "$REGION" || rc=$?
  rm -f "$outputs"
  ((rc == 0)) || { log "check $ENV_NAME: FAIL lines above; docs/first-deploy.md says what to do with each"; return 1; }
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
  up) # the COPY loads need the exports the gold job writes: apply, (seed,) run, SQL, check
    apply_stack
    load_outputs
    ((SAMPLE)) && seed_sample
    run_workflow
    run_redshift_sql
    if ! check_deployment; then
      ((SAMPLE)) && die "up $ENV_NAME --sample: the check found FAIL lines"
      log "check: red lines are expected while nothing was delivered; ./deploy.sh up $ENV_NAME --sample shows the whole chain"
    fi
    ;;
  seed)
    tf_init
    load_outputs
    seed_sample
    ;;
  check)
    tf_init
    load_outputs
    check_deployment || exit 1
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
