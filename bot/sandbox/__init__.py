"""``credcord sandbox``: try the real bot offline, in a browser, with a seeded community and a demo issuer.

    credentials  Open Badges 2.0 issuing: documents, RS256 JWS, baked PNGs (shared with the tests' issuer)
    vc           Open Badges 3.0 issuing: Multikeys, controller documents, Data Integrity proofs (shared too)
    issuer       the demo issuer on 127.0.0.1
    settings     how the sandbox configures the bot
    seed         the simulated server and what its members have done
    world        open_sandbox(): everything started together, stopped together

Only ``seed`` and ``world`` import SimCord; they are loaded when the sandbox starts, never by the CLI itself.
"""
