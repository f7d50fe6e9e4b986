-- BI views over the star schema (dashboards read these, never the tables).

-- Daily revenue in USD; sales without a usable FX rate are counted (unconverted_sales), not
-- summed, so a day with only such sales shows revenue 0 (as gold.daily_sales does).
CREATE OR REPLACE VIEW bi.v_daily_revenue AS
SELECT
    f.sale_date,
    COUNT(*) AS orders,
    SUM(f.quantity) AS units,
    COALESCE(SUM(f.amount_usd), 0) AS revenue_usd,
    SUM(CASE WHEN f.fx_missing THEN 1 ELSE 0 END) AS unconverted_sales
FROM star.fact_sales AS f
GROUP BY f.sale_date;

-- Monthly revenue per product category.
CREATE OR REPLACE VIEW bi.v_category_monthly_revenue AS
SELECT
    d.year,
    d.month,
    p.category,
    COUNT(*) AS orders,
    SUM(f.quantity) AS units,
    COALESCE(SUM(f.amount_usd), 0) AS revenue_usd
FROM star.fact_sales AS f
INNER JOIN star.dim_date AS d ON f.date_key = d.date_key
INNER JOIN star.dim_product AS p ON f.product_id = p.product_id
GROUP BY d.year, d.month, p.category;

-- Revenue by the loyalty tier the customer had at the time of each sale: the fact carries
-- the SCD2 version key (customer_sk), so history is not rewritten by later tier changes.
CREATE OR REPLACE VIEW bi.v_revenue_by_tier_at_sale AS
SELECT
    c.loyalty_tier,
    COUNT(*) AS orders,
    COUNT(DISTINCT f.customer_id) AS customers,
    COALESCE(SUM(f.amount_usd), 0) AS revenue_usd
FROM star.fact_sales AS f
INNER JOIN star.dim_customer AS c ON f.customer_sk = c.customer_sk
GROUP BY c.loyalty_tier;

-- Store performance: revenue, orders and average order value (USD).
CREATE OR REPLACE VIEW bi.v_store_performance AS
SELECT
    s.store_id,
    s.store_name,
    s.city,
    COUNT(*) AS orders,
    COALESCE(SUM(f.amount_usd), 0) AS revenue_usd,
    CAST(AVG(f.amount_usd) AS DECIMAL(14, 2)) AS avg_order_value_usd
FROM star.fact_sales AS f
INNER JOIN star.dim_store AS s ON f.store_id = s.store_id
GROUP BY s.store_id, s.store_name, s.city;
