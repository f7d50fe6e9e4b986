-- Data-quality trend: per day and entity, how many DQDL rules were evaluated, how many
-- failed (and of those, how many had severity error), rows failing, and the pass rate.
-- Source: ops.dq_results (one row per rule evaluation of a silver run).
SELECT
    CAST(evaluated_at AS DATE) AS run_date,
    entity,
    COUNT(*) AS rules_evaluated,
    COUNT_IF(outcome = 'Failed') AS rules_failed,
    COUNT_IF(outcome = 'Failed' AND severity = 'error') AS error_rules_failed,
    SUM(COALESCE(failed_rows, 0)) AS failed_rows,
    ROUND(100 * CAST(COUNT_IF(outcome = 'Passed') AS DOUBLE) / COUNT(*), 2) AS pass_rate_pct
FROM ${ops_db}.dq_results
GROUP BY CAST(evaluated_at AS DATE), entity
ORDER BY run_date ASC, entity ASC
