"""checker: samples every server all through the campaign.

A background thread, every PERIOD seconds, looks at each server from the
machine's side, never through the product:
  - the floating IPs configured on its interfaces (ip -n NETNS addr);
  - what is mounted in its mount namespace (/proc/PID/mounts of a process
    living there, else nsenter);
  - the groups' applications running in its network namespace (a /proc scan
    for the HTTP servers' command lines; zombies do not count);
and reads the client probe's results (probe.py, run in the client host).

It judges two invariants as it goes:
  - single activation: a floating IP, the shared disk or an application seen
    on two servers in one sample, and still so when those servers are looked
    at again at once in the other order (a group moving between two samples
    of a pass is not two activations), is a violation;
  - liveness: after the deadline the runner sets (the last disruption + its
    budget), every group not stopped on purpose must be up - its address,
    application (and disk) on exactly one server, and the probe answered by
    that server within the last PROBE_FRESH seconds - and a group stopped on
    purpose must be down everywhere. A group that stays otherwise for longer
    than GRACE seconds is a violation.
"""
import collections
import os
import subprocess
import threading
import time

PERIOD = 0.15
GRACE = 2.0
PROBE_FRESH = 1.5


class Group:
    def __init__(self, name, ip, mount=None):
        self.name = name
        self.ip = ip
        self.mount = mount
        self.pattern = f"bind={ip},".encode()


class Obs:
    """One sample: for each group, the servers holding its address, its
    application and its mount."""

    def __init__(self, t, groups):
        self.t = t
        self.fip = {g.name: set() for g in groups}
        self.app = {g.name: set() for g in groups}
        self.mnt = {g.name: set() for g in groups}


