-- Daily revenue in USD over all stores and categories, with the change against the same
-- weekday one week earlier (NULL when that day had no sales).
-- Source: gold.daily_sales (one row per sale_date x store_id x category).
WITH daily AS (
    SELECT
        sale_date,
        SUM(orders) AS orders,
        SUM(units) AS units,
        SUM(revenue_usd) AS revenue_usd,
        SUM(unconverted_sales) AS unconverted_sales
    FROM ${gold_db}.daily_sales
    GROUP BY sale_date
)

SELECT
    cur.sale_date,
    cur.orders,
    cur.units,
    cur.revenue_usd,
    cur.unconverted_sales,
    prev.revenue_usd AS revenue_usd_week_before,
    cur.revenue_usd - prev.revenue_usd AS wow_change_usd,
    CASE
        WHEN prev.revenue_usd > 0
            THEN ROUND(
                100 * CAST(cur.revenue_usd - prev.revenue_usd AS DOUBLE)
                / CAST(prev.revenue_usd AS DOUBLE),
                2
            )
    END AS wow_change_pct
FROM daily AS cur
LEFT JOIN daily AS prev
    ON DATE_ADD('day', -7, cur.sale_date) = prev.sale_date
ORDER BY cur.sale_date
