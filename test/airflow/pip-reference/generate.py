"""Reference table: how pip itself reads each file in corpus/ (see README note in requirements.test.ts).

Run with the pinned pip (`.ci/run` does, in a venv):  python generate.py          rewrite table.json
                                                     python generate.py --check  fail if table.json is stale
Uses pip's own requirements-file parser (pip._internal.req.req_file.parse_requirements) and the constructor
`pip install -r` uses, so each entry is what pip would install, or the error it stops with.
"""
import json
import os
import sys

import pip
from pip._internal.network.session import PipSession
from pip._internal.req.constructors import install_req_from_parsed_requirement
from pip._internal.req.req_file import parse_requirements

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")
TABLE = os.path.join(HERE, "table.json")


def read(name):
    session = PipSession()
    try:
        reqs = []
        for parsed in parse_requirements(os.path.join(CORPUS, name), session=session):
            ireq = install_req_from_parsed_requirement(parsed)
            req = ireq.req
            reqs.append(
                {
                    "line": int(parsed.line_source.split()[1]) if parsed.line_source else None,
                    "name": req.name if req else None,
                    "extras": sorted(req.extras) if req else [],
                    "specifier": sorted(str(s) for s in req.specifier) if req else [],
                    "marker": str(req.marker) if req and req.marker else None,
                    "url": req.url if req and req.url else None,
                }
            )
        return {"ok": True, "requirements": reqs}
    except Exception as e:  # pip's own error, as `pip install -r` would stop with it
        return {"ok": False, "error": type(e).__name__}


def main():
    # pip substitutes ${VAR} from the environment: make the table independent of the machine's.
    for k in [k for k in os.environ if k.startswith("REQUESTS_")]:
        del os.environ[k]
    table = {"pip": pip.__version__, "files": {n: read(n) for n in sorted(os.listdir(CORPUS))}}
    text = json.dumps(table, indent=4, sort_keys=True, ensure_ascii=True) + "\n"
    if "--check" in sys.argv:
        with open(TABLE, encoding="utf-8") as f:
            if f.read() != text:
                sys.exit(f"{TABLE} is stale: rerun generate.py with pip {pip.__version__}")
        print(f"pip reference table matches pip {pip.__version__} ({len(table['files'])} files)")
    else:
        with open(TABLE, "w", encoding="utf-8") as f:
            f.write(text)


if __name__ == "__main__":
    main()
