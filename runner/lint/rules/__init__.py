"""The lint rules, one module per family; importing this package registers them all."""

from runner.lint.rules import placeholders, yamlblocks, schema, references, state, paths, syntax, secrets, shared, session  # noqa: F401
