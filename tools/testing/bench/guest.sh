#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The `make bench` matrix, run inside the test guest as /tests/bench.sh
# (tools/testing/bench/run.sh packs it; it is not one of the vmtest tests).
#
# Targets: brd (raw), dm-crypt (default), dm-crypt no_read_workqueue +
# no_write_workqueue, iocrypt, all aes-xts-plain64 with a 512-bit key over
# the same 64 MiB of one brd; plus aiodemo with zero service time (raw).
# Engines: libaio, io_uring, aioattr (attrs=all); aioattr with no attribute
# requested on brd, iocrypt and aiodemo; on brd and aiodemo also aioattr
# with registered buffers (fixedbufs=1) when the engine has that option,
# and next to it io_uring with its own registered buffers (io_uringfb);
# on aiodemo at QD1 and rr QD32 and on brd at rr QD1 also aioattr waiting
# in a call of its own instead of in the submitting call (submit_wait=0:
# aioattrnw); on brd and aiodemo at QD1 and QD32 also aioattr submitting
# with AIO_ATTR_IOC_SUBMIT instead of through the submission queue
# (sqring=0: aioattrsq0), when the engine has that option.
# Workloads: 4k randread QD1/QD32, 4k randwrite QD1/QD32, 128k sequential
# read QD8; on brd and aiodemo 4k randread QD128, on brd 4k randread QD1
# with two jobs (a context each).
#
# Hardirq disks (issue 11, the "hardirq" set): aiodemo completion=hardirq
# with two hardware queues (/dev/bench1) and qemu's virtio-blk with two
# queues over its null-co driver (/dev/vda, zeroes; run.sh adds it), raw
# and under dm-crypt (both modes) and iocrypt over their first 64 MiB;
# libaio, io_uring, aioattr; 4k randread QD1, QD16 one job, QD16 one job
# per vCPU (pinned), 128k sequential read QD8.  After the matrix, the
# debugfs dm-iocrypt/softirq counters.
#
# Buffered reads (issue 13, the "buffered" set): a 128 MiB file on ext4 on
# an aiodemo disk whose every access takes 2 ms (/dev/benchb, no cache
# model, softirq completions), 4k random reads QD16, buffered (direct=0),
# with a cold page cache (drop_caches before each run; fio's random map
# reads no block twice in a run, and a run reads less than the file at
# bench.runtime up to 4 s) and a warm one (the whole file read right before
# the run): libaio (io_submit does the read, waiting for a miss), io_uring
# (punts a miss to io-wq), aioattr (a miss goes to a worker; max_workers
# 4, the default, and 16: aioattrw16); fio's posixaio engine with glibc's
# POSIX AIO (posixaio) and with LD_PRELOAD=libaioattr-posix (posixaa,
# posixaaw16 with max_workers 16).  The posixaio engines, libaio and
# io_uring also read brd with O_DIRECT (4k randread QD16).  Each of these
# runs also records the disk's reads and the /dev/aio_attr submissions.
#
# Four cell sets: "fastpath" (issue 10: brd and aiodemo with every engine,
# iocrypt with and without attributes, the QD128 and two-job cells) runs
# bench.reps times; the rest (the crypt comparisons of issue 6, 128k
# reads, the hardirq disks, the buffered cells) bench.reps_rest times;
# bench.set=buffered runs only the buffered cells, bench.reps times.  Every repetition runs every cell once
# (round robin), so drift over the run hits all cells alike.  Around each
# fio run it snapshots /proc/stat (ctxt, intr), and, from fio's
# exec_prerun/exec_postrun hooks, the busy CPU time, ctxt and intr of the
# I/O phase alone.  After the matrix, `perf stat -I` around one fio run
# per kcount cell counts slab allocations and RCU callbacks (analyze.py
# keeps the intervals of the I/O phase).  Results leave the guest on the
# console: per repetition, each cell's fio JSON gzip'd and base64'd between
#   AABENCH-BLOB-BEGIN <name>  ...  AABENCH-BLOB-END
# and progress lines "AABENCH: ...".  Knobs on the kernel command line:
#   bench.runtime=S (2)  bench.reps=N (5)  bench.reps_rest=N (3)
#   bench.set=all|fastpath|hardirq|buffered (all)  bench.only=REGEX (cell filter)
#   bench.kcount=0|1 (1: allocation and RCU counts)
#   bench.perf=0|1 (1: perf profiles of a few cells at the end; 0)
#   bench.sched=none|mq-deadline (aiodemo's I/O scheduler, default none)
#   bench.insn=0|1|2|3 (1 and 3: mark each I/O phase's start and end for
#     the instruction-counting qemu plugin, with /tests/bin/aa_mark; 2: and
#     print the kernel's text symbols at the end for its profile; 0)
# shellcheck source=tools/testing/vm/lib.sh
. "$AA_LIB"
aa_require fio

