#!/bin/bash
# run_case.sh CALLER SCENARIO DURATION_MS : one call on line 800100 from CALLER
cd /tmp/h/lab/sipp
printf 'SEQUENTIAL\n%s;800100\n' "$1" > calls_$1.csv
sipp 127.0.0.1:5070 -sf "$2" -inf calls_$1.csv -i 127.0.0.1 -p 5061 -m 1 -d "$3" -trace_shortmsg -shortmessage_file case_$1.msg -trace_err -error_file case_$1.err -timeout 30s -timeout_error -nostdin > case_$1.out 2>&1
echo "case $1 rc=$?"
