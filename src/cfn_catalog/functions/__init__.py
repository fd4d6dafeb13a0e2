"""Source of the Lambda handlers, Glue scripts and jobs the templates ship.

Each module here is real code with its own tests; templates embed small
handlers inline and publish the rest as assets.
"""
