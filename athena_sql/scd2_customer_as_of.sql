-- SCD2 point-in-time lookup: the version of one customer that was valid at a given moment
-- (valid_from inclusive, valid_to exclusive; the current version has valid_to 9999-12-31).
-- Parameters: the two literals in `lookup`. Defaults answer on the sample lake (`make lake`:
-- 2000 rows, 3 batches, seed 7): customer C000016 on 2024-01-15, between its first version
-- (2024-01-01 06:15, tier silver) and its change of 2024-01-29 06:14 (tier platinum), so it
-- returns one row: the first version.
WITH lookup AS (
    SELECT
        'C000016' AS customer_id,
        TIMESTAMP '2024-01-15 00:00:00' AS as_of
)

SELECT
    d.customer_sk,
    d.customer_id,
    d.first_name,
    d.last_name,
    d.email,
    d.city,
    d.state,
    d.country,
    d.loyalty_tier,
    d.valid_from,
    d.valid_to,
    d.is_current
FROM ${gold_db}.dim_customer AS d
INNER JOIN lookup AS l
    ON d.customer_id = l.customer_id
WHERE
    d.valid_from <= l.as_of
    AND l.as_of < d.valid_to
