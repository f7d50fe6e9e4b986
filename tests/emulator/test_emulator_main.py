"""`make emulator` (lakehouse_local.emulator.__main__) runs the deployed workflow once on the empty
landing/ before it delivers the first sample batch, and stops there when that run fails. The AWS
side (moto, Terraform, the Glue runner) is replaced by recorders: what is checked is the order."""

from types import SimpleNamespace

from lakehouse_local.emulator import __main__ as emulator


class Recorder:
    def __init__(self, events, empty_run_ok=True):
        self.events, self.empty_run_ok = events, empty_run_ok

    def runner(self, endpoint, workflow, workdir):
        recorder = self

        class Runner:
            def run(self):
                delivered = any(e.startswith("upload") for e in recorder.events)
                recorder.events.append(f"run after {'upload' if delivered else 'nothing delivered'}")
                ok = recorder.empty_run_ok or delivered
                return SimpleNamespace(
                    steps=[], succeeded=lambda: ok, timeline=lambda: "timeline", write=lambda path: None
                )

        return Runner()


def patch(monkeypatch, tmp_path, events, **kw):
    rec = Recorder(events, **kw)
    tf = SimpleNamespace(
        apply=lambda: events.append("apply") or 1.0,
        outputs=lambda: {"glue_workflow_name": "wf", "lake_root": "s3://lake", "glue_database_names": {}},
        destroy=lambda: events.append("destroy") or 1.0,
    )
    monkeypatch.setattr(emulator.server, "start_moto", lambda log, **kw: (None, "http://127.0.0.1:1"))
    monkeypatch.setattr(emulator.server, "stop", lambda proc: events.append("stop"))
    monkeypatch.setattr(emulator.server, "client", lambda name, endpoint: None)
    monkeypatch.setattr(emulator, "Terraform", lambda *a: tf)
    monkeypatch.setattr(emulator, "GlueRunner", rec.runner)
    monkeypatch.setattr(emulator.sample_data, "generate", lambda *a: {"batches": 1})
    monkeypatch.setattr(emulator, "upload_batch", lambda *a: events.append("upload batch 1") or 4)
    monkeypatch.setattr(emulator, "catalog", lambda glue, dbs: {})


def test_the_first_run_is_on_an_empty_landing(monkeypatch, tmp_path, capsys):
    events = []
    patch(monkeypatch, tmp_path, events)
    assert emulator.main(["--workdir", str(tmp_path)]) == 0
    assert events == ["apply", "run after nothing delivered", "upload batch 1", "run after upload", "destroy", "stop"]
    assert "run 0: nothing delivered to landing/ yet" in capsys.readouterr().out


def test_a_failed_empty_run_stops_before_any_delivery(monkeypatch, tmp_path):
    events = []
    patch(monkeypatch, tmp_path, events, empty_run_ok=False)
    assert emulator.main(["--workdir", str(tmp_path)]) == 1
    assert "upload batch 1" not in events


def test_the_not_built_lines_come_from_the_gold_summary_once(tmp_path):
    log = tmp_path / "driver.log"
    summary = "gold:\n  gold.dim_date    not built: silver.sales not found\n  gold.dim_product        2 rows\n"
    log.write_text("WARNING gold: gold.dim_date not built: silver.sales not found\n" + summary)
    gold = SimpleNamespace(kind="job", name="lakehouse-emulator-gold-aggregates", log=str(log))
    run = SimpleNamespace(steps=[SimpleNamespace(kind="job", name="x-bronze-ingest", log=""), gold])
    assert emulator.not_built_lines(run) == ["gold.dim_date    not built: silver.sales not found"]
