#!/usr/bin/env python3
# Parses the Prometheus text format on stdin with the official Python client's parser
# (python3-prometheus-client) and prints every sample as JSON: a real parser, so a test
# reading /metrics through it also proves the exposition is valid.
# NaN and the infinities are valid sample values (prom-client's event-loop gauges read NaN
# when no delay was sampled since the last scrape) but not valid JSON: they are written as
# the strings the text format uses, and prometheus.ts turns them back into numbers.
import json
import math
import sys

from prometheus_client.parser import text_string_to_metric_families


def as_json_value(value):
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return value


samples = []
for family in text_string_to_metric_families(sys.stdin.read()):
    for s in family.samples:
        samples.append(
            {"family": family.name, "type": family.type, "name": s.name, "labels": s.labels, "value": as_json_value(s.value)}
        )
json.dump(samples, sys.stdout, allow_nan=False)
