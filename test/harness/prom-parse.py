#!/usr/bin/env python3
# Parses the Prometheus text format on stdin with the official Python client's parser
# (python3-prometheus-client) and prints every sample as JSON: a real parser, so a test
# reading /metrics through it also proves the exposition is valid.
import json
import sys

from prometheus_client.parser import text_string_to_metric_families

samples = []
for family in text_string_to_metric_families(sys.stdin.read()):
    for s in family.samples:
        samples.append({"family": family.name, "type": family.type, "name": s.name, "labels": s.labels, "value": s.value})
json.dump(samples, sys.stdout)
