"""The Glue cost model: DPU-seconds and USD of job runs, from their run times (the lake report, the run
summary and the benches all estimate with it)."""

# AWS Glue pricing (us-east-1): Spark jobs $0.44 per DPU-hour; Flex $0.29 = the "up to 34 %" saving AWS
# announces for Flex (not read off the pricing page here: check your region). Glue 2.0+ bills per second
# with a 1-minute minimum per job run. Worker types page:
# G.1X = 1 DPU (4 vCPU, 16 GB). JobRun API: a Spark job is allocated 2 to 100 DPUs (2 G.1X workers minimum).
PRICE_PER_DPU_HOUR = {"G.1X standard": 0.44, "G.1X Flex": 0.29}
MIN_BILLED_SECONDS = 60


def glue_cost(job_seconds: dict[str, float], workers: int = 2) -> dict:
    """DPU-seconds and USD for one run of each job: max(60 s, runtime) × workers × 1 DPU each."""
    dpu_seconds = sum(max(MIN_BILLED_SECONDS, s) for s in job_seconds.values()) * workers
    return {
        "assumptions": (
            f"{workers} G.1X workers (1 DPU each; 2 DPUs is the minimum); each job's Glue run time = its measured "
            "local wall time (2 local cores ~ 2 workers; Glue start-up not counted); per-second billing with a "
            f"{MIN_BILLED_SECONDS} s minimum per job run; one run of each job per day; us-east-1 list prices"
        ),
        "jobs": len(job_seconds),
        "dpu_seconds": round(dpu_seconds, 1),
        "usd_per_run": {k: round(dpu_seconds / 3600 * p, 4) for k, p in PRICE_PER_DPU_HOUR.items()},
        "usd_per_30_days": {k: round(dpu_seconds / 3600 * p * 30, 2) for k, p in PRICE_PER_DPU_HOUR.items()},
    }


def cost_lines(cost: dict) -> list[str]:
    lines = [f"Glue cost estimate per daily run ({cost['jobs']} job runs): {cost['dpu_seconds']:.0f} DPU-seconds"]
    for k in PRICE_PER_DPU_HOUR:
        lines.append(f"  {k:<14} ${cost['usd_per_run'][k]:.4f} per run, ${cost['usd_per_30_days'][k]:.2f} per 30 days")
    lines.append(f"  assumptions: {cost['assumptions']}")
    return lines
