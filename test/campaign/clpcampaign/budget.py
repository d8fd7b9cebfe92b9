"""budget: how long a group may be away after a disruption, from the cluster's
configuration (docs/campaign.md explains each term).

    failover = heartbeat timeout + NP resolution + activation + margin
    np       = settle (interval + 20 ms) + grace (interval + 100 ms) + 1 s to resolve
    move     = deactivation + activation + margin
    monitor  = interval x (retries + 1) + one interval of phase + deactivation
               + activation + margin                      (restart, or failover)
    reboot   = boot delay + services start (3 s) + start-up listening (2 intervals)
               + master settle (2 intervals) + margin
    watchdog = heartbeat timeout - 2 x interval (userw)

Activation and deactivation are sums of per-type allowances (ALLOW) over the
group's resources, run one after the other: what this bed takes, with room
for a loaded machine; the configured timeouts (tens of seconds) would make a
budget that never catches anything.
"""
import re
import xml.etree.ElementTree as ET

ALLOW = {"fip": 1.0, "disk": 3.0, "exec": 2.0}
MARGIN = 5.0
SERVICES_START = 3.0


class Budgets:
    def __init__(self, conf_path, platform_path=None):
        root = ET.parse(conf_path).getroot()
        hb = root.find("cluster/heartbeat")
        self.interval = int(hb.findtext("interval", "3000")) / 1000.0
        self.timeout = int(hb.findtext("timeout", "90000")) / 1000.0
        self.boot_delay = 0.0
        if platform_path:
            with open(platform_path) as f:
                m = re.search(r"^reboot=.*--boot-delay (\d+(?:\.\d+)?)", f.read(), re.M)
                if m:
                    self.boot_delay = float(m.group(1))
        self.groups = {}
        types = {}
        for rtype in root.find("resource") or []:
            if rtype.tag != "types" and rtype.get("name"):
                types[rtype.get("name")] = rtype.tag
        for g in root.findall("group"):
            members = [r.get("name").split("@", 1) for r in g.findall("resource")]
            self.groups[g.get("name")] = [t for t, _ in members]
        self.monitors = {}
        for m in root.find("monitor") or []:
            if m.tag == "types":
                continue
            poll = m.find("polling")
            interval = int(poll.findtext("interval", "60")) if poll is not None else 60
            retry = int(poll.findtext("reconfirmation", "1")) if poll is not None else 1
            self.monitors[m.get("name")] = (interval, retry)
        self.np = self.interval + 0.02 + self.interval + 0.1 + 1.0
        self.watchdog = self.timeout - 2 * self.interval
        self.reboot = (self.boot_delay + SERVICES_START + 4 * self.interval + 0.1 + MARGIN)

    def act(self, group):
        return sum(ALLOW.get(t, 2.0) for t in self.groups[group])

    def failover(self, group):
        return self.timeout + self.np + self.act(group) + MARGIN

    def move(self, group):
        return 2 * self.act(group) + MARGIN

    def monitor(self, name, group, fails=None):
        interval, retry = self.monitors[name]
        checks = max(retry + 1, fails or 0)
        return interval * checks + interval + 2 * self.act(group) + MARGIN

    def table(self):
        """The budgets as text lines, for the log and the summary."""
        lines = [f"heartbeat {self.interval:g}s/{self.timeout:g}s, np {self.np:.2f}s, "
                 f"watchdog {self.watchdog:.2f}s, reboot {self.reboot:.1f}s"]
        for g in self.groups:
            lines.append(f"{g}: activation {self.act(g):.1f}s, failover {self.failover(g):.1f}s,"
                         f" move {self.move(g):.1f}s")
        return lines