class Checker:
    def __init__(self, bed, groups, probe_script, logdir):
        self.bed = bed
        self.groups = groups
        self.by_name = {g.name: g for g in groups}
        self.probe_script = probe_script
        self.lock = threading.Lock()
        self.violations = []
        self.deadline = {}
        self.stopped = set()
        self.first_bad = {}
        self.reported = set()
        self.latest = None
        self.samples = 0
        self.t0 = None
        self.probe = {g.ip: collections.deque(maxlen=64) for g in groups}
        self.probe_counts = collections.Counter()
        self.holder = {g.name: None for g in groups}
        self.last_up = {g.name: None for g in groups}
        self.moves = collections.Counter()
        self.running = False
        self.log = open(os.path.join(logdir, "checker.log"), "w", buffering=1)
        self.probe_log = open(os.path.join(logdir, "probe.log"), "w", buffering=1)
        self.proc = None

    # --- life ---------------------------------------------------------------------

    def start(self):
        self.running = True
        self.t0 = time.monotonic()
        self.proc = subprocess.Popen(
            ["nsenter", f"--net={self.bed.netns('client')}", "python3", self.probe_script,
             "0.1", "0.4", *[g.ip for g in self.groups]],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        threading.Thread(target=self._read_probe, daemon=True).start()
        threading.Thread(target=self._loop, daemon=True).start()

    def stop(self):
        self.running = False
        if self.proc:
            self.proc.kill()
            self.proc.wait()
        time.sleep(PERIOD * 2)

    def _read_probe(self):
        for line in self.proc.stdout:
            self.probe_log.write(line)
            w = line.split()
            if len(w) < 3:
                continue
            t, ip, what = float(w[0]), w[1], w[2]
            server = w[3] if what == "ok" and len(w) > 3 else None
            with self.lock:
                self.probe[ip].append((t, what == "ok", server))
                self.probe_counts[what] += 1

    # --- the runner's side ------------------------------------------------------------

    def expect(self, deadlines, stopped):
        """From DEADLINES[group] (monotonic seconds) on, each group must be up,
        or down when in STOPPED. A later disruption calls this again with the
        deadlines it sets."""
        with self.lock:
            self.deadline = dict(deadlines)
            self.stopped = set(stopped)
            self.first_bad.clear()

    def hold_off(self):
        """No liveness judgement until the next expect()."""
        with self.lock:
            self.deadline = {}
            self.first_bad.clear()

    def take_violations(self):
        with self.lock:
            v, self.violations = self.violations, []
        return v

    def violation(self, kind, text):
        with self.lock:
            self.violations.append({"t": time.monotonic(), "kind": kind, "text": text})
        self.log.write(f"{time.monotonic():.3f} VIOLATION {kind}: {text}\n")

    def state(self, name, obs=None):
        """('up', S), ('down', None) or ('partial', description) of group NAME."""
        with self.lock:
            obs = obs or self.latest
            if obs is None:
                return ("partial", "no sample yet")
            return self._state(self.by_name[name], obs, time.monotonic())

    def where(self, name):
        """The servers holding group NAME's address or application in the latest
        sample (what a fault on one of them takes down)."""
        with self.lock:
            if self.latest is None:
                return set()
            return set(self.latest.fip[name]) | set(self.latest.app[name])

    # --- sampling -----------------------------------------------------------------------

    def _addr_holders(self, servers):
        out = {}
        for s in servers:
            p = subprocess.run(["ip", "-n", f"{self.bed.pfx}-{s}", "-o", "-4", "addr", "show"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            out[s] = p.stdout
        return out

    def _scan(self, obs, servers):
        """Applications and mounts of SERVERS into OBS."""
        net_of, mnt_ino = {}, {}
        for s in servers:
            try:
                net_of[os.stat(self.bed.netns(s)).st_ino] = s
                mnt_ino[s] = os.stat(self.bed.mntns(s)).st_ino
            except OSError:
                pass
        mnt_pid = {}
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                s = net_of.get(os.stat(f"/proc/{pid}/ns/net").st_ino)
                if s is None:
                    continue
                if s not in mnt_pid and os.stat(f"/proc/{pid}/ns/mnt").st_ino == mnt_ino.get(s):
                    mnt_pid[s] = pid
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    cmd = f.read()
                if b"TCP-LISTEN" not in cmd:
                    continue
                with open(f"/proc/{pid}/stat") as f:
                    st = f.read().rsplit(")", 1)[1].split()[0]
                if st == "Z":
                    continue
            except OSError:
                continue
            for g in self.groups:
                if g.pattern in cmd:
                    obs.app[g.name].add(s)
        for s in servers:
            text = None
            if s in mnt_pid:
                try:
                    with open(f"/proc/{mnt_pid[s]}/mounts") as f:
                        text = f.read()
                except OSError:
                    text = None
            if text is None:
                p = subprocess.run(["nsenter", f"--mount={self.bed.mntns(s)}", "cat",
                                    "/proc/self/mounts"], stdout=subprocess.PIPE,
                                   stderr=subprocess.DEVNULL, text=True)
                text = p.stdout
            mounted = {line.split()[1] for line in text.splitlines() if len(line.split()) > 1}
            for g in self.groups:
                if g.mount and g.mount in mounted:
                    obs.mnt[g.name].add(s)

    def _sample(self, servers):
        obs = Obs(time.monotonic(), self.groups)
        addrs = self._addr_holders(servers)
        for s, text in addrs.items():
            for g in self.groups:
                if f" {g.ip}/" in text:
                    obs.fip[g.name].add(s)
        self._scan(obs, servers)
        return obs

    def _duals(self, obs):
        d = []
        for g in self.groups:
            for what, holders in (("address", obs.fip[g.name]), ("application", obs.app[g.name]),
                                  ("mount", obs.mnt[g.name])):
                if len(holders) > 1:
                    d.append((g.name, what, holders))
        return d

    def _loop(self):
        servers = list(self.bed.servers)
        while self.running:
            t = time.monotonic()
            try:
                obs = self._sample(servers)
            except Exception as e:  # a sample must never end the checker
                self.log.write(f"{t:.3f} sample failed: {e!r}\n")
                time.sleep(PERIOD)
                continue
            duals = self._duals(obs)
            if duals:
                involved = sorted({s for _, _, h in duals for s in h}, reverse=True)
                again = self._sample(involved)
                for g, what, holders in duals:
                    h2 = {"address": again.fip, "application": again.app,
                          "mount": again.mnt}[what][g]
                    if len(holders & h2) > 1:
                        self.violation("dual-activation",
                                       f"group {g}: {what} on {', '.join(sorted(holders & h2))}")
            self._judge(obs)
            with self.lock:
                self.latest = obs
                self.samples += 1
            dt = time.monotonic() - t
            time.sleep(max(0.01, PERIOD - dt))

    def _state(self, g, obs, now):
        f, a, m = obs.fip[g.name], obs.app[g.name], obs.mnt[g.name]
        if not f and not a and not m:
            return ("down", None)
        if len(f) == 1 and a == f and (g.mount is None or m == f):
            s = next(iter(f))
            res = self.probe[g.ip]
            if res:
                t, ok, server = res[-1]
                if ok and server == s and now - t < PROBE_FRESH:
                    return ("up", s)
                return ("partial", f"on {s}, probe: {'ok from ' + str(server) if ok else 'failing'}"
                        f" {now - t:.1f}s ago")
            return ("partial", f"on {s}, no probe answer yet")
        return ("partial", f"address on {sorted(f)}, application on {sorted(a)}"
                + (f", mounted on {sorted(m)}" if g.mount else ""))

    def _judge(self, obs):
        now = obs.t
        lines = []
        with self.lock:
            for g in self.groups:
                st, where = self._state(g, obs, now)
                if st == "up" and self.holder[g.name] != where:
                    if self.last_up[g.name] not in (None, where):
                        self.moves[g.name] += 1
                    self.last_up[g.name] = where
                    lines.append(f"{now:.3f} {g.name} up on {where}")
                    self.holder[g.name] = where
                elif st != "up" and self.holder[g.name] is not None:
                    lines.append(f"{now:.3f} {g.name} {st} {where or ''}")
                    self.holder[g.name] = None
                deadline = self.deadline.get(g.name, float("inf"))
                if now < deadline:
                    continue
                want_down = g.name in self.stopped
                good = (st == "down") if want_down else (st == "up")
                if good:
                    self.first_bad.pop(g.name, None)
                    continue
                since = self.first_bad.setdefault(g.name, now)
                key = (g.name, deadline)
                if now - since >= GRACE and key not in self.reported:
                    self.reported.add(key)
                    what = "still active although stopped" if want_down else "not online"
                    text = (f"group {g.name} {what} for {now - since:.1f}s after its budget "
                            f"ran out ({st}: {where or 'nowhere'})")
                    self.violations.append({"t": now, "kind": "liveness", "text": text})
                    lines.append(f"{now:.3f} VIOLATION liveness: {text}")
        for line in lines:
            self.log.write(line + "\n")

    def summary(self):
        with self.lock:
            n = self.samples
            dt = (time.monotonic() - self.t0) if self.t0 else 0
            return {"samples": n, "period_ms": round(1000 * dt / n) if n else None,
                    "probe": dict(self.probe_counts), "moves_seen": dict(self.moves)}
