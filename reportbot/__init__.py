"""reportbot: BSE (北交所) IPO subscription research, reports and alerts."""

__version__ = "0.1.0"
