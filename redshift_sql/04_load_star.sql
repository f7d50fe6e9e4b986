-- Loads of the star schema from the gold exports: Parquet files of the current gold snapshot
-- under ${exports_uri}/<table>/ (the gold job rewrites each folder in full on every run).
-- Each table's content is replaced inside one transaction: DELETE every row, COPY the snapshot.
-- So rows that left gold (e.g. an SCD2 version absorbed by a later one) leave the star table
-- too, a re-run gives the same table, an export with no rows empties the table, and a failed
-- COPY rolls back and leaves the table as it was. (DELETE, not TRUNCATE: TRUNCATE commits.)
-- COPY ... FORMAT AS PARQUET maps columns by position, so 03_star_tables.sql keeps the export
-- order. deploy.sh refuses to run this before the exports exist: Redshift rejects a COPY whose
-- prefix matches no object.

BEGIN;

DELETE FROM star.dim_date;

COPY star.dim_date
FROM '${exports_uri}/dim_date/'
IAM_ROLE '${redshift_role_arn}'
FORMAT AS PARQUET;

COMMIT;

BEGIN;

DELETE FROM star.dim_store;

COPY star.dim_store
FROM '${exports_uri}/dim_store/'
IAM_ROLE '${redshift_role_arn}'
FORMAT AS PARQUET;

COMMIT;

BEGIN;

DELETE FROM star.dim_product;

COPY star.dim_product
FROM '${exports_uri}/dim_product/'
IAM_ROLE '${redshift_role_arn}'
FORMAT AS PARQUET;

COMMIT;

BEGIN;

DELETE FROM star.dim_customer;

COPY star.dim_customer
FROM '${exports_uri}/dim_customer/'
IAM_ROLE '${redshift_role_arn}'
FORMAT AS PARQUET;

COMMIT;

BEGIN;

DELETE FROM star.fact_sales;

COPY star.fact_sales
FROM '${exports_uri}/fact_sales/'
IAM_ROLE '${redshift_role_arn}'
FORMAT AS PARQUET;

COMMIT;
