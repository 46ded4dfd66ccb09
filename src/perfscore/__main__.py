from perfscore.cli.app import main

main()
