"""bed: the campaign's hands on the namespace test bed (test/bed/clpbed).

Faults go through clpbed itself (crash, kill, link, block, ...). Frequent
questions (clpstat, clpsvc status) run the product's tools directly inside a
server's namespaces with nsenter, as `clpbed exec` does, without the cost of
a bash start per call.
"""
import ctypes
import json
import os
import subprocess
import time

FAKETIME_LIB = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"


class BedError(Exception):
    pass


class Bed:
    def __init__(self, clpbed, bed_dir, build, log):
        self.clpbed = clpbed
        self.dir = bed_dir
        self.build = build
        self.log = log
        self.pfx = None
        self.servers = []

    # --- clpbed ---------------------------------------------------------------------

    def run(self, *args, timeout=120, check=True):
        """clpbed --dir DIR ARGS...; returns (status, output)."""
        cmd = [self.clpbed, "--dir", self.dir, *args]
        try:
            p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, timeout=timeout, text=True)
        except subprocess.TimeoutExpired:
            if check:
                raise BedError(f"clpbed {' '.join(args)}: no answer within {timeout} s")
            return 124, "timeout"
        if check and p.returncode != 0:
            raise BedError(f"clpbed {' '.join(args)} failed ({p.returncode}): {p.stdout.strip()}")
        return p.returncode, p.stdout

    def up(self, n, conf, scripts):
        self.run("down", check=False)
        self.run("up", "-n", str(n), "--conf", conf, "--scripts", scripts, "--build", self.build,
                 "--mkfs")
        st = self.status()
        self.pfx = st["netns_prefix"]
        self.servers = [f"srv{k}" for k in range(1, int(st["servers"]) + 1)]

    def status(self):
        _, out = self.run("status", check=False)
        st = {}
        for line in out.splitlines():
            if "=" in line:
                k, v = line.split("=", 1)
                st.setdefault(k, v)
        return st

    def down(self):
        return self.run("down", check=False)

    # --- paths ----------------------------------------------------------------------

    def root(self, s):
        return os.path.join(self.dir, s, "root")

    def netns(self, h):
        return f"/run/netns/{self.pfx}-{h}"

    def mntns(self, s):
        return os.path.join(self.dir, "ns", f"{s}.mnt")

    # --- running things inside a server ---------------------------------------------

    def on(self, s, *cmd, timeout=20):
        """Runs CMD inside server S (its net, mount and UTS namespaces, CLP_ROOT set);
        returns (status, stdout, stderr); status 124 on timeout."""
        root = self.root(s)
        env = dict(os.environ, CLP_ROOT=root, PATH=f"{root}/bin:{os.environ.get('PATH', '')}",
                   CLPBED_DIR=self.dir)
        argv = ["nsenter", f"--net={self.netns(s)}", f"--mount={self.mntns(s)}",
                f"--uts={os.path.join(self.dir, 'ns', s + '.uts')}", "--", *cmd]
        try:
            p = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, timeout=timeout, text=True, env=env,
                               cwd="/")
        except subprocess.TimeoutExpired:
            return 124, "", "timeout"
        return p.returncode, p.stdout, p.stderr

    def status_json(self, s, timeout=10):
        """clpstat -o json of server S (None when it does not answer)."""
        rc, out, _ = self.on(s, "clpstat", "-o", "json", timeout=timeout)
        if rc != 0:
            return None
        try:
            return json.loads(out)
        except ValueError:
            return None

    def services_online(self, s):
        """True when clpsvc runs on S and all five services are online."""
        rc, _, _ = self.on(s, "clpsvc", "status", timeout=10)
        return rc == 0

    def supervisor_running(self, s):
        """True when S's clpsvc supervisor runs (its pid file names a live process)."""
        pid = read_pid(os.path.join(self.root(s), "run", "clpsvc.pid"))
        return pid is not None and pid_alive(pid) and self.pid_on(pid, s)

    def pid_on(self, pid, s):
        try:
            return os.stat(f"/proc/{pid}/ns/net").st_ino == os.stat(self.netns(s)).st_ino
        except OSError:
            return False

    def daemon_pid(self, s, daemon):
        return read_pid(os.path.join(self.root(s), "run", f"{daemon}.pid"))

    def crash_running(self, s):
        """True while a `clpbed crash S` (with its restart) is under way."""
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    argv = f.read().split(b"\0")
            except OSError:
                continue
            if any(a.endswith(b"clpbed") for a in argv[:3]) and b"crash" in argv and \
                    s.encode() in argv and self.dir.encode() in argv:
                return True
        return False

    # --- the wall clock of one server (libfaketime) ---------------------------------

    def faketime_available(self):
        return os.path.exists(FAKETIME_LIB)

    def install_clock_wrappers(self):
        """Gives every server a bin/ of its own in which every program of the
        build is a wrapper that preloads libfaketime (only CLOCK_REALTIME faked,
        from DIR/srvK/faketime, re-read every second) and execs it. A server's
        daemons, tools and scripts then read a wall clock of their own, which
        `set_clock` moves, while CLOCK_MONOTONIC stays the machine's."""
        bindir = os.path.join(self.build, "bin")
        for s in self.servers:
            root = self.root(s)
            spec = os.path.join(self.dir, s, "faketime")
            shared = self._faketime_shared(s)
            with open(spec, "w") as f:
                f.write("+0\n")
            mine = os.path.join(self.dir, s, "bin")
            os.makedirs(mine, exist_ok=True)
            for name in os.listdir(bindir):
                dst = os.path.join(mine, name)
                if os.path.lexists(dst):
                    os.unlink(dst)
                if os.access(os.path.join(bindir, name), os.X_OK):
                    with open(dst, "w") as f:
                        f.write("#!/bin/sh\n# the campaign's wall clock of this server\n"
                                f"export LD_PRELOAD={FAKETIME_LIB} FAKETIME_TIMESTAMP_FILE={spec}"
                                " DONT_FAKE_MONOTONIC=1 FAKETIME_CACHE_DURATION=1"
                                f" FAKETIME_SHARED='{shared}'\n"
                                # a sanitizer build: its runtime is not first
                                # in the library list any more (libfaketime
                                # is), which ASan refuses unless told
                                "export ASAN_OPTIONS=\"${ASAN_OPTIONS:+$ASAN_OPTIONS:}"
                                "verify_asan_link_order=0\"\n"
                                f"exec {os.path.join(bindir, name)} \"$@\"\n")
                    os.chmod(dst, 0o755)
                else:
                    os.symlink(os.path.join(bindir, name), dst)
            link = os.path.join(root, "bin")
            os.unlink(link)
            os.symlink(mine, link)

    def _faketime_names(self, s):
        tag = f"clpcampaign_{self.pfx.replace('-', '_')}_{s}"
        return f"/faketime_sem_{tag}", f"/faketime_shm_{tag}"

    def _faketime_shared(self, s):
        """Creates the semaphore and shared memory libfaketime shares between
        the processes of server S, and returns its FAKETIME_SHARED value.
        Without one given, every preloaded process makes its own, exports it
        to its children and removes it when it exits (or leaks it when
        killed): a child started after its parent's exit then fails to start
        (libfaketime exits with 1). One segment per server, made here, never
        removed by a process, is what every process of the server opens."""
        sem, shm = self._faketime_names(s)
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.sem_open.restype = ctypes.c_void_p
        libc.sem_open.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.c_uint, ctypes.c_uint]
        h = libc.sem_open(sem.encode(), os.O_CREAT, 0o600, 1)
        if not h:
            raise BedError(f"cannot create the semaphore {sem} for libfaketime")
        libc.sem_close(ctypes.c_void_p(h))
        fd = os.open("/dev/shm" + shm, os.O_CREAT | os.O_RDWR, 0o600)
        os.ftruncate(fd, 8)
        os.close(fd)
        return f"{sem} {shm}"

    def remove_clock_shared(self):
        for s in self.servers:
            sem, shm = self._faketime_names(s)
            for path in ("/dev/shm/sem." + sem[1:], "/dev/shm" + shm):
                try:
                    os.unlink(path)
                except OSError:
                    pass

    def set_clock(self, s, offset):
        with open(os.path.join(self.dir, s, "faketime") + ".new", "w") as f:
            f.write(f"{offset:+d}\n")
        os.replace(os.path.join(self.dir, s, "faketime") + ".new",
                   os.path.join(self.dir, s, "faketime"))

    # --- heal -----------------------------------------------------------------------

    def blocks_left(self):
        """Servers whose namespace still holds the clpbed nftables table."""
        left = []
        for s in self.servers:
            p = subprocess.run(["nsenter", f"--net={self.netns(s)}", "nft", "list", "tables"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            if "clpbed" in p.stdout:
                left.append(s)
        return left


def read_pid(path):
    try:
        with open(path) as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def pid_alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            st = f.read().rsplit(")", 1)[1].split()[0]
        return st != "Z"
    except (OSError, IndexError):
        return False


def wait_until(cond, timeout, step=0.2):
    """Polls COND until it returns true or TIMEOUT seconds pass; returns its last value."""
    end = time.monotonic() + timeout
    while True:
        v = cond()
        if v or time.monotonic() >= end:
            return v
        time.sleep(step)