RUNTIME=2
REPS=5
REPS_REST=3
SET=all
ONLY=
KCOUNT=1
PERF=0
SCHED=none
INSN=0
# shellcheck disable=SC2013 # words, not lines
for w in $(cat /proc/cmdline); do
	case $w in
	bench.runtime=*) RUNTIME=${w#*=} ;;
	bench.reps=*) REPS=${w#*=} ;;
	bench.reps_rest=*) REPS_REST=${w#*=} ;;
	bench.set=*) SET=${w#*=} ;;
	bench.kcount=*) KCOUNT=${w#*=} ;;
	bench.only=*) ONLY=${w#*=} ;;
	bench.perf=*) PERF=${w#*=} ;;
	bench.sched=*) SCHED=${w#*=} ;;
	bench.insn=*) INSN=${w#*=} ;;
	esac
done
[ "$REPS_REST" -le "$REPS" ] || REPS_REST=$REPS
[ "$SET" != buffered ] || REPS_REST=$REPS

OUT=/tmp/bench
mkdir -p $OUT
cd $OUT || exit 1
SIZE_MB=64
NCPU=$(grep -c ^processor /proc/cpuinfo)
SECTORS=$((SIZE_MB * 2048))
ENGINE=/tests/lib/aioattr.so
KEY=$(od -An -v -tx1 -N64 /dev/urandom | tr -d ' \n')

say() { echo "AABENCH: $*"; }
# The console, for lines printed inside command substitutions.
exec 9>&1

# blob NAME FILE - FILE gzip'd and base64'd between marker lines.
blob() {
	echo "AABENCH-BLOB-BEGIN $1"
	gzip -c "$2" | base64
	echo "AABENCH-BLOB-END"
}

# stat_field NAME - first value of the /proc/stat line NAME.
stat_field() { awk -v n="$1" '$1 == n { print $2; exit }' /proc/stat; }

# Every fio run is a new process.  With its mappings at random addresses,
# qemu translates fio, the C library and the engine again for each run
# (its translated code is looked up by virtual address), ~20k blocks per
# run, and its code buffer fills and is flushed whole every ~7 minutes:
# both of those are qemu's work inside the runs, not the engines'.  At
# the same addresses every run finds the code of the ones before it.
echo 0 >/proc/sys/kernel/randomize_va_space

# ---- devices ----
aa_brd 128
aa_load dm-crypt
aa_load aio_attr
aa_load aiodemo nr_devices=0
aa_load dm-iocrypt
# Every byte the cells touch exists in brd (an absent page reads as zeroes
# without a copy, which would flatter the raw device).
dd if=/dev/urandom of=/dev/ram0 bs=1M count=$SIZE_MB oflag=direct 2>/dev/null

# mkdm NAME TARGET OPTS [DEV] - a crypt or iocrypt mapping over DEV (brd).
mkdm() {
	printf '0 %s %s aes-xts-plain64 %s 0 %s 0%s\n' "$SECTORS" "$2" "$KEY" "${4:-/dev/ram0}" "$3" |
		dmsetup create "$1" || { aa_fail "bench.setup.$1" "dmsetup create $1"; exit 1; }
}
mkdm crypt crypt ""
mkdm cryptnowq crypt " 2 no_read_workqueue no_write_workqueue"
mkdm iocrypt iocrypt ""
dmsetup mknodes

# mkaiodemo NAME COMPLETION HW_QUEUES - /dev/NAME, an aiodemo disk with
# zero service time and no cache model, filled with random data.
mkaiodemo() {
	a=/sys/kernel/config/aiodemo/$1
	mkdir "$a"
	echo $SIZE_MB >"$a/size"
	echo 4096 >"$a/blocksize"
	echo "$2" >"$a/completion"
	echo "$3" >"$a/hw_queues"
	echo 0 >"$a/cache_blocks"
	echo 0 >"$a/hit_nsec"
	echo 0 >"$a/miss_nsec"
	echo 64 >"$a/queue_depth"
	echo 1 >"$a/power" || { aa_fail "bench.setup.$1" "aiodemo power on"; exit 1; }
	dd if=/dev/urandom of="/dev/$1" bs=1M count=$SIZE_MB oflag=direct 2>/dev/null
}
d=/sys/kernel/config/aiodemo/bench0
mkaiodemo bench0 softirq 1
# A single-queue blk-mq disk gets mq-deadline by default; a fast device
# (NVMe) runs without a scheduler.  With one, every request submitted
# outside a plug is dispatched by a kblockd worker (a context switch per
# I/O at QD1): bench.sched=mq-deadline measures that case.
echo "$SCHED" >/sys/block/bench0/queue/scheduler ||
	{ aa_fail bench.setup.sched "scheduler $SCHED"; exit 1; }

# ---- disks that complete in hard interrupt context (set "hardirq") ----
# aiodemo ends requests from a hard hrtimer on the submitting CPU, as NVMe
# does; virtio-blk with two queues interrupts per queue (MSI-X).
HARDIRQ_TARGETS=
if [ "$SET" = all ] || [ "$SET" = hardirq ]; then
	d1=/sys/kernel/config/aiodemo/bench1
	mkaiodemo bench1 hardirq 2
	echo none >/sys/block/bench1/queue/scheduler
	mkdm hdcrypt crypt "" /dev/bench1
	mkdm hdcryptnowq crypt " 2 no_read_workqueue no_write_workqueue" /dev/bench1
	mkdm hdiocrypt iocrypt "" /dev/bench1
	HARDIRQ_TARGETS="hd hdcrypt hdcryptnowq hdiocrypt"
	# (virtio_blk does not pull in the PCI transport)
	/sbin/modprobe virtio_pci 2>/dev/null
	/sbin/modprobe virtio_blk 2>/dev/null
	n=0
	while [ ! -b /dev/vda ] && [ $n -lt 100 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	if [ -b /dev/vda ]; then
		mkdm vbcrypt crypt "" /dev/vda
		mkdm vbcryptnowq crypt " 2 no_read_workqueue no_write_workqueue" /dev/vda
		mkdm vbiocrypt iocrypt "" /dev/vda
		HARDIRQ_TARGETS="$HARDIRQ_TARGETS vb vbcrypt vbcryptnowq vbiocrypt"
		say "virtio-blk: /dev/vda, $(find /sys/block/vda/mq -mindepth 1 -maxdepth 1 | wc -l) queues," \
			"scheduler $(cat /sys/block/vda/queue/scheduler)"
	else
		say "no virtio-blk disk /dev/vda: no vb* cells" \
			"($(grep -c virtio /proc/modules) virtio modules loaded)"
	fi
	dmsetup mknodes
fi

# ---- buffered reads of a file (set "buffered") ----
# /dev/benchb: aiodemo, every access 2 ms (BMISS_NS), softirq completions,
# no scheduler; ext4 on it with one 128 MiB file of random data.
BMISS_NS=2000000
BFILE_MB=128
BDIR=/mnt/bench_ext4
BFILE=$BDIR/data
if [ "$SET" = all ] || [ "$SET" = buffered ]; then
	b=/sys/kernel/config/aiodemo/benchb
	mkdir "$b"
	echo $((BFILE_MB + 64)) >"$b/size"
	echo 4096 >"$b/blocksize"
	echo softirq >"$b/completion"
	echo 1 >"$b/hw_queues"
	echo 0 >"$b/cache_blocks"
	echo $BMISS_NS >"$b/hit_nsec"
	echo $BMISS_NS >"$b/miss_nsec"
	echo 64 >"$b/queue_depth"
	echo 1 >"$b/power" || { aa_fail bench.setup.benchb "aiodemo power on"; exit 1; }
	echo none >/sys/block/benchb/queue/scheduler
	/sbin/modprobe ext4 2>/dev/null
	mkdir -p $BDIR
	if ! mkfs.ext4 -q -F /dev/benchb >$OUT/mkfs.out 2>&1 || ! mount -t ext4 /dev/benchb $BDIR; then
		aa_fail bench.setup.ext4 "ext4 on /dev/benchb: $(tr '\n' ' ' <$OUT/mkfs.out)"
		exit 1
	fi
	dd if=/dev/urandom of=$BFILE bs=1M count=$BFILE_MB conv=fsync 2>/dev/null ||
		{ aa_fail bench.setup.ext4 "writing $BFILE"; exit 1; }
fi
MAXW=/sys/module/aio_attr/parameters/max_workers
MAXW_DEFAULT=$(cat $MAXW)
PRELOAD=/tests/lib/libaioattr-posix.so
AASUB=/sys/class/misc/aio_attr/submitted

devpath() {
	case $1 in
	ext4) echo $BFILE ;;
	brd) echo /dev/ram0 ;;
	aiodemo) echo /dev/bench0 ;;
	hd) echo /dev/bench1 ;;
	vb) echo /dev/vda ;;
	*) echo "/dev/mapper/$1" ;;
	esac
}

