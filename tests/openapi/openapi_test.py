#!/usr/bin/env python3
"""openapi_test.py — docs/openapi.json against the running huitou-scheduler.

The OpenAPI document is a promise to every program that integrates with
huitou; this test keeps it. It starts a private redis-server and the real
huitou-scheduler (admin server on a free loopback port, an admin token, API
keys made with `huitou apikey add`), then:

  1. validates the document against the OpenAPI 3.1 schema
     (tests/openapi/oas-3.1-schema.json, from OAI/OpenAPI-Specification,
     Apache-2.0) and checks the server serves the same document at
     GET /api/v1/openapi.json;
  2. calls every documented operation with the document's own examples
     (parameters' `example`, the request body's `example`) — writes first,
     deletes last — and checks the answer's status is documented for that
     operation and its body matches the documented schema;
  3. asks every operation the wrong way (no credentials, an unknown store, a
     body that is not JSON, a read key writing, a body over the limit) and
     checks those answers against the document too;
  4. checks every /api/v1 route docs/admin-api.md lists is in the document.

The validator is Debian's python3-jsonschema (Draft 2020-12, the dialect of
OpenAPI 3.1's Schema Object), not a hand-written one. Exits 0 when every
check holds, 1 with the list of broken promises otherwise.

Usage: openapi_test.py --bin <dir with huitou, huitou-scheduler> --source <repo root>
"""
import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

from jsonschema import Draft202012Validator, FormatChecker, RefResolver

NOW = "2027-09-15T12:00:00+08:00"
failures = []


def fail(what):
    failures.append(what)
    print("FAIL:", what, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, seconds, what):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise SystemExit("timed out waiting for " + what)


class Answer:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def content_type(self):
        return self.headers.get("Content-Type", "").split(";")[0].strip()


def call(base, method, path, token=None, body=None, headers=None):
    data = None
    h = dict(headers or {})
    if token:
        h["Authorization"] = "Bearer " + token
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
        h.setdefault("Content-Type", "application/json")
    req = urllib.request.Request(base + path, data=data, method=method, headers=h)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return Answer(r.status, dict(r.headers), r.read())
    except urllib.error.HTTPError as e:
        return Answer(e.code, dict(e.headers), e.read())


def call_oversize(base, method, path, token, length):
    """Announces a body of `length` bytes and reads the answer before sending
    any of it: a server that refuses from Content-Length answers at once
    (and may close before a client could write the body)."""
    host, port = base.split("//")[1].split(":")
    with socket.create_connection((host, int(port)), timeout=30) as s:
        s.sendall((f"{method} {path} HTTP/1.1\r\nHost: {host}\r\n"
                   f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
                   f"Content-Length: {length}\r\nConnection: close\r\n\r\n").encode())
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
    return Answer(int(lines[0].split()[1]), headers, body)


class Document:
    """The OpenAPI document, with its references resolved for validation."""

    def __init__(self, doc):
        self.doc = doc
        self.resolver = RefResolver.from_schema(doc)

    def deref(self, obj):
        while isinstance(obj, dict) and "$ref" in obj:
            _, obj = self.resolver.resolve(obj["$ref"])
        return obj

    def operations(self):
        for path, item in self.doc["paths"].items():
            shared = item.get("parameters", [])
            for method in ("put", "post", "patch", "get", "delete"):
                if method in item:
                    op = item[method]
                    params = [self.deref(p) for p in shared + op.get("parameters", [])]
                    yield path, method.upper(), op, params

    def check_answer(self, where, op, answer):
        """The answer's status is documented for `op`, and its body matches."""
        documented = op["responses"]
        key = str(answer.status)
        if key not in documented:
            fail(f"{where}: status {answer.status} is not documented "
                 f"(documented: {sorted(documented)}); body {answer.body[:300]!r}")
            return
        response = self.deref(documented[key])
        content = response.get("content")
        if not content:
            if answer.body:
                fail(f"{where}: {answer.status} documents no body, got {answer.body[:200]!r}")
            return
        media = answer.content_type()
        if media not in content:
            fail(f"{where}: {answer.status} answered {media!r}, documented {sorted(content)}")
            return
        if media != "application/json":
            return
        try:
            body = json.loads(answer.body)
        except ValueError as e:
            fail(f"{where}: {answer.status} body is not JSON ({e}): {answer.body[:200]!r}")
            return
        schema = content[media]["schema"]
        validator = Draft202012Validator(schema, resolver=self.resolver,
                                         format_checker=FormatChecker())
        for error in sorted(validator.iter_errors(body), key=str)[:5]:
            path = "/".join(str(p) for p in error.absolute_path)
            fail(f"{where}: {answer.status} body does not match its schema at /{path}: "
                 f"{error.message[:300]}")
        for name, header in response.get("headers", {}).items():
            if name not in answer.headers and name.lower() not in {
                    k.lower() for k in answer.headers}:
                fail(f"{where}: {answer.status} lacks the documented header {name}")


