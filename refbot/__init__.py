"""RefBot: run your customer reference program inside Slack."""

__version__ = "0.1.0"