# ---- the crypto limit ----
# cryptsetup benchmark (AF_ALG, kernel crypto API, the same xts(aes)
# implementation dm-crypt and iocrypt get: xts-aes-aesni under -cpu max).
limit_cryptsetup() {
	for m in af_alg algif_skcipher; do
		grep -q "^$m " /proc/modules ||
			/sbin/insmod /tests/bench/$m.ko 2>/dev/null || /sbin/modprobe $m 2>/dev/null
	done
	command -v cryptsetup >/dev/null || return 1
	cryptsetup benchmark -c aes-xts-plain64 -s 512 >$OUT/cryptsetup.txt 2>&1 || return 1
	cat $OUT/cryptsetup.txt
	grep -q 'aes-xts' $OUT/cryptsetup.txt
}
# The kernel crypto API through dm-crypt (inline, no workqueues) over the
# dm "zero" target: 128k sequential reads, psync QD1, so the data path is
# decryption (of zeroes) and a bio round trip without a device.
limit_dmzero() {
	grep -q '^dm_zero ' /proc/modules || /sbin/insmod /tests/bench/dm-zero.ko 2>/dev/null
	echo "0 $SECTORS zero" | dmsetup create zerodev || return 1
	printf '0 %s crypt aes-xts-plain64 %s 0 /dev/mapper/zerodev 0 2 no_read_workqueue no_write_workqueue\n' \
		"$SECTORS" "$KEY" | dmsetup create zcrypt || return 1
	dmsetup mknodes
	fio --name=z --filename=/dev/mapper/zcrypt --ioengine=psync --direct=1 --rw=read \
		--bs=128k --size=${SIZE_MB}M --time_based --runtime=3 --output-format=json \
		--output=$OUT/limit_dmzero.json >/dev/null 2>&1
	dmsetup remove zcrypt
	dmsetup remove zerodev
}
if [ "$SET" != buffered ]; then
	say "crypto limit: cryptsetup benchmark -c aes-xts-plain64 -s 512"
	limit_cryptsetup || say "cryptsetup benchmark did not work here"
	[ -f $OUT/cryptsetup.txt ] && blob cryptsetup.txt $OUT/cryptsetup.txt
	say "crypto limit: dm-crypt (inline) over dm-zero, 128k reads"
	limit_dmzero && blob limit_dmzero.json $OUT/limit_dmzero.json
