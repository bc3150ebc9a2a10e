import sys

from deptfeeds.cli import main

sys.exit(main())
