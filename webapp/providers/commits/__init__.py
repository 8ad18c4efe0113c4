"""commit_files of each provider client: the fast path on a known branch state, and the
careful path that reads the branch first (webapp/providers/state.py says which is which).

Each module holds one mixin that its client class inherits; it uses the client's `http`
seam and `label`, and nothing of Flask.
"""
