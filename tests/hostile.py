"""Hostile input for the property tests: odd hosts, ports and encodings, control
characters, huge values and YAML bombs, as an attacker or a careless paste would send.

The Hypothesis profile is bounded and derandomised, so CI runs the same examples each
time and a failure reproduces; no example database is kept. For a long hunt on your own
machine: `HYPOTHESIS_PROFILE=deep .venv/bin/python -m pytest tests/test_fuzz_*.py`.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

settings.register_profile(
    "gitops", max_examples=60, deadline=None, derandomize=True, database=None,
    print_blob=False,
    # Each test builds its app once and checks per example that nothing was stored.
    suppress_health_check=[HealthCheck.function_scoped_fixture])
settings.register_profile("deep", settings.get_profile("gitops"), max_examples=2000,
                          derandomize=False)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "gitops")
settings.load_profile(PROFILE)


def examples(count: int) -> settings:
    """A test's own bound (slow pages get fewer examples), stretched by the deep profile."""
    return settings(max_examples=count * 30 if PROFILE == "deep" else count)

# Unicode that survives UTF-8 (no lone surrogates: no browser can send those).
CHARACTERS = st.characters(exclude_categories=("Cs",))
CONTROL = st.sampled_from([chr(c) for c in [*range(0x20), 0x7F, 0x85, 0x2028, 0x202E,
                                              0xFEFF, 0x200B]])

SPECIAL = ["", " ", "\x00", "%", "%zz", "%00", "%C0%AF", "%E2%80%AE", "%%41", "\r\n",
           "../", "..%2f", "' OR '1'='1", "<script>alert(1)</script>", "{{7*7}}", "${jndi:x}",
           "\u202egnp.exe", "ｅｘａｍｐｌｅ", "ß", "İ", "🙂", "a\u0301", "null", "NaN", "-1",
           "0", "9" * 40, "1e309"]


def huge(alphabet=CHARACTERS) -> st.SearchStrategy[str]:
    """A value far longer than any field allows (up to 300 KB)."""
    return st.builds(lambda text, times: text * times, st.text(alphabet, min_size=1,
                                                               max_size=4),
                     st.integers(300, 75_000))


def long_plain() -> st.SearchStrategy[str]:
    """Longer than its column, but otherwise of the right shape (PostgreSQL enforces
    VARCHAR lengths that SQLite ignores)."""
    return st.builds(lambda piece, times: piece * times,
                     st.sampled_from(["a", "ab-", "1.", "a1_"]), st.integers(40, 3000))


def text_values() -> st.SearchStrategy[str]:
    """Anything a text field might receive."""
    return st.one_of(
        st.sampled_from(SPECIAL),
        long_plain(),
        st.text(CHARACTERS, max_size=40),
        st.text(st.one_of(CONTROL, CHARACTERS), min_size=1, max_size=20),
        st.builds(lambda a, c, b: a + c + b, st.text(max_size=8), CONTROL,
                  st.text(max_size=8)),
        huge())


IPV4_SPELLINGS = ["127.0.0.1", "127.1", "0x7f.1", "0177.0.0.1", "2130706433", "017700000001",
                  "0.0.0.0", "0", "10.0.0.1", "169.254.169.254", "192.168.1.1", "8.8.8.8",  # noqa: S104
                  "1.2.3.4.5", "256.1.1.1", "1.1.1", "01.02.03.04", "127.0.0.1.", "0x7F000001",
                  "1.1.1.1%2509"]
IPV6_SPELLINGS = ["[::1]", "[::]", "[0:0:0:0:0:0:0:1]", "[::ffff:127.0.0.1]",
                  "[::ffff:7f00:1]", "[fe80::1%25eth0]", "[fe80::1%eth0]", "[2001:db8::1]",
                  "[2606:4700:4700::1111]", "[64:ff9b::7f00:1]", "[::1", "::1]", "::1",
                  "[::1]]", "[v1.fe80::a]", "[1::2::3]", "[" + "1:" * 9 + "1]",
                  "[::ffff:10.0.0.1]", "[fc00::1]", "[ff02::1]"]
NAMES = ["git.example.com", "localhost", "localhost.", "LOCALHOST", "xn--bcher-kva.example",
         "bücher.example", "ｇｉｔ.example", "a" * 64 + ".example", "a." * 130 + "com",
         "-bad.example", "under_score.example", "exa mple.com", "example.com\x00.evil",
         "ex%41mple.com", "example.com.", "*.example.com", "git.example.com:443@evil",
         "\u0000", "%", "😀.example"]
PORTS = ["", ":", ":0", ":1", ":443", ":8443", ":65535", ":65536", ":-1", ":+80", ": 80",
         ":٣٤", ":99999999999999999999", ":0x50", ":80:80", ":١٢٣"]
SCHEMES = ["https://", "http://", "HTTPS://", "ftp://", "javascript:", "", "//", "https:/",
           "https:\\\\", " https://", "file://"]
PATHS = ["", "/", "/api/v3", "/%", "/%zz", "/a%00b", "/?q=1", "/#frag", "/../../etc",
         "/\u202e", "/" + "a" * 3000]


def hosts() -> st.SearchStrategy[str]:
    """Provider host URLs, most of them wrong in some way."""
    # Each part is usually plain, so that one odd part at a time reaches the deeper checks.
    def mostly(plain: str, odd: list[str]) -> st.SearchStrategy[str]:
        return st.one_of(st.just(plain), st.sampled_from(odd))

    host = st.one_of(st.sampled_from(IPV6_SPELLINGS), st.sampled_from(IPV4_SPELLINGS),
                     st.sampled_from(NAMES), st.text(CHARACTERS, min_size=1, max_size=12))
    url = st.builds(lambda scheme, user, name, port, path: scheme + user + name + port + path,
                    mostly("https://", SCHEMES), mostly("", ["user@", "user:pass@", ":@", "@"]),
                    host, mostly("", PORTS), mostly("", PATHS))
    long_url = st.builds(lambda path: "https://git.example.com/" + path, long_plain())
    return st.one_of(url, url, url, long_url, text_values())


def yaml_bombs() -> st.SearchStrategy[str]:
    """YAML that expands or nests far beyond its size, or is not plain data."""
    def laughs(depth: int, width: int) -> str:
        lines = ['a0: &a0 ["lol", "lol"]']
        for level in range(1, depth + 1):
            refs = ", ".join([f"*a{level - 1}"] * width)
            lines.append(f"a{level}: &a{level} [{refs}]")
        return "\n".join(lines) + "\n"

    return st.one_of(
        st.builds(laughs, st.integers(3, 12), st.integers(2, 10)),
        st.builds(lambda n: "[" * n + "]" * n, st.integers(50, 120_000)),
        st.builds(lambda n: "a:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, n)),
                  st.integers(50, 3_000)),
        st.builds(lambda n: "{" * n, st.integers(50, 120_000)),
        st.sampled_from([
            "!!python/object/apply:os.system ['true']", "x: !!binary AAAA", "a: &x b\nc: *y",
            "a: 1\na: 2", "? [a, b]\n: c", "x: !custom 1", "%YAML 9.9\n---\na: 1",
            "\x00: 1", "a: \x07", "- 1\n- 2", "just a string", "~", "a: " + "9" * 5000,
            "replicaCount: 1e999", "image: {repository: [" + "x," * 5000 + "]}",
            "\ufeffreplicaCount: 2", "a: |\n  \x1b[31mred", "<<: *missing"]),
        text_values())