fi

# ---- the matrix ----
# Probe: can the engine request no attribute at all (attrs=none)?
NONE=none
if ! fio --name=p --filename=/dev/bench0 --ioengine=external:$ENGINE --direct=1 --rw=read \
	--bs=4k --size=64k --attrs=none >/dev/null 2>&1; then
	NONE=service_ns
	say "engine does not take attrs=none: 'no attributes' cells request service_ns only"
fi
# Probe: registered buffers (fixedbufs=1), an engine option since issue 10.
FB=
FBSTATE=absent
if fio --enghelp=$ENGINE 2>/dev/null | grep -q '^fixedbufs'; then
	if fio --name=p --filename=/dev/ram0 --ioengine=external:$ENGINE --direct=1 --rw=read \
		--bs=4k --size=64k --attrs=all --fixedbufs=1 >$OUT/fb.probe 2>&1; then
		FB=aioattrfb FBSTATE=1
	else
		FBSTATE=failed
		say "engine lists fixedbufs but fixedbufs=1 fails:" \
			"$(grep -m2 -E '^fio|error' $OUT/fb.probe | tr '\n' ' ')"
	fi
else
	say "engine has no fixedbufs option: no registered-buffer cells"
fi
# Probe: the submission queue (sqring, issue 10): cells without it.
SQ0=
if fio --enghelp=$ENGINE 2>/dev/null | grep -q '^sqring'; then
	SQ0=aioattrsq0
else
	say "engine has no sqring option: no cells without the submission queue"
fi

CELLS=$OUT/cells
: >$CELLS
# cell SET TARGET ENGINE WL ATTRS - one line of the cell list; SET F
# (fastpath, bench.reps repetitions) or R (the rest, bench.reps_rest).
# H: the hardirq disks, B: the buffered cells, both bench.reps_rest.
cell() {
	case $SET.$1 in
	fastpath.F | hardirq.H | buffered.B | all.*) echo "$2 $3 $4 $5 $1" >>$CELLS ;;
	esac
}
# Cells compared with each other run close together in time, because the
# host's load drifts (other VMs on a shared machine): the engines of one
# target back to back, the targets of one workload next to each other, each
# attribute-overhead pair (aioattr with all attributes, then with none)
# back to back, and the two-job and QD128 cells of an engine right after
# its QD1 and QD32 cells.
for wl in rr1 rr32 rw1 rw32 sr8; do
	for t in brd crypt cryptnowq iocrypt aiodemo; do
		engines="libaio io_uring aioattr"
		grp=R
		case $t.$wl in
		*.sr8) ;;
		# with registered buffers, each engine its own: io_uring's
		# fixedbufs=1 is the anchor of aioattr's
		brd.* | aiodemo.*) engines="$engines $FB${FB:+ io_uringfb}" grp=F ;;
		esac
		# also with the engine waiting in a call of its own
		# (submit_wait=0), next to the default that waits in SUBMIT
		case $t.$wl in
		aiodemo.rr1 | aiodemo.rw1 | aiodemo.rr32 | brd.rr1) engines="$engines aioattrnw" ;;
		esac
		# also submitting with AIO_ATTR_IOC_SUBMIT (sqring=0)
		case $t.$wl in
		brd.rr1 | brd.rr32 | aiodemo.rr1 | aiodemo.rr32) engines="$engines $SQ0" ;;
		esac
		for e in $engines; do
			s=$grp
			[ "$t.$e" = iocrypt.aioattr ] && [ $wl != sr8 ] && s=F
			cell $s $t "$e" $wl all
			case $e.$t.$wl in
			aioattr.*.sr8) ;;
			aioattr.brd.* | aioattr.aiodemo.* | aioattr.iocrypt.*) cell $s $t "$e" $wl none ;;
			esac
			case $e in io_uringfb | aioattrnw | aioattrsq0) continue ;; esac
			[ $t.$wl = brd.rr1 ] && [ "$e" != "$FB" ] && cell F $t "$e" rr1j2 all
			[ $grp.$wl = F.rr32 ] && cell F $t "$e" rr128 all
		done
	done
