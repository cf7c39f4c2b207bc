from surveyapp.cli import main

main()
