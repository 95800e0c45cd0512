"""Tests for dbshift.script: graph, targets, plans, folder reading and writing."""
