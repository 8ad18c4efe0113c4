"""Provider simulators: small stateful HTTP servers that behave like the real services."""
