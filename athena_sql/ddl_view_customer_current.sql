-- DDL (not created by a crawler): view of the current version of each customer from the
-- SCD2 dimension, so analysts need not remember the is_current filter.
CREATE OR REPLACE VIEW ${gold_db}.v_customer_current AS
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
    valid_from AS current_since
FROM ${gold_db}.dim_customer
WHERE is_current
