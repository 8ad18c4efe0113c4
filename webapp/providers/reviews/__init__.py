"""Pull and merge requests and branch deletion, one mixin per provider (issue 13).

Each module holds the mixin its client class inherits, like providers/commits/: it uses
the client's `http` seam and `label`, and maps its provider's answer onto ChangeRequest.
"""
