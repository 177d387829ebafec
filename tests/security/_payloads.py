"""Attack payloads, written as an attacker would, that create a canary file if executed.

Each payload is ``(name, mode, text)``: ``mode`` says how the payload is live — ``eval`` or
``exec`` as Python source, or ``sympify`` as text handed to SymPy's parser (which calls
``eval``). ``tests/security/test_math_answers.py`` first proves every payload really creates
the canary in that mode (in a child process), then feeds it to lessonkit everywhere a learner
or a lesson file can put text, and asserts the canary never appears.
"""

from __future__ import annotations

from pathlib import Path


def _hex(source: str) -> str:
    return source.encode().hex()


def payloads(canary: Path) -> list[tuple[str, str, str]]:
    """Every payload, aimed at ``canary`` (a path with no quotes or spaces in it)."""
    p = str(canary)
    touch = f"__import__('os').system('touch {p}')"
    write = f"open('{p}','w').write('pwned')"
    subclasses = (
        "[c for c in ().__class__.__base__.__subclasses__() if c.__name__=='_wrap_close']"
        f"[0].__init__.__globals__['system']('touch {p}')"
    )
    return [
        ("import-system", "eval", touch),
        ("import-system-double-quotes", "eval", touch.replace("'", '"')),
        ("open-write", "eval", write),
        ("subclasses-walk", "eval", subclasses),
        ("bytes-fromhex-exec", "eval", f"exec(bytes.fromhex('{_hex(write)}').decode())"),
        ("bytes-fromhex-eval", "eval", f"eval(bytes.fromhex('{_hex(touch)}'))"),
        ("lambda", "eval", f"(lambda: {touch})()"),
        ("f-string", "eval", f'f"{{{touch}}}"'),
        ("walrus", "eval", f"(w := {touch})"),
        ("comprehension", "eval", f"[{touch} for _ in 'a']"),
        ("starred", "eval", f"print(*[{touch}])"),
        ("keyword-args", "eval", f"__import__('subprocess').run(args=['touch', '{p}'])"),
        ("getattr-chain", "eval", f"getattr(__import__('os'), 'system')('touch {p}')"),
        ("decorator", "exec", f"@(lambda f: {touch})\ndef g(): pass"),
        ("decorator-call", "exec", f"def f(g): return g\n@f\ndef h(): {touch}\nh()"),
        ("triple-single", "eval", f"eval('''{touch}''')"),
        ("triple-double", "eval", f'eval("""{touch}""")'),
        ("raw-string", "eval", f'eval(r"{touch}")'),
        ("bytes-literal", "eval", f'eval(b"{touch}".decode())'),
        ("unicode-prefix", "eval", f'eval(u"{touch}")'),
        ("raw-bytes", "eval", f'eval(rb"{touch}".decode())'),
        (
            "escaped-string",
            "eval",
            f"eval('\\x5f\\x5fimport\\x5f\\x5f' + \"('os').system('touch {p}')\")",
        ),
        # Python folds identifiers with NFKC: each of these names reads as eval/exec/_ to it.
        ("homoglyph-modifier-e", "eval", f'ᵉval("{touch}")'),
        ("homoglyph-fullwidth", "eval", f'ｅｖａｌ("{touch}")'),
        ("homoglyph-math-bold", "eval", f'𝐞𝐱𝐞𝐜("{touch}")'),
        ("homoglyph-script-e", "eval", f'ℯval("{touch}")'),
        ("nfkc-fullwidth-underscore", "eval", f"_＿import_＿('os').system('touch {p}')"),
        ("nfkc-ligature", "eval", f"__import__('os').system('touch {p}') if ﬁlter else 0"),
        # SymPy's namespace: nested sympify, subs, S(), Symbol methods.
        ("sympify-plain", "sympify", touch),
        ("sympify-nested", "sympify", f'sympify("{touch}")'),
        ("sympify-S", "sympify", f'S("{touch}")'),
        ("sympify-subs", "sympify", f"Symbol('x').subs(Symbol('x'), sympify(\"{touch}\"))"),
        ("sympify-x-subs", "sympify", f'x.subs(x, sympify("{touch}"))'),
        ("sympify-lambda", "sympify", f'Lambda(x, x).func(x, sympify("{touch}"))'),
        (
            "sympify-hex",
            "sympify",
            f"sympify(__import__('binascii').unhexlify('{_hex(touch)}').decode())",
        ),
    ]


INERT = [
    # Shapes that reach no code by themselves but must still be refused, never evaluated.
    "x.__class__",
    "x.func",
    "x.subs(x, 2)",
    "(1.0).hex",
    "1.0.real",
    "pi.evalf",
    "x . name",
    "sin.__call__(x)",
    "x[0]",
    "x if x else 1",
    "x; x",
    "x # comment",
    "x \\\n + 1",
    "lambda x: x",
    "x and 1",
    "not x",
    "x == 2",
    "x := 2",
    "{x}",
    "`x`",
    "$x$",
    "x\x00",
    "x\u200d",
    "x\u202e",
    "ｘ",
    "𝑥",
    "x²" * 200,
    "S(2)",
    "Symbol(x)",
    "Integer(2)",
    "Function(x)(x)",
    "sympify(x)",
    "exec",
    "__builtins__",
    "__import__",
    "globals()",
]
