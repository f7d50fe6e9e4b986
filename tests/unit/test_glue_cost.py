"""The Glue cost estimate printed by `make lake` and the bench: per-second billing, 1-minute minimum, 2 DPUs."""

from lakehouse.glue_cost import cost_lines, glue_cost


def test_short_jobs_are_billed_the_one_minute_minimum_on_two_dpus():
    cost = glue_cost({"bronze": 10.0, "silver": 100.0})
    # by hand: (60 + 100) s × 2 DPU = 320 DPU-s; 320 / 3600 h × $0.44 = $0.0391, × $0.29 = $0.0258
    assert cost["dpu_seconds"] == 320.0
    assert cost["usd_per_run"] == {"G.1X standard": 0.0391, "G.1X Flex": 0.0258}
    assert cost["usd_per_30_days"] == {"G.1X standard": 1.17, "G.1X Flex": 0.77}


def test_cost_lines_state_the_assumptions():
    text = "\n".join(cost_lines(glue_cost({"gold": 61.0})))
    assert "122 DPU-seconds" in text
    assert "1-minute" in text or "60 s minimum" in text
    assert "G.1X Flex" in text and "G.1X standard" in text
