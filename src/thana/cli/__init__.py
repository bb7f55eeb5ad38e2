"""The `thana` command: one Typer app; each area of the product adds its commands from a module here."""

from __future__ import annotations

import typer

from thana.cli import bench, channel, demo, find, force, outreach, people, poster, reports, serve, triage

app = typer.Typer(
    name="thana",
    help="Thana: the system behind a city's police stations and the people who write to them.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(force.app, name="force")
app.add_typer(bench.app, name="bench")
app.add_typer(channel.app, name="channel")
app.add_typer(people.user_app, name="user")
app.add_typer(people.token_app, name="token")
app.add_typer(people.case_app, name="case")
app.add_typer(reports.app, name="report")
app.add_typer(outreach.society_app, name="society")
find.register(app)
triage.register(app)
demo.register(app)
serve.register(app)
poster.register(app)
outreach.register(app)


def main() -> None:
    app()
