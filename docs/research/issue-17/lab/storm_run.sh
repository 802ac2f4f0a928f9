cd /tmp/h/lab/storm
date +%s.%N > start
sipp 127.0.0.1:5080 -sf ../sipp/caller.xml -inf ../sipp/storm.csv -i 127.0.0.1 -p 5091 -m 540 -r 9 -l 600 -d 700 -trace_shortmsg -shortmessage_file callers.msg -trace_err -error_file callers.err -trace_stat -stf callers.csv -timeout 240s -nostdin > callers.out 2>&1 &
sipp 127.0.0.1:5080 -sf ../sipp/caller_abandon.xml -inf ../sipp/storm_ab.csv -i 127.0.0.1 -p 5092 -m 60 -r 1 -l 100 -trace_shortmsg -shortmessage_file ab.msg -trace_err -error_file ab.err -timeout 240s -nostdin > ab.out 2>&1 &
top -b -d 5 -n 14 > top.log &
wait
date +%s.%N > end
