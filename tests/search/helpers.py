"""Inputs shared by the search and GUI tests."""

from tests.builders import dispute_input, visit_input

__all__ = ["dispute_input", "visit_input"]
