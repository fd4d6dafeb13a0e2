from cfn_catalog.cli import main

main()
