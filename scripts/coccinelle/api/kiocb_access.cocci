// SPDX-License-Identifier: GPL-2.0-only
/// Drivers must not look inside struct kiocb.  A block driver or dm target
/// that wants to return something about an I/O to the process that issued
/// it uses the opaque descriptor of <linux/iodesc.h> (iodesc_from_bio(),
/// iodesc_set_attr(), ...); what it wants to know about the I/O is in the
/// bio (bio_prio(), REQ_NOWAIT, REQ_POLLED, bi_iter.bi_sector).
/// scripts/coccinelle/api/kiocb_to_iodesc.cocci rewrites the usual cases.
///
/// Reports every access to a struct kiocb member: through a struct kiocb
/// (pointer) whose type is known, and through any expression for the
/// members only struct kiocb has (ki_*), so that a missing type does not
/// hide one.
//
// Confidence: High
// Comments: run on drivers/ (scripts/coccinelle/coccicheck.sh does)
// Options: --no-includes --include-headers

virtual report
virtual context

@typed depends on report@
struct kiocb *k;
struct kiocb s;
identifier fld;
position p;
@@
(
k@p->fld
|
s@p.fld
)

@named depends on report@
expression e;
identifier fld =~ "^ki_(filp|pos|complete|flags|ioprio|waitq)$";
position p;
@@
(
e@p->fld
|
e@p.fld
)

@depends on context@
struct kiocb *k;
struct kiocb s;
identifier fld;
@@
(
* k->fld
|
* s.fld
)

@depends on context@
expression e;
identifier fld =~ "^ki_(filp|pos|complete|flags|ioprio|waitq)$";
@@
(
* e->fld
|
* e.fld
)

@initialize:python depends on report@
@@
seen = set()

def kiocb_report(p, fld):
	key = (p[0].file, p[0].line, p[0].column)
	if key in seen:
		return
	seen.add(key)
	coccilib.report.print_report(p[0],
		"struct kiocb member '%s' accessed: use <linux/iodesc.h> and the bio" % fld)

@script:python depends on report@
p << typed.p;
fld << typed.fld;
@@
kiocb_report(p, fld)

@script:python depends on report@
p << named.p;
fld << named.fld;
@@
kiocb_report(p, fld)
