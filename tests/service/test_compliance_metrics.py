"""``/metrics`` on the admin listener counts mini programs per blocking reason, as the
compliance board does when the metrics are read; every reason shows, 0 when none."""

from __future__ import annotations

import time

from wxcomponent.core.compliance_state import CODES, assess
from wxcomponent.stores import ComplianceRecord

from ..support.service import APPID, Running

DAY = 86400.0


def gauge(text: str, reason: str) -> float:
    prefix = f'wxcomponent_compliance_merchants{{platform="{APPID}",reason="{reason}"}} '
    lines = [line for line in text.splitlines() if line.startswith(prefix)]
    assert len(lines) == 1, (reason, text[-2000:])
    return float(lines[0][len(prefix):])


async def test_metrics_count_merchants_per_blocking_reason(svc: Running) -> None:
    now = time.time()
    for n, fields in enumerate([{"filing_status": 3}, {"filing_status": 3, "suspended": True},
                                {"verified_until": now + 5 * DAY}, {}]):
        svc.store.save_compliance(assess(ComplianceRecord(APPID, f"wx{n:016x}", **fields),
                                         now))
    answer = await svc.admin.get("/metrics")
    assert answer.status_code == 200
    assert gauge(answer.text, "not_filed") == 2
    assert gauge(answer.text, "suspended") == 1
    assert gauge(answer.text, "verification_expiring") == 1
    assert gauge(answer.text, "blocked") == 2
    assert all(gauge(answer.text, code) == 0 for code in
               ("verification_expired", "privacy_interface_rejected", "violations_open"))
    assert set(CODES) <= {line.split('reason="')[1].split('"')[0]
                          for line in answer.text.splitlines()
                          if line.startswith("wxcomponent_compliance_merchants{")}
    svc.store.save_compliance(assess(ComplianceRecord(APPID, "wx0000000000000000",
                                                      filing_status=6), now))
    assert gauge((await svc.admin.get("/metrics")).text, "not_filed") == 1
    assert (await svc.client.get("/metrics")).status_code == 404  # not on the public listener
