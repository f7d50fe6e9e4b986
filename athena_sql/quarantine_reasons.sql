-- Quarantine reasons per rule: for each entity and failed DQ rule, how many quarantined rows
-- name it, how many failed that rule alone, and when it was first and last seen.
-- A row failing several rules counts once under each of them. Rows a replay released into
-- silver (_released_at set; kept in the table) are no longer quarantined and are not counted.
-- Source: silver.quarantine_<entity>._dq_failed_rules (array of rule names).
WITH quarantined AS (
    SELECT
        'sales' AS entity,
        _dq_failed_rules,
        _quarantined_at
    FROM ${silver_db}.quarantine_sales
    WHERE _released_at IS NULL
    UNION ALL
    SELECT
        'customers' AS entity,
        _dq_failed_rules,
        _quarantined_at
    FROM ${silver_db}.quarantine_customers
    WHERE _released_at IS NULL
    UNION ALL
    SELECT
        'products' AS entity,
        _dq_failed_rules,
        _quarantined_at
    FROM ${silver_db}.quarantine_products
    WHERE _released_at IS NULL
    UNION ALL
    SELECT
        'fx_rates' AS entity,
        _dq_failed_rules,
        _quarantined_at
    FROM ${silver_db}.quarantine_fx_rates
    WHERE _released_at IS NULL
    UNION ALL
    SELECT
        'web_events' AS entity,
        _dq_failed_rules,
        _quarantined_at
    FROM ${silver_db}.quarantine_web_events
    WHERE _released_at IS NULL
)

SELECT
    q.entity,
    r.rule_name,
    COUNT(*) AS quarantined_rows,
    COUNT_IF(CARDINALITY(q._dq_failed_rules) = 1) AS only_failed_rule,
    MIN(q._quarantined_at) AS first_quarantined_at,
    MAX(q._quarantined_at) AS last_quarantined_at
FROM quarantined AS q
CROSS JOIN UNNEST(q._dq_failed_rules) AS r (rule_name)
GROUP BY q.entity, r.rule_name
ORDER BY q.entity ASC, quarantined_rows DESC, r.rule_name ASC
