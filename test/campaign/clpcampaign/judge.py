"""judge: the invariants read from the servers' own files and status.

- views: every server's `clpstat -o json`, normalised, must be the same (one
  cluster, one truth), show every server Online, every group where the checker
  sees it, every resource of a running group Online, no monitor in error;
- daemon exits: every exit clpsvc logged ("service NAME: pid P killed by
  signal N" / "exited with N") must be one the campaign caused (kill -9 of
  that pid); core files and sanitizer reports are crashes too;
- alerts: every server's alert log converges to the same set of records, each
  origin's sequence numbers have no gap and no duplicate, and every marker the
  campaign wrote (clplogcmd) is in every log exactly once.
"""
import glob
import os
import re

EXIT_RE = re.compile(r"service (\S+): pid (\d+) (killed by signal (\d+)|exited with (\d+)|ended)")
SANITIZER_RE = re.compile(r"(ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:|"
                          r"SUMMARY: UndefinedBehaviorSanitizer)")


def normalise(view):
    """The part of a clpstat -o json that must be the same from every server."""
    if view is None:
        return None
    return {
        "master": view.get("master"),
        "servers": [(s["name"], s["status"],
                     tuple(h["status"] for h in s.get("heartbeats", [])),
                     tuple(n["status"] for n in s.get("np", [])))
                    for s in view.get("servers", [])],
        "groups": [(g["name"], g["status"], g.get("current"),
                    tuple((r["name"], r["status"], r.get("current")) for r in g["resources"]))
                   for g in view.get("groups", [])],
        "monitors": [(m["name"], m["status"], tuple(x["status"] for x in m.get("servers", [])))
                     for m in view.get("monitors", [])],
    }


def view_problems(views, servers, expected, stopped):
    """What keeps VIEWS ({server: clpstat json}) from being converged: every view
    present and equal, every server Online, each group Online on expected[group]
    (the checker's holder) or Offline when in STOPPED, resources of running
    groups Online, no monitor Error/Unknown. Returns a list of sentences."""
    p = []
    norm = {s: normalise(v) for s, v in views.items()}
    for s in servers:
        if norm.get(s) is None:
            p.append(f"{s} does not answer clpstat")
    present = [s for s in servers if norm.get(s) is not None]
    if not present:
        return p
    ref = norm[present[0]]
    for s in present[1:]:
        if norm[s] != ref:
            diff = [k for k in ref if ref[k] != norm[s][k]]
            p.append(f"the views of {present[0]} and {s} differ in {', '.join(diff)}")
    for s in present:
        v = norm[s]
        for name, st, hbs, nps in v["servers"]:
            if st != "Online":
                p.append(f"{s} sees {name} {st}")
            if any(h not in ("Normal",) for h in hbs):
                p.append(f"{s} sees heartbeats of {name} {'/'.join(hbs)}")
        for name, st, cur, res in v["groups"]:
            if name in stopped:
                if st != "Offline":
                    p.append(f"{s} sees stopped group {name} {st}")
                continue
            if st != "Online" or cur != expected.get(name):
                p.append(f"{s} sees {name} {st} on {cur} (checker: {expected.get(name)})")
            for rname, rst, rcur in res:
                if rst != "Online":
                    p.append(f"{s} sees {name}/{rname} {rst}")
        for name, st, per in v["monitors"]:
            if any(x in ("Error", "Unknown") for x in per):
                p.append(f"{s} sees monitor {name} {'/'.join(per)}")
        if v["master"] != servers[0]:
            p.append(f"{s} sees master {v['master']}")
    return p


