"""taskforge: a keyboard-driven terminal planner whose agent proposes every change as a patch."""

__version__ = "0.1.0"
