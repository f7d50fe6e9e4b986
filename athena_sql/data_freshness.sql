-- Data freshness per table: the latest business date each table holds, when silver last
-- loaded it (_processed_at), its row count, and how old both are now. Gold tables carry no
-- load timestamp, so their load columns are NULL (see ops.pipeline_runs for gold runs).
WITH tables AS (
    SELECT
        'silver.sales' AS table_name,
        MAX(sale_date) AS latest_business_date,
        MAX(_processed_at) AS last_loaded_at,
        COUNT(*) AS row_count
    FROM ${silver_db}.sales
    UNION ALL
    SELECT
        'silver.customers' AS table_name,
        CAST(MAX(updated_at) AS DATE) AS latest_business_date,
        MAX(_processed_at) AS last_loaded_at,
        COUNT(*) AS row_count
    FROM ${silver_db}.customers
    UNION ALL
    SELECT
        'silver.products' AS table_name,
        CAST(NULL AS DATE) AS latest_business_date,
        MAX(_processed_at) AS last_loaded_at,
        COUNT(*) AS row_count
    FROM ${silver_db}.products
    UNION ALL
    SELECT
        'silver.fx_rates' AS table_name,
        MAX(rate_date) AS latest_business_date,
        MAX(_processed_at) AS last_loaded_at,
        COUNT(*) AS row_count
    FROM ${silver_db}.fx_rates
    UNION ALL
    SELECT
        'silver.web_events' AS table_name,
        MAX(event_date) AS latest_business_date,
        MAX(_processed_at) AS last_loaded_at,
        COUNT(*) AS row_count
    FROM ${silver_db}.web_events
    UNION ALL
    SELECT
        'gold.fact_sales' AS table_name,
        MAX(sale_date) AS latest_business_date,
        NULL AS last_loaded_at,
        COUNT(*) AS row_count
    FROM ${gold_db}.fact_sales
    UNION ALL
    SELECT
        'gold.daily_sales' AS table_name,
        MAX(sale_date) AS latest_business_date,
        NULL AS last_loaded_at,
        COUNT(*) AS row_count
    FROM ${gold_db}.daily_sales
)

SELECT
    table_name,
    latest_business_date,
    last_loaded_at,
    row_count,
    DATE_DIFF('day', latest_business_date, CURRENT_DATE) AS days_since_latest_business_date,
    DATE_DIFF('hour', last_loaded_at, CURRENT_TIMESTAMP) AS hours_since_last_load
FROM tables
ORDER BY table_name
