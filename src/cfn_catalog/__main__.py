from cfn_catalog.cli.app import main

main()