done
for wl in rr1 rr16 rr16j2 sr8; do
	for t in $HARDIRQ_TARGETS; do
		for e in libaio io_uring aioattr; do
			cell H "$t" $e $wl all
		done
	done
done
# The buffered cells: cold, then warm, then O_DIRECT brd for the
# posixaio pair next to libaio and io_uring.
for wl in cold16 warm16; do
	for e in libaio io_uring aioattr aioattrw16 posixaio posixaa posixaaw16; do
		case $wl.$e in warm16.*w16) continue ;; esac
		cell B ext4 $e $wl all
	done
done
for e in libaio io_uring posixaio posixaa; do
	cell B brd $e rr16 all
done
if [ -n "$ONLY" ]; then
	awk -v re="$ONLY" '($1 " " $2 " " $3 " " $4) ~ re' $CELLS >$CELLS.f
	mv $CELLS.f $CELLS
fi
NCELLS=$(wc -l <$CELLS)
NRUNS=$(awk -v f="$REPS" -v r="$REPS_REST" '{ n += $5 == "F" ? f : r } END { print n + 0 }' $CELLS)
say "matrix: $NCELLS cells, $NRUNS runs (fastpath x$REPS, rest x$REPS_REST), ${RUNTIME}s each"
# Background: what the counters see with no I/O (an idle sleep, and fio
# itself on the null engine), over one cell's runtime.
c0=$(stat_field ctxt) i0=$(stat_field intr)
sleep "$RUNTIME"
c1=$(stat_field ctxt) i1=$(stat_field intr)
fio --name=n --ioengine=null --size=1g --rw=randread --bs=4k --time_based \
	--runtime="$RUNTIME" --rate_iops=1000 </dev/null >/dev/null 2>&1
c2=$(stat_field ctxt) i2=$(stat_field intr)
say "background per ${RUNTIME}s: idle ctxt $((c1 - c0)) intr $((i1 - i0));" \
	"fio null engine at 1000 IOPS ctxt $((c2 - c1)) intr $((i2 - i1))"
BG="bg_idle_ctxt=$((c1 - c0)) bg_idle_intr=$((i1 - i0)) bg_fio_ctxt=$((c2 - c1)) bg_fio_intr=$((i2 - i1))"
echo "AABENCH-META $BG"
echo "AABENCH-META runtime=$RUNTIME reps=$REPS reps_rest=$REPS_REST set=$SET cells=$NCELLS" \
	"runs=$NRUNS size_mb=$SIZE_MB none_attrs=$NONE fixedbufs=$FBSTATE" \
	"bfile_mb=$BFILE_MB bmiss_ns=$BMISS_NS max_workers=$MAXW_DEFAULT" \
	"user_hz=$(getconf CLK_TCK 2>/dev/null || echo 100)" \
	"aiodemo_sched=$SCHED kernel=$(uname -r) cpus=$(grep -c ^processor /proc/cpuinfo)" \
	"model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1 | tr ' ' _)"

# The snapshot fio's exec_prerun and exec_postrun take: busy CPU ticks of
# all CPUs (user + nice + system + irq + softirq), ctxt and intr, appended
# to the file given.  fio runs the hooks right before its first I/O and
# right after its last, so the difference is the I/O phase without fio's
# start and stop.  With bench.insn=1 a third argument K is the mark for the
# instruction-counting plugin, set after the snapshot at the start (K
# even) and before it at the end (K odd), so that neither window holds the
# other's programs.
# shellcheck disable=SC2016 # the snapshot script's own $2, not ours
printf '%s\n' '#!/bin/sh' \
	'[ -n "$2" ] && [ $(($2 % 2)) = 1 ] && /tests/bin/aa_mark "$2"' \
	"awk '\$1 == \"cpu\" { b = \$2 + \$3 + \$4 + \$7 + \$8 }" \
	"	\$1 == \"ctxt\" { c = \$2 } \$1 == \"intr\" { i = \$2 }" \
	"	END { print b, c, i }' /proc/stat >>\"\$1\"" \
	'[ -n "$2" ] && [ $(($2 % 2)) = 0 ] && /tests/bin/aa_mark "$2"' \
	'exit 0' >$OUT/snap
