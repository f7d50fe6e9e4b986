# Athena named queries rendered from athena_sql/ (redshift_sql/ is rendered by deploy.sh).
locals {
  sql_template_vars = {
    bronze_db = local.databases["bronze"]
    silver_db = local.databases["silver"]
    gold_db   = local.databases["gold"]
    ops_db    = local.databases["ops"]
  }
  athena_queries = {
    for f in fileset("${local.repo_root}/athena_sql", "*.sql") :
    trimsuffix(f, ".sql") => templatefile("${local.repo_root}/athena_sql/${f}", local.sql_template_vars)
  }
}
