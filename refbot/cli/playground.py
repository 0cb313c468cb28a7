"""`refbot playground` (try RefBot in a browser, no Slack workspace needed) and `refbot run` (what
`make run` does: the real bot when Slack settings are configured, the playground otherwise)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from refbot.cli import core as cli

CONNECT_HINT = ("To connect a real Slack workspace: create the app from manifest.yml, put SLACK_BOT_TOKEN and "
                "SLACK_SIGNING_SECRET in .env, then `make run` starts the real bot.")


def cmd_playground(args: argparse.Namespace) -> int:
    import signal
    import threading

    from refbot.playground import server

    present = server.slack_settings_present()
    if present:
        raise cli.CLIError(
            f"Slack settings are configured ({', '.join(present)} in the environment or .env), so this is not a "
            "playground machine: run `refbot start` for the real bot, or unset them to try the playground."
        )
    stop = threading.Event()

    def _stop(*_: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)

    def ready(playground: server.Playground) -> None:
        print("RefBot playground: the real RefBot on a made-up demo program, in a local imitation of Slack "
              "(nothing leaves this computer).")
        print(f"Open {playground.url}   (database: {args.database}; Ctrl-C stops it)")
        print(CONNECT_HINT)
        sys.stdout.flush()

    print(f"Starting the RefBot playground (loading the demo program into {args.database})…", flush=True)
    try:
        server.serve(database=Path(args.database), port=args.port, ready=ready, stop=stop)
    except server.Refused as exc:
        raise cli.CLIError(str(exc)) from None
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from refbot.playground import server

    if server.slack_settings_present():
        return cli.cmd_start(args)
    return cmd_playground(args)


def _add_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--port", type=int, default=3000, help="port on 127.0.0.1 (default 3000)")
    p.add_argument("--database", default="refbot-playground.db",
                   help="the playground's own SQLite file (default refbot-playground.db; never refbot.db)")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "playground", help="try RefBot in a browser without a Slack workspace (a local imitation of Slack)",
        description="Starts RefBot's real app on the demo program, with a local stand-in of Slack's Web API "
                    "and a page at http://127.0.0.1:PORT that plays Slack's client. Refuses to start when "
                    "Slack settings are configured or the database holds a real program.",
    )
    _add_options(p)
    p.set_defaults(func=cmd_playground)
    p = sub.add_parser("run", help="start the bot when Slack settings are configured, else the playground")
    _add_options(p)
    p.set_defaults(func=cmd_run)
