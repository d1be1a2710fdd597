# SPDX-License-Identifier: Apache-2.0
# Checks a scrape of maydayd's GET /metrics against the Prometheus text
# exposition format 0.0.4 as maydayd promises it (srv_metrics.h): every
# family has HELP then TYPE, names start with maydayd_, counters end in
# _total, samples belong to the family above them, label sets are well
# formed, values are numbers, histogram buckets rise with le and are
# cumulative, end in +Inf, and +Inf equals _count. Prints each problem with
# its line number; exits 1 if there was one.
function bad(msg) { print "line " NR ": " msg ": " $0; errors++ }
function num(v) { return v ~ /^[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?$/ || v == "+Inf" }
function close_family() {
	if (fam == "")
		return
	if (!samples[fam])
		bad("family " fam " has no sample")
	if (ftype == "histogram") {
		if (!seen_inf) bad(fam " has no +Inf bucket")
		if (!seen_count) bad(fam " has no _count")
		if (!seen_sum) bad(fam " has no _sum")
	}
}
/^# HELP / {
	close_family()
	fam = $3; ftype = ""; seen_inf = seen_count = seen_sum = 0; prev_le = -1; prev_b = -1
	if (fam !~ /^maydayd_[a-z0-9_]+$/) bad("name")
	if (fam in helped) bad("HELP twice for " fam)
	helped[fam] = 1
	if (NF < 4) bad("empty HELP")
	next
}
/^# TYPE / {
	if ($3 != fam) bad("TYPE not right after its HELP")
	ftype = $4
	if (ftype != "counter" && ftype != "gauge" && ftype != "histogram") bad("type " ftype)
	if (ftype == "counter" && fam !~ /_total$/) bad("counter without _total")
	if (ftype != "counter" && fam ~ /_total$/) bad("_total on a " ftype)
	next
}
/^#/ { bad("other comment"); next }
/^$/ { bad("empty line"); next }
{
	if (ftype == "") { bad("sample before any TYPE"); next }
	if (NF != 2) { bad("not NAME VALUE"); next }
	name = $1; labels = ""
	if ((i = index(name, "{")) > 0) {
		if (substr(name, length(name)) != "}") { bad("labels"); next }
		labels = substr(name, i + 1, length(name) - i - 1)
		name = substr(name, 1, i - 1)
		n = split(labels, kv, ",")
		for (j = 1; j <= n; j++)
			if (kv[j] !~ /^[a-zA-Z_][a-zA-Z0-9_]*="[^"\\]*"$/) bad("label " kv[j])
		if ((name SUBSEP labels) in lsets) bad("series twice")
		lsets[name, labels] = 1
	} else if (name in plain) {
		bad("series twice")
	} else {
		plain[name] = 1
	}
	if (!num($2)) bad("value " $2)
	v = $2 + 0
	samples[fam]++
	if (ftype != "histogram") {
		if (name != fam) bad("sample " name " in family " fam)
		if (ftype == "counter" && v < 0) bad("negative counter")
		next
	}
	if (name == fam "_bucket") {
		if (labels !~ /^le="[^"]*"$/) { bad("bucket labels"); next }
		le = substr(labels, 5, length(labels) - 5)
		if (seen_inf) bad("bucket after +Inf")
		if (le == "+Inf") { seen_inf = 1; inf = v }
		else if (!num(le) || le + 0 <= prev_le) bad("le not rising")
		else prev_le = le + 0
		if (v < prev_b) bad("buckets not cumulative")
		prev_b = v
	} else if (name == fam "_sum") {
		seen_sum = 1
	} else if (name == fam "_count") {
		seen_count = 1
		if (!seen_inf || v != inf) bad("_count is not the +Inf bucket")
	} else {
		bad("sample " name " in histogram " fam)
	}
}
END {
	close_family()
	if (NR == 0) { print "empty scrape"; errors++ }
	exit errors > 0
}
