from dbshift.cli.main import main

main()