chmod +x $OUT/snap
if [ "$INSN" != 0 ] && [ ! -x /tests/bin/aa_mark ]; then
	aa_fail bench.setup.insn "bench.insn=$INSN but no /tests/bin/aa_mark"
	exit 1
fi

# fio_args TARGET ENGINE WL ATTRS NAME - the fio options of a cell (the
# engine's attribute report to $OUT/NAME.attr.json).
fio_args() {
	case $3 in
	rr1 | rr1j2) rw=randread bs=4k qd=1 ;;
	rr16 | rr16j2 | cold16 | warm16) rw=randread bs=4k qd=16 ;;
	rr32) rw=randread bs=4k qd=32 ;;
	rr128) rw=randread bs=4k qd=128 ;;
	rw1) rw=randwrite bs=4k qd=1 ;;
	rw32) rw=randwrite bs=4k qd=32 ;;
	sr8) rw=read bs=128k qd=8 ;;
	esac
	jobs=
	[ "$3" = rr1j2 ] && jobs="--numjobs=2 --group_reporting=1"
	# one job per vCPU, each pinned to its own
	[ "$3" = rr16j2 ] && jobs="--numjobs=$NCPU --cpus_allowed=0-$((NCPU - 1))" &&
		jobs="$jobs --group_reporting=1 --cpus_allowed_policy=split"
	case $2 in
	aioattr | aioattrfb | aioattrw16 | aioattrnw | aioattrsq0)
		a=all
		[ "$4" = none ] && a=$NONE
		eng="external:$ENGINE --attrs=$a --attr_json=$OUT/$5.attr.json"
		[ "$2" = aioattrfb ] && eng="$eng --fixedbufs=1"
		[ "$2" = aioattrnw ] && eng="$eng --submit_wait=0"
		[ "$2" = aioattrsq0 ] && eng="$eng --sqring=0"
		;;
	io_uringfb) eng="io_uring --fixedbufs=1" ;;
	posixaa | posixaaw16) eng=posixaio ;;
	*) eng=$2 ;;
	esac
	# The buffered cells: fio's random map (no block read twice in a run,
	# so a cold run misses throughout), no invalidation at the start (the
	# cell decides what is cached); submission latency percentiles, for
	# aioattr without waiting in the submitting call.
	direct=1 size=${SIZE_MB}M map=--norandommap
	case $3 in
	cold16 | warm16)
		direct=0 size=${BFILE_MB}M map="--invalidate=0 --slat_percentiles=1"
		# (slat: the SUBMIT call alone, as libaio's io_submit())
		case $2 in aioattr*) eng="$eng --submit_wait=0" ;; esac
		;;
	rr16) [ "$1" = brd ] && map="$map --slat_percentiles=1" ;;
	esac
	echo "--name=b --filename=$(devpath "$1") --ioengine=$eng $jobs --direct=$direct" \
		"--rw=$rw --bs=$bs --iodepth=$qd --size=$size --time_based" \
		"$map --randrepeat=0"
}

# cell_env ENGINE WL - set up what a cell runs with: the page cache (cold:
# every page dropped; warm: the whole file read) and max_workers; print
# the variable fio's environment gets (LD_PRELOAD for the posixaa engines).
cell_env() {
	case $2 in
	cold16)
		sync
		echo 3 >/proc/sys/vm/drop_caches
		;;
	warm16) cat $BFILE >/dev/null ;;
	esac
	case $1 in
	*w16) echo 16 >$MAXW ;;
	*) echo "$MAXW_DEFAULT" >$MAXW ;;
	esac
	case $1 in
	posixaa*) echo "LD_PRELOAD=$PRELOAD" ;;
	*) echo "AABENCH_PRELOAD=none" ;;
	esac
}

