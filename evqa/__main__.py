from evqa.cli import main

main()
