"""Peer mentorship: mentors' offers, ranked requests with an accept/decline cascade, pairings and rounds.

The package itself imports nothing, so the configuration can read ``ranking.MatchWeights`` without
loading the services: import from the modules (``service``, ``admin``, ``model``, ``ranking`` …).
"""
