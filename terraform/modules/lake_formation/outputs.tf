output "registered_locations" {
  description = "S3 locations registered with Lake Formation in hybrid access mode, by layer."
  value       = { for l, r in aws_lakeformation_resource.layer : l => r.arn }
}

output "registration_role_arn" {
  description = "Role Lake Formation assumes to vend read credentials for the registered layers."
  value       = aws_iam_role.registration.arn
}

output "lf_tags" {
  description = "LF-tag keys and their values (layer, domain, pii)."
  value       = { for k, t in aws_lakeformation_lf_tag.this : k => t.values }
}

output "pii_columns" {
  description = "Columns tagged pii=clear per silver table and pii=protected per gold table (<database key>.<table>)."
  value = {
    clear     = local.silver_pii_columns
    protected = { for k, v in local.gold_protected_columns : k => v.columns }
  }
}

output "grants" {
  description = "Per persona: the LF-tag expressions granted to each principal."
  value = {
    for name in keys(var.personas) : name => [
      for k, g in local.grants : { principal = g.principal, layers = g.layers, pii = g.pii, permissions = g.permissions } if g.persona == name
    ]
  }
}
