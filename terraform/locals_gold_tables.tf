locals {
  # ---- contracts/gold/*.yaml: one declaration per gold table (grain, columns, keys, Redshift
  # export), also read by the gold job, the docs generator and the tests. The crawlers that say
  # `tables_from_gold_tables: true` (crawlers/gold.yaml, gold_spectrum.yaml) target exactly these.
  gold_tables = {
    for f in fileset("${local.repo_root}/contracts/gold", "*.yaml") :
    trimsuffix(f, ".yaml") => yamldecode(file("${local.repo_root}/contracts/gold/${f}"))
  }
  gold_table_names = sort(keys(local.gold_tables))

  # ---- contracts/silver/metadata.yaml: the columns silver writes after each contract's columns.
  silver_metadata = yamldecode(file("${local.repo_root}/contracts/silver/metadata.yaml"))
}
