#!/bin/bash
# The guest's test suite: every test file tests/*.sh (one that ends with ktap_main), or those named in
# $TESTS, as a KTAP subtest of this one.
cd "$(dirname "$0")" || exit 1
files=()
for f in ${TESTS:-$(ls *.sh | sed 's/\.sh$//')}; do
	[ -r "$f.sh" ] || { echo "no test file $f.sh" >&2; exit 2; }
	grep -q '^ktap_main "$@"' "$f.sh" || continue   # a library, not a test file
	files+=("$f")
done
echo "KTAP version 1"
echo "1..${#files[@]}"
i=0 failed=0
for f in "${files[@]}"; do
	i=$((i + 1))
	echo "    # Subtest: $f"
	bash "./$f.sh" 2>&1 | while IFS= read -r line; do printf '    %s\n' "$line"; done
	if [ "${PIPESTATUS[0]}" -eq 0 ]; then
		echo "ok $i $f"
	else
		echo "not ok $i $f"
		failed=$((failed + 1))
	fi
done
[ $failed -eq 0 ]
