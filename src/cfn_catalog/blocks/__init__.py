"""Shared building blocks: plain functions that add resources to a template.

Each takes the template and a logical-id prefix first and everything else by
keyword, adds its resources and returns them. Secure defaults for a service
live in its block, once; callers override by keyword, visibly.
"""
