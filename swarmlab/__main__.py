import sys

from swarmlab.cli import main

sys.exit(main())
