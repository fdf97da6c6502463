"""Processing steps: typed step definitions compiled to DuckDB SQL. No Django imports.

A dataset's raw import (a `datapolis.engine.Prepared`) goes through a list of steps
(`Step(kind, options)`, checked by `parse_steps`); `apply_steps` compiles them into one
chain of CTEs — SQL only, no row-by-row Python — checks the values that can fail (the
first failing row is reported with its number and value) and writes the result to a
temporary table, returned as a new `Prepared` ordered by the input's row numbers.
`preview_steps` is the same SQL over the first input rows. See docs/steps.md.
"""

from datapolis.steps.model import Applied, Option, Preview, Step, StepContext, StepCount, StepError
from datapolis.steps.pipeline import apply_steps, compile_steps, preview_steps
from datapolis.steps.registry import PROCESSORS, Processor, parse_steps

__all__ = [
    "PROCESSORS",
    "Applied",
    "Option",
    "Preview",
    "Processor",
    "Step",
    "StepContext",
    "StepCount",
    "StepError",
    "apply_steps",
    "compile_steps",
    "parse_steps",
    "preview_steps",
]
