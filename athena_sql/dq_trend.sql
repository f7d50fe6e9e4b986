-- Data-quality trend: per day and entity, the rules evaluated and what their outcomes mean.
-- Source: ops.dq_results (one row per rule of each silver run and entity). Parameters: none.
--   rules_failed / error_rules_failed: rules whose evaluator outcome is Failed (of severity error).
--   rules_passed_with_flagged_rows: dataset rules that Passed (threshold met) although their
--     row-level check flagged rows (see outcome_note).
--   distinct_rows_flagged: rows flagged by at least one rule or check, each row once
--     (rows_flagged_by_any_rule per run, summed over the day's runs).
--   rule_row_flags: flagged rows summed over rules: a row failing three rules counts three times.
WITH per_run AS (
    SELECT
        CAST(evaluated_at AS DATE) AS run_date,
        entity,
        run_id,
        COUNT(*) AS rules_evaluated,
        COUNT_IF(outcome = 'Passed') AS rules_passed,
        COUNT_IF(outcome = 'Failed') AS rules_failed,
        COUNT_IF(outcome = 'Failed' AND severity = 'error') AS error_rules_failed,
        COUNT_IF(outcome = 'Passed' AND flagged_rows > 0) AS rules_passed_with_flagged_rows,
        MAX(COALESCE(rows_flagged_by_any_rule, 0)) AS distinct_rows_flagged,
        SUM(COALESCE(flagged_rows, 0)) AS rule_row_flags
    FROM ${ops_db}.dq_results
    GROUP BY CAST(evaluated_at AS DATE), entity, run_id
)

SELECT
    run_date,
    entity,
    SUM(rules_evaluated) AS rules_evaluated,
    SUM(rules_failed) AS rules_failed,
    SUM(error_rules_failed) AS error_rules_failed,
    SUM(rules_passed_with_flagged_rows) AS rules_passed_with_flagged_rows,
    SUM(distinct_rows_flagged) AS distinct_rows_flagged,
    SUM(rule_row_flags) AS rule_row_flags,
    ROUND(100 * CAST(SUM(rules_passed) AS DOUBLE) / SUM(rules_evaluated), 2) AS pass_rate_pct
FROM per_run
GROUP BY run_date, entity
ORDER BY run_date ASC, entity ASC
