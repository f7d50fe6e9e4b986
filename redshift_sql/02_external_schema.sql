-- Spectrum: an external schema over the Glue database of the gold symlink-manifest tables
-- (crawlers/gold_spectrum.yaml; deploy.sh passes its name as gold_db), so Redshift reads the
-- gold tables in place, without loading them. Athena reads the native Delta tables instead.
CREATE EXTERNAL SCHEMA IF NOT EXISTS spectrum_gold
FROM DATA CATALOG
DATABASE '${gold_db}'
IAM_ROLE '${redshift_role_arn}';
