"""The coach's neutral contract: tools (``coach.tools``) and offline skills (``coach.skills``).

Slices declare their tools and skills against this package; the chat runs them. It imports no
feature slice and no web module (an import-linter contract in ``pyproject.toml`` holds it).
"""
