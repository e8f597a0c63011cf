"""The lint rules, one module per family; importing this package registers them all."""

from runner.lint.rules import checks, paths, placeholders, references, schema, secrets, session, shared, state, syntax, yamlblocks  # noqa: F401
