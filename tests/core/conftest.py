"""Core tests build their inputs with the shared builders."""

from tests.builders import dispute_input, visit_input

__all__ = ["dispute_input", "visit_input"]
