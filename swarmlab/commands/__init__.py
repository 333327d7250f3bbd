"""The chapter's command vocabulary, built safely from validated, quoted names."""

from swarmlab.commands.names import quoted, validate

__all__ = ["quoted", "validate"]
