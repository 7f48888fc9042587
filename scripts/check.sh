#!/bin/bash
# make check: the modules rebuilt with W=1 and sparse (C=2), then checkpatch --strict on the kernel
# sources and UAPI headers.
# Any warning fails.
set -euo pipefail
. "$(dirname "$0")/common.sh"
resolve_kver

log=$BUILD/log/check.log
mkdir -p "$BUILD/log"
status=0

"$TOP/scripts/kbuild.sh" modules W=1 C=2 2>&1 | tee "$log" >/dev/null || status=1
if grep -E 'warning:|error:' "$log"; then
	status=1
fi
echo "kbuild W=1 C=2: $(grep -Ec 'warning:|error:' "$log" || true) warnings"

cp=$BUILD/checkpatch
if [ ! -x "$cp/checkpatch.pl" ] && [ -r /usr/src/linux-source-6.1.tar.xz ]; then
	mkdir -p "$cp"
	tar -xJf /usr/src/linux-source-6.1.tar.xz -C "$cp" --strip-components=2 \
		linux-source-6.1/scripts/checkpatch.pl linux-source-6.1/scripts/spelling.txt \
		linux-source-6.1/scripts/const_structs.checkpatch
fi
if [ -x "$cp/checkpatch.pl" ]; then
	# kernel code and the UAPI headers; the userspace helpers (tests/, iproute2 plugins and the
	# iproute2 declarations they must copy verbatim) are built with -Wall -Wextra -Werror instead
	srcs=$(cd "$TOP" && { git ls-files '*.c' '*.h' 2>/dev/null || find drivers switch include -name '*.[ch]'; } |
		grep -v -e '^tests/' -e '/link_[a-z]*\.c$' -e '^include/iproute2/')
	if ! (cd "$TOP" && "$cp/checkpatch.pl" --no-tree --terse --show-types --strict -f $srcs); then
		status=1
	fi
	echo "checkpatch: $(echo $srcs | wc -w) files"
else
	echo "checkpatch: not available (apt-get install linux-source-6.1), skipped"
fi
[ $status -eq 0 ] && echo "make check: clean"
exit $status
