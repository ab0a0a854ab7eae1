import os
import sys

from codegen.cli import main

try:
    code = main()
    sys.stdout.flush()
except BrokenPipeError:
    # output piped into `head` and the like: stop quietly, as other command-line tools do
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    code = 1
sys.exit(code)