class ExitWatch:
    """Reads the new lines of every server's log/clpsvc.log and judges the exits."""

    def __init__(self, bed):
        self.bed = bed
        self.offsets = {}
        self.expected = set()  # (server, daemon, pid)
        self.seen = []

    def expect(self, server, daemon, pid):
        self.expected.add((server, daemon, pid))

    def check(self):
        """New unexpected exits since the last call, as sentences."""
        bad = []
        for s in self.bed.servers:
            path = os.path.join(self.bed.root(s), "log", "clpsvc.log")
            try:
                with open(path, errors="replace") as f:
                    f.seek(self.offsets.get(s, 0))
                    data = f.read()
                    self.offsets[s] = f.tell()
            except OSError:
                continue
            for line in data.splitlines():
                m = EXIT_RE.search(line)
                if not m:
                    continue
                daemon, pid = m.group(1), int(m.group(2))
                self.seen.append((s, daemon, pid, m.group(3)))
                if m.group(4) == "9" and (s, daemon, pid) in self.expected:
                    continue
                bad.append(f"{s}: {line.strip()}")
        return bad


def sanitizer_reports(bed, since):
    """Sanitizer reports in the daemons' .out files and core files newer than SINCE (epoch s)."""
    found = []
    for s in bed.servers:
        for path in glob.glob(os.path.join(bed.root(s), "log", "*.out")):
            try:
                with open(path, errors="replace") as f:
                    for line in f:
                        if SANITIZER_RE.search(line):
                            found.append(f"{s}: {os.path.basename(path)}: {line.strip()}")
                            break
            except OSError:
                pass
    for pattern in ["/core", "/core.*"] + [os.path.join(bed.root(s), "*core*")
                                             for s in bed.servers]:
        for path in glob.glob(pattern):
            try:
                if os.path.isfile(path) and os.stat(path).st_mtime >= since:
                    found.append(f"core file {path}")
            except OSError:
                pass
    return found


def read_alerts(path):
    """[(origin, seq, module, event_id, text)] of an alert log."""
    recs = []
    try:
        with open(path, errors="replace") as f:
            for line in f:
                w = line.rstrip("\n").split("\t")
                if len(w) < 10 or not w[1].isdigit():
                    continue
                recs.append((w[0], int(w[1]), w[3], w[4], w[9]))
    except OSError:
        pass
    return recs


def alert_problems(bed, markers):
    """Sentences about the alert logs: sets that differ, gaps, duplicates, markers
    missing or doubled. MARKERS: {text: delivered(bool)} - delivered markers must be
    in every log once, the others at most once."""
    p = []
    sets = {}
    for s in bed.servers:
        recs = read_alerts(os.path.join(bed.root(s), "alert", "alert.log"))
        keys = [(r[0], r[1]) for r in recs]
        if len(keys) != len(set(keys)):
            dup = len(keys) - len(set(keys))
            p.append(f"{s}: {dup} records appear twice (same origin and sequence number)")
        sets[s] = {(r[0], r[1]): r for r in recs}
        by_origin = {}
        for o, q in set(keys):
            by_origin.setdefault(o, []).append(q)
        for o, qs in by_origin.items():
            qs.sort()
            gaps = qs[-1] - qs[0] + 1 - len(qs)
            if gaps:
                p.append(f"{s}: {gaps} records of {o} missing between {qs[0]} and {qs[-1]}")
        texts = [r[4] for r in recs if r[2] == "logcmd"]
        for m, delivered in markers.items():
            n = sum(1 for t in texts if t == m)
            if n > 1:
                p.append(f"{s}: marker '{m}' is there {n} times")
            elif n == 0 and delivered:
                p.append(f"{s}: marker '{m}' is missing")
    ref = sets[bed.servers[0]]
    for s in bed.servers[1:]:
        a, b = set(ref), set(sets[s])
        if a != b:
            p.append(f"alert logs of {bed.servers[0]} and {s} differ: {len(a - b)} only in "
                     f"{bed.servers[0]}, {len(b - a)} only in {s}")
    return p


def alert_totals(bed):
    n = {}
    for s in bed.servers:
        n[s] = len(read_alerts(os.path.join(bed.root(s), "alert", "alert.log")))
    return n
