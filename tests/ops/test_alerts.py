"""The alerting rules of deploy/prometheus, tested by `promtool test rules` (Debian's prometheus
package: `make promtool`): every alert has a case where it fires and one where it stays quiet, and
the tests notice when a rule stops firing."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

HERE = Path(__file__).resolve().parents[2] / "deploy" / "prometheus"
RULES, TESTS = HERE / "twei-alerts.yml", HERE / "twei-alerts.test.yml"
PROMTOOL = shutil.which("promtool")

pytestmark = pytest.mark.skipif(PROMTOOL is None, reason="promtool is not installed (make promtool)")


def promtool(*args: str, cwd: Path = HERE) -> subprocess.CompletedProcess:
    return subprocess.run([PROMTOOL, *args], cwd=cwd, capture_output=True, text=True, timeout=60)


def alerts() -> dict[str, dict]:
    return {r["alert"]: r for g in yaml.safe_load(RULES.read_text())["groups"] for r in g["rules"] if "alert" in r}


def test_alert_rules__pass_promtool_check_and_their_unit_tests():
    check = promtool("check", "rules", RULES.name)
    assert check.returncode == 0, check.stdout + check.stderr
    run = promtool("test", "rules", TESTS.name)
    assert run.returncode == 0, run.stdout + run.stderr


def test_alert_rules__each_alert_has_a_firing_case_and_a_quiet_one():
    cases: dict[str, dict[str, bool]] = {name: {"fires": False, "quiet": False} for name in alerts()}
    for test in yaml.safe_load(TESTS.read_text())["tests"]:
        series = {s["series"].split("{")[0] + "{" + s["series"].split("{")[1] for s in test["input_series"]}
        for case in test.get("alert_rule_test", []):
            seen = cases[case["alertname"]]
            if case["exp_alerts"]:
                seen["fires"] = True
                # Another series in the same test, not among the expected alerts: it stays quiet.
                seen["quiet"] |= len(series) > len(case["exp_alerts"]) * (1 if "5xx" not in case["alertname"] else 2)
            else:
                seen["quiet"] = True
    assert {name: seen for name, seen in cases.items() if not all(seen.values())} == {}


@pytest.mark.parametrize("name", sorted(alerts()))
def test_alert_rules__a_rule_that_never_fires_fails_its_test(name, tmp_path):
    """Mutation: the alert's expression replaced by one that never holds; promtool must fail."""
    rules = yaml.safe_load(RULES.read_text())
    for group in rules["groups"]:
        for rule in group["rules"]:
            if rule.get("alert") == name:
                rule["expr"] = f"({rule['expr']}) and on() vector(0) > 1"
    (tmp_path / RULES.name).write_text(yaml.safe_dump(rules))
    tests = yaml.safe_load(TESTS.read_text())  # only this alert's cases: promtool is slow on all
    tests["tests"] = [t for t in tests["tests"] if any(c["alertname"] == name for c in t.get("alert_rule_test", []))]
    (tmp_path / TESTS.name).write_text(yaml.safe_dump(tests))
    run = promtool("test", "rules", TESTS.name, cwd=tmp_path)
    assert run.returncode != 0 and name in run.stdout + run.stderr, run.stdout
