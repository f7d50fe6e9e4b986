-- Spectrum: an external schema over the gold Glue database, so Redshift can read gold
-- tables in place (through their symlink manifests) without loading them.
CREATE EXTERNAL SCHEMA IF NOT EXISTS spectrum_gold
FROM DATA CATALOG
DATABASE '${gold_db}'
IAM_ROLE '${redshift_role_arn}';