# run_cell TARGET ENGINE WL ATTRS REP N - one fio run, the Nth; its JSON to
# $OUT.  With bench.insn=1 its instruction marks are 2N and 2N + 1 (modulo
# the plugin's 4096), noted as mark= in the counters; not for the cells of
# several jobs, whose hooks run once per job.
run_cell() {
	name=$1.$2.$3.$4.$5
	kpre='' kpost='' mk=''
	if [ "$INSN" != 0 ] && [ "$3" != rr1j2 ] && [ "$3" != rr16j2 ]; then
		kpre=$((2 * $6 % 4096)) kpost=$((2 * $6 % 4096 + 1)) mk=" mark=$kpre"
	fi
	rm -f $OUT/w.pre $OUT/w.post
	fenv=$(cell_env "$2" "$3")
	s0=$(cat $AASUB) r0=$(awk '{ print $1 }' /sys/block/benchb/stat 2>/dev/null)
	c0=$(stat_field ctxt) i0=$(stat_field intr)
	# (the host notes its own CPU counters at these two lines: run.sh)
	echo "AABENCH-RUN begin $name" >&9
	# shellcheck disable=SC2046 # fio_args is a list of options
	env "$fenv" fio $(fio_args "$1" "$2" "$3" "$4" "$name") --runtime="$RUNTIME" \
		--lat_percentiles=1 \
		--exec_prerun="$OUT/snap $OUT/w.pre $kpre" --exec_postrun="$OUT/snap $OUT/w.post $kpost" \
		--output-format=json --output="$OUT/$name.json" </dev/null >"$OUT/$name.err" 2>&1
	frc=$?
	echo "AABENCH-RUN end $name" >&9
	c1=$(stat_field ctxt) i1=$(stat_field intr)
	# the device's submissions and the buffered disk's reads, whole fio run
	x="aasub=$(($(cat $AASUB) - s0))"
	[ -n "$r0" ] && x="$x devrd=$(($(awk '{ print $1 }' /sys/block/benchb/stat) - r0))"
	# (several jobs: one report per job, NAME.attr.json.N; kept for the
	# one-job-per-vCPU cells, whose contexts analyze.py adds up)
	case $3 in
	rr16j2) ;;
	*) rm -f "$OUT/$name.attr.json".* ;;
	esac
	# The I/O phase: the first job's start to the last job's end.
	w=
	if [ -s $OUT/w.pre ] && [ -s $OUT/w.post ]; then
		# shellcheck disable=SC2046 # three numbers each
		set -- $(head -n1 $OUT/w.pre) $(tail -n1 $OUT/w.post)
		w="wbusy=$(($4 - $1)) wctxt=$(($5 - $2)) wintr=$(($6 - $3))"
	fi
	echo "$name ctxt=$((c1 - c0)) intr=$((i1 - i0)) $w $x rc=$frc$mk" >>"$OUT/counters.$rep"
	iops=$(awk '/"iops" :/ { v = $3; sub(",", "", v); if (v + 0 > 0) { print int(v); exit } }' \
		"$OUT/$name.json" 2>/dev/null)
	echo "$name ${iops:-?} $((c1 - c0)) $frc"
}

