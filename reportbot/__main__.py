"""Run ``python -m reportbot``."""

from reportbot.cli import main

main()
