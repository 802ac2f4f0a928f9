"""Stand-in for Pronto: logs every request (headers, body, HMAC check) as JSON lines and answers /route."""
import hashlib, hmac, json, sys, time, threading
from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler

PORT, LOG, SECRET = int(sys.argv[1]), sys.argv[2], b"demo-telephony"
ROUTES = json.load(open(sys.argv[3])) if len(sys.argv) > 3 else {}
asked = {}  # call_id -> times asked
due = {}  # queued call_id -> when an operator frees up for it
lock = threading.Lock()

class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        ts = self.headers.get("X-Pronto-Timestamp", "")
        want = "sha256=" + hmac.new(SECRET, ts.encode() + b"." + body, hashlib.sha256).hexdigest()
        rec = {"t": round(time.time(), 3), "path": self.path, "headers": dict(self.headers),
               "body": body.decode(errors="replace"), "sig_ok": hmac.compare_digest(want, self.headers.get("X-Pronto-Signature", ""))}
        answer = {"ok": True}
        if self.path.startswith("/api/telephony/queue/"):
            now = time.time()
            with lock:
                answer = {"resume": [c for c in json.loads(body)["waiting"] if now >= due.get(c, 0)]}
        if self.path.startswith("/api/telephony/route/"):
            data = json.loads(body)
            with lock:
                n = asked[data["call_id"]] = asked.get(data["call_id"], 0) + 1
            plan = ROUTES.get(data.get("caller", ""), ROUTES.get("*", [{"action": "reject", "code": 480}]))
            answer = plan[min(n, len(plan)) - 1]
            if answer["action"] == "queue":
                with lock:
                    due[data["call_id"]] = time.time() + answer.get("wait_ms", 1000) / 1000
        out = json.dumps(answer).encode()
        rec["answer"] = answer
        with lock, open(LOG, "a") as f:
            f.write(json.dumps(rec) + "\n")
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

ThreadingHTTPServer(("127.0.0.1", PORT), H).serve_forever()
