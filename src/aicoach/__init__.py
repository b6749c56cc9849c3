"""AI Coach: a self-hostable AI coach for retail options traders."""

__version__ = "0.1.0"
