-- Spectrum query: revenue per city and category, reading the external gold table
-- daily_sales in place (S3, through the Glue catalog) and joining it with the local
-- dim_store. A late-binding view (WITH NO SCHEMA BINDING) is required for views that
-- reference external tables.
CREATE OR REPLACE VIEW bi.v_city_category_revenue AS
SELECT
    s.city,
    g.category,
    SUM(g.orders) AS orders,
    SUM(g.units) AS units,
    SUM(g.revenue_usd) AS revenue_usd
FROM spectrum_gold.daily_sales AS g
INNER JOIN star.dim_store AS s ON g.store_id = s.store_id
GROUP BY s.city, g.category
WITH NO SCHEMA BINDING;