def fill(path, params, overrides=None):
    """The path and query string from the parameters' examples."""
    overrides = overrides or {}
    query = []
    for p in params:
        value = overrides.get(p["name"], p.get("example"))
        if p["in"] == "path":
            if value is None:
                fail(f"{path}: path parameter {p['name']} has no example")
                value = "x"
            path = path.replace("{" + p["name"] + "}", urllib.request.quote(str(value), safe=""))
        elif p["in"] == "query" and p.get("required") and value is not None:
            query.append(f"{p['name']}={urllib.request.quote(str(value))}")
    return path + ("?" + "&".join(query) if query else "")


def body_example(doc, op):
    body = op.get("requestBody")
    if not body:
        return None
    media = doc.deref(body)["content"].get("application/json")
    if media is None or "example" not in media:
        fail(f"{op['operationId']}: the JSON request body has no example")
        return {}
    return media["example"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--source", required=True)
    args = ap.parse_args()

    doc_text = open(os.path.join(args.source, "docs/openapi.json"), encoding="utf-8").read()
    raw = json.loads(doc_text)
    meta = json.load(open(os.path.join(args.source, "tests/openapi/oas-3.1-schema.json")))
    for error in Draft202012Validator(meta).iter_errors(raw):
        fail("docs/openapi.json is not a valid OpenAPI 3.1 document at /" +
             "/".join(str(p) for p in error.absolute_path) + ": " + error.message[:300])
    Draft202012Validator.check_schema({"$defs": raw["components"]["schemas"]})
    doc = Document(raw)

    work = tempfile.mkdtemp(prefix="huitou-openapi-")
    redis_port, admin_port = free_port(), free_port()
    processes = []
    try:
        redis = subprocess.Popen(
            ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", work],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        processes.append(redis)
        env = dict(os.environ, HUITOU_REDIS_URL=f"redis://127.0.0.1:{redis_port}/0")

        def ping():
            try:
                with socket.create_connection(("127.0.0.1", redis_port), timeout=0.2) as s:
                    s.sendall(b"PING\r\n")
                    return s.recv(16).startswith(b"+PONG")
            except OSError:
                return False
        wait_for(ping, 10, "redis-server")

        def huitou(*argv):
            r = subprocess.run([os.path.join(args.bin, "huitou"), *argv], env=env,
                               capture_output=True, text=True, timeout=60)
            if r.returncode != 0:
                raise SystemExit(f"huitou {' '.join(argv)} failed: {r.stderr}")
            return r.stdout

        def key(name, store, scope):
            out = huitou("apikey", "add", name, "--store", store, "--scope", scope)
            token = re.search(r"hk_[A-Za-z0-9]+_[A-Za-z0-9]+", out)
            if not token:
                raise SystemExit("no token in: " + out)
            return token.group(0)

        # Members for the planner: NOW is 中秋 2027, so the report has a
        # festival row with messaged and held-out groups to check.
        members = os.path.join(work, "members.csv")
        with open(members, "w") as f:
            f.write("member_id,store,name,birthday,phone,sms_optin\n")
            for i in range(60):
                f.write(f"T{i:04d},toyland,会员{i},1990-03-{1 + i % 28:02d},1380013{i:04d},1\n")
        huitou("import", members)
        writer = key("openapi-writer", "toyland", "write")
        reader = key("openapi-reader", "toyland", "read")
        token_file = os.path.join(work, "admin-token")
        with open(token_file, "w") as f:
            f.write("openapi-admin-token\n")
        admin = "openapi-admin-token"

        sets = [f"admin.listen=127.0.0.1:{admin_port}", f"admin.token_file={token_file}"]
        for name in ("sms", "wechat", "results", "visits"):
            sets.append(f"endpoints.{name}=tcp://127.0.0.1:{free_port()}")
        argv = [os.path.join(args.bin, "huitou-scheduler"), "--now", NOW]
        for s in sets:
            argv += ["--set", s]
        log = open(os.path.join(work, "scheduler.log"), "w")
        scheduler = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT)
        processes.append(scheduler)
        base = f"http://127.0.0.1:{admin_port}"

        def healthy():
            if scheduler.poll() is not None:
                raise SystemExit("huitou-scheduler exited: " +
                                 open(os.path.join(work, "scheduler.log")).read()[-2000:])
            try:
                return call(base, "GET", "/healthz").status == 200
            except OSError:
                return False
        wait_for(healthy, 30, "the admin server")

        served = call(base, "GET", "/api/v1/openapi.json", reader)
        if served.status != 200 or json.loads(served.body) != raw:
            fail(f"GET /api/v1/openapi.json (a read key) does not serve docs/openapi.json "
                 f"({served.status})")

        def planned():
            r = call(base, "GET", "/api/v1/stores/toyland/report?from=2027-09-01&to=2027-09-30",
                     admin)
            return r.status == 200 and json.loads(r.body)["kinds"]
        wait_for(planned, 60, "the day's plan (a report with kinds)")

        # 2. Every operation, with the document's examples and the admin token
        # (writes before reads before deletes, so a GET finds what a PUT made).
        ops = list(doc.operations())
        order = {"PUT": 0, "POST": 1, "PATCH": 2, "GET": 3, "DELETE": 4}
        ops.sort(key=lambda o: order[o[1]])
        answered = {}
        for path, method, op, params in ops:
            where = f"{method} {path}"
            target = fill(path, params)
            answer = call(base, method, target, admin, body_example(doc, op))
            answered[where] = answer.status
            if answer.status >= 400:
                fail(f"{where}: its own example answered {answer.status}: {answer.body[:300]!r}")
            doc.check_answer(where, op, answer)
            # The same with a key of the store: reads for the read key, writes
            # for the write key, except erasure, already done by the admin.
            if method != "DELETE":
                token = reader if method == "GET" else writer
                again = call(base, method, target, token, body_example(doc, op))
                doc.check_answer(where + " (API key)", op, again)

        # 3. The wrong ways.
        for path, method, op, params in ops:
            where = f"{method} {path}"
            target = fill(path, params)
            example = body_example(doc, op)
            a = call(base, method, target, None, example)
            if a.status != 401:
                fail(f"{where} without credentials: {a.status}, not 401")
            doc.check_answer(where + " without credentials", op, a)
            a = call(base, method, target, "hk_notakey1_AAAAAAAAAAAAAAAAAAAA", example)
            if a.status != 401:
                fail(f"{where} with a made-up key: {a.status}, not 401")
            if "{store}" in path:
                a = call(base, method, fill(path, params, {"store": "nosuchstore"}), admin, example)
                if a.status != 404:
                    fail(f"{where} for an unknown store: {a.status}, not 404")
                doc.check_answer(where + " for an unknown store", op, a)
            if method in ("PUT", "POST", "PATCH"):
                a = call(base, method, target, writer, b"{not json")
                if a.status != 400:
                    fail(f"{where} with a body that is not JSON: {a.status}, not 400")
                doc.check_answer(where + " with a body that is not JSON", op, a)
                a = call(base, method, target, reader, example)
                if a.status != 403:
                    fail(f"{where} with a read key: {a.status}, not 403")
                doc.check_answer(where + " with a read key", op, a)
                a = call_oversize(base, method, target, writer, 3 * 1024 * 1024)
                if a.status != 413:
                    fail(f"{where} with a 3 MiB body: {a.status}, not 413")
                doc.check_answer(where + " with a 3 MiB body", op, a)

        # 4. Every /api/v1 route docs/admin-api.md lists in its table of
        # routes (rows "| `METHOD /api/v1/...` |") is in the document.
        listed = open(os.path.join(args.source, "docs/admin-api.md"), encoding="utf-8").read()
        documented = {re.sub(r"\{[^}]+\}", "<>", p) for p in raw["paths"]}
        rows = re.findall(r"^\| `(?:[A-Z|, ]+ )?(/api/v1/[^`?\s]*)", listed, re.M)
        if not rows:
            fail("docs/admin-api.md: no /api/v1 route found in its table of routes")
        for route in sorted(set(rows)):
            shape = re.sub(r"<[^/>]*>", "<>", route.replace("&lt;", "<").replace("&gt;", ">"))
            if shape not in documented:
                fail(f"docs/admin-api.md lists {route}, which docs/openapi.json lacks")

        print(f"{len(ops)} operations checked; answers with the examples: {answered}")
    finally:
        for p in reversed(processes):
            p.terminate()
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
        if not failures:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print("kept for inspection:", work)
    if failures:
        print(f"{len(failures)} broken promise(s)")
        return 1
    print("docs/openapi.json holds")
    return 0


if __name__ == "__main__":
    sys.exit(main())
