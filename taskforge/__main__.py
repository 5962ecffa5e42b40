from taskforge.launch import main

main()
