"""Our own descriptions of the provider operations the app uses."""
