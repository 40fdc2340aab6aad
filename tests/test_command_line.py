"""The command line: every command is listed with its module, and running one imports no other command's module."""

from __future__ import annotations

import subprocess
import sys

from call0603 import cli


def test_every_registered_command_is_listed_with_its_module() -> None:
    registered = [c.name for c in cli.build_app().registered_commands]
    assert sorted(registered) == sorted(cli.COMMANDS)
    for name, module in cli.COMMANDS.items():
        assert name in [c.name for c in cli.build_app((module,)).registered_commands]


def test_running_a_command_imports_only_its_module() -> None:
    code = ("import sys\n"
            "sys.argv = ['call0603', 'assess', '--help']\n"
            "from call0603.cli import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in set(__import__('call0603.cli').cli.COMMANDS.values()) if m in sys.modules))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "['call0603.evaluator.commands']"
