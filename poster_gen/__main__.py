from poster_gen.cli import main

main()
