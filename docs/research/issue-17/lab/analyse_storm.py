"""Checks a storm run: fake-Pronto log (http.log) against SIPp's own traces (-trace_shortmsg)."""
import json, collections, statistics as st
start = float(open('start').read()); end = float(open('end').read())
print("elapsed %.1f s" % (end - start))
ev = collections.defaultdict(list); route = collections.defaultdict(list); reqs = collections.Counter(); sig = True; maxq = 0
for l in open('http.log'):
    r = json.loads(l); b = r['body']; sig &= r['sig_ok']; reqs[r['path']] += 1
    if r['path'].endswith('/events/'): ev[b['call_id']].append((b['event'], b['timestamp']))
    elif r['path'].endswith('/route/'): route[b['call_id']].append((r['answer']['action'], b['timestamp'], b['caller']))
    else: maxq = max(maxq, len(b['waiting']))
print("requests", dict(reqs), "all signatures ok:", sig, "| most calls waiting in one poll:", maxq)
print("calls", len(route), "| terminal events (hangup/abandoned) per call:", dict(collections.Counter(sum(e in ('hangup', 'abandoned') for e, _ in v) for v in ev.values())))
print("calls with more than one answer event:", sum(1 for v in ev.values() if sum(e == 'answer' for e, _ in v) > 1))
sipp = {}
for f in ('callers.msg', 'ab.msg'):
    for line in open(f):
        p = line.rstrip('\n').split('\t'); t, d, cid, cseq, msg = float(p[2]), p[3], p[4], p[5], p[6]
        s = sipp.setdefault(cid, {})
        if d == 'S' and msg.startswith('INVITE'): s['invite'] = t
        if d == 'R' and msg.startswith('SIP/2.0 180'): s.setdefault('ring', t)
        if d == 'R' and msg.startswith('SIP/2.0 200') and 'INVITE' in cseq: s.setdefault('answer', t)
        if d == 'S' and msg.startswith('BYE'): s['bye'] = t
        if d == 'S' and msg.startswith('CANCEL'): s['cancel'] = t
diffs = collections.defaultdict(list)
for cid, v in ev.items():
    s = sipp.get(cid, {})
    for e, t in v:
        k = {'offered': 'ring', 'answer': 'answer', 'hangup': 'bye', 'abandoned': 'cancel'}[e]
        if k in s: diffs[e].append(abs(t - s[k]))
for cid, v in route.items():
    if 'invite' in sipp.get(cid, {}): diffs['route (first ask)'].append(abs(v[0][1] - sipp[cid]['invite']))
for k, v in diffs.items(): print(f"  {k:18} n={len(v):3}  |Pronto - SIPp| p50 {st.median(v)*1000:6.1f} ms  max {max(v)*1000:7.1f} ms")
w = collections.defaultdict(list)
for cid, v in route.items():
    ans = [t for e, t in ev[cid] if e == 'answer']
    if ans: w[v[0][2][0]].append(ans[0] - v[0][1])
for c in sorted(w): print(f"  class {c}: answered {len(w[c])}, wait to answer mean {st.mean(w[c]):.1f} s, max {max(w[c]):.1f} s")
print("abandoned:", sum(any(e == 'abandoned' for e, _ in v) for v in ev.values()))
