from ann2snn.cli import main

raise SystemExit(main())
