"""A small catalog file of an admin's own, for discovery tests."""

from __future__ import annotations

# One role and two programs of the admin's own, on top of the bundled catalog.
CATALOG = """
[[roles]]
key = "python-developer"
name = "Python Developer"
summary = "Builds and ships Python services."
skills = [
    { skill = "Python", weight = 3, required = true },
    { skill = "Redis", weight = 2, required = true },
    { skill = "Blender", weight = 1, required = false },
]

[[programs]]
key = "redis-evenings"
name = "Redis Evenings"
provider = "City College"
url = "https://college.example/redis"
skills = ["Redis"]
format = "per_program"
cost_min = 400
cost_max = 600
currency = "USD"
cost_unit = "program"
weeks_min = 8
weeks_max = 10
assessed_project = true
as_of = 2026-01-01

[[programs]]
key = "free-blender"
name = "Blender for Everyone"
provider = "Open Course"
url = "https://open.example/blender"
skills = ["Blender"]
format = "free"
cost_min = 0
cost_max = 0
currency = "USD"
cost_unit = "none"
weeks_min = 2
weeks_max = 3
assessed_project = false
as_of = 2026-01-01
"""
