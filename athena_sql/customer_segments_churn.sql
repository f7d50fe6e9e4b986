-- Customers per RFM segment and churn risk: how many, their lifetime value and recency,
-- and the share of all customers. Source: gold.customer_360 (one row per customer).
SELECT
    segment,
    churn_risk,
    COUNT(*) AS customers,
    SUM(orders) AS orders,
    SUM(lifetime_value_usd) AS lifetime_value_usd,
    AVG(lifetime_value_usd) AS avg_lifetime_value_usd,
    ROUND(AVG(CAST(recency_days AS DOUBLE)), 1) AS avg_recency_days,
    ROUND(100 * CAST(COUNT(*) AS DOUBLE) / SUM(COUNT(*)) OVER (), 2) AS pct_of_customers
FROM ${gold_db}.customer_360
GROUP BY segment, churn_risk
ORDER BY
    segment ASC,
    CASE churn_risk WHEN 'high' THEN 1 WHEN 'medium' THEN 2 WHEN 'low' THEN 3 ELSE 4 END ASC
