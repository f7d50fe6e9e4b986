-- Local schemas of the Redshift Serverless database:
--   star: the COPY-loaded star schema (fact_sales, dim_*) for BI;
--   bi:   views that BI tools read (no logic in the dashboards).
CREATE SCHEMA IF NOT EXISTS star;
CREATE SCHEMA IF NOT EXISTS bi;
