"""deploy/monitoring: the Grafana dashboard and the alert rules parse, and use only our metrics."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml
from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families

MONITORING = Path(__file__).resolve().parents[1] / "deploy" / "monitoring"
OUR_METRIC = re.compile(r"\bsmsbridge_[a-z0-9_]+\b")
# The samples each type of family is exposed as.
SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum"), "gauge": ("",)}
DURATION = re.compile(r"\d+[smhd]")


def dashboard() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((MONITORING / "grafana-dashboard.json").read_text())
    return loaded


def alert_rules() -> list[dict[str, Any]]:
    loaded = yaml.safe_load((MONITORING / "alerts.yml").read_text())
    return [rule for group in loaded["groups"] for rule in group["rules"]]


def exported(client: FlaskClient) -> set[str]:
    """Every sample name /metrics can show, including families with no sample yet."""
    text = client.get("/metrics").get_data(as_text=True)
    return {
        family.name + suffix
        for family in text_string_to_metric_families(text)
        for suffix in SUFFIXES.get(family.type, ("",))
    }


def test_the_dashboard_is_a_grafana_dashboard_with_a_query_in_every_panel() -> None:
    board = dashboard()

    assert board["uid"] and board["title"] and board["schemaVersion"] >= 30
    ids = [panel["id"] for panel in board["panels"]]
    assert len(ids) == len(set(ids))
    for panel in board["panels"]:
        assert panel["type"] in ("timeseries", "stat")
        assert set(panel["gridPos"]) == {"x", "y", "w", "h"}
        assert panel["gridPos"]["x"] + panel["gridPos"]["w"] <= 24
        assert panel["targets"] and all(OUR_METRIC.search(t["expr"]) for t in panel["targets"])


def test_the_alerts_are_prometheus_rules_with_the_ones_asked_for() -> None:
    rules = alert_rules()

    for rule in rules:
        assert set(rule) == {"alert", "expr", "for", "labels", "annotations"}, rule["alert"]
        assert DURATION.fullmatch(rule["for"])
        assert rule["labels"]["severity"] in ("critical", "warning", "info")
        assert rule["annotations"]["summary"]
        assert rule["expr"].count("(") == rule["expr"].count(")")
    by_name = {rule["alert"]: rule["expr"] for rule in rules}
    assert len(by_name) == len(rules)
    assert "smsbridge_queue_oldest_job_age_seconds) > 300" in by_name["SmsbridgeQueueStuck"]
    assert "> 0.2" in by_name["SmsbridgeDeliveriesFailing"]
    assert "> 1800" in by_name["SmsbridgeNoTextsDuringEvent"]
    assert "smsbridge_events_running) > 0" in by_name["SmsbridgeNoTextsDuringEvent"]
    assert "> 0" in by_name["SmsbridgeAccountsNeedRelinking"]
    assert "< 7" in by_name["SmsbridgeTokenExpiringSoon"]


def test_every_metric_they_use_is_one_the_app_exports(client: FlaskClient) -> None:
    queries = [t["expr"] for panel in dashboard()["panels"] for t in panel["targets"]]
    queries += [rule["expr"] for rule in alert_rules()]
    used = {name for query in queries for name in OUR_METRIC.findall(query)}

    assert used, "no smsbridge_ metric in the dashboard or the alerts"
    assert used - exported(client) == set()
