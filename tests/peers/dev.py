"""Peers to link against while trying `make run`: a Mastodon instance and a Bluesky PDS.

    .venv/bin/python -m tests.peers.dev

starts the Mastodon peer (with its OAuth consent page) on 127.0.0.1:5051 and the
real Bluesky PDS from scripts/bluesky-pds (installed once, about 2½ minutes) on
127.0.0.1:2583 with its PLC directory on 2582, makes a Bluesky account, and prints
what to type on the console's linking page. Ctrl-C stops both. Nothing here is
used in production.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from tests.peers.bluesky import running_pds
from tests.peers.mastodon import MastodonPeer

MASTODON_PORT = 5051
PDS_PORT = 2583  # the ports @atproto/dev-env's own dev network uses
PLC_PORT = 2582


def main() -> None:
    """Run both peers until Ctrl-C, after printing how to link to them."""
    mastodon = MastodonPeer()
    mastodon.wanted_port = MASTODON_PORT
    with (
        tempfile.TemporaryDirectory() as folder,
        mastodon,
        running_pds(Path(folder), PDS_PORT, PLC_PORT) as pds,
    ):
        account = pds.create_account(f"aroha{int(time.time()) % 100000}")
        print(
            f"""
Peers for linking accounts while `make run` runs (Ctrl-C stops them):

  Mastodon: on the linking page, type the server  {mastodon.url}
            and press Authorize on its consent page. The account is @aroha.
  Bluesky:  start the gateway with  BLUESKY_PLC_URL={pds.plc_url} make run
            (so it can look the account up), then on the linking page:
            Sign in with Bluesky: server {pds.url}, handle {account.handle},
                                  and on the PDS's page the password {account.password}
            or an app password:   {account.app_password}
""",
            flush=True,
        )
        try:
            while True:
                time.sleep(1)
        except KeyboardInterrupt:
            print("Stopping the peers.")


if __name__ == "__main__":
    main()
