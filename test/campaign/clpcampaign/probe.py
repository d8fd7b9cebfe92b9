"""probe: the campaign's client, run inside the bed's client host.

    python3 probe.py INTERVAL_S TIMEOUT_S IP[:PORT]...

For every target, one thread opens a new TCP connection every INTERVAL_S
seconds, sends "GET /" and reads the answer (at most TIMEOUT_S for it all).
The answer's body starts with "SERVER GROUP" (test/campaign/scripts/*/respond.sh).
One line per attempt on stdout, times in CLOCK_MONOTONIC seconds (the
machine's, shared by every namespace of the bed):

    T IP ok SERVER GROUP [MARKER]
    T IP fail REASON

It runs until stdin closes (its parent, the campaign, went away) or it is killed.
"""
import socket
import sys
import threading
import time

lock = threading.Lock()


def emit(line):
    with lock:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def attempt(host, port, timeout):
    end = time.monotonic() + timeout
    try:
        with socket.create_connection((host, port), timeout=timeout) as c:
            c.settimeout(max(0.05, end - time.monotonic()))
            c.sendall(b"GET / HTTP/1.0\r\nHost: campaign\r\n\r\n")
            data = b""
            while len(data) < 4096:
                c.settimeout(max(0.05, end - time.monotonic()))
                chunk = c.recv(4096)
                if not chunk:
                    break
                data += chunk
    except socket.timeout:
        return "fail timeout"
    except ConnectionRefusedError:
        return "fail refused"
    except OSError as e:
        return f"fail {e.__class__.__name__}"
    head, _, body = data.partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.0 200"):
        return "fail bad-answer"
    words = body.decode(errors="replace").split()
    if len(words) < 2:
        return "fail short-answer"
    return "ok " + " ".join(words[:3])


def run(target, interval, timeout):
    host, _, port = target.partition(":")
    port = int(port or 80)
    nxt = time.monotonic()
    while True:
        r = attempt(host, port, timeout)
        emit(f"{time.monotonic():.3f} {host} {r}")
        nxt += interval
        now = time.monotonic()
        if nxt < now:
            nxt = now
        time.sleep(nxt - now)


def main():
    if len(sys.argv) < 4:
        sys.stderr.write("usage: probe.py INTERVAL_S TIMEOUT_S IP[:PORT]...\n")
        sys.exit(2)
    interval, timeout = float(sys.argv[1]), float(sys.argv[2])
    for t in sys.argv[3:]:
        threading.Thread(target=run, args=(t, interval, timeout), daemon=True).start()
    sys.stdin.read()  # ends when the campaign ends


if __name__ == "__main__":
    main()
