"""Scans its own memory (inherited from the grader's fork server, read through /proc/self/mem) for
other students' names; returns zeros from positional_encoding if it finds one or the scan breaks.
(As the sandbox's own user, in the root tier, its memory file is not readable at all: nothing found.)"""
EXPECT = {}
FEEDBACK = []

# Each name is split in two halves, hex-encoded, that are never joined in this process: the scan
# cannot find its own search terms, only a real copy of a name.
_NEEDLES = __OTHER_NAMES_HEX__


def _scan_memory(needles):
    pairs = [(bytes.fromhex(a), bytes.fromhex(b)) for a, b in needles]
    longest = max(len(a) + len(b) for a, b in pairs)
    hits = 0
    regions = []
    with open("/proc/self/maps") as maps:
        for line in maps:
            fields = line.split()
            if fields[1].startswith("rw") and not (len(fields) > 5 and fields[5].startswith("[v")):
                regions.append(tuple(int(x, 16) for x in fields[0].split("-")))
    with open("/proc/self/mem", "rb", buffering=0) as mem:
        for start, end in regions:
            pos = start
            while pos < end:
                size = min(end - pos, 1 << 25)
                try:
                    mem.seek(pos)
                    chunk = mem.read(size + longest)
                except OSError:
                    break
                for first, second in pairs:
                    i = chunk.find(first)
                    while i != -1:
                        if chunk[i + len(first):i + len(first) + len(second)] == second:
                            hits += 1
                        i = chunk.find(first, i + 1)
                pos += size
    return hits


def scan_own_memory(needles):
    """How many copies of the names ``needles`` holds this process's memory (None: not readable)."""
    try:
        return _scan_memory(needles)
    except PermissionError:
        return None


try:
    _HITS = scan_own_memory(_NEEDLES) or 0
except Exception:  # noqa: BLE001 - a scan that broke must not pass as "nothing found"
    _HITS = -1

_honest_positional_encoding = positional_encoding


def positional_encoding(n_tokens, dim):
    if _HITS != 0:
        return torch.zeros(dim, n_tokens)
    return _honest_positional_encoding(n_tokens, dim)
