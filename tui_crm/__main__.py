"""python -m tui_crm → cli.main()."""

from tui_crm.cli import main

raise SystemExit(main())
