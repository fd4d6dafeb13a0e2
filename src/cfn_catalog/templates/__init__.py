"""The catalog: one module per deployable template, discovered by the registry."""
