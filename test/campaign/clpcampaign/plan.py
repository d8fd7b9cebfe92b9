"""plan: the campaign's sequence of events, a pure function of the seed.

A plan is drawn from one random.Random(seed) and nothing else: no clock, no
state of the bed. So the same seed gives the same sequence, and the first N
steps of a plan of M > N steps are the plan of N steps (a violation at step N
is reproduced with --steps N). Where an event's target depends on the running
cluster (the server a group runs on), the plan names the group and the runner
resolves it at run time, and logs what it resolved.

Every event is a dict: "kind" plus the kind's parameters; "hold" (seconds) for
faults that last and are then healed; every step also carries "marker" (the
server where an alert marker is written during the step) and "gap" (idle time
before the step).
"""
import random

DAEMONS = ["clusterpro", "clusterpro_evt", "clusterpro_trn", "clusterpro_webmgr",
           "clusterpro_alertsync"]

# kind -> (weight, what it does); the table docs/campaign.md describes.
KINDS = {
    "crash": (10, "power-off of a server: rebooted at once, or kept down for a while"),
    "kill": (12, "kill -9 of one daemon (clpsvc restarts it)"),
    "stop": (8, "SIGSTOP of one daemon for a while, then SIGCONT"),
    "link": (8, "a cable pulled (lan1, lan2 or both) for a while"),
    "cut": (5, "all packets between two servers dropped (one LAN or both, one way or both)"),
    "port": (5, "one port between two servers dropped (one LAN or both, one way or both)"),
    "partition": (6, "one server cut from all the others for a while"),
    "appkill": (8, "kill -9 of web1's application (pidw1 recovers it)"),
    "genw": (6, "genw3 fails N checks in a row on web3's server"),
    "move": (10, "clpgrp -m of a group (to a chosen server or the policy's next)"),
    "groupstop": (5, "clpgrp -t of a group, later clpgrp -s"),
    "clock": (4, "the wall clock of one server jumps, later jumps back"),
    "cfpush": (4, "clpcfctrl --push of a live change (a comment, a monitor's timeout)"),
}

PORTS = [29001, 29002, 29003]  # core TCP, heartbeat UDP, alert sync UDP / WebManager TCP
DAEMON_WEIGHTS = [4, 2, 1, 1, 2]
CLOCK_JUMPS = [3600, -3600, 86400, -600, 30, -30, 7 * 86400]


def _hold(rng, lo, hi):
    return round(rng.uniform(lo, hi), 1)


def _two(rng, servers):
    a, b = rng.sample(servers, 2)
    return a, b


def draw_event(rng, kind, servers, groups):
    """One event of KIND with its parameters drawn from rng."""
    s = rng.choice(servers)
    if kind == "crash":
        if rng.random() < 0.5:
            return {"kind": kind, "server": s, "mode": "reboot", "delay": rng.choice([0, 1, 3])}
        return {"kind": kind, "server": s, "mode": "down", "hold": _hold(rng, 1, 8)}
    if kind == "kill":
        return {"kind": kind, "server": s,
                "daemon": rng.choices(DAEMONS, weights=DAEMON_WEIGHTS)[0]}
    if kind == "stop":
        d = rng.choices(DAEMONS, weights=DAEMON_WEIGHTS)[0]
        return {"kind": kind, "server": s, "daemon": d, "hold": _hold(rng, 0.2, 4)}
    if kind == "link":
        return {"kind": kind, "server": s, "lan": rng.choice(["lan1", "lan2", "both"]),
                "hold": _hold(rng, 0.5, 8)}
    if kind in ("cut", "port"):
        a, b = _two(rng, servers)
        e = {"kind": kind, "a": a, "b": b, "net": rng.choice(["lan1", "lan2", "both"]),
             "oneway": rng.random() < 0.4, "hold": _hold(rng, 0.5, 8)}
        if kind == "port":
            e["port"] = rng.choice(PORTS)
        return e
    if kind == "partition":
        return {"kind": kind, "server": s, "hold": _hold(rng, 1, 10)}
    if kind == "appkill":
        return {"kind": kind, "group": "web1"}
    if kind == "genw":
        return {"kind": kind, "group": "web3", "fails": rng.randint(2, 6)}
    if kind == "move":
        g = rng.choice(groups)
        return {"kind": kind, "group": g, "to": rng.choice(servers + ["next"])}
    if kind == "groupstop":
        return {"kind": kind, "group": rng.choice(groups), "hold": _hold(rng, 0.5, 5),
                "on": s}
    if kind == "clock":
        return {"kind": kind, "server": s, "offset": rng.choice(CLOCK_JUMPS),
                "hold": _hold(rng, 1, 6)}
    if kind == "cfpush":
        return {"kind": kind, "server": s, "change": rng.choice(["comment", "monitor"])}
    raise ValueError(f"unknown event kind {kind!r}")


def make_plan(seed, steps, servers, groups, kinds=None):
    """The first STEPS steps of the plan of SEED over SERVERS and GROUPS, drawing
    only the event kinds in KINDS (default: all). Returns a list of dicts."""
    kinds = sorted(kinds if kinds is not None else KINDS)
    for k in kinds:
        if k not in KINDS:
            raise ValueError(f"unknown event kind {k!r} (known: {', '.join(sorted(KINDS))})")
    if not kinds:
        raise ValueError("no event kind left to draw")
    weights = [KINDS[k][0] for k in kinds]
    rng = random.Random(seed)
    plan = []
    for n in range(1, steps + 1):
        kind = rng.choices(kinds, weights=weights)[0]
        e = draw_event(rng, kind, list(servers), list(groups))
        e["step"] = n
        e["marker"] = rng.choice(list(servers))
        e["gap"] = round(rng.uniform(0, 1), 2)
        plan.append(e)
    return plan


def describe(e):
    """A one-line text of an event, the same for the same event."""
    k = e["kind"]
    hold = f" for {e['hold']}s" if "hold" in e else ""
    if k == "crash":
        if e["mode"] == "reboot":
            return f"crash {e['server']} --restart --boot-delay {e['delay']}"
        return f"crash {e['server']} (down{hold})"
    if k == "kill":
        return f"kill -9 {e['daemon']} on {e['server']}"
    if k == "stop":
        return f"SIGSTOP {e['daemon']} on {e['server']}{hold}"
    if k == "link":
        return f"link {e['lan']} of {e['server']} down{hold}"
    if k in ("cut", "port"):
        arrow = "->" if e["oneway"] else "<->"
        what = f"port {e['port']}" if k == "port" else "all packets"
        return f"drop {what} {e['a']}{arrow}{e['b']} on {e['net']}{hold}"
    if k == "partition":
        return f"partition {e['server']} from the others{hold}"
    if k == "appkill":
        return f"kill -9 the application of {e['group']}"
    if k == "genw":
        return f"genw3 fails {e['fails']} checks on {e['group']}'s server"
    if k == "move":
        return f"clpgrp -m {e['group']}" + ("" if e["to"] == "next" else f" {e['to']}")
    if k == "groupstop":
        return f"clpgrp -t {e['group']}{hold}, then clpgrp -s {e['group']} -h {e['on']}"
    if k == "clock":
        return f"wall clock of {e['server']} {e['offset']:+d}s{hold}, then back"
    if k == "cfpush":
        what = "the cluster comment" if e["change"] == "comment" else "pidw1's timeout"
        return f"clpcfctrl --push from {e['server']} ({what} changed)"
    return k
