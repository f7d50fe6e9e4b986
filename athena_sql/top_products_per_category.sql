-- Top 3 products of each category by revenue (USD) over all months, with their share of
-- the category's revenue. Ties are broken by product_id so the ranking is stable.
-- Source: gold.product_performance (one row per month x product).
WITH product_revenue AS (
    SELECT
        category,
        product_id,
        product_name,
        SUM(revenue_usd) AS revenue_usd,
        SUM(units) AS units,
        SUM(orders) AS orders
    FROM ${gold_db}.product_performance
    GROUP BY category, product_id, product_name
),

ranked AS (
    SELECT
        category,
        product_id,
        product_name,
        revenue_usd,
        units,
        orders,
        ROW_NUMBER() OVER (
            PARTITION BY category ORDER BY revenue_usd DESC, product_id ASC
        ) AS rank_in_category,
        ROUND(
            100 * CAST(revenue_usd AS DOUBLE)
            / SUM(CAST(revenue_usd AS DOUBLE)) OVER (PARTITION BY category),
            2
        ) AS pct_of_category_revenue
    FROM product_revenue
)

SELECT
    category,
    rank_in_category,
    product_id,
    product_name,
    revenue_usd,
    units,
    orders,
    pct_of_category_revenue
FROM ranked
WHERE rank_in_category <= 3
ORDER BY category ASC, rank_in_category ASC
