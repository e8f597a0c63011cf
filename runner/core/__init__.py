"""The base every layer may use: the tool's errors (each with its file:line), check results with evidence, and redaction."""
