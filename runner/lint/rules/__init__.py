"""The lint rules, one module per family; importing this package registers them all."""

from . import placeholders, yamlblocks, schema, references, state, paths, syntax, secrets, shared, session  # noqa: F401
