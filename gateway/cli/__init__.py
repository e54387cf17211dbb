"""The `smsbridge` command: admin tasks, the simulator and the development runner."""

from __future__ import annotations

import click

from gateway.cli import dev, events, following, keys, messages, people, staff


@click.group()
def main() -> None:
    """Run and administer the SMS-to-social gateway."""


for command in following.commands:  # smsbridge events followers|notify|notices
    events.events.add_command(command)
for command in (
    *people.commands,
    *staff.commands,
    *events.commands,
    *messages.commands,
    *dev.commands,
    *keys.commands,
):
    main.add_command(command)
