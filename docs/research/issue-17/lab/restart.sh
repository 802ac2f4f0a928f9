#!/bin/bash
# restart fake Pronto (8089) and Kamailio (5070)
cd /tmp/h/lab
[ -f fp.pid ] && kill $(cat fp.pid) 2>/dev/null
[ -f run/kamailio.pid ] && kill $(cat run/kamailio.pid) 2>/dev/null
sleep 1; : > http.log
python3 fake_pronto.py 8089 /tmp/h/lab/http.log routes.json > fp.out 2>&1 & echo $! > fp.pid
PRONTO_URL=http://127.0.0.1:8089 PRONTO_TELEPHONY_SECRET=demo-telephony setsid kamailio -DD -E \
  -f /tmp/h/lab/kamailio.cfg -L /usr/lib/x86_64-linux-gnu/kamailio/modules \
  -Y /tmp/h/lab/run -P /tmp/h/lab/run/kamailio.pid -w /tmp/h/lab/run \
  -l udp:127.0.0.1:5070 -n 4 -m 64 -M 8 > kam.log 2>&1 &
sleep 1.5
