"""`python -m evqa.cli`, as `evqa`."""

from evqa.cli import main

main()
