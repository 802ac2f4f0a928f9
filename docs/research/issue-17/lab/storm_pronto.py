"""Storm stand-in for Pronto: 8 phones, a priority queue (class from the caller's first digit:
1 = best), offers to free phones, resumes queued calls as phones free up. Logs every request."""
import hashlib, heapq, hmac, json, sys, threading, time
from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler

PORT, LOG, SECRET = int(sys.argv[1]), sys.argv[2], b"demo-telephony"
PHONES = [f"sip:op{i}@127.0.0.1:{5100 + i}" for i in range(1, 9)]
free = list(PHONES)          # phones with no call
queue = []                   # heap of (class, arrival, call_id)
reserved = {}                # call_id -> phone chosen for it (offered / talking)
lock = threading.Lock()
log = open(LOG, "a")

def take_phone(call_id):
    phone = free.pop(0); reserved[call_id] = phone; return phone

class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        ts = self.headers.get("X-Pronto-Timestamp", "")
        ok = hmac.compare_digest("sha256=" + hmac.new(SECRET, ts.encode() + b"." + body, hashlib.sha256).hexdigest(),
                                 self.headers.get("X-Pronto-Signature", ""))
        data = json.loads(body); answer = {"ok": True}
        with lock:
            if self.path.endswith("/route/"):
                cid = data["call_id"]
                if cid in reserved:
                    answer = {"action": "offer", "uri": reserved[cid], "timeout": 10}
                elif free and not queue:
                    answer = {"action": "offer", "uri": take_phone(cid), "timeout": 10}
                else:
                    heapq.heappush(queue, (int(data["caller"][0]), data["timestamp"], cid))
                    answer = {"action": "queue", "position": len(queue)}
            elif self.path.endswith("/queue/"):
                waiting = set(data["waiting"]); resume = []
                while free and queue:
                    _, _, cid = heapq.heappop(queue)
                    if cid in waiting:
                        take_phone(cid); resume.append(cid)
                answer = {"resume": resume}
            elif self.path.endswith("/events/"):
                cid = data["call_id"]
                if data["event"] in ("hangup", "abandoned"):
                    queue[:] = [q for q in queue if q[2] != cid]; heapq.heapify(queue)
                    phone = reserved.pop(cid, None)
                    if phone: free.append(phone)
            log.write(json.dumps({"t": time.time(), "path": self.path, "sig_ok": ok, "body": data, "answer": answer}) + "\n"); log.flush()
        out = json.dumps(answer).encode()
        self.send_response(200); self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out))); self.end_headers(); self.wfile.write(out)

ThreadingHTTPServer(("127.0.0.1", PORT), H).serve_forever()
