locals {
  # DQDL: Rules = [ rule, rule, ... ], in contract order.
  rulesets = {
    for entity, rules in var.rulesets :
    entity => "Rules = [\n    ${join(",\n    ", [for r in rules : r.rule])}\n]"
  }
}

resource "aws_glue_data_quality_ruleset" "this" {
  for_each = local.rulesets

  name        = "${var.name_prefix}-${each.key}"
  description = "DQDL from contracts (${join(", ", [for r in var.rulesets[each.key] : "${r.name}:${r.severity}"])})"
  ruleset     = each.value

  target_table {
    database_name = var.database_name
    table_name    = each.key
  }

  tags = var.tags
}
