#!/usr/bin/env bash
# Every alert the code emits is in the message catalogue.
#
# Scans every C file of the source tree (libclp, services, tools) for the calls
# that emit catalogue alerts -- CLP_ALERT(ev, MODULE, ID, ...) and
# clp_alert_v(ev, MODULE, ID, ...) -- and resolves MODULE and ID statically:
# string and integer literals, the branches of ?:, static arrays the ID is
# taken from (their initialisers, designated ones too), local variables set in
# the same function, and wrappers (an ID or MODULE that is a parameter of the
# enclosing function is resolved at every call of that function in the file).
# Each (module, id) found must be a row of libclp/clp_msgcat_table.c; a call
# from which no (module, id) can be resolved fails the test too, so that a new
# call form is taught here rather than skipped. A module taken from data at run
# time (hb->type) is checked through the literal alternatives beside it only.
set -euo pipefail
CLP_SOURCE_DIR=${CLP_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
command -v python3 >/dev/null || { echo "python3 missing: skipped"; exit 77; }
exec python3 - "$CLP_SOURCE_DIR" <<'PY'
import os, re, sys

src = sys.argv[1]
table = open(os.path.join(src, "libclp/clp_msgcat_table.c")).read()
cat = set()
for m in re.finditer(r'\{"(\w+)",\s*(\d+)\s*,', table):
    cat.add((m.group(1), int(m.group(2))))
for m in re.finditer(r'\bRM_MM\(\s*(\d+)\s*,', table):
    cat.add(("rm", int(m.group(1))))
    cat.add(("mm", int(m.group(1))))
if len(cat) < 400:
    sys.exit("could not read the catalogue (%d rows)" % len(cat))

def strip_comments(text):
    text = re.sub(r'/\*.*?\*/', lambda m: re.sub(r'[^\n]', ' ', m.group(0)), text, flags=re.S)
    return re.sub(r'//[^\n]*', '', text)

def call_args(text, pos):
    """Arguments of the call whose '(' is at pos; returns (args, end)."""
    depth, i, start, args, instr = 0, pos, pos + 1, [], None
    while i < len(text):
        c = text[i]
        if instr:
            if c == '\\':
                i += 1
            elif c == instr:
                instr = None
        elif c in '"\'':
            instr = c
        elif c in '([{':
            depth += 1
        elif c in ')]}':
            depth -= 1
            if depth == 0:
                args.append(text[start:i].strip())
                return args, i
        elif c == ',' and depth == 1:
            args.append(text[start:i].strip())
            start = i + 1
        i += 1
    return args, len(text)

FUNC = re.compile(r'^[A-Za-z_][\w \t\*]*?\b(\w+)\s*\(([^;{}]*?)\)\s*\{', re.M)

def enclosing(text, pos):
    """(name, [params], body_start) of the function around pos."""
    best = None
    for m in FUNC.finditer(text, 0, pos):
        if m.group(1) not in ('if', 'for', 'while', 'switch', 'return', 'sizeof'):
            best = m
    if not best:
        return None, [], 0
    params = []
    for p in best.group(2).split(','):
        w = re.findall(r'\w+', p)
        params.append(w[-1] if w else '')
    return best.group(1), params, best.end()

def definitions(text, name):
    """Positions of the '(' of the definitions of function name."""
    return {m.end(1) for m in FUNC.finditer(text) if m.group(1) == name}

def initializer(text, name):
    m = re.search(r'\b' + re.escape(name) + r'\s*(\[[^\]]*\])+\s*=\s*\{', text)
    if not m:
        return None
    args, end = call_args(text, m.end() - 1)
    return text[m.end() - 1:end + 1]

def member_values(text, field):
    """Values of column field in the file's constant tables of a struct type
    that has it (e.g. def->alert_ok with a static const opdef_t ops[] = {...})."""
    out = set()
    for sm in re.finditer(r'typedef\s+struct\s*\w*\s*\{(.*?)\}\s*(\w+)\s*;', text, re.S):
        names = []
        for decl in re.sub(r'/\*.*?\*/|//[^\n]*', '', sm.group(1), flags=re.S).split(';'):
            decl = re.sub(r'\[[^\]]*\]', '', decl).strip()
            if not decl:
                continue
            parts = decl.split(',')
            names.append(re.findall(r'\w+', parts[0])[-1])
            names += [re.findall(r'\w+', q)[-1] for q in parts[1:] if re.findall(r'\w+', q)]
        if field not in names:
            continue
        col = names.index(field)
        for am in re.finditer(r'\b' + sm.group(2) + r'\s+\w+\s*\[[^\]]*\]\s*=\s*\{', text):
            args, end = call_args(text, am.end() - 1)
            for row in args:
                row = row.strip()
                if not row.startswith('{'):
                    continue
                cells, _ = call_args(row, 0)
                if col < len(cells) and re.fullmatch(r'\d+', cells[col].strip()):
                    out.add(int(cells[col]))
    return out - {0}

def ints_of(text, expr, body, params, fname, depth=0):
    """Integer values expr can take, or None where it cannot be resolved."""
    vals, unresolved = set(), False
    e = re.sub(r'"(\\.|[^"\\])*"', '', expr)
    for fld in set(re.findall(r'(?:->|\.)\s*([A-Za-z_]\w*)\s*$', e.strip())):
        vals |= member_values(text, fld)
    for name in set(re.findall(r'\b([A-Za-z_]\w*)\s*\[', e)):
        init = initializer(text, name)
        if init is None:
            unresolved = True
            continue
        init = re.sub(r'\[\s*\d+\s*\]\s*=', '', init)
        # 0 marks "no alert" in such tables (event IDs start at 1)
        vals |= {int(x) for x in re.findall(r'\b\d+\b', init)} - {0}
    e = re.sub(r'\b[A-Za-z_]\w*\s*(\[[^\]]*\])+', '', e)   # the subscripted arrays
    e = re.sub(r'\b[A-Za-z_]\w*\s*(->|\.)\s*\w+', '', e)     # members (conditions)
    lits = {int(x) for x in re.findall(r'\b(\d+)\b', e)}
    vals |= lits
    idents = [w for w in re.findall(r'\b[A-Za-z_]\w*\b', e) if not w.isupper()]
    if not vals and idents and depth < 3:
        for w in idents:
            v = resolve_ident(text, w, body, params, fname, depth, ints_of)
            if v is None:
                unresolved = True
            else:
                vals |= v
    return vals if vals and not (unresolved and not vals) else (vals or None)

def strs_of(text, expr, body, params, fname, depth=0):
    lits = set(re.findall(r'"((?:\\.|[^"\\])*)"', expr))
    if lits:
        return lits
    idents = re.findall(r'\b[A-Za-z_]\w*\b', expr)
    if len(idents) == 1 and depth < 3:
        return resolve_ident(text, idents[0], body, params, fname, depth, strs_of)
    return None

def resolve_ident(text, name, body, params, fname, depth, fn):
    # a local variable set in the function
    sets = re.findall(r'\b' + re.escape(name) + r'\s*=\s*([^;]+);', text[body:])
    out = set()
    for rhs in sets:
        v = fn(text, rhs, body, params, fname, depth + 1)
        if v:
            out |= v
    if out:
        return out
    # a parameter: every call of the function in this file
    if name in params and fname:
        idx = params.index(name)
        defs = definitions(text, fname)
        for m in re.finditer(r'\b' + re.escape(fname) + r'\s*\(', text):
            if m.start() + len(fname) in defs:
                continue
            args, _ = call_args(text, m.end() - 1)
            if idx >= len(args):
                continue
            cname, cparams, cbody = enclosing(text, m.start())
            v = fn(text, args[idx], cbody, cparams, cname, depth + 1)
            if v:
                out |= v
        return out or None
    return None

def scan(rel, raw, errors, found):
    text = strip_comments(raw)
    n = 0
    for m in re.finditer(r'\b(CLP_ALERT|clp_alert_v)\s*\(', text):
        line = text.count('\n', 0, m.start()) + 1
        args, _ = call_args(text, m.end() - 1)
        if rel == "libclp/clp_evclient.c" or len(args) < 3:
            continue   # the definitions themselves
        n += 1
        fname, params, body = enclosing(text, m.start())
        mods = strs_of(text, args[1], body, params, fname)
        ids = ints_of(text, args[2], body, params, fname)
        if not mods or not ids:
            errors.append("%s:%d: cannot resolve %s of %s(%s)" % (
                rel, line, "the module" if not mods else "the event ID", m.group(1),
                ", ".join(args[1:3])))
            continue
        for mod in mods:
            for i in ids:
                found.add((mod, i))
                if (mod, i) not in cat:
                    errors.append("%s:%d: alert %s %d is not in the catalogue" %
                                  (rel, line, mod, i))
    return n

# The scan must be able to fail: a wrapper passing an unknown ID, a table with one.
SELF = """
static void alert(svc_t *s, unsigned id, const char *arg)
{
    CLP_ALERT(s->ev, "monp", id, arg);
}
static void f(svc_t *s)
{
    alert(s, 3, "x");
    alert(s, ok ? 4 : 999, "y");
}
static const unsigned ids[] = {[2] = 61, [3] = 998};
static void g(core_t *c, int a)
{
    const char *module = a ? "rc" : "nosuchmodule";
    CLP_ALERT(c->ev, module, ids[a], "x");
    CLP_ALERT(c->ev, "rc", lookup(a), "x");
}
"""
self_errors, self_found = [], set()
scan("selftest.c", SELF, self_errors, self_found)
want = {("monp", 3), ("monp", 4), ("monp", 999), ("rc", 61), ("rc", 998),
        ("nosuchmodule", 61), ("nosuchmodule", 998)}
if self_found != want or len(self_errors) != 5:
    sys.exit("self test of the scanner failed: found %s, errors %s" % (sorted(self_found),
                                                                       self_errors))

errors, found, calls = [], set(), 0
for top in ("libclp", "services", "tools"):
    for root, _, files in os.walk(os.path.join(src, top)):
        for f in sorted(files):
            if f.endswith(".c"):
                path = os.path.join(root, f)
                rel = os.path.relpath(path, src)
                calls += scan(rel, open(path, errors="replace").read(), errors, found)
print("scanned %d alert calls: %d distinct (module, id) pairs, catalogue of %d rows" %
      (calls, len(found), len(cat)))
if os.environ.get("CLP_MSGCAT_LIST"):
    for mod, i in sorted(found):
        print("  %s %d" % (mod, i))
for e in errors:
    print("FAIL " + e)
sys.exit(1 if errors else 0)
PY