# Even repetitions run the cells in reverse order: two cells compared
# side by side (neighbours in the list) swap places, so a drift in the
# host's speed over a repetition favours neither.
sed '1!G;h;$!d' $CELLS >$OUT/cells.rev
rep=1
n=0
while [ $rep -le "$REPS" ]; do
	: >$OUT/counters.$rep
	order=$CELLS
	[ $((rep % 2)) = 0 ] && order=$OUT/cells.rev
	while read -r t e wl at s; do
		[ "$s" = F ] || [ $rep -le "$REPS_REST" ] || continue
		n=$((n + 1))
		# shellcheck disable=SC2046 # the fields of run_cell's line
		set -- $(run_cell "$t" "$e" "$wl" "$at" "$rep" "$n")
		say "[$n/$NRUNS] rep $rep $t $e $wl attrs=$at: ${2} IOPS, ctxt $3 (fio rc $4)"
		[ "$4" = 0 ] || { head -c 600 "$OUT/$1.err"; echo; }
	done <$order
	# This repetition's results off the guest (between cells, then a pause
	# so the serial console has drained before the next measurement).
	for f in "$OUT"/*."$rep".json "$OUT"/*."$rep".attr.json "$OUT"/*."$rep".attr.json.*; do
		[ -f "$f" ] && blob "$(basename "$f")" "$f" && rm -f "$f"
	done
	blob counters.$rep $OUT/counters.$rep
	sleep 1
	rep=$((rep + 1))
done

if [ -n "$HARDIRQ_TARGETS" ] && [ -r /sys/kernel/debug/dm-iocrypt/softirq ]; then
	cp /sys/kernel/debug/dm-iocrypt/softirq $OUT/softirq.txt
	for t in hdiocrypt vbiocrypt; do
		dmsetup status $t >>$OUT/softirq.txt 2>/dev/null
	done
	blob softirq.txt $OUT/softirq.txt
fi
# The kernel's text symbols, for the instruction profile (bench.insn=2).
if [ "$INSN" = 2 ]; then
	awk '$2 == "t" || $2 == "T"' /proc/kallsyms >$OUT/kallsyms.txt
	blob kallsyms.txt $OUT/kallsyms.txt
	rm -f $OUT/kallsyms.txt
fi
echo "AABENCH-MATRIX-DONE"

# ---- slab allocations and RCU callbacks per I/O ----
# After the matrix (perf perturbs what it watches): for brd 4k randread at
# QD1 and QD32 and each engine, `perf stat -a -I` runs fio and prints the
# counts of every 250 ms; analyze.py keeps the intervals inside the I/O
# phase.  Slab allocations: the kmem tracepoints; RCU callbacks: kprobes in
# call_rcu and kvfree_call_rcu (Debian's 6.1 has no CONFIG_RCU_TRACE, so no
# rcu:rcu_callback); I/Os: block:block_bio_queue (brd takes one bio per 4k
# I/O).  The probes sit past the function's ftrace call (offset 5, or 9
# after an endbr64): a kprobe on the entry itself goes through ftrace,
# and the guest crashed there (a jump to 0 on return from call_rcu called
# by aio_attr).  The counts are system wide: the background (timers, the
# console) is in them.
KWIN=3
# kcount_events - register the kprobes; print the perf event list.
T=/sys/kernel/tracing
[ -d $T/events ] || T=/sys/kernel/debug/tracing
kcount_events() {
	for p in call_rcu kvfree_call_rcu; do
		# +9 where the function starts with endbr64 (IBT, Debian's 6.12)
		echo "p:aabench/$p $p+5 func=%si:x64" >>$T/kprobe_events 2>$OUT/kprobe.err ||
			echo "p:aabench/$p $p+9 func=%si:x64" >>$T/kprobe_events 2>$OUT/kprobe.err ||
			say "kcount: no kprobe in $p: $(cat $OUT/kprobe.err)" >&2
	done
	ev=
	for e in kmem/kmalloc kmem/kmalloc_node kmem/kmem_cache_alloc kmem/kmem_cache_alloc_node \
		aabench/call_rcu aabench/kvfree_call_rcu block/block_bio_queue; do
		[ -d $T/events/$e ] && ev=$ev${ev:+,}$(echo $e | tr / :)
	done
	echo "$ev"
}
# HISTS: per event, the field whose values a tracefs hist trigger counts
# over the whole fio run: which call sites allocate, which RCU callbacks.
HISTS="kmem/kmem_cache_alloc:call_site kmem/kmalloc:call_site aabench/call_rcu:func"
# hists on|off - set or remove the hist triggers.
hists() {
	for h in $HISTS; do
		[ -f "$T/events/${h%%:*}/trigger" ] || continue
		c="hist:keys=${h#*:}.sym:vals=hitcount:sort=hitcount.descending:size=256"
		[ "$1" = on ] || c="!$c"
		echo "$c" >"$T/events/${h%%:*}/trigger" 2>/dev/null
	done
}
# kcount_cell TARGET ENGINE WL - kcount.CELL.txt off the guest.
kcount_cell() {
	name=$1.$2.$3.all
	f=$OUT/kcount.$name.txt
	echo "## cell $name" >"$f"
	hists on
	# shellcheck disable=SC2046 # fio_args is a list of options
	perf stat -a -x, -I 250 -e "$KEV" -o "$f" --append -- \
		fio $(fio_args "$1" "$2" "$3" all "k.$name") --runtime=$KWIN --disk_util=0 \
		--output-format=json --output="$OUT/k.$name.json" </dev/null >"$OUT/k.$name.err" 2>&1
	rc=$?
	for h in $HISTS; do
		[ -f "$T/events/${h%%:*}/hist" ] || continue
		echo "## hist ${h%%:*}"
		grep -E '^\{' "$T/events/${h%%:*}/hist" | head -n 8
	done >"$OUT/k.hist"
	hists off
	echo "## rc $rc" >>"$f"
	[ $rc = 0 ] || sed 's/^/## err /' "$OUT/k.$name.err" | tail -n 5 >>"$f"
	cat "$OUT/k.hist" >>"$f"
	rm -f "$OUT/k.$name".*
	say "kcount: $1 $2 $3: $(grep -c , "$f") counts"
	blob "$(basename "$f")" "$f"
}
# (not in the buffered set: the counts are about the fast path's cells)
[ "$SET" = buffered ] && KCOUNT=0
if [ "$KCOUNT" = 1 ] && command -v perf >/dev/null; then
	KEV=$(kcount_events)
	say "kcount: events $KEV"
	# The idle guest's own rate, for what a count of ~0 per I/O can be.
	f=$OUT/kcount.idle.txt
	perf stat -a -x, -I 250 -e "$KEV" -o "$f" -- sleep $KWIN >/dev/null 2>&1
	blob "$(basename "$f")" "$f"
	for wl in rr1 rr32; do
		for e in libaio io_uring aioattr $FB; do
			[ -n "$ONLY" ] && ! echo "brd $e $wl all" | grep -qE "$ONLY" && continue
			kcount_cell brd "$e" $wl
		done
	done
elif [ "$KCOUNT" = 1 ]; then
	say "kcount: no perf in the guest"
fi

# ---- profiles (after the measurements; they perturb what they watch) ----
if [ "$PERF" = 1 ] && command -v perf >/dev/null; then
	# shellcheck source=tools/testing/bench/profile.sh
	. /tests/bench/profile.sh
fi

aa_pass bench.matrix
dmsetup remove_all
echo 0 >$d/power
rmdir $d
if [ -n "$HARDIRQ_TARGETS" ]; then
	echo 0 >"$d1/power"
	rmdir "$d1"
fi
echo "$MAXW_DEFAULT" >$MAXW
if [ -d /sys/kernel/config/aiodemo/benchb ]; then
	umount $BDIR
	echo 0 >"$b/power"
	rmdir "$b"
fi
aa_done
