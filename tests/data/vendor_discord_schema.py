"""Regenerate tests/data/discord-openapi.json from Discord's official OpenAPI 3.1 description.

Usage (from the repository root, with a checkout of https://github.com/discord/discord-api-spec)::

    .venv/bin/python tests/data/vendor_discord_schema.py PATH/TO/specs/openapi.json PATH/TO/LICENSE

It keeps only the operations in ROUTES (the requests a bot makes), only their `application/json` request
body (multipart uploads carry the same document in their `payload_json` part), and every
`#/components/schemas/...` those bodies reach, so the vendored file stays small but self-contained. The
schemas are copied verbatim; the leniencies the tests apply are made at load time in
tests/support/discord_schema.py, where they are documented. The upstream licence is copied beside the data.

Add a route to ROUTES and rerun the script when the bot starts calling a new endpoint.
"""

from __future__ import annotations

import argparse
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
OUTPUT = HERE / "discord-openapi.json"
LICENSE_OUTPUT = HERE / "discord-openapi.LICENSE"
SCHEMA_PREFIX = "#/components/schemas/"
BODY_MEDIA_TYPE = "application/json"

# (method, path template exactly as the spec spells it). Body-less routes are listed too, so that a body
# sent to one of them is reported instead of being mistaken for an unknown route.
ROUTES: tuple[tuple[str, str], ...] = (
    ("post", "/interactions/{interaction_id}/{interaction_token}/callback"),
    ("post", "/webhooks/{webhook_id}/{webhook_token}"),
    ("patch", "/webhooks/{webhook_id}/{webhook_token}/messages/@original"),
    ("patch", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}"),
    ("post", "/channels/{channel_id}/messages"),
    ("patch", "/channels/{channel_id}/messages/{message_id}"),
    ("post", "/channels/{channel_id}/threads"),
    ("post", "/channels/{channel_id}/messages/{message_id}/threads"),
    ("put", "/channels/{channel_id}/thread-members/@me"),
    ("delete", "/channels/{channel_id}/thread-members/@me"),
    ("put", "/channels/{channel_id}/thread-members/{user_id}"),
    ("delete", "/channels/{channel_id}/thread-members/{user_id}"),
    ("put", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji_name}/@me"),
    ("delete", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji_name}/@me"),
    ("delete", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji_name}/{user_id}"),
    ("post", "/users/@me/channels"),
    ("put", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}"),
    ("delete", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}"),
    ("put", "/applications/{application_id}/commands"),
    ("put", "/applications/{application_id}/guilds/{guild_id}/commands"),
)


def schema_refs(node: Any) -> Iterator[str]:
    """Yield the component name of every `$ref` below node."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                if not value.startswith(SCHEMA_PREFIX):
                    raise SystemExit(f"unsupported reference {value!r}: only {SCHEMA_PREFIX}... is vendored")
                yield value.removeprefix(SCHEMA_PREFIX)
            else:
                yield from schema_refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from schema_refs(item)


def request_operation(spec: dict[str, Any], method: str, template: str) -> dict[str, Any]:
    """The slice of one operation the validator reads: its id and its JSON request body, if any."""
    try:
        operation = spec["paths"][template][method]
    except KeyError:
        raise SystemExit(f"{method.upper()} {template} is not in the spec; fix ROUTES") from None
    kept: dict[str, Any] = {"operationId": operation["operationId"]}
    body = operation.get("requestBody")
    if body is not None:
        kept["requestBody"] = {
            "required": body.get("required", False),
            "content": {BODY_MEDIA_TYPE: {"schema": body["content"][BODY_MEDIA_TYPE]["schema"]}},
        }
    return kept


def vendor(spec: dict[str, Any]) -> dict[str, Any]:
    """The self-contained subset of spec covering ROUTES."""
    paths: dict[str, dict[str, Any]] = {}
    for method, template in ROUTES:
        paths.setdefault(template, {})[method] = request_operation(spec, method, template)

    available = spec["components"]["schemas"]
    schemas: dict[str, Any] = {}
    pending = list(schema_refs(paths))
    while pending:
        name = pending.pop()
        if name not in schemas:
            schemas[name] = available[name]
            pending.extend(schema_refs(schemas[name]))

    return {
        "openapi": spec["openapi"],
        "info": {
            **spec["info"],
            "x-subset": "request bodies of the routes in tests/data/vendor_discord_schema.py ROUTES",
        },
        "paths": paths,
        "components": {"schemas": schemas},
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("spec", type=Path, help="discord-api-spec's specs/openapi.json")
    parser.add_argument("license", type=Path, help="discord-api-spec's LICENSE")
    args = parser.parse_args()

    subset = vendor(json.loads(args.spec.read_text(encoding="utf-8")))
    OUTPUT.write_text(
        json.dumps(subset, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n", encoding="utf-8"
    )
    shutil.copyfile(args.license, LICENSE_OUTPUT)
    print(
        f"wrote {OUTPUT.name}: {len(subset['paths'])} paths, {len(subset['components']['schemas'])} schemas, "
        f"{OUTPUT.stat().st_size} bytes"
    )


if __name__ == "__main__":
    main()
