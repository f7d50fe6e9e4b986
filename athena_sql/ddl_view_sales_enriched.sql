-- DDL (not created by a crawler): the sales fact joined to its product, store and calendar
-- dimensions, one row per transaction, for ad-hoc slicing in Athena.
CREATE OR REPLACE VIEW ${gold_db}.v_sales_enriched AS
SELECT
    f.transaction_id,
    f.sale_date,
    d.year,
    d.quarter,
    d.month,
    d.day_name,
    d.is_weekend,
    f.store_id,
    s.store_name,
    s.city AS store_city,
    f.product_id,
    p.product_name,
    p.category,
    p.brand,
    f.customer_id,
    f.customer_sk,
    f.quantity,
    f.unit_price,
    f.amount_local,
    f.currency,
    f.amount_usd,
    f.fx_missing,
    f.payment_method
FROM ${gold_db}.fact_sales AS f
LEFT JOIN ${gold_db}.dim_product AS p ON f.product_id = p.product_id
LEFT JOIN ${gold_db}.dim_store AS s ON f.store_id = s.store_id
LEFT JOIN ${gold_db}.dim_date AS d ON f.date_key = d.date_key
