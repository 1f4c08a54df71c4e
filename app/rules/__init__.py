"""Pure rules: validation, deadlines, workflows, numbering. No database, no Qt, no I/O."""
