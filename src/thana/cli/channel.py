"""`thana channel …`: channel status, the X mentions poller, and sending the outbox by hand."""

from __future__ import annotations

import time
from typing import Annotated

import typer

from thana.cli.common import console, fail, print_json
from thana.config import settings

app = typer.Typer(help="Channels: status, the X mentions poller, the outbox.", no_args_is_help=True)
x_app = typer.Typer(help="X (Twitter).", no_args_is_help=True)
app.add_typer(x_app, name="x")


@app.command("status")
def status(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Which channels are on, and what a channel that is off is missing."""
    from thana.web.webhooks import channel_status

    states = channel_status()
    if as_json:
        print_json(states)
        return
    for name, state in states.items():
        console.print(f"{name:<18} {'[green]on[/]' if state == 'on' else '[yellow]' + state + '[/]'}")


@x_app.command("poll")
def x_poll(
    once: Annotated[bool, typer.Option("--once", help="read once and exit")] = False,
    interval: Annotated[float, typer.Option(help="seconds between polls", min=5)] = 60.0,
) -> None:
    """Read the v2 mentions timeline of THANA_X_USER_IDS (since_id kept across restarts; waits out 429s)."""
    from thana.channels.x_poll import MentionsPoller
    from thana.packages import get_force
    from thana.store.db import get_database

    s = settings()
    if not s.x_bearer_token:
        fail("the X channel is off: THANA_X_BEARER_TOKEN is not set")
    users = [u.strip() for u in s.x_user_ids.split(",") if u.strip()]
    if not users:
        fail("THANA_X_USER_IDS is not set: give the X user ids whose mentions to read")
    db = get_database()
    db.migrate()
    poller = MentionsPoller(db, get_force(s.force), s)
    while True:
        for user in users:
            console.print(f"@{user}: {poller.poll_once(user)} new mention(s)")
        if once:
            return
        time.sleep(interval)


@app.command("outbox")
def send_outbox(once: Annotated[bool, typer.Option("--once", help="one pass, then exit")] = False) -> None:
    """Send queued replies now (workers do this continuously)."""
    from thana.channels.outbox import OutboxSender
    from thana.channels.senders import senders
    from thana.store.db import get_database

    db = get_database()
    db.migrate()
    sender = OutboxSender(db, senders(settings()), max_attempts=settings().outbox_max_attempts)
    while True:
        n = sender.run_once()
        console.print(f"handled {n} outbox message(s)")
        if once:
            return
        time.sleep(1.0)
