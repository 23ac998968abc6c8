"""Reading the app's /metrics as a client would."""

from __future__ import annotations

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample


class Scrape:
    """One read of /metrics: values read together belong to the same moment."""

    def __init__(self, client: TestClient) -> None:
        answer = client.get("/metrics")
        assert answer.status_code == 200
        self.samples: list[Sample] = [
            sample
            for family in text_string_to_metric_families(answer.text)
            for sample in family.samples
        ]

    def value(self, name: str, **labels: str) -> float:
        """One sample's value (e.g. `truyxuat_scans_recorded_total`); 0 if absent."""
        for found in self.samples:
            if found.name == name and all(found.labels.get(k) == v for k, v in labels.items()):
                return float(found.value)
        return 0.0


def metric_value(client: TestClient, name: str, **labels: str) -> float:
    return Scrape(client).value(name, **labels)
