-- Star schema (columns and order as docs/TABLES.md: COPY ... FORMAT AS PARQUET maps Parquet
-- columns to table columns by position, so the order here must match the gold exports).
--
-- Distribution and sort keys:
-- * Dimensions are small (stores, products, calendar days, customer versions in the
--   thousands): DISTSTYLE ALL puts a full copy on every node, so joins from the fact
--   never move dimension rows. dim_customer is the largest; at millions of versions
--   switch it to DISTKEY (customer_sk) to match the fact.
-- * fact_sales is the big table: DISTKEY (customer_sk) spreads rows evenly (many
--   customers) and co-locates each sale with its customer version for that join;
--   SORTKEY (sale_date) lets date-range scans (most BI filters) skip blocks via zone maps.
-- * Dimension sort keys are their join keys (merge-join friendly); dim_customer sorts by
--   customer_id, valid_from for point-in-time lookups.
-- * ENCODE AZ64 on numeric/date columns, ZSTD on strings; sort key columns stay RAW.

CREATE TABLE IF NOT EXISTS star.dim_date (
    date_key INTEGER NOT NULL ENCODE RAW,
    date DATE NOT NULL ENCODE AZ64,
    year INTEGER ENCODE AZ64,
    quarter INTEGER ENCODE AZ64,
    month INTEGER ENCODE AZ64,
    month_name VARCHAR(9) ENCODE ZSTD,
    day_of_month INTEGER ENCODE AZ64,
    day_of_week INTEGER ENCODE AZ64,
    day_name VARCHAR(9) ENCODE ZSTD,
    is_weekend BOOLEAN,
    PRIMARY KEY (date_key)
)
DISTSTYLE ALL
SORTKEY (date_key);

CREATE TABLE IF NOT EXISTS star.dim_store (
    store_id VARCHAR(32) NOT NULL ENCODE RAW,
    store_name VARCHAR(256) ENCODE ZSTD,
    city VARCHAR(128) ENCODE ZSTD,
    PRIMARY KEY (store_id)
)
DISTSTYLE ALL
SORTKEY (store_id);

CREATE TABLE IF NOT EXISTS star.dim_product (
    product_id VARCHAR(32) NOT NULL ENCODE RAW,
    product_name VARCHAR(256) ENCODE ZSTD,
    category VARCHAR(128) ENCODE ZSTD,
    brand VARCHAR(128) ENCODE ZSTD,
    unit_cost DECIMAL(12, 2) ENCODE AZ64,
    list_price DECIMAL(12, 2) ENCODE AZ64,
    PRIMARY KEY (product_id)
)
DISTSTYLE ALL
SORTKEY (product_id);

CREATE TABLE IF NOT EXISTS star.dim_customer (
    customer_sk VARCHAR(64) NOT NULL ENCODE ZSTD,
    customer_id VARCHAR(32) NOT NULL ENCODE RAW,
    first_name VARCHAR(256) ENCODE ZSTD,
    last_name VARCHAR(256) ENCODE ZSTD,
    email VARCHAR(256) ENCODE ZSTD,
    phone VARCHAR(256) ENCODE ZSTD,
    street VARCHAR(256) ENCODE ZSTD,
    city VARCHAR(128) ENCODE ZSTD,
    state VARCHAR(64) ENCODE ZSTD,
    postcode VARCHAR(32) ENCODE ZSTD,
    country VARCHAR(64) ENCODE ZSTD,
    loyalty_tier VARCHAR(32) ENCODE ZSTD,
    attr_hash VARCHAR(64) ENCODE ZSTD,
    valid_from TIMESTAMP NOT NULL ENCODE RAW,
    valid_to TIMESTAMP NOT NULL ENCODE AZ64,
    is_current BOOLEAN,
    PRIMARY KEY (customer_sk)
)
DISTSTYLE ALL
COMPOUND SORTKEY (customer_id, valid_from);

CREATE TABLE IF NOT EXISTS star.fact_sales (
    transaction_id VARCHAR(64) NOT NULL ENCODE ZSTD,
    date_key INTEGER NOT NULL ENCODE AZ64,
    sale_date DATE NOT NULL ENCODE RAW,
    store_id VARCHAR(32) ENCODE ZSTD,
    product_id VARCHAR(32) ENCODE ZSTD,
    customer_id VARCHAR(32) ENCODE ZSTD,
    customer_sk VARCHAR(64) ENCODE ZSTD,
    quantity INTEGER ENCODE AZ64,
    unit_price DECIMAL(12, 2) ENCODE AZ64,
    amount_local DECIMAL(14, 2) ENCODE AZ64,
    currency CHAR(3) ENCODE ZSTD,
    fx_rate DECIMAL(18, 8) ENCODE AZ64,
    fx_rate_date DATE ENCODE AZ64,
    amount_usd DECIMAL(14, 2) ENCODE AZ64,
    fx_missing BOOLEAN,
    payment_method VARCHAR(32) ENCODE ZSTD,
    PRIMARY KEY (transaction_id)
)
DISTSTYLE KEY
DISTKEY (customer_sk)
SORTKEY (sale_date);
