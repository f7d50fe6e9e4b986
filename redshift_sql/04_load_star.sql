-- Idempotent loads of the star schema from the gold snapshot exports (Parquet files of
-- the current gold snapshot under ${exports_uri}/<table>/). Per table, in one transaction:
-- COPY into a temporary staging table, delete the target rows whose key is staged, insert
-- the staged rows. Re-running a load gives the same table; a failed COPY rolls back and
-- leaves the table as it was. (DELETE + INSERT instead of TRUNCATE: TRUNCATE commits.)

BEGIN;

CREATE TEMP TABLE stage_dim_date (LIKE star.dim_date);

COPY stage_dim_date
FROM '${exports_uri}/dim_date/'
IAM_ROLE '${redshift_role_arn}'
FORMAT AS PARQUET;

DELETE FROM star.dim_date
USING stage_dim_date
WHERE star.dim_date.date_key = stage_dim_date.date_key;

INSERT INTO star.dim_date (
    date_key,
    date,
    year,
    quarter,
    month,
    month_name,
    day_of_month,
    day_of_week,
    day_name,
    is_weekend
)
SELECT
    date_key,
    date,
    year,
    quarter,
    month,
    month_name,
    day_of_month,
    day_of_week,
    day_name,
    is_weekend
FROM stage_dim_date;

DROP TABLE stage_dim_date;

COMMIT;

BEGIN;

CREATE TEMP TABLE stage_dim_store (LIKE star.dim_store);

COPY stage_dim_store
FROM '${exports_uri}/dim_store/'
IAM_ROLE '${redshift_role_arn}'
FORMAT AS PARQUET;

DELETE FROM star.dim_store
USING stage_dim_store
WHERE star.dim_store.store_id = stage_dim_store.store_id;

INSERT INTO star.dim_store (
    store_id,
    store_name,
    city
)
SELECT
    store_id,
    store_name,
    city
FROM stage_dim_store;

DROP TABLE stage_dim_store;

COMMIT;

BEGIN;

CREATE TEMP TABLE stage_dim_product (LIKE star.dim_product);

COPY stage_dim_product
FROM '${exports_uri}/dim_product/'
IAM_ROLE '${redshift_role_arn}'
FORMAT AS PARQUET;

DELETE FROM star.dim_product
USING stage_dim_product
WHERE star.dim_product.product_id = stage_dim_product.product_id;

INSERT INTO star.dim_product (
    product_id,
    product_name,
    category,
    brand,
    unit_cost,
    list_price
)
SELECT
    product_id,
    product_name,
    category,
    brand,
    unit_cost,
    list_price
FROM stage_dim_product;

DROP TABLE stage_dim_product;

COMMIT;

BEGIN;

CREATE TEMP TABLE stage_dim_customer (LIKE star.dim_customer);

COPY stage_dim_customer
FROM '${exports_uri}/dim_customer/'
IAM_ROLE '${redshift_role_arn}'
FORMAT AS PARQUET;

DELETE FROM star.dim_customer
USING stage_dim_customer
WHERE star.dim_customer.customer_sk = stage_dim_customer.customer_sk;

INSERT INTO star.dim_customer (
    customer_sk,
    customer_id,
    first_name,
    last_name,
    email,
    phone,
    street,
    city,
    state,
    postcode,
    country,
    loyalty_tier,
    attr_hash,
    valid_from,
    valid_to,
    is_current
)
SELECT
    customer_sk,
    customer_id,
    first_name,
    last_name,
    email,
    phone,
    street,
    city,
    state,
    postcode,
    country,
    loyalty_tier,
    attr_hash,
    valid_from,
    valid_to,
    is_current
FROM stage_dim_customer;

DROP TABLE stage_dim_customer;

COMMIT;

BEGIN;

CREATE TEMP TABLE stage_fact_sales (LIKE star.fact_sales);

COPY stage_fact_sales
FROM '${exports_uri}/fact_sales/'
IAM_ROLE '${redshift_role_arn}'
FORMAT AS PARQUET;

DELETE FROM star.fact_sales
USING stage_fact_sales
WHERE star.fact_sales.transaction_id = stage_fact_sales.transaction_id;

INSERT INTO star.fact_sales (
    transaction_id,
    date_key,
    sale_date,
    store_id,
    product_id,
    customer_id,
    customer_sk,
    quantity,
    unit_price,
    amount_local,
    currency,
    fx_rate,
    fx_rate_date,
    amount_usd,
    fx_missing,
    payment_method
)
SELECT
    transaction_id,
    date_key,
    sale_date,
    store_id,
    product_id,
    customer_id,
    customer_sk,
    quantity,
    unit_price,
    amount_local,
    currency,
    fx_rate,
    fx_rate_date,
    amount_usd,
    fx_missing,
    payment_method
FROM stage_fact_sales;

DROP TABLE stage_fact_sales;

COMMIT;
